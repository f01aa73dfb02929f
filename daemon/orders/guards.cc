#include "orders/guards.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>

namespace larder::orders {

namespace {

constexpr double kDay = 86400;

// The order's item a quote line stands for: the same sku, or the one it substitutes.
const Item* item_for(const Order& o, const QuoteItem& qi) {
  const std::string& sku = qi.substitute_for ? *qi.substitute_for : qi.sku;
  for (const auto& i : o.items) {
    if (i.sku == sku) return &i;
  }
  return nullptr;
}

bool counts(const Order& o) {
  return o.committed_at && o.quote && o.status != OrderStatus::cancelled &&
         o.status != OrderStatus::failed;
}

std::string number(double v, int decimals) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

std::string duration_text(double seconds) {
  if (seconds < 90) return number(std::max(1.0, std::round(seconds)), 0) + " seconds";
  if (seconds < 90 * 60) return number(std::round(seconds / 60), 0) + " minutes";
  if (seconds < 1.5 * kDay) return number(std::round(seconds / 3600), 0) + " hours";
  return number(std::round(seconds / kDay), 0) + " days";
}

std::string price_suffix(const Order& o) {
  return o.quote ? " for " + money(o.quote->total, o.quote->currency) : "";
}

}  // namespace

const SourcePolicy& OrdersConfig::policy(Source s) const {
  switch (s) {
    case Source::sensor:
      return sensor;
    case Source::button:
      return button;
    case Source::voice:
      return voice;
    case Source::api:
      return api;
    case Source::cli:
      return cli;
  }
  return api;
}

const ConsumableOrderConfig* OrdersConfig::consumable(std::string_view id) const {
  auto it = consumables.find(id);
  return it == consumables.end() ? nullptr : &it->second;
}

std::string OrdersConfig::name(const std::string& id) const {
  const auto* c = consumable(id);
  return c && !c->name.empty() ? c->name : id;
}

OrdersConfig orders_config_from(const Config& config) {
  const OrdersSettings& o = config.orders;
  OrdersConfig c;
  c.currency = config.household.currency;
  c.sensor.undo_window_s = o.undo_window_s.sensor;
  c.button.undo_window_s = o.undo_window_s.button;
  c.voice.undo_window_s = o.undo_window_s.voice;
  c.api.undo_window_s = o.undo_window_s.api;
  c.cli.undo_window_s = o.undo_window_s.cli;
  c.voice.ask_first = o.confirm_voice;
  for (const auto& k : config.consumables) {
    ConsumableOrderConfig& cc = c.consumables[k.id];
    cc.name = k.name;
    cc.price_ceiling = k.price_ceiling;
    cc.allow_substitution = k.allow_substitution;
  }
  c.monthly_budget = o.monthly_budget;
  if (o.max_orders) c.max_orders = OrderLimit{o.max_orders->count, o.max_orders->days};
  c.combine_within_days = o.combine_within_days;
  c.delivery_method = o.delivery_method;
  c.backoff_initial_s = o.retry.initial_s;
  c.backoff_max_s = o.retry.max_s;
  c.request_timeout_s = o.request_timeout_s;
  c.poll_interval_s = o.poll_interval_s;
  return c;
}

Status check_quote(const Order& o, const Quote& q) {
  for (const auto& qi : q.items) {
    const Item* it = item_for(o, qi);
    if (!it) return Status::Error("the retailer quoted " + qi.sku + ", which was not asked for");
  }
  for (const auto& it : o.items) {
    int quoted = 0;
    for (const auto& qi : q.items) quoted += item_for(o, qi) == &it ? qi.quantity : 0;
    if (quoted != it.quantity) {
      return Status::Error("the retailer offers " + std::to_string(quoted) + " of the " +
                           std::to_string(it.quantity) + " x " + it.sku + " asked for");
    }
  }
  return Status::Ok();
}

double month_start_utc(double t) {
  using namespace std::chrono;
  sys_seconds tp{seconds{static_cast<long long>(std::floor(t))}};
  year_month_day ymd{floor<days>(tp)};
  sys_days first{ymd.year() / ymd.month() / 1};
  return static_cast<double>(duration_cast<seconds>(first.time_since_epoch()).count());
}

std::optional<Hold> check_guards(const OrdersConfig& c, const Order& o,
                                 const std::vector<const Order*>& others, double now) {
  if (!o.quote) return std::nullopt;
  const Quote& q = *o.quote;
  auto open = [&](const char* reason) { return o.overrides.count(reason) == 0; };

  if (open("substitution")) {
    for (const auto& qi : q.items) {
      if (!qi.substitute_for) continue;
      const Item* it = item_for(o, qi);
      const auto* cc = it ? c.consumable(it->consumable) : nullptr;
      if (it && !(cc && cc->allow_substitution)) {
        return Hold{"substitution", "The retailer offers " + qi.sku + " instead of " +
                                        c.name(it->consumable) + " (" + it->sku +
                                        "). Confirm to accept it."};
      }
    }
  }
  // Never buy at a price above the one a person said yes to (a 409 price_changed brings a
  // new quote after the confirmation). Each confirmation sets the price anew.
  if (o.confirmed_total && q.total > *o.confirmed_total + 0.005) {
    return Hold{"price_changed", "The price of " + describe_items(c, o.items) + " rose from " +
                                     money(*o.confirmed_total, q.currency) + " to " +
                                     money(q.total, q.currency) + ". Confirm to order it."};
  }
  bool has_ceiling = false;
  for (const auto& it : o.items) {
    const auto* cc = c.consumable(it.consumable);
    has_ceiling = has_ceiling || (cc && cc->price_ceiling);
  }
  if (open("currency") && q.currency != c.currency && (has_ceiling || c.monthly_budget)) {
    return Hold{"currency", "The retailer quotes " + describe_items(c, o.items) + " in " +
                                q.currency + ", not " + c.currency +
                                ", so the price limits cannot be checked. Confirm to order it."};
  }
  if (open("price_ceiling")) {
    for (const auto& qi : q.items) {
      const Item* it = item_for(o, qi);
      const auto* cc = it ? c.consumable(it->consumable) : nullptr;
      if (cc && cc->price_ceiling && qi.unit_price > *cc->price_ceiling) {
        return Hold{"price_ceiling",
                    c.name(it->consumable) + " costs " + money(qi.unit_price, q.currency) +
                        ", above the ceiling of " + money(*cc->price_ceiling, c.currency) +
                        ". Confirm to order it anyway."};
      }
    }
  }
  if (open("budget") && c.monthly_budget) {
    double from = month_start_utc(now), spent = 0;
    for (const Order* x : others) {
      if (x != &o && counts(*x) && *x->committed_at >= from) spent += x->quote->total;
    }
    if (spent + q.total > *c.monthly_budget + 1e-9) {
      return Hold{"budget", "Ordering " + describe_items(c, o.items) + price_suffix(o) +
                                " would pass this month's budget of " +
                                money(*c.monthly_budget, c.currency) + " (" +
                                money(spent, c.currency) + " spent). Confirm to order it anyway."};
    }
  }
  if (open("order_limit") && c.max_orders) {
    double from = now - c.max_orders->days * kDay;
    int n = 0;
    for (const Order* x : others) n += x != &o && counts(*x) && *x->committed_at > from;
    if (n >= c.max_orders->count) {
      return Hold{"order_limit", std::to_string(n) + " orders were placed in the last " +
                                     number(c.max_orders->days, 0) + " days, the limit is " +
                                     std::to_string(c.max_orders->count) + ". Confirm to order " +
                                     describe_items(c, o.items) + " anyway."};
    }
  }
  return std::nullopt;
}

std::string describe_items(const OrdersConfig& c, const std::vector<Item>& items) {
  std::string s;
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i > 0) s += i + 1 == items.size() ? " and " : ", ";
    s += std::to_string(items[i].quantity) + " x " + c.name(items[i].consumable);
  }
  return s;
}

