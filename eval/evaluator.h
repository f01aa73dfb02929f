// The closed loop and the metrics of the forecast protocol (shared/eval/forecast.md;
// docs/evaluation.md says what each number means and every choice made here).
//
// run_closed_loop() plays one scenario through time against one subject: the household
// uses the container, opens packs, tops up; the sensor reads every 5 minutes (lifts,
// objects, noise, spikes); the hub sees nothing during an outage; when the subject wants
// an order and none of its orders is in flight, the order is placed and its pack arrives
// after a drawn delay. It returns the trace: what happened (the truth) and what the
// subject said. summarize() turns a trace into one run's numbers (the true empty time of
// each query is computed in hindsight from the trace), and pool() pools runs (seeds) of
// one item and subject.
// Thread rule: pure functions of their arguments (the subject is mutated).
#pragma once

#include <optional>
#include <vector>

#include "eval/scenario.h"
#include "eval/subject.h"

namespace larder::eval {

constexpr double kQueryInterval = 4 * 3600;
constexpr double kWarmupDays = 21;
constexpr double kMaxHorizonDays = 21;
constexpr double kShortHorizonDays = 7;
constexpr double kLiftOrderWindow = 60;     // s after a reading that showed a lift/object
constexpr double kRefillMatchDays = 3;      // a detection within 3 days of a true refill

struct QueryRecord {
  double t = 0;
  double supply = 0;                        // container + packs on hand, in unit
  Query answer;
};

struct Arrival {
  double t = 0;
  double supply_before = 0;                 // what was there when the pack arrived
};

struct RunTrace {
  double t0 = 0, t_end = 0;
  double pack = 0;
  bool sensor_refills = false;              // refill detection is judged (scale, level)
  // Consumption: after the i-th consuming use at use_t[i], cum[i] was used in total.
  std::vector<double> use_t, cum;
  std::vector<QueryRecord> queries;         // every 4 hours from t0
  std::vector<Arrival> arrivals;            // delivered packs
  std::vector<double> opened;               // the household opened a pack (not at t0)
  std::vector<Interval> stockouts;          // container empty and nothing on hand
  std::vector<double> orders;               // placement times
  int duplicates = 0;                       // reorder raised again while one was in flight
  int lift_orders = 0, object_orders = 0;
  std::vector<DetectedRefill> detected;
};

RunTrace run_closed_loop(const Scenario& s, Subject& subject);

// When the supply held at `t` runs out: the first time the consumption after `t`
// reaches `supply`; `t` itself when supply is 0; nothing when it never does in the trace.
std::optional<double> exhausted_at(const RunTrace& tr, double t, double supply);

struct QueryError {
  double horizon_days = 0;                  // truth - query time
  bool answered = false;                    // the subject gave empty_at
  double error_days = 0;                    // empty_at - truth (when answered)
  bool covered = false;                     // empty_at_low <= truth <= empty_at_high
};

struct RunStats {
  double years = 0;
  std::vector<QueryError> queries;          // counted: after warm-up, horizon <= 21 d
  int stockouts = 0;
  double stockout_days = 0;
  std::vector<double> days_early;
  int orders = 0, duplicates = 0, lift_orders = 0, object_orders = 0;
  int true_refills = 0, detections = 0, matched = 0;
  std::vector<double> refill_delays_h;      // seen_at - true refill, matched ones
  std::vector<double> refill_ts_errors_h;   // |ts - true refill|, matched ones
};

RunStats summarize(const RunTrace& tr);

// One item and subject over all its runs (seeds). Rates are per item-year.
struct ItemMetrics {
  bool forecasts = false, intervals = false, sensor_refills = false;  // what applies
  int runs = 0;
  double item_years = 0;
  std::size_t counted = 0, answered = 0;
  std::optional<double> mae, bias, mae_short, coverage;
  double stockouts = 0, stockout_days = 0;
  int stockout_count = 0;
  std::size_t packs = 0;
  std::optional<double> early_median, early_p90;
  double orders_per_year = 0;
  int orders = 0, duplicates = 0, lift_orders = 0, object_orders = 0;
  int true_refills = 0, detections = 0;
  std::optional<double> refill_precision, refill_recall, refill_delay_h;
  std::optional<double> refill_ts_error_h;  // median |event ts - true refill time|
};

// `forecasts`/`intervals`: whether the subject has them at all (coverage of a subject
// with intervals counts an unanswered query as not covered).
ItemMetrics pool(const std::vector<RunStats>& runs, bool forecasts, bool intervals,
                 bool sensor_refills);

// The q-quantile (0..1) with linear interpolation between order statistics.
std::optional<double> quantile(std::vector<double> v, double q);

}  // namespace larder::eval
