// The whole evaluation: every seed and item, Larder and the baselines side by side,
// the threshold sweep and its two selections, and the protocol's targets.
//
// evaluate() builds each (seed, item) scenario once and runs every subject needed on it
// (the threshold sweep runs 5%..60% in steps of 5%, from which the fixed 25% threshold,
// the best single global threshold and the per-item threshold tuned with hindsight are
// read). (seed, item) jobs run on `threads` threads; the result does not depend on
// their number. check_targets() judges Larder's column against the protocol's targets
// (or looser ones: the accuracy test states its margins).
// Thread rule: evaluate() owns its threads; the results are plain values.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "eval/evaluator.h"

namespace larder::eval {

// Subject names, in the order of the table's columns.
inline constexpr const char* kLarder = "larder";
inline constexpr const char* kFixed = "fixed";      // fixed threshold, 25% of a pack
inline constexpr const char* kGlobal = "global";    // best single global threshold
inline constexpr const char* kNaive = "naive";      // drop over 7 days, extrapolated
inline constexpr const char* kLine = "lsq";         // 14-day least-squares line
inline constexpr const char* kPerItem = "peritem";  // per-item threshold, hindsight
inline constexpr const char* kOracle = "oracle";    // knows the true use model (eval/oracle.h)
const std::vector<std::string>& subject_names();

struct EvalOptions {
  int seeds = 10;
  std::uint64_t first_seed = 1;
  double days = 400;
  std::vector<std::string> items;     // empty: all four
  std::vector<std::string> subjects;  // empty: all but the oracle (slow; name it)
  int threads = 2;
};

struct ItemResult {
  const ItemSpec* item = nullptr;
  // By subject name: the selected ones (and the naive rate whenever Larder runs, for
  // its MAE target).
  std::map<std::string, ItemMetrics> subjects;
  std::map<int, ItemMetrics> sweep;             // threshold in % of a pack -> metrics
  std::optional<int> peritem_pct;               // the per-item threshold chosen
  bool peritem_met = true;                      // it reached the stockout bound
  bool global_met = true;                       // the global threshold reached it (when false,
                                                // no threshold matches Larder's stockouts)
};

struct EvalResult {
  EvalOptions options;
  std::vector<ItemResult> items;
  std::optional<int> global_pct;                // the global threshold chosen
  bool global_met = true;
  double stockout_bound = 0;                    // per item-year, what the sweep had to meet
  std::string bound_source;                     // "larder" or "target"
  double seconds = 0;
};

// Refuses unknown items and subjects (the message names them).
std::optional<std::string> validate(const EvalOptions& o);
EvalResult evaluate(const EvalOptions& o);

struct Targets {
  double stockouts = 0.25, stockout_days = 0.5;        // per item-year
  double early_median_regular = 4, early_median_intermittent = 7, early_p90 = 10;
  double mae_regular = 2.5, mae_short_regular = 1.25, mae_intermittent = 5;
  double bias = 0.5;
  double vs_naive = 0.70;                             // Larder MAE / naive MAE at most
  double coverage_low = 0.85, coverage_high = 0.95;
  double refill = 0.99;                               // precision and recall at least
  double vs_global = 0.75;                            // median days early / global's
};

struct Check {
  std::string row;     // the table row it judges (report.cc)
  std::string target;  // as printed, e.g. "<= 0.25"
  std::optional<double> value;
  bool pass = false;
  // False when the comparison cannot be made (no rival at Larder's stockouts): shown as
  // n/a, counted neither as met nor as missed, and no test judges it.
  bool judged = true;
};

// Larder's checks for one item (nothing when Larder was not run).
std::vector<Check> check_targets(const ItemResult& r, const Targets& t);

}  // namespace larder::eval
