// What the evaluator judges: a "subject" is a system that receives the hub's canonical
// inputs and the order ledger's facts, and answers with a forecast and a reorder wish.
// Larder (eval/larder_subject.h) and every baseline (eval/baselines.h) implement it.
//
// The closed loop (eval/evaluator.h) calls, in time order: input() for every message
// that reaches the hub (nothing during a hub outage), tick() every 5 minutes while the
// hub is up, query() to poll the reorder wish (after every input and tick) and every
// 4 hours to judge the forecast, order_placed() when it placed the order the subject
// asked for, delivered() when that order's pack is on the shelf (after an outage: when
// the hub is back, with the delivery's own time). Times are epoch seconds, never
// decreasing across calls (`ts` of delivered() and Input::ts excepted, which may lie in
// the past after an outage; Input::received does not).
// Thread rule: one subject per closed loop and thread.
#pragma once

#include <optional>
#include <vector>

#include "eval/scenario.h"

namespace larder::eval {

struct Input {
  InputKind kind = InputKind::level;
  double ts = 0;
  // level: the reading as the sensor sends it (gross for a scale); used: amount;
  // refilled: amount (NaN: one configured pack, the payload `{}`); purchased: packs.
  double value = 0;
  // When it reaches the hub: `ts`, except for a press held by an outage (then later).
  double received = 0;
};

struct Query {
  std::optional<double> empty_at, empty_at_low, empty_at_high;  // epoch seconds
  bool reorder = false;  // wants an order now (or keeps wanting the one in flight)
};

// What the household really holds when the subject is asked (eval/oracle.h reads it; every
// other subject ignores it): the open container, the unopened packs, and whether a pack is
// waiting to be opened into an empty container (since `opening_from`: the delay is drawn
// from then) or topped up at once. The scenario gives the true use model.
struct TrueState {
  const Scenario* scenario = nullptr;
  double level = 0;
  int on_hand = 0;
  bool opening = false;       // an empty container waits for a pack on hand to be opened
  bool topping_up = false;    // a pack is about to be added to a container not yet empty
  double opening_from = 0;    // when the opening delay started
};

struct DetectedRefill {
  double ts = 0;       // when the subject says the refill happened
  double seen_at = 0;  // when it said so
};

class Subject {
 public:
  virtual ~Subject() = default;
  virtual void input(const Input& in) = 0;
  virtual void tick(double now) = 0;
  virtual Query query(double now) = 0;
  virtual void order_placed(double ts) = 0;
  // One pack of the subject's order arrived at `ts` after `delivery_days`.
  virtual void delivered(double now, double ts, double delivery_days) = 0;
  // Moves the refills detected since the last call into `out` (level and scale items).
  virtual void take_refills(std::vector<DetectedRefill>& out) { (void)out; }
  // The truth, right before every query() (only the oracle uses it).
  virtual void see_truth(const TrueState& truth) { (void)truth; }
  // Whether the subject forecasts empty_at at all, and with an interval: a metric it
  // cannot have is shown as "-", one it could have but did not produce as "null".
  virtual bool forecasts() const = 0;
  virtual bool intervals() const = 0;
};

}  // namespace larder::eval
