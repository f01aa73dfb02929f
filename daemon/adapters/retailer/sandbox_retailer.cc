// The `sandbox` adapter: shared/contract/retailer-v1.md as larder-sandbox serves it
// (docs/sandbox.md). The retailer is the authority on everything; this only maps its
// answers onto the port's outcomes.
#include <set>
#include <utility>

#include "adapters/retailer/retailer_kinds.h"

namespace larder::retailer {
namespace {

using nlohmann::json;
using orders::CancelResult;
using orders::PlaceResult;

const std::set<std::string> kStatuses = {"placed",    "shipped",   "out_for_delivery",
                                         "delivered", "cancelled", "failed"};

json window_json(const orders::Window& w) { return {{"start", w.start}, {"end", w.end}}; }

std::optional<orders::Window> window_at(const json& j, const char* key) {
  if (!j.is_object() || !j.contains(key) || !j[key].is_object()) return std::nullopt;
  auto start = finite_number(j[key], "start");
  auto end = finite_number(j[key], "end");
  if (!start || !end || *end < *start) return std::nullopt;
  return orders::Window{*start, *end};
}

orders::QuoteOutcome quote_outcome(const HttpReply& r) {
  orders::QuoteOutcome out;
  if (success(r)) {
    auto j = json_body(r);
    if (!j) {
      // Garbled on the way (or a proxy's page): asking again may well work.
      out.retryable = true;
      out.reason = "the retailer's quote is not JSON (" + describe(r) + ")";
      return out;
    }
    auto q = orders::parse_quote(*j);
    if (q.ok()) {
      out.quote = std::move(q.value());
    } else {
      out.reason = "the retailer's quote is invalid: " + q.status().message();
    }
    return out;
  }
  out.retryable = retryable(r);
  out.reason = describe(r);
  return out;
}

PlaceResult place_result(const HttpReply& r) {
  PlaceResult out;
  if (success(r)) {
    auto j = json_body(r);
    auto id = j ? short_string(*j, "order_id") : std::nullopt;
    if (!id) {
      // The order may well exist: the same key again returns it.
      out.kind = PlaceResult::Kind::retryable;
      out.reason = "the retailer's answer names no order_id (" + describe(r) + ")";
      return out;
    }
    out.kind = PlaceResult::Kind::ok;
    out.retailer_order_id = *id;
    out.eta = finite_number(*j, "eta");
    out.window = window_at(*j, "window");
    return out;
  }
  out.reason = describe(r);
  if (r.status == 409) {
    // An expired, used or re-priced quote: nothing was placed under the key.
    out.kind = PlaceResult::Kind::quote_expired;
    auto j = json_body(r);
    if (j && j->is_object() && j->contains("error") && (*j)["error"].is_object() &&
        (*j)["error"].contains("quote")) {
      auto q = orders::parse_quote((*j)["error"]["quote"]);
      if (q.ok()) out.quote = std::move(q.value());
    }
    return out;
  }
  out.kind = retryable(r) ? PlaceResult::Kind::retryable : PlaceResult::Kind::rejected;
  return out;
}

CancelResult cancel_result(const HttpReply& r) {
  CancelResult out;
  if (success(r)) return out;  // the order, cancelled (or already so)
  out.reason = describe(r);
  if (r.status == 409) {
    out.kind = CancelResult::Kind::too_late;  // shipped, or closed
  } else {
    out.kind = retryable(r) ? CancelResult::Kind::retryable : CancelResult::Kind::rejected;
  }
  return out;
}

// Puts `secret` nowhere it does not belong: a retailer (or a proxy's page) that echoes the
// request back must not carry the trunk's code into a reason, a log line or an event.
std::string without(std::string text, const std::optional<std::string>& secret) {
  if (!secret || secret->empty()) return text;
  for (std::size_t at = text.find(*secret); at != std::string::npos; at = text.find(*secret, at)) {
    text.replace(at, secret->size(), "[code]");
    at += 6;
  }
  return text;
}

orders::DeliveryChangeOutcome delivery_outcome(const HttpReply& r,
                                               const std::optional<std::string>& code) {
  orders::DeliveryChangeOutcome out;
  if (success(r)) {
    // The change is made; a garbled body only costs the window, which status() also gives.
    out.ok = true;
    if (auto j = json_body(r)) out.window = window_at(*j, "window");
    return out;
  }
  out.retryable = retryable(r);
  out.reason = without(describe(r), code);
  if (!out.retryable) {
    auto j = json_body(r);
    if (j && j->is_object() && j->contains("error")) {
      out.error_code = without(short_string((*j)["error"], "code").value_or(""), code);
    }
  }
  return out;
}

orders::StatusOutcome status_outcome(const HttpReply& r) {
  orders::StatusOutcome out;
  if (!success(r)) {
    out.reason = describe(r);
    return out;
  }
  auto j = json_body(r);
  auto status = j ? short_string(*j, "status") : std::nullopt;
  if (!status || kStatuses.count(*status) == 0) {
    out.reason = "the retailer's order has no known status (" + describe(r) + ")";
    return out;
  }
  orders::RetailerStatus s;
  s.status = *status;
  s.reason = short_string(*j, "reason").value_or("");
  s.window = window_at(*j, "window");
  s.eta = finite_number(*j, "eta");
  out.status = std::move(s);
  return out;
}

class SandboxRetailer : public orders::Retailer {
 public:
  explicit SandboxRetailer(std::shared_ptr<HttpClient> http) : http_(std::move(http)) {}
  ~SandboxRetailer() override { http_->close(); }  // no answers after the adapter

