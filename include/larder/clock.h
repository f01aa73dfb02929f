// Time as the core sees it: Unix epoch seconds (fractions allowed), injected.
//
// The daemon passes a SystemClock; tests and `larderctl replay` pass a ManualClock that
// they move themselves, so the core never reads the wall clock directly.
// Thread rule: a clock is read on the event-loop thread only.
#pragma once

namespace larder {

class Clock {
 public:
  virtual ~Clock() = default;
  virtual double now() const = 0;  // epoch seconds
};

class SystemClock final : public Clock {
 public:
  double now() const override;
};

class ManualClock final : public Clock {
 public:
  explicit ManualClock(double start = 0) : now_(start) {}
  double now() const override { return now_; }
  void set(double t) { now_ = t; }
  void advance(double seconds) { now_ += seconds; }

 private:
  double now_;
};

}  // namespace larder
