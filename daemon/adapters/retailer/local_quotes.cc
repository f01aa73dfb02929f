#include <openssl/rand.h>

#include <cmath>

#include "adapters/retailer/retailer_kinds.h"
#include "larder/texts.h"

namespace larder::retailer {

LocalQuotes::LocalQuotes(const Config& config) : currency_(config.household.currency) {
  for (const ConsumableConfig& c : config.consumables) {
    if (!c.pack.sku.empty()) prices_.emplace(c.pack.sku, c.pack.price.value_or(0));
  }
}

orders::QuoteOutcome LocalQuotes::quote(const std::vector<orders::Item>& items) {
  orders::QuoteOutcome out;
  if (items.empty()) {
    out.reason = "a quote needs at least one item";
    return out;
  }
  orders::Quote q;
  double total = 0;
  for (const orders::Item& item : items) {
    auto it = prices_.find(item.sku);
    if (it == prices_.end()) {
      out.reason = "sku " + item.sku + " is not the pack of any configured consumable";
      return out;
    }
    if (item.quantity < 1) {
      out.reason = "sku " + item.sku + ": the quantity must be at least 1";
      return out;
    }
    q.items.push_back({item.sku, item.quantity, it->second, std::nullopt});
    total += it->second * item.quantity;
  }
  // A fresh id per quote; random, so that ids never repeat across restarts.
  unsigned char bytes[8];
  std::string id = "local-";
  if (RAND_bytes(bytes, sizeof bytes) == 1) {
    static constexpr char kHex[] = "0123456789abcdef";
    for (unsigned char b : bytes) {
      id += kHex[b >> 4];
      id += kHex[b & 0xf];
    }
  } else {
    id += "n" + std::to_string(++fallback_);
  }
  q.quote_id = std::move(id);
  // Money to the currency's minor unit (the cent; the yen; a thousandth of a dinar), as a
  // retailer would.
  const double scale = std::pow(10.0, Texts::currency_digits(currency_));
  q.total = std::round(total * scale) / scale;
  q.currency = currency_;
  q.delivery_options.push_back({"doorstep", std::nullopt});
  out.quote = std::move(q);
  return out;
}

}  // namespace larder::retailer
