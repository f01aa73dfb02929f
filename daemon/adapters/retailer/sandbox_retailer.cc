// The `sandbox` adapter: shared/contract/retailer-v1.md as larder-sandbox serves it
// (docs/sandbox.md). The retailer is the authority on everything; this only maps its
// answers onto the port's outcomes (retailer_answers.cc).
#include <utility>

#include "adapters/retailer/retailer_answers.h"
#include "adapters/retailer/retailer_kinds.h"

namespace larder::retailer {
namespace {

using nlohmann::json;
using orders::CancelResult;
using orders::PlaceResult;
using sandbox::cancel_result;
using sandbox::delivery_outcome;
using sandbox::place_result;
using sandbox::quote_outcome;
using sandbox::status_outcome;

json window_json(const orders::Window& w) { return {{"start", w.start}, {"end", w.end}}; }

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
