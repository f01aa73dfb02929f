// The Home Assistant discovery plugin: the configs it publishes, when it republishes them,
// and which stale ones it removes.
#include <doctest/doctest.h>

#include <algorithm>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "plugins/home_assistant/home_assistant.h"
#include "support/fake_sink.h"

using larder::Config;
using larder::ConsumableConfig;
using larder::Message;
using larder::Unit;
using larder::plugins::make_home_assistant;
using larder::test::FakeSink;
using nlohmann::json;

namespace {

ConsumableConfig consumable(std::string id, std::string name, Unit unit, double capacity) {
  ConsumableConfig c;
  c.id = std::move(id);
  c.name = std::move(name);
  c.unit = unit;
  c.capacity = capacity;
  return c;
}

Config config_with(std::vector<ConsumableConfig> consumables) {
  Config c;
  c.plugins.home_assistant = true;
  c.consumables = std::move(consumables);
  return c;
}

Config household() {
  return config_with({consumable("coffee", "Coffee beans", Unit::g, 1000),
                      consumable("oat-milk", "Oat milk", Unit::ml, 1000),
                      consumable("eggs", "Eggs", Unit::pcs, 10)});
}

Message msg(std::string topic, std::string payload, bool retained) {
  Message m;
  m.topic = std::move(topic);
  m.payload = std::move(payload);
  m.retained = retained;
  return m;
}

const Message* find(const FakeSink& s, const std::string& topic) {
  auto it = std::find_if(s.published.begin(), s.published.end(),
                         [&](const Message& m) { return m.topic == topic; });
  return it == s.published.end() ? nullptr : &*it;
}

json config_of(const FakeSink& s, const std::string& topic) {
  const Message* m = find(s, topic);
  REQUIRE_MESSAGE(m != nullptr, "not published: " << topic);
  CHECK(m->retained);
  CHECK(m->qos == 1);
  return json::parse(m->payload);
}

// The parts every sensor of a consumable shares.
json common(const std::string& id, const std::string& name) {
  return {
      {"state_topic", "larder/v1/consumable/" + id + "/state"},
      {"availability",
       json::array({{{"topic", "larder/v1/status"},
                     {"payload_available", "online"},
                     {"payload_not_available", "offline"}}})},
      {"device",
       {{"identifiers", json::array({"larder_" + id})},
        {"name", name},
        {"manufacturer", "Larder"},
        {"model", "Consumable"},
        {"sw_version", LARDER_VERSION}}},
  };
}

json with(json base, const json& more) {
  base.update(more);
  return base;
}

const std::vector<std::string> kWhats = {"level", "days_left", "empty_at", "status"};

// The days-left, empty-date and status configs, the same for every unit: `id` as in the
// topic and unique id, `slug` as in the entity id.
void check_days_date_status(const FakeSink& sink, const json& base, const std::string& id,
                            const std::string& slug) {
  const std::string t = "homeassistant/sensor/larder/" + id + "_";
  CHECK(config_of(sink, t + "days_left/config") ==
        with(base, {{"name", "Days left"},
                    {"unique_id", "larder_" + id + "_days_left"},
                    {"default_entity_id", "sensor.larder_" + slug + "_days_left"},
                    {"value_template",
                     "{{ value_json.days_left | round(1) if value_json.days_left is number "
                     "else none }}"},
                    {"unit_of_measurement", "d"},
                    {"device_class", "duration"},
                    {"state_class", "measurement"}}));
  CHECK(config_of(sink, t + "empty_at/config") ==
        with(base, {{"name", "Empty date"},
                    {"unique_id", "larder_" + id + "_empty_at"},
                    {"default_entity_id", "sensor.larder_" + slug + "_empty_at"},
                    {"value_template",
                     "{{ as_datetime(value_json.empty_at) if value_json.empty_at is number "
                     "else none }}"},
                    {"device_class", "timestamp"}}));
  CHECK(config_of(sink, t + "status/config") ==
        with(base, {{"name", "Status"},
                    {"unique_id", "larder_" + id + "_status"},
                    {"default_entity_id", "sensor.larder_" + slug + "_status"},
                    {"value_template", "{{ value_json.status }}"},
                    {"device_class", "enum"},
                    {"options", json::array({"unknown", "ok", "low", "ordered", "empty"})},
                    {"json_attributes_topic", "larder/v1/consumable/" + id + "/state"}}));
}

}  // namespace

