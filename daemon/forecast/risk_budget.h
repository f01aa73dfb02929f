// The reorder risk per order, scaled by how long a pack lasts: a stockout budget per year
// rather than per order. `forecast.reorder_risk` is the risk for an item whose pack lasts
// three weeks; an item whose pack lasts twice as long is ordered half as often and may take
// twice the risk each time, within x0.5 .. x2. The model (consumable_model_forecast.cc)
// and the evaluator's oracle (eval/oracle.cc) both order by this rule.
// Thread rule: pure function.
#pragma once

#include <algorithm>

namespace larder::forecast {

inline constexpr double kReferencePackDays = 21;
inline constexpr double kMinRiskScale = 0.5, kMaxRiskScale = 2;

// `pack_days`: how many days one pack lasts at the mean rate (> 0).
inline double scaled_reorder_risk(double reorder_risk, double pack_days) {
  return reorder_risk * std::clamp(pack_days / kReferencePackDays, kMinRiskScale, kMaxRiskScale);
}

}  // namespace larder::forecast
