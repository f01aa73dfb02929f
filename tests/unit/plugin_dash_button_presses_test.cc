// The dash_button plugin (support/dash_button_fixture.h): presses from zigbee2mqtt state and
// /action messages and from ESPHome binary sensors, their debounce and per-button overrides.
#include <string>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "support/dash_button_fixture.h"

using namespace larder;
using namespace larder::test;

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

TEST_CASE("Tasmota buttons press with their RESULT, each button of a device its own") {
  // Buttons detached from the relays (SetOption73 1) publish each press on
  // stat/<topic>/RESULT, beside every other command's answer.
  const std::string t = "stat/hall-switch/RESULT";
  Fixture f({tasmota_button("pods", "hall-switch"), tasmota_button("tea", "hall-switch", 2)});
  f.send(t, R"({"Button1":{"Action":"SINGLE"}})");
  CHECK(f.presses("pods") == Actions{"single"});
  CHECK(f.presses("tea").empty());
  f.send(t, R"({"Button2":{"Action":"DOUBLE"}})");
  f.now += 5;
  f.send(t, R"({"Button1":{"Action":"HOLD"}})");
  f.send(t, R"({"Button1":{"Action":"TRIPLE"}})");  // not mapped: ignored
  f.send(t, R"({"POWER":"ON"})");                    // another answer: not a press
  f.send(t, R"({"Button1":{"Action":"SINGLE"}})", true);  // retained: an old message
  CHECK(f.presses("pods") == Actions{"single", "long"});
  CHECK(f.presses("tea") == Actions{"double"});
  f.now += 0.3;
  f.send(t, R"({"Button1":{"Action":"HOLD"}})");  // a repeat inside debounce_s
  CHECK(f.presses("pods") == Actions{"single", "long"});
  CHECK(f.sink.bad.empty());

  auto b = tasmota_button("pods", "hall-switch");
  b.actions["TRIPLE"] = "double";
  Fixture g({b});
  g.send(t, R"({"Button1":{"Action":"TRIPLE"}})");
  CHECK(g.presses("pods") == Actions{"double"});
}
