// Helpers for tests of the consumable_sensor plugin (tests/unit/plugin_consumable_sensor*_test.cc):
// a configuration with three consumables, sensors of each kind, and a Rig that feeds the
// plugin device messages and keeps what it hands on in a FakeSink.
#pragma once

#include <doctest/doctest.h>

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "larder/config.h"
#include "plugins/consumable_sensor/consumable_sensor.h"
#include "support/fake_sink.h"

namespace larder::test {

// The example of formats.md, exactly.
inline const char* const kHx711 =
    R"({"Time":"2022-06-11T10:58:18","HX711":{"Weight":0.412,"WeightRaw":4782,"AbsRaw":110004}})";

inline ConsumableConfig consumable(const std::string& id, const std::string& name, Unit unit,
                                   double capacity) {
  ConsumableConfig c;
  c.id = id;
  c.name = name;
  c.unit = unit;
  c.capacity = capacity;
  c.tare = 350;
  c.pack = {id + "-pack", capacity / 2, 5.0, std::nullopt};
  return c;
}

inline SensorConfig sensor(const std::string& id, const std::string& consumable,
                           SensorKind kind, const std::string& topic) {
  SensorConfig s;
  s.id = id;
  s.consumable = consumable;
  s.kind = kind;
  s.topic = topic;
  return s;
}

inline Config base_config() {
  Config c;
  c.state_dir = "/nonexistent";
  c.consumables = {consumable("coffee", "Coffee beans", Unit::g, 1000),
                   consumable("water", "Water tank", Unit::ml, 2000),
                   consumable("sugar", "", Unit::g, 500)};
  return c;
}

struct Rig {
  Config config = base_config();
  std::unique_ptr<plugins::Plugin> plugin;
  FakeSink sink;
  double now = 1764460800;

  explicit Rig(std::vector<SensorConfig> sensors, const std::string& timezone = "UTC") {
    config.sensors = std::move(sensors);
    config.household.timezone = timezone;
    plugin = plugins::make_consumable_sensor(config);
    REQUIRE(plugin);
  }
  void send(const std::string& topic, const std::string& payload, bool retained = false) {
    plugin->on_message(Message{topic, payload, 1, retained}, now, sink);
  }
  void tick() { plugin->tick(now, sink); }
  // The one input the last message gave (and nothing else).
  nlohmann::json only_level(const std::string& consumable = "coffee") {
    REQUIRE(sink.bad.empty());
    REQUIRE(sink.inputs.size() == 1);
    CHECK(sink.inputs[0].suffix == "consumable/" + consumable + "/level");
    CHECK_FALSE(sink.inputs[0].payload.contains("ts"));
    nlohmann::json p = sink.inputs[0].payload;
    sink.clear();
    return p;
  }
  // The one bad_input the last message gave (and no input).
  std::string only_bad() {
    REQUIRE(sink.inputs.empty());
    REQUIRE(sink.bad.size() == 1);
    std::string code = sink.bad[0].code;
    sink.clear();
    return code;
  }
  std::vector<std::string> event_kinds() {
    std::vector<std::string> kinds;
    for (const auto& e : sink.events) kinds.push_back(e.kind);
    return kinds;
  }
};

using Kinds = std::vector<std::string>;

inline Rig hx711_rig() {
  return Rig({sensor("scale", "coffee", SensorKind::tasmota_hx711, "scale1")});
}

inline Rig sr04_rig(double offset = 0) {
  SensorConfig s = sensor("tank", "water", SensorKind::tasmota_sr04, "tank1");
  s.full_cm = 5;
  s.empty_cm = 25;
  s.offset = offset;
  return Rig({s});
}

inline Rig esphome_rig(std::optional<Unit> unit = std::nullopt) {
  SensorConfig s = sensor("esp", "coffee", SensorKind::esphome, "kitchen/coffee_scale");
  s.unit = unit;
  return Rig({s});
}

}  // namespace larder::test
