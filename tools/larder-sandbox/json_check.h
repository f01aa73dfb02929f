// Strict shape checks for the sandbox's JSON request bodies: the sandbox refuses what the
// contract does not name (unknown keys, wrong types), so an adapter's mistake shows at
// once instead of being silently ignored. Each check returns a message for a 400 answer.
// Thread rule: pure functions.
#pragma once

#include <algorithm>
#include <cmath>
#include <initializer_list>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "larder/status.h"

namespace larder::sandbox {

// `j` is an object whose keys are all in `allowed`; `what` names it in the message.
inline Status check_object(const nlohmann::json& j, std::initializer_list<const char*> allowed,
                           const std::string& what) {
  if (!j.is_object()) return Status::Error(what + " must be a JSON object");
  for (const auto& [key, value] : j.items()) {
    bool known = false;
    for (const char* a : allowed) known = known || key == a;
    if (!known) return Status::Error(what + " has an unknown key '" + key + "'");
  }
  return Status::Ok();
}

// A string at j[key]: required unless `optional`; at most `max` bytes, no control
// characters, and non-empty when `non_empty`. nullopt (with `error` set) on failure,
// nullopt (error untouched) when optional and absent.
inline std::optional<std::string> string_at(const nlohmann::json& j, const char* key,
                                            const std::string& what, std::size_t max, Status& error,
                                            bool optional = false, bool non_empty = true) {
  if (!j.contains(key)) {
    if (!optional) error = Status::Error(what + " needs \"" + key + "\"");
    return std::nullopt;
  }
  const auto& v = j.at(key);
  if (!v.is_string()) {
    error = Status::Error(what + ": \"" + key + "\" must be a string");
    return std::nullopt;
  }
  std::string s = v.get<std::string>();
  if (s.size() > max || (non_empty && s.empty())) {
    error = Status::Error(what + ": \"" + key + "\" must be " + (non_empty ? "1" : "0") + " to " +
                          std::to_string(max) + " bytes long");
    return std::nullopt;
  }
  for (unsigned char c : s) {
    if (c < 0x20 || c == 0x7f) {
      error = Status::Error(what + ": \"" + key + "\" holds a control character");
      return std::nullopt;
    }
  }
  return s;
}

// A finite number at j[key], required.
inline std::optional<double> number_at(const nlohmann::json& j, const char* key,
                                       const std::string& what, Status& error) {
  if (!j.contains(key) || !j.at(key).is_number()) {
    error = Status::Error(what + " needs \"" + key + "\" as a number");
    return std::nullopt;
  }
  double d = j.at(key).get<double>();
  if (!std::isfinite(d)) {
    error = Status::Error(what + ": \"" + key + "\" must be finite");
    return std::nullopt;
  }
  return d;
}

// An integer at j[key] (a JSON integer, not 1.0), required, within [lo, hi].
inline std::optional<long long> integer_at(const nlohmann::json& j, const char* key,
                                           const std::string& what, long long lo, long long hi,
                                           Status& error) {
  if (!j.contains(key) || !j.at(key).is_number_integer()) {
    error = Status::Error(what + " needs \"" + key + "\" as an integer");
    return std::nullopt;
  }
  long long v = j.at(key).is_number_unsigned()
                    ? static_cast<long long>(std::min<unsigned long long>(
                          j.at(key).get<unsigned long long>(), 1ULL << 62))
                    : j.at(key).get<long long>();
  if (v < lo || v > hi) {
    error = Status::Error(what + ": \"" + key + "\" must be from " + std::to_string(lo) + " to " +
                          std::to_string(hi));
    return std::nullopt;
  }
  return v;
}

}  // namespace larder::sandbox