std::string money(double amount, const std::string& currency) {
  return number(amount, 2) + " " + currency;
}

std::string held_text(const OrdersConfig& c, const Order& o) {
  return "Ordering " + describe_items(c, o.items) + price_suffix(o) + " in " +
         duration_text(o.held_until - o.created) + ". Cancel to stop it.";
}

std::string ask_text(const OrdersConfig& c, const Order& o) {
  return "Shall I order " + describe_items(c, o.items) + price_suffix(o) + "?";
}

std::string placed_text(const OrdersConfig& c, const Order& o, double now) {
  std::string s = "Ordered " + describe_items(c, o.items) + price_suffix(o);
  if (o.eta && *o.eta > now) s += ", arriving in about " + duration_text(*o.eta - now);
  return s + ".";
}

std::string shipped_text(const OrdersConfig& c, const Order& o) {
  return "The order of " + describe_items(c, o.items) + " has shipped.";
}

std::string delivered_text(const OrdersConfig& c, const Order& o) {
  return "The order of " + describe_items(c, o.items) + " was delivered.";
}

std::string cancelled_text(const OrdersConfig& c, const Order& o) {
  std::string s = "The order of " + describe_items(c, o.items) + " is cancelled";
  if (!o.cancelled_by_user && !o.reason.empty()) s += ": " + o.reason;
  return s + ".";
}

std::string failed_text(const OrdersConfig& c, const Order& o) {
  return "The order of " + describe_items(c, o.items) + " failed: " + o.reason + ".";
}

}  // namespace larder::orders
