#include "forecast/daily_use.h"

#include <algorithm>
#include <cmath>

#include "forecast/json_io.h"

namespace larder::forecast {

using nlohmann::json;

namespace {
constexpr double kDay = 86400;
constexpr std::int64_t kMaxDay = 10'000'000;  // a saved day number, some 27,000 years
constexpr double kGapS = 3 * 3600;          // points further apart bound a data gap
constexpr double kBridgedS = 6 * 3600;      // gap time that makes a day "bridged"
constexpr double kCensoredS = 3600;         // empty time that makes a day "censored"
constexpr double kProfileDays = 60;         // memory of the intraday profile
constexpr double kProfilePrior = 7;         // days of a flat profile to start from
}  // namespace

DailyUse::DailyUse(const TimeZone& zone) : zone_(zone) { profile_.fill(1.0 / 24); }

DailyUse::DailyUse(double utc_offset_hours)
    : DailyUse(TimeZone::fixed(static_cast<int>(std::lround(utc_offset_hours * 3600)))) {}

std::int64_t DailyUse::local_day(double ts) const {
  return static_cast<std::int64_t>(std::floor(zone_.to_local(ts) / kDay));
}
int DailyUse::local_hour(double ts) const {
  double local = zone_.to_local(ts);
  double in_day = local - std::floor(local / kDay) * kDay;
  return std::clamp(static_cast<int>(in_day / 3600), 0, 23);
}
// The first instant of the local day: local midnight minus the offset in force then. Near
// a change the offset before or after it applies; the earlier candidate that already lies
// in the day is the start (a midnight skipped by a change starts the day at the change).
double DailyUse::day_start(std::int64_t day) const {
  const double midnight = static_cast<double>(day) * kDay;
  const double before = midnight - zone_.utc_offset_at(midnight - kDay);
  const double after = midnight - zone_.utc_offset_at(midnight + kDay);
  const double first = std::min(before, after), second = std::max(before, after);
  return local_day(first) >= day ? first : second;
}
int DailyUse::day_of_week(std::int64_t day) {
  // 1970-01-01 was a Thursday.
  return static_cast<int>(((day + 3) % 7 + 7) % 7);
}

void DailyUse::start(double ts) {
  started_ = true;
  day_ = local_day(ts);
  complete_ = false;
  use_ = gap_s_ = 0;
  hours_.fill(0);
  empty_h_.fill(0);
  last_t_ = ts;
}

void DailyUse::close_day() {
  DayTotal d;
  d.day = day_;
  d.dow = day_of_week(day_);
  d.use = use_;
  d.bridged = gap_s_ > kBridgedS;
  double empty_s = 0;
  for (int h = 0; h < 24; ++h) {
    empty_s += empty_h_[h];
    d.empty_share += profile_[h] * std::min(1.0, empty_h_[h] / 3600);
  }
  d.censored = empty_s > kCensoredS;
  d.empty_share = std::min(1.0, d.empty_share);
  if (complete_) {
    done_.push(d);
    double total = 0;
    for (double h : hours_) total += std::max(0.0, h);
    if (!d.bridged && !d.censored && total > 0) {
      double a = 1.0 / (std::min(profile_days_, kProfileDays) + kProfilePrior + 1);
      for (int h = 0; h < 24; ++h) profile_[h] += a * (std::max(0.0, hours_[h]) / total - profile_[h]);
      profile_days_ += 1;
    }
  }
  ++day_;
  complete_ = true;
  use_ = gap_s_ = 0;
  hours_.fill(0);
  empty_h_.fill(0);
}

// Counts [from, to] (within the current day) as empty, hour by local hour.
void DailyUse::mark_empty(double from, double to) {
  for (double t = from; t < to;) {
    double local = zone_.to_local(t);
    double step = 3600 - (local - std::floor(local / 3600) * 3600);
    double next = std::min(to, t + (step > 0 ? step : 3600));
    empty_h_[local_hour(t)] += next - t;
    t = next;
  }
}

// Adds `use` spread evenly over [from, to], closing the days it passes.
// Across a long span (time jumping ahead: a replay, a clock set late) the whole days in
// it are alike, and all but the last kKeptDays of them would only pass through the ring of
// completed days: when they cannot change the profile (bridged by a gap, or without use)
// they are skipped in O(1), with the same result as closing each of them.
void DailyUse::add(double from, double to, double use, bool gap, bool empty) {
  double span = to - from;
  double t = from;
  while (day_start(day_ + 1) <= to) {
    std::int64_t ahead = local_day(to) - day_;  // midnights still to pass
    if (t > from && (gap || use == 0) && ahead > kKeptDays + 1) {
      day_ += ahead - kKeptDays - 1;
      t = day_start(day_);
    }
    double e = day_start(day_ + 1);
    double part = span > 0 ? use * (e - t) / span : 0;
    use_ += part;
    if (!gap) hours_[local_hour(e - 1)] += part;
    if (gap) gap_s_ += e - t;
    if (empty) mark_empty(t, e);
    close_day();
    t = e;
  }
  double part = span > 0 ? use * (to - t) / span : use;
  use_ += part;
  if (!gap) hours_[local_hour(to)] += part;
  if (gap) gap_s_ += to - t;
  if (empty) mark_empty(t, to);
}

void DailyUse::point(double ts, double c, bool empty) {
  if (!started_) start(ts);
  if (!have_point_) {
    // A fresh start of the cumulative series: the use since the last known point is
    // unknown, so the days it touches are not reported.
    // The days before ts report nothing: jump to the day before ts's in O(1).
    if (std::int64_t last = local_day(ts) - 1; last > day_) {
      day_ = last;
      complete_ = false;
    }
    while (day_start(day_ + 1) <= ts) {
      complete_ = false;
      close_day();
    }
    complete_ = false;
    have_point_ = true;
    last_t_ = ts;
    last_c_ = c;
    return;
  }
  if (ts < last_t_) return;
  add(last_t_, ts, c - last_c_, ts - last_t_ > kGapS, empty);
  last_t_ = ts;
  last_c_ = c;
}

void DailyUse::event(double ts, double amount, bool empty) {
  if (!started_) start(ts);
  if (ts < last_t_) {  // late: counts in the current day
    use_ += amount;
    hours_[local_hour(ts)] += amount;
    return;
  }
  close_until(ts, empty);
  use_ += amount;
  hours_[local_hour(ts)] += amount;
}

void DailyUse::close_until(double ts, bool empty) {
  if (!started_) start(ts);
  if (ts <= last_t_) return;
  add(last_t_, ts, 0, false, empty);
  last_t_ = ts;
}

void DailyUse::spread(double from, double to, double amount) {
  if (!started_) start(from);
  close_until(from, false);
  if (to <= last_t_) {
    use_ += amount;
    return;
  }
  add(last_t_, to, amount, true, false);
  last_t_ = to;
}

bool DailyUse::pop(DayTotal& out) {
  if (done_.empty()) return false;
  out = done_.pop_front();
  return true;
}

json DailyUse::save() const {
  json done = json::array();
  for (std::size_t i = 0; i < done_.size(); ++i) {
    const DayTotal& d = done_[i];
    done.push_back({d.day, d.use, d.bridged, d.censored, d.empty_share});
  }
  return {{"started", started_}, {"have_point", have_point_}, {"day", day_},
          {"complete", complete_}, {"use", use_},          {"gap_s", gap_s_},
          {"hours", hours_},     {"empty_hours", empty_h_}, {"last_t", last_t_},
          {"last_c", last_c_},   {"profile", profile_},    {"profile_days", profile_days_},
          {"done", done}};
}

Status DailyUse::load(const json& j) {
  JsonReader r(j, "daily");
  DailyUse d = *this;
  d.started_ = r.flag("started");
  d.have_point_ = r.flag("have_point");
  d.day_ = r.whole("day", -kMaxDay, kMaxDay);
  d.complete_ = r.flag("complete");
  d.use_ = r.num("use");
  d.gap_s_ = r.num("gap_s");
  d.hours_ = r.nums<24>("hours");
  d.last_t_ = r.num("last_t");
  if (j.contains("empty_hours")) {
    d.empty_h_ = r.nums<24>("empty_hours");
  } else {
    // Saved before the empty hours were kept, with the day's empty time as one sum: it is
    // put in the hours before the last point, the latest first.
    double left = r.num("empty_s");
    d.empty_h_.fill(0);
    for (int h = d.local_hour(d.last_t_ - 1); h >= 0 && left > 0; --h) {
      d.empty_h_[h] = std::min(3600.0, left);
      left -= d.empty_h_[h];
    }
  }
  d.last_c_ = r.num("last_c");
  d.profile_ = r.nums<24>("profile");
  d.profile_days_ = r.num("profile_days");
  d.done_.clear();
  for (const auto& e : r.list("done", 64)) {
    // [day, use, bridged, censored, empty share]; saved before the share was: 4 elements.
    if (!e.is_array() || e.size() < 4 || e.size() > 5 || !e[0].is_number() ||
        !e[1].is_number() || !e[2].is_boolean() || !e[3].is_boolean() ||
        (e.size() == 5 && !e[4].is_number())) {
      r.fail("done", "holds a malformed day");
      break;
    }
    DayTotal t;
    t.day = e[0].get<std::int64_t>();
    t.dow = day_of_week(t.day);
    t.use = e[1].get<double>();
    t.bridged = e[2].get<bool>();
    t.censored = e[3].get<bool>();
    // Without a share, a censored day counts as wholly empty (the rate model drops it).
    t.empty_share = e.size() == 5 ? e[4].get<double>() : (t.censored ? 1.0 : 0.0);
    if (!std::isfinite(t.empty_share) || t.empty_share < 0 || t.empty_share > 1) {
      r.fail("done", "holds an empty share outside 0..1");
      break;
    }
    d.done_.push(t);
  }
  double sum = 0;
  for (double p : d.profile_) {
    if (p < 0) r.fail("profile", "has a negative share");
    sum += p;
  }
  if (r.ok() && std::fabs(sum - 1) > 1e-6) r.fail("profile", "does not sum to 1");
  // At most two hours in one local hour (the hour repeated when the clocks go back), with
  // room for the rounding of its sum.
  for (double e : d.empty_h_) {
    if (e < 0 || e > 7201) r.fail("empty_hours", "holds a time outside 0..7200 s");
  }
  if (!r.ok()) return Status::Error(r.error());
  *this = d;
  return Status::Ok();
}

}  // namespace larder::forecast