TEST_CASE("the factory builds the plugin only when Home Assistant discovery is on") {
  Config off = household();
  off.plugins.home_assistant = false;
  CHECK(make_home_assistant(off) == nullptr);

  auto on = make_home_assistant(household());
  REQUIRE(on != nullptr);
  CHECK(std::string(on->name()) == "home_assistant");

  // Without consumables it still has stale configs to remove.
  CHECK(make_home_assistant(config_with({})) != nullptr);
}

TEST_CASE("subscriptions: Home Assistant's status and the larder node's configs, retained") {
  auto p = make_home_assistant(household());
  auto subs = p->subscriptions();
  REQUIRE(subs.size() == 2);
  CHECK(subs[0].filter == "homeassistant/status");
  CHECK(subs[0].retained_wanted);
  CHECK(subs[1].filter == "homeassistant/sensor/larder/+/config");
  CHECK(subs[1].retained_wanted);

  Config c = household();
  c.plugins.home_assistant_prefix = "ha";
  subs = make_home_assistant(c)->subscriptions();
  REQUIRE(subs.size() == 2);
  CHECK(subs[0].filter == "ha/status");
  CHECK(subs[1].filter == "ha/sensor/larder/+/config");
}

TEST_CASE("connected publishes four retained configs per consumable") {
  auto p = make_home_assistant(household());
  FakeSink sink;
  p->connected(1000, sink);
  REQUIRE(sink.published.size() == 12);
  for (const std::string id : {"coffee", "oat-milk", "eggs"}) {
    for (const auto& what : kWhats) {
      const Message* m = find(sink, "homeassistant/sensor/larder/" + id + "_" + what + "/config");
      REQUIRE_MESSAGE(m != nullptr, id << " " << what);
      CHECK(m->retained);
      json j = json::parse(m->payload);
      CHECK(j["unique_id"] == "larder_" + id + "_" + what);
    }
  }
  CHECK(sink.inputs.empty());
  CHECK(sink.bad.empty());
  CHECK(sink.events.empty());

  // After every reconnect again.
  sink.clear();
  p->connected(2000, sink);
  CHECK(sink.published.size() == 12);
}

TEST_CASE("the configs of a consumable measured in grams") {
  auto p = make_home_assistant(household());
  FakeSink sink;
  p->connected(1000, sink);
  const json base = common("coffee", "Coffee beans");
  const std::string t = "homeassistant/sensor/larder/coffee_";

  CHECK(config_of(sink, t + "level/config") ==
        with(base, {{"name", "Level"},
                    {"unique_id", "larder_coffee_level"},
                    {"default_entity_id", "sensor.larder_coffee_level"},
                    {"value_template", "{{ value_json.level }}"},
                    {"unit_of_measurement", "g"},
                    {"device_class", "weight"},
                    {"state_class", "measurement"}}));
  check_days_date_status(sink, base, "coffee", "coffee");
}

TEST_CASE("the configs of a consumable measured in millilitres, with a '-' in its id") {
  auto p = make_home_assistant(household());
  FakeSink sink;
  p->connected(1000, sink);
  const json base = common("oat-milk", "Oat milk");
  const std::string t = "homeassistant/sensor/larder/oat-milk_";

  // Home Assistant spells the unit "mL" and refuses "ml" with volume_storage; an entity id
  // may not hold '-'.
  CHECK(config_of(sink, t + "level/config") ==
        with(base, {{"name", "Level"},
                    {"unique_id", "larder_oat-milk_level"},
                    {"default_entity_id", "sensor.larder_oat_milk_level"},
                    {"value_template", "{{ value_json.level }}"},
                    {"unit_of_measurement", "mL"},
                    {"device_class", "volume_storage"},
                    {"state_class", "measurement"}}));
  check_days_date_status(sink, base, "oat-milk", "oat_milk");
}

TEST_CASE("the configs of a consumable counted in pieces") {
  auto p = make_home_assistant(household());
  FakeSink sink;
  p->connected(1000, sink);
  const json base = common("eggs", "Eggs");
  const std::string t = "homeassistant/sensor/larder/eggs_";

  // No device class fits a count: a plain measurement.
  CHECK(config_of(sink, t + "level/config") ==
        with(base, {{"name", "Level"},
                    {"unique_id", "larder_eggs_level"},
                    {"default_entity_id", "sensor.larder_eggs_level"},
                    {"value_template", "{{ value_json.level }}"},
                    {"unit_of_measurement", "pcs"},
                    {"state_class", "measurement"}}));
  check_days_date_status(sink, base, "eggs", "eggs");
}

