// The household's order ledger: one ledger for every source of orders (the consumption
// model, buttons, voice, the HTTP API, the CLI), as a functional core.
//
// The ledger does no I/O and reads no clock: every command and every fact carries `now`
// (epoch seconds), and every call answers a Reply whose `effects` the adapter layer
// executes in the order given. Commands: request, cancel, confirm, tick. Facts (the answers
// of the retailer's calls the effects asked for, its status callbacks and polls):
// quote_received, quote_failed, place_result, cancel_result, status; and the household's
// purchases, for an order whose retailer reports no status (or is not configured): bought.
//
// The rules (docs/orders.md):
//   - At most one order per consumable is in flight (not finished); a request for it then
//     answers that order with `existing` (200 with "existing":true on the HTTP API). Only a
//     user's explicit quantity (any source but `sensor`) orders more, as an order of its own.
//   - An order starts `held` for its source's undo window, or `awaiting_confirmation` when
//     its source asks first (voice), else `placing`. A cancel before anything was sent to
//     the retailer ends it with no retailer call. Then `placing`, `placed`, `shipped`,
//     `delivered`, or `cancelled` / `failed`. Every change of what the state shows is a
//     PublishState (the retained `larder/v1/order/<order_id>/state`) and the contract's event.
//   - Exactly once: a quote is taken first; the guards (guards.h) are checked on it; the
//     order, its idempotency key and its attempt count are then persisted (Persist comes
//     before PlaceOrder in the same effects) and only then is the retailer asked. From the
//     first PlaceOrder on, every retry carries the same key and quote: timeouts, connection
//     errors, 429 and 5xx are retried after a full-jitter exponential backoff; a 409 for an
//     expired quote or a changed price (nothing was placed) takes a new quote and checks
//     the guards again, still with the same key;
//     another 4xx fails the order with the retailer's reason. A request left unanswered for
//     `request_timeout_s` counts as a retryable error.
//   - Placed and shipped orders are polled every `poll_interval_s` (PollStatus from tick)
//     and follow the retailer's callbacks (status()). A delivery is a Delivered effect per
//     item (packs and the days since placing) for the consumption model; every order that
//     ends otherwise is a Cancelled effect, marked when a user cancelled an automatic order.
//   - Illegal steps are refused with a Reply whose code says how (not_found, conflict for
//     "too late", bad_input), and change nothing. Late answers to requests the ledger has
//     moved past (a quote after the order was cancelled, a second answer to a retried
//     place) are ignored: an ok Reply without effects.
//   - save() / load() hold the whole ledger as JSON; load() refuses malformed input and
//     then changes nothing. Nothing is in the air after a load: an order that was `placing`
//     is asked again with the same key at the next tick, so a crash between the commit and
//     the retailer's answer neither loses nor duplicates it.
//   - Bounded memory: at most `max_active` unfinished orders; of the finished ones the
//     newest `keep_finished` stay (the Reply that finished one carried its last Persist),
//     and those the guards still count (guards.h: guard_horizon() as of the last tick), up
//     to kMaxCounted more, so no number of orders in a month wears the budget away.
// Thread rule: event-loop thread only; the Random is used on it too.
#pragma once

#include <cstddef>
#include <functional>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "larder/status.h"
#include "orders/order.h"
#include "orders/orders_config.h"
#include "orders/random.h"

