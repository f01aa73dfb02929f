// SandboxApi: larder-sandbox's HTTP face. It turns requests of the hub's HttpServer into
// RetailerSim calls (shared/contract/retailer-v1.md) and applies the HTTP faults.
//
// Routes (docs/sandbox.md):
//   GET  /healthz                       anyone; {"status":"ok"}
//   POST /v1/quotes                     RetailerSim::quote
//   POST /v1/orders                     RetailerSim::place (Idempotency-Key header)
//   GET  /v1/orders/{id}                RetailerSim::order
//   POST /v1/orders/{id}/cancel         RetailerSim::cancel (any body is ignored)
//   PUT  /v1/orders/{id}/delivery       RetailerSim::change_delivery
//   GET  /sandbox/orders                RetailerSim::report, each order with what the
//                                       carrier did ("carrier", CarrierSim::report)
//   GET, POST /sandbox/car              CarSim::report, CarSim::move; 404 without a car
//   GET, POST, DELETE /sandbox/faults   list, add (RetailerSim::add_faults), clear
//   POST /sandbox/advance               {"seconds":S}: RetailerSim::advance; {"now":..}
// Every /v1/ and /sandbox/ request needs `Authorization: Bearer <api key>`, compared in
// constant time (SHA-256 of both, CRYPTO_memcmp), checked before anything else: 401
// unauthorized with WWW-Authenticate: Bearer. Then the Router's checks (404, 405, 400 for
// a query parameter (none is taken), 415 for a body that is not application/json, 400 for
// invalid JSON); JSON bodies of more
// than 64 KiB the server refuses with 413. Errors are {"error":{"code","message"}}.
//
// Faults apply to /v1 routes only (after the checks above, so a fault never hides a
// malformed request): an error fault answers its status (with Retry-After when set) either
// instead of the request or, with `after`, after carrying it out; a slow fault calls
// `wait(delay)` and then serves; a hang fault calls `wait(delay)` and answers 504.
// Every POST /v1/orders that passes the key check counts its Idempotency-Key as
// presented (RetailerSim::presented), whatever happens to it next.
//
// `wait` blocks the calling thread: the hub's HttpServer answers synchronously, so a
// delayed answer delays every other request of the sandbox too (a slow retailer is slow
// for everyone). larder-sandbox's wait returns early when it is asked to stop.
// Request bodies are never logged (a delivery change carries a trunk access code).
// Thread rule: the server's event-loop thread only.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "api/access.h"
#include "api/router.h"
#include "larder/clock.h"
#include "larder/config.h"
#include "larder/http.h"
#include "larder/metrics.h"
#include "larder/status.h"
#include "car_sim.h"
#include "carrier_sim.h"
#include "retailer_sim.h"

namespace larder::sandbox {

class SandboxApi {
 public:
  using Wait = std::function<void(double seconds)>;

  // `sim` and `clock` must outlive the API. An empty `api_key` admits nobody.
  SandboxApi(RetailerSim& sim, const Clock& clock, const std::string& api_key, Wait wait);
  SandboxApi(const SandboxApi&) = delete;
  SandboxApi& operator=(const SandboxApi&) = delete;

  // The simulated car and its carrier, when larder-sandbox plays them (both may be null);
  // they must outlive the API.
  void attach(CarSim* car, CarrierSim* carrier) {
    car_ = car;
    carrier_ = carrier;
  }
  // Registers the routes; call once before handle().
  Status init();
  // Answers one request; never throws.
  HttpResponse handle(const HttpRequest& request);
  // handle() as the server's HttpHandler; the API must outlive it.
  HttpHandler handler() {
    return [this](const HttpRequest& r) { return handle(r); };
  }

 private:
  bool authorized(const HttpRequest& request) const;
  HttpResponse faulted(Route route, const std::function<HttpResponse()>& serve);

  HttpResponse orders_report() const;
  HttpResponse car_route(const RouteContext& c);

  RetailerSim& sim_;
  CarSim* car_ = nullptr;
  CarrierSim* carrier_ = nullptr;
  std::string key_digest_;
  Wait wait_;
  Metrics metrics_;
  HttpConfig no_tokens_;  // the Router's Access: every route here is Right::none
  Access access_;
  Router router_;
};

// A SimReply as an HTTP answer.
HttpResponse to_response(const SimReply& reply);

}  // namespace larder::sandbox
