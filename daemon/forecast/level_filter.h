// The accepted level of a container on a scale or a level sensor: what the container
// really holds, read through lifts, spikes, objects set on the scale and sensor noise.
//
// Readings are net values (the hub has subtracted the tare). In order:
//   1. lift: with a tare, a reading below -lift_fraction * tare means the container is off
//      the scale (net about -tare); it is dropped (last_lift_ts() remembers it);
//   2. spikes: a median of three consecutive readings, so a single reading far from its
//      neighbours never reaches the level (5 minutes of delay at one reading a 5 minutes);
//   3. noise: the level is the running mean of the current plateau (the readings since the
//      last step); a median more than step_sigmas noise deviations away starts a new plateau.
//      The noise is learned from consecutive differences (a running median);
//   4. rises: a median more than rise_threshold() above the level is held, not accepted: an
//      object set on the scale reverses within the hold (the level comes back), a refill
//      lasts. A rise still there after the hold is confirmed (rise_confirmed with the time
//      the rise began and its amount); an announced refill (expect_rise_until) confirms at
//      once. The hold is `hold_s` when the container was nearly empty (that is when packs
//      are opened) and `hold_full_s` otherwise (objects put down one after another can
//      look like one long rise; onto a full container a refill is rare). While a rise is
//      held, any further step of half the threshold or more (another
//      object set down or taken off) starts the hold again: a refill is one step up followed
//      by small uses, objects come and go. A rise to more than 5% above the room the
//      container has is held `over_hold_s`: no refill fits, an object left there does;
//   5. drops: a use is a small drop and is accepted at once; a drop larger than the rise
//      threshold is held for `drop_hold_s` (three medians) and forgotten if the level
//      comes back (two bad readings in a row, such as a spike next to a lift, make at most
//      two bad medians: their drop and the return would otherwise pass for a use and a
//      refill, and an order could be decided on the drop).
// Every median outside a pending rise gives an accepted point (ts, level).
// Thread rule: plain value.
#pragma once

#include <optional>

#include <nlohmann/json.hpp>

#include "forecast/ring.h"
#include "larder/status.h"

namespace larder::forecast {

// Of a pack: a container holding less than this is nearly empty, so a rise onto it is
// likely a refill (the filter holds it a shorter time), and a small lasting rise onto it
// likely a part of a pack poured in parts (the model).
inline constexpr double kNearEmptyOfPack = 0.25;

struct LevelFilterParams {
  double hold_s = 75 * 60;        // objects stay at most an hour; rises lasting longer are real
  double hold_full_s = 180 * 60;  // the hold when the container was not nearly empty
  double near_empty = kNearEmptyOfPack;
  double lift_fraction = 0.5;     // of the tare: lower readings are lifts
  double rise_fraction = 0.05;    // of a pack: smaller rises are noise or a small correction
  double rise_sigmas = 6;         // and at least this many noise deviations
  double step_sigmas = 3;         // a new plateau starts this far from the current one
  int plateau_cap = 48;           // readings in a plateau mean (follows slow drift)
  double gap_s = 30 * 60;         // readings further apart bound a data gap
  double drop_hold_s = 10 * 60;   // a large drop must last this long (3 medians)
  double room = 0;                // the most the container holds (0: no bound); a rise
  double over_hold_s = 24 * 3600; // to more than 5% above it is held this long: a bag set
                                  // on a jar, not a refill (none fits)
};

// What one reading produced.
struct LevelStep {
  bool lift = false;              // the reading was a lift and was dropped
  bool accepted = false;          // a new accepted point:
  double ts = 0;                  //   its time (the middle reading of the median)
  double level = 0;               //   the accepted level
  double drop = 0;                //   a new plateau this much lower began here (a use)
  bool rise_confirmed = false;    // a lasting rise, accepted with this point:
  double rise_ts = 0;             //   the time it began (the first raised median)
  double rise_amount = 0;         //   the new level minus the level before it
  bool rise_after_gap = false;    //   it began across a data gap (its time and amount are
                                  //   uncertain: use during the gap is folded into it)
  double gap_from = 0;            //   then: the last accepted point before the gap
  double first_raised = 0;        //   the first raised median (the level just after it)
  double level_before = 0;        //   the accepted level before it
};

class LevelFilter {
 public:
  LevelFilter(double pack_size, double tare, LevelFilterParams params = {});

  LevelStep push(double ts, double net);

  bool has_level() const { return has_level_; }
  // The accepted level (the level before the rise while a rise is pending).
  double level() const { return m_; }
  double level_ts() const { return t_acc_; }
  bool rise_pending() const { return pending_; }
  bool drop_pending() const { return drop_pending_; }
  double last_ts() const { return last_ts_; }          // newest reading of any kind
  double last_raw() const { return last_raw_; }        // newest reading that was not a lift
  double last_lift_ts() const { return last_lift_ts_; }
  // The noise of one reading (standard deviation), as learned.
  double noise() const { return sigma_; }
  double rise_threshold() const;
  // A refill was announced (a `refilled` message): a rise until `ts` is confirmed at once.
  void expect_rise_until(double ts) { expect_until_ = ts; }

  nlohmann::json save() const;
  Status load(const nlohmann::json& j);

 private:
  struct Raw {
    double ts, v;
  };
  void learn_noise(double ts, double v);
  void process(double ts, double x, LevelStep& out);
  void start_rise(double ts, double x, double thr, LevelStep& out);
  void confirm(double ts, LevelStep& out);
  static void plateau(double& m, int& n, double x, double step, int cap);

  double pack_, tare_;
  LevelFilterParams p_;
  Ring<Raw, 2> raw_;              // the two readings before the newest (for the median)
  double last_ts_ = -1e300, last_raw_ = 0, last_lift_ts_ = -1e300;
  double sigma_;                  // noise of one reading
  double med_abs_diff_;           // running median of |consecutive difference|
  bool has_level_ = false;
  double m_ = 0, t_acc_ = 0, t_med_ = -1e300;  // accepted plateau mean, its time, last median
  int n_ = 0;
  bool pending_ = false;          // a rise is held
  double l0_ = 0, t0_ = 0, m2_ = 0, t_hold_ = 0, first_ = 0, gap_from_ = 0;
  int n2_ = 0;
  bool pending_gap_ = false;
  bool drop_pending_ = false;
  double drop_from_ = 0, drop_t0_ = 0;
  double expect_until_ = -1e300;
};

}  // namespace larder::forecast
