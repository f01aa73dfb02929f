// What the retailer adapters read from a retailer's answers, apart from the network I/O
// (retailer_answers.cc, no cpprestsdk): the sandbox's answers mapped onto the port's
// outcomes (shared/contract/retailer-v1.md), and Grocy's shopping list rows. The adapters
// (sandbox_retailer.cc, grocy_retailer.cc) call these on each HttpReply; fuzz/retailer_answer.cc
// drives them with arbitrary answers.
// Thread rule: pure functions.
#pragma once

#include <optional>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "adapters/retailer/retailer_http.h"
#include "orders/retailer.h"

namespace larder::retailer {

namespace sandbox {

// `j[key]` as a window {"start","end"} of finite numbers with end >= start, or nothing.
std::optional<orders::Window> window_at(const nlohmann::json& j, const char* key);

// An order's optional "eta" and "window" in `j` (POST /v1/orders, GET /v1/orders/<id>). A
// value that is there, not null, and not what the contract allows (finite epoch seconds; a
// window as above) is left out; the text returned names it, for the log ("" if none was).
std::string timing_at(const nlohmann::json& j, std::optional<double>& eta,
                      std::optional<orders::Window>& window);
// The answers to POST /v1/quotes, POST /v1/orders, POST .../cancel, GET /v1/orders/<id>
// and PUT .../delivery (whose reasons never quote `code`, the trunk's code sent with it).
orders::QuoteOutcome quote_outcome(const HttpReply& r);
orders::PlaceResult place_result(const HttpReply& r);
orders::CancelResult cancel_result(const HttpReply& r);
orders::StatusOutcome status_outcome(const HttpReply& r);
orders::DeliveryChangeOutcome delivery_outcome(const HttpReply& r,
                                               const std::optional<std::string>& code);
// `text` with every occurrence of `secret` replaced by "[code]".
std::string without(std::string text, const std::optional<std::string>& secret);

}  // namespace sandbox

namespace grocy {

// One row of an order on the list: a Grocy product id and how many.
struct Line {
  int product_id = 0;
  int amount = 0;
};

// `row[key]` as a whole number: Grocy writes numbers, or (older versions) numbers as
// strings (at most 18 digits); a boolean is 0 or 1, a number with a fraction or exponent
// is cut to a whole number (nothing beyond +-2^53). Nothing for anything else.
std::optional<long long> integer_at(const nlohmann::json& row, const char* key);
// The products of `lines` that the list's `rows` (GET /api/objects/shopping_list's
// answer) still hold with `note` on list `list_id`, not ticked off.
std::set<int> open_on_list(const nlohmann::json& rows, int list_id, const std::string& note,
                           const std::vector<Line>& lines);
// The rows still open (not ticked off) with `note` on list `list_id`, as an order's lines
// (product ids 1 to 2^31-1, amounts clamped to 1..1000000).
std::vector<Line> open_lines(const nlohmann::json& rows, int list_id, const std::string& note);
// The retailer order id the adapter gives Larder's order `order_id` ("grocy-<order_id>"),
// and the note on each of its rows ("Larder order <order_id>").
std::string retailer_order_id(const std::string& order_id);
std::string note_for(const std::string& order_id);
// The note of the rows of a retailer order id the adapter made, or nothing.
std::optional<std::string> note_of(const std::string& retailer_order_id);

}  // namespace grocy

}  // namespace larder::retailer
