#include "plugins/plugins.h"

#include <string>

#include "larder/json_input.h"

namespace larder::plugins {

bool within_bound(const Message& m, Sink& out) {
  if (m.payload.size() <= kMaxPayload) return true;
  out.bad_input(m, "too_large",
                "payload of " + std::to_string(m.payload.size()) + " bytes is larger than 64 KiB");
  return false;
}

std::optional<nlohmann::json> json_object(const Message& m, Sink& out) {
  std::string repeated;
  nlohmann::json j = parse_json_input(m.payload, repeated);
  if (!repeated.empty()) {
    out.bad_input(m, "json", "payload is not valid JSON: " + repeated_key_message(repeated));
  } else if (j.is_discarded()) {
    out.bad_input(m, "json", "payload is not valid JSON");
  } else if (!j.is_object()) {
    out.bad_input(m, "json", "payload must be a JSON object");
  } else {
    return j;
  }
  return std::nullopt;
}

std::vector<std::unique_ptr<Plugin>> make_plugins(const Config& config) {
  std::vector<std::unique_ptr<Plugin>> out;
  for (auto make : {make_dash_button, make_consumable_sensor, make_vehicle_tracker,
                    make_home_assistant, make_hermes}) {
    if (auto p = make(config)) out.push_back(std::move(p));
  }
  return out;
}

}  // namespace larder::plugins