TEST_CASE("kilograms and litres: their device classes and Home Assistant's spelling") {
  auto p = make_home_assistant(config_with(
      {consumable("flour", "Flour", Unit::kg, 5), consumable("water", "Water", Unit::l, 20)}));
  FakeSink sink;
  p->connected(1000, sink);
  json flour = config_of(sink, "homeassistant/sensor/larder/flour_level/config");
  CHECK(flour["unit_of_measurement"] == "kg");
  CHECK(flour["device_class"] == "weight");
  json water = config_of(sink, "homeassistant/sensor/larder/water_level/config");
  CHECK(water["unit_of_measurement"] == "L");
  CHECK(water["device_class"] == "volume_storage");
}

TEST_CASE("the topics follow the configured prefixes") {
  Config c = household();
  c.mqtt.prefix = "home/larder";
  c.plugins.home_assistant_prefix = "ha";
  auto p = make_home_assistant(c);
  FakeSink sink;
  p->connected(1000, sink);
  json j = config_of(sink, "ha/sensor/larder/coffee_status/config");
  CHECK(j["state_topic"] == "home/larder/v1/consumable/coffee/state");
  CHECK(j["json_attributes_topic"] == "home/larder/v1/consumable/coffee/state");
  CHECK(j["availability"][0]["topic"] == "home/larder/v1/status");
  CHECK(j["unique_id"] == "larder_coffee_status");  // ids do not move with mqtt.prefix
  for (const Message& m : sink.published) CHECK(m.topic.starts_with("ha/sensor/larder/"));
}

TEST_CASE("two hubs on one broker keep their entities and their configs apart") {
  // With its own plugins.home_assistant_node the second hub neither takes the first one's
  // entities nor removes its configs as stale.
  Config garage = household();
  garage.mqtt.prefix = "larder-garage";
  garage.plugins.home_assistant_node = "Larder-Garage";
  auto kitchen_hub = make_home_assistant(household());
  auto garage_hub = make_home_assistant(garage);
  FakeSink kitchen, other;
  kitchen_hub->connected(1000, kitchen);
  garage_hub->connected(1000, other);
  json a = config_of(kitchen, "homeassistant/sensor/larder/coffee_level/config");
  json b = config_of(other, "homeassistant/sensor/Larder-Garage/coffee_level/config");
  CHECK(a["unique_id"] == "larder_coffee_level");  // the default keeps its ids
  CHECK(b["unique_id"] == "Larder-Garage_coffee_level");
  CHECK(b["default_entity_id"] == "sensor.larder_garage_coffee_level");
  CHECK(a["device"]["identifiers"] != b["device"]["identifiers"]);
  // The kitchen hub's retained configs are not on the garage hub's filter; handed to it
  // anyway, they are kept.
  CHECK(garage_hub->subscriptions()[1].filter == "homeassistant/sensor/Larder-Garage/+/config");
  FakeSink after;
  garage_hub->on_message(msg("homeassistant/sensor/larder/tea_level/config", a.dump(), true),
                         1001, after);
  CHECK(after.published.empty());
}

TEST_CASE("an entity id is made valid for Home Assistant") {
  auto p = make_home_assistant(config_with({consumable("a-_b_", "Odd", Unit::g, 1)}));
  FakeSink sink;
  p->connected(1000, sink);
  json j = config_of(sink, "homeassistant/sensor/larder/a-_b__level/config");
  CHECK(j["unique_id"] == "larder_a-_b__level");
  CHECK(j["default_entity_id"] == "sensor.larder_a_b_level");  // no "__", no '-'
}

TEST_CASE("Home Assistant coming online gets every config again") {
  auto p = make_home_assistant(household());
  FakeSink sink;

  SUBCASE("live birth message") {
    p->on_message(msg("homeassistant/status", "online", false), 1000, sink);
  }
  SUBCASE("retained birth message") {
    p->on_message(msg("homeassistant/status", "online", true), 1000, sink);
  }
  REQUIRE(sink.published.size() == 12);
  for (const Message& m : sink.published) {
    CHECK(m.retained);
    CHECK(!m.payload.empty());
  }
  CHECK(sink.bad.empty());

  // Each announcement again.
  sink.clear();
  p->on_message(msg("homeassistant/status", "online", false), 1010, sink);
  CHECK(sink.published.size() == 12);
}

TEST_CASE("Home Assistant going offline changes nothing") {
  auto p = make_home_assistant(household());
  FakeSink sink;
  p->on_message(msg("homeassistant/status", "offline", false), 1000, sink);
  p->on_message(msg("homeassistant/status", "offline", true), 1000, sink);
  // An empty payload clears a retained birth message: no announcement.
  p->on_message(msg("homeassistant/status", "", false), 1000, sink);
  CHECK(sink.published.empty());
  CHECK(sink.bad.empty());
}

