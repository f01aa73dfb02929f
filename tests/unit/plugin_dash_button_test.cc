// The dash_button plugin, driven with device messages as zigbee2mqtt and ESPHome publish
// them (shared/formats.md "Buttons", zigbee2mqtt's and ESPHome's documentation).
#include "plugins/dash_button/dash_button.h"

#include <string>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "support/fake_sink.h"

using namespace larder;
using larder::plugins::Plugin;
using larder::test::FakeSink;

namespace {

ButtonConfig z2m_button(const std::string& id, const std::string& name) {
  ButtonConfig b;
  b.id = id;
  b.consumable = "coffee";
  b.zigbee2mqtt = name;
  return b;
}

ButtonConfig esp_button(const std::string& id, const std::string& source) {
  ButtonConfig b;
  b.id = id;
  b.consumable = "milk";
  b.esphome = source;
  return b;
}

struct Fixture {
  Config config;
  std::unique_ptr<Plugin> plugin;
  FakeSink sink;
  double now = 1000;

  explicit Fixture(std::vector<ButtonConfig> buttons) {
    config.buttons = std::move(buttons);
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

}  // namespace

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
  for (const char* ignored : {"release", "off", "brightness_move_up", "brightness_move_down",
                              "brightness_stop", "triple", "quadruple", "", "Single", "OFF"}) {
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
               esp_button("tea", "node1/tea")};
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
  };
  CHECK(got == want);
}

TEST_CASE("zigbee2mqtt state messages") {
  Fixture f({z2m_button("coffee", "coffee_button")});
  const std::string t = "zigbee2mqtt/coffee_button";

  SUBCASE("a press with battery and link quality") {
    f.send(t, R"({"action":"single","battery":100,"linkquality":87})");
    REQUIRE(f.sink.inputs.size() == 1);
    CHECK(f.sink.inputs[0].suffix == "button/coffee/press");
    CHECK(f.sink.inputs[0].payload == nlohmann::json{{"action", "single"}});  // no ts
    CHECK_FALSE(f.sink.inputs[0].retained);
  }
  SUBCASE("legacy click instead of action") {
    f.send(t, R"({"click":"single"})");
    CHECK(f.presses("coffee") == Actions{"single"});
  }
  SUBCASE("click beside action is one press") {
    f.send(t, R"({"action":"single","click":"single"})");
    CHECK(f.presses("coffee") == Actions{"single"});
  }
  SUBCASE("when action and click differ, action is the current field") {
    f.send(t, R"({"action":"double","click":"single"})");
    CHECK(f.presses("coffee") == Actions{"double"});
  }
  SUBCASE("click beside an empty action is the press") {
    f.send(t, R"({"action":"","click":"double"})");
    CHECK(f.presses("coffee") == Actions{"double"});
  }
  SUBCASE("double and hold") {
    f.send(t, R"({"action":"double","battery":100,"linkquality":87})");
    f.send(t, R"({"action":"hold","battery":100,"linkquality":87})");
    f.send(t, R"({"action":"release","battery":100,"linkquality":87})");
    CHECK(f.presses("coffee") == Actions{"double", "long"});
  }
  SUBCASE("triple and quadruple are ignored unless mapped") {
    f.send(t, R"({"action":"triple"})");
    f.send(t, R"({"action":"quadruple"})");
    CHECK(f.sink.inputs.empty());
  }
  SUBCASE("IKEA shortcut and remote actions") {
    f.send(t, R"({"action":"on","battery":74,"linkquality":102})");
    f.now += 5;
    f.send(t, R"({"action":"off"})");
    f.send(t, R"({"action":"brightness_move_up"})");
    f.send(t, R"({"action":"brightness_move_down"})");
    f.send(t, R"({"action":"brightness_stop"})");
    f.send(t, R"({"action":"toggle"})");
    CHECK(f.presses("coffee") == Actions{"single", "single"});
  }
  SUBCASE("a reset, nulls and state without an action are neither presses nor bad") {
    f.send(t, R"({"action":""})");
    f.send(t, R"({"action":null,"battery":98})");
    f.send(t, R"({"click":null,"action":null})");
    f.send(t, R"({"battery":100,"linkquality":87})");
    f.send(t, R"({"battery":null,"linkquality":null,"voltage":null})");
    f.send(t, R"({})");
    CHECK(f.sink.inputs.empty());
    CHECK(f.sink.bad.empty());
    CHECK(f.sink.events.empty());
  }
  SUBCASE("a retained state is never a press") {
    f.send(t, R"({"action":"single","battery":100,"linkquality":87})", true);
    f.send(t + "/action", "single", true);
    CHECK(f.sink.inputs.empty());
    CHECK(f.sink.bad.empty());
    // ... and does not count as the first report of a later live press.
    f.send(t, R"({"action":"single"})");
    CHECK(f.presses("coffee") == Actions{"single"});
  }
  SUBCASE("an empty payload clears a retained message and says nothing") {
    f.send(t, "", true);
    f.send(t, "");
    f.send(t + "/availability", "", true);
    CHECK(f.sink.inputs.empty());
    CHECK(f.sink.bad.empty());
    CHECK(f.sink.events.empty());
  }
  CHECK(f.sink.bad.empty());
}

