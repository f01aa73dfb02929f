// The hub's core on a fake bus, an in-memory store and a manual clock: coffee on a scale
// (g, tare 350), pods counted (pcs), the button pod_box (long press: a pack opened), the
// vehicle `car` and the person `anna` (hub_test.cc, hub_devices_test.cc).
#pragma once

#include <doctest/doctest.h>

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/hub.h"
#include "larder/clock.h"
#include "larder/config.h"
#include "larder/metrics.h"
#include "larder/store.h"
#include "support/fake_bus.h"

namespace larder::test {

inline Config hub_test_config() {
  Config c;
  c.state_dir = "/nonexistent";
  ConsumableConfig coffee;
  coffee.id = "coffee";
  coffee.name = "Coffee beans";
  coffee.unit = Unit::g;
  coffee.capacity = 1000;
  coffee.tare = 350;
  coffee.pack = {"COFFEE-500", 500, 8.99, std::nullopt};
  ConsumableConfig pods;
  pods.id = "pods";
  pods.unit = Unit::pcs;
  pods.capacity = 80;
  pods.pack = {"PODS-40", 40, 12.0, std::nullopt};
  c.consumables = {coffee, pods};
  ButtonConfig box;
  box.id = "pod_box";
  box.consumable = "pods";
  box.long_press = ButtonEffect::refilled;
  c.buttons = {box};
  VehicleConfig car;
  car.id = "car";
  c.vehicles = {car};
  PersonConfig anna;
  anna.id = "anna";
  c.people = {anna};
  return c;
}

struct HubFixture {
  Config config = hub_test_config();
  test::FakeBus bus;
  MemoryStore store;
  ManualClock clock{1764460800};
  Metrics metrics;
  Hub hub{config, bus, store, clock, metrics};

  void send(const std::string& topic, const std::string& payload, bool retained = false) {
    hub.on_message(Message{"larder/v1/" + topic, payload, 1, retained});
  }
  // A level sensor's reading is accepted once the next ones confirm it (the model's
  // median of three): `n` equal readings 5 minutes apart, ending now. A drop larger than
  // a twentieth of a pack must last 10 minutes (a lift or spike comes back): 5 readings.
  void level(const std::string& id, const std::string& value_unit, bool gross = false,
             int n = 3) {
    for (int i = 0; i < n; ++i) {
      if (i) clock.advance(300);
      send("consumable/" + id + "/level",
           "{" + value_unit + ",\"ts\":" + std::to_string(static_cast<long>(clock.now())) +
               (gross ? ",\"gross\":true}" : "}"));
    }
  }
  nlohmann::json last_state(const std::string& id) {
    auto states = bus.on("larder/v1/consumable/" + id + "/state");
    REQUIRE_FALSE(states.empty());
    CHECK(states.back().retained);
    return nlohmann::json::parse(states.back().payload);
  }
  std::vector<nlohmann::json> errors() {
    std::vector<nlohmann::json> out;
    for (auto& m : bus.on("larder/v1/error")) out.push_back(nlohmann::json::parse(m.payload));
    return out;
  }
};


}  // namespace larder::test
