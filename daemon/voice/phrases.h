// The words the hub speaks, in one place (English; issue 10 adds languages here, not in
// the conversation's logic). Every function is pure; times are epoch seconds and days
// are the household's local ones.
#pragma once

#include <string>
#include <vector>

#include "larder/time_zone.h"
#include "larder/units.h"

namespace larder::voice::phrases {

std::string list(const std::vector<std::string>& words);        // "a, b and c"
std::string day(double t, double now, const TimeZone& zone);     // "today", "Thursday"
std::string on_day(double t, double now, const TimeZone& zone);  // "today", "on Thursday"
std::string days(double days);                                  // "about 18 days"
std::string amount(double value, Unit unit);                     // "412 grams"
std::string capitalised(std::string s);

std::string not_understood();
std::string unknown_item(const std::string& heard, const std::vector<std::string>& known);
std::string which_item(const std::vector<std::string>& known);
std::string bad_quantity();
std::string unknown_slot(const std::string& slot);
std::string cannot_serve(const std::string& why);                // "Sorry, ..."
std::string help(const std::vector<std::string>& known);
std::string not_possible(const std::vector<std::string>& known);  // "Sorry, I can't..." + help
std::string welcome();
std::string goodbye();

std::string ask_order(const std::string& items, const std::string& price,
                      const std::string& arrival);
std::string ask_anyway(const std::string& items, const std::string& price,
                       const std::string& hold_reason);
std::string ordering(const std::string& items, const std::string& price,
                     const std::string& arrival, double undo_s);
std::string already_ordered(const std::string& item, const std::string& status,
                            const std::string& arrival);
std::string no_price_in_time();
std::string no_price_yet(const std::string& items);
std::string order_failed(const std::string& items, const std::string& reason);
std::string order_cancelled(const std::string& items);
std::string dropped();
std::string nothing_to_confirm();
std::string nothing_to_deny();
std::string several_waiting(const std::vector<std::string>& items);
std::string confirmed(const std::string& items, const std::string& price,
                      const std::string& arrival);

std::string no_order_of(const std::string& item);
std::string no_orders();
std::string which_order(const std::vector<std::string>& items);
std::string cancelled(const std::string& items);
std::string cancel_asked(const std::string& items);

std::string stock_unknown(const std::string& item, const std::string& level);
std::string stock(const std::string& item, const std::string& level, const std::string& left,
                  const std::string& until, int on_hand, bool ordered);
std::string running_low(const std::vector<std::string>& entries);  // "detergent in about 3 days"
std::string nothing_low(const std::string& item, const std::string& left);
std::string no_forecasts();
std::string low_entry(const std::string& item, const std::string& left);

std::string refilled(const std::string& item);
std::string arrives(const std::string& items, const std::string& arrival);
std::string no_deliveries();
std::string no_delivery_of(const std::string& item);
std::string no_access_granted();
std::string access_revoked(int orders);  // "Trunk access is revoked; the delivery goes to ..."

// Arrival phrases for order sentences.
std::string arriving(const std::string& day);                    // "arriving on Thursday"
std::string arriving_in(double days);                            // "arriving in about 2 days"

}  // namespace larder::voice::phrases
