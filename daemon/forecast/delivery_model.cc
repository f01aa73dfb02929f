#include "forecast/delivery_model.h"

#include <algorithm>
#include <cmath>

#include "forecast/json_io.h"
#include "forecast/stats.h"

namespace larder::forecast {

using nlohmann::json;

DeliveryModel::DeliveryModel(double lead_time_days, DeliveryParams params) : p_(params) {
  double mean = lead_time_days > 0 ? lead_time_days : 2;
  double var = (p_.prior_cv * mean) * (p_.prior_cv * mean);
  // Bins of probability, each stood for by the quantile at its middle.
  static constexpr double kEdges[kPriorPoints + 1] = {0,   0.1,  0.2,  0.4,   0.6,  0.8,
                                                       0.9, 0.95, 0.98, 0.995, 1};
  for (int i = 0; i < kPriorPoints; ++i) {
    double z = normal_quantile(0.5 * (kEdges[i] + kEdges[i + 1]));
    prior_[i] = {std::max(0.05 * mean, gamma_quantile_z(mean, var, z)), kEdges[i + 1] - kEdges[i]};
  }
  update();
}

bool DeliveryModel::observe(double days) {
  if (!std::isfinite(days) || days <= 0 || days > p_.max_days) return false;
  seen_.push(days);
  update();
  return true;
}

void DeliveryModel::update() {
  double total = p_.prior_weight + static_cast<double>(seen_.size());
  n_ = 0;
  for (const auto& d : prior_) points_[n_++] = {d.days, d.weight * p_.prior_weight / total};
  for (std::size_t i = 0; i < seen_.size(); ++i) points_[n_++] = {seen_[i], 1 / total};
  mean_ = max_ = 0;
  min_ = p_.max_days;
  for (int i = 0; i < n_; ++i) {
    mean_ += points_[i].days * points_[i].weight;
    max_ = std::max(max_, points_[i].days);
    min_ = std::min(min_, points_[i].days);
  }
}

json DeliveryModel::save() const {
  json seen = json::array();
  for (std::size_t i = 0; i < seen_.size(); ++i) seen.push_back(seen_[i]);
  return {{"seen", seen}};
}

Status DeliveryModel::load(const json& j) {
  JsonReader r(j, "delivery");
  Ring<double, kKeep> seen;
  for (const auto& e : r.list("seen", kKeep)) {
    if (!e.is_number() || !(e.get<double>() > 0) || e.get<double>() > p_.max_days) {
      r.fail("seen", "holds an implausible delivery time");
      break;
    }
    seen.push(e.get<double>());
  }
  if (!r.ok()) return Status::Error(r.error());
  seen_ = seen;
  update();
  return Status::Ok();
}

}  // namespace larder::forecast