  std::string kind() const override { return "sandbox"; }

  void quote(const std::vector<orders::Item>& items,
             std::function<void(orders::QuoteOutcome)> done) override {
    json list = json::array();
    for (const auto& i : items) list.push_back({{"sku", i.sku}, {"quantity", i.quantity}});
    HttpCall call{"POST", "/v1/quotes", json_text(json{{"items", std::move(list)}}), {}};
    http_->send(std::move(call), [done = std::move(done)](const HttpReply& r) { done(quote_outcome(r)); });
  }

  void place(const orders::PlaceCall& c, std::function<void(PlaceResult)> done) override {
    json delivery = {{"method", c.delivery_method}};
    if (c.window) delivery["window"] = window_json(*c.window);
    if (c.vehicle && c.delivery_method == "trunk") {
      delivery["vehicle"] = {{"make", c.vehicle->make},
                             {"plate_hint", c.vehicle->plate_hint},
                             {"parked_near", {{"lat", c.vehicle->lat}, {"lon", c.vehicle->lon}}}};
    }
    json body = {{"quote_id", c.quote_id}, {"delivery", std::move(delivery)}};
    HttpCall call{"POST", "/v1/orders", json_text(body), {{"Idempotency-Key", c.idempotency_key}}};
    http_->send(std::move(call), [done = std::move(done)](const HttpReply& r) { done(place_result(r)); });
  }

  void cancel(const std::string& retailer_order_id,
              std::function<void(CancelResult)> done) override {
    HttpCall call{"POST", "/v1/orders/" + encode_segment(retailer_order_id) + "/cancel",
                  std::nullopt, {}};
    http_->send(std::move(call), [done = std::move(done)](const HttpReply& r) { done(cancel_result(r)); });
  }

  void status(const std::string& retailer_order_id,
              std::function<void(orders::StatusOutcome)> done) override {
    HttpCall call{"GET", "/v1/orders/" + encode_segment(retailer_order_id), std::nullopt, {}};
    http_->send(std::move(call),
                [done = std::move(done)](const HttpReply& r) { done(status_outcome(r)); });
  }

  bool offers_trunk() const override { return true; }

  // The code goes only into this request's body; the reasons are scrubbed of it.
  void set_delivery(const orders::DeliveryChange& c,
                    std::function<void(orders::DeliveryChangeOutcome)> done) override {
    json body = {{"method", c.method}};
    if (c.method == "trunk") {
      body["access"] = {{"code", c.code.value_or("")}, {"carrier_api", c.carrier_api.value_or("")}};
    }
    HttpCall call{"PUT", "/v1/orders/" + encode_segment(c.retailer_order_id) + "/delivery",
                  json_text(body), {}};
    http_->send(std::move(call), [code = c.code, done = std::move(done)](const HttpReply& r) {
      done(delivery_outcome(r, code));
    });
  }

 private:
  std::shared_ptr<HttpClient> http_;
};

}  // namespace

std::unique_ptr<orders::Retailer> make_sandbox_retailer(std::shared_ptr<HttpClient> http) {
  return std::make_unique<SandboxRetailer>(std::move(http));
}

}  // namespace larder::retailer
