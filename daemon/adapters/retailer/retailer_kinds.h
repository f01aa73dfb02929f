// The three adapters behind make_retailer (private to daemon/adapters/retailer), and the
// local quotes of the two that have no price list of their own.
// Thread rule: as orders::Retailer (event-loop thread; callbacks through the client's post).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "adapters/retailer/retailer_http.h"
#include "larder/config.h"
#include "orders/retailer.h"

namespace larder::retailer {

// Quotes from the configured packs (webhook, grocy): each item's unit price is its pack's
// `price` (0 when none is configured), in the household's currency; one delivery option,
// doorstep without a window; no expiry. An sku no consumable has is refused, not retryable.
class LocalQuotes {
 public:
  explicit LocalQuotes(const Config& config);
  orders::QuoteOutcome quote(const std::vector<orders::Item>& items);

 private:
  std::map<std::string, double> prices_;  // pack sku -> price
  std::string currency_;
  std::uint64_t fallback_ = 0;            // quote ids if the system has no randomness
};

// set_delivery of an adapter without trunk delivery (webhook, grocy): doorstep is ok with
// nothing to tell; trunk is refused, not retryable ("the <kind> retailer delivers to the
// doorstep only"). The change's code is never looked at.
inline orders::DeliveryChangeOutcome doorstep_only(const std::string& kind,
                                                   const orders::DeliveryChange& change) {
  orders::DeliveryChangeOutcome out;
  if (change.method == "doorstep") {
    out.ok = true;
  } else {
    out.reason = "the " + kind + " retailer delivers to the doorstep only";
  }
  return out;
}

// shared/contract/retailer-v1.md, spoken to `http` (whose headers carry the Bearer key).
std::unique_ptr<orders::Retailer> make_sandbox_retailer(std::shared_ptr<HttpClient> http);

// POSTs signed events to `http`'s URL; `secret` signs them when set.
std::unique_ptr<orders::Retailer> make_webhook_retailer(std::shared_ptr<HttpClient> http,
                                                        std::optional<std::string> secret,
                                                        LocalQuotes quotes);

// A Grocy shopping list (`http` carries GROCY-API-KEY); products and list from `config`.
std::unique_ptr<orders::Retailer> make_grocy_retailer(std::shared_ptr<HttpClient> http,
                                                      const RetailerConfig& config,
                                                      LocalQuotes quotes);

}  // namespace larder::retailer
