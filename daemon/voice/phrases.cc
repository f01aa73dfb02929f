#include "voice/phrases.h"

#include <cmath>
#include <ctime>

namespace larder::voice {
namespace {

// The local calendar day of `t` as days since the epoch, and its broken-down form.
long local_day(double t, const TimeZone& zone, std::tm* out) {
  double local = zone.to_local(t);
  auto secs = static_cast<std::time_t>(std::floor(local));
  gmtime_r(&secs, out);
  return static_cast<long>(std::floor(local / 86400.0));
}

TextArg arg(std::string name, std::string value) { return Texts::arg(std::move(name), std::move(value)); }

}  // namespace

std::string Phrases::list(const std::vector<std::string>& words) const { return t_.list(words); }

std::string Phrases::day(double t, double now, const TimeZone& zone) const {
  std::tm then{}, today{};
  long d = local_day(t, zone, &then) - local_day(now, zone, &today);
  if (d <= 0) return t_("day.today");
  if (d == 1) return t_("day.tomorrow");
  if (d < 7) return t_.weekday(then.tm_wday);
  return t_.day_month(then.tm_mday, then.tm_mon);
}

std::string Phrases::on_day(double t, double now, const TimeZone& zone) const {
  std::string d = day(t, now, zone);
  return d == t_("day.today") || d == t_("day.tomorrow") ? d : t_("day.on", {arg("day", d)});
}

std::string Phrases::date(double t, const TimeZone& zone) const {
  std::tm then{};
  local_day(t, zone, &then);
  return t_("day.weekday_date",
            {arg("weekday", t_.weekday(then.tm_wday)), arg("date", t_.day_month(then.tm_mday, then.tm_mon))});
}

std::string Phrases::days(double d) const {
  if (d < 1) return t_("duration.less_than_a_day");
  return t_("duration.about_days", {t_.num("n", std::round(d))});
}

std::string Phrases::amount(double value, Unit unit) const {
  const char* id = "amount.pcs";
  switch (unit) {
    case Unit::g: id = "amount.g"; break;
    case Unit::kg: id = "amount.kg"; break;
    case Unit::ml: id = "amount.ml"; break;
    case Unit::l: id = "amount.l"; break;
    case Unit::pcs: id = "amount.pcs"; break;
    case Unit::percent: id = "amount.percent"; break;
  }
  return t_(id, {t_.num("n", value, 1)});
}

std::string Phrases::price(double amount, const std::string& currency) const {
  return t_.spoken_money(amount, currency);
}

std::string Phrases::item(int quantity, const std::string& name) const {
  return t_("order.item", {t_.num("n", quantity), arg("item", name)});
}

std::string Phrases::status(const std::string& status_name) const {
  return t_("order.status." + status_name);
}

std::string Phrases::capitalised(std::string s) {
  if (!s.empty() && s[0] >= 'a' && s[0] <= 'z') s[0] = static_cast<char>(s[0] - 'a' + 'A');
  return s;
}

std::string Phrases::not_understood() const { return t_("voice.not_understood"); }

std::string Phrases::unknown_item(const std::string& heard, const std::vector<std::string>& known) const {
  if (known.empty()) return t_("voice.unknown_item_none", {arg("heard", heard)});
  return t_("voice.unknown_item", {arg("heard", heard), arg("known", list(known))});
}

std::string Phrases::which_item(const std::vector<std::string>& known) const {
  if (known.empty()) return t_("voice.no_items");
  return t_("voice.which_item", {arg("known", list(known))});
}

std::string Phrases::unknown_slot(const std::string& slot) const {
  return t_("voice.unknown_slot", {arg("slot", slot)});
}

std::string Phrases::bad_quantity(int max) const { return t_("voice.bad_quantity", {t_.num("max", max)}); }

std::string Phrases::cannot_serve(const std::string& why) const { return t_("voice.sorry", {arg("why", why)}); }
std::string Phrases::refused(const std::string& kind) const {
  return cannot_serve(t_("voice.refused." + kind));
}
std::string Phrases::cannot_yet() const { return cannot_serve(t_("voice.cannot_yet")); }
std::string Phrases::order_missing(bool with_log_hint) const {
  return cannot_serve(t_(with_log_hint ? "voice.order_missing" : "voice.order_missing_short"));
}
std::string Phrases::no_state(const std::string& item) const {
  return cannot_serve(t_("voice.no_state", {arg("item", item)}));
}

std::string Phrases::help(const std::vector<std::string>& known) const {
  if (known.empty()) return t_("voice.help");
  return t_("voice.help_items", {arg("known", list(known))});
}

std::string Phrases::not_possible(const std::vector<std::string>& known) const {
  return t_("voice.not_possible", {arg("help", help(known))});
}

std::string Phrases::welcome() const { return t_("voice.welcome"); }
std::string Phrases::goodbye() const { return t_("voice.goodbye"); }
std::string Phrases::card_title() const { return t_("voice.card_title"); }

std::string Phrases::price_part(const std::string& price) const {
  return price.empty() ? "" : t_("voice.for_price", {arg("price", price)});
}

std::string Phrases::arrival_part(const std::string& arrival) const {
  return arrival.empty() ? "" : t_("voice.then_arrival", {arg("arrival", arrival)});
}

std::string Phrases::ask_order(const std::string& items, const std::string& price,
                               const std::string& arrival) const {
  return t_("voice.ask_order", {arg("items", items), arg("price", price_part(price)),
                                arg("arrival", arrival_part(arrival))});
}

std::string Phrases::ask_anyway(const std::string& items, const std::string& price,
                                const std::string& hold_reason) const {
  std::string id = "voice.why." + hold_reason;
  std::string why = t_.has(id) ? t_(id) : t_("voice.why.other");
  return t_("voice.ask_anyway", {arg("items", capitalised(items)), arg("price", price_part(price)),
                                 arg("why", why)});
}

std::string Phrases::ordering(const std::string& items, const std::string& price,
                              const std::string& arrival, double undo_s) const {
  std::string s = t_("voice.ordering", {arg("items", items), arg("price", price_part(price)),
                                        arg("arrival", arrival_part(arrival))});
  if (undo_s > 0) s += " " + t_("voice.say_cancel");
  return s;
}

std::string Phrases::already_ordered(const std::string& item, const std::string& status,
                                     const std::string& arrival) const {
  return t_("voice.already_ordered", {arg("item", capitalised(item)), arg("status", status),
                                      arg("arrival", arrival_part(arrival))});
}

std::string Phrases::no_price_in_time() const { return t_("voice.no_price_in_time"); }

std::string Phrases::no_price_yet(const std::string& items) const {
  return t_("voice.no_price_yet", {arg("items", items)});
}

std::string Phrases::price_later(const std::string& items) const {
  return t_("voice.price_later", {arg("items", items)});
}

std::string Phrases::order_failed(const std::string& items, const std::string& reason) const {
  if (reason.empty()) return t_("voice.order_failed", {arg("items", items)});
  return t_("voice.order_failed_because", {arg("items", items), arg("reason", reason)});
}

std::string Phrases::order_cancelled(const std::string& items) const {
  return t_("voice.order_was_cancelled", {arg("items", items)});
}

std::string Phrases::dropped() const { return t_("voice.dropped"); }
std::string Phrases::nothing_to_confirm() const { return t_("voice.nothing_to_confirm"); }
std::string Phrases::nothing_to_deny() const { return t_("voice.nothing_to_deny"); }

std::string Phrases::several_waiting(const std::vector<std::string>& items) const {
  return t_("voice.several_waiting", {arg("items", list(items))});
}

std::string Phrases::confirmed(const std::string& items, const std::string& price,
                               const std::string& arrival) const {
  return t_("voice.confirmed", {arg("items", items), arg("price", price_part(price)),
                                arg("arrival", arrival_part(arrival))});
}

std::string Phrases::no_order_of(const std::string& item) const {
  return t_("voice.no_order_of", {arg("item", item)});
}
std::string Phrases::no_orders() const { return t_("voice.no_orders"); }

std::string Phrases::which_order(const std::vector<std::string>& items) const {
  return t_("voice.which_order", {arg("orders", capitalised(list(items)))});
}

std::string Phrases::cancelled(const std::string& items) const {
  return t_("voice.cancelled", {arg("items", items)});
}

std::string Phrases::order_over(const std::string& items, const std::string& status) const {
  return t_("voice.order_over", {arg("items", items), arg("status", status)});
}

std::string Phrases::cancel_asked(const std::string& items) const {
  return t_("voice.cancel_asked", {arg("items", items)});
}

std::string Phrases::cancelled_here_only(const std::string& items) const {
  return t_("voice.cancelled_here_only", {arg("items", items)});
}

std::string Phrases::stock_unknown(const std::string& item, const std::string& level) const {
  if (level.empty()) return t_("voice.stock_unknown", {arg("item", item)});
  return t_("voice.stock_unknown_level", {arg("item", item), arg("level", level)});
}

std::string Phrases::stock(const std::string& item, const std::string& level, const std::string& left,
                           const std::string& until, int on_hand, bool ordered) const {
  std::string s = t_(
      "voice.stock",
      {arg("item", capitalised(item)),
       arg("level", level.empty() ? t_("voice.no_reading") : t_("voice.level_left", {arg("level", level)})),
       arg("shelf", on_hand > 0 ? t_("voice.on_shelf", {t_.num("n", on_hand)}) : ""),
       arg("left", left), arg("until", until.empty() ? "" : t_("voice.until", {arg("day", until)}))});
  if (ordered) s += " " + t_("voice.order_on_its_way");
  return s;
}

std::string Phrases::low_entry(const std::string& item, const std::string& left) const {
  return t_("voice.low_entry", {arg("item", item), arg("left", left)});
}

std::string Phrases::running_low(const std::vector<std::string>& entries) const {
  return t_("voice.running_low", {arg("items", list(entries))});
}

std::string Phrases::nothing_low(const std::string& item, const std::string& left) const {
  return t_("voice.nothing_low", {arg("item", item), arg("left", left)});
}

std::string Phrases::no_forecasts() const { return t_("voice.no_forecasts"); }
std::string Phrases::refilled(const std::string& item) const { return t_("voice.refilled", {arg("item", item)}); }

std::string Phrases::arrives(const std::string& items, const std::string& arrival) const {
  return t_("voice.arrives",
            {arg("items", items), arg("arrival", arrival.empty() ? t_("voice.on_its_way") : arrival)});
}

std::string Phrases::no_deliveries() const { return t_("voice.no_deliveries"); }
std::string Phrases::no_delivery_of(const std::string& item) const {
  return t_("voice.no_delivery_of", {arg("item", item)});
}
std::string Phrases::no_access_granted() const { return t_("voice.no_access_granted"); }
std::string Phrases::access_revoked(int orders) const {
  return t_("voice.access_revoked", {t_.num("n", orders)});
}

std::string Phrases::vacation_started(const std::string& date) const {
  return t_("voice.vacation_started", {arg("date", date)});
}
std::string Phrases::vacation_started_open() const { return t_("voice.vacation_started_open"); }
std::string Phrases::vacation_ended() const { return t_("voice.vacation_ended"); }
std::string Phrases::vacation_not_on() const { return t_("voice.vacation_not_on"); }
std::string Phrases::vacation_on_until(const std::string& date) const {
  return t_("voice.vacation_on_until", {arg("date", date)});
}
std::string Phrases::vacation_on_open() const { return t_("voice.vacation_on_open"); }
std::string Phrases::vacation_off() const { return t_("voice.vacation_off"); }
std::string Phrases::bad_date(const std::string& heard) const {
  return t_("voice.bad_date", {arg("heard", heard)});
}
std::string Phrases::date_not_future(const std::string& date) const {
  return t_("voice.date_not_future", {arg("date", date)});
}

std::string Phrases::arriving(const std::string& day) const { return t_("voice.arriving", {arg("day", day)}); }

std::string Phrases::arriving_in(double d) const { return t_("voice.arriving_in", {arg("days", days(d))}); }

}  // namespace larder::voice
