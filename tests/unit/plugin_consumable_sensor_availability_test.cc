// The consumable_sensor plugin (support/consumable_sensor_rig.h): the sensor_offline /
// sensor_online events from the devices' availability messages and from silence.
#include <doctest/doctest.h>

#include <string>

#include <nlohmann/json.hpp>

#include "support/consumable_sensor_rig.h"

using namespace larder;
using namespace larder::test;
using nlohmann::json;

TEST_CASE("availability: Tasmota LWT raises sensor_offline once, sensor_online once") {
  Rig rig = hx711_rig();
  rig.send("tele/scale1/LWT", "Online", /*retained=*/true);
  CHECK(rig.sink.events.empty());  // online from the start is no news
  rig.send("tele/scale1/LWT", "Offline");
  REQUIRE(rig.sink.events.size() == 1);
  CHECK(rig.sink.events[0].kind == "sensor_offline");
  CHECK(rig.sink.events[0].text == "scale (Coffee beans) is offline.");
  CHECK(rig.sink.events[0].fields == json{{"sensor", "scale"}, {"consumable", "coffee"}});
  rig.send("tele/scale1/LWT", "Offline");
  rig.send("tele/scale1/LWT", "Offline", /*retained=*/true);
  CHECK(rig.sink.events.size() == 1);
  rig.send("tele/scale1/LWT", "Online");
  CHECK(rig.event_kinds() == Kinds{"sensor_offline", "sensor_online"});
  CHECK(rig.sink.events[1].text == "scale (Coffee beans) is back online.");
  CHECK(rig.sink.events[1].fields == json{{"sensor", "scale"}, {"consumable", "coffee"}});
  rig.send("tele/scale1/LWT", "Online");
  CHECK(rig.sink.events.size() == 2);
  CHECK(rig.sink.inputs.empty());
  CHECK(rig.sink.bad.empty());
  for (std::string text : {"online", "offline", "ONLINE", "1", "Online ",
                           "{\"state\":\"online\"}"}) {
    CAPTURE(text);
    rig.send("tele/scale1/LWT", text);
    CHECK(rig.only_bad() == "value");
  }
  CHECK(rig.sink.events.empty());
}

TEST_CASE("availability: a reading the hub refuses brings no sensor back") {
  Rig rig = hx711_rig();
  rig.send("tele/scale1/LWT", "Offline");
  CHECK(rig.event_kinds() == Kinds{"sensor_offline"});
  // The hub refuses it (far above the capacity, say): it proves nothing about the device.
  rig.sink.refuse = [](const FakeSink::Input&) { return true; };
  rig.send("tele/scale1/SENSOR", R"({"HX711":{"Weight":1e300}})");
  CHECK(rig.sink.inputs.size() == 1);
  CHECK(rig.event_kinds() == Kinds{"sensor_offline"});
  rig.sink.refuse = nullptr;
  rig.send("tele/scale1/SENSOR", R"({"HX711":{"Weight":0.412}})");
  CHECK(rig.event_kinds() == Kinds{"sensor_offline", "sensor_online"});
}

TEST_CASE("silence: a reading the hub refuses does not restart the clock") {
  SensorConfig s = sensor("scale", "coffee", SensorKind::tasmota_hx711, "scale1");
  s.offline_after_s = 600;
  Rig rig({s});
  const double t0 = rig.now;
  rig.send("tele/scale1/SENSOR", kHx711);
  rig.sink.refuse = [](const FakeSink::Input&) { return true; };
  rig.now = t0 + 500;
  rig.send("tele/scale1/SENSOR", R"({"HX711":{"Weight":1e300}})");
  rig.now = t0 + 601;
  rig.tick();
  CHECK(rig.event_kinds() == Kinds{"sensor_offline"});
}

TEST_CASE("availability: a retained Offline at start is reported") {
  Rig rig = hx711_rig();
  rig.send("tele/scale1/LWT", "Offline", /*retained=*/true);
  CHECK(rig.event_kinds() == Kinds{"sensor_offline"});
}

