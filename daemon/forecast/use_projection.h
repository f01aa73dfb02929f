// Expected use ahead, and how uncertain it is: the distribution of the use between a
// start time and any later time t, as a gamma with this mean and variance:
//   mean(t) = sum over the days ahead of base * factor[day of week] * (the part of the
//             day in [start, t], weighted by the intraday profile);
//   var(t)  = var_scale * ( use_var * mean(t) / base                     (day-to-day noise)
//                         + base_var * (mean(t) / base)^2                (the rate is uncertain)
//                         + drift * base^2 * h^2 * min(h, 90) / 3 )      (the rate wanders: a
//                                                        random walk of variance drift*base^2
//                                                        a day, h the horizon in days; its
//                                                        relative part stops at 90 days).
// The supply runs out at the first t where use reaches it, so P(empty by t) =
// P(use(t) >= supply): the time the median (or any quantile) of use reaches the supply is
// the median (or the matching quantile) of the empty time. The noise grows with the
// expected use, as a count of uses does (a weekend day of twice the use varies twice as
// much), so use_var is the variance of a day of average use (RateModel::use_var).
// Built once per day and rate update (70 days of calendar, beyond that the average day);
// each query is a few dozen operations.
// Thread rule: plain value.
#pragma once

#include <array>
#include <cstdint>
#include <optional>

#include "forecast/daily_use.h"

namespace larder::forecast {

struct UseModel {
  double base = 0;                    // expected use per day (weekly average)
  std::array<double, 7> factor{};     // day-of-week factors (mean 1)
  double use_var = 0;                 // variance of a day of average use (factor 1)
  double base_var = 0;                // variance of the estimate of base
  double drift = 0;                   // relative variance the rate gains per day
  std::array<double, 24> profile{};   // share of a day's use per local hour
  double var_scale = 1;               // calibration of the whole variance
};

class UseProjection {
 public:
  static constexpr int kDays = 70;

  // Calendar from the local day of `anchor` on (cal gives the local days).
  void build(const UseModel& m, const DailyUse& cal, double anchor);
  bool built() const { return built_; }
  // Variance of the supply itself (a counter's level after an outage was bridged): added
  // to the variance of the use, since running out is use reaching an uncertain supply.
  void set_supply_var(double v) { supply_var_ = v; }
  std::int64_t anchor_day() const { return day0_; }

  struct Moments {
    double mean = 0, var = 0;
  };
  Moments moments(double from, double to) const;  // of the use in [from, to] (no supply var)
  double mean(double from, double to) const { return moments(from, to).mean; }
  double var(double from, double to) const { return moments(from, to).var; }
  // P(use in [from, to] >= supply).
  double tail(double from, double to, double supply) const;
  // The first time t >= from at which the normal_cdf(z)-quantile of the use in [from, t]
  // reaches `supply` (z = 0: the median empty time; z = 1.645: the 5% early bound;
  // z = -1.645: the 95% late bound). Nothing if that is more than 10 years away.
  std::optional<double> reach(double from, double supply, double z) const;

 private:
  // Cumulative expected use since the anchor's midnight.
  struct Point {
    double t = 0, use = 0;
  };
  Point at(double t) const;
  double day_start(int d) const;  // the local midnight of the anchor's day + d
  Moments between(const Point& a, const Point& b) const;

  bool built_ = false;
  double supply_var_ = 0;
  UseModel m_;
  std::int64_t day0_ = 0;
  double t0_ = 0;                            // the anchor's local midnight (epoch s)
  std::array<double, kDays + 1> cm_{};
  // Where each local day starts, as seconds from t0_ + d days: 0 but after a change of the
  // zone's offset (summer time: a day of 23 or 25 hours), so that the hours and the
  // weekday of a time after it are its local ones.
  std::array<std::int32_t, kDays + 1> shift_{};
  std::array<int, kDays> dow_{};
  std::array<double, 25> prof_{};            // cumulative profile at each hour
};

}  // namespace larder::forecast
