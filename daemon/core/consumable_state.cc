#include "core/consumable_state.h"

#include <cmath>

#include <nlohmann/json.hpp>

namespace larder {

using nlohmann::json;

ConsumableState ConsumableState::initial(const ConsumableConfig& c) {
  ConsumableState s;
  s.id = c.id;
  s.unit = c.unit;
  s.capacity = c.capacity;
  return s;
}

namespace {
json opt(const std::optional<double>& v) { return v ? json(*v) : json(nullptr); }

std::optional<double> read_opt(const json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end() || !it->is_number()) return std::nullopt;
  double v = it->get<double>();
  return std::isfinite(v) ? std::optional<double>(v) : std::nullopt;
}
}  // namespace

std::string ConsumableState::to_json() const {
  json j = {
      {"level", opt(level)},
      {"unit", std::string(unit_name(unit))},
      {"capacity", capacity},
      {"on_hand", on_hand},
      {"rate_per_day", opt(rate_per_day)},
      {"days_left", opt(days_left)},
      {"empty_at", opt(empty_at)},
      {"empty_at_low", opt(empty_at_low)},
      {"empty_at_high", opt(empty_at_high)},
      {"status", status},
      {"best_before", opt(best_before)},
      {"expiring", expiring},
      {"expiring_at", opt(expiring_at)},
      {"updated", updated > 0 ? json(updated) : json(nullptr)},  // null: no input yet
  };
  return j.dump();
}

Status ConsumableState::restore(const std::string& text) {
  json j = json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return Status::Error("stored state is not a JSON object");
  if (auto l = read_opt(j, "level")) {
    auto u = j.contains("unit") && j["unit"].is_string()
                 ? parse_unit(j["unit"].get<std::string>())
                 : std::optional<Unit>(unit);
    if (u) level = convert(*l, *u, unit, capacity);
  }
  if (auto oh = read_opt(j, "on_hand"); oh && *oh >= 0 && *oh <= 1e6) {
    on_hand = static_cast<int>(*oh);  // bounded as the model's: beyond int, the cast is UB
  }
  if (auto u = read_opt(j, "updated")) updated = *u;
  rate_per_day = read_opt(j, "rate_per_day");
  days_left = read_opt(j, "days_left");
  empty_at = read_opt(j, "empty_at");
  empty_at_low = read_opt(j, "empty_at_low");
  empty_at_high = read_opt(j, "empty_at_high");
  if (j.contains("status") && j["status"].is_string()) status = j["status"].get<std::string>();
  best_before = read_opt(j, "best_before");
  if (auto x = read_opt(j, "expiring"); x && *x >= 0 && *x <= 1e6) expiring = static_cast<int>(*x);
  expiring_at = read_opt(j, "expiring_at");
  return Status::Ok();
}

bool meaningful_change(const ConsumableState& a, const ConsumableState& b) {
  if (a.status != b.status || a.on_hand != b.on_hand) return true;
  if (a.expiring != b.expiring || a.best_before != b.best_before) return true;
  if (a.level.has_value() != b.level.has_value()) return true;
  if (a.level && std::fabs(*a.level - *b.level) >= 0.01 * b.capacity) return true;
  if (a.empty_at.has_value() != b.empty_at.has_value()) return true;
  if (a.empty_at && std::fabs(*a.empty_at - *b.empty_at) >= 3600) return true;
  return false;
}

}  // namespace larder