TEST_CASE("a status payload other than online or offline is bad input") {
  auto p = make_home_assistant(household());
  FakeSink sink;
  std::string payload;
  SUBCASE("other word") { payload = "starting"; }
  SUBCASE("other case") { payload = "Online"; }
  SUBCASE("JSON") { payload = R"({"state":"online"})"; }
  SUBCASE("trailing newline") { payload = "online\n"; }
  SUBCASE("huge") { payload = std::string(70 * 1024, 'o'); }
  p->on_message(msg("homeassistant/status", payload, false), 1000, sink);
  CHECK(sink.published.empty());
  REQUIRE(sink.bad.size() == 1);
  CHECK(sink.bad[0].topic == "homeassistant/status");
  CHECK(sink.bad[0].code == "value");
  CHECK(sink.bad[0].reason.size() < 200);  // a huge payload is not copied into the report
}

TEST_CASE("a retained config of a consumable no longer configured is removed") {
  auto p = make_home_assistant(household());
  FakeSink sink;
  const std::string stale_config =
      R"({"name":"Level","unique_id":"larder_tea_level",)"
      R"("state_topic":"larder/v1/consumable/tea/state"})";
  for (const std::string what : {"level", "days_left", "empty_at", "status"}) {
    p->on_message(msg("homeassistant/sensor/larder/tea_" + what + "/config", stale_config, true),
                  1000, sink);
  }
  REQUIRE(sink.published.size() == 4);
  for (const std::string what : {"level", "days_left", "empty_at", "status"}) {
    const Message* m = find(sink, "homeassistant/sensor/larder/tea_" + what + "/config");
    REQUIRE(m != nullptr);
    CHECK(m->payload.empty());
    CHECK(m->retained);
  }
  CHECK(sink.bad.empty());
}

TEST_CASE("removal spares configured sensors, live echoes and empty payloads") {
  auto p = make_home_assistant(household());
  FakeSink sink;
  // The configured consumables' own configs, retained: kept.
  for (const std::string id : {"coffee", "oat-milk", "eggs"}) {
    for (const auto& what : kWhats) {
      p->on_message(msg("homeassistant/sensor/larder/" + id + "_" + what + "/config",
                        R"({"name":"x"})", true),
                    1000, sink);
    }
  }
  CHECK(sink.published.empty());

  // A stale one, but live (our own publication echoed back, or someone publishing now).
  p->on_message(msg("homeassistant/sensor/larder/tea_level/config", R"({"name":"x"})", false),
                1000, sink);
  // A stale one already removed: the echo of our removal, retained or not.
  p->on_message(msg("homeassistant/sensor/larder/tea_level/config", "", true), 1000, sink);
  p->on_message(msg("homeassistant/sensor/larder/tea_level/config", "", false), 1000, sink);
  CHECK(sink.published.empty());

  // A name that is close to a configured one but not one of its four sensors.
  p->on_message(msg("homeassistant/sensor/larder/coffee_rate/config", "{}", true), 1000, sink);
  REQUIRE(sink.published.size() == 1);
  CHECK(sink.published[0].topic == "homeassistant/sensor/larder/coffee_rate/config");
  CHECK(sink.published[0].payload.empty());
  CHECK(sink.bad.empty());
}

TEST_CASE("configs of other node ids and components are not touched") {
  auto p = make_home_assistant(household());
  FakeSink sink;
  for (const std::string topic :
       {"homeassistant/sensor/other/tea_level/config", "homeassistant/sensor/tea_level/config",
        "homeassistant/binary_sensor/larder/tea_level/config",
        "homeassistant/sensor/larder/tea_level/state",
        "homeassistant/sensor/larder/a/b/config", "other/sensor/larder/tea_level/config"}) {
    p->on_message(msg(topic, R"({"name":"x"})", true), 1000, sink);
  }
  CHECK(sink.published.empty());
  CHECK(sink.bad.empty());
}

TEST_CASE("a stale config is removed even when no consumable is configured") {
  auto p = make_home_assistant(config_with({}));
  FakeSink sink;
  p->connected(1000, sink);
  CHECK(sink.published.empty());
  p->on_message(msg("homeassistant/sensor/larder/coffee_level/config", "{}", true), 1000, sink);
  REQUIRE(sink.published.size() == 1);
  CHECK(sink.published[0].payload.empty());
  CHECK(sink.published[0].retained);
}