TEST_CASE("friendly names with slashes are unambiguous") {
  Fixture f({z2m_button("shelf", "kitchen"), z2m_button("coffee", "kitchen/coffee"),
             z2m_button("tea", "kitchen/tea/left")});
  f.send("zigbee2mqtt/kitchen/coffee", R"({"action":"single"})");
  CHECK(f.presses("coffee") == Actions{"single"});
  CHECK(f.presses("shelf").empty());
  f.send("zigbee2mqtt/kitchen/tea/left", R"({"action":"double"})");
  f.send("zigbee2mqtt/kitchen/tea/left/action", "double");
  CHECK(f.presses("tea") == Actions{"double"});
  f.send("zigbee2mqtt/kitchen", R"({"action":"hold"})");
  CHECK(f.presses("shelf") == Actions{"long"});
  CHECK(f.presses("coffee") == Actions{"single"});
  f.send("zigbee2mqtt/kitchen/coffee/availability", "offline");
  REQUIRE(f.sink.events.size() == 1);
  CHECK(f.sink.events[0].fields["button"] == "coffee");
  // Topics of no configured button are not this plugin's.
  f.send("zigbee2mqtt/kitchen/tea", R"({"action":"single"})");
  f.send("zigbee2mqtt/kitchen/coffee/left", "garbage");
  CHECK(f.sink.inputs.size() == 3);
  CHECK(f.sink.bad.empty());
}

TEST_CASE("a topic that is one button's /action and another's state serves both") {
  // Odd but possible friendly names: "kitchen" and "kitchen/action".
  Fixture f({z2m_button("shelf", "kitchen"), z2m_button("odd", "kitchen/action")});
  f.send("zigbee2mqtt/kitchen/action", "single");  // shelf's plain /action
  CHECK(f.presses("shelf") == Actions{"single"});
  CHECK(f.presses("odd").empty());
  f.send("zigbee2mqtt/kitchen/action", R"({"action":"double"})");  // odd's state
  CHECK(f.presses("odd") == Actions{"double"});
  CHECK(f.presses("shelf") == Actions{"single"});
  CHECK(f.sink.bad.empty());  // each message fits one of the topic's roles
}