namespace larder::orders {

// ---- Effects, executed by the adapters in the order given ----------------------------

// Commit the order (the whole record, as save_order) before executing what follows it.
struct Persist {
  std::string order_id;
  nlohmann::json order;
  bool finished = false;
};
struct RequestQuote {  // POST /v1/quotes; answer with quote_received or quote_failed
  std::string order_id;
  std::vector<Item> items;
  int request = 1;     // the order's quote request number, for the answer
};
struct PlaceOrder {    // POST /v1/orders with Idempotency-Key; answer with place_result
  std::string order_id;
  std::string quote_id;
  std::string idempotency_key;
  std::string delivery_method;
  std::optional<Window> window;
  int attempt = 1;
};
struct CancelAtRetailer {  // POST /v1/orders/<id>/cancel; answer with cancel_result
  std::string order_id;
  std::string retailer_order_id;
};
struct PollStatus {        // GET /v1/orders/<id>; answer with status
  std::string order_id;
  std::string retailer_order_id;
};
struct PublishState {      // retained, on larder/v1/order/<order_id>/state
  std::string order_id;
  nlohmann::json state;
};
struct Event {             // larder/v1/event
  std::string kind;        // order_held, order_awaiting_confirmation, order_placed, ...
  std::string text;
  std::string order_id;
  std::string consumable;  // the first item's
  double ts = 0;
};
// For the consumable's model (Hub::order_placed / order_delivered / order_cancelled).
struct Placed {
  std::string consumable;
  double ts = 0;
};
struct Delivered {
  std::string consumable;
  int packs = 0;
  double delivery_days = 0;  // from the retailer's acceptance to the delivery
  double ts = 0;
};
struct Cancelled {           // cancelled or failed: the consumable has no order in flight
  std::string consumable;
  double ts = 0;
  bool by_user = false;      // a user cancelled it
  bool automatic = false;    // it was the consumption model's order
  // What Hub::order_cancelled's `by_user` means: the user vetoed an automatic order.
  bool vetoed() const { return by_user && automatic; }
};

using Effect = std::variant<Persist, RequestQuote, PlaceOrder, CancelAtRetailer, PollStatus,
                            PublishState, Event, Placed, Delivered, Cancelled>;

// ---- Commands, facts and replies ------------------------------------------------------

// The refusal of every new order when the configuration has no retailer (OrderDesk).
inline constexpr std::string_view kNoRetailer =
    "no retailer is configured (the `retailer` section)";

enum class Code {
  ok,
  bad_input,  // 400
  not_found,  // 404
  conflict,   // 409: too late, already cancelled or failed, too many orders in flight
  internal,   // 500: no randomness for a key
};

struct Reply {
  Code code = Code::ok;
  Status status;                 // the refusal, in words a user understands
  std::string order_id;          // the order concerned (created, existing, cancelled, ...)
  bool existing = false;         // request: this order was already in flight
  bool pending = false;          // cancel: the retailer is asked; cancel_result finishes it
  std::vector<Effect> effects;
  bool ok() const { return code == Code::ok; }
};

// Another consumable that could join an order, and how soon it needs one by its model.
struct Companion {
  std::string consumable;
  std::string sku;
  int quantity = 1;
  double days_until_reorder = 0;
};

struct Request {
  std::string consumable;
  std::string sku;
  int quantity = 1;
  Source source = Source::api;
  bool explicit_quantity = false;  // the user asked for more: a new order even if one flies
  // Candidates for combining: those within combine_within_days and with no order in
  // flight join this order as further items. The caller passes the other consumables that
  // have a forecast and are neither vetoed nor paused after a failure.
  std::vector<Companion> companions;
};

struct PlaceResult {
  enum class Kind {
    ok,            // 201 or 200: the retailer has the order
    retryable,     // timeout, connection error, 429, 5xx
    quote_expired, // 409 for an expired quote or a changed price: nothing was placed
    rejected,      // another 4xx: final
  };
  Kind kind = Kind::ok;
  std::string retailer_order_id;  // ok
  std::optional<double> eta;      // ok
  std::optional<Window> window;   // ok
  std::string ignored{};          // ok: what of the answer was left out, for the log
  std::string reason;             // retryable, rejected
  // rejected: the answer did not judge the order (unjudged() in adapters/retailer: 401,
  // 403, 422 idempotency_key_reused). After an attempt whose answer was lost the retailer
  // may hold the order, so it is not failed but asked again (docs/orders.md).
  bool may_hold = false;
  // quote_expired: the fresh quote the retailer offers instead, if any (the sandbox's 409
  // `price_changed` carries one); else the ledger asks for a new one.
  std::optional<Quote> quote;
};

struct CancelResult {
  enum class Kind { ok, too_late, retryable, rejected };
  Kind kind = Kind::ok;
  std::string reason;
};

struct RetailerStatus {
  // placed, shipped, out_for_delivery, delivered, cancelled, failed (retailer-v1.md)
  std::string status;
  std::string reason;             // failed, cancelled
  std::optional<Window> window;   // a new delivery window, if the retailer moved it
  std::optional<double> eta;      // a new delivery time
  // The retailer's `updated` (its time of this state): the window and eta of a state older
  // than one applied already (a replayed callback, a poll overtaken by a callback) are
  // ignored; its status still only moves forward.
  std::optional<double> updated;
  // A failure larderd decided (the order desk's: a retailer that no longer knows the
  // order): `reason` in the catalogs' words (order.reason.*).
  Why why{};
};

// Chooses the delivery (method, window, reasons) of an order from its quote: the delivery
// planner (app/delivery_desk.h). Without one the ledger takes the configured method when
// the quote offers it, else the quote's first option.
using DeliveryPlanner = std::function<Delivery(const Order& order, const Quote& quote, double now)>;
// The ledger's choice without a planner: the configured method if the quote offers it.
Delivery default_delivery(const OrdersConfig& c, const Quote& q);

class Ledger {
 public:
  // Finished orders the guards still count that may stay beyond keep_finished.
  static constexpr std::size_t kMaxCounted = 10000;

