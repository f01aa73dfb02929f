// Durable state of the hub: readings, the last state of each consumable, and the orders.
//
// The readings are the record; a consumable's state (its model) is a checkpoint of them.
// A state put with put_state() reflects every reading appended before that call, and the
// store remembers where that is: after a crash, readings_after_states() gives the readings
// committed after each consumable's committed state, to be learned again. So the hub may
// checkpoint a busy model less often than it commits readings (core/hub.h) and still lose
// nothing that was committed.
//
// Writes are queued and committed together by flush() (the daemon flushes from a timer
// on the event loop, and at shutdown), so a burst of readings costs one transaction.
// What flush() committed survives a crash and a restart; what was only queued does not.
// Orders are the exception: save_order() commits at once, in a transaction of its own,
// because an order must be durable before the retailer is asked to place it (docs/orders.md).
// The SQLite implementation lives in daemon/adapters/store (WAL mode, versioned
// migrations); MemoryStore serves the core's tests and `larderctl replay`.
// Thread rule: event-loop thread only.
#pragma once

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "larder/status.h"

namespace larder {

// One accepted input event, already converted into the consumable's unit.
struct Reading {
  Reading() = default;
  Reading(std::string consumable_id, double at, std::string what, double amount,
          std::optional<double> date = std::nullopt)
      : consumable(std::move(consumable_id)), ts(at), kind(std::move(what)), value(amount),
        best_before(date) {}
  std::string consumable;
  double ts = 0;          // epoch seconds
  std::string kind;       // "level", "used", "refilled", "purchased"
  double value = 0;       // level or amount in the consumable's unit; packs for "purchased"
  std::optional<double> best_before;  // "purchased": the packs' date, epoch seconds
};

struct StoredState {
  std::string consumable;
  std::string json;       // the state as published on MQTT
  double updated = 0;
};

// One order of the ledger as the ledger saves it (orders::save_order).
struct StoredOrder {
  std::string order_id;
  std::string json;
  bool finished = false;  // delivered, cancelled or failed
  double updated = 0;     // when it was last saved
};

class Store {
 public:
  virtual ~Store() = default;
  // Queues a reading for the next flush().
  virtual void append(Reading r) = 0;
  // Queues the latest state of a consumable; a newer put replaces a queued older one. The
  // state reflects every reading appended before this call.
  virtual void put_state(const std::string& consumable, std::string json, double updated) = 0;
  // Commits everything queued in one transaction. On failure nothing is committed and
  // the queue is kept for the next try.
  virtual Status flush() = 0;
  // Readings and states queued and not yet committed.
  virtual std::size_t pending() const = 0;
  // While commits fail: writes what is queued, and not yet there, to a journal that the next
  // open of the store imports (SqliteStore with a journal directory; a no-op elsewhere), so a
  // restart loses nothing. flush() does it too when it fails.
  virtual Status spill() { return Status::Ok(); }
  // Committed states, one per consumable.
  virtual Result<std::vector<StoredState>> load_states() = 0;
  // Committed readings that their consumable's committed state does not reflect (appended
  // after the put_state() of that state), in the order they were appended. A consumable
  // without a committed state has none here (its first state is saved with its first
  // reading).
  virtual Result<std::vector<Reading>> readings_after_states() = 0;
  // Committed readings of one consumable with since <= ts < until, oldest first, at most
  // `limit` of them.
  virtual Result<std::vector<Reading>> readings(const std::string& consumable, double since,
                                                double until, std::size_t limit) = 0;
  // Inserts or replaces the order and commits it before returning (durable on Ok), in one
  // transaction with everything queued: a state put just before (the consumable's model
  // told that this order was placed, cancelled or delivered) is durable with it, so a
  // crash cannot keep the order's new status and lose the model's (which would order the
  // same need again). On failure nothing is committed: the caller must not act as if it were.
  virtual Status save_order(const StoredOrder& order) = 0;
  // Every unfinished order, and the newest finished ones (by `updated`): `finished_limit` of
  // them, or more while they were saved at or after `finished_since`, up to `finished_max`
  // (the ledger keeps the finished orders its guards still count: orders/guards.h).
  virtual Result<std::vector<StoredOrder>> load_orders(std::size_t finished_limit,
                                                       double finished_since,
                                                       std::size_t finished_max) = 0;
};

// A Store that keeps everything in memory: committed on flush(), lost at exit.
class MemoryStore final : public Store {
 public:
  void append(Reading r) override;
  void put_state(const std::string& consumable, std::string json, double updated) override;
  Status flush() override;
  std::size_t pending() const override;
  Result<std::vector<StoredState>> load_states() override;
  Result<std::vector<Reading>> readings_after_states() override;
  Result<std::vector<Reading>> readings(const std::string& consumable, double since,
                                        double until, std::size_t limit) override;
  Status save_order(const StoredOrder& order) override;
  Result<std::vector<StoredOrder>> load_orders(std::size_t finished_limit, double finished_since,
                                               std::size_t finished_max) override;
  std::size_t commits() const { return commits_; }

 private:
  std::vector<Reading> queued_readings_;
  std::map<std::string, StoredState> queued_states_;
  std::vector<Reading> readings_;
  std::map<std::string, StoredState> states_;
  // Per state, how many readings (of all, in append order) it reflects: queued and committed.
  std::map<std::string, std::size_t> queued_through_;
  std::map<std::string, std::size_t> through_;
  std::map<std::string, StoredOrder> orders_;
  std::size_t commits_ = 0;
};

}  // namespace larder
