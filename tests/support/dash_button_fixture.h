// Helpers for tests of the dash_button plugin (tests/unit/plugin_dash_button*_test.cc):
// zigbee2mqtt and ESPHome buttons, and a Fixture that feeds the plugin device messages and
// keeps what it hands on in a FakeSink.
#pragma once

#include <doctest/doctest.h>

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "larder/config.h"
#include "plugins/dash_button/dash_button.h"
#include "support/fake_sink.h"

namespace larder::test {

inline ButtonConfig z2m_button(const std::string& id, const std::string& name) {
  ButtonConfig b;
  b.id = id;
  b.consumable = "coffee";
  b.zigbee2mqtt = name;
  return b;
}

inline ButtonConfig esp_button(const std::string& id, const std::string& source) {
  ButtonConfig b;
  b.id = id;
  b.consumable = "milk";
  b.esphome = source;
  return b;
}

inline ButtonConfig tasmota_button(const std::string& id, const std::string& topic, int n = 1) {
  ButtonConfig b;
  b.id = id;
  b.consumable = "pods";
  b.tasmota = topic;
  b.tasmota_button = n;
  return b;
}

struct Fixture {
  Config config;
  std::unique_ptr<plugins::Plugin> plugin;
  FakeSink sink;
  double now = 1000;

  explicit Fixture(std::vector<ButtonConfig> buttons) {
    config.buttons = std::move(buttons);
    ConsumableConfig coffee;  // named: events name a button with its consumable's name
    coffee.id = "coffee";
    coffee.name = "Coffee beans";
    config.consumables = {coffee};
    plugin = plugins::make_dash_button(config);
    REQUIRE(plugin != nullptr);
  }
  void send(const std::string& topic, const std::string& payload, bool retained = false) {
    plugin->on_message(Message{topic, payload, 1, retained}, now, sink);
  }
  // The canonical actions pressed so far, in order, for one button.
  std::vector<std::string> presses(const std::string& id) const {
    std::vector<std::string> out;
    for (const auto& in : sink.inputs) {
      if (in.suffix == "button/" + id + "/press") out.push_back(in.payload["action"]);
    }
    return out;
  }
};

using Actions = std::vector<std::string>;

}  // namespace larder::test
