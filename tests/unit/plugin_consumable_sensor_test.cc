// The consumable_sensor plugin on a recording sink (helpers: support/consumable_sensor_rig.h):
// the factory, the subscriptions, the payload limit and several sensors side by side.
// The readings of each device kind are in plugin_consumable_sensor_readings_test.cc, the
// sensor_offline / sensor_online events in plugin_consumable_sensor_availability_test.cc.
#include <doctest/doctest.h>

#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "plugins/consumable_sensor/consumable_sensor.h"
#include "support/consumable_sensor_rig.h"

using namespace larder;
using namespace larder::test;
using nlohmann::json;

TEST_CASE("factory: nothing to do gives no plugin, unusable sensors are skipped") {
  Config c = base_config();
  CHECK(plugins::make_consumable_sensor(c) == nullptr);
  c.sensors = {sensor("scale", "tea", SensorKind::tasmota_hx711, "scale1")};
  CHECK(plugins::make_consumable_sensor(c) == nullptr);
  c.sensors.push_back(sensor("ok", "coffee", SensorKind::tasmota_hx711, "scale2"));
  auto p = plugins::make_consumable_sensor(c);
  REQUIRE(p);
  CHECK(std::string(p->name()) == "consumable_sensor");
  for (const auto& s : p->subscriptions()) CHECK(s.filter.find("scale1") == std::string::npos);
}

TEST_CASE("factory: a tasmota_sr04 sensor whose level it could not compute is skipped") {
  // The configuration reader refuses both (config_devices_test.cc, config_test.cc); were one
  // to reach the plugin, its level would divide by zero or clamp to a negative range.
  Config c = base_config();
  SensorConfig tank = sensor("tank", "water", SensorKind::tasmota_sr04, "tank1");
  tank.full_cm = tank.empty_cm = 20;
  c.sensors = {tank};
  CHECK(plugins::make_consumable_sensor(c) == nullptr);
  tank.full_cm = 5;
  c.sensors = {tank};
  c.consumables[1].capacity = -1;
  CHECK(plugins::make_consumable_sensor(c) == nullptr);
  c.consumables[1].capacity = 2000;
  CHECK(plugins::make_consumable_sensor(c) != nullptr);
}

TEST_CASE("subscriptions: the device topics, retained where the device retains") {
  SensorConfig a = sensor("scale", "coffee", SensorKind::tasmota_hx711, "scale1");
  SensorConfig b = sensor("esp", "coffee", SensorKind::esphome, "home/kitchen/coffee_scale");
  SensorConfig c = sensor("esp2", "sugar", SensorKind::esphome, "home/kitchen/sugar_scale");
  Rig rig({a, b, c});
  std::map<std::string, bool> subs;
  for (const auto& s : rig.plugin->subscriptions()) {
    CHECK(subs.count(s.filter) == 0);  // a shared availability topic only once
    subs[s.filter] = s.retained_wanted;
  }
  std::map<std::string, bool> want = {
      {"tele/scale1/SENSOR", true},
      {"tele/scale1/LWT", true},
      {"stat/scale1/STATUS10", false},
      {"stat/scale1/STATUS8", false},
      {"home/kitchen/sensor/coffee_scale/state", true},
      {"home/kitchen/sensor/sugar_scale/state", true},
      {"home/kitchen/status", true},
  };
  CHECK(subs == want);
}

TEST_CASE("payloads over 64 KiB are refused before parsing") {
  Rig rig = hx711_rig();
  // Exactly 64 KiB of valid telemetry still counts.
  std::string head = R"({"Time":"2022-06-11T10:58:18","Pad":")";
  std::string tail = R"(","HX711":{"Weight":0.5}})";
  std::string at_limit = head + std::string(65536 - head.size() - tail.size(), 'x') + tail;
  REQUIRE(at_limit.size() == 65536);
  rig.send("tele/scale1/SENSOR", at_limit);
  CHECK(rig.only_level()["value"].get<double>() == doctest::Approx(0.5));
  std::string over = head + std::string(65537 - head.size() - tail.size(), 'x') + tail;
  rig.send("tele/scale1/SENSOR", over);
  CHECK(rig.only_bad() == "too_large");
  // Garbage of a megabyte: "too_large", not "json", so it was never parsed.
  rig.send("tele/scale1/SENSOR", std::string(1 << 20, '{'));
  CHECK(rig.only_bad() == "too_large");
  Rig esp = esphome_rig();
  esp.send("kitchen/sensor/coffee_scale/state", std::string(70000, '1'));
  CHECK(esp.only_bad() == "too_large");
  esp.send("kitchen/status", std::string(70000, 'o'));
  CHECK(esp.only_bad() == "too_large");
}

