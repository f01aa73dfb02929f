#include "orders/guards.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>

#include "larder/texts.h"

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

using larder::Texts;

const Texts& texts(const OrdersConfig& c) { return texts_for(c.locale); }

std::string duration_text(const Texts& t, double seconds) {
  if (seconds < 90) return t("duration.seconds", {t.num("n", std::max(1.0, seconds))});
  if (seconds < 90 * 60) return t("duration.minutes", {t.num("n", seconds / 60)});
  if (seconds < 1.5 * kDay) return t("duration.hours", {t.num("n", seconds / 3600)});
  return t("duration.days", {t.num("n", seconds / kDay)});
}

std::string price_suffix(const OrdersConfig& c, const Order& o) {
  const Texts& t = texts(c);
  return o.quote ? t("event.for_price", {Texts::arg("price", t.money(o.quote->total, o.quote->currency))})
                 : "";
}

std::string money(const OrdersConfig& c, double amount, const std::string& currency) {
  return texts(c).money(amount, currency);
}

// The order limit's period in words: "the last day", "the last 7 days", "the last 1.5
// days"; under a day in hours ("the last 12 hours"), under an hour in minutes. It was
// "{days} days" rounded: "the last 1 days", "the last 0 days" for half a day.
std::string limit_period(const Texts& t, const OrdersConfig& c) {
  const double days = c.max_orders->days;
  if (days >= 1) return t("event.hold.order_limit.days", {t.num("n", days, 1)});
  if (days * 24 >= 1) return t("event.hold.order_limit.hours", {t.num("n", days * 24, 1)});
  const double minutes = std::max(1.0, std::round(days * 1440));
  return t("event.hold.order_limit.minutes", {t.num("n", minutes)});
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
  c.locale = config.household.locale;
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
  // The config check refused a zone that cannot be loaded; were it gone since, UTC.
  if (auto zone = TimeZone::load(config.household.timezone)) c.zone = zone.value();
  if (o.max_orders) c.max_orders = OrderLimit{o.max_orders->count, o.max_orders->days};
  c.combine_within_days = o.combine_within_days;
  c.delivery_method = o.delivery_method;
  c.backoff_initial_s = o.retry.initial_s;
  c.backoff_max_s = o.retry.max_s;
  c.request_timeout_s = o.request_timeout_s;
  c.poll_interval_s = o.poll_interval_s;
  return c;
}

std::optional<Reason> check_quote(const Order& o, const Quote& q) {
  for (const auto& qi : q.items) {
    if (!item_for(o, qi)) return our_reason("order.reason.not_asked_for", {{"sku", qi.sku}});
  }
  for (const auto& it : o.items) {
    int quoted = 0;
    for (const auto& qi : q.items) quoted += item_for(o, qi) == &it ? qi.quantity : 0;
    if (quoted != it.quantity) {
      return our_reason("order.reason.short_quote", {{"quoted", std::to_string(quoted)},
                                                      {"n", std::to_string(it.quantity)},
                                                      {"sku", it.sku}});
    }
  }
  return std::nullopt;
}

Reason our_reason(std::string id, std::vector<std::pair<std::string, std::string>> args) {
  Reason r{{}, Why{std::move(id), std::move(args)}};
  r.text = reason_text(texts_for("en"), r.why.id, r.why);
  return r;
}

std::string reason_text(const Texts& t, const std::string& text, const Why& why) {
  if (why.id.empty() || !t.has(why.id)) return text;
  TextArgs args;
  args.reserve(why.args.size());
  for (const auto& [name, value] : why.args) args.push_back(Texts::arg(name, value));
  return t(why.id, args);
}

bool counts_for_guards(const Order& o) {
  return o.committed_at && o.quote && o.status != OrderStatus::cancelled &&
         o.status != OrderStatus::failed;
}

