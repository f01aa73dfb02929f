// The consumables most tests of the core use, configured as a user would: coffee beans
// on a scale (g, 1000 g container, packs of 500 g) and coffee pods counted (pcs, 80 in the
// box, packs of 40); for the model's tests also the jar's tare and a lead time, and
// detergent in a bottle on a level sensor.
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

// The jar on the scale weighs 350 g (readings are net of it); delivery takes 3 days.
inline ConsumableConfig coffee_jar() {
  ConsumableConfig c = coffee_beans();
  c.tare = 350;
  c.lead_time_days = 3;
  return c;
}

inline ConsumableConfig pods_box() {
  ConsumableConfig c = coffee_pods();
  c.lead_time_days = 3;
  return c;
}

// A level sensor in ml: a 2000 ml bottle, packs of 1500 ml, 3 days' delivery.
inline ConsumableConfig detergent_bottle() {
  ConsumableConfig c;
  c.id = "detergent";
  c.name = "Detergent";
  c.unit = Unit::ml;
  c.capacity = 2000;
  c.lead_time_days = 3;
  c.pack = {"DET-1500", 1500, 6.5, std::nullopt};
  return c;
}

}  // namespace larder::test
