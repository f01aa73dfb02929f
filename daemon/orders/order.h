// One order of the household's ledger (ledger.h): its record, the retailer's quote it is
// placed on, and their JSON forms.
//
// Three JSON forms:
//   - state_json(): the retained state of `larder/v1/order/<order_id>/state`, exactly as
//     shared/contract/mqtt-v1.md gives it (also what the HTTP API answers);
//   - save_order() / load_order(): the whole record as the ledger persists it (keys,
//     attempts, retry time, quote), read back strictly: a load either yields a record
//     whose every field is valid or an error naming the field;
//   - parse_quote(): the retailer's `POST /v1/quotes` answer (shared/contract/
//     retailer-v1.md), bounded and validated; a saved quote is written in the same shape.
// Thread rule: plain values.
#pragma once

#include <array>
#include <cstddef>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "larder/status.h"

namespace larder::orders {

enum class OrderStatus {
  held,                   // inside the undo window
  awaiting_confirmation,  // waiting for the user; hold_reason says why
  placing,                // the quote is being taken, or the retailer asked to place it
  placed,
  shipped,
  delivered,
  cancelled,
  failed,
};
std::string_view status_name(OrderStatus s);
std::optional<OrderStatus> parse_status(std::string_view s);
// delivered, cancelled and failed: nothing happens to the order any more.
bool finished(OrderStatus s);

// Who asked. `sensor` is the consumption model's own decision (an automatic order).
enum class Source { sensor, button, voice, api, cli };
std::string_view source_name(Source s);
std::optional<Source> parse_source(std::string_view s);

struct Item {
  std::string consumable;  // a valid id
  std::string sku;
  int quantity = 1;        // packs
};

struct Window {
  double start = 0;
  double end = 0;
  bool operator==(const Window&) const = default;
};

struct DeliveryOption {
  std::string method;                // doorstep, trunk, ...
  std::optional<Window> window;
};

// What the retailer says of the parcel (the quote's `package`): what decides whether it
// fits in a car's trunk. Every field is optional in the answer; absent means unknown.
struct Package {
  std::optional<double> weight_kg;             // > 0
  std::optional<std::array<double, 3>> dims_cm;  // each > 0, in any order
  std::optional<double> value;                 // >= 0, in the quote's currency
  bool signature_required = false;
  bool temperature_sensitive = false;
};

struct QuoteItem {
  std::string sku;
  int quantity = 1;
  double unit_price = 0;
  std::optional<std::string> substitute_for;  // the sku asked for, when this one replaces it
};

struct Quote {
  std::string quote_id;
  std::vector<QuoteItem> items;
  double total = 0;
  std::string currency;
  std::vector<DeliveryOption> delivery_options;
  std::optional<double> expires_at;
  std::optional<Package> package;            // absent: the retailer said nothing of it
};

// The retailer's quote answer (unknown fields are ignored). Refused: a missing or mistyped
// field, a non-finite or negative amount, a currency that is not three capital letters,
// more than 64 items or delivery options, strings over 256 bytes.
Result<Quote> parse_quote(const nlohmann::json& j);
nlohmann::json quote_json(const Quote& q);

// The car a trunk delivery goes to, as the retailer's carrier needs it to find the car:
// never its live position, only the allowed place it is expected at.
struct PlaceVehicle {
  std::string make;
  std::string plate_hint;
  double lat = 0, lon = 0;       // parked_near: the allowed place's point
};

struct Delivery {
  std::string method;
  std::vector<std::string> reasons;
  std::optional<Window> window;
  std::optional<std::string> place;  // trunk: the allowed place the car is expected at
  // Trunk: the car as the configuration described it when the delivery was chosen. Saved
  // with the order (not in its state), so every PlaceOrder under the order's key sends the
  // same body, whatever a reload or a restart changed in the configuration meanwhile.
  std::optional<PlaceVehicle> vehicle;
};

// A reason larderd gives in its own words, as a message of the catalogs (`order.reason.*`
// in locales/*.json) and the values of its placeholders (ids, numbers, a retailer's words:
// nothing to translate). The order keeps the reason in English too (Order::reason,
// last_error), as the store always had it; its texts for the household are written from
// this, in the household's language (reason_text() in guards.h). No id: the reason is
// another's words (a retailer's), shown as they came.
struct Why {
  std::string id;
  std::vector<std::pair<std::string, std::string>> args;
};
// A reason as the ledger records it: in English, and in the catalogs' words when larderd's.
struct Reason {
  std::string text;
  Why why;
};

// The retailer an order's quote came from, and so the one it is placed with: its kind and
// a fingerprint of its url (the url itself may carry a secret). Saved with the order, so a
// start or a reload with another retailer is told from one with the same.
struct RetailerRef {
  std::string kind;       // sandbox, webhook, grocy
  // 16 lower-case hex digits: the start of SHA-256 of the url in its normal form (scheme
  // and host in lower case, no default port, no trailing '/' on the path: retailer_ref()),
  // so that another spelling of the same url is the same retailer.
  std::string url_hash;
  // Whether that retailer tells deliveries (all but the webhook, retailer_ref()): a
  // webhook's orders are never polled, and end when the household buys their items
  // (Ledger::bought).
  bool reports = true;
  // The same of the url as written, which orders recorded before the normal form (larderd
  // of 2026-12-07). Set in the configured retailer's ref (and so in memory in the orders it
  // stamps); never saved.
  std::string written_hash;
  // The same retailer: kind and url (`reports` follows from the kind).
  bool same(const RetailerRef& o) const {
    return kind == o.kind && (url_hash == o.url_hash ||
                              (!o.written_hash.empty() && url_hash == o.written_hash) ||
                              (!written_hash.empty() && written_hash == o.url_hash));
  }
};

// A request still in the air with the retailer. Never persisted: after a restart nothing
// is in the air, so what was is asked again (a place with the same key).
enum class Pending { none, quote, place, cancel };

struct Order {
  std::string id;
  std::vector<Item> items;                  // at least one; the first is the one asked for
  OrderStatus status = OrderStatus::held;
  std::optional<std::string> hold_reason;   // set exactly while awaiting_confirmation
  Source source = Source::api;
  std::string idempotency_key;              // UUIDv4; one per order, for every attempt
  double created = 0;
  double held_until = 0;                    // the end of the undo window
  std::optional<Quote> quote;
  std::optional<Delivery> delivery;         // chosen from the quote, updated by the retailer
  std::set<std::string> overrides;          // hold reasons the user confirmed past
  std::optional<double> confirmed_total;    // the price a user confirmed; more holds again
  std::optional<std::string> confirmed_currency;  // its currency (absent in an older store)
  // A PlaceOrder went out with the current quote: the order may exist at the retailer,
  // so from now on it is only ever retried with the same key and quote, never re-checked.
  bool sent = false;
  // A PlaceOrder under the key went unanswered (a timeout, a connection error, 429, 5xx,
  // or a restart while one may have been out): the retailer may hold the order. Never
  // cleared: an attempt still in the air may yet create it.
  bool maybe_held = false;
  // After that, a refusal that did not judge the order came (PlaceResult::may_hold): the
  // hub asks on with the same key and has said so once (the event order_uncertain).
  bool uncertain = false;
  std::optional<double> committed_at;       // the first PlaceOrder (counts for the guards)
  int attempts = 0;                         // requests of the current step
  double retry_at = 0;                      // the current step's next request, not before
  std::string last_error;                   // the last retryable error, for the logs
  Why last_error_why;                       // it in the catalogs' words, when larderd's
  // Who quoted the order: set with each quote. Absent in an order from before this field
  // (Ledger::load gives it the configured retailer) and in one never quoted.
  std::optional<RetailerRef> retailer;
  std::string retailer_order_id;
  std::string retailer_status;
  std::optional<double> retailer_updated;   // the newest `updated` of the retailer's applied
  std::optional<double> placed_at;
  std::optional<double> eta;
  double next_poll = 0;
  bool cancel_requested = false;            // a user's cancel waits for the retailer
  bool cancelled_by_user = false;
  std::optional<double> finished_at;
  std::string reason;                       // why it failed or was cancelled (English)
  Why reason_why;                           // it in the catalogs' words, when larderd's

