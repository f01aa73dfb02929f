// MemoryStore: the Store contract (include/larder/store.h) kept in memory.
//
// It follows the same rules as the SQLite store so that the core's tests and
// `larderctl replay` see the same behaviour: a flush commits the whole queue at once,
// an empty flush commits nothing, a newer put_state replaces a queued older one, and
// readings come back oldest first (ties in insertion order) with since <= ts < until.
// Readings and states whose numbers are not finite are refused at the door (logged,
// not queued), as SQLite would turn a NaN into NULL.
#include <algorithm>
#include <cmath>
#include <iterator>
#include <utility>

#include "larder/log.h"
#include "larder/store.h"

namespace larder {

void MemoryStore::append(Reading r) {
  if (!std::isfinite(r.ts) || !std::isfinite(r.value)) {
    log_warn("store: refused a reading of '" + r.consumable +
             "' with a non-finite timestamp or value");
    return;
  }
  queued_readings_.push_back(std::move(r));
}

void MemoryStore::put_state(const std::string& consumable, std::string json, double updated) {
  if (!std::isfinite(updated)) {
    log_warn("store: refused the state of '" + consumable + "' with a non-finite time");
    return;
  }
  queued_states_[consumable] = StoredState{consumable, std::move(json), updated};
  queued_through_[consumable] = readings_.size() + queued_readings_.size();
}

Status MemoryStore::flush() {
  if (queued_readings_.empty() && queued_states_.empty()) return Status::Ok();
  readings_.insert(readings_.end(), std::make_move_iterator(queued_readings_.begin()),
                   std::make_move_iterator(queued_readings_.end()));
  for (auto& [name, state] : queued_states_) states_[name] = std::move(state);
  for (const auto& [name, through] : queued_through_) through_[name] = through;
  queued_readings_.clear();
  queued_states_.clear();
  queued_through_.clear();
  ++commits_;
  return Status::Ok();
}

std::size_t MemoryStore::pending() const {
  return queued_readings_.size() + queued_states_.size();
}

Result<std::vector<StoredState>> MemoryStore::load_states() {
  std::vector<StoredState> out;
  out.reserve(states_.size());
  for (const auto& [name, state] : states_) out.push_back(state);
  return out;
}

Result<std::vector<Reading>> MemoryStore::readings_after_states() {
  std::vector<Reading> out;
  for (std::size_t i = 0; i < readings_.size(); ++i) {
    auto it = through_.find(readings_[i].consumable);
    if (it != through_.end() && i >= it->second) out.push_back(readings_[i]);
  }
  return out;
}

Result<std::vector<Reading>> MemoryStore::readings(const std::string& consumable, double since,
                                                   double until, std::size_t limit) {
  std::vector<Reading> out;
  for (const auto& r : readings_) {
    if (r.consumable == consumable && r.ts >= since && r.ts < until) out.push_back(r);
  }
  // Stable: readings with the same timestamp stay in the order they were appended.
  std::stable_sort(out.begin(), out.end(),
                   [](const Reading& a, const Reading& b) { return a.ts < b.ts; });
  if (out.size() > limit) out.resize(limit);
  return out;
}

Status MemoryStore::save_order(const StoredOrder& order) {
  if (order.order_id.empty()) return Status::Error("store: an order without an id");
  if (!std::isfinite(order.updated)) {
    return Status::Error("store: order " + order.order_id + " has a non-finite time");
  }
  (void)flush();  // the queue goes with the order, as SqliteStore commits them together
  orders_[order.order_id] = order;
  ++commits_;
  return Status::Ok();
}

Result<std::vector<StoredOrder>> MemoryStore::load_orders(std::size_t finished_limit,
                                                          double finished_since,
                                                          std::size_t finished_max) {
  std::vector<StoredOrder> out;
  std::vector<const StoredOrder*> finished;
  for (const auto& [id, o] : orders_) {
    if (o.finished) {
      finished.push_back(&o);
    } else {
      out.push_back(o);
    }
  }
  std::stable_sort(finished.begin(), finished.end(),
                   [](const StoredOrder* a, const StoredOrder* b) { return a->updated > b->updated; });
  // The newest first: those since finished_since are the first of them.
  std::size_t keep = finished_limit;
  while (keep < finished.size() && keep < finished_max &&
         finished[keep]->updated >= finished_since) {
    ++keep;
  }
  if (finished.size() > keep) finished.resize(keep);
  for (const StoredOrder* o : finished) out.push_back(*o);
  return out;
}

}  // namespace larder