TEST_CASE("the /action copy of a press counts once, in either order") {
  const std::string t = "zigbee2mqtt/hall/coffee";
  const std::string state = R"({"action":"single","battery":100,"linkquality":87})";
  // The debounce drops the copy; the pairing of the two channels does so even without it.
  for (double debounce : {1.0, 0.0}) {
    CAPTURE(debounce);
    auto b = z2m_button("coffee", "hall/coffee");
    b.debounce_s = debounce;
    {
      Fixture f({b});  // state first
      f.send(t, state);
      f.now += 0.004;
      f.send(t + "/action", "single");
      CHECK(f.presses("coffee") == Actions{"single"});
    }
    {
      Fixture f({b});  // /action first
      f.send(t + "/action", "single");
      f.now += 0.004;
      f.send(t, state);
      CHECK(f.presses("coffee") == Actions{"single"});
    }
    {
      Fixture f({b});  // /action alone is a press
      f.send(t + "/action", "double");
      CHECK(f.presses("coffee") == Actions{"double"});
    }
    {
      Fixture f({b});  // two presses, each with its copy, count twice
      f.send(t, state);
      f.send(t + "/action", "single");
      f.now += 1.5;
      f.send(t + "/action", "single");
      f.send(t, state);
      CHECK(f.presses("coffee") == Actions{"single", "single"});
      CHECK(f.sink.bad.empty());
    }
    {
      Fixture f({b});  // the reset after a press is no press
      f.send(t, state);
      f.send(t + "/action", "single");
      f.send(t, R"({"action":""})");
      f.send(t + "/action", "");
      CHECK(f.presses("coffee") == Actions{"single"});
      CHECK(f.sink.bad.empty());
    }
  }
  SUBCASE("without the debounce, two quick presses each with a copy count twice") {
    auto b = z2m_button("coffee", "hall/coffee");
    b.debounce_s = 0;
    Fixture f({b});
    f.send(t, state);
    f.send(t + "/action", "single");
    f.now += 0.3;
    f.send(t, state);
    f.send(t + "/action", "single");
    CHECK(f.presses("coffee") == Actions{"single", "single"});
  }
}

TEST_CASE("debounce on the leading edge") {
  auto b = z2m_button("coffee", "coffee_button");
  b.debounce_s = 1.0;
  Fixture f({b, z2m_button("tea", "tea_button")});
  const std::string t = "zigbee2mqtt/coffee_button";
  const std::string press = R"({"action":"single","battery":100,"linkquality":87})";

  f.send(t, press);
  CHECK(f.presses("coffee").size() == 1);  // at once, not after the window

  SUBCASE("a repeat inside the window is dropped, one after it counts") {
    f.now += 0.99;
    f.send(t, press);
    CHECK(f.presses("coffee").size() == 1);
    f.now += 0.02;  // 1.01 s after the first
    f.send(t, press);
    CHECK(f.presses("coffee").size() == 2);
  }
  SUBCASE("the window runs from the report that counted, not from the repeats") {
    f.now += 0.5;
    f.send(t, press);
    f.now += 0.4;
    f.send(t, press);
    f.now += 0.3;  // 0.3 s after the last repeat, 1.2 s after the first
    f.send(t, press);
    CHECK(f.presses("coffee").size() == 2);
  }
  SUBCASE("exactly debounce_s later counts") {
    f.now += 1.0;
    f.send(t, press);
    CHECK(f.presses("coffee").size() == 2);
  }
  SUBCASE("another canonical action is not a repeat") {
    f.now += 0.1;
    f.send(t, R"({"action":"double"})");
    f.send(t, R"({"action":"hold"})");
    CHECK(f.presses("coffee") == Actions{"single", "double", "long"});
  }
  SUBCASE("device actions that map alike are repeats") {
    f.now += 0.1;
    f.send(t, R"({"click":"single"})");
    f.send(t, R"({"action":"on"})");
    CHECK(f.presses("coffee") == Actions{"single"});
  }
  SUBCASE("per button") {
    f.send("zigbee2mqtt/tea_button", press);
    CHECK(f.presses("tea") == Actions{"single"});
  }
  SUBCASE("a clock stepped back does not silence the button") {
    f.now -= 3600;
    f.send(t, press);
    CHECK(f.presses("coffee").size() == 2);
  }
  SUBCASE("a longer configured window") {
    auto slow = z2m_button("slow", "slow_button");
    slow.debounce_s = 5;
    Fixture g({slow});
    g.send("zigbee2mqtt/slow_button", press);
    g.now += 4.9;
    g.send("zigbee2mqtt/slow_button", press);
    g.now += 0.2;
    g.send("zigbee2mqtt/slow_button", press);
    CHECK(g.presses("slow").size() == 2);
  }
}