  Pending pending = Pending::none;          // not persisted
  double pending_since = 0;                 // not persisted
  // The number of the latest RequestQuote: an answer to an earlier one (it outlived
  // request_timeout_s, and another was asked since) is stale. Not persisted (no request
  // outlives the process).
  int quote_request = 0;
  // How close to its expiry the quote is taken again: quote_margin_s, or half the quote's
  // life when it came, for a retailer whose quotes live only seconds. Not persisted (after
  // a restart the configured margin holds).
  std::optional<double> quote_margin;

  const std::string& consumable() const { return items.front().consumable; }
  bool automatic() const { return source == Source::sensor; }
};

// Sent to another retailer than `now` (none configured: nullopt), and not finished: the
// retailer configured now does not know the order (it would answer 404 to every poll, and
// after three the order would fail while the other retailer still delivers it). The ledger
// parks such an order (Ledger::parked).
bool sent_elsewhere(const Order& o, const std::optional<RetailerRef>& now);

nlohmann::json state_json(const Order& o);
nlohmann::json save_order(const Order& o);
// The most bytes of a reason (Order::reason, last_error, each value of their Why) that
// load_order takes back: the ledger cuts what it keeps to it (at a UTF-8 boundary).
constexpr std::size_t kMaxReasonBytes = 1024;
// The most items an order holds (and load_order and a quote take back): the ledger
// combines no more companions than that into one order.
constexpr std::size_t kMaxItems = 64;
Result<Order> load_order(const nlohmann::json& j);

}  // namespace larder::orders
