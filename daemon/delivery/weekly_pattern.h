// Where something usually is, by hour of the household's local week: learned from a stream
// of observations ("from ts on it is in state s"), forgetting old habits gradually.
//
// It serves the car's usual parking place (states: the index of each allowed place, then
// "elsewhere", then "moving") and the household's presence (states: 0 nobody at home,
// 1 someone at home). The week has 168 local hours, Monday 00:00-01:00 local being hour 0.
//
// Learning: the time between two observations is credited to the earlier one's state,
// split across the local hours it covers; a gap longer than max_gap_s is not credited at
// all (the state was unknown). Hours are local, so on a daylight-saving day the hours that
// really occurred are credited: 23 on the spring day (02:00-03:00 gets nothing), 25 on the
// autumn day (02:00-03:00 gets two). Evidence is counted in hours.
// Forgetting: every weight halves per half_life of elapsed time, so a lasting change of
// habit outweighs the old one after a few half-lives. The decay is applied lazily, per
// hour bucket (each keeps the time its weights are "as of"), so a year of 5-minute
// observations costs a few multiplications each. Memory is fixed: 168 x states weights.
// Queries see the evidence decayed to the later of the instant asked about and the last
// observation: evidence fades while nothing is observed.
//
// Success and failure: observe() refuses (false, nothing changes) an observation older
// than the last one, a non-finite time, or a state out of range. Queries never fail: an
// instant that is not finite has share 0 and no evidence. from_json() refuses anything it
// cannot take whole, with a Status naming what is wrong, and never throws.
// Thread rule: plain value; one thread at a time (queries are const and touch nothing).
#pragma once

#include <array>
#include <cstddef>
#include <optional>
#include <vector>

#include <nlohmann/json.hpp>

#include "larder/status.h"
#include "larder/time_zone.h"

namespace larder::delivery {

class WeeklyPattern {
 public:
  static constexpr std::size_t kHours = 168;
  static constexpr double kPriorHours = 0.25;
  static constexpr std::size_t kMaxStates = 64;

  // `states` is clamped to [1, kMaxStates]. A half-life that is not in (0, 3650] days or a
  // gap that is not a positive finite number takes its default; a gap is at most 7 days
  // (a longer silence is never taken as a known state).
  WeeklyPattern(std::size_t states, const TimeZone& tz, double half_life_days = 28,
                double max_gap_s = 6 * 3600);

  // From ts on the thing is in `state`: credits the time since the previous observation to
  // the previous state (unless longer than max_gap_s, or `credit` is false: a change seen
  // late, when what the thing was in meanwhile is unknown). True when taken; false (and
  // nothing changed) for ts before the last observation, a ts that is not finite, or
  // state >= states(). An observation at the same time as the last one replaces its state.
  bool observe(double ts, std::size_t state, bool credit = true);

  // The share of time spent in `state` during the local hour of the week containing ts,
  // smoothed towards 1/states() with the weight of a quarter hour of evidence (kPriorHours):
  // (w_state + kPriorHours/states) / (w_total + kPriorHours). With no evidence: 1/states().
  // 0 for a state out of range. The prior is small on purpose: a habit seen for two weeks
  // (two hours of evidence per hour of the week) must be able to pass a 0.9 threshold.
  double share(double ts, std::size_t state) const;
  // The chance that the thing is in `state` for the whole [start, end): the smallest
  // share() over the local hours the window touches (conservative). A window with
  // end <= start is the instant start; one of 8 days or more touches every hour.
  double share_over(double start, double end, std::size_t state) const;
  // The smallest decayed evidence (hours, all states together) over the same hours.
  double evidence_hours(double start, double end) const;

  // The local hour of the week containing ts (0 = Monday 00:00-01:00 local ... 167).
  std::size_t hour_of_week(double ts) const;
  // The evidence for `state` in hour `hour` of the week, in hours, decayed to the last
  // observation (0 when out of range). For tests and for explaining a decision.
  double weight(std::size_t hour, std::size_t state) const;

  std::size_t states() const { return states_; }
  const TimeZone& time_zone() const { return tz_; }
  double half_life_days() const { return half_life_s_ / 86400; }
  double max_gap_s() const { return max_gap_s_; }
  std::optional<double> last_ts() const { return last_ts_; }
  std::size_t last_state() const { return last_state_; }

  // {"time_zone", "states", "half_life_days", "max_gap_s", "weights": 168 arrays of
  // states() hours (decayed to the last observation), "last": {"ts", "state"} or null}.
  nlohmann::json to_json() const;
  // Refuses a value that is not such an object: a different number of states or time zone
  // (the hours would mean something else), wrong sizes, weights that are not finite or are
  // negative, weights without a last observation, a half-life or gap outside the bounds
  // above. The half-life and gap come from the saved value.
  static Result<WeeklyPattern> from_json(const nlohmann::json& j, std::size_t states,
                                         const TimeZone& tz);

 private:
  double& w(std::size_t hour, std::size_t state) { return w_[hour * states_ + state]; }
  double w(std::size_t hour, std::size_t state) const { return w_[hour * states_ + state]; }
  // The factor that brings bucket `hour` from its as-of time to `to` (1 if not later).
  double decay(std::size_t hour, double to) const;
  // The instant queries decay to: the later of ts and the last observation.
  double query_time(double ts) const;
  // The hours of the week [start, end) touches, each once.
  std::vector<std::size_t> hours_touched(double start, double end) const;

  std::size_t states_;
  TimeZone tz_;
  double half_life_s_;
  double max_gap_s_;
  std::vector<double> w_;                // kHours x states_ hours
  std::array<double, kHours> as_of_{};   // the time each bucket's weights are valid at
  std::optional<double> last_ts_;
  std::size_t last_state_ = 0;
};

}  // namespace larder::delivery
