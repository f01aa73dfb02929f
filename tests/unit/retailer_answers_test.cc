// The retailers' answers as the adapters read them (daemon/adapters/retailer/
// retailer_answers.h): the sandbox's outcomes and Grocy's shopping list rows.
#include <doctest/doctest.h>

#include <string>

#include <nlohmann/json.hpp>

#include "adapters/retailer/retailer_answers.h"

using namespace larder;
using namespace larder::retailer;
using nlohmann::json;

namespace {

HttpReply reply(int status, std::string body) {
  HttpReply r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

const std::string kNote = "Larder order 7f3a9c2e";

}  // namespace

TEST_CASE("the sandbox's place answer: the order id and window, or why not") {
  auto ok = sandbox::place_result(
      reply(201, R"({"order_id":"r-1","eta":1764547200,"window":{"start":10,"end":20}})"));
  CHECK(ok.kind == orders::PlaceResult::Kind::ok);
  CHECK(ok.retailer_order_id == "r-1");
  REQUIRE(ok.window.has_value());
  CHECK(ok.window->end == 20);
  auto reversed = sandbox::window_at(json::parse(R"({"w":{"start":20,"end":10}})"), "w");
  CHECK_FALSE(reversed.has_value());
  auto garbled = sandbox::place_result(reply(200, "<html>"));
  CHECK(garbled.kind == orders::PlaceResult::Kind::retryable);
  auto busy = sandbox::place_result(reply(503, ""));
  CHECK(busy.kind == orders::PlaceResult::Kind::retryable);
  // A final answer that did not judge the order says nothing of what the key holds.
  for (int status : {401, 403}) {
    auto denied = sandbox::place_result(reply(status, ""));
    CHECK(denied.kind == orders::PlaceResult::Kind::rejected);
    CHECK(denied.may_hold);
  }
  auto reused = sandbox::place_result(
      reply(422, R"({"error":{"code":"idempotency_key_reused","message":"another body"}})"));
  CHECK(reused.kind == orders::PlaceResult::Kind::rejected);
  CHECK(reused.may_hold);
  auto judged = sandbox::place_result(reply(422, R"({"error":{"code":"unknown_quote"}})"));
  CHECK(judged.kind == orders::PlaceResult::Kind::rejected);
  CHECK_FALSE(judged.may_hold);
  CHECK_FALSE(busy.may_hold);
  auto gone = sandbox::cancel_result(reply(409, R"({"error":{"code":"shipped"}})"));
  CHECK(gone.kind == orders::CancelResult::Kind::too_late);
}

TEST_CASE("an order's malformed eta or window is left out and named, the answer still counts") {
  auto bad = sandbox::status_outcome(reply(
      200, R"({"order_id":"r-1","status":"shipped","eta":"soon","window":{"start":20,"end":10}})"));
  REQUIRE(bad.status.has_value());
  CHECK(bad.status->status == "shipped");
  CHECK_FALSE(bad.status->eta.has_value());
  CHECK_FALSE(bad.status->window.has_value());
  CHECK(bad.ignored.find(R"("eta" "soon")") != std::string::npos);
  CHECK(bad.ignored.find(R"("window" {"end":10,"start":20})") != std::string::npos);

  auto good = sandbox::status_outcome(
      reply(200, R"({"status":"placed","eta":1764547200,"window":{"start":10,"end":20}})"));
  REQUIRE(good.status.has_value());
  CHECK(good.status->eta == 1764547200);
  CHECK(good.ignored.empty());
  auto absent = sandbox::status_outcome(reply(200, R"({"status":"placed","eta":null})"));
  REQUIRE(absent.status.has_value());
  CHECK(absent.ignored.empty());  // null is as good as a missing key

  auto placed = sandbox::place_result(reply(201, R"({"order_id":"r-2","window":[1,2]})"));
  CHECK(placed.kind == orders::PlaceResult::Kind::ok);
  CHECK_FALSE(placed.window.has_value());
  CHECK(placed.ignored.find(R"("window" [1,2])") != std::string::npos);
}

TEST_CASE("a delivery change's reasons never carry the trunk's code, even echoed back") {
  const std::string code = "A1b2C3d4E5f6G7h8J9k0";
  const std::string body =
      R"({"error":{"code":"bad )" + code + R"(","message":"code )" + code + R"( refused"}})";
  auto out = sandbox::delivery_outcome(reply(422, body), code);
  CHECK_FALSE(out.ok);
  CHECK(out.reason.find(code) == std::string::npos);
  CHECK(out.error_code.find(code) == std::string::npos);
  CHECK(out.reason.find("[code]") != std::string::npos);
}

TEST_CASE("Grocy's rows: numbers, numbers as strings, ticked off rows and other notes") {
  json rows = json::parse(R"([
    {"product_id":"3","amount":"2","note":"Larder order 7f3a9c2e","shopping_list_id":"1",
     "done":"0"},
    {"product_id":4,"amount":1,"note":"Larder order 7f3a9c2e","shopping_list_id":1,"done":1},
    {"product_id":5,"amount":1,"note":"another","shopping_list_id":1,"done":0},
    {"product_id":6,"amount":2.7,"note":"Larder order 7f3a9c2e","shopping_list_id":1,
     "done":false}
  ])");
  auto lines = grocy::open_lines(rows, 1, kNote);
  REQUIRE(lines.size() == 2);
  CHECK(lines[0].product_id == 3);
  CHECK(lines[0].amount == 2);
  CHECK(lines[1].product_id == 6);
  CHECK(lines[1].amount == 2);
  auto open = grocy::open_on_list(rows, 1, kNote, {{3, 1}, {4, 1}, {5, 1}});
  CHECK(open == std::set<int>{3});
  CHECK(grocy::note_of("grocy-7f3a9c2e") == kNote);
  CHECK_FALSE(grocy::note_of("grocy-").has_value());
  CHECK_FALSE(grocy::note_of("webhook-7f3a9c2e").has_value());
}

// Found with fuzz/retailer_answer.cc (docs/fuzzing.md).
TEST_CASE("Grocy numbers beyond long long or int are no numbers, never cast") {
  // static_cast<long long> of 1e300 was undefined behaviour.
  CHECK_FALSE(grocy::integer_at(json::parse(R"({"amount":1e300})"), "amount").has_value());
  CHECK_FALSE(grocy::integer_at(json::parse(R"({"amount":-1e19})"), "amount").has_value());
  CHECK(grocy::integer_at(json::parse(R"({"amount":9007199254740992.0})"), "amount") ==
        9007199254740992LL);
  CHECK(grocy::integer_at(json::parse(R"({"amount":2.9})"), "amount") == 2);
  json rows = json::parse(R"([{"product_id":1,"amount":1e300,"note":"Larder order 7f3a9c2e",
                                "shopping_list_id":1,"done":0}])");
  auto lines = grocy::open_lines(rows, 1, kNote);
  REQUIRE(lines.size() == 1);
  CHECK(lines[0].amount == 1);  // no readable amount: one
  // A product id beyond int once aliased product 1 (4294967297 cut to int).
  json far = json::parse(R"([{"product_id":4294967297,"note":"Larder order 7f3a9c2e",
                               "shopping_list_id":1,"done":0}])");
  CHECK(grocy::open_on_list(far, 1, kNote, {{1, 1}}).empty());
  CHECK(grocy::open_lines(far, 1, kNote).empty());
}