double guard_horizon(const OrdersConfig& c, double now) {
  double from = std::numeric_limits<double>::infinity();
  if (c.monthly_budget) from = month_start(now, c.zone);
  if (c.max_orders) from = std::min(from, now - c.max_orders->days * kDay);
  return from - kDay;
}

double month_start(double t, const TimeZone& zone) {
  using namespace std::chrono;
  // The local wall clock, written as UTC: its month's first midnight, back to an instant.
  const double local = zone.to_local(t);
  sys_seconds tp{seconds{static_cast<long long>(std::floor(local))}};
  year_month_day ymd{floor<days>(tp)};
  sys_days first{ymd.year() / ymd.month() / 1};
  const auto first_local =
      static_cast<double>(duration_cast<seconds>(first.time_since_epoch()).count());
  // Of two instants with that wall-clock time (the clocks went back at midnight, as in
  // Havana), the earlier starts the month: near a day before both, it is the nearer.
  return zone.from_local(first_local, first_local - kDay);
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
        return Hold{"substitution", texts(c)("event.hold.substitution",
                                             {Texts::arg("sku", qi.sku),
                                              Texts::arg("item", c.name(it->consumable)),
                                              Texts::arg("asked", it->sku)})};
      }
    }
  }
  // Never buy at a price above the one a person said yes to (a 409 price_changed brings a
  // new quote after the confirmation). Each confirmation sets the price anew. A price in
  // another currency than the one confirmed cannot be compared: it asks again.
  const bool other_currency =
      o.confirmed_currency && *o.confirmed_currency != q.currency;
  // Higher as written (Texts::money): in whole minor units, so a price written the same
  // passes and one written a cent, a yen or a fils higher asks.
  auto higher = [&](double price, double confirmed) {
    const auto a = Texts::minor_units(price, q.currency);
    const auto b = Texts::minor_units(confirmed, q.currency);
    return a && b ? *a > *b : price > confirmed;
  };
  if (o.confirmed_total && (other_currency || higher(q.total, *o.confirmed_total))) {
    return Hold{"price_changed",
                texts(c)("event.hold.price_changed",
                         {Texts::arg("items", describe_items(c, o.items)),
                          Texts::arg("from", money(c, *o.confirmed_total,
                                                   o.confirmed_currency.value_or(q.currency))),
                          Texts::arg("to", money(c, q.total, q.currency))})};
  }
  bool has_ceiling = false;
  for (const auto& it : o.items) {
    const auto* cc = c.consumable(it.consumable);
    has_ceiling = has_ceiling || (cc && cc->price_ceiling);
  }
  if (open("currency") && q.currency != c.currency && (has_ceiling || c.monthly_budget)) {
    return Hold{"currency", texts(c)("event.hold.currency",
                                     {Texts::arg("items", describe_items(c, o.items)),
                                      Texts::arg("quoted", q.currency),
                                      Texts::arg("currency", c.currency)})};
  }
  // The ceilings and the budget are in the household's currency: a quote in another one
  // has been confirmed as it is (the currency hold says the limits cannot be checked).
  const bool home_currency = q.currency == c.currency;
  if (open("price_ceiling") && home_currency) {
    for (const auto& qi : q.items) {
      const Item* it = item_for(o, qi);
      const auto* cc = it ? c.consumable(it->consumable) : nullptr;
      if (cc && cc->price_ceiling && qi.unit_price > *cc->price_ceiling) {
        return Hold{"price_ceiling",
                    texts(c)("event.hold.price_ceiling",
                             {Texts::arg("item", c.name(it->consumable)),
                              Texts::arg("price", money(c, qi.unit_price, q.currency)),
                              Texts::arg("ceiling", money(c, *cc->price_ceiling, c.currency))})};
      }
    }
  }
  if (open("budget") && c.monthly_budget && home_currency) {
    double from = month_start(now, c.zone), spent = 0;
    for (const Order* x : others) {
      // An order in another currency is not added as if it were in this one.
      if (x != &o && counts_for_guards(*x) && *x->committed_at >= from &&
          x->quote->currency == c.currency) {
        spent += x->quote->total;
      }
    }
    if (spent + q.total > *c.monthly_budget + 1e-9) {
      return Hold{"budget", texts(c)("event.hold.budget",
                                     {Texts::arg("items", describe_items(c, o.items)),
                                      Texts::arg("price", price_suffix(c, o)),
                                      Texts::arg("budget", money(c, *c.monthly_budget, c.currency)),
                                      Texts::arg("spent", money(c, spent, c.currency))})};
    }
  }
  if (open("order_limit") && c.max_orders) {
    double from = now - c.max_orders->days * kDay;
    int n = 0;
    for (const Order* x : others) {
      n += x != &o && counts_for_guards(*x) && *x->committed_at > from;
    }
    if (n >= c.max_orders->count) {
      const Texts& t = texts(c);
      return Hold{"order_limit", t("event.hold.order_limit",
                                   {t.num("n", n), Texts::arg("period", limit_period(t, c)),
                                    t.num("limit", c.max_orders->count),
                                    Texts::arg("items", describe_items(c, o.items))})};
    }
  }
  return std::nullopt;
}

