// CarrierSim: the retailer's carrier, as larder-sandbox plays it (docs/sandbox.md, "The
// carrier"). It delivers trunk orders into the simulated car (CarSim) through the hub's
// carrier API (shared/contract/http.md), with the access code the hub gave the retailer
// (PUT /v1/orders/<id>/delivery). Pure logic: the HTTP requests go through a small port,
// which CarrierHttpClient implements with the callbacks' Beast exchanges
// (callback_client.h, which also says why not cpprestsdk) and tests with a fake.
//
// A visit, once RetailerSim::trunk_visits_due() names an order (out for delivery, access
// given, its window begun, on the sandbox's clock):
//   1. GET <carrier_api> with Authorization: Bearer <code>; expects 200 (the window and
//      the car's rough position);
//   2. POST <carrier_api>/unlock, same header, body {}; expects 200 or 202;
//   3. waits until the car is unlocked (the hub sends it unlock_trunk over MQTT), opens
//      the trunk, puts the parcel in for `load_time` simulated seconds, closes it, and
//      reports the order delivered (RetailerSim::carrier_delivered). The car then locks
//      itself, or the hub locks it, and the hub marks its order delivered.
// Without a car (car == nullptr) step 3 ends at once: the car is someone else's bridge.
// Any other 4xx of the hub (401 wrong code, 403, 404, 409 outside the window, car not
// parked, used, revoked) is a refusal: the carrier records it, forgets the code and
// reports RetailerSim::carrier_failed(order, "trunk_refused"); the order fails. No
// answer, 429 and 5xx are tried again `retry_after` simulated seconds later. A window
// that ends first ends the visit (RetailerSim fails the order: "trunk_not_opened").
//
// The code is sent only in the Authorization header: never logged, never in report()
// (which holds what the carrier did, with the hub's statuses and error codes).
// Thread rule: the sandbox's event-loop thread; the port answers on it, never inside
// the call.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include <boost/asio/io_context.hpp>

#include "car_sim.h"
#include "retailer_sim.h"

namespace boost::asio::ssl {
class context;
}

namespace larder::sandbox {

struct CarrierRequest {
  std::string method;  // GET or POST
  std::string url;     // carrier_api, or carrier_api + "/unlock"
  std::string code;    // goes as Authorization: Bearer <code>, and nowhere else
};

struct CarrierReply {
  int status = 0;      // 0: no answer
  std::string body;
  std::string error;   // status 0: why
};

using CarrierHttp = std::function<void(CarrierRequest, std::function<void(CarrierReply)>)>;

struct CarrierOptions {
  double retry_after = 60;  // simulated seconds before asking again after 429, 5xx, no answer
  double load_time = 20;    // simulated seconds the trunk stays open
};

class CarrierSim {
 public:
  // `sim` (and `car`, which may be null) must outlive the carrier.
  CarrierSim(RetailerSim& sim, CarSim* car, CarrierHttp http, CarrierOptions options = {});

  // Starts the visits that fell due and moves on those waiting (for the car, a retry, the
  // end of loading). Call after RetailerSim::tick() and whenever the car changed.
  void tick();
  // When tick() next has something to do, on the sandbox's clock (answers and the car's
  // changes come on their own).
  std::optional<double> next_change() const;

  // What the carrier did for an order, or null: {"state","arrived","asked","ask_status",
  // "unlock_requests","unlock_status","unlocked","trunk_opened","refusal"?,"error"?}.
  nlohmann::json report(const std::string& order_id) const;

 private:
  enum class Step { asking, unlocking, waiting_for_car, loading, delivered, refused, ended };
  struct Visit {
    std::string carrier_api;
    std::string code;  // until the visit ends
    double window_end = 0;
    double arrived = 0;
    Step step = Step::asking;
    bool in_flight = false;
    std::optional<double> retry_at;
    std::optional<double> close_at;
    int asked = 0, unlock_requests = 0;
    std::optional<int> ask_status, unlock_status;
    nlohmann::json window;  // from the hub's answer, if it gave one
    bool unlocked = false;  // the hub accepted the unlock
    bool trunk_opened = false;
    nlohmann::json refusal;  // {"step","status","code"} once refused
    std::string error;       // the last failure worth retrying
  };

  void send(const std::string& order_id, Visit& v);
  void answered(const std::string& order_id, const CarrierReply& reply);
  void end(Visit& v, Step step);

  RetailerSim& sim_;
  CarSim* car_;
  CarrierHttp http_;
  CarrierOptions options_;
  std::map<std::string, Visit> visits_;  // by order id
};

// The port over send_exchange (callback_client.h) on the sandbox's loop: `timeout` per
// request, https verified against `tls` (the system's CAs or --callback-ca), no redirects.
// close() abandons the requests in flight: their answers never come.
class CarrierHttpClient {
 public:
  CarrierHttpClient(boost::asio::io_context& ioc, std::shared_ptr<boost::asio::ssl::context> tls,
                    std::chrono::milliseconds timeout = std::chrono::seconds(10));
  ~CarrierHttpClient();  // close()
  CarrierHttpClient(const CarrierHttpClient&) = delete;
  CarrierHttpClient& operator=(const CarrierHttpClient&) = delete;

  // The port; the client must outlive it.
  CarrierHttp port();
  void close();

 private:
  void send(CarrierRequest request, std::function<void(CarrierReply)> done);

  boost::asio::io_context& ioc_;
  std::shared_ptr<boost::asio::ssl::context> tls_;
  std::chrono::milliseconds timeout_;
  bool closed_ = false;
  std::uint64_t next_ = 0;
  std::map<std::uint64_t, std::function<void()>> in_flight_;  // abandon functions
};

}  // namespace larder::sandbox
