// The dash_button plugin (support/dash_button_fixture.h): sensor_offline / sensor_online from
// the availability of zigbee2mqtt buttons and ESPHome nodes.
#include <string>
#include <vector>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "support/dash_button_fixture.h"

using namespace larder;
using namespace larder::test;

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
    CHECK(f.sink.events[0].text == "The button coffee (Coffee beans) is offline.");
    CHECK(f.sink.events[0].fields ==
          nlohmann::json{{"button", "coffee"}, {"consumable", "coffee"}});
    f.send(t, msg("offline"));
    f.send(t, msg("offline"), true);
    CHECK(kinds() == Actions{"sensor_offline"});
    f.send(t, msg("online"));
    CHECK(kinds() == Actions{"sensor_offline", "sensor_online"});
    CHECK(f.sink.events[1].fields ==
          nlohmann::json{{"button", "coffee"}, {"consumable", "coffee"}});
    CHECK(f.sink.events[1].text == "The button coffee (Coffee beans) is back online.");
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
  CHECK(f.sink.events[0].text == "The button milk (milk) is offline.");
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

TEST_CASE("availability of Tasmota devices: their LWT") {
  Fixture f({tasmota_button("pods", "hall")});
  f.send("tele/hall/LWT", "Online", true);
  CHECK(f.sink.events.empty());
  f.send("tele/hall/LWT", "Offline");
  REQUIRE(f.sink.events.size() == 1);
  CHECK(f.sink.events[0].kind == "sensor_offline");
  CHECK(f.sink.events[0].fields == nlohmann::json{{"button", "pods"}, {"consumable", "pods"}});
  f.send("tele/hall/LWT", "Online");
  REQUIRE(f.sink.events.size() == 2);
  CHECK(f.sink.events[1].kind == "sensor_online");
  CHECK(f.sink.bad.empty());
}

TEST_CASE("a reload: the plugin that replaces another keeps which buttons are offline") {
  // The new subscriptions bring the retained availability again: no second event.
  Fixture before({z2m_button("coffee", "kitchen/coffee"), esp_button("milk", "node1/milk"),
                  tasmota_button("tea", "tea1")});
  before.send("zigbee2mqtt/kitchen/coffee/availability", "offline", true);
  before.send("node1/status", "offline", true);
  before.send("tele/tea1/LWT", "Offline", true);
  CHECK(before.sink.events.size() == 3);

  // The tea button is now read from another Tasmota: its device is news.
  Fixture after({z2m_button("coffee", "kitchen/coffee"), esp_button("milk", "node1/milk"),
                 tasmota_button("tea", "tea2")});
  after.plugin->carry_over(*before.plugin);
  after.send("zigbee2mqtt/kitchen/coffee/availability", "offline", true);
  after.send("node1/status", "offline", true);
  CHECK(after.sink.events.empty());
  after.send("tele/tea2/LWT", "Offline", true);
  REQUIRE(after.sink.events.size() == 1);
  CHECK(after.sink.events[0].fields["button"] == "tea");
  after.send("zigbee2mqtt/kitchen/coffee/availability", "online");
  REQUIRE(after.sink.events.size() == 2);
  CHECK(after.sink.events[1].kind == "sensor_online");
  CHECK(after.sink.events[1].fields["button"] == "coffee");

  // A button that now orders another consumable starts afresh.
  ButtonConfig milk = esp_button("milk", "node1/milk");
  milk.consumable = "tea";
  Fixture other({milk});
  other.plugin->carry_over(*before.plugin);
  other.send("node1/status", "offline", true);
  CHECK(other.sink.events.size() == 1);
}

TEST_CASE("a reload: a zigbee press whose copy comes after it counts once") {
  // The state message before the reload, its /action copy after: with no debounce only
  // the pairing tells the copy from a press.
  ButtonConfig coffee = z2m_button("coffee", "kitchen/coffee");
  coffee.debounce_s = 0;
  Fixture before({coffee});
  before.send("zigbee2mqtt/kitchen/coffee", R"({"action":"single"})");
  Fixture after({coffee});
  after.plugin->carry_over(*before.plugin);
  after.now = before.now + 0.2;
  after.send("zigbee2mqtt/kitchen/coffee/action", "single");
  CHECK(after.presses("coffee").empty());
}

TEST_CASE("a reload: a Tasmota button now another of the device's buttons") {
  // The device is the same (its LWT state stays), the button is not (no debounce carried).
  Fixture before({tasmota_button("tea", "hall", 1)});
  before.send("tele/hall/LWT", "Offline", true);
  before.send("stat/hall/RESULT", R"({"Button1":{"Action":"SINGLE"}})");
  REQUIRE(before.presses("tea").size() == 1);
  Fixture after({tasmota_button("tea", "hall", 2)});
  after.plugin->carry_over(*before.plugin);
  after.send("tele/hall/LWT", "Offline", true);
  CHECK(after.sink.events.empty());
  after.now = before.now + 0.2;
  after.send("stat/hall/RESULT", R"({"Button2":{"Action":"SINGLE"}})");
  CHECK(after.presses("tea").size() == 1);
}

TEST_CASE("a reload: a press's radio retry after it is no second press") {
  Fixture before({z2m_button("coffee", "kitchen/coffee")});
  before.send("zigbee2mqtt/kitchen/coffee", R"({"action":"single"})");
  CHECK(before.presses("coffee") == Actions{"single"});
  Fixture after({z2m_button("coffee", "kitchen/coffee")});
  after.plugin->carry_over(*before.plugin);
  after.now = before.now + 0.3;  // within debounce_s
  after.send("zigbee2mqtt/kitchen/coffee", R"({"action":"single"})");
  CHECK(after.presses("coffee").empty());
  after.now += 5;
  after.send("zigbee2mqtt/kitchen/coffee", R"({"action":"single"})");
  CHECK(after.presses("coffee") == Actions{"single"});
}
