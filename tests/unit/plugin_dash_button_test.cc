// The dash_button plugin, driven with device messages as zigbee2mqtt, ESPHome and Tasmota
// publish them (shared/formats.md "Buttons", zigbee2mqtt's and ESPHome's documentation); helpers in
// support/dash_button_fixture.h. Here: action names, sources, the factory, subscriptions and
// malformed or oversized messages. Presses are in plugin_dash_button_presses_test.cc,
// availability in plugin_dash_button_availability_test.cc.
#include "plugins/dash_button/dash_button.h"

#include <map>
#include <string>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "support/dash_button_fixture.h"

using namespace larder;
using namespace larder::test;

TEST_CASE("device actions map to canonical ones, overridable per button") {
  ButtonConfig b;
  using plugins::canonical_button_action;
  CHECK(canonical_button_action(b, "single") == "single");
  CHECK(canonical_button_action(b, "on") == "single");
  CHECK(canonical_button_action(b, "toggle") == "single");
  CHECK(canonical_button_action(b, "ON") == "single");
  CHECK(canonical_button_action(b, "double") == "double");
  CHECK(canonical_button_action(b, "hold") == "long");
  CHECK(canonical_button_action(b, "long") == "long");
  CHECK(canonical_button_action(b, "SINGLE") == "single");  // Tasmota's
  CHECK(canonical_button_action(b, "DOUBLE") == "double");
  CHECK(canonical_button_action(b, "HOLD") == "long");
  for (const char* ignored : {"release", "off", "brightness_move_up", "brightness_move_down",
                              "brightness_stop", "triple", "quadruple", "", "Single", "OFF",
                              "TRIPLE", "QUAD", "PENTA", "CLEAR"}) {
    CAPTURE(ignored);
    CHECK(canonical_button_action(b, ignored) == "");
  }
  b.actions = {{"triple", "long"}, {"single", "ignore"}, {"brightness_move_up", "double"},
               {"hold", "single"}, {"release", "bogus"}};
  CHECK(canonical_button_action(b, "triple") == "long");
  CHECK(canonical_button_action(b, "single") == "");
  CHECK(canonical_button_action(b, "brightness_move_up") == "double");
  CHECK(canonical_button_action(b, "hold") == "single");
  CHECK(canonical_button_action(b, "release") == "");
  CHECK(canonical_button_action(b, "double") == "double");  // not overridden: the default
}

TEST_CASE("ESPHome sources split at the last slash") {
  auto s = plugins::parse_esphome_source("kitchen-node/coffee_button");
  REQUIRE(s);
  CHECK(s->prefix == "kitchen-node");
  CHECK(s->name == "coffee_button");
  s = plugins::parse_esphome_source("home/kitchen/coffee_button");
  REQUIRE(s);
  CHECK(s->prefix == "home/kitchen");
  CHECK(s->name == "coffee_button");
  for (const char* bad : {"", "node", "/name", "node/", "no+de/name", "node/na#me"}) {
    CAPTURE(bad);
    CHECK_FALSE(plugins::parse_esphome_source(bad));
  }
}

TEST_CASE("the factory gives nothing to do without a device source") {
  Config c;
  CHECK(plugins::make_dash_button(c) == nullptr);
  ButtonConfig canonical_only;
  canonical_only.id = "b1";
  canonical_only.consumable = "coffee";
  c.buttons.push_back(canonical_only);
  CHECK(plugins::make_dash_button(c) == nullptr);
  c.buttons.push_back(esp_button("b2", "no-slash"));
  CHECK(plugins::make_dash_button(c) == nullptr);
  c.buttons.push_back(z2m_button("b3", "kitchen/coffee"));
  CHECK(plugins::make_dash_button(c) != nullptr);
}

TEST_CASE("subscriptions are the exact topics, deduplicated") {
  Config c;
  c.plugins.zigbee2mqtt_base = "z2m";
  c.buttons = {z2m_button("coffee", "kitchen/coffee button"), esp_button("milk", "node1/milk"),
               esp_button("tea", "node1/tea"), tasmota_button("pods", "hall"),
               tasmota_button("salt", "hall", 2)};
  auto p = plugins::make_dash_button(c);
  REQUIRE(p);
  CHECK(std::string(p->name()) == "dash_button");
  std::map<std::string, bool> got;
  for (const auto& s : p->subscriptions()) {
    CHECK(s.filter.find_first_of("+#") == std::string::npos);
    CHECK(got.emplace(s.filter, s.retained_wanted).second);  // each filter once
  }
  std::map<std::string, bool> want{
      {"z2m/kitchen/coffee button", false},
      {"z2m/kitchen/coffee button/action", false},
      {"z2m/kitchen/coffee button/availability", true},
      {"node1/binary_sensor/milk/state", true},
      {"node1/binary_sensor/tea/state", true},
      {"node1/status", true},
      {"stat/hall/RESULT", false},
      {"tele/hall/LWT", true},
  };
  CHECK(got == want);
}

