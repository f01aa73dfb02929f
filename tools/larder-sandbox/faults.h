// Failure injection for larder-sandbox (docs/sandbox.md, "Faults"): scripted faults that
// fire a given number of times, and random failures at configured rates.
//
// Kinds:
//   - error: the answer is `status` (429 or 5xx) instead of the real one. Without `after`
//     the request is refused before anything happens; with `after` it is carried out
//     first (an order is placed, a cancel done) and only the answer is lost.
//   - slow: the answer comes `delay` seconds late (the request is carried out normally).
//   - hang: nothing is answered for `delay` seconds, then 504; a client with a shorter
//     timeout has given up by then. With `after` the request was carried out.
//   - price_change: at the next POST /v1/orders whose quote holds `sku` (any quote when
//     empty: its first item), that SKU's price becomes `price` (default +10 %), so the
//     quote is no longer honoured: 409 price_changed with a fresh quote.
//   - substitute: the next quote asking for `sku` offers `with` instead (substitute_for).
//   - fail_order: the next order placed fails instead of reaching `stage`, with `reason`.
// error/slow/hang hit only requests of their `route` (all /v1 requests when unset).
// Random failures: each /v1 request is refused with 500, 502 or 503 with probability
// fail_rate; else carried out and its answer replaced by 502 with probability
// lost_answer_rate. The draws come from a generator seeded with `seed`, so one request
// sequence gives one failure sequence.
// Thread rule: plain value; used on the sandbox's event-loop thread.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <optional>
#include <random>
#include <string>

#include <nlohmann/json.hpp>

#include "larder/status.h"

namespace larder::sandbox {

// The /v1 requests, as faults name them.
enum class Route { quotes, orders, order, cancel, delivery };
const char* route_name(Route route);  // "quotes", "orders", "order", "cancel", "delivery"

enum class FaultKind { error, slow, hang, price_change, substitute, fail_order };
const char* fault_kind_name(FaultKind kind);

struct Fault {
  FaultKind kind = FaultKind::error;
  std::optional<Route> route;           // error/slow/hang: the requests it hits; unset: all
  int status = 503;                     // error: 429 or 500-599
  int retry_after = 0;                  // error: Retry-After seconds when > 0
  double delay = 0;                     // slow/hang: real seconds
  bool after = false;                   // error/hang: carry the request out first
  std::string sku;                      // price_change (optional), substitute (required)
  std::string with;                     // substitute: the SKU offered instead
  std::optional<double> price;          // price_change: the new unit price
  std::string stage = "shipped";        // fail_order: shipped, out_for_delivery or delivered
  std::string reason = "out_of_stock";  // fail_order
  int count = 1;                        // how many times it still fires
  bool random = false;                  // drawn by a rate, not scripted

  nlohmann::json to_json() const;
};

// A fault from its JSON form (docs/sandbox.md); unknown keys, wrong types and values out
// of range are refused with a message for a 400 answer. SKUs are not checked here.
Result<Fault> parse_fault(const nlohmann::json& j);

class FaultBook {
 public:
  explicit FaultBook(std::uint64_t seed = 1) : rng_(seed) {}

  void add(Fault fault) { scripted_.push_back(std::move(fault)); }
  // Forgets every scripted fault and sets both rates to 0.
  void clear();
  // Rates in [0, 1] (the caller checks).
  void set_rates(double fail_rate, double lost_answer_rate);
  double fail_rate() const { return fail_rate_; }
  double lost_answer_rate() const { return lost_rate_; }

  // For one /v1 request: the first scripted error/slow/hang fault for `route` (one of its
  // count used up), else a random failure by the rates, else nothing.
  std::optional<Fault> take_http(Route route);
  // The first scripted fault of `kind` that `matches` accepts (one of its count used up).
  std::optional<Fault> take(FaultKind kind, const std::function<bool(const Fault&)>& matches);

  // {"fail_rate":..,"lost_answer_rate":..,"scripted":[...],"random_failures":n}
  nlohmann::json to_json() const;

 private:
  std::optional<Fault> consume(std::deque<Fault>::iterator it);

  std::deque<Fault> scripted_;
  double fail_rate_ = 0;
  double lost_rate_ = 0;
  std::mt19937_64 rng_;
  std::uint64_t random_failures_ = 0;
};

}  // namespace larder::sandbox