  Ledger(OrdersConfig config, Random& random);

  void set_delivery_planner(DeliveryPlanner planner) { planner_ = std::move(planner); }

  Reply request(const Request& r, double now);
  // by_user: a person asked (a button, the API, voice, the CLI), not the system.
  Reply cancel(const std::string& order_id, bool by_user, double now);
  // `held` skips the rest of its window; `awaiting_confirmation` goes on past its reason.
  // Any other order waits for no confirmation: Code::conflict (with order_id set), and
  // nothing changes (a second confirmation, a placed, cancelled or failed order).
  Reply confirm(const std::string& order_id, double now);
  // Ends undo windows, sends retries whose time has come, times out unanswered requests,
  // polls placed orders. The daemon calls it every few seconds.
  Reply tick(double now);

  // `request`: the RequestQuote's, which this answers (0: not known). An answer to another
  // request than the latest is ignored: it came after its timeout, and a newer request was
  // asked (and maybe answered, the price maybe put to the household) since.
  Reply quote_received(const std::string& order_id, const Quote& quote, double now,
                       int request = 0);
  Reply quote_failed(const std::string& order_id, bool retryable, const std::string& reason,
                     double now, int request = 0);
  // `attempt` and `quote_id`: the PlaceOrder's, which this answers (0 and empty: not
  // known). A failure answering another attempt than the latest, or another quote than the
  // current one, is ignored: a newer attempt may be placing the order at this moment.
  Reply place_result(const std::string& order_id, const PlaceResult& result, double now,
                     int attempt = 0, std::string_view quote_id = {});
  Reply cancel_result(const std::string& order_id, const CancelResult& result, double now);
  // `id`: the ledger's order id, or the retailer's (its callback knows only that one).
  Reply status(const std::string& id, const RetailerStatus& s, double now);
  // The household bought `packs` of `consumable` at `ts` (a `purchased` input): the placed
  // or shipped orders holding it that went to a retailer reporting no status (their
  // RetailerRef, whatever retailer is configured now), or are parked(), and were placed
  // before `ts` have
  // come, the oldest first, as long as packs are left over from the orders before (an
  // order of 2 ends at a purchase of 1). Each ends
  // delivered with no packs (the purchase counted them) and no delivery time to learn (a
  // purchase tells when the household shopped, not how long a delivery takes: an order
  // left placed for weeks would teach weeks). Nothing else changes.
  Reply bought(const std::string& consumable, int packs, double ts, double now);
  // The delivery changed after the quote: decided again (the car moved away), or told to
  // the retailer. Refused for a finished order or one without a quote (not_found, conflict)
  // and for an empty method (bad_input). Persists and publishes the order's state.
  Reply change_delivery(const std::string& order_id, const Delivery& d, double now);