TEST_CASE("malformed device messages are bad input and change nothing") {
  Fixture f({z2m_button("coffee", "kitchen/coffee"), esp_button("milk", "node1/milk"),
             tasmota_button("pods", "hall")});
  const std::string z = "zigbee2mqtt/kitchen/coffee";
  const std::string e = "node1/binary_sensor/milk/state";
  auto expect_bad = [&](const std::string& topic, const std::string& payload,
                        const std::string& code, bool retained = false) {
    CAPTURE(topic);
    CAPTURE(payload.substr(0, 80));
    f.sink.clear();
    f.send(topic, payload, retained);
    REQUIRE(f.sink.bad.size() == 1);
    CHECK(f.sink.bad[0].topic == topic);
    CHECK(f.sink.bad[0].code == code);
    CHECK_FALSE(f.sink.bad[0].reason.empty());
    CHECK(f.sink.inputs.empty());
    CHECK(f.sink.events.empty());
  };
  expect_bad(z, "single", "json");
  expect_bad(z, R"({"action":"single")", "json");
  expect_bad(z, R"("single")", "json");
  expect_bad(z, R"(["single"])", "json");
  expect_bad(z, "42", "json");
  expect_bad(z, "null", "json");
  expect_bad(z, R"({"action":1})", "shape");
  expect_bad(z, R"({"action":true,"battery":100})", "shape");
  expect_bad(z, R"({"action":["single"]})", "shape");
  expect_bad(z, R"({"action":{"name":"single"}})", "shape");
  expect_bad(z, R"({"action":"single","click":2})", "shape");
  expect_bad(z, R"({"click":false})", "shape");
  expect_bad(z, "{\"action\":\"sin\xffgle\"}", "json");  // not UTF-8
  expect_bad(z, R"({"action":1})", "shape", true);        // retained: still checked

  expect_bad(e, "on", "value");
  expect_bad(e, "1", "value");
  expect_bad(e, "ON ", "value");
  expect_bad(e, "PRESSED", "value");
  expect_bad(e, R"({"state":"ON"})", "value");

  for (const std::string& a : {z + "/availability", std::string("node1/status")}) {
    expect_bad(a, "Online", "value");
    expect_bad(a, "gone", "value");
    expect_bad(a, R"("online")", "value");
    expect_bad(a, "1", "value");
  }
  const std::string za = z + "/availability";
  expect_bad(za, R"({"state":"gone"})", "value");
  expect_bad(za, R"({"state":"ONLINE"})", "value");
  expect_bad(za, R"({"state":1})", "shape");
  expect_bad(za, R"({"state":null})", "shape");
  expect_bad(za, R"({"availability":"online"})", "shape");
  expect_bad(za, R"({})", "shape");
  expect_bad(za, R"({"state":"online")", "json");
  expect_bad("node1/status", R"({"state":"online"})", "value");  // ESPHome: the word only

  const std::string r = "stat/hall/RESULT";
  expect_bad(r, "SINGLE", "json");
  expect_bad(r, R"(["Button1"])", "json");
  expect_bad(r, R"({"Button1":{"Action":"SINGLE"})", "json");
  expect_bad(r, R"({"Button1":"SINGLE"})", "shape");
  expect_bad(r, R"({"Button1":{"action":"SINGLE"}})", "shape");
  expect_bad(r, R"({"Button1":{"Action":1}})", "shape");
  expect_bad(r, R"({"Button1":{"Action":""}})", "shape");
  expect_bad(r, R"({"Button1":{"Action":"SINGLE"},"Button1":{"Action":"DOUBLE"}})", "json");
  // With a second button on the device, a malformed press of either is still reported.
  Fixture two({tasmota_button("pods", "hall"), tasmota_button("tea", "hall", 2)});
  for (const char* payload : {R"({"Button2":{"Action":5}})", R"({"Button1":"SINGLE"})"}) {
    CAPTURE(payload);
    two.sink.clear();
    two.send(r, payload);
    REQUIRE(two.sink.bad.size() == 1);
    CHECK(two.sink.bad[0].code == "shape");
    CHECK(two.sink.inputs.empty());
  }
  expect_bad("tele/hall/LWT", "online", "value");
  expect_bad("tele/hall/LWT", "Gone", "value");

  // None of it changed a state: the binary sensor is still unknown (a live ON presses),
  // the availabilities still unknown (online says nothing).
  f.sink.clear();
  f.send(za, "online");
  f.send("node1/status", "online");
  f.send(e, "ON");
  f.send("tele/hall/LWT", "Online");
  CHECK(f.sink.events.empty());
  CHECK(f.presses("milk") == Actions{"single"});
  CHECK(f.presses("pods").empty());
}

TEST_CASE("payloads over 64 KiB are refused unparsed, on every topic") {
  Fixture f({z2m_button("coffee", "kitchen/coffee"), esp_button("milk", "node1/milk")});
  const std::string z = "zigbee2mqtt/kitchen/coffee";
  const std::size_t limit = 64 * 1024;
  // A valid state message of exactly `size` bytes.
  auto state_of = [](std::size_t size) {
    std::string head = R"({"action":"single","pad":")";
    return head + std::string(size - head.size() - 2, 'x') + "\"}";
  };
  REQUIRE(state_of(limit).size() == limit);
  REQUIRE(nlohmann::json::parse(state_of(limit))["action"] == "single");

  f.send(z, state_of(limit + 1));
  f.send(z + "/action", "single" + std::string(limit, ' '));
  f.send(z + "/availability", std::string(limit + 1, 'x'));
  f.send("node1/binary_sensor/milk/state", "ON" + std::string(limit, ' '));
  f.send("node1/status", std::string(limit * 4, '{'));
  REQUIRE(f.sink.bad.size() == 5);
  for (const auto& b : f.sink.bad) CHECK(b.code == "too_large");
  CHECK(f.sink.inputs.empty());
  CHECK(f.sink.events.empty());

  f.send(z, state_of(limit));  // at the limit: fine
  CHECK(f.presses("coffee") == Actions{"single"});
  CHECK(f.sink.bad.size() == 5);
}
