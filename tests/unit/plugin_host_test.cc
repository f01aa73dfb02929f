// The plugin host: MQTT filter matching, routing device messages to plugins, and what the
// plugins hand on reaching the hub (a real Hub on a fake bus).
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "app/plugin_host.h"
#include "support/fake_bus.h"

using namespace larder;
using nlohmann::json;

TEST_CASE("topic filters match as MQTT says") {
  CHECK(topic_matches("a/b", "a/b"));
  CHECK_FALSE(topic_matches("a/b", "a/b/c"));
  CHECK_FALSE(topic_matches("a/b/c", "a/b"));
  CHECK(topic_matches("a/+/c", "a/x/c"));
  CHECK_FALSE(topic_matches("a/+/c", "a/x/y/c"));
  CHECK(topic_matches("a/+", "a/"));  // an empty level is a level
  CHECK(topic_matches("a/#", "a"));   // '#' includes the parent
  CHECK(topic_matches("a/#", "a/b/c"));
  CHECK(topic_matches("#", "a/b"));
  CHECK_FALSE(topic_matches("#", "$SYS/broker"));
  CHECK_FALSE(topic_matches("+/broker", "$SYS/broker"));
  CHECK(topic_matches("zigbee2mqtt/Kitchen/Button", "zigbee2mqtt/Kitchen/Button"));
  CHECK_FALSE(topic_matches("b/+", "a/x"));
}

namespace {

// Turns "dev/<n>" into a level reading of coffee, "dev/bad" into bad input, and raises an
// event on "dev/event".
class EchoPlugin final : public plugins::Plugin {
 public:
  const char* name() const override { return "echo"; }
  std::vector<plugins::Subscription> subscriptions() const override {
    return {{"dev/+", true}, {"exact/topic", false}};
  }
  void on_message(const Message& m, double now, plugins::Sink& out) override {
    seen.push_back(m.topic);
    last_now = now;
    if (m.topic == "dev/bad") {
      out.bad_input(m, "shape", "not a reading");
    } else if (m.topic == "dev/event") {
      out.event("sensor_offline", "echo is offline.", {{"sensor", "echo"}});
    } else if (m.topic == "dev/disc") {
      out.publish("homeassistant/sensor/x/config", "{}", true);
    } else if (m.topic == "dev/json") {
      out.input_json("consumable/coffee/level", json::parse(m.payload), m.retained);
    } else {
      out.input("consumable/coffee/level", m.payload, m.retained);
    }
  }
  void tick(double now, plugins::Sink&) override { ticks.push_back(now); }
  void connected(double, plugins::Sink&) override { ++connects; }
  std::vector<std::string> seen;
  std::vector<double> ticks;
  double last_now = 0;
  int connects = 0;
};

Config one_coffee() {
  Config c;
  ConsumableConfig coffee;
  coffee.id = "coffee";
  coffee.unit = Unit::g;
  coffee.capacity = 1000;
  coffee.pack = {"C", 500, 1.0, std::nullopt};
  c.consumables = {coffee};
  return c;
}

// A real hub on a fake bus, and the host in front of it.
struct Rig {
  Config config = one_coffee();
  test::FakeBus bus;
  MemoryStore store;
  ManualClock clock{1764460800};
  Metrics metrics;
  Hub hub{config, bus, store, clock, metrics};
  PluginHost host{hub, bus, clock, metrics, "larder/v1"};
};

}  // namespace

TEST_CASE_FIXTURE(Rig, "the host routes device messages to plugins and their output to the hub") {
  auto owned = std::make_unique<EchoPlugin>();
  EchoPlugin* echo = owned.get();
  host.add(std::move(owned));
  host.add(nullptr);  // a plugin with nothing to do is simply absent
  CHECK(host.size() == 1);
  auto subs = host.subscriptions();
  REQUIRE(subs.size() == 2);
  CHECK(subs[0].filter == "dev/+");

  CHECK_FALSE(host.on_message(Message{"other/topic", "{}", 1, false}));
  CHECK(echo->seen.empty());
  for (int i = 0; i < 3; ++i) {
    CHECK(host.on_message(Message{"dev/scale", R"({"value":412,"unit":"g"})", 1, false}));
  }
  CHECK(echo->last_now == clock.now());
  REQUIRE(hub.consumable("coffee")->level.has_value());
  CHECK(*hub.consumable("coffee")->level == doctest::Approx(412));
  CHECK(metrics.get("larder_plugin_messages_total", {{"plugin", "echo"}, {"direction", "in"}}) == 3);
  CHECK(metrics.get("larder_plugin_messages_total", {{"plugin", "echo"}, {"direction", "out"}}) == 3);

  CHECK(host.on_message(Message{"dev/bad", "x", 1, false}));
  auto errors = bus.on("larder/v1/error");
  REQUIRE(errors.size() == 1);
  CHECK(json::parse(errors[0].payload)["topic"] == "dev/bad");

  CHECK(host.on_message(Message{"dev/event", "", 1, false}));
  REQUIRE(bus.on("larder/v1/event").size() == 1);
  CHECK(json::parse(bus.on("larder/v1/event")[0].payload)["kind"] == "sensor_offline");

  CHECK(host.on_message(Message{"dev/disc", "", 1, false}));
  REQUIRE(bus.on("homeassistant/sensor/x/config").size() == 1);
  CHECK(bus.on("homeassistant/sensor/x/config")[0].retained);

  CHECK(host.on_message(Message{"exact/topic", R"({"value":400,"unit":"g"})", 1, false}));
  CHECK(echo->seen.back() == "exact/topic");

  clock.advance(1);
  host.tick();
  host.connected();
  REQUIRE(echo->ticks.size() == 1);
  CHECK(echo->ticks[0] == clock.now());
  CHECK(echo->connects == 1);
}

TEST_CASE_FIXTURE(Rig, "a plugin's input the hub refuses is reported with the device's topic") {
  host.add(std::make_unique<EchoPlugin>());
  // 5 kg on a 1 kg jar: out of range, refused by the hub, not by the plugin.
  CHECK(host.on_message(Message{"dev/scale", R"({"value":5000,"unit":"g"})", 1, false}));
  CHECK(host.on_message(Message{"dev/json", R"({"value":-900,"unit":"g"})", 1, false}));
  auto errors = bus.on("larder/v1/error");
  REQUIRE(errors.size() == 2);
  json first = json::parse(errors[0].payload);
  CHECK(first["topic"] == "larder/v1/consumable/coffee/level");
  CHECK(first["device_topic"] == "dev/scale");
  CHECK(first["reason"].get<std::string>().find("capacity") != std::string::npos);
  CHECK(json::parse(errors[1].payload)["device_topic"] == "dev/json");
  CHECK_FALSE(hub.consumable("coffee")->level.has_value());
  // The same input published by a third-party plugin has no device behind it.
  clock.advance(60);
  hub.on_message(Message{"larder/v1/consumable/coffee/level", R"({"value":5000,"unit":"g"})", 1,
                         false});
  errors = bus.on("larder/v1/error");
  REQUIRE(errors.size() == 3);
  CHECK_FALSE(json::parse(errors[2].payload).contains("device_topic"));
}
