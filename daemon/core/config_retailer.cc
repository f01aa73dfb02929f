// The `retailer:` section (docs/retailers.md): which adapter places the orders, where, and
// with which credentials. `products` and `shopping_list_id` belong to kind grocy only; it
// needs a product id for every consumable's pack sku, so this section is read after the
// consumables.
#include <charconv>
#include <cmath>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "core/config_checks.h"
#include "core/config_sections.h"

namespace larder::config {
namespace {

constexpr double kMaxId = 2147483647;  // Grocy's ids are SQLite integers; an int holds them

// A whole number from 1 to kMaxId, or nothing (reported when written but bad).
std::optional<int> positive_int(Section& s, std::string_view key) {
  auto v = s.number(key, Need::optional, Range{1.0, kMaxId, false, false});
  if (!v) return std::nullopt;
  if (*v != std::floor(*v)) {
    char buf[64];
    auto end = std::to_chars(buf, buf + sizeof buf, *v).ptr;
    s.error(key, "must be a whole number of 1 or more, got " + std::string(buf, end));
    return std::nullopt;
  }
  return static_cast<int>(*v);
}

void read_grocy(Section& s, RetailerConfig& out, const std::vector<ConsumableConfig>& consumables) {
  std::set<std::string> written;  // every sku of `products`, also those with a bad id
  bool is_map = s.section("products", Need::optional, [&](Section& p) {
    for (const Field& f : p.entries()) {
      written.insert(f.key);
      if (auto id = positive_int(p, f.key)) out.products[f.key] = *id;
    }
  });
  if (auto list = positive_int(s, "shopping_list_id")) out.shopping_list_id = *list;
  if (s.has("products") && !is_map) return;  // reported: not a map
  // Without a product id the adapter could not put the consumable on the list.
  for (const ConsumableConfig& c : consumables) {
    if (c.pack.sku.empty() || written.count(c.pack.sku) != 0) continue;
    written.insert(c.pack.sku);  // two consumables of one sku: one error
    s.error("products", "has no Grocy product id for sku " + c.pack.sku + " (consumable '" +
                            c.id + "'): add `" + c.pack.sku + ": <product id>`");
  }
}

}  // namespace

void read_retailer(Section& s, RetailerConfig& out,
                   const std::vector<ConsumableConfig>& consumables) {
  auto kind = s.string("kind", Need::optional, [](std::string_view v) {
    return check_one_of(v, {"sandbox", "webhook", "grocy"});
  });
  if (kind) out.kind = *kind;
  if (auto url = s.string("url", Need::required, check_http_url)) out.url = *url;
  // Grocy answers nothing without its API key; the others may run without one.
  Need key_need = (kind && *kind == "grocy") ? Need::required : Need::optional;
  out.api_key = s.secret("api_key", key_need, check_header_value);
  out.webhook_secret = s.secret("webhook_secret", Need::optional);

  // A bad kind is reported once, not again for each key that depends on it.
  const bool kind_ok = kind || !s.has("kind");
  if (kind_ok && out.kind == "grocy") {
    read_grocy(s, out, consumables);
    return;
  }
  for (const char* key : {"products", "shopping_list_id"}) {
    if (!s.has(key)) continue;
    if (key == std::string_view("products")) {
      s.section(key, Need::optional, [](Section& p) { p.entries(); });
    } else {
      positive_int(s, key);
    }
    if (kind_ok) s.error(key, "is only for kind grocy (this retailer is " + out.kind + ")");
  }
}

}  // namespace larder::config
