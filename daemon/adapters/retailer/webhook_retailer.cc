// The `webhook` adapter: each order and each cancel is POSTed, signed, to the user's URL
// (their shop bot, an automation, a person's inbox); a 2xx means they have it. It quotes
// from the configured packs and cannot tell the order's status.
#include <utility>

#include "adapters/crypto/signature.h"
#include "adapters/retailer/retailer_kinds.h"

namespace larder::retailer {
namespace {

using nlohmann::json;
using orders::CancelResult;
using orders::PlaceResult;

constexpr std::string_view kIdPrefix = "webhook-";

class WebhookRetailer : public orders::Retailer {
 public:
  WebhookRetailer(std::shared_ptr<HttpClient> http, std::optional<std::string> secret,
                  LocalQuotes quotes)
      : http_(std::move(http)), secret_(std::move(secret)), quotes_(std::move(quotes)) {}
  ~WebhookRetailer() override { http_->close(); }  // no answers after the adapter

  std::string kind() const override { return "webhook"; }

  void quote(const std::vector<orders::Item>& items,
             std::function<void(orders::QuoteOutcome)> done) override {
    // Answered on the loop, never inside the call (the port's rule).
    http_->post()([done = std::move(done), outcome = quotes_.quote(items)] { done(outcome); });
  }

  void place(const orders::PlaceCall& c, std::function<void(PlaceResult)> done) override {
    std::string body = json_text(json{{"event", "order"}, {"order", c.order_state}});
    Headers headers = {{"Idempotency-Key", c.idempotency_key}};
    std::string id = std::string(kIdPrefix) + c.order_id;
    send(std::move(body), std::move(headers), [id, done = std::move(done)](const HttpReply& r) {
      PlaceResult out;
      if (success(r)) {
        out.retailer_order_id = id;
      } else {
        out.kind = retryable(r) ? PlaceResult::Kind::retryable : PlaceResult::Kind::rejected;
        out.may_hold = out.kind == PlaceResult::Kind::rejected && unjudged(r);
        out.reason = describe(r);
      }
      done(std::move(out));
    });
  }

  void cancel(const std::string& retailer_order_id,
              std::function<void(CancelResult)> done) override {
    std::string order_id = retailer_order_id;
    if (order_id.rfind(kIdPrefix, 0) == 0) order_id.erase(0, kIdPrefix.size());
    std::string body = json_text(json{{"event", "cancel"}, {"order_id", order_id}});
    send(std::move(body), {}, [done = std::move(done)](const HttpReply& r) {
      CancelResult out;
      if (!success(r)) {
        out.kind = retryable(r) ? CancelResult::Kind::retryable : CancelResult::Kind::rejected;
        out.reason = describe(r);
      }
      done(std::move(out));
    });
  }

  void status(const std::string&, std::function<void(orders::StatusOutcome)> done) override {
    http_->post()([done = std::move(done)] {
      done(orders::StatusOutcome{std::nullopt, "the webhook retailer does not report status"});
    });
  }

  bool offers_trunk() const override { return false; }

  // Its deliveries are doorstep ones: a change to doorstep has nothing to tell.
  void set_delivery(const orders::DeliveryChange& c,
                    std::function<void(orders::DeliveryChangeOutcome)> done) override {
    http_->post()([done = std::move(done), outcome = doorstep_only(kind(), c)] { done(outcome); });
  }

 private:
  // POSTs `body` to the URL, signed over exactly these bytes when a secret is configured.
  void send(std::string body, Headers headers, std::function<void(HttpReply)> done) {
    if (secret_) headers.emplace_back("X-Larder-Signature", signature_header(*secret_, body));
    http_->send(HttpCall{"POST", "", std::move(body), std::move(headers)}, std::move(done));
  }

  std::shared_ptr<HttpClient> http_;
  std::optional<std::string> secret_;
  LocalQuotes quotes_;
};

}  // namespace

std::unique_ptr<orders::Retailer> make_webhook_retailer(std::shared_ptr<HttpClient> http,
                                                        std::optional<std::string> secret,
                                                        LocalQuotes quotes) {
  return std::make_unique<WebhookRetailer>(std::move(http), std::move(secret), std::move(quotes));
}

}  // namespace larder::retailer