TEST_CASE("per-button action overrides") {
  auto b = z2m_button("coffee", "coffee_button");
  b.actions = {{"triple", "long"}, {"single", "ignore"}, {"brightness_move_up", "double"}};
  Fixture f({b, z2m_button("tea", "tea_button")});
  const std::string t = "zigbee2mqtt/coffee_button";
  f.send(t, R"({"action":"single"})");
  f.send(t, R"({"action":"triple"})");
  f.send(t, R"({"action":"brightness_move_up"})");
  f.send(t + "/action", "double");
  CHECK(f.presses("coffee") == Actions{"long", "double"});
  // The override is that button's only.
  f.send("zigbee2mqtt/tea_button", R"({"action":"triple"})");
  f.send("zigbee2mqtt/tea_button", R"({"action":"single"})");
  CHECK(f.presses("tea") == Actions{"single"});
}

TEST_CASE("ESPHome binary sensors press on the rising edge") {
  auto b = esp_button("milk", "kitchen-node/milk_button");
  const std::string t = "kitchen-node/binary_sensor/milk_button/state";

  SUBCASE("OFF then ON") {
    Fixture f({b});
    f.send(t, "OFF", true);
    f.send(t, "ON");
    REQUIRE(f.sink.inputs.size() == 1);
    CHECK(f.sink.inputs[0].suffix == "button/milk/press");
    CHECK(f.sink.inputs[0].payload == nlohmann::json{{"action", "single"}});
    CHECK_FALSE(f.sink.inputs[0].retained);
    f.now += 0.2;
    f.send(t, "OFF");  // the falling edge is no press
    CHECK(f.sink.inputs.size() == 1);
  }
  SUBCASE("a retained ON at subscribe time is the state, not a press") {
    Fixture f({b});
    f.send(t, "ON", true);
    CHECK(f.sink.inputs.empty());
    f.now += 5;
    f.send(t, "ON");  // still held: no edge
    CHECK(f.sink.inputs.empty());
    f.send(t, "OFF");
    f.send(t, "ON");
    CHECK(f.presses("milk") == Actions{"single"});
  }
  SUBCASE("a live ON while the state is unknown is a press") {
    Fixture f({b});
    f.send(t, "ON");
    CHECK(f.presses("milk") == Actions{"single"});
  }
  SUBCASE("repeated ONs are one press") {
    Fixture f({b});
    f.send(t, "OFF");
    f.send(t, "ON");
    f.now += 3;
    f.send(t, "ON");
    CHECK(f.presses("milk") == Actions{"single"});
  }
  SUBCASE("presses after the window each count; a bounce inside is dropped") {
    Fixture f({b});
    f.send(t, "ON");
    f.now += 0.05;
    f.send(t, "OFF");
    f.now += 0.05;
    f.send(t, "ON");  // contact bounce, inside debounce_s
    f.now += 2;
    f.send(t, "OFF");
    f.send(t, "ON");
    CHECK(f.presses("milk") == Actions{"single", "single"});
  }
  SUBCASE("the ON press can be overridden") {
    b.actions = {{"ON", "long"}};
    Fixture f({b});
    f.send(t, "ON");
    CHECK(f.presses("milk") == Actions{"long"});
  }
  SUBCASE("the state survives a broker reconnect") {
    Fixture f({b});
    f.send(t, "OFF");
    f.send(t, "ON");
    f.plugin->connected(f.now, f.sink);
    f.now += 10;
    f.send(t, "ON", true);  // the retained state again after re-subscribing
    f.send(t, "ON");
    CHECK(f.presses("milk") == Actions{"single"});
  }
}

