// Reading the model's saved state back: a reader over one JSON object that remembers the
// first problem (a missing key, a wrong type, a number that is not finite) so that a load
// can read everything, then check once and either apply it all or change nothing.
// Thread rule: plain value over a JSON object that outlives it.
#pragma once

#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>

#include <nlohmann/json.hpp>

namespace larder::forecast {

class JsonReader {
 public:
  // The largest count a state may hold: far beyond any real one, with room to count on.
  static constexpr std::int64_t kMaxCount = 1'000'000'000;

  JsonReader(const nlohmann::json& j, std::string where) : j_(j), where_(std::move(where)) {
    if (!j_.is_object()) fail("", "is not an object");
  }

  bool ok() const { return error_.empty(); }
  // "saved state: <where>.<key> is missing" and the like; empty when all was well.
  const std::string& error() const { return error_; }

  double num(const char* key) {
    const nlohmann::json* v = find(key);
    if (!v) return 0;
    if (!v->is_number() || !std::isfinite(v->get<double>())) {
      fail(key, "is not a finite number");
      return 0;
    }
    return v->get<double>();
  }
  // A whole number in [lo, hi], so that the caller's cast to an integer type is defined;
  // a fraction or a number out of range fails the load.
  std::int64_t whole(const char* key, std::int64_t lo, std::int64_t hi) {
    const double v = num(key);
    if (v != std::floor(v) || v < static_cast<double>(lo) || v > static_cast<double>(hi)) {
      fail(key, "is not a whole number from " + std::to_string(lo) + " to " + std::to_string(hi));
      return lo;
    }
    return static_cast<std::int64_t>(v);
  }
  // A key added in a later version: its absence is not an error, `fallback` stands for it.
  double num_or(const char* key, double fallback) {
    return j_.is_object() && j_.contains(key) ? num(key) : fallback;
  }
  // A flag added in a later version: absent, `fallback` stands for it.
  bool flag_or(const char* key, bool fallback) {
    return j_.is_object() && j_.contains(key) ? flag(key) : fallback;
  }
  bool flag(const char* key) {
    const nlohmann::json* v = find(key);
    if (!v) return false;
    if (!v->is_boolean()) {
      fail(key, "is not true or false");
      return false;
    }
    return v->get<bool>();
  }
  template <std::size_t N>
  std::array<double, N> nums(const char* key) {
    std::array<double, N> out{};
    const nlohmann::json* v = find(key);
    if (!v) return out;
    if (!v->is_array() || v->size() != N) {
      fail(key, "is not an array of " + std::to_string(N) + " numbers");
      return out;
    }
    for (std::size_t i = 0; i < N; ++i) {
      const auto& e = (*v)[i];
      if (!e.is_number() || !std::isfinite(e.get<double>())) {
        fail(key, "holds a value that is not a finite number");
        return out;
      }
      out[i] = e.get<double>();
    }
    return out;
  }
  // An array of at most `max` elements (empty on error).
  const nlohmann::json& list(const char* key, std::size_t max) {
    static const nlohmann::json kEmpty = nlohmann::json::array();
    const nlohmann::json* v = find(key);
    if (!v) return kEmpty;
    if (!v->is_array() || v->size() > max) {
      fail(key, "is not an array of at most " + std::to_string(max) + " elements");
      return kEmpty;
    }
    return *v;
  }
  const nlohmann::json& object(const char* key) {
    static const nlohmann::json kEmpty = nlohmann::json::object();
    const nlohmann::json* v = find(key);
    if (!v) return kEmpty;
    if (!v->is_object()) {
      fail(key, "is not an object");
      return kEmpty;
    }
    return *v;
  }
  // Records a problem found by the caller (a value out of its range).
  void fail(const char* key, const std::string& what) {
    if (!error_.empty()) return;
    error_ = "saved state: " + where_ + (key && *key ? std::string(".") + key : "") + " " + what;
  }

 private:
  const nlohmann::json* find(const char* key) {
    if (!j_.is_object()) return nullptr;
    auto it = j_.find(key);
    if (it == j_.end()) {
      fail(key, "is missing");
      return nullptr;
    }
    return &*it;
  }

  const nlohmann::json& j_;
  std::string where_;
  std::string error_;
};

}  // namespace larder::forecast
