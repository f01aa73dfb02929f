// The consumables most tests of the core use, configured as a user would: coffee beans
// on a scale (g, 1000 g container, packs of 500 g) and coffee pods counted (pcs, 80 in the
// box, packs of 40).
#pragma once

#include "larder/config.h"

namespace larder::test {

inline ConsumableConfig coffee_beans() {
  ConsumableConfig c;
  c.id = "coffee";
  c.name = "Coffee beans";
  c.unit = Unit::g;
  c.capacity = 1000;
  c.pack = {"COFFEE-500", 500, 8.99, std::nullopt};
  return c;
}

inline ConsumableConfig coffee_pods() {
  ConsumableConfig c;
  c.id = "pods";
  c.name = "Pods";
  c.unit = Unit::pcs;
  c.capacity = 80;
  c.pack = {"PODS-40", 40, 12.0, std::nullopt};
  return c;
}

}  // namespace larder::test
