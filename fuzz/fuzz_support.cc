#include "fuzz_support.h"

#include <cstdio>
#include <cstdlib>
#include <string_view>

#include <nlohmann/json.hpp>

#include "core/contract.h"
#include "larder/log.h"

namespace larder::fuzz {
namespace {

using nlohmann::json;

constexpr const char* kConfig = R"(mqtt:
  url: tcp://127.0.0.1:1883
  prefix: larder
state_dir: /tmp/larder-fuzz
http:
  admin_token: fuzz-admin-token-0123456789
  read_token: fuzz-read-token-0123456789
consumables:
  coffee:
    unit: g
    capacity: 1000
    tare: 250
    synonyms: [beans]
    pack: {sku: COFFEE-500, size: 500, price: 8.99}
  milk:
    unit: l
    capacity: 4
    pack: {sku: MILK-1L, size: 1}
buttons:
  coffee_button:
    consumable: coffee
    long: reorder
    zigbee2mqtt: Kitchen/Coffee Button
    actions: {on: single}
  milk_button:
    consumable: milk
    esphome: kitchen-node/milk_button
  hall_button:
    consumable: coffee
    single: reorder
    tasmota: hall-switch
    tasmota_button: 2
sensors:
  coffee_scale:
    consumable: coffee
    kind: tasmota_hx711
    topic: coffee-scale
  milk_level:
    consumable: milk
    kind: esphome
    topic: kitchen-node/milk_level
vehicles:
  car:
    owntracks: anna/car
people:
  anna:
    owntracks: anna/phone
plugins:
  home_assistant: true
voice:
  hermes:
    intents: {OrderMore: Reorder}
    slots: {product: item}
)";

// Appended to kConfig (whose last section is voice:, so the first lines go into it).
constexpr const char* kHttpExtra = R"(  alexa:
    skill_id: amzn1.ask.skill.00000000-0000-0000-0000-000000000000
retailer:
  kind: sandbox
  url: http://127.0.0.1:9
  api_key: fuzz-retailer-key-0123456789
  webhook_secret: fuzz-callback-secret-0123456789
delivery:
  places:
    home: {lat: 48.1371, lon: 11.5754}
)";

[[noreturn]] void finding(const std::string& what) {
  std::fprintf(stderr, "fuzz finding: %s\n", what.c_str());
  std::abort();
}

// dump() with the strict error handler throws on invalid UTF-8.
void must_dump(const json& j, const char* what) {
  try {
    (void)j.dump();
  } catch (const json::exception& e) {
    finding(std::string(what) + " is not valid JSON text: " + e.what());
  }
}

Config parse(const std::string& text) {
  set_log_level(LogLevel::error);  // bad input is logged at warn: not the fuzzer's news
  ConfigLoad load = parse_config(text, "/tmp/larder-fuzz/larder.yaml");
  if (!load.config) {
    for (const auto& e : load.errors) std::fprintf(stderr, "%s\n", e.to_string().c_str());
    std::abort();
  }
  return *load.config;
}

}  // namespace

const Config& config() {
  static const Config c = parse(kConfig);
  return c;
}

const Config& http_config() {
  static const Config c = parse(std::string(kConfig) + kHttpExtra);
  return c;
}

Message message(const std::uint8_t* data, std::size_t size) {
  std::string_view all(reinterpret_cast<const char*>(data), size);
  std::size_t nl = all.find('\n');
  Message m;
  m.topic = std::string(all.substr(0, nl));
  if (nl != std::string_view::npos) m.payload = std::string(all.substr(nl + 1));
  if (m.topic.rfind("R ", 0) == 0) {
    m.retained = true;
    m.topic.erase(0, 2);
  }
  return m;
}

bool CheckingSink::input(const std::string& suffix, std::string payload, bool retained) {
  json j = json::parse(payload, nullptr, false);
  if (j.is_discarded() || !j.is_object()) finding("input on " + suffix + " is not an object");
  Message m{config().mqtt.root() + "/" + suffix, std::move(payload), 1, retained};
  contract::Parsed p = contract::parse_input(config().mqtt.root(), m);
  if (!p.ok()) must_dump(json(p.rejection.reason), "a rejection reason");
  if (suffix == "voice/intent") ++intents;
  return p.ok();
}

void CheckingSink::bad_input(const Message&, const std::string& code, const std::string& reason) {
  must_dump(json(code), "a bad_input code");
  // A reason may quote the device's own bytes (its topic, cut at 256 bytes): the hub
  // publishes it with error_handler replace (Hub::reject), which never throws, as here.
  (void)json(reason).dump(-1, ' ', false, json::error_handler_t::replace);
}

void CheckingSink::event(const std::string& kind, const std::string& text, json fields) {
  must_dump(json(kind), "an event kind");
  must_dump(json(text), "an event text");
  must_dump(fields, "an event's fields");
}

void CheckingSink::publish(const std::string&, std::string, bool) {}

void run_plugin(plugins::Plugin& plugin, const std::uint8_t* data, std::size_t size) {
  CheckingSink sink;
  const double now = 1764460800;
  plugin.connected(now, sink);
  plugin.on_message(message(data, size), now, sink);
  plugin.tick(now + 3600, sink);
  if (sink.intents > 0) {
    // The session and site the plugin remembered: whatever the intent said.
    VoiceSay say;
    say.text = "Ordered 1 x Coffee beans 500 g.";
    json intent = json::parse(message(data, size).payload, nullptr, false);
    auto text = [&](const char* key) {
      auto it = intent.is_object() ? intent.find(key) : intent.end();
      return it != intent.end() && it->is_string() ? it->get<std::string>() : std::string();
    };
    say.session = text("sessionId");
    say.site = text("siteId");
    plugin.on_say(say, now + 1, sink);
    say.end_session = false;
    say.expect = {"ConfirmOrder", "DenyOrder"};
    plugin.on_say(say, now + 2, sink);
  }
}

}  // namespace larder::fuzz
