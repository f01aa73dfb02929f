// The reorder decision's state: whether an order may be decided now, and what the user
// and the order ledger said about the last ones. The risk itself is computed by the model
// (consumable_model.h); this module keeps the rules around it:
//   - at most one order in flight: after a decision nothing new is decided until its pack
//     comes (a delivery, or a purchase while the decision waits), the order is cancelled,
//     or, for a decision no order was ever placed for, the next refill (the household
//     opened a pack: that need is met) or 14 days pass;
//   - `reorder` is true from the decision (or a placed order) until the next refill,
//     purchase, delivery or cancel (shared/contract/replay.md);
//   - a user's cancel: no new decision for `cancel_wait_days`; a second user's cancel
//     before the next refill: none until that refill. A cancel by the retailer or the
//     system (by_user false) blocks nothing.
// Thread rule: plain value.
#pragma once

#include <optional>

#include <nlohmann/json.hpp>

#include "larder/status.h"

namespace larder::forecast {

class ReorderPolicy {
 public:
  explicit ReorderPolicy(double cancel_wait_days);

  bool may_decide(double now) const;
  void decide(double now);

  bool reorder() const { return reorder_; }
  bool placed() const { return placed_; }           // an order is in flight
  double decided_at() const { return decided_at_; }
  int user_cancels() const { return user_cancels_; }
  bool blocked_until_refill() const { return blocked_until_refill_; }
  double blocked_until() const { return blocked_until_; }

  void order_placed(double ts);
  void order_cancelled(double ts, bool by_user);
  void order_delivered(double ts);
  void refilled(double ts);
  // Packs bought. If a decision was waiting with no order placed (replay, the evaluator,
  // a household that buys what it is told), this is its delivery: returns its duration
  // in days.
  std::optional<double> purchased(double ts);

  nlohmann::json save() const;
  Status load(const nlohmann::json& j);

 private:
  double wait_s_;
  bool reorder_ = false, placed_ = false, awaiting_ = false;
  double decided_at_ = 0;
  int user_cancels_ = 0;
  double blocked_until_ = -1e300;
  bool blocked_until_refill_ = false;
};

}  // namespace larder::forecast
