// Use per local day, from cumulative use.
//
// Cumulative use C(t) never sums noisy differences: for a level sensor it is (the sum of
// the refills so far) - (the accepted level), so noise in the level cancels out from one
// day to the next; for a counter it is the sum of the uses. Between two points of a level
// sensor C is taken as linear, so the use across a data gap (hours to days without
// readings) is spread evenly over the gap; such days are marked `bridged`. A day in which
// the container stood empty for more than an hour is marked `censored`: its use is only
// what there was left to use. Its `empty_share` says how much of a day's use usually falls
// in the hours it stood empty (by the intraday profile), so the rate model can add the use
// those hours would have had rather than drop the day: the day a container runs dry is, by
// selection, a day of more use than most, and dropping such days biases the rate low.
// The first, partial day is never reported. Local days are those of the household's time
// zone: a daylight-saving change makes a day of 23 or 25 hours, and its use is that of
// those hours, so no hour of use is lost or counted twice.
//
// Along the way it learns the intraday profile: the share of a day's use in each local
// hour (a running average over ~60 full days), used to place the empty time within a day.
// Thread rule: plain value.
#pragma once

#include <array>
#include <cstdint>

#include <nlohmann/json.hpp>

#include "forecast/ring.h"
#include "larder/status.h"
#include "larder/time_zone.h"

namespace larder::forecast {

struct DayTotal {
  std::int64_t day = 0;   // local day number (days since 1970-01-01, local)
  int dow = 0;            // 0 Monday ... 6 Sunday
  double use = 0;
  bool bridged = false;   // a data gap covered more than 6 hours of it
  bool censored = false;  // the container was empty for more than an hour of it
  double empty_share = 0; // the profile's share of a day's use in its empty hours (0..1)
  bool away = false;      // set by the caller: the household was away for (a part of) it
};

class DailyUse {
 public:
  explicit DailyUse(const TimeZone& zone);
  // A zone a fixed number of hours east of UTC (TimeZone::fixed).
  explicit DailyUse(double utc_offset_hours);

  std::int64_t local_day(double ts) const;
  int local_hour(double ts) const;
  double day_start(std::int64_t day) const;     // epoch seconds of the local midnight
  static int day_of_week(std::int64_t day);     // 0 Monday ... 6 Sunday

  // Level sensors: cumulative use `c` at `ts` (ts not before the previous point);
  // `empty`: the container was empty between the previous point and this one.
  void point(double ts, double c, bool empty);
  // Counters: `amount` used at `ts`. An event older than the last one counts in the
  // current day.
  void event(double ts, double amount, bool empty);
  // Counters: time reached `ts` with no use since the last event; full days are reported.
  void close_until(double ts, bool empty);
  // Counters: `amount` of use assumed spread evenly over [from, to] (a gap in the data,
  // from not before the last event); the days it covers are marked bridged.
  void spread(double from, double to, double amount);
  // The next cumulative point starts afresh (the source of use changed).
  void restart() { have_point_ = false; }

  // The completed days, oldest first (at most 64 wait; older ones are dropped).
  bool pop(DayTotal& out);
  // Share of a day's use in each local hour (sums to 1).
  const std::array<double, 24>& profile() const { return profile_; }
  const TimeZone& zone() const { return zone_; }

  nlohmann::json save() const;
  Status load(const nlohmann::json& j);

 private:
  void start(double ts);
  void close_day();
  void add(double from, double to, double use, bool gap, bool empty);
  void mark_empty(double from, double to);

  TimeZone zone_;
  bool started_ = false, have_point_ = false;
  std::int64_t day_ = 0;
  bool complete_ = false;               // observed from its start
  double use_ = 0, gap_s_ = 0;
  std::array<double, 24> hours_{};      // the current day's use per hour
  std::array<double, 24> empty_h_{};    // the current day's empty seconds per hour
  double last_t_ = 0, last_c_ = 0;
  std::array<double, 24> profile_{};
  double profile_days_ = 0;
  static constexpr std::int64_t kKeptDays = 64;  // completed days waiting for pop()
  Ring<DayTotal, kKeptDays> done_;
};

}  // namespace larder::forecast
