// The canonical MQTT contract's inputs (shared/contract/mqtt-v1.md): topics and payloads.
//
// parse_input() takes one raw message and either returns a typed input, with every
// field checked (ids, size, JSON object, types, units, finite numbers), or a reason
// the message is bad, in words fit for `larder/v1/error`. It knows nothing of the
// configuration: whether a consumable exists, whether a unit fits it and the retained
// rules are the hub's business (hub.h).
// Thread rule: pure functions.
#pragma once

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "larder/bus.h"
#include "larder/status.h"
#include "larder/units.h"

namespace larder::contract {

inline constexpr std::size_t kMaxPayload = std::size_t{64} * 1024;
// The latest `ts` an input may carry, 2100-01-01T00:00:00Z: a later one is a mistake
// (milliseconds for seconds, a broken clock) and is refused with a clear error.
inline constexpr double kMaxTs = 4102444800;
// The earliest `ts` an input may carry, 2000-01-01T00:00:00Z: a device whose clock was
// never set counts from 1970, and its readings, taken as history decades old, would teach
// the model a use that never happened. Backdated history of this century is welcome.
inline constexpr double kMinTs = 946684800;

struct LevelInput {
  std::string consumable;
  double value = 0;
  Unit unit = Unit::g;
  bool gross = false;
  std::optional<double> ts;
};
struct UsedInput {
  std::string consumable;
  double amount = 0;
  Unit unit = Unit::pcs;
  std::optional<double> ts;
};
struct RefilledInput {            // amount and unit absent: one configured pack
  std::string consumable;
  std::optional<double> amount;
  std::optional<Unit> unit;
  std::optional<double> ts;
};
struct PurchasedInput {
  std::string consumable;
  int packs = 1;
  std::optional<double> ts;
  // The packs' best-before (an extension of mqtt-v1.md): epoch seconds, or a local date
  // "YYYY-MM-DD" (its midnight, as wall-clock seconds written as if UTC: the hub reads it in
  // household.timezone, and the packs are good through that day).
  std::optional<double> best_before;
  std::optional<double> best_before_day;
};
struct PressInput {
  std::string button;
  std::string action;             // single, double, long
  std::optional<double> ts;
};
struct IntentInput {
  std::string intent;             // Reorder, StockQuery, ... (mqtt-v1.md)
  std::map<std::string, std::string> slots;
  std::string text, site, session;
  // The recogniser's confidence, 0..1 (an extension of mqtt-v1.md); absent: sure.
  std::optional<double> confidence;
  std::optional<double> ts;
};
struct LocationInput {
  std::string vehicle;
  double lat = 0, lon = 0;
  std::optional<double> acc;      // metres
  std::optional<bool> moving;
  std::optional<double> ts;
};
struct TrunkInput {
  std::string vehicle;
  std::string state;              // open, closed, locked
  std::optional<double> ts;
};
struct PresenceInput {
  std::string person;
  bool home = false;
  std::optional<double> ts;
};

// <root>/vacation (an extension of mqtt-v1.md): the household leaves ({"away":true}, with
// "until" or without it: open-ended) or is back ({"away":false}).
struct VacationInput {
  bool away = false;
  std::optional<double> until;    // epoch seconds; only with away
  std::optional<double> ts;
};

using Input = std::variant<LevelInput, UsedInput, RefilledInput, PurchasedInput, PressInput,
                           IntentInput, LocationInput, TrunkInput, PresenceInput, VacationInput>;

// A bad message: `reason` for people, `kind` a short fixed label for metrics
// (topic, too_large, json, field, unit, ...).
struct Rejection {
  std::string kind;
  std::string reason;
};

struct Parsed {
  std::optional<Input> input;     // set when the message is valid
  Rejection rejection;            // set otherwise
  bool ok() const { return input.has_value(); }
};

// The topic filters the hub subscribes to under `root` ("<prefix>/v1"), and whether a
// retained message on each is of use (level, location and presence initialise values).
struct Filter {
  std::string filter;
  bool retained_wanted;
};
std::vector<Filter> input_filters(const std::string& root);

// Validates one message received under `root`.
Parsed parse_input(const std::string& root, const Message& m);
// The same with the payload already parsed (`m.payload` is then not read): for
// `larderctl replay`, whose input lines hold payloads as JSON values.
Parsed parse_input(const std::string& root, const Message& m, const nlohmann::json* payload);

// The short name of an input's topic ("level", "press", ...), for metrics and logs.
const char* input_kind(const Input& in);
// Whether a retained copy of this input may still be used (see the contract's rule).
bool retained_may_initialise(const Input& in);
std::optional<double> input_ts(const Input& in);
// The consumable an input concerns, or "" for inputs that concern none.
std::string_view consumable_of(const Input& in);

}  // namespace larder::contract
