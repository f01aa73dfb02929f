// RetailerSim: the retailer behind larder-sandbox, as pure logic on an injected clock.
// It implements shared/contract/retailer-v1.md; the HTTP layer (sandbox_api.h) only
// checks the key, parses JSON and applies the HTTP faults. docs/sandbox.md describes it
// for users.
//
// Time. The sandbox's clock is the injected clock plus an offset that advance() moves on;
// every time in an answer (expires_at, windows, eta, updated) is on it, in epoch seconds
// rounded to the millisecond. Durations in SimOptions are simulated seconds: each takes
// duration / speed seconds on the sandbox's clock, so at speed 60 an hour of shipping
// passes in a minute, and the windows the hub sees are a sixtieth as wide.
//
// Quotes (POST /v1/quotes). Items [{sku, quantity}] (1-50 items, distinct SKUs, each
// quantity a positive integer: 400 otherwise; an SKU not in the catalogue: 422
// unknown_sku; more than max_quantity units of one SKU: 422 quantity_limit). The answer holds the
// unit prices (a substitute fault may offer another SKU, with substitute_for), the total, one
// package (weights summed, units stacked on their smallest side, value = total, signature_required
// when a SKU needs it or the value reaches signature_value, temperature_sensitive when a SKU is),
// the delivery options and expires_at (now + quote_ttl). Both windows start when the timeline ends
// (ship_after + out_after + deliver_after from now); the doorstep window is doorstep_window wide,
// the trunk window trunk_window. No trunk option when a signature is required: nobody signs for a
// package in a car. Answer 200.
//
// Orders (POST /v1/orders, Idempotency-Key: a UUID, else 400). A key already bound to an
// order: the same body (as JSON, key order aside) gives that order again with 200, a
// different body 422 idempotency_key_reused; this holds even after the quote expired.
// Else, in this order: unknown quote 422 unknown_quote; a quote that another key already
// ordered 409 quote_used; an expired quote 409 quote_expired; a price that moved since
// the quote (see the price_change fault) 409 price_changed, whose error object also
// holds "quote", a fresh quote at the new prices; a method the quote did not offer 422
// method_unavailable; a window other than the quote's window for that method 422
// window_unavailable. Else the order is placed: 201. Only a placed order binds its key:
// a refused request (any 4xx or 5xx) binds nothing, so retrying with the same key after
// a 409 or with a new quote works. The body is {quote_id, delivery:{method, window,
// vehicle}}, vehicle {make, plate_hint, parked_near:{lat, lon}} exactly when the method
// is trunk; "access" is refused (400): it goes only through PUT .../delivery.
//
// Timeline. placed -> shipped (ship_after) -> out_for_delivery (out_after) -> delivered
// (deliver_after), the delivery clamped into the order's window; `eta` is the delivery
// time. A trunk delivery whose access never came fails at delivery time (reason
// "trunk_access_missing"); a fail_order fault fails an order instead of a stage.
// With `carrier` (larder-sandbox with a simulated car), a trunk order with access is not
// delivered by the timeline: it stays out for delivery until the carrier (CarrierSim)
// reports carrier_delivered() (delivered then), or carrier_failed() (failed at delivery
// time with the carrier's reason, "trunk_refused"), or the window ends first (failed,
// "trunk_not_opened").
// Cancel: placed -> cancelled; cancelled again -> the order (retries are harmless);
// shipped or later 409 already_shipped (failed: 409 order_closed).
// Delivery change (PUT): {"method":"doorstep"} while placed or shipped;
// {"method":"trunk","access":{"code","carrier_api"}} only while shipped (409 not_shipped
// before: access reaches the carrier only after shipping), only for an order placed
// with a vehicle (422 no_vehicle) and a quote that offered trunk (422
// method_unavailable); out for delivery or later 409 out_for_delivery / order_closed.
// The order's window becomes the quote's window of the new method. The access code is
// kept in memory only, for the carrier (trunk_visits_due()): it is never logged, never in
// an answer or a callback, and never in report() unless `reveal_codes` (a test's option:
// a test compares what the hub wrote with the code the retailer received), and it is
// forgotten when the order closes. Switching to
// doorstep forgets the code and the carrier_api URL.
//
// Callbacks. With a callback URL, every status an order enters (placed included) queues
// a Callback: the order object as JSON and `sha256=<hex HMAC-SHA256 of the body with the
// webhook secret>`, for the caller to POST with X-Larder-Signature.
//
// Thread rule: not thread-safe; the sandbox uses it on its event-loop thread.
#pragma once