TEST_CASE("two sensors on different topics are independent") {
  SensorConfig a = sensor("scale", "coffee", SensorKind::tasmota_hx711, "scale1");
  SensorConfig b = sensor("tank", "water", SensorKind::tasmota_sr04, "tank1");
  b.full_cm = 5;
  b.empty_cm = 25;
  a.offline_after_s = b.offline_after_s = 600;
  Rig rig({a, b});
  const double t0 = rig.now;
  rig.tick();
  rig.send("tele/scale1/LWT", "Offline");
  REQUIRE(rig.sink.events.size() == 1);
  CHECK(rig.sink.events[0].fields["sensor"] == "scale");
  rig.now = t0 + 500;
  rig.send("tele/tank1/SENSOR", R"({"Time":"2022-06-11T10:58:18","SR04":{"Distance":15}})");
  rig.send("tele/scale1/SENSOR", kHx711);
  REQUIRE(rig.sink.inputs.size() == 2);
  CHECK(rig.sink.inputs[0].suffix == "consumable/water/level");
  CHECK(rig.sink.inputs[1].suffix == "consumable/coffee/level");
  CHECK(rig.event_kinds() == Kinds{"sensor_offline", "sensor_online"});
  rig.sink.clear();
  rig.now = t0 + 1050;  // the scale spoke at +500, the tank too
  rig.send("tele/scale1/SENSOR", kHx711);
  rig.now = t0 + 1102;
  rig.tick();
  REQUIRE(rig.sink.events.size() == 1);
  CHECK(rig.sink.events[0].kind == "sensor_offline");
  CHECK(rig.sink.events[0].fields["sensor"] == "tank");
  rig.send("tele/other/SENSOR", kHx711);  // nobody's topic
  CHECK(rig.sink.inputs.size() == 1);
}

TEST_CASE("two ESPHome sensors on one node share its status") {
  Rig rig({sensor("coffee-scale", "coffee", SensorKind::esphome, "kitchen/coffee_scale"),
           sensor("sugar-scale", "sugar", SensorKind::esphome, "kitchen/sugar_scale")});
  rig.send("kitchen/status", "offline");
  REQUIRE(rig.sink.events.size() == 2);
  CHECK(rig.sink.events[0].fields["sensor"] == "coffee-scale");
  CHECK(rig.sink.events[1].fields["sensor"] == "sugar-scale");
  rig.send("kitchen/sensor/sugar_scale/state", "200");
  REQUIRE(rig.sink.inputs.size() == 1);
  CHECK(rig.sink.inputs[0].suffix == "consumable/sugar/level");
  REQUIRE(rig.sink.events.size() == 3);
  CHECK(rig.sink.events[2].kind == "sensor_online");
  CHECK(rig.sink.events[2].fields["sensor"] == "sugar-scale");
  rig.send("kitchen/status", "banana");
  CHECK(rig.sink.bad.size() == 1);  // one report per message, not one per sensor
}

TEST_CASE("an HX711 and an SR04 on one Tasmota device each read their own object") {
  SensorConfig a = sensor("scale", "coffee", SensorKind::tasmota_hx711, "combo");
  SensorConfig b = sensor("tank", "water", SensorKind::tasmota_sr04, "combo");
  b.full_cm = 5;
  b.empty_cm = 25;
  Rig rig({a, b});
  rig.send("tele/combo/SENSOR",
           R"({"Time":"2022-06-11T10:58:18","HX711":{"Weight":0.412,"WeightRaw":4782,"AbsRaw":110004},"SR04":{"Distance":15}})");
  REQUIRE(rig.sink.inputs.size() == 2);
  CHECK(rig.sink.inputs[0].suffix == "consumable/coffee/level");
  CHECK(rig.sink.inputs[1].suffix == "consumable/water/level");
  rig.sink.clear();
  rig.send("tele/combo/SENSOR", R"({"HX711":{"Weight":null},"SR04":{"Distance":15}})");
  CHECK(rig.sink.bad.size() == 1);
  REQUIRE(rig.sink.inputs.size() == 1);
  CHECK(rig.sink.inputs[0].suffix == "consumable/water/level");
  rig.sink.clear();
  rig.send("tele/combo/SENSOR", "[]");
  CHECK(rig.sink.bad.size() == 1);
}
