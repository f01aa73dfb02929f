// A strict reader of one JSON object for the loaders of persisted records (orders/order.cc,
// grants/grant.cc): every accessor checks type and range, and the first problem is kept,
// named by its path ("order.quote.total is not a finite number"), so that a loader reads
// everything, checks ok() once, and takes all or nothing. Nested objects get a JsonReader
// of their own at at(key) and adopt() its error. Never throws on any input.
// Thread rule: a value on the caller's stack.
#pragma once

#include <cmath>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include <nlohmann/json.hpp>

namespace larder {

class JsonReader {
 public:
  using json = nlohmann::json;
  static constexpr std::size_t kDefaultMaxString = 256;

  JsonReader(const json& j, std::string where) : j_(j), where_(std::move(where)) {
    if (!j_.is_object()) fail("", "is not an object");
  }
  bool ok() const { return error_.empty(); }
  const std::string& error() const { return error_; }

  void fail(std::string_view key, const std::string& what) {
    if (!error_.empty()) return;
    error_ = where_ + (key.empty() ? "" : "." + std::string(key)) + " " + what;
  }
  // Takes a nested reader's error (which names its own place) as this one's.
  void adopt(const std::string& error) {
    if (error_.empty() && !error.empty()) error_ = error;
  }
  std::string at(std::string_view key) const { return where_ + "." + std::string(key); }
  // A field that may be absent (or null, when `null_ok`); nullptr then.
  const json* get(const char* key, bool required) {
    if (!j_.is_object()) return nullptr;
    auto it = j_.find(key);
    if (it == j_.end()) {
      if (required) fail(key, "is missing");
      return nullptr;
    }
    return &*it;
  }
  std::string str(const char* key, std::size_t max = kDefaultMaxString, bool nonempty = true) {
    const json* v = get(key, true);
    if (!v) return {};
    if (!v->is_string() || v->get_ref<const std::string&>().size() > max ||
        (nonempty && v->get_ref<const std::string&>().empty())) {
      fail(key, nonempty ? "is not a non-empty string of at most " + std::to_string(max) + " bytes"
                         : "is not a string of at most " + std::to_string(max) + " bytes");
      return {};
    }
    return v->get<std::string>();
  }
  std::optional<std::string> opt_str(const char* key, bool required) {
    const json* v = get(key, required);
    if (!v || v->is_null()) return std::nullopt;
    if (!v->is_string() || v->get_ref<const std::string&>().empty() ||
        v->get_ref<const std::string&>().size() > kDefaultMaxString) {
      fail(key, "is not null or a non-empty string of at most 256 bytes");
      return std::nullopt;
    }
    return v->get<std::string>();
  }
  double num(const char* key, double min = -HUGE_VAL) {
    const json* v = get(key, true);
    if (!v) return 0;
    if (!v->is_number() || !std::isfinite(v->get<double>()) || v->get<double>() < min) {
      fail(key, min > -HUGE_VAL ? "is not a finite number of at least " + fmt(min)
                                : "is not a finite number");
      return 0;
    }
    return v->get<double>();
  }
  std::optional<double> opt_num(const char* key, bool required) {
    const json* v = get(key, required);
    if (!v || v->is_null()) return std::nullopt;
    if (!v->is_number() || !std::isfinite(v->get<double>())) {
      fail(key, "is not null or a finite number");
      return std::nullopt;
    }
    return v->get<double>();
  }
  int integer(const char* key, int min, int max) {
    const json* v = get(key, true);
    if (!v) return min;
    if (!v->is_number_integer() || v->get<long long>() < min || v->get<long long>() > max) {
      fail(key, "is not a whole number from " + std::to_string(min) + " to " + std::to_string(max));
      return min;
    }
    return static_cast<int>(v->get<long long>());
  }
  // A flag added in a later version: absent, it is `fallback` (no error).
  bool flag_or(const char* key, bool fallback) {
    return j_.is_object() && j_.contains(key) ? flag(key) : fallback;
  }
  bool flag(const char* key) {
    const json* v = get(key, true);
    if (!v) return false;
    if (!v->is_boolean()) {
      fail(key, "is not true or false");
      return false;
    }
    return v->get<bool>();
  }
  // An object, or an empty one when absent (reported missing): read it with a JsonReader of
  // its own at at(key), which says what is wrong with it.
  const json& object(const char* key) {
    static const json kEmpty = json::object();
    const json* v = get(key, true);
    return v ? *v : kEmpty;
  }
  const json& list(const char* key, std::size_t max, bool required = true) {
    static const json kEmpty = json::array();
    const json* v = get(key, required);
    if (!v) return kEmpty;
    if (!v->is_array() || v->size() > max) {
      fail(key, "is not an array of at most " + std::to_string(max) + " elements");
      return kEmpty;
    }
    return *v;
  }

 private:
  static std::string fmt(double v) {
    json j = v;
    return j.dump();
  }
  const json& j_;
  std::string where_;
  std::string error_;
};

}  // namespace larder
