// The household's guards on an order, checked on its quote right before the retailer is
// asked to place it (and when a quote comes in while the order is held), and the texts
// the ledger's events carry.
//
// In this order, the first guard that fails holds the order `awaiting_confirmation` with
// its reason; a reason the user has confirmed past (Order::overrides) is not checked again:
//   - "substitution": the quote replaces a sku and the consumable does not allow it;
//   - "price_changed": a user confirmed the order at a lower total than the quote's (never
//     overridden: each confirmation sets the confirmed total anew);
//   - "currency": the quote is not in the household's currency while a price ceiling or
//     the budget applies (neither could be checked);
//   - "price_ceiling": an item's unit price is above its consumable's ceiling;
//   - "budget": the orders committed this calendar month (in household.timezone) plus this
//     one pass the monthly budget;
//   - "order_limit": as many orders as the limit allows were committed in its period.
// An order counts for the budget and the limit from its first PlaceOrder (committed_at) on,
// unless it ended cancelled or failed.
// Thread rule: pure functions.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "larder/texts.h"
#include "orders/order.h"
#include "orders/orders_config.h"

namespace larder::orders {

// Whether a quote answers the order: every item in it (itself or a substitute for its sku)
// in the quantity asked, and nothing else (nullopt). A quote that does not is the
// retailer's refusal, and this says why.
std::optional<Reason> check_quote(const Order& o, const Quote& q);

// A reason in larderd's words: the catalogs' message `id` (order.reason.*) with the values
// of its placeholders, and its English text from the English catalog.
Reason our_reason(std::string id, std::vector<std::pair<std::string, std::string>> args = {});
// A reason in the household's words: `why`'s message in `t`, or `text` as it is (a
// retailer's words, or a message `t` does not hold).
std::string reason_text(const Texts& t, const std::string& text, const Why& why);

struct Hold {
  std::string reason;  // the hold_reason
  std::string text;    // the event's text: what is wrong and what confirming does
};

std::optional<Hold> check_guards(const OrdersConfig& c, const Order& o,
                                 const std::vector<const Order*>& others, double now);

// Whether the order counts for the budget and the limit: committed, quoted, and not ended
// cancelled or failed.
bool counts_for_guards(const Order& o);
// The earliest committed_at the guards may count at `now` (the month's start for the budget,
// the limit's period for the limit), less a day for a clock set back after it passed;
// +infinity when neither is set. The ledger keeps the finished orders that count from there
// on, up to Ledger::kMaxCounted of them (ledger.h); a restart loads them (Store::load_orders).
double guard_horizon(const OrdersConfig& c, double now);

// The first instant of the calendar month, in `zone`, that holds `t` (local midnight).
double month_start(double t, const TimeZone& zone);

// Texts fit to be read to a person ("1 x Coffee beans and 2 x Tea"), in the words of
// household.locale's catalog (OrdersConfig::locale, larder/texts.h); prices with their currency.
std::string describe_items(const OrdersConfig& c, const std::vector<Item>& items);
std::string held_text(const OrdersConfig& c, const Order& o);
std::string ask_text(const OrdersConfig& c, const Order& o);    // the voice question
std::string placed_text(const OrdersConfig& c, const Order& o, double now);
std::string shipped_text(const OrdersConfig& c, const Order& o);
std::string delivered_text(const OrdersConfig& c, const Order& o);
std::string cancelled_text(const OrdersConfig& c, const Order& o);
std::string failed_text(const OrdersConfig& c, const Order& o);
std::string uncertain_text(const OrdersConfig& c, const Order& o);  // reason: last_error

}  // namespace larder::orders
