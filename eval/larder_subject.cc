#include "eval/larder_subject.h"

#include <cmath>

#include <nlohmann/json.hpp>

#include "core/hub.h"
#include "larder/clock.h"
#include "larder/metrics.h"
#include "larder/store.h"

namespace larder::eval {

namespace {

// Keeps only what the evaluator reads: the refill_detected events of one consumable.
class EventBus final : public Bus {
 public:
  EventBus(std::string id, const Clock& clock) : id_(std::move(id)), clock_(clock) {}
  void publish(const std::string& topic, std::string payload, bool, int) override {
    if (topic != kEventTopic) return;
    auto j = nlohmann::json::parse(payload, nullptr, false);
    if (!j.is_object() || j.value("kind", "") != "refill_detected") return;
    if (j.value("consumable", "") != id_) return;
    double now = clock_.now();
    double ts = now;
    if (auto it = j.find("ts"); it != j.end() && it->is_number()) ts = it->get<double>();
    refills.push_back({ts, now});
  }
  std::vector<DetectedRefill> refills;

 private:
  static constexpr const char* kEventTopic = "larder/v1/event";
  std::string id_;
  const Clock& clock_;
};

ConsumableConfig consumable(const ItemSpec& i, const std::string& sku, double price) {
  ConsumableConfig c;
  c.id = i.id;
  c.name = i.name;
  c.unit = i.unit;
  c.capacity = i.capacity;
  c.tare = i.tare;
  c.lead_time_days = i.lead_time_days;
  c.pack = {sku, i.pack, price, std::nullopt};
  return c;
}

}  // namespace

Config eval_config() {
  Config c;
  c.state_dir = "/nonexistent/larder-eval";  // never used: the store is in memory
  c.household.timezone = "UTC";
  const auto& items = protocol_items();
  c.consumables = {consumable(items[0], "COFFEE-500", 8.99),
                   consumable(items[1], "FILTER-150", 14.5),
                   consumable(items[2], "PODS-40", 12.0),
                   consumable(items[3], "DETERGENT-1500", 6.5)};
  return c;
}

struct LarderSubject::Impl {
  explicit Impl(const ItemSpec& i)
      : item(i), config(eval_config()), bus(i.id, clock),
        hub(config, bus, store, clock, metrics) {
    for (int k = 0; k < 4; ++k) {
      messages[k].topic = input_topic(item, static_cast<InputKind>(k));
      messages[k].payload.reserve(160);
    }
  }

  const ItemSpec& item;
  Config config;
  ManualClock clock{kStartEpoch};
  EventBus bus;
  MemoryStore store;
  Metrics metrics;
  Hub hub;
  Message messages[4];  // one per input kind: topics built once, payload buffers reused
};

LarderSubject::LarderSubject(const ItemSpec& item) : impl_(std::make_unique<Impl>(item)) {}
LarderSubject::~LarderSubject() = default;

void LarderSubject::input(const Input& in) {
  impl_->clock.set(in.received);
  Message& m = impl_->messages[static_cast<int>(in.kind)];
  input_payload(impl_->item, in.kind, in.ts, in.value, m.payload);
  impl_->hub.on_message(m);
}

void LarderSubject::tick(double now) {
  impl_->clock.set(now);
  impl_->hub.tick();
}

Query LarderSubject::query(double) {
  Query q;
  const ConsumableState* s = impl_->hub.consumable(impl_->item.id);
  if (!s) return q;
  q.empty_at = s->empty_at;
  q.empty_at_low = s->empty_at_low;
  q.empty_at_high = s->empty_at_high;
  q.reorder = s->reorder;
  return q;
}

void LarderSubject::order_placed(double ts) {
  impl_->clock.set(ts);
  impl_->hub.order_placed(impl_->item.id, ts);
}

void LarderSubject::delivered(double now, double ts, double delivery_days) {
  impl_->clock.set(now);
  const ConsumableState* s = impl_->hub.consumable(impl_->item.id);
  int before = s ? s->on_hand : 0;
  impl_->hub.order_delivered(impl_->item.id, ts, 1, delivery_days);
  if (s && s->on_hand > before) return;
  Message& m = impl_->messages[static_cast<int>(InputKind::purchased)];
  input_payload(impl_->item, InputKind::purchased, ts, 1, m.payload);
  impl_->hub.on_message(m);
}

const ConsumableState* LarderSubject::state() const {
  return impl_->hub.consumable(impl_->item.id);
}

void LarderSubject::take_refills(std::vector<DetectedRefill>& out) {
  auto& r = impl_->bus.refills;
  out.insert(out.end(), r.begin(), r.end());
  r.clear();
}

}  // namespace larder::eval