#include <array>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "faults.h"
#include "larder/clock.h"
#include "larder/status.h"

namespace larder::sandbox {

struct Sku {
  std::string sku;
  double price = 0;              // unit price in the sandbox's currency
  double weight_kg = 0;          // of one unit, packed
  std::array<int, 3> dims_cm{};  // one unit's box
  bool signature_required = false;
  bool temperature_sensitive = false;
};

// COFFEE-500, DETERGENT-1500, PODS-40, FILTER-150, MILK-1L (docs/sandbox.md).
std::vector<Sku> default_catalogue();
// A catalogue from JSON: [{"sku","price","weight_kg","dims_cm":[l,w,h],
// "signature_required"?,"temperature_sensitive"?}, ...], 1-1000 distinct SKUs.
Result<std::vector<Sku>> parse_catalogue(const nlohmann::json& j);

struct SimOptions {
  std::vector<Sku> catalogue = default_catalogue();
  std::string currency = "EUR";
  double speed = 1;                   // simulated seconds per second of the clock
  double quote_ttl = 15 * 60;         // simulated seconds a quote holds
  double ship_after = 3600;           // placed -> shipped, simulated seconds
  double out_after = 12 * 3600;       // shipped -> out_for_delivery
  double deliver_after = 2 * 3600;    // out_for_delivery -> delivered
  double doorstep_window = 2 * 3600;  // width of the doorstep window
  double trunk_window = 4 * 3600;     // width of the trunk window
  double signature_value = 150;       // a package worth this much needs a signature
  int max_quantity = 20;              // more units of one SKU: 422 quantity_limit
  std::string callback_url;           // empty: no callbacks
  std::string webhook_secret;         // signs the callbacks; required with a URL
  bool carrier = false;               // trunk deliveries wait for the carrier (see Timeline)
  bool reveal_codes = false;          // report() and GET /sandbox/orders show access codes
  double fail_rate = 0;               // see faults.h
  double lost_answer_rate = 0;
  std::uint64_t seed = 1;
};

// Why options cannot be used (speed <= 0, negative durations, ...), or Ok.
Status check_options(const SimOptions& options);

// An answer: HTTP status and JSON body (an order, a quote, or {"error":{code,message}}).
struct SimReply {
  int status = 200;
  nlohmann::json body;
};
SimReply error_reply(int status, const std::string& code, const std::string& message);

struct Callback {
  std::string order_id;
  std::string status;
  std::string body;       // the order object, as sent
  std::string signature;  // X-Larder-Signature value
};

// "sha256=" + lower-case hex HMAC-SHA256 of `body` keyed with `secret` (OpenSSL).
std::string sign_body(const std::string& secret, const std::string& body);

// Whether `key` is a UUID in its 36-character text form (any hex case).
bool is_uuid(const std::string& key);

class RetailerSim {
 public:
  RetailerSim(const Clock& clock, SimOptions options);

  double now() const;  // the sandbox's clock
  // Moves the sandbox's clock on by `seconds` (>= 0) and applies what fell due.
  void advance(double seconds);
  // Applies the status changes that fell due (also done by every call below).
  void tick();
  // When the next status change falls due on the sandbox's clock; nullopt when none.
  std::optional<double> next_change() const;

  // The retailer API (see the header comment). Bodies are parsed JSON.
  SimReply quote(const nlohmann::json& body);
  SimReply place(const std::string& idempotency_key, const nlohmann::json& body);
  SimReply order(const std::string& order_id);
  SimReply cancel(const std::string& order_id);
  SimReply change_delivery(const std::string& order_id, const nlohmann::json& body);

  // Counts one presentation of an Idempotency-Key on POST /v1/orders (any outcome).
  void presented(const std::string& key);

  // Faults: {"kind":..} or {"faults":[..], "fail_rate"?, "lost_answer_rate"?}; SKUs are
  // checked against the catalogue (422 unknown_sku). Answers the fault state.
  SimReply add_faults(const nlohmann::json& body);
  void clear_faults() { faults_.clear(); }
  nlohmann::json faults() const { return faults_.to_json(); }
  // The HTTP fault for one /v1 request, if any (see FaultBook::take_http).
  std::optional<Fault> take_http_fault(Route route) { return faults_.take_http(route); }

