// Small helpers shared by retailer_sim.cc and retailer_orders.cc: rounding of money and
// times, and the JSON pieces both write. Internal to the sandbox.
// Thread rule: pure functions.
#pragma once

#include <cmath>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

namespace larder::sandbox {

// Money to the cent.
inline double money(double x) { return std::round(x * 100) / 100; }

// A time on the sandbox's clock as it appears in answers: to the millisecond.
inline double stamp(double t) { return std::round(t * 1000) / 1000; }

// A-Z, a-z, 0-9, '.', '_' and '-', 1 to 64 characters.
inline bool valid_sku(const std::string& sku) {
  if (sku.empty() || sku.size() > 64) return false;
  for (char c : sku) {
    bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

inline nlohmann::json window_json(double start, double end) {
  return {{"start", start}, {"end", end}};
}

inline nlohmann::json item_json(const std::string& sku, int quantity, double unit_price,
                                const std::optional<std::string>& substitute_for) {
  return {{"sku", sku},
          {"quantity", quantity},
          {"unit_price", unit_price},
          {"substitute_for", substitute_for ? nlohmann::json(*substitute_for) : nlohmann::json()}};
}

}  // namespace larder::sandbox
