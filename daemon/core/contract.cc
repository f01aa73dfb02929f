#include "core/contract.h"

#include <cmath>
#include <span>
#include <string_view>

#include <nlohmann/json.hpp>

#include "larder/config.h"
#include "larder/json_input.h"
#include "larder/time_zone.h"
#include "larder/voice.h"

namespace larder::contract {
namespace {

using nlohmann::json;

std::vector<std::string_view> split_levels(std::string_view s) {
  std::vector<std::string_view> out;
  std::size_t start = 0;
  while (true) {
    std::size_t slash = s.find('/', start);
    out.push_back(s.substr(start, slash == std::string_view::npos ? std::string_view::npos
                                                                   : slash - start));
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  return out;
}

Parsed reject(std::string kind, std::string reason) {
  Parsed p;
  p.rejection = {std::move(kind), std::move(reason)};
  return p;
}

// Field readers: each returns a reason on failure, in the manner of the contract.
struct Fields {
  const json& obj;
  std::string error;  // the first problem found

  bool fail(std::string what) {
    if (error.empty()) error = std::move(what);
    return false;
  }

  // A required (or optional) finite number.
  std::optional<double> number(const char* key, bool required) {
    auto it = obj.find(key);
    if (it == obj.end() || it->is_null()) {
      if (required) fail(std::string("field '") + key + "' is missing");
      return std::nullopt;
    }
    if (!it->is_number()) {
      fail(std::string("field '") + key + "' must be a number");
      return std::nullopt;
    }
    double v = it->get<double>();
    if (!std::isfinite(v)) {
      fail(std::string("field '") + key + "' must be a finite number");
      return std::nullopt;
    }
    return v;
  }

  std::optional<std::string> string(const char* key, bool required, std::size_t max = 256) {
    auto it = obj.find(key);
    if (it == obj.end() || it->is_null()) {
      if (required) fail(std::string("field '") + key + "' is missing");
      return std::nullopt;
    }
    if (!it->is_string()) {
      fail(std::string("field '") + key + "' must be a string");
      return std::nullopt;
    }
    auto s = it->get<std::string>();
    if (s.size() > max) {
      fail(std::string("field '") + key + "' is longer than " + std::to_string(max) + " bytes");
      return std::nullopt;
    }
    return s;
  }

  std::optional<bool> boolean(const char* key, bool required) {
    auto it = obj.find(key);
    if (it == obj.end() || it->is_null()) {
      if (required) fail(std::string("field '") + key + "' is missing");
      return std::nullopt;
    }
    if (!it->is_boolean()) {
      fail(std::string("field '") + key + "' must be true or false");
      return std::nullopt;
    }
    return it->get<bool>();
  }

  std::optional<Unit> unit(const char* key, bool required) {
    auto s = string(key, required, 8);
    if (!s) return std::nullopt;
    auto u = parse_unit(*s);
    if (!u) fail("unknown unit '" + *s + "' (expected g, kg, ml, l, pcs or %)");
    return u;
  }

  std::optional<double> ts() {
    auto t = number("ts", false);
    if (t && *t < 0) {
      fail("field 'ts' must be epoch seconds, not negative");
      return std::nullopt;
    }
    if (t && *t < kMinTs) {
      fail("field 'ts' must be epoch seconds from 2000-01-01 (at least 946684800): is the "
           "device's clock set?");
      return std::nullopt;
    }
    if (t && *t > kMaxTs) {
      fail("field 'ts' must be epoch seconds before 2100-01-01 (at most 4102444800)");
      return std::nullopt;
    }
    return t;
  }

  bool one_of(const std::string& value, const char* key,
              std::initializer_list<std::string_view> allowed) {
    return one_of(value, key, std::span<const std::string_view>(allowed.begin(), allowed.size()));
  }
  bool one_of(const std::string& value, const char* key, std::span<const std::string_view> allowed) {
    for (auto a : allowed) {
      if (value == a) return true;
    }
    std::string list;
    for (auto a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
    return fail(std::string("field '") + key + "' must be one of " + list + ", got '" +
                value + "'");
  }
};

Parsed finish(Fields& f, Input in) {
  if (!f.error.empty()) return reject("field", f.error);
  Parsed p;
  p.input = std::move(in);
  return p;
}

// `best_before` of a purchase: epoch seconds, or the date printed on the pack.
void best_before(Fields& f, PurchasedInput& in) {
  auto it = f.obj.find("best_before");
  if (it == f.obj.end() || it->is_null()) return;
  if (it->is_string()) {
    const auto& text = it->get_ref<const std::string&>();
    std::optional<double> day = parse_local_date(text);
    if (!day) {
      f.fail("field 'best_before' must be a date YYYY-MM-DD or epoch seconds, got '" +
             text.substr(0, 32) + "'");
      return;
    }
    // As for `ts`: before 2000 is a date never set (0000-01-01), not a pack's.
    if (*day < kMinTs) {
      f.fail("field 'best_before' must be from 2000-01-01 on, got '" + text.substr(0, 32) + "'");
      return;
    }
    in.best_before_day = day;
    return;
  }
  auto v = f.number("best_before", false);
  if (v && (*v < kMinTs || *v > kMaxTs)) {
    f.fail("field 'best_before' must be epoch seconds from 2000-01-01 to 2100-01-01, or a "
           "date YYYY-MM-DD");
    return;
  }
  in.best_before = v;
}

Parsed parse_consumable(const std::string& id, std::string_view what, Fields& f) {
  if (what == "level") {
    LevelInput in{id, f.number("value", true).value_or(0), f.unit("unit", true).value_or(Unit::g),
                  f.boolean("gross", false).value_or(false), f.ts()};
    return finish(f, in);
  }
  if (what == "used") {
    UsedInput in{id, f.number("amount", true).value_or(0), Unit::pcs, std::nullopt};
    in.unit = f.unit("unit", true).value_or(Unit::pcs);
    in.ts = f.ts();
    if (f.error.empty() && in.amount <= 0) f.fail("field 'amount' must be greater than 0");
    return finish(f, in);
  }
  if (what == "refilled") {
    RefilledInput in{id, f.number("amount", false), f.unit("unit", false), f.ts()};
    if (f.error.empty() && in.amount.has_value() != in.unit.has_value()) {
      f.fail("fields 'amount' and 'unit' come together, or neither (one pack)");
    }
    if (f.error.empty() && in.amount && *in.amount <= 0) {
      f.fail("field 'amount' must be greater than 0");
    }
    return finish(f, in);
  }
  // purchased
  PurchasedInput in{id, 1, std::nullopt, std::nullopt, std::nullopt};
  if (auto packs = f.number("packs", false)) {
    if (*packs < 1 || *packs > 1000 || std::floor(*packs) != *packs) {
      f.fail("field 'packs' must be a whole number from 1 to 1000");
    } else {
      in.packs = static_cast<int>(*packs);
    }
  }
  in.ts = f.ts();
  best_before(f, in);
  return finish(f, in);
}

}  // namespace

std::vector<Filter> input_filters(const std::string& root) {
  return {
      {root + "/consumable/+/level", true},     {root + "/consumable/+/used", false},
      {root + "/consumable/+/refilled", false}, {root + "/consumable/+/purchased", false},
      {root + "/button/+/press", false},        {root + "/voice/intent", false},
      {root + "/vehicle/+/location", true},     {root + "/vehicle/+/trunk", false},
      {root + "/presence/+", true},             {root + "/vacation", false},
  };
}

Parsed parse_input(const std::string& root, const Message& m) {
  return parse_input(root, m, nullptr);
}

Parsed parse_input(const std::string& root, const Message& m, const nlohmann::json* payload) {
  std::string_view topic = m.topic;
  if (topic.size() <= root.size() + 1 || topic.substr(0, root.size()) != root ||
      topic[root.size()] != '/') {
    return reject("topic", "topic is not under " + root + "/");
  }
  auto levels = split_levels(topic.substr(root.size() + 1));
  auto bad_id = [&](std::string_view kind, std::string_view id) {
    return reject("id", std::string(kind) + " id '" + std::string(id.substr(0, 80)) +
                            "' is not valid (expected [a-z0-9][a-z0-9_-]{0,63})");
  };

  enum class T { level, used, refilled, purchased, press, intent, location, trunk, presence,
                 vacation };
  T t;
  std::string id;
  if (levels.size() == 3 && levels[0] == "consumable" &&
      (levels[2] == "level" || levels[2] == "used" || levels[2] == "refilled" ||
       levels[2] == "purchased")) {
    if (!valid_id(levels[1])) return bad_id("consumable", levels[1]);
    t = levels[2] == "level" ? T::level
        : levels[2] == "used" ? T::used
        : levels[2] == "refilled" ? T::refilled
                                  : T::purchased;
  } else if (levels.size() == 3 && levels[0] == "button" && levels[2] == "press") {
    if (!valid_id(levels[1])) return bad_id("button", levels[1]);
    t = T::press;
  } else if (levels.size() == 2 && levels[0] == "voice" && levels[1] == "intent") {
    t = T::intent;
  } else if (levels.size() == 3 && levels[0] == "vehicle" &&
             (levels[2] == "location" || levels[2] == "trunk")) {
    if (!valid_id(levels[1])) return bad_id("vehicle", levels[1]);
    t = levels[2] == "location" ? T::location : T::trunk;
  } else if (levels.size() == 1 && levels[0] == "vacation") {
    t = T::vacation;
  } else if (levels.size() == 2 && levels[0] == "presence") {
    if (!valid_id(levels[1])) return bad_id("person", levels[1]);
    t = T::presence;
  } else {
    return reject("topic", "not an input topic of the contract");
  }
  if (levels.size() >= 2 && t != T::intent) id = std::string(levels[1]);

  json parsed;
  if (!payload) {
    if (m.payload.size() > kMaxPayload) {
      return reject("too_large", "payload of " + std::to_string(m.payload.size()) +
                                     " bytes is larger than 64 KiB");
    }
    std::string repeated;
    parsed = parse_json_input(m.payload, repeated);
    if (parsed.is_discarded()) {
      return reject("json", repeated.empty()
                                ? "payload is not valid JSON"
                                : "payload is not valid JSON: " + repeated_key_message(repeated));
    }
    payload = &parsed;
  }
  const json& obj = *payload;
  if (!obj.is_object()) return reject("json", "payload must be a JSON object");
  Fields f{obj, {}};

  switch (t) {
    case T::level: return parse_consumable(id, "level", f);
    case T::used: return parse_consumable(id, "used", f);
    case T::refilled: return parse_consumable(id, "refilled", f);
    case T::purchased: return parse_consumable(id, "purchased", f);
    case T::press: {
      PressInput in{id, f.string("action", true, 16).value_or(""), f.ts()};
      if (f.error.empty()) f.one_of(in.action, "action", {"single", "double", "long"});
      return finish(f, in);
    }
    case T::intent: {
      IntentInput in;
      in.intent = f.string("intent", true, 64).value_or("");
      if (f.error.empty()) {
        f.one_of(in.intent, "intent", kVoiceIntents);
      }
      if (auto it = obj.find("slots"); it != obj.end() && !it->is_null()) {
        if (!it->is_object()) {
          f.fail("field 'slots' must be an object");
        } else {
          for (const auto& [k, v] : it->items()) {
            if (v.is_string() && v.get_ref<const std::string&>().size() <= 256) {
              in.slots[k] = v.get<std::string>();
            } else if (v.is_number() && std::isfinite(v.get<double>())) {
              in.slots[k] = v.dump();
            } else {
              f.fail("slot '" + k.substr(0, 64) + "' must be a string or a number");
            }
          }
        }
      }
      in.text = f.string("text", false, 1024).value_or("");
      in.site = f.string("site", false, 64).value_or("");
      in.session = f.string("session", false, 256).value_or("");
      in.confidence = f.number("confidence", false);
      if (f.error.empty() && in.confidence && (*in.confidence < 0 || *in.confidence > 1)) {
        f.fail("field 'confidence' must be 0..1");
      }
      in.ts = f.ts();
      return finish(f, in);
    }
    case T::location: {
      LocationInput in{id, f.number("lat", true).value_or(0), f.number("lon", true).value_or(0),
                       f.number("acc", false), f.boolean("moving", false), f.ts()};
      if (f.error.empty() && (in.lat < -90 || in.lat > 90)) f.fail("field 'lat' must be -90..90");
      if (f.error.empty() && (in.lon < -180 || in.lon > 180)) {
        f.fail("field 'lon' must be -180..180");
      }
      if (f.error.empty() && in.acc && *in.acc < 0) f.fail("field 'acc' must not be negative");
      return finish(f, in);
    }
    case T::trunk: {
      TrunkInput in{id, f.string("state", true, 16).value_or(""), f.ts()};
      if (f.error.empty()) f.one_of(in.state, "state", {"open", "closed", "locked"});
      return finish(f, in);
    }
    case T::presence: {
      PresenceInput in{id, f.boolean("home", true).value_or(false), f.ts()};
      return finish(f, in);
    }
    case T::vacation: {
      VacationInput in{f.boolean("away", true).value_or(false), f.number("until", false), {}};
      in.ts = f.ts();
      if (f.error.empty() && in.until && !in.away) {
        f.fail("field 'until' is only for \"away\": true");
      }
      if (f.error.empty() && in.until && (*in.until < 0 || *in.until > kMaxTs)) {
        f.fail("field 'until' must be epoch seconds before 2100");
      }
      return finish(f, in);
    }
  }
  return reject("topic", "not an input topic of the contract");
}

const char* input_kind(const Input& in) {
  static constexpr const char* kNames[] = {"level", "used",     "refilled", "purchased",
                                           "press", "intent",   "location", "trunk",
                                           "presence", "vacation"};
  return kNames[in.index()];
}

bool retained_may_initialise(const Input& in) {
  return std::holds_alternative<LevelInput>(in) || std::holds_alternative<LocationInput>(in) ||
         std::holds_alternative<PresenceInput>(in);
}

std::optional<double> input_ts(const Input& in) {
  return std::visit([](const auto& v) { return v.ts; }, in);
}

std::string_view consumable_of(const Input& in) {
  return std::visit(
      [](const auto& v) -> std::string_view {
        if constexpr (requires { v.consumable; }) {
          return v.consumable;
        } else {
          return {};
        }
      },
      in);
}

}  // namespace larder::contract
