#include "forecast/reorder_policy.h"

#include "forecast/json_io.h"

namespace larder::forecast {

using nlohmann::json;

namespace {
constexpr double kUnplacedTimeout = 14 * 86400.0;  // a decision no order was placed for
}

ReorderPolicy::ReorderPolicy(double cancel_wait_days) : wait_s_(cancel_wait_days * 86400) {}

bool ReorderPolicy::may_decide(double now) const {
  if (placed_) return false;
  if (awaiting_ && now - decided_at_ < kUnplacedTimeout) return false;
  if (now < blocked_until_ || blocked_until_refill_) return false;
  return true;
}

void ReorderPolicy::decide(double now) {
  reorder_ = true;
  awaiting_ = true;
  decided_at_ = now;
}

void ReorderPolicy::order_placed(double ts) {
  if (!awaiting_) decided_at_ = ts;
  placed_ = true;
  awaiting_ = true;
  reorder_ = true;
}

void ReorderPolicy::order_cancelled(double ts, bool by_user) {
  placed_ = awaiting_ = reorder_ = false;
  if (!by_user) return;
  ++user_cancels_;
  if (user_cancels_ == 1) {
    blocked_until_ = ts + wait_s_;
  } else {
    blocked_until_refill_ = true;
  }
}

void ReorderPolicy::order_delivered(double) { placed_ = awaiting_ = reorder_ = false; }

void ReorderPolicy::refilled(double) {
  reorder_ = false;
  // A decision no order was placed for is met by the pack the household opened: the
  // next need must be decided anew, not wait out kUnplacedTimeout. An order in flight
  // still comes (the refill was from a pack on hand), so it keeps waiting for it.
  if (!placed_) awaiting_ = false;
  user_cancels_ = 0;
  blocked_until_refill_ = false;
}

std::optional<double> ReorderPolicy::purchased(double ts) {
  reorder_ = false;
  if (!awaiting_ || placed_) return std::nullopt;
  awaiting_ = false;
  return (ts - decided_at_) / 86400;
}

json ReorderPolicy::save() const {
  return {{"reorder", reorder_},         {"placed", placed_},
          {"awaiting", awaiting_},       {"decided_at", decided_at_},
          {"user_cancels", user_cancels_}, {"blocked_until", blocked_until_},
          {"blocked_until_refill", blocked_until_refill_}};
}

Status ReorderPolicy::load(const json& j) {
  JsonReader r(j, "policy");
  ReorderPolicy p = *this;
  p.reorder_ = r.flag("reorder");
  p.placed_ = r.flag("placed");
  p.awaiting_ = r.flag("awaiting");
  p.decided_at_ = r.num("decided_at");
  p.user_cancels_ = static_cast<int>(r.whole("user_cancels", 0, JsonReader::kMaxCount));
  p.blocked_until_ = r.num("blocked_until");
  p.blocked_until_refill_ = r.flag("blocked_until_refill");
  if (!r.ok()) return Status::Error(r.error());
  *this = p;
  return Status::Ok();
}

}  // namespace larder::forecast
