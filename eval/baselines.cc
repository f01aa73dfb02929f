#include "eval/baselines.h"

#include <algorithm>
#include <cmath>

namespace larder::eval {

namespace {
constexpr double kHour = 3600;
constexpr double kKeepDays = 14;
constexpr double kMaxDaysLeft = 365;
}  // namespace

// ---- RawTracker ----

void RawTracker::input(const Input& in) {
  switch (in.kind) {
    case InputKind::level:
      if (hour_end_ < 0) hour_end_ = (std::floor(in.ts / kHour) + 1) * kHour;
      if (in.ts >= hour_end_) close_hour(in.ts);
      level_ = in.value - (item_.sensor == Sensor::scale ? item_.tare : 0);
      hour_.push_back(level_);
      break;
    case InputKind::used:
      level_ -= in.value;
      break;
    case InputKind::refilled:
      // `{}`: a fresh pack in a container taken as empty (a naive counter resets; it
      // does not add a pack to what it believes is left, which would carry every lost
      // `used` over into the next pack).
      level_ = std::isnan(in.value) ? item_.pack : level_ + in.value;
      if (on_hand_ > 0) --on_hand_;
      ++refills_;
      break;
    case InputKind::purchased:
      on_hand_ += static_cast<int>(in.value);
      break;
  }
}

void RawTracker::tick(double now) {
  if (hour_end_ < 0) hour_end_ = (std::floor(now / kHour) + 1) * kHour;
  if (now >= hour_end_) close_hour(now);
}

// Closes the hour ending at hour_end_ (and skips hours without input up to `now`).
void RawTracker::close_hour(double now) {
  if (has_readings(item_)) {
    if (!hour_.empty()) {
      auto mid = hour_.begin() + static_cast<std::ptrdiff_t>(hour_.size() / 2);
      std::nth_element(hour_.begin(), mid, hour_.end());
      double m = *mid;
      if (hour_.size() % 2 == 0) m = (m + *std::max_element(hour_.begin(), mid)) / 2;
      add_sample(hour_end_, m, now);
      hour_.clear();
    }
  } else {
    add_sample(hour_end_, level_, now);
  }
  hour_end_ = (std::floor(now / kHour) + 1) * kHour;
}

void RawTracker::add_sample(double t, double level, double now) {
  samples_.push_back({t, level, refills_, false});
  while (!samples_.empty() && samples_.front().t < t - (kKeepDays * kDay + 3 * kHour)) {
    samples_.pop_front();
  }
  std::size_t n = samples_.size();
  if (!has_readings(item_) || n < 4) return;
  Sample& base = samples_[n - 4];
  double rise = item_.pack / 2;
  if (base.transition || base.refills != refills_) return;
  if (samples_[n - 1].level - base.level <= rise || samples_[n - 2].level - base.level <= rise) {
    return;
  }
  ++refills_;
  if (on_hand_ > 0) --on_hand_;
  samples_[n - 3].transition = true;
  for (std::size_t i = n - 3; i < n; ++i) samples_[i].refills = refills_;
  detected_.push_back({samples_[n - 3].t, now});
}

// ---- ThresholdSubject ----

Query ThresholdSubject::query(double) {
  Query q;
  q.reorder = raw_.supply_now() < share_ * item_.pack;
  return q;
}

void ThresholdSubject::take_refills(std::vector<DetectedRefill>& out) {
  auto& d = raw_.detected();
  out.insert(out.end(), d.begin(), d.end());
  d.clear();
}

// ---- RateSubject ----

void RateSubject::input(const Input& in) {
  raw_.input(in);
  refresh();
}

void RateSubject::tick(double now) {
  raw_.tick(now);
  refresh();
}

void RateSubject::take_refills(std::vector<DetectedRefill>& out) {
  auto& d = raw_.detected();
  out.insert(out.end(), d.begin(), d.end());
  d.clear();
}

// Recomputes the rate when a new hourly sample came.
void RateSubject::refresh() {
  const auto& s = raw_.samples();
  if (s.empty() || s.back().t == last_sample_t_) return;
  last_sample_t_ = s.back().t;
  const double pack = item_.pack;
  const double now = s.back().t;
  const double window = (kind_ == Kind::naive7 ? 7 : 14) * kDay;
  rate_.reset();

  // The samples of the window, transitions left out.
  std::size_t first = s.size();
  for (std::size_t i = s.size(); i-- > 0;) {
    if (s[i].t < now - window) break;
    if (!s[i].transition) first = i;
  }
  if (first >= s.size() || now - s[first].t < kDay) return;

  if (kind_ == Kind::naive7) {
    double drop = s[first].adjusted(pack) - s.back().adjusted(pack);
    double rate = drop / ((now - s[first].t) / kDay);
    if (rate <= 0) return;
    rate_ = rate;
    ref_t_ = now;
    ref_level_ = std::max(0.0, s.back().level);
    return;
  }
  // Least squares of adjusted level on days before now.
  double n = 0, sx = 0, sy = 0, sxx = 0, sxy = 0;
  for (std::size_t i = first; i < s.size(); ++i) {
    if (s[i].transition) continue;
    double x = (s[i].t - now) / kDay, y = s[i].adjusted(pack);
    n += 1;
    sx += x;
    sy += y;
    sxx += x * x;
    sxy += x * y;
  }
  double den = n * sxx - sx * sx;
  if (n < 12 || den <= 0) return;
  double slope = (n * sxy - sx * sy) / den;
  double at_now = (sy - slope * sx) / n;  // the line at x = 0
  if (slope >= 0) return;
  rate_ = -slope;
  ref_t_ = now;
  ref_level_ = std::max(0.0, at_now + s.back().refills * pack);
}

Query RateSubject::query(double now) {
  Query q;
  // Nothing left (a sensor's median within 1% of a pack of empty, as Larder's own empty
  // level) and nothing on hand: empty now.
  if (raw_.supply_now() <= 0.01 * item_.pack) {
    q.empty_at = now;
    q.reorder = true;
    return q;
  }
  if (!rate_) return q;
  // A counter's level is exact bookkeeping: use it as it is now (a refill between two
  // samples must not look like a lost pack). A sensor's is the last hourly estimate.
  bool counter = item_.sensor == Sensor::counter;
  double level = counter ? std::max(0.0, raw_.level()) : ref_level_;
  double from = counter ? now : ref_t_;
  double supply = level + raw_.on_hand() * item_.pack;
  // At most a year ahead: a rate near 0 (a vacation, a stockout) would say "never".
  q.empty_at = from + std::min(supply / *rate_, kMaxDaysLeft) * kDay;
  q.reorder = *q.empty_at - now < (item_.lead_time_days + kMarginDays) * kDay;
  return q;
}

}  // namespace larder::eval
