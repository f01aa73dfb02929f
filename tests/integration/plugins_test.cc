// The built-in plugins end to end: the real larderd and a real mosquitto; devices speak
// their own formats (zigbee2mqtt, Tasmota, ESPHome, OwnTracks) and the hub's canonical
// state and events follow; Home Assistant finds the consumables.
#include <doctest/doctest.h>

#include <ctime>
#include <string>

#include <nlohmann/json.hpp>

#include "support/larderd.h"
#include "support/mosquitto.h"
#include "support/test_client.h"

using namespace larder::test;
using namespace std::chrono_literals;
using nlohmann::json;

namespace {

std::string devices_config() {
  return default_daemon_config() + R"(buttons:
  pod_box:
    consumable: pods
    zigbee2mqtt: Kitchen/Pod Button
sensors:
  coffee_scale:
    consumable: coffee
    kind: tasmota_hx711
    topic: coffee-scale
  pod_counter:
    consumable: pods
    kind: esphome
    topic: kitchen/pods_left
vehicles:
  car:
    owntracks: anna/car
people:
  anna:
    owntracks: anna/phone
plugins:
  home_assistant: true
)";
}

bool level_is(const Received& r, double v) {
  auto j = json::parse(r.payload);
  return j["level"].is_number() && j["level"].get<double>() == v;
}

}  // namespace

TEST_CASE("device formats become consumable state, button actions and events") {
  MosquittoBroker broker;
  LarderdProcess daemon(broker.url(), devices_config());
  daemon.start();
  TestClient watcher(broker.url());
  watcher.connect();
  watcher.subscribe("larder/v1/#");
  watcher.subscribe("homeassistant/#");

  // Home Assistant discovery: four sensors per consumable, retained, after the connect.
  auto config = watcher.wait_for("homeassistant/sensor/larder/coffee_level/config", 15s);
  REQUIRE(config);
  CHECK(json::parse(config->payload)["state_topic"] == "larder/v1/consumable/coffee/state");
  CHECK(watcher.wait_for("homeassistant/sensor/larder/pods_status/config", 15s));
  // Retained: Home Assistant, started later, finds them.
  TestClient late(broker.url());
  late.connect();
  late.subscribe("homeassistant/sensor/larder/+/config");
  auto kept = late.wait_for("homeassistant/sensor/larder/coffee_level/config", 15s);
  REQUIRE(kept);
  CHECK(kept->retained);

  TestClient device(broker.url());
  device.connect();
  // A Tasmota scale: 0.75 kg gross, the jar is 350 g: 400 g of beans (three readings, the
  // model's median of three), each with its Time, a local time (the household's zone is
  // UTC here) from a minute ago on: the readings carry it as their ts.
  for (int i = 0; i < 3; ++i) {
    std::time_t t = std::time(nullptr) - 60 + 10 * i;
    std::tm tm{};
    gmtime_r(&t, &tm);
    char when[32];
    std::strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%S", &tm);
    device.publish("tele/coffee-scale/SENSOR",
                   std::string(R"({"Time":")") + when +
                       R"(","HX711":{"Weight":0.750,"WeightRaw":4782,"AbsRaw":110004}})");
  }
  CHECK(watcher.wait_for("larder/v1/consumable/coffee/state", 10s,
                         [](const Received& r) { return level_is(r, 400); }));

  // A zigbee2mqtt button with the Home Assistant option on: the state message and the
  // /action sub-topic are one press, which opens a pack of pods.
  device.publish("larder/v1/consumable/pods/purchased", R"({"packs":2})");
  device.publish("zigbee2mqtt/Kitchen/Pod Button", R"({"action":"single","battery":100,"linkquality":87})");
  device.publish("zigbee2mqtt/Kitchen/Pod Button/action", "single");
  CHECK(watcher.wait_for("larder/v1/consumable/pods/state", 10s, [](const Received& r) {
    auto j = json::parse(r.payload);
    return j["on_hand"] == 1 && j["level"] == 40;
  }));

  // An ESPHome counter reports the pods left; `nan` is a failed reading, reported, not used.
  device.publish("kitchen/sensor/pods_left/state", "nan");
  CHECK(watcher.wait_for("larder/v1/error", 10s, [](const Received& r) {
    return json::parse(r.payload)["topic"] == "kitchen/sensor/pods_left/state";
  }));
  device.publish("kitchen/status", "offline");
  CHECK(watcher.wait_for("larder/v1/event", 10s, [](const Received& r) {
    auto j = json::parse(r.payload);
    return j["kind"] == "sensor_offline" && j["sensor"] == "pod_counter";
  }));

  // OwnTracks: the car's position becomes the canonical location, a phone entering the
  // Home region makes Anna present. Built-in plugins hand canonical inputs to the hub
  // in-process, so the hub's counters tell.
  device.publish("owntracks/anna/car",
                 R"({"_type":"location","lat":48.1371,"lon":11.5754,"acc":12.5,"tst":1764460800})");
  device.publish("owntracks/anna/phone/event",
                 R"({"_type":"transition","event":"enter","desc":"Home","tst":1764460900,"acc":10,"lat":48.1,"lon":11.5,"wtst":1764000000,"t":"c","tid":"an"})");
  device.publish("owntracks/anna/phone", R"({"_type":"waypoint","desc":"Work","lat":48.2,"lon":11.6,"rad":100,"tst":1764000000})");
  auto metrics = [&] {
    return http_request(daemon.http_port(), "GET", "/metrics",
                        {"Authorization: Bearer test-admin-token-0123456789"})
        .body;
  };
  CHECK(wait_until([&] {
    std::string m = metrics();
    return m.find("larder_messages_received_total{kind=\"location\"} 1") != std::string::npos &&
           m.find("larder_messages_received_total{kind=\"presence\"} 1") != std::string::npos;
  }, 10s, 100ms));
  std::string m = metrics();
  INFO(m);
  for (const char* plugin : {"consumable_sensor", "dash_button", "vehicle_tracker", "home_assistant"}) {
    CHECK(m.find("larder_plugin_messages_total{plugin=\"" + std::string(plugin) + "\",direction=\"in\"}") !=
          std::string::npos);
  }
  // The waypoint is not a location: nothing was refused.
  CHECK(m.find("larder_messages_rejected_total{reason=\"shape\"}") == std::string::npos);
  CHECK(daemon.terminate().success());
}
