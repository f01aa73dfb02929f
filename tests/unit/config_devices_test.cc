// The device sections of the configuration: buttons, sensors, vehicles, people, plugins
// (docs/plugins.md).
#include <doctest/doctest.h>

#include <string>

#include "larder/config.h"
#include "support/config_support.h"

using namespace larder;
using namespace larder::test;

namespace {

// A valid file with three consumables (lines 1-19), then `extra` from line 20 on.
std::string with_devices(const std::string& extra) {
  return "mqtt:\n  url: tcp://127.0.0.1:1883\nstate_dir: /var/lib/larder\nhttp:\n  admin_token: " +
         kAdmin +
         "\nconsumables:\n"
         "  coffee:\n"
         "    unit: g\n"
         "    capacity: 1000\n"
         "    tare: 350\n"
         "    pack: {sku: C-500, size: 500}\n"
         "  detergent:\n"
         "    unit: ml\n"
         "    capacity: 3000\n"
         "    pack: {sku: D-1500, size: 1500}\n"
         "  pods:\n"
         "    unit: pcs\n"
         "    capacity: 80\n"
         "    pack: {sku: P-40, size: 40}\n" +
         extra;
}

ConfigLoad load(const std::string& extra) { return parse_config(with_devices(extra), "/x/l.yaml"); }

}  // namespace

TEST_CASE("devices: a full set loads with its values and defaults") {
  ConfigLoad l = load(
      "buttons:\n"                                  // 20
      "  kitchen:\n"                                // 21
      "    consumable: coffee\n"                    // 22
      "    zigbee2mqtt: Kitchen/Coffee Button\n"    // 23
      "    actions: {on: single, brightness_move_up: double}\n"
      "    double: none\n"
      "    debounce_s: 0.5\n"
      "  laundry:\n"
      "    consumable: detergent\n"
      "    esphome: laundry-node/detergent_button\n"
      "sensors:\n"
      "  coffee_scale:\n"
      "    consumable: coffee\n"
      "    kind: tasmota_hx711\n"
      "    topic: coffee-scale\n"
      "  tank:\n"
      "    consumable: detergent\n"
      "    kind: tasmota_sr04\n"
      "    topic: tank\n"
      "    full_cm: 4\n"
      "    empty_cm: 30\n"
      "    offline_after_s: 600\n"
      "  pod_counter:\n"
      "    consumable: pods\n"
      "    kind: esphome\n"
      "    topic: kitchen/pods_left\n"
      "    factor: 2\n"
      "    offset: -1\n"
      "vehicles:\n"
      "  car:\n"
      "    owntracks: anna/car\n"
      "    parked_after_s: 120\n"
      "people:\n"
      "  anna:\n"
      "    owntracks: anna/phone\n"
      "  ben: {}\n"
      "plugins:\n"
      "  zigbee2mqtt_base: z2m\n"
      "  home_assistant: true\n");
  INFO(dump(l));
  REQUIRE(l.config.has_value());
  const Config& c = *l.config;
  REQUIRE(c.buttons.size() == 2);
  CHECK(c.buttons[0].id == "kitchen");
  CHECK(c.buttons[0].consumable == "coffee");
  CHECK(c.buttons[0].single == ButtonEffect::refilled);
  CHECK(c.buttons[0].double_press == ButtonEffect::none);
  CHECK(c.buttons[0].zigbee2mqtt == "Kitchen/Coffee Button");
  CHECK(c.buttons[0].actions.at("on") == "single");
  CHECK(c.buttons[0].actions.at("brightness_move_up") == "double");
  CHECK(c.buttons[0].debounce_s == 0.5);
  CHECK(c.buttons[1].esphome == "laundry-node/detergent_button");
  CHECK(c.buttons[1].debounce_s == 1.0);
  REQUIRE(c.sensors.size() == 3);
  CHECK(c.sensors[0].kind == SensorKind::tasmota_hx711);
  CHECK(c.sensors[0].unit == Unit::kg);  // Tasmota weighs in kilograms
  CHECK(c.sensors[0].gross);             // and the jar with the beans
  CHECK(c.sensors[1].kind == SensorKind::tasmota_sr04);
  CHECK(c.sensors[1].full_cm == 4);
  CHECK(c.sensors[1].empty_cm == 30);
  CHECK(c.sensors[1].offline_after_s == 600);
  CHECK_FALSE(c.sensors[1].gross);
  CHECK(c.sensors[2].factor == 2);
  CHECK(c.sensors[2].offset == -1);
  CHECK_FALSE(c.sensors[2].unit.has_value());  // the consumable's own
  REQUIRE(c.vehicles.size() == 1);
  CHECK(c.vehicles[0].owntracks == "anna/car");
  CHECK(c.vehicles[0].parked_after_s == 120);
  REQUIRE(c.people.size() == 2);
  CHECK(c.people[0].home_region == "Home");
  CHECK_FALSE(c.people[1].owntracks.has_value());
  CHECK(c.plugins.zigbee2mqtt_base == "z2m");
  CHECK(c.plugins.owntracks_base == "owntracks");
  CHECK(c.plugins.home_assistant);
  CHECK(c.plugins.home_assistant_prefix == "homeassistant");
}

