#include "forecast/use_projection.h"

#include <algorithm>
#include <cmath>

#include "forecast/stats.h"

namespace larder::forecast {

namespace {
constexpr double kDay = 86400;
constexpr double kMaxDays = 3650;
// The rate's random walk stops widening the interval beyond this horizon: a household's
// habits drift, but not without bound (the relative variance stops at drift * 30, a
// deviation of 30% with the default drift). Without the cap the 5% quantile of use stops
// growing after about 90 days of use, and the late end of the interval never comes.
constexpr double kDriftDays = 90;
}  // namespace

void UseProjection::build(const UseModel& m, const DailyUse& cal, double anchor) {
  m_ = m;
  day0_ = cal.local_day(anchor);
  t0_ = cal.day_start(day0_);
  prof_[0] = 0;
  for (int h = 0; h < 24; ++h) prof_[h + 1] = prof_[h] + m.profile[h];
  for (double& p : prof_) p /= prof_[24] > 0 ? prof_[24] : 1;
  cm_[0] = 0;
  for (int d = 0; d < kDays; ++d) {
    int dow = DailyUse::day_of_week(day0_ + d);
    dow_[d] = dow;
    cm_[d + 1] = cm_[d] + m.base * m.factor[dow];
  }
  for (int d = 0; d <= kDays; ++d) {
    shift_[d] = static_cast<std::int32_t>(
        std::lround(cal.day_start(day0_ + d) - t0_ - d * kDay));
  }
  built_ = true;
}

double UseProjection::day_start(int d) const { return t0_ + d * kDay + shift_[d]; }

UseProjection::Point UseProjection::at(double t) const {
  Point p;
  p.t = t;
  if (t >= day_start(kDays)) {
    p.use = cm_[kDays] + m_.base * (t - day_start(kDays)) / kDay;
    return p;
  }
  // The local day of t (a fixed 24 h from the anchor would be an hour off after a change
  // of summer time), and how far into it, in the day's own length (23, 24 or 25 h).
  int d = std::clamp(static_cast<int>(std::max(0.0, (t - t0_) / kDay)), 0, kDays - 1);
  while (d > 0 && t < day_start(d)) --d;
  while (d + 1 < kDays && t >= day_start(d + 1)) ++d;
  const double start = day_start(d), length = day_start(d + 1) - start;
  double frac = length > 0 ? std::clamp((t - start) / length, 0.0, 1.0) * 24 : 0;
  int h = std::min(static_cast<int>(frac), 23);
  double in_day = prof_[h] + (prof_[h + 1] - prof_[h]) * (frac - h);
  double f = m_.factor[dow_[d]];
  p.use = cm_[d] + m_.base * f * in_day;
  return p;
}

UseProjection::Moments UseProjection::between(const Point& a, const Point& b) const {
  Moments m;
  m.mean = std::max(0.0, b.use - a.use);
  double h = std::max(0.0, (b.t - a.t) / kDay);
  double rel = m_.base > 0 ? m.mean / m_.base : 0;  // average days of use ahead
  m.var = m_.var_scale * (m_.use_var * rel + m_.base_var * rel * rel +
                          m_.drift * m_.base * m_.base * h * h * std::min(h, kDriftDays) / 3);
  return m;
}

UseProjection::Moments UseProjection::moments(double from, double to) const {
  return between(at(from), at(to));
}

double UseProjection::tail(double from, double to, double supply) const {
  if (supply <= 0) return 1;
  Moments m = moments(from, to);
  return gamma_tail(m.mean, m.var + supply_var_, supply);
}

std::optional<double> UseProjection::reach(double from, double supply, double z) const {
  if (supply <= 0) return from;
  if (m_.base <= 0) return std::nullopt;
  const Point a = at(from);
  auto q = [&](double t) {
    Moments m = between(a, at(t));
    return gamma_quantile_z(m.mean, m.var + supply_var_, z);
  };
  // Bracket from the mean's guess outwards, then bisect to 5 minutes.
  double lo = from, hi = from + std::max(supply / m_.base, 1.0 / 24) * kDay;
  while (q(hi) < supply) {
    lo = hi;
    hi = from + 2 * (hi - from);
    if (hi - from > kMaxDays * kDay) return std::nullopt;
  }
  while (hi - lo > 300) {
    double mid = 0.5 * (lo + hi);
    (q(mid) >= supply ? hi : lo) = mid;
  }
  return hi;
}

}  // namespace larder::forecast
