#include "adapters/retailer/retailer_factory.h"

#include <utility>

#include "adapters/retailer/retailer_http.h"
#include "adapters/retailer/retailer_kinds.h"

namespace larder {

Result<std::unique_ptr<orders::Retailer>> make_retailer(const Config& config, Post post,
                                                        const RetailerOptions& options) {
  if (!config.retailer) return Status::Error("retailer: none is configured");
  const RetailerConfig& rc = *config.retailer;
  const std::string& kind = rc.kind;
  if (kind != "sandbox" && kind != "webhook" && kind != "grocy") {
    return Status::Error("retailer: unknown kind \"" + kind + "\" (sandbox, webhook or grocy)");
  }
  retailer::Headers headers = {{"Accept", "application/json"}};
  if (kind == "grocy") {
    if (!rc.api_key) return Status::Error("retailer: grocy needs api_key");
    headers.emplace_back("GROCY-API-KEY", *rc.api_key);
  } else if (rc.api_key) {
    // The retailer API's key (sandbox); a webhook's endpoint may want one too.
    headers.emplace_back("Authorization", "Bearer " + *rc.api_key);
  }
  auto http = retailer::HttpClient::make(rc.url, std::move(post), options, std::move(headers));
  if (!http.ok()) return http.status();
  std::unique_ptr<orders::Retailer> r;
  if (kind == "sandbox") {
    r = retailer::make_sandbox_retailer(std::move(http.value()));
  } else if (kind == "webhook") {
    r = retailer::make_webhook_retailer(std::move(http.value()), rc.webhook_secret,
                                        retailer::LocalQuotes(config));
  } else {
    r = retailer::make_grocy_retailer(std::move(http.value()), rc, retailer::LocalQuotes(config));
  }
  return r;
}

}  // namespace larder
