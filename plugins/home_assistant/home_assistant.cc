#include "plugins/home_assistant/home_assistant.h"

#include <array>
#include <string_view>

namespace larder::plugins {

using nlohmann::json;

namespace {

constexpr std::array<const char*, 4> kWhats = {"level", "days_left", "empty_at", "status"};

// Home Assistant checks a unit against the device class and refuses the whole config when
// they do not fit; its volume units are spelt "mL" and "L".
std::string ha_unit(Unit u) {
  switch (u) {
    case Unit::ml: return "mL";
    case Unit::l: return "L";
    default: return std::string(unit_name(u));
  }
}

json level_device_class(Unit u) {
  switch (dimension_of(u)) {
    case Dimension::mass: return "weight";
    case Dimension::volume: return "volume_storage";
    default: return nullptr;  // pcs: a plain number
  }
}

// A Home Assistant entity id allows only [a-z0-9_] and no "__"; consumable ids may hold '-',
// the node id capitals.
std::string entity_slug(std::string_view text) {
  std::string out;
  for (char ch : text) {
    if (ch >= 'A' && ch <= 'Z') ch = static_cast<char>(ch - 'A' + 'a');
    bool keep = (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9');
    char c = keep ? ch : '_';
    if (c == '_' && (out.empty() || out.back() == '_')) continue;
    out += c;
  }
  while (!out.empty() && out.back() == '_') out.pop_back();
  return out;
}

std::string object_id(const ConsumableConfig& c, std::string_view what) {
  return c.id + "_" + std::string(what);
}

// What a payload looked like, short enough for a log line.
std::string excerpt(const std::string& payload) {
  constexpr std::size_t kMax = 32;
  return payload.size() <= kMax ? payload : payload.substr(0, kMax) + "...";
}

}  // namespace

json discovery_config(const ConsumableConfig& c, const std::string& what,
                      const std::string& root, const std::string& node) {
  const std::string state_topic = root + "/consumable/" + c.id + "/state";
  const std::string unique = node + "_" + c.id + "_" + what;
  json j = {
      {"unique_id", unique},
      // object_id, its predecessor, stopped working in Home Assistant 2026.4.
      {"default_entity_id", "sensor." + entity_slug(unique)},
      {"state_topic", state_topic},
      {"availability",
       json::array({{{"topic", root + "/status"},
                     {"payload_available", "online"},
                     {"payload_not_available", "offline"}}})},
      {"device",
       {{"identifiers", json::array({node + "_" + c.id})},
        {"name", c.name},
        {"manufacturer", "Larder"},
        {"model", "Consumable"},
        {"sw_version", LARDER_VERSION}}},
  };
  // Templates render the literal None for a null field, which Home Assistant shows as
  // unknown; `is number` is also false for a missing field.
  if (what == "level") {
    j["name"] = "Level";
    j["value_template"] = "{{ value_json.level }}";
    j["unit_of_measurement"] = ha_unit(c.unit);
    if (json dc = level_device_class(c.unit); !dc.is_null()) j["device_class"] = dc;
    j["state_class"] = "measurement";
  } else if (what == "days_left") {
    j["name"] = "Days left";
    j["value_template"] =
        "{{ value_json.days_left | round(1) if value_json.days_left is number else none }}";
    j["unit_of_measurement"] = "d";
    j["device_class"] = "duration";
    j["state_class"] = "measurement";
  } else if (what == "empty_at") {
    j["name"] = "Empty date";
    j["value_template"] =
        "{{ as_datetime(value_json.empty_at) if value_json.empty_at is number else none }}";
    j["device_class"] = "timestamp";
  } else {  // status
    j["name"] = "Status";
    j["value_template"] = "{{ value_json.status }}";
    j["device_class"] = "enum";
    j["options"] = json::array({"unknown", "ok", "low", "ordered", "empty"});
    // The rest of the state (on_hand, rate_per_day, the interval...) as attributes.
    j["json_attributes_topic"] = state_topic;
  }
  return j;
}

HomeAssistant::HomeAssistant(const Config& config)
    : status_topic_(config.plugins.home_assistant_prefix + "/status"),
      config_prefix_(config.plugins.home_assistant_prefix + "/sensor/" +
                     config.plugins.home_assistant_node + "/") {
  const std::string root = config.mqtt.root();
  const std::string& node = config.plugins.home_assistant_node;
  for (const ConsumableConfig& c : config.consumables) {
    for (const char* what : kWhats) {
      std::string id = object_id(c, what);
      configs_.emplace_back(config_prefix_ + id + "/config",
                            discovery_config(c, what, root, node).dump());
      object_ids_.insert(std::move(id));
    }
  }
}

std::vector<Subscription> HomeAssistant::subscriptions() const {
  // Both retained: Home Assistant's birth message may be retained, and the retained
  // configs are how stale ones are found.
  return {{status_topic_, true}, {config_prefix_ + "+/config", true}};
}

void HomeAssistant::publish_all(Sink& out) const {
  for (const auto& [topic, payload] : configs_) out.publish(topic, payload, true);
}

void HomeAssistant::connected(double now, Sink& out) {
  (void)now;
  publish_all(out);
}

void HomeAssistant::on_message(const Message& m, double now, Sink& out) {
  (void)now;
  if (m.topic == status_topic_) {
    // An empty payload clears a retained birth message: no announcement either way.
    if (m.payload == "online") {
      publish_all(out);
    } else if (m.payload != "offline" && !m.payload.empty()) {
      out.bad_input(m, "value",
                    "Home Assistant status must be 'online' or 'offline', got '" +
                        excerpt(m.payload) + "'");
    }
    return;
  }
  constexpr std::string_view kSuffix = "/config";
  const std::string_view topic = m.topic;
  if (!topic.starts_with(config_prefix_) || !topic.ends_with(kSuffix) ||
      topic.size() < config_prefix_.size() + kSuffix.size()) {
    return;  // not on our filters
  }
  const std::string_view id =
      topic.substr(config_prefix_.size(), topic.size() - config_prefix_.size() - kSuffix.size());
  if (id.find('/') != std::string_view::npos) return;
  // Live messages are our own publications coming back; an empty payload is a removal
  // (ours, or already done).
  if (!m.retained || m.payload.empty()) return;
  if (object_ids_.contains(std::string(id))) return;
  out.publish(m.topic, "", true);
}

std::unique_ptr<Plugin> make_home_assistant(const Config& config) {
  if (!config.plugins.home_assistant) return nullptr;
  return std::make_unique<HomeAssistant>(config);
}

}  // namespace larder::plugins
