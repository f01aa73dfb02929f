// The seeded scenarios of the forecast protocol (shared/eval/forecast.md,
// docs/evaluation.md): four items, each with its sensor, pack, use and disturbances.
//
// make_scenario() draws everything that does not depend on what the judged system does:
// the household's demand (use times and amounts, the vacation, the lasting change of
// habit), the sensor's disturbances (jar lifts, objects on the scale, noise and spikes of
// every 5-minute reading) and the hub's outages. What depends on the system's orders
// (when packs arrive, when the household opens them) is simulated by the closed loop
// (evaluator.h) from three more streams of the scenario, drawn in order of need: the
// k-th order of every subject gets the same delivery delay, the k-th pack opening the
// same delay, the k-th top-up decision the same coin (common random numbers, so
// subjects differ by what they do, not by luck).
// The same (item, seed, days) always gives the same scenario, on every platform
// (eval/rng.h). The household-level draws (outages, vacation) are shared by the items
// of one seed.
// Thread rule: plain values; make_scenario is pure.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "eval/rng.h"
#include "larder/units.h"

namespace larder::eval {

enum class Sensor { scale, counter, level };

struct ItemSpec {
  std::string id;                // the consumable id in the hub's configuration
  std::string name;
  int index = 0;                 // fixed number of the item: part of its streams' seeds
  Sensor sensor = Sensor::counter;
  bool intermittent = false;
  Unit unit = Unit::pcs;
  double capacity = 0;           // the container, in unit
  double tare = 0;               // scale: the jar
  double pack = 0;               // one pack, in unit
  double uses_per_day = 0;       // weekdays, before the change of habit
  double use_mean = 0, use_sd = 0, use_min = 0, use_max = 0;  // one use, in unit
  double weekend_factor = 1.3;
  double noise = 0;              // sd of a reading, in unit (sensor items)
  double lead_time_days = 3;     // configured for every system judged
};

// coffee (scale), water_filter (counter), pods (counter), detergent (level), in order.
const std::vector<ItemSpec>& protocol_items();
const ItemSpec* find_item(std::string_view id);
inline bool has_readings(const ItemSpec& i) { return i.sensor != Sensor::counter; }

// Protocol constants.
constexpr double kDay = 86400;
constexpr double kReadingInterval = 300;    // a reading every 5 minutes
constexpr double kStartEpoch = 1736121600;  // Monday 2025-01-06 00:00 UTC (local = UTC)
constexpr double kSpikeShare = 0.002;
constexpr double kObjectsPerDay = 0.3;
constexpr double kOutageEveryDays = 30;
constexpr double kChangeAfterDay = 120;
constexpr double kTopUpChance = 0.05;       // top up when < 10% of a pack is left
constexpr double kTopUpBelow = 0.10;        // share of a pack
constexpr double kOpenDelayMaxHours = 12;
// Uses fall around three peaks of the day (seconds after midnight, share), sd 45 minutes.
struct UsePeak {
  double at, share;
};
inline constexpr UsePeak kUsePeaks[3] = {{7.0 * 3600, 0.45}, {12.5 * 3600, 0.25}, {19.0 * 3600, 0.30}};
constexpr double kUsePeakSd = 45.0 * 60;
// Saturday or Sunday (days counted from kStartEpoch, a Monday; local time is UTC).
bool is_weekend(double t);

struct Use {
  double t = 0;
  double amount = 0;             // demanded; the loop takes at most what the container holds
};

struct Interval {
  double start = 0, end = 0;
  double weight = 0;             // objects: grams on the scale
  bool contains(double t) const { return t >= start && t < end; }
};

struct Scenario {
  const ItemSpec* item = nullptr;
  std::uint64_t seed = 0;
  double days = 0;
  double t0 = kStartEpoch;
  double t_end = 0;              // t0 + days
  std::vector<Use> uses;         // sorted by time; vacation and change of habit applied
  std::vector<Interval> lifts;   // scale: jar off the scale, one per use (sorted)
  std::vector<Interval> objects; // scale: something set on the scale (sorted)
  std::vector<Interval> outages; // the hub sees no message in them (sorted, disjoint)
  Interval vacation;             // no use in it
  double change_day = -1;        // day index from which use is scaled (-1: none)
  double change_factor = 1;      // 0.6 or 1.6
  std::size_t readings = 0;      // 5-minute reading slots: k = 0 .. readings-1
  std::vector<double> offsets;   // sensor items: noise + spike of reading k, in unit
  std::vector<unsigned char> spike;  // sensor items: reading k is a spike
  // Streams the closed loop draws from in order of need.
  std::uint64_t delivery_seed = 0, opening_seed = 0, topup_seed = 0;

  double reading_time(std::size_t k) const { return t0 + kReadingInterval * static_cast<double>(k); }
  bool in_outage(double t) const;
  // The jar is off the scale at t, or was until at most `after` seconds before t.
  bool in_lift(double t, double after = 0) const;
  double object_weight(double t) const;   // grams on the scale besides the jar
};

// Everything exogenous for one item and seed over `days` days (days > 0).
Scenario make_scenario(const ItemSpec& item, std::uint64_t seed, double days);

// One delivery delay in days: 1 + Gamma(shape 4, scale 0.5), plus 3 with probability 5%.
constexpr double kDeliveryBaseDays = 1;
constexpr int kDeliveryShape = 4;  // a whole number: the oracle's CDF is Erlang's
constexpr double kDeliveryScaleDays = 0.5;
constexpr double kLateDeliveryDays = 3;
constexpr double kLateDeliveryChance = 0.05;
double draw_delivery_days(Rng& rng);
// How long the household waits before opening a pack into an empty container, seconds.
double draw_opening_delay(Rng& rng);

// The canonical MQTT form of an input: topic under larder/v1 and JSON payload.
// `value` is the level reading (level), the amount (used, refilled; NaN: `{}`), or the
// packs (purchased). The payload is written into `payload` (its buffer is reused).
enum class InputKind { level, used, refilled, purchased };
std::string input_topic(const ItemSpec& item, InputKind kind);
void input_payload(const ItemSpec& item, InputKind kind, double ts, double value,
                   std::string& payload);

}  // namespace larder::eval