std::string describe_items(const OrdersConfig& c, const std::vector<Item>& items) {
  const Texts& t = texts(c);
  std::vector<std::string> parts;
  parts.reserve(items.size());
  for (const auto& i : items) {
    parts.push_back(t("order.item", {t.num("n", i.quantity), Texts::arg("item", c.name(i.consumable))}));
  }
  return t.list(parts);
}

namespace {

// The event's text with the order's items and, for `priced` messages, its price.
std::string order_text(const OrdersConfig& c, const Order& o, const char* id, TextArgs more = {}) {
  more.push_back(Texts::arg("items", describe_items(c, o.items)));
  more.push_back(Texts::arg("price", price_suffix(c, o)));
  return texts(c)(id, more);
}

}  // namespace

std::string held_text(const OrdersConfig& c, const Order& o) {
  return order_text(c, o, "event.order_held",
                    {Texts::arg("duration", duration_text(texts(c), o.held_until - o.created))});
}

std::string ask_text(const OrdersConfig& c, const Order& o) { return order_text(c, o, "event.order_ask"); }

std::string placed_text(const OrdersConfig& c, const Order& o, double now) {
  if (o.eta && *o.eta > now) {
    return order_text(c, o, "event.order_placed_eta",
                      {Texts::arg("duration", duration_text(texts(c), *o.eta - now))});
  }
  return order_text(c, o, "event.order_placed");
}

std::string shipped_text(const OrdersConfig& c, const Order& o) {
  return order_text(c, o, "event.order_shipped");
}

std::string delivered_text(const OrdersConfig& c, const Order& o) {
  return order_text(c, o, "event.order_delivered");
}

std::string cancelled_text(const OrdersConfig& c, const Order& o) {
  // A user knows why they cancelled, but not that the retailer may still deliver it.
  const bool may_come = o.reason_why.id == "order.reason.maybe_held" ||
                        o.reason_why.id == "order.reason.maybe_held_refused" ||
                        o.reason_why.id == "order.reason.cancelled_here_only";
  if ((!o.cancelled_by_user || may_come) && !o.reason.empty()) {
    return order_text(c, o, "event.order_cancelled_because",
                      {Texts::arg("reason", reason_text(texts(c), o.reason, o.reason_why))});
  }
  return order_text(c, o, "event.order_cancelled");
}

std::string failed_text(const OrdersConfig& c, const Order& o) {
  return order_text(c, o, "event.order_failed",
                    {Texts::arg("reason", reason_text(texts(c), o.reason, o.reason_why))});
}

std::string uncertain_text(const OrdersConfig& c, const Order& o) {
  return order_text(c, o, "event.order_uncertain",
                    {Texts::arg("reason", reason_text(texts(c), o.last_error, o.last_error_why))});
}

}  // namespace larder::orders