  nlohmann::json save() const;
  // Each order's retailer against the configured one (config().retailer): an order from
  // before orders named their retailer is taken as the configured one's; one quoted by
  // another retailer and not sent yet is quoted again (its quote, delivery and overrides
  // dropped, a confirmed price kept; a guard's question asked again on the new quote). An
  // order sent to another retailer loads parked (parked()). An unfinished order recorded
  // with the fingerprint of the configured url as written (before the normal form) takes
  // the normal one. Those it changed: rewritten().
  Status load(const nlohmann::json& j);
  // The records load() changed, one Persist each, so the store holds them (else a later
  // start with yet another retailer would take an old order as that one's). Once.
  std::vector<Persist> rewritten();
  // Sent to another retailer than the configured one (sent_elsewhere): the configured one
  // does not know it. It is never polled, placed or cancelled there, nor found by its
  // retailer id (status()); a user's cancel ends it here only (the other retailer may still
  // deliver it), and a purchase of its items ends it as delivered (bought), as a webhook's.
  bool parked(const Order& o) const { return sent_elsewhere(o, c_.retailer); }

  const Order* find(std::string_view order_id) const;
  // The unfinished orders with the consumable, newest first (a user may have asked for
  // more), and the newest of them.
  std::vector<const Order*> orders_in_flight(std::string_view consumable) const;
  const Order* in_flight(std::string_view consumable) const;
  std::vector<const Order*> orders() const;  // newest first
  const OrdersConfig& config() const { return c_; }

 private:
  // What one call does to one order: flush() writes Persist (when the record changed)
  // first, then PublishState (when what the state shows changed), then the rest in order.
  struct Step {
    explicit Step(Order& order) : o(order) {}
    Order& o;
    bool changed = false;
    bool publish = false;
    std::vector<Effect> out;
  };

  Order* find_mut(std::string_view id);
  static Reply refuse(Code code, const std::string& message);
  static void flush(Step& s, std::vector<Effect>& out);
  Reply done(Step& s, Reply r);  // flushes, prunes
  void take_quote(Step& s, const Quote& q, double now);
  void drive(Step& s, double now);
  void place_step(Step& s, double now);
  void ensure_quote(Step& s, double now);
  void issue_quote(Step& s, double now);
  void issue_place(Step& s, double now);
  void issue_cancel(Step& s, double now);
  void retry_later(Step& s, double now, Reason error);
  void set_status(Step& s, OrderStatus st, double now);
  void event(Step& s, const char* kind, std::string text, double now);
  void hold(Step& s, std::string reason, std::string text, double now);
  void end_cancelled(Step& s, bool by_user, Reason reason, double now);
  void end_failed(Step& s, Reason reason, double now);
  // Delivered: each item's packs (or none, when the household's purchase counted them) and
  // the delivery time in days for the model (0: none to learn).
  void end_delivered(Step& s, bool with_packs, double days, double now);
  static void quote_again(Order& o);  // load(): another retailer's quote, not sent
  bool fresh(const Order& o, double now) const;  // o.quote is set
  double backoff(int attempts);
  std::vector<const Order*> all() const;
  void prune();

  OrdersConfig c_;
  // Finished orders that count for the guards and were committed from here on are kept
  // beyond keep_finished (at most kMaxCounted): guard_horizon() as of the last tick; before
  // the first, every such order loaded (the store chose them, Store::load_orders).
  double counted_since_ = -std::numeric_limits<double>::infinity();
  // What the last prune left: the finished orders, and the oldest committed_at of those kept
  // for the guards beyond keep_finished. While neither changed, prune() has nothing to do.
  static constexpr std::size_t kNotPruned = std::numeric_limits<std::size_t>::max();
  std::size_t pruned_to_ = kNotPruned;
  double oldest_counted_ = std::numeric_limits<double>::infinity();
  Random& random_;
  DeliveryPlanner planner_;
  std::map<std::string, Order, std::less<>> orders_;
  std::vector<std::string> rewritten_;  // load(): the orders whose record it changed
};

}  // namespace larder::orders
