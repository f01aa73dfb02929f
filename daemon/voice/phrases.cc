#include "voice/phrases.h"

#include <array>
#include <cmath>
#include <ctime>

namespace larder::voice::phrases {
namespace {

constexpr std::array<const char*, 7> kWeekdays = {"Sunday",   "Monday", "Tuesday", "Wednesday",
                                                  "Thursday", "Friday", "Saturday"};
constexpr std::array<const char*, 12> kMonths = {"January", "February", "March",     "April",
                                                 "May",     "June",     "July",      "August",
                                                 "September", "October", "November", "December"};

// The local calendar day of `t` as days since the epoch, and its broken-down form.
long local_day(double t, const TimeZone& zone, std::tm* out) {
  double local = zone.to_local(t);
  auto secs = static_cast<std::time_t>(std::floor(local));
  gmtime_r(&secs, out);
  return static_cast<long>(std::floor(local / 86400.0));
}

std::string number(double v) {
  double r = std::round(v * 10) / 10;
  if (std::fabs(r - std::round(r)) < 1e-9) return std::to_string(static_cast<long long>(std::round(r)));
  std::string s = std::to_string(r);
  return s.substr(0, s.find('.') + 2);
}

}  // namespace

std::string list(const std::vector<std::string>& words) {
  std::string s;
  for (std::size_t i = 0; i < words.size(); ++i) {
    if (i > 0) s += i + 1 == words.size() ? " and " : ", ";
    s += words[i];
  }
  return s;
}

std::string day(double t, double now, const TimeZone& zone) {
  std::tm then{}, today{};
  long d = local_day(t, zone, &then) - local_day(now, zone, &today);
  if (d <= 0) return "today";
  if (d == 1) return "tomorrow";
  if (d < 7) return kWeekdays[static_cast<std::size_t>(then.tm_wday)];
  return std::to_string(then.tm_mday) + " " + kMonths[static_cast<std::size_t>(then.tm_mon)];
}

std::string on_day(double t, double now, const TimeZone& zone) {
  std::string d = day(t, now, zone);
  return d == "today" || d == "tomorrow" ? d : "on " + d;
}

std::string days(double d) {
  if (d < 1) return "less than a day";
  long n = std::lround(d);
  return "about " + std::to_string(n) + (n == 1 ? " day" : " days");
}

std::string amount(double value, Unit unit) {
  std::string n = number(value);
  bool one = n == "1";
  switch (unit) {
    case Unit::g: return n + (one ? " gram" : " grams");
    case Unit::kg: return n + (one ? " kilogram" : " kilograms");
    case Unit::ml: return n + (one ? " millilitre" : " millilitres");
    case Unit::l: return n + (one ? " litre" : " litres");
    case Unit::pcs: return n + (one ? " piece" : " pieces");
    case Unit::percent: return n + " percent";
  }
  return n;
}

std::string capitalised(std::string s) {
  if (!s.empty() && s[0] >= 'a' && s[0] <= 'z') s[0] = static_cast<char>(s[0] - 'a' + 'A');
  return s;
}

std::string not_understood() { return "Sorry, I did not catch that. Please say it again."; }

std::string unknown_item(const std::string& heard, const std::vector<std::string>& known) {
  if (known.empty()) return "Sorry, I don't know " + heard + ", and no items are set up yet.";
  return "Sorry, I don't know " + heard + ". I know " + list(known) + ".";
}

std::string which_item(const std::vector<std::string>& known) {
  if (known.empty()) return "Sorry, no items are set up yet.";
  return "Which item? I know " + list(known) + ".";
}

std::string unknown_slot(const std::string& slot) {
  return "Sorry, I don't know what " + slot + " means in that request. Nothing was done.";
}

std::string bad_quantity() { return "Sorry, I can order 1 to 20 packs at a time."; }

std::string cannot_serve(const std::string& why) { return "Sorry, " + why + "."; }

std::string help(const std::vector<std::string>& known) {
  std::string s =
      "You can say: order more coffee, what is running low, when does my order arrive, "
      "or cancel that.";
  if (!known.empty()) s += " I know " + list(known) + ".";
  return s;
}

std::string not_possible(const std::vector<std::string>& known) {
  return "Sorry, I can't do that. " + help(known);
}

std::string welcome() { return "Larder here. What do you need?"; }
std::string goodbye() { return "Goodbye."; }

std::string ask_order(const std::string& items, const std::string& price,
                      const std::string& arrival) {
  return "Shall I order " + items + (price.empty() ? "" : " for " + price) +
         (arrival.empty() ? "" : ", " + arrival) + "?";
}

std::string ask_anyway(const std::string& items, const std::string& price,
                       const std::string& hold_reason) {
  std::string why = hold_reason == "price_ceiling"  ? "the price is above your limit"
                    : hold_reason == "budget"        ? "it would go over the monthly budget"
                    : hold_reason == "order_limit"   ? "the limit of orders is reached"
                    : hold_reason == "substitution"  ? "the shop offers a substitute"
                    : hold_reason == "price_changed" ? "the price has changed"
                    : hold_reason == "currency"      ? "the shop's price is in another currency"
                                                     : "it needs your confirmation";
  return capitalised(items) + (price.empty() ? "" : " for " + price) + " waits: " + why +
         ". Shall I order it anyway?";
}

std::string ordering(const std::string& items, const std::string& price,
                     const std::string& arrival, double undo_s) {
  std::string s = "Ordering " + items + (price.empty() ? "" : " for " + price) +
                  (arrival.empty() ? "" : ", " + arrival) + ".";
  if (undo_s > 0) s += " Say cancel that to stop it.";
  return s;
}

std::string already_ordered(const std::string& item, const std::string& status,
                            const std::string& arrival) {
  return capitalised(item) + " is already ordered and " + status +
         (arrival.empty() ? "" : ", " + arrival) + ".";
}

std::string no_price_in_time() {
  return "Sorry, the shop did not answer in time. Nothing was ordered.";
}

std::string no_price_yet(const std::string& items) {
  return "Ordering " + items + ". The shop has not confirmed the price yet.";
}

std::string order_failed(const std::string& items, const std::string& reason) {
  return "Sorry, " + items + " could not be ordered" + (reason.empty() ? "" : ": " + reason) + ".";
}

std::string order_cancelled(const std::string& items) {
  return "The order of " + items + " was cancelled.";
}

std::string dropped() { return "OK, nothing is ordered."; }
std::string nothing_to_confirm() { return "There is nothing waiting for a yes."; }
std::string nothing_to_deny() { return "There is nothing waiting for an answer."; }

std::string several_waiting(const std::vector<std::string>& items) {
  return "Several orders wait for a yes: " + list(items) + ". Please confirm them in the app.";
}

std::string confirmed(const std::string& items, const std::string& price,
                      const std::string& arrival) {
  return "OK, ordering " + items + (price.empty() ? "" : " for " + price) +
         (arrival.empty() ? "" : ", " + arrival) + ".";
}

std::string no_order_of(const std::string& item) { return "There is no " + item + " order to cancel."; }
std::string no_orders() { return "There is no order to cancel."; }

std::string which_order(const std::vector<std::string>& items) {
  return "Which order? " + capitalised(list(items)) + "?";
}

std::string cancelled(const std::string& items) { return "The order of " + items + " is cancelled."; }

std::string cancel_asked(const std::string& items) {
  return "I asked the shop to cancel the order of " + items + ".";
}

std::string stock_unknown(const std::string& item, const std::string& level) {
  std::string s = "I don't know yet how fast " + item + " is used.";
  if (!level.empty()) s += " " + capitalised(level) + " are left.";
  return s;
}

std::string stock(const std::string& item, const std::string& level, const std::string& left,
                  const std::string& until, int on_hand, bool ordered) {
  std::string s = capitalised(item) + ": ";
  s += level.empty() ? "no reading yet" : level + " left";
  if (on_hand > 0) s += " and " + std::to_string(on_hand) + (on_hand == 1 ? " pack" : " packs") + " on the shelf";
  s += ", enough for " + left + (until.empty() ? "" : ", until " + until) + ".";
  if (ordered) s += " An order is on its way.";
  return s;
}

std::string low_entry(const std::string& item, const std::string& left) {
  return item + ", " + left + " left";
}

std::string running_low(const std::vector<std::string>& entries) {
  return "Running low: " + list(entries) + ".";
}

std::string nothing_low(const std::string& item, const std::string& left) {
  return "Nothing is running low. The first to run out is " + item + ", in " + left + ".";
}

std::string no_forecasts() { return "I don't know yet: no item has enough data."; }
std::string refilled(const std::string& item) { return "Noted: " + item + " is refilled."; }

std::string arrives(const std::string& items, const std::string& arrival) {
  return "The order of " + items + " is " + arrival + ".";
}

std::string no_deliveries() { return "No delivery is on the way."; }
std::string no_delivery_of(const std::string& item) { return "No " + item + " order is on the way."; }
std::string no_access_granted() { return "No trunk access is granted at the moment."; }
std::string access_revoked(int orders) {
  return orders == 1 ? "Trunk access is revoked; the delivery goes to the doorstep."
                     : "Trunk access is revoked for " + std::to_string(orders) +
                           " deliveries; they go to the doorstep.";
}

std::string arriving(const std::string& day) { return "arriving " + day; }

std::string arriving_in(double d) { return "arriving in " + days(d); }

}  // namespace larder::voice::phrases
