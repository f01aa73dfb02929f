// Larder as a subject of the evaluator: the REAL core, driven as the daemon drives it.
//
// One larder::Hub with a ManualClock, an in-memory store (larder::MemoryStore) and a
// recording bus, configured in code (eval_config(): the four protocol consumables,
// coffee with its 350 g jar, lead time 3 days). Every input is rendered into its
// canonical topic and JSON payload (scenario.h: input_payload) and goes through
// Hub::on_message exactly as MQTT would deliver it; tick() sets the clock and calls
// Hub::tick(); the forecast and the reorder wish are read from Hub::consumable(id); the
// order ledger's facts go through Hub::order_placed / Hub::order_delivered. A delivery
// adds one pack on hand through order_delivered; should the hub's on_hand not have grown
// by it, `purchased {"packs":1}` is published as well (so the pack is never missed and
// never counted twice). Refills detected are the hub's `refill_detected` events on
// `larder/v1/event`, at the event's `ts`.
// Thread rule: one thread at a time; instances are independent.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "core/consumable_state.h"
#include "eval/subject.h"
#include "larder/config.h"

namespace larder::eval {

// The hub's configuration for the evaluation: the four consumables of the protocol.
Config eval_config();

class LarderSubject final : public Subject {
 public:
  explicit LarderSubject(const ItemSpec& item);
  ~LarderSubject() override;

  void input(const Input& in) override;
  void tick(double now) override;
  Query query(double now) override;
  void order_placed(double ts) override;
  void delivered(double now, double ts, double delivery_days) override;
  void take_refills(std::vector<DetectedRefill>& out) override;
  bool forecasts() const override { return true; }
  bool intervals() const override { return true; }

  // The hub's state of the judged consumable (for tests and debugging).
  const ConsumableState* state() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace larder::eval