TEST_CASE("availability of zigbee2mqtt buttons, both forms") {
  Fixture f({z2m_button("coffee", "kitchen/coffee")});
  const std::string t = "zigbee2mqtt/kitchen/coffee/availability";
  auto kinds = [&] {
    std::vector<std::string> k;
    for (const auto& e : f.sink.events) k.push_back(e.kind);
    return k;
  };
  for (bool json_form : {false, true}) {
    CAPTURE(json_form);
    f.sink.clear();
    auto msg = [&](const char* s) {
      return json_form ? std::string(R"({"state":")") + s + "\"}" : std::string(s);
    };
    f.send(t, msg("online"), true);  // unknown -> online: nothing to say
    CHECK(f.sink.events.empty());
    f.send(t, msg("offline"));
    REQUIRE(f.sink.events.size() == 1);
    CHECK(f.sink.events[0].kind == "sensor_offline");
    CHECK(f.sink.events[0].text == "coffee button is offline.");
    CHECK(f.sink.events[0].fields ==
          nlohmann::json{{"button", "coffee"}, {"consumable", "coffee"}});
    f.send(t, msg("offline"));
    f.send(t, msg("offline"), true);
    CHECK(kinds() == Actions{"sensor_offline"});
    f.send(t, msg("online"));
    CHECK(kinds() == Actions{"sensor_offline", "sensor_online"});
    CHECK(f.sink.events[1].fields ==
          nlohmann::json{{"button", "coffee"}, {"consumable", "coffee"}});
    CHECK(f.sink.events[1].text.find("coffee button") == 0);
    f.send(t, msg("online"));
    CHECK(kinds().size() == 2);
  }
  CHECK(f.sink.bad.empty());
  CHECK(f.sink.inputs.empty());
}

TEST_CASE("a retained offline at start is reported once") {
  Fixture f({z2m_button("tea", "tea")});
  f.send("zigbee2mqtt/tea/availability", R"({"state":"offline"})", true);
  f.send("zigbee2mqtt/tea/availability", "offline", true);
  REQUIRE(f.sink.events.size() == 1);
  CHECK(f.sink.events[0].kind == "sensor_offline");
}

TEST_CASE("availability of ESPHome nodes") {
  Fixture f({esp_button("milk", "node1/milk"), esp_button("tea", "node1/tea")});
  f.send("node1/status", "online", true);
  CHECK(f.sink.events.empty());
  f.send("node1/status", "offline");
  REQUIRE(f.sink.events.size() == 2);  // the node's every button
  CHECK(f.sink.events[0].kind == "sensor_offline");
  CHECK(f.sink.events[0].text == "milk button is offline.");
  CHECK(f.sink.events[0].fields == nlohmann::json{{"button", "milk"}, {"consumable", "milk"}});
  CHECK(f.sink.events[1].fields["button"] == "tea");
  f.send("node1/status", "offline");
  CHECK(f.sink.events.size() == 2);
  f.send("node1/status", "online");
  REQUIRE(f.sink.events.size() == 4);
  CHECK(f.sink.events[2].kind == "sensor_online");
  CHECK(f.sink.events[3].kind == "sensor_online");
  CHECK(f.sink.bad.empty());
}

TEST_CASE("malformed device messages are bad input and change nothing") {
  Fixture f({z2m_button("coffee", "kitchen/coffee"), esp_button("milk", "node1/milk")});
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

  // None of it changed a state: the binary sensor is still unknown (a live ON presses),
  // the availabilities still unknown (online says nothing).
  f.sink.clear();
  f.send(za, "online");
  f.send("node1/status", "online");
  f.send(e, "ON");
  CHECK(f.sink.events.empty());
  CHECK(f.presses("milk") == Actions{"single"});
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
