// The sentences the hub speaks, built from the household's message catalog (the `voice.*`,
// `day.*`, `duration.*`, `amount.*` and `order.*` messages of locales/<language>.json,
// include/larder/texts.h): the wording of every language is in its catalog, never here.
// This class only picks the message and fills its placeholders. Times are epoch seconds
// and days are the household's local ones; prices are spoken ("8 euros 99").
// Thread rule: pure functions of an immutable catalog.
#pragma once

#include <string>
#include <vector>

#include "larder/texts.h"
#include "larder/time_zone.h"
#include "larder/units.h"

namespace larder::voice {

class Phrases {
 public:
  explicit Phrases(const Texts& texts) : t_(texts) {}
  const Texts& texts() const { return t_; }

  std::string list(const std::vector<std::string>& words) const;       // "a, b and c"
  std::string day(double t, double now, const TimeZone& zone) const;     // "today", "Thursday"
  std::string on_day(double t, double now, const TimeZone& zone) const;  // "today", "on Thursday"
  std::string date(double t, const TimeZone& zone) const;              // "Thursday, 24 December"
  std::string days(double days) const;                                  // "about 18 days"
  std::string amount(double value, Unit unit) const;                     // "412 grams"
  std::string price(double amount, const std::string& currency) const;   // "8 euros 99"
  std::string item(int quantity, const std::string& name) const;         // "1 x Coffee beans"
  std::string status(const std::string& status_name) const;              // "on its way"
  static std::string capitalised(std::string s);

  std::string not_understood() const;
  std::string unknown_item(const std::string& heard, const std::vector<std::string>& known) const;
  std::string which_item(const std::vector<std::string>& known) const;
  std::string bad_quantity(int max) const;
  std::string unknown_slot(const std::string& slot) const;
  std::string cannot_serve(const std::string& why) const;  // "Sorry, ..."
  // A refusal in the household's words, by its kind: no_retailer, conflict, not_found,
  // not_recorded (a refill or vacation the hub refused), other.
  std::string refused(const std::string& kind) const;
  std::string cannot_yet() const;                          // "Sorry, I cannot do that yet."
  std::string order_missing(bool with_log_hint) const;     // "Sorry, the order went missing..."
  std::string no_state(const std::string& item) const;
  std::string help(const std::vector<std::string>& known) const;
  std::string not_possible(const std::vector<std::string>& known) const;  // "Sorry, I can't..." + help
  std::string welcome() const;
  std::string goodbye() const;
  std::string card_title() const;

  std::string ask_order(const std::string& items, const std::string& price,
                        const std::string& arrival) const;
  std::string ask_anyway(const std::string& items, const std::string& price,
                         const std::string& hold_reason) const;
  std::string ordering(const std::string& items, const std::string& price,
                       const std::string& arrival, double undo_s) const;
  std::string already_ordered(const std::string& item, const std::string& status,
                              const std::string& arrival) const;
  std::string no_price_in_time() const;
  std::string no_price_yet(const std::string& items) const;
  // An order that waits for a yes, its price not in when the answer cannot wait longer.
  std::string price_later(const std::string& items) const;
  std::string order_failed(const std::string& items, const std::string& reason) const;
  std::string order_cancelled(const std::string& items) const;
  std::string dropped() const;
  std::string nothing_to_confirm() const;
  std::string nothing_to_deny() const;
  std::string several_waiting(const std::vector<std::string>& items) const;
  std::string confirmed(const std::string& items, const std::string& price,
                        const std::string& arrival) const;

  std::string no_order_of(const std::string& item) const;
  std::string no_orders() const;
  std::string which_order(const std::vector<std::string>& items) const;
  std::string cancelled(const std::string& items) const;
  std::string cancel_asked(const std::string& items) const;
  // Cancelled in the hub only: it went to another retailer than the configured one.
  std::string cancelled_here_only(const std::string& items) const;
  // The order talked about has ended: "The order of 1 x Coffee beans is already cancelled."
  std::string order_over(const std::string& items, const std::string& status) const;

  std::string stock_unknown(const std::string& item, const std::string& level) const;
  std::string stock(const std::string& item, const std::string& level, const std::string& left,
                    const std::string& until, int on_hand, bool ordered) const;
  std::string running_low(const std::vector<std::string>& entries) const;
  std::string nothing_low(const std::string& item, const std::string& left) const;
  std::string no_forecasts() const;
  std::string low_entry(const std::string& item, const std::string& left) const;

  std::string refilled(const std::string& item) const;
  std::string arrives(const std::string& items, const std::string& arrival) const;  // "" : on its way
  std::string no_deliveries() const;
  std::string no_delivery_of(const std::string& item) const;
  std::string no_access_granted() const;
  std::string access_revoked(int orders) const;

  // Vacation mode; `date` as date() writes it.
  std::string vacation_started(const std::string& date) const;
  std::string vacation_started_open() const;
  std::string vacation_ended() const;
  std::string vacation_not_on() const;       // nothing to switch off
  std::string vacation_on_until(const std::string& date) const;
  std::string vacation_on_open() const;
  std::string vacation_off() const;
  std::string bad_date(const std::string& heard) const;        // nothing was changed
  std::string date_not_future(const std::string& date) const;  // nothing was changed

  // Arrival phrases for order sentences.
  std::string arriving(const std::string& day) const;  // "arriving on Thursday"
  std::string arriving_in(double days) const;          // "arriving in about 2 days"

 private:
  std::string price_part(const std::string& price) const;    // " for €8.99", or ""
  std::string arrival_part(const std::string& arrival) const;  // ", arriving ...", or ""
  const Texts& t_;
};

}  // namespace larder::voice
