#include "delivery/weekly_pattern.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <utility>

namespace larder::delivery {

using nlohmann::json;

namespace {

constexpr double kHour = 3600;
constexpr double kDay = 86400;
constexpr double kMaxGapS = 7 * kDay;     // a longer "known" gap would be a guess
constexpr double kMaxHalfLifeDays = 3650;

// The hour of the week of a local time written as epoch seconds (1970-01-01 was a
// Thursday, weekday 3 when Monday is 0). Computed in doubles so that no instant overflows.
std::size_t local_hour_of_week(double local) {
  const double days = std::floor(local / kDay);
  const double weekday = std::clamp(days + 3 - 7 * std::floor((days + 3) / 7), 0.0, 6.0);
  const double hour = std::clamp(std::floor((local - days * kDay) / kHour), 0.0, 23.0);
  return static_cast<std::size_t>(weekday) * 24 + static_cast<std::size_t>(hour);
}

// Calls f(hour_of_week, seconds) for each piece of [start, end) that lies within one local
// hour, in order. A piece ends at the next local hour or at a change of UTC offset, so a
// daylight-saving change (which need not fall on an hour) is followed exactly.
template <typename F>
void walk_hours(const TimeZone& tz, double start, double end, F&& f) {
  double t = start;
  while (t < end) {
    const int off = tz.utc_offset_at(t);
    const double local = t + off;
    const double boundary = (std::floor(local / kHour) + 1) * kHour;
    double piece_end = std::min(end, t + (boundary - local));
    // utc_offset_at() works in whole seconds: look at the last one before piece_end and,
    // if the offset changed, find the second it changed at.
    const double probe = std::ceil(piece_end) - 1;
    if (probe > t && tz.utc_offset_at(probe) != off) {
      double lo = std::floor(t), hi = probe;
      while (hi - lo > 1) {
        const double mid = std::floor((lo + hi) / 2);
        (tz.utc_offset_at(mid) == off ? lo : hi) = mid;
      }
      piece_end = hi;
    }
    if (!(piece_end > t)) break;  // no progress is possible (rounding at huge instants)
    f(local_hour_of_week(local), piece_end - t);
    t = piece_end;
  }
}

Status bad(const std::string& what) { return Status::Error("saved weekly pattern: " + what); }

// A finite number in (0, max] under `key`, or an error.
std::optional<std::string> positive(const json& j, const char* key, double max, double& out) {
  const auto it = j.find(key);
  if (it == j.end()) return std::string(key) + " is missing";
  if (!it->is_number() || !std::isfinite(it->get<double>()) || it->get<double>() <= 0 ||
      it->get<double>() > max) {
    return std::string(key) + " is not a number above 0 and at most " +
           std::to_string(static_cast<long long>(max));
  }
  out = it->get<double>();
  return std::nullopt;
}

}  // namespace

WeeklyPattern::WeeklyPattern(std::size_t states, const TimeZone& tz, double half_life_days,
                             double max_gap_s)
    : states_(std::clamp<std::size_t>(states, 1, kMaxStates)),
      tz_(tz),
      half_life_s_((std::isfinite(half_life_days) && half_life_days > 0 &&
                            half_life_days <= kMaxHalfLifeDays
                        ? half_life_days
                        : 28) *
                   kDay),
      max_gap_s_(std::isfinite(max_gap_s) && max_gap_s > 0 ? std::min(max_gap_s, kMaxGapS)
                                                           : 6 * kHour),
      w_(kHours * states_, 0.0) {
  // Never credited: any decay brings the (zero) weights to any time.
  as_of_.fill(-HUGE_VAL);
}

bool WeeklyPattern::observe(double ts, std::size_t state, bool credit) {
  if (!std::isfinite(ts) || state >= states_) return false;
  if (last_ts_ && ts < *last_ts_) return false;
  if (credit && last_ts_ && ts > *last_ts_ && ts - *last_ts_ <= max_gap_s_) {
    const std::size_t previous = last_state_;
    walk_hours(tz_, *last_ts_, ts, [&](std::size_t hour, double seconds) {
      const double f = decay(hour, ts);
      if (f != 1) {
        for (std::size_t s = 0; s < states_; ++s) w(hour, s) *= f;
      }
      as_of_[hour] = std::max(as_of_[hour], ts);
      w(hour, previous) += seconds / kHour;
    });
  }
  last_ts_ = ts;
  last_state_ = state;
  return true;
}

double WeeklyPattern::decay(std::size_t hour, double to) const {
  if (!(to > as_of_[hour])) return 1;
  return std::exp2(-(to - as_of_[hour]) / half_life_s_);
}

double WeeklyPattern::query_time(double ts) const {
  return last_ts_ ? std::max(ts, *last_ts_) : ts;
}

std::size_t WeeklyPattern::hour_of_week(double ts) const {
  return local_hour_of_week(tz_.to_local(ts));
}

double WeeklyPattern::weight(std::size_t hour, std::size_t state) const {
  if (hour >= kHours || state >= states_) return 0;
  return w(hour, state) * (last_ts_ ? decay(hour, *last_ts_) : 1);
}

std::vector<std::size_t> WeeklyPattern::hours_touched(double start, double end) const {
  std::vector<std::size_t> out;
  if (!std::isfinite(start) || !std::isfinite(end)) return out;
  if (end <= start) return {hour_of_week(start)};
  if (end - start >= 8 * kDay) {  // every hour of the week, whatever daylight saving does
    for (std::size_t h = 0; h < kHours; ++h) out.push_back(h);
    return out;
  }
  std::array<bool, kHours> seen{};
  walk_hours(tz_, start, end, [&](std::size_t hour, double) {
    if (!seen[hour]) out.push_back(hour);
    seen[hour] = true;
  });
  return out;
}

double WeeklyPattern::share(double ts, std::size_t state) const {
  if (state >= states_ || !std::isfinite(ts)) return 0;
  return share_over(ts, ts, state);
}

double WeeklyPattern::share_over(double start, double end, std::size_t state) const {
  const std::vector<std::size_t> hours = hours_touched(start, end);
  if (state >= states_ || hours.empty()) return 0;
  const double to = query_time(start);
  double lowest = 1;
  for (std::size_t h : hours) {
    const double f = decay(h, to);
    double total = 0;
    for (std::size_t s = 0; s < states_; ++s) total += w(h, s) * f;
    const double share =
        (w(h, state) * f + kPriorHours / static_cast<double>(states_)) / (total + kPriorHours);
    lowest = std::min(lowest, share);
  }
  return lowest;
}

double WeeklyPattern::evidence_hours(double start, double end) const {
  const std::vector<std::size_t> hours = hours_touched(start, end);
  if (hours.empty()) return 0;
  const double to = query_time(start);
  double lowest = HUGE_VAL;
  for (std::size_t h : hours) {
    double total = 0;
    for (std::size_t s = 0; s < states_; ++s) total += w(h, s);
    lowest = std::min(lowest, total * decay(h, to));
  }
  return lowest;
}

json WeeklyPattern::to_json() const {
  json weights = json::array();
  for (std::size_t h = 0; h < kHours; ++h) {
    json row = json::array();
    for (std::size_t s = 0; s < states_; ++s) row.push_back(weight(h, s));
    weights.push_back(std::move(row));
  }
  json last = nullptr;
  if (last_ts_) last = {{"ts", *last_ts_}, {"state", last_state_}};
  return {{"time_zone", tz_.name()},
          {"states", states_},
          {"half_life_days", half_life_days()},
          {"max_gap_s", max_gap_s_},
          {"weights", std::move(weights)},
          {"last", std::move(last)}};
}

Result<WeeklyPattern> WeeklyPattern::from_json(const json& j, std::size_t states,
                                               const TimeZone& tz) {
  if (states < 1 || states > kMaxStates) {
    return bad("the number of states must be 1 to " + std::to_string(kMaxStates));
  }
  if (!j.is_object()) return bad("is not an object");
  const auto zone = j.find("time_zone");
  if (zone == j.end() || !zone->is_string()) return bad("time_zone is missing or not a string");
  if (zone->get_ref<const std::string&>() != tz.name()) {
    return bad("was learned in time zone " + zone->get<std::string>().substr(0, 64) +
               ", not " + tz.name());
  }
  const auto n = j.find("states");
  if (n == j.end() || !n->is_number_unsigned() || n->get<std::uint64_t>() != states) {
    return bad("states is not " + std::to_string(states));
  }
  double half_life_days = 0, max_gap_s = 0;
  if (auto why = positive(j, "half_life_days", kMaxHalfLifeDays, half_life_days)) return bad(*why);
  if (auto why = positive(j, "max_gap_s", kMaxGapS, max_gap_s)) return bad(*why);

  WeeklyPattern p(states, tz, half_life_days, max_gap_s);
  const auto weights = j.find("weights");
  if (weights == j.end() || !weights->is_array() || weights->size() != kHours) {
    return bad("weights is not an array of " + std::to_string(kHours) + " hours");
  }
  bool any = false;
  for (std::size_t h = 0; h < kHours; ++h) {
    const json& row = (*weights)[h];
    if (!row.is_array() || row.size() != states) {
      return bad("weights[" + std::to_string(h) + "] is not an array of " +
                 std::to_string(states) + " numbers");
    }
    for (std::size_t s = 0; s < states; ++s) {
      const json& v = row[s];
      if (!v.is_number() || !std::isfinite(v.get<double>()) || v.get<double>() < 0) {
        return bad("weights[" + std::to_string(h) + "][" + std::to_string(s) +
                   "] is not a finite number of at least 0");
      }
      p.w(h, s) = v.get<double>();
      any = any || v.get<double>() > 0;
    }
  }
  const auto last = j.find("last");
  if (last == j.end()) return bad("last is missing");
  if (last->is_null()) {
    if (any) return bad("has weights but no last observation to date them");
    return p;
  }
  if (!last->is_object()) return bad("last is not null or an object");
  const auto ts = last->find("ts");
  if (ts == last->end() || !ts->is_number() || !std::isfinite(ts->get<double>())) {
    return bad("last.ts is not a finite number");
  }
  const auto state = last->find("state");
  if (state == last->end() || !state->is_number_unsigned() ||
      state->get<std::uint64_t>() >= states) {
    return bad("last.state is not a whole number below " + std::to_string(states));
  }
  p.last_ts_ = ts->get<double>();
  p.last_state_ = static_cast<std::size_t>(state->get<std::uint64_t>());
  p.as_of_.fill(*p.last_ts_);
  return p;
}

}  // namespace larder::delivery