  // GET /sandbox/orders: every order with its key, how often the key was presented and
  // its status history; every key presented; callback counts.
  nlohmann::json report() const;

  // The callbacks queued since the last call, oldest first.
  std::vector<Callback> take_callbacks();
  // The outcome of sending one (counted in report()).
  void callback_sent(bool ok) { ++(ok ? callbacks_ok_ : callbacks_failed_); }

  // The current catalogue price of `sku`, or nullopt.
  std::optional<double> price(const std::string& sku) const;
  double speed() const { return options_.speed; }

  // The carrier's side (carrier_sim.h). A trunk order out for delivery with its access,
  // whose window has begun and not ended, and that the carrier has not failed yet.
  struct TrunkVisit {
    std::string order_id;
    std::string carrier_api;
    std::string code;  // the trunk's access code: for the carrier's request only
    double window_start = 0, window_end = 0;
  };
  std::vector<TrunkVisit> trunk_visits_due() const;
  // The carrier closed the trunk with the parcel inside: the order is delivered now.
  void carrier_delivered(const std::string& order_id);
  // The carrier could not deliver into the trunk: the order fails at delivery time.
  void carrier_failed(const std::string& order_id, const std::string& reason);

 private:
  struct Window {
    double start = 0;
    double end = 0;
  };
  struct Item {
    std::string sku;
    int quantity = 0;
    double unit_price = 0;
    std::optional<std::string> substitute_for;
  };
  struct Quote {
    std::string id;
    std::vector<Item> items;
    double total = 0;
    nlohmann::json package;
    Window doorstep;
    std::optional<Window> trunk;
    double created = 0;
    double expires_at = 0;
    std::string order_id;  // set once ordered
  };
  static constexpr std::size_t kMaxQuotes = 10000;     // the oldest go beyond
  static constexpr std::size_t kMaxKeys = 100000;      // presentations of more keys are not counted
  static constexpr std::size_t kMaxCallbacks = 10000;  // queued; the oldest are dropped
  struct Order {
    std::string id;
    std::string key;
    std::string quote_id;
    nlohmann::json request;  // the body that placed it, for replays
    std::string method;
    Window window;    // of the method chosen
    Window doorstep;  // the quote's windows, for a change of method
    std::optional<Window> trunk;
    std::vector<Item> items;
    double total = 0;
    bool has_vehicle = false;
    bool access_given = false;
    std::string carrier_api;
    std::string access_code;      // in memory for the carrier only (see the header comment)
    std::string carrier_failure;  // the carrier's reason; the order fails with it
    double carrier_failed_at = 0;
    std::string status = "placed";
    std::string reason;
    double placed_at = 0, ship_at = 0, out_at = 0, deliver_at = 0, updated = 0;
    std::optional<std::pair<std::string, std::string>> fail;  // stage, reason
    std::vector<std::pair<std::string, double>> history;      // status, when
  };
  struct KeyUse {
    int presented = 0;
    std::string order_id;
  };

  const Sku* find_sku(const std::string& sku) const;
  Quote make_quote(std::vector<Item> items);
  nlohmann::json quote_json(const Quote& q) const;
  nlohmann::json order_json(const Order& o) const;
  Order* find_order(const std::string& id);
  void enter(Order& o, const std::string& status, double at, const std::string& reason = {});
  void advance_order(Order& o, double now);
  bool waits_for_carrier(const Order& o) const;
  void prune_quotes();

  const Clock& clock_;
  SimOptions options_;
  double offset_ = 0;
  FaultBook faults_;
  std::map<std::string, Quote> quotes_;
  std::deque<std::string> quote_ids_;  // oldest first, for pruning
  std::vector<Order> orders_;          // in the order they were placed
  std::map<std::string, std::size_t> order_index_;
  std::map<std::string, KeyUse> keys_;
  std::deque<Callback> callbacks_;
  std::uint64_t next_quote_ = 1;
  std::uint64_t next_order_ = 1001;
  std::uint64_t callbacks_ok_ = 0;
  std::uint64_t callbacks_failed_ = 0;
  std::uint64_t callbacks_dropped_ = 0;
};

}  // namespace larder::sandbox
