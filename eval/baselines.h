// The baselines of the forecast protocol, as subjects (eval/subject.h), judged on the
// same scenarios as Larder. docs/evaluation.md explains each choice.
//
// Each baseline sees what a naive system sees: the raw messages. RawTracker is that
// shared bookkeeping:
//   - the container level: the latest raw reading (net of the configured tare) for a
//     scale or level sensor; for a counter, one pack at each `refilled {}` (a reset,
//     as a filter's counter is reset) minus every `used` since;
//   - hourly medians of the readings (or the counter level at each hour's end), kept
//     for 14 days;
//   - refills of sensor items: an hourly median more than half a pack above the one
//     three hours before, confirmed by the hour before it (so a lift, a spike or an
//     object of at most an hour is not a refill);
//   - packs on hand: +1 per `purchased` pack and per delivery, -1 per refill.
// The baselines:
//   - ThresholdSubject(share): orders when level_now() + packs on hand < share x pack
//     (the fixed threshold is share 0.25; the sweep runs 0.05..0.60). No forecast. The
//     level is a sensor's latest hourly median: on the raw reading a jar lifted off the
//     scale (0 g gross, below the tare) ordered at every threshold, and the sweep measured
//     the lifts rather than the thresholds.
//   - NaiveRateSubject: rate = the drop of the hourly medians over the last 7 days
//     (refills added back), extrapolated: empty_at = now + supply / rate. Orders like
//     the least-squares line: when empty_at is within lead time + 2 days.
//   - LeastSquaresSubject: a least-squares line through the hourly medians of the last
//     14 days (refills added back); orders when it says empty within lead time + 2 days.
//   Both answer "empty now" and order when level_now() + packs on hand is nothing, with a
//   rate or without: a container that is empty needs no extrapolation (without this a rate
//   never learned, or lost to a stockout that shows no drop, ordered nothing ever again).
// Neither rate baseline gives an interval.
// Thread rule: plain values.
#pragma once

#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "eval/subject.h"

namespace larder::eval {

class RawTracker {
 public:
  explicit RawTracker(const ItemSpec& item) : item_(item) {}
  void input(const Input& in);
  void tick(double now);
  void delivered() { ++on_hand_; }

  struct Sample {
    double t = 0;            // end of the hour
    double level = 0;        // median of the hour's readings (counter: level at its end)
    int refills = 0;         // refills counted up to this sample
    bool transition = false; // the hour in which a refill was detected: left out of fits
    double adjusted(double pack) const { return level - refills * pack; }
  };

  double level() const { return level_; }
  // What a simple rule reads as the level now: a sensor's latest hourly median (a lift, a
  // spike or an object of a few minutes does not move it), a counter's bookkeeping.
  double level_now() const {
    return has_readings(item_) && !samples_.empty() ? samples_.back().level : level_;
  }
  int on_hand() const { return on_hand_; }
  const std::deque<Sample>& samples() const { return samples_; }
  double supply_now() const { return level_now() + on_hand_ * item_.pack; }
  std::vector<DetectedRefill>& detected() { return detected_; }

 private:
  void close_hour(double now);
  void add_sample(double t, double level, double now);

  const ItemSpec& item_;
  double level_ = 0;
  int on_hand_ = 0;
  int refills_ = 0;
  double hour_end_ = -1;
  std::vector<double> hour_;
  std::deque<Sample> samples_;
  std::vector<DetectedRefill> detected_;
};

class ThresholdSubject final : public Subject {
 public:
  ThresholdSubject(const ItemSpec& item, double share) : item_(item), share_(share), raw_(item) {}
  void input(const Input& in) override { raw_.input(in); }
  void tick(double now) override { raw_.tick(now); }
  Query query(double now) override;
  void order_placed(double) override {}
  void delivered(double, double, double) override { raw_.delivered(); }
  void take_refills(std::vector<DetectedRefill>& out) override;
  bool forecasts() const override { return false; }
  bool intervals() const override { return false; }

 private:
  const ItemSpec& item_;
  double share_;
  RawTracker raw_;
};

// The two rate baselines: a forecast from the hourly samples, refreshed every hour.
class RateSubject : public Subject {
 public:
  enum class Kind { naive7, line14 };
  RateSubject(const ItemSpec& item, Kind kind) : item_(item), kind_(kind), raw_(item) {}
  void input(const Input& in) override;
  void tick(double now) override;
  Query query(double now) override;
  void order_placed(double) override {}
  void delivered(double, double, double) override { raw_.delivered(); }
  void take_refills(std::vector<DetectedRefill>& out) override;
  bool forecasts() const override { return true; }
  bool intervals() const override { return false; }

  static constexpr double kMarginDays = 2;

 private:
  void refresh();

  const ItemSpec& item_;
  Kind kind_;
  RawTracker raw_;
  double last_sample_t_ = -1;
  // From the last refresh: container level at time ref_t_ and use per day.
  double ref_t_ = 0, ref_level_ = 0;
  std::optional<double> rate_;
};

}  // namespace larder::eval
