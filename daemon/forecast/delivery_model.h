// How long a delivery takes, in days: learned from the deliveries seen (the last 30),
// mixed with a prior around the configured lead time until there are enough of them.
//
// The prior is a gamma with mean `lead_time_days` and CV `prior_cv` (0.5: delivery times
// vary by about half their mean), weighing as much as `prior_weight` observed deliveries:
// with none seen the prior is all there is; after 30 it weighs 3/33. Each observation is
// one point of the distribution (empirical: a heavy tail, such as an occasional delay of
// days, is learned as it is, not smoothed into a thin-tailed curve).
// The distribution is given as weighted points: a reorder decision averages over them.
// Thread rule: plain value.
#pragma once

#include <array>

#include <nlohmann/json.hpp>

#include "forecast/ring.h"
#include "larder/status.h"

namespace larder::forecast {

struct DeliveryParams {
  double prior_cv = 0.5;
  double prior_weight = 3;
  double max_days = 60;        // longer "deliveries" are not believed
};

struct DeliveryPoint {
  double days = 0;
  double weight = 0;
};

class DeliveryModel {
 public:
  static constexpr int kKeep = 30;         // deliveries remembered
  static constexpr int kPriorPoints = 10;  // quantiles standing for the prior (finer in
                                           // the tail, where a reorder risk is decided)
  static constexpr int kMaxPoints = kKeep + kPriorPoints;
  using Points = std::array<DeliveryPoint, kMaxPoints>;

  explicit DeliveryModel(double lead_time_days, DeliveryParams params = {});

  // Records a delivery that took `days`; false (and nothing recorded) if it is not a
  // plausible duration (not finite, <= 0 or above max_days).
  bool observe(double days);
  int count() const { return static_cast<int>(seen_.size()); }

  // The distribution as weighted points (weights sum to 1): the first size() of them.
  const Points& points() const { return points_; }
  int size() const { return n_; }
  double mean() const { return mean_; }
  double max() const { return max_; }   // the longest point
  double min() const { return min_; }   // the quickest point

  nlohmann::json save() const;
  Status load(const nlohmann::json& j);

 private:
  void update();

  DeliveryParams p_;
  std::array<DeliveryPoint, kPriorPoints> prior_{};
  Ring<double, kKeep> seen_;
  Points points_{};
  int n_ = 0;
  double mean_ = 0, max_ = 0, min_ = 0;
};

}  // namespace larder::forecast
