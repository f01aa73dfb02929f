// The port through which the order ledger's effects reach a retailer (shared/contract/
// retailer-v1.md). Implementations live in daemon/adapters/retailer: `sandbox` (the
// retailer API itself, served by larder-sandbox or a real retailer's bridge), `webhook`
// (POSTs the order to the user's URL) and `grocy` (a Grocy shopping list).
//
// Every call is asynchronous and answers exactly once through its callback, on the thread
// of the executor the adapter was given (the daemon's event loop), never inside the call
// itself. A call whose answer is lost (a timeout, a connection error) answers with a
// retryable outcome; the adapter never retries on its own: the ledger decides, and a
// retried place carries the same idempotency key.
// Thread rule: calls from the event-loop thread only; callbacks come back on it.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "orders/ledger.h"
#include "orders/order.h"

namespace larder::orders {

struct QuoteOutcome {
  std::optional<Quote> quote;  // set on success
  bool retryable = false;      // on failure: a timeout, a connection error, 429, 5xx
  std::string reason;          // on failure, in words for the logs and the order's reason
};

struct PlaceCall {
  std::string order_id;          // the ledger's
  std::string quote_id;
  std::string idempotency_key;
  std::string delivery_method;
  std::optional<Window> window;
  nlohmann::json order_state;    // the order's state_json() (what the webhook sends)
  std::optional<PlaceVehicle> vehicle;  // set exactly when delivery_method is trunk
};

// PUT /v1/orders/<id>/delivery (retailer-v1.md): a change of method after placing, and the
// trunk's access for the carrier once the order has shipped. The code is a secret: an
// adapter sends it only in that request's body and never logs it or puts it in a reason.
struct DeliveryChange {
  std::string retailer_order_id;
  std::string method;                      // doorstep or trunk
  std::optional<std::string> code;         // trunk: the grant's code
  std::optional<std::string> carrier_api;  // trunk: the hub's carrier URL for this order
};

struct DeliveryChangeOutcome {
  bool ok = false;
  bool retryable = false;          // on failure: a timeout, a connection error, 429, 5xx
  std::optional<Window> window;    // ok: the order's window for the new method, if given
  std::string error_code;          // on a 4xx: the retailer's code (out_for_delivery, ...)
  std::string reason;              // on failure, in words for the logs and events
};

struct StatusOutcome {
  std::optional<RetailerStatus> status;  // set when the retailer answered
  std::string reason;                    // else why not
  std::string ignored{};                 // with it: what was left out of it, for the log
  // Without a status: the answer was final (a 4xx other than 429: asking again the same
  // way gets the same answer), and whether it said the retailer has no such order (404).
  bool final = false;
  bool unknown_order = false;
};

class Retailer {
 public:
  virtual ~Retailer() = default;
  // The adapter's kind as in the configuration: sandbox, webhook, grocy.
  virtual std::string kind() const = 0;
  virtual void quote(const std::vector<Item>& items, std::function<void(QuoteOutcome)> done) = 0;
  virtual void place(const PlaceCall& call, std::function<void(PlaceResult)> done) = 0;
  virtual void cancel(const std::string& retailer_order_id,
                      std::function<void(CancelResult)> done) = 0;
  virtual void status(const std::string& retailer_order_id,
                      std::function<void(StatusOutcome)> done) = 0;
  // Whether the adapter can deliver to a car's trunk at all (webhook and grocy cannot).
  virtual bool offers_trunk() const { return false; }
  virtual void set_delivery(const DeliveryChange& change,
                            std::function<void(DeliveryChangeOutcome)> done) = 0;
};

}  // namespace larder::orders