TEST_CASE("availability: ESPHome status, a sensor without consumable name uses its id") {
  Rig rig({sensor("sugar-scale", "sugar", SensorKind::esphome, "pantry/sugar")});
  rig.send("pantry/status", "offline", /*retained=*/true);
  REQUIRE(rig.sink.events.size() == 1);
  CHECK(rig.sink.events[0].kind == "sensor_offline");
  CHECK(rig.sink.events[0].text == "sugar-scale (sugar) is offline.");
  CHECK(rig.sink.events[0].fields == json{{"sensor", "sugar-scale"}, {"consumable", "sugar"}});
  rig.send("pantry/status", "offline");
  rig.send("pantry/status", "online");
  rig.send("pantry/status", "online");
  CHECK(rig.event_kinds() == Kinds{"sensor_offline", "sensor_online"});
  rig.sink.clear();
  for (std::string text : {"Online", "Offline", "on", "true"}) {
    CAPTURE(text);
    rig.send("pantry/status", text);
    CHECK(rig.only_bad() == "value");
  }
}

TEST_CASE("availability: a live reading brings an offline sensor back, a retained one does not") {
  Rig rig = esphome_rig();
  rig.send("kitchen/status", "offline", /*retained=*/true);
  rig.send("kitchen/sensor/coffee_scale/state", "412", /*retained=*/true);
  CHECK(rig.event_kinds() == Kinds{"sensor_offline"});
  CHECK(rig.sink.inputs.size() == 1);  // still handed on, for the hub to judge
  rig.send("kitchen/sensor/coffee_scale/state", "nan");  // a failed reading proves nothing
  CHECK(rig.event_kinds() == Kinds{"sensor_offline"});
  rig.send("kitchen/sensor/coffee_scale/state", "410");
  rig.send("kitchen/sensor/coffee_scale/state", "409");
  CHECK(rig.event_kinds() == Kinds{"sensor_offline", "sensor_online"});
  CHECK(rig.sink.inputs.size() == 3);
}

TEST_CASE("silence: no live reading for longer than offline_after_s") {
  SensorConfig s = sensor("scale", "coffee", SensorKind::tasmota_hx711, "scale1");
  s.offline_after_s = 600;
  Rig rig({s});
  const double t0 = rig.now;
  rig.tick();  // the clock starts here: no message came
  rig.now = t0 + 600;
  rig.tick();
  CHECK(rig.sink.events.empty());  // not longer than the allowance yet
  rig.now = t0 + 601;
  rig.tick();
  CHECK(rig.event_kinds() == Kinds{"sensor_offline"});
  CHECK(rig.sink.events[0].text == "scale (Coffee beans) is offline.");
  rig.now = t0 + 5000;
  rig.tick();
  CHECK(rig.event_kinds() == Kinds{"sensor_offline"});
  // Telemetry without the HX711, a bad one and a retained reading do not count.
  rig.send("tele/scale1/SENSOR", R"({"Time":"2022-06-11T10:58:18","SI7021":{"Temperature":17.7}})");
  rig.send("tele/scale1/SENSOR", R"({"HX711":{"Weight":"x"}})");
  rig.send("tele/scale1/SENSOR", kHx711, /*retained=*/true);
  CHECK(rig.event_kinds() == Kinds{"sensor_offline"});
  rig.send("tele/scale1/SENSOR", kHx711);
  rig.send("tele/scale1/SENSOR", kHx711);
  CHECK(rig.event_kinds() == Kinds{"sensor_offline", "sensor_online"});
  // The clock restarts at that reading; a retained one later does not push it on.
  const double t1 = rig.now;
  rig.now = t1 + 500;
  rig.send("tele/scale1/SENSOR", kHx711, /*retained=*/true);
  rig.now = t1 + 601;
  rig.tick();
  CHECK(rig.event_kinds() == Kinds{"sensor_offline", "sensor_online", "sensor_offline"});
}

TEST_CASE("silence: the clock starts at the first message") {
  SensorConfig s = sensor("scale", "coffee", SensorKind::tasmota_hx711, "scale1");
  s.offline_after_s = 600;
  Rig rig({s});
  const double t0 = rig.now;
  rig.send("tele/scale1/SENSOR", "not json");  // any message starts it
  rig.now = t0 + 300;
  rig.tick();
  rig.now = t0 + 601;
  rig.tick();
  CHECK(rig.event_kinds() == Kinds{"sensor_offline"});
}

