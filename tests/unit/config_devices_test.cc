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
      "    esphome: esphome/laundry-node/detergent_button\n"  // topic_prefix holds '/'
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
  CHECK(c.buttons[1].esphome == "esphome/laundry-node/detergent_button");
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
  expect_error(load("buttons:\n  k:\n    consumable: coffee\n    single: explode\n"), 23,
               "buttons.k.single", "must be ");
  expect_error(load("buttons:\n  k:\n    consumable: coffee\n    actions: {on: triple}\n"), 23,
               "buttons.k.actions.on", "must be ");
  expect_error(load("buttons:\n  k:\n    consumable: coffee\n    zigbee2mqtt: a/#\n"), 23,
               "buttons.k.zigbee2mqtt", "without '+', '#'");
  expect_error(load("buttons:\n  k:\n    consumable: coffee\n    esphome: node\n"), 23,
               "buttons.k.esphome", "two or more MQTT topic levels");
  expect_error(load("buttons:\n  k:\n    consumable: coffee\n    debounce_s: -1\n"), 23,
               "buttons.k.debounce_s", "0 or more and at most 60");
  expect_error(load("buttons:\n  k:\n    consumable: coffee\n    colour: red\n"), 23,
               "buttons.k.colour", "unknown key");
  expect_error(load("sensors:\n  s:\n    consumable: coffee\n    kind: hx711\n    topic: t\n"), 23,
               "sensors.s.kind", "must be ");
  expect_error(load("sensors:\n  s:\n    consumable: coffee\n    kind: esphome\n    topic: t\n    unit: ml\n"),
               25, "sensors.s.unit", "does not fit consumable 'coffee'");
  // A scale reports kg: on a consumable measured in ml without `unit:` every reading
  // would be refused at run time.
  expect_error(load("sensors:\n  s:\n    consumable: detergent\n    kind: tasmota_hx711\n"
                    "    topic: t\n"),
               23, "sensors.s.kind", "tasmota_hx711 reports kg, which does not fit consumable "
                                     "'detergent' (ml)");
  CHECK(load("sensors:\n  s:\n    consumable: detergent\n    kind: tasmota_hx711\n    topic: t\n"
             "    unit: ml\n").config.has_value());
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
  // MQTT topics must not hold C1 controls (U+0080..U+009F) any more than C0 ones.
  expect_error(load("sensors:\n  s:\n    consumable: coffee\n    kind: esphome\n"
                    "    topic: \"ab\u0085c\"\n"),
               24, "sensors.s.topic", "control characters");
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
  // A Tasmota device's buttons are its own: two entries may not share one, nor a number.
  expect_error(load("buttons:\n  a:\n    consumable: coffee\n    tasmota: hall\n"
                    "  b:\n    consumable: pods\n    tasmota: hall\n    tasmota_button: 1\n"),
               26, "buttons.b.tasmota", "already the device of button 'a'");
}

TEST_CASE("devices: Tasmota buttons, by device topic and button number") {
  ConfigLoad l = load(
      "buttons:\n"
      "  pods_button:\n"
      "    consumable: pods\n"
      "    tasmota: hall-switch\n"
      "  coffee_button:\n"
      "    consumable: coffee\n"
      "    tasmota: hall-switch\n"
      "    tasmota_button: 2\n"
      "sensors:\n"
      "  scale:\n"
      "    consumable: coffee\n"
      "    kind: tasmota_hx711\n"
      "    topic: hall-switch\n");  // the same device may weigh too
  INFO(dump(l));
  REQUIRE(l.config.has_value());
  REQUIRE(l.config->buttons.size() == 2);
  CHECK(l.config->buttons[0].tasmota == "hall-switch");
  CHECK(l.config->buttons[0].tasmota_button == 1);
  CHECK(l.config->buttons[1].tasmota_button == 2);
  const std::string b = "buttons:\n  k:\n    consumable: coffee\n";
  expect_error(load(b + "    tasmota: hall/switch\n"), 23, "buttons.k.tasmota",
               "must be an MQTT topic");
  expect_error(load(b + "    tasmota: hall+\n"), 23, "buttons.k.tasmota", "without '+', '#'");
  expect_error(load(b + "    tasmota: hall\n    tasmota_button: 33\n"), 24,
               "buttons.k.tasmota_button", "at most 32");
  expect_error(load(b + "    tasmota_button: 2\n"), 23, "buttons.k.tasmota_button",
               "needs `tasmota`");
  expect_error(load(b + "    tasmota: hall\n    tasmota_button: 1.5\n"), 24,
               "buttons.k.tasmota_button", "must be a whole number from 1 to 32");
}

TEST_CASE("devices: buttons reorder, confirm and cancel their consumable's order") {
  ConfigLoad l = load(
      "buttons:\n"                  // 20
      "  coffee_button:\n"          // 21
      "    consumable: coffee\n"    // 22
      "    single: reorder\n"       // 23
      "    double: confirm\n"       // 24
      "    long: cancel\n"          // 25
      "  pods_button:\n"            // 26
      "    consumable: pods\n"      // 27
      "    single: none\n"          // 28
      "    double: refilled\n"      // 29
      "    long: reorder\n");       // 30
  INFO(dump(l));
  REQUIRE(l.config.has_value());
  const Config& c = *l.config;
  REQUIRE(c.buttons.size() == 2);
  CHECK(c.buttons[0].single == ButtonEffect::reorder);
  CHECK(c.buttons[0].double_press == ButtonEffect::confirm);
  CHECK(c.buttons[0].long_press == ButtonEffect::cancel);
  CHECK(c.buttons[1].single == ButtonEffect::none);
  CHECK(c.buttons[1].double_press == ButtonEffect::refilled);
  CHECK(c.buttons[1].long_press == ButtonEffect::reorder);
}

