// The ledger's settings (docs/orders.md): what the household configures in the `orders:`
// section and per consumable (larder::OrdersSettings, ConsumableConfig), plus fixed limits.
// Thread rule: plain value.
#pragma once

#include <cstddef>
#include <functional>
#include <map>
#include <optional>
#include <string>

#include "larder/config.h"
#include "larder/time_zone.h"
#include "orders/order.h"

namespace larder::orders {

// How an order from one source starts.
struct SourcePolicy {
  double undo_window_s = 0;  // the order is `held` this long; a cancel inside it calls no one
  bool ask_first = false;    // the order starts `awaiting_confirmation` (the voice question)
};

struct ConsumableOrderConfig {
  std::string name;                       // for the texts of events; the id when empty
  std::optional<double> price_ceiling;    // per pack (the quote's unit price), in `currency`
  bool allow_substitution = false;        // may the retailer replace the sku?
};

struct OrderLimit {
  int count = 0;                          // at most this many orders ...
  double days = 30;                       // ... in any this many days (rolling)
};

// The most packs of one item one order may ask for: the HTTP API, larderctl and the
// ledger hold the same bound.
inline constexpr int kMaxQuantity = 99;

struct OrdersConfig {
  std::string currency = "EUR";           // the household's; quotes in another are held
  std::string locale = "en-GB";           // household.locale: the words of the events' texts
  // Undo windows: an automatic order gives the household five minutes to veto it; a button
  // a minute (a press by mistake, or the other person's press); a voice order is asked
  // first and then goes at once; the dashboard and the CLI ask their user before sending.
  SourcePolicy sensor{300, false};
  SourcePolicy button{60, false};
  SourcePolicy voice{0, true};
  SourcePolicy api{0, false};
  SourcePolicy cli{0, false};
  std::map<std::string, ConsumableOrderConfig, std::less<>> consumables;
  std::optional<double> monthly_budget;   // per calendar month of `zone`, in `currency`
  TimeZone zone;                          // household.timezone (UTC if it cannot be loaded)
  std::optional<OrderLimit> max_orders;
  // Other consumables that will need reordering within this many days join an order (0: off).
  double combine_within_days = 0;
  // Placeholder until the delivery planner: this method when the quote offers it, else the
  // quote's first option.
  std::string delivery_method = "doorstep";

  // Retries of the retailer's calls: full jitter, uniform in [0, min(max, initial * 2^(n-1)))
  // after the n-th failed request.
  double backoff_initial_s = 1;
  double backoff_max_s = 300;
  double request_timeout_s = 120;         // no answer this long counts as a retryable error
  double poll_interval_s = 900;           // status polls of a placed or shipped order
  double quote_margin_s = 30;             // a quote this close to expiry is taken again
                                          // (at most half of its life when it came)
  // The configured retailer (none: nullopt): each quote's order is stamped with it, and
  // load() tells orders sent to another one (app/order_desk.h sets it).
  std::optional<RetailerRef> retailer;
  int max_quantity = kMaxQuantity;        // packs of one item
  std::size_t max_active = 100;           // orders not finished, at most
  std::size_t keep_finished = 500;        // finished orders kept in memory (the newest; and
                                          // those the guards count, ledger.h)

  const SourcePolicy& policy(Source s) const;
  const ConsumableOrderConfig* consumable(std::string_view id) const;
  // The consumable's name for texts: its configured name, else its id.
  std::string name(const std::string& id) const;
};

// The configuration's `orders:` section, the household's currency and each consumable's
// name, price ceiling and substitution rule; the rest keeps the defaults above.
OrdersConfig orders_config_from(const Config& config);

}  // namespace larder::orders