TEST_CASE("silence and availability together: each episode reported once") {
  SensorConfig s = sensor("scale", "coffee", SensorKind::tasmota_hx711, "scale1");
  s.offline_after_s = 600;
  Rig rig({s});
  const double t0 = rig.now;
  rig.send("tele/scale1/LWT", "Online", /*retained=*/true);
  rig.now = t0 + 700;
  rig.tick();
  CHECK(rig.event_kinds() == Kinds{"sensor_offline"});
  // After a reconnect the broker sends the same retained Online again: no news.
  rig.send("tele/scale1/LWT", "Online", /*retained=*/true);
  CHECK(rig.event_kinds() == Kinds{"sensor_offline"});
  // The device drops off (already reported) and comes back: online, with a fresh allowance.
  rig.send("tele/scale1/LWT", "Offline");
  CHECK(rig.event_kinds() == Kinds{"sensor_offline"});
  rig.now = t0 + 2000;
  rig.send("tele/scale1/LWT", "Online");
  CHECK(rig.event_kinds() == Kinds{"sensor_offline", "sensor_online"});
  rig.now = t0 + 2600;
  rig.tick();
  CHECK(rig.sink.events.size() == 2);
  rig.now = t0 + 2601;
  rig.tick();
  CHECK(rig.event_kinds() == Kinds{"sensor_offline", "sensor_online", "sensor_offline"});
}

TEST_CASE("a reload: the plugin that replaces another keeps which sensors are offline") {
  // A reload builds new plugins and subscribes again, and the broker sends the retained
  // availability once more: an offline sensor must not be announced twice.
  Rig before = hx711_rig();
  before.send("tele/scale1/LWT", "Offline", /*retained=*/true);
  CHECK(before.event_kinds() == Kinds{"sensor_offline"});
  Rig after = hx711_rig();
  after.plugin->carry_over(*before.plugin);
  after.send("tele/scale1/LWT", "Offline", /*retained=*/true);
  CHECK(after.sink.events.empty());
  after.send("tele/scale1/LWT", "Online");
  CHECK(after.event_kinds() == Kinds{"sensor_online"});

  // Offline by silence: the episode goes on (no second sensor_offline at the next tick),
  // and the next live reading ends it.
  SensorConfig s = sensor("scale", "coffee", SensorKind::tasmota_hx711, "scale1");
  s.offline_after_s = 600;
  Rig quiet({s});
  quiet.tick();
  quiet.now += 601;
  quiet.tick();
  CHECK(quiet.event_kinds() == Kinds{"sensor_offline"});
  Rig still({s});
  still.now = quiet.now + 60;
  still.plugin->carry_over(*quiet.plugin);
  still.tick();
  CHECK(still.sink.events.empty());
  still.send("tele/scale1/SENSOR", R"({"HX711":{"Weight":0.412}})");
  CHECK(still.event_kinds() == Kinds{"sensor_online"});

  // Now read from another device, or for another consumable: what was said of the old one
  // is not news of the new, which starts afresh (its own Offline is reported).
  SensorConfig moved_topic = s;
  moved_topic.topic = "scale2";
  SensorConfig moved_consumable = s;
  moved_consumable.consumable = "sugar";
  for (const SensorConfig& c : {moved_topic, moved_consumable}) {
    CAPTURE(c.topic);
    CAPTURE(c.consumable);
    Rig moved({c});
    moved.now = quiet.now + 60;
    moved.plugin->carry_over(*quiet.plugin);
    moved.tick();  // a fresh silence clock: not offline by silence
    CHECK(moved.sink.events.empty());
    moved.send("tele/" + c.topic + "/LWT", "Offline", /*retained=*/true);
    CHECK(moved.event_kinds() == Kinds{"sensor_offline"});
  }

  // A sensor the old configuration did not have starts afresh.
  Rig fresh = esphome_rig();
  fresh.plugin->carry_over(*before.plugin);
  fresh.send("kitchen/status", "offline", /*retained=*/true);
  CHECK(fresh.event_kinds() == Kinds{"sensor_offline"});
}