TEST_CASE("devices: a button effect outside the six is refused with the six named") {
  ConfigLoad l = load("buttons:\n  k:\n    consumable: coffee\n    double: order\n");
  expect_error(l, 23, "buttons.k.double",
               "must be refilled, reorder, confirm, cancel, vacation or none, got \"order\"");
  // Spelled as in the file: effects are case-sensitive like every other keyword.
  expect_error(load("buttons:\n  k:\n    consumable: coffee\n    long: Cancel\n"), 23,
               "buttons.k.long", "must be refilled, reorder, confirm, cancel, vacation or none");
}

TEST_CASE("devices: a sensor the plugin could not read is refused at its line") {
  // The consumable_sensor plugin trusts these checks and makes none of its own.
  const std::string hx711 = "sensors:\n  s:\n    consumable: coffee\n    kind: tasmota_hx711\n";
  const std::string esphome = "sensors:\n  s:\n    consumable: coffee\n    kind: esphome\n";
  const std::string sr04 =
      "sensors:\n  s:\n    consumable: detergent\n    kind: tasmota_sr04\n    topic: t\n";
  struct Case {
    std::string extra;
    int line;
    std::string key, says;
  };
  const Case cases[] = {
      {hx711 + "    topic: \"\"\n", 24, "sensors.s.topic", "must not be empty"},
      {hx711 + "    topic: scale+\n", 24, "sensors.s.topic", "without '+', '#'"},
      {hx711 + "    topic: \"#\"\n", 24, "sensors.s.topic", "without '+', '#'"},
      {hx711 + "    topic: \"a\\0b\"\n", 24, "sensors.s.topic", "without control characters"},
      {esphome + "    topic: coffee_scale\n", 24, "sensors.s.topic", "two or more MQTT topic"},
      {esphome + "    topic: kitchen/\n", 24, "sensors.s.topic", "two or more MQTT topic"},
      {esphome + "    topic: /coffee_scale\n", 24, "sensors.s.topic", "two or more MQTT topic"},
      {hx711 + "    topic: t\n    factor: .nan\n", 25, "sensors.s.factor", "must be a number"},
      {hx711 + "    topic: t\n    factor: 1e999\n", 25, "sensors.s.factor", "must be a number"},
      {hx711 + "    topic: t\n    offset: .inf\n", 25, "sensors.s.offset", "must be a number"},
      {hx711 + "    topic: t\n    offset: -.inf\n", 25, "sensors.s.offset", "must be a number"},
      {hx711 + "    topic: t\n    offline_after_s: 0\n", 25, "sensors.s.offline_after_s",
       "60 or more"},
      {sr04 + "    full_cm: 20\n    empty_cm: 20\n", 26, "sensors.s.empty_cm",
       "greater than full_cm"},
      {sr04 + "    full_cm: 5\n    empty_cm: .nan\n", 26, "sensors.s.empty_cm",
       "must be a number greater than 0"},
  };
  for (const Case& c : cases) {
    CAPTURE(c.extra);
    expect_error(load(c.extra), c.line, c.key, c.says);
  }
  // A level sensor needs its consumable's capacity: every consumable has one above 0.
  ConfigLoad l = parse_config(
      "mqtt:\n  url: tcp://127.0.0.1:1883\nstate_dir: /var/lib/larder\nhttp:\n  admin_token: " +
          kAdmin +
          "\nconsumables:\n"
          "  tank:\n"
          "    unit: ml\n"
          "    capacity: 0\n"  // 9
          "    pack: {sku: T-1, size: 1}\n"
          "sensors:\n"
          "  s:\n"
          "    consumable: tank\n"
          "    kind: tasmota_sr04\n"
          "    topic: t\n"
          "    full_cm: 5\n"
          "    empty_cm: 25\n",
      "/x/l.yaml");
  expect_error(l, 9, "consumables.tank.capacity", "must be a number greater than 0");
}

TEST_CASE("devices: the Home Assistant node id") {
  ConfigLoad l = load("plugins:\n  home_assistant: true\n  home_assistant_node: Garage-2\n");
  INFO(dump(l));
  REQUIRE(l.config.has_value());
  CHECK(l.config->plugins.home_assistant_node == "Garage-2");
  CHECK(load("plugins:\n  home_assistant: true\n").config->plugins.home_assistant_node ==
        "larder");
  CHECK_FALSE(load("plugins:\n  home_assistant_node: \"\"\n").config.has_value());
  for (std::string bad : {"garage/2", "garage 2", "gar+age"}) {
    CAPTURE(bad);
    expect_error(load(std::string("plugins:\n  home_assistant_node: ") + bad + "\n"), 21,
                 "plugins.home_assistant_node", "discovery node id");
  }
}
