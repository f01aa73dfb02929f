// The retailer adapters (docs/retailers.md): the configured `retailer.kind` as an
// orders::Retailer.
//
//   sandbox  the retailer API of shared/contract/retailer-v1.md (larder-sandbox, or a real
//            retailer's bridge): quotes, orders by idempotency key, cancel, status;
//   webhook  POSTs each order, signed, to the user's URL; quotes from the configured packs;
//   grocy    puts each order on a Grocy shopping list; quotes from the configured packs.
//
// Requests go out through cpprestsdk's HTTP client; its callbacks run on cpprestsdk's
// thread pool, where an answer is turned into plain values and handed to `post`, so every
// `done` callback runs on the daemon's event loop. Each call answers exactly once, never
// inside the call itself.
// Thread rule: make_retailer and the Retailer's calls on the event-loop thread.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "larder/config.h"
#include "larder/status.h"
#include "orders/retailer.h"

namespace larder {

// Posts a function to the daemon's event loop (asio::post); callbacks of the adapters go
// through it. It is called from any thread, until the Retailer is destroyed: answers that
// come later are dropped (so the loop may go right after the Retailer; functions already
// posted stay in its queue, and must not outlive what their `done` captured).
using Post = std::function<void(std::function<void()>)>;

struct RetailerOptions {
  double timeout_s = 30;                // per request (connect, send, each read)
  std::optional<std::string> ca_file;   // PEM CA certificates for https; default: the system's
};

// Fails for a configuration without a retailer, an unknown kind, a URL cpprestsdk cannot
// use, or a CA file that cannot be read.
Result<std::unique_ptr<orders::Retailer>> make_retailer(const Config& config, Post post,
                                                        const RetailerOptions& options = {});

// Who `config` names (what each order records, orders/order.h): the kind, the start of the
// url's SHA-256, and whether the kind's adapter tells deliveries (all but the webhook's:
// its orders end when the household buys their items, Ledger::bought).
orders::RetailerRef retailer_ref(const RetailerConfig& config);
// The url in the form its fingerprint is taken of: scheme and host in lower case, the port
// without leading zeros and not at all when it is the default (80, 443), no trailing '/' on
// the path; the rest as written. A url without "://" is returned as it is.
std::string normal_url(const std::string& url);

}  // namespace larder