TEST_CASE("devices: a device naming an unknown consumable is an error naming both") {
  ConfigLoad l = load(
      "buttons:\n"
      "  kitchen:\n"
      "    consumable: tea\n"
      "sensors:\n"
      "  scale:\n"
      "    consumable: sugar\n"
      "    kind: tasmota_hx711\n"
      "    topic: scale\n");
  expect_error(l, 22, "buttons.kitchen.consumable",
               "names consumable 'tea', which is not configured (button 'kitchen')");
  expect_error(l, 25, "sensors.scale.consumable",
               "names consumable 'sugar', which is not configured (sensor 'scale')");
}

TEST_CASE("devices: bad values are reported at their line") {
  expect_error(load("buttons:\n  Kitchen:\n    consumable: coffee\n"), 21, "buttons.Kitchen",
               "is not a valid button id");
  expect_error(load("buttons:\n  k:\n    consumable: coffee\n    single: reorder\n"), 23,
               "buttons.k.single", "orders feature");
  expect_error(load("buttons:\n  k:\n    consumable: coffee\n    single: explode\n"), 23,
               "buttons.k.single", "must be ");
  expect_error(load("buttons:\n  k:\n    consumable: coffee\n    actions: {on: triple}\n"), 23,
               "buttons.k.actions.on", "must be ");
  expect_error(load("buttons:\n  k:\n    consumable: coffee\n    zigbee2mqtt: a/#\n"), 23,
               "buttons.k.zigbee2mqtt", "without '+', '#'");
  expect_error(load("buttons:\n  k:\n    consumable: coffee\n    esphome: node\n"), 23,
               "buttons.k.esphome", "two MQTT topic levels");
  expect_error(load("buttons:\n  k:\n    consumable: coffee\n    debounce_s: -1\n"), 23,
               "buttons.k.debounce_s", "0 or more and at most 60");
  expect_error(load("buttons:\n  k:\n    consumable: coffee\n    colour: red\n"), 23,
               "buttons.k.colour", "unknown key");
  expect_error(load("sensors:\n  s:\n    consumable: coffee\n    kind: hx711\n    topic: t\n"), 23,
               "sensors.s.kind", "must be ");
  expect_error(load("sensors:\n  s:\n    consumable: coffee\n    kind: esphome\n    topic: t\n    unit: ml\n"),
               25, "sensors.s.unit", "does not fit consumable 'coffee'");
  expect_error(load("sensors:\n  s:\n    consumable: detergent\n    kind: tasmota_sr04\n    topic: t\n"
                    "    full_cm: 30\n    empty_cm: 4\n"),
               26, "sensors.s.empty_cm", "greater than full_cm");
  expect_error(load("sensors:\n  s:\n    consumable: detergent\n    kind: tasmota_sr04\n    topic: t\n"
                    "    empty_cm: 4\n"),
               21, "sensors.s.full_cm", "");
  expect_error(load("sensors:\n  s:\n    consumable: coffee\n    kind: tasmota_hx711\n    topic: t\n"
                    "    full_cm: 3\n"),
               25, "sensors.s.full_cm", "only for kind tasmota_sr04");
  expect_error(load("sensors:\n  s:\n    consumable: coffee\n    kind: tasmota_hx711\n    topic: t\n"
                    "    factor: 0\n"),
               25, "sensors.s.factor", "must not be 0");
  expect_error(load("sensors:\n  s:\n    consumable: coffee\n    kind: tasmota_hx711\n    topic: a/b\n"),
               24, "sensors.s.topic", "MQTT topic");
  expect_error(load("vehicles:\n  car:\n    owntracks: anna\n"), 22, "vehicles.car.owntracks",
               "two MQTT topic levels");
  expect_error(load("plugins:\n  home_assistant: maybe\n"), 21, "plugins.home_assistant", "");
}

TEST_CASE("devices: one device cannot serve two entries") {
  expect_error(load("buttons:\n  a:\n    consumable: coffee\n    zigbee2mqtt: B1\n"
                    "  b:\n    consumable: pods\n    zigbee2mqtt: B1\n"),
               26, "buttons.b.zigbee2mqtt", "already the device of button 'a'");
  expect_error(load("vehicles:\n  car:\n    owntracks: anna/phone\npeople:\n  anna:\n"
                    "    owntracks: anna/phone\n"),
               25, "people.anna.owntracks", "already the device of vehicle 'car'");
  expect_error(load("sensors:\n  a:\n    consumable: coffee\n    kind: tasmota_hx711\n    topic: s\n"
                    "  b:\n    consumable: coffee\n    kind: tasmota_sr04\n    topic: s\n"
                    "    full_cm: 1\n    empty_cm: 9\n"),
               28, "sensors.b.topic", "already the device of sensor 'a'");
}
