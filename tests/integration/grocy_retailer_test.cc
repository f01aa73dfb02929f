// The grocy retailer (daemon/adapters/retailer) against a real local HTTP server playing
// Grocy: the hub's own HttpServer on 127.0.0.1 keeps a shopping list (rows as Grocy's
// /api/objects/shopping_list gives them), records every request and answers as each test
// tells it. The adapter's callbacks come back through asio::post onto the io_context this
// thread runs; the server runs on the same loop.
#include <doctest/doctest.h>

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <nlohmann/json.hpp>

#include "adapters/http/http_server.h"
#include "adapters/retailer/retailer_factory.h"
#include "larder/metrics.h"
#include "support/answer_loop.h"

using namespace larder;
using nlohmann::json;
using namespace std::chrono_literals;
namespace asio = boost::asio;

namespace {

const char* kApiKey = "grocy-api-key-for-tests";
const int kList = 3;
const int kCoffee = 12;  // Grocy product ids
const int kMilk = 7;

// A small Grocy: the shopping list's rows, add-product and remove-product, and failures
// on demand. Every request is kept.
struct FakeGrocyServer {
  Metrics metrics;
  std::vector<HttpRequest> requests;
  json rows = json::array();
  int next_row = 1;
  std::optional<HttpResponse> fail;  // answers every request while set...
  std::string fail_only;             // ...or only those to this path, when not empty
  int fail_after = 0;                // ...after letting this many of them through
  bool applied = false;              // ...having done what they ask (an answer lost)
  std::unique_ptr<HttpServer> server;

  explicit FakeGrocyServer(asio::io_context& io) {
    HttpServerOptions o;
    o.host = "127.0.0.1";
    o.port = 0;
    server = std::make_unique<HttpServer>(io, o, [this](const HttpRequest& r) { return handle(r); },
                                          metrics);
    Status s = server->start();
    REQUIRE_MESSAGE(s.ok(), s.message());
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(server->port()); }

  HttpResponse handle(const HttpRequest& r) {
    requests.push_back(r);
    if (fail && (fail_only.empty() || fail_only == r.path)) {
      if (fail_after == 0) {
        if (applied) (void)answer(r);
        return *fail;
      }
      --fail_after;
    }
    return answer(r);
  }

  HttpResponse answer(const HttpRequest& r) {
    if (r.header("grocy-api-key") != kApiKey) {
      return HttpResponse::json(401, R"({"error_message":"Unauthorized"})");
    }
    if (r.method == "GET" && r.path == "/api/objects/shopping_list") {
      return HttpResponse::json(200, rows.dump());
    }
    json body = json::parse(r.body, nullptr, false);
    if (r.method == "POST" && r.path == "/api/stock/shoppinglist/add-product") {
      // Grocy keeps one row per product and list: a second add adds to its amount and
      // takes the new note.
      for (auto& row : rows) {
        if (row["product_id"] == body["product_id"] && row["shopping_list_id"] == body["list_id"]) {
          row["amount"] = row["amount"].get<int>() + body["product_amount"].get<int>();
          row["note"] = body["note"];
          return HttpResponse::json(204, "");
        }
      }
      rows.push_back({{"id", next_row++},
                      {"product_id", body["product_id"]},
                      {"note", body["note"]},
                      {"amount", body["product_amount"]},
                      {"shopping_list_id", body["list_id"]},
                      {"done", 0}});
      return HttpResponse::json(204, "");
    }
    if (r.method == "POST" && r.path == "/api/stock/shoppinglist/remove-product") {
      for (std::size_t i = 0; i < rows.size(); ++i) {
        if (rows[i]["product_id"] == body["product_id"]) {
          int left = rows[i]["amount"].get<int>() - body["product_amount"].get<int>();
          if (left < 1) {
            rows.erase(i);
          } else {
            rows[i]["amount"] = left;
          }
          break;
        }
      }
      return HttpResponse::json(204, "");
    }
    return HttpResponse::json(404, R"({"error_message":"no such route"})");
  }

  std::vector<HttpRequest> posts_to(const std::string& path) const {
    std::vector<HttpRequest> out;
    for (const auto& r : requests) {
      if (r.method == "POST" && r.path == path) out.push_back(r);
    }
    return out;
  }
};

using Loop = larder::test::AnswerLoop;

Config grocy_config(const std::string& url) {
  Config c;
  RetailerConfig r;
  r.kind = "grocy";
  r.url = url;
  r.api_key = kApiKey;
  r.products = {{"COFFEE-500", kCoffee}, {"MILK-1L", kMilk}};
  r.shopping_list_id = kList;
  c.retailer = r;
  ConsumableConfig coffee;
  coffee.id = "coffee";
  coffee.pack.sku = "COFFEE-500";
  coffee.pack.price = 8.99;
  ConsumableConfig milk;
  milk.id = "milk";
  milk.pack.sku = "MILK-1L";
  milk.pack.price = 1.09;
  c.consumables = {coffee, milk};
  return c;
}

std::unique_ptr<orders::Retailer> make(Loop& loop, const std::string& url) {
  auto r = make_retailer(grocy_config(url), loop.post);
  REQUIRE_MESSAGE(r.ok(), r.status().message());
  return std::move(r.value());
}

// An order of 2 coffee and 1 milk, as the ledger's state gives it.
orders::PlaceCall place_call(const std::string& order_id = "o-1") {
  orders::PlaceCall c;
  c.order_id = order_id;
  c.quote_id = "local-1";
  c.idempotency_key = "5f0c2a9e-1b7d-4e38-9c61-2d8a7f3b4e01";
  c.delivery_method = "doorstep";
  c.order_state = {{"order_id", order_id},
                   {"consumable", "coffee"},
                   {"sku", "COFFEE-500"},
                   {"quantity", 2},
                   {"items", json::array({{{"consumable", "coffee"}, {"sku", "COFFEE-500"}, {"quantity", 2}},
                                          {{"consumable", "milk"}, {"sku", "MILK-1L"}, {"quantity", 1}}})},
                   {"status", "placing"}};
  return c;
}

orders::PlaceResult place(Loop& loop, orders::Retailer& r, const orders::PlaceCall& c) {
  return loop.await<orders::PlaceResult>([&](auto done) { r.place(c, done); });
}

orders::StatusOutcome status(Loop& loop, orders::Retailer& r, const std::string& id) {
  return loop.await<orders::StatusOutcome>([&](auto done) { r.status(id, done); });
}

// The status the adapter reports of order `id` (it must report one).
std::string status_of(Loop& loop, orders::Retailer& r, const std::string& id) {
  auto s = status(loop, r, id);
  REQUIRE_MESSAGE(s.status, s.reason);
  return s.status->status;
}

orders::CancelResult cancel(Loop& loop, orders::Retailer& r, const std::string& id) {
  return loop.await<orders::CancelResult>([&](auto done) { r.cancel(id, done); });
}

}  // namespace

TEST_CASE("grocy quotes locally and asks Grocy nothing for it") {
  Loop loop;
  FakeGrocyServer grocy(loop.io);
  auto r = make(loop, grocy.url());
  CHECK(r->kind() == "grocy");
  std::vector<orders::Item> items = {{"coffee", "COFFEE-500", 1}, {"milk", "MILK-1L", 2}};
  auto q = loop.await<orders::QuoteOutcome>([&](auto done) { r->quote(items, done); });
  REQUIRE_MESSAGE(q.quote, q.reason);
  CHECK(q.quote->total == doctest::Approx(11.17));
  CHECK(q.quote->currency == "EUR");
  REQUIRE(q.quote->delivery_options.size() == 1);
  CHECK(q.quote->delivery_options[0].method == "doorstep");
  std::vector<orders::Item> unknown = {{"tea", "TEA-20", 1}};
  auto bad = loop.await<orders::QuoteOutcome>([&](auto done) { r->quote(unknown, done); });
  CHECK_FALSE(bad.quote);
  CHECK_FALSE(bad.retryable);
  CHECK(grocy.requests.empty());
}

TEST_CASE("a grocy place adds each item to the shopping list with the order's note") {
  Loop loop;
  FakeGrocyServer grocy(loop.io);
  auto r = make(loop, grocy.url());
  auto res = place(loop, *r, place_call());
  REQUIRE_MESSAGE(res.kind == orders::PlaceResult::Kind::ok, res.reason);
  CHECK(res.retailer_order_id == "grocy-o-1");

  // First the list is read (to add nothing twice), then one add-product per item.
  REQUIRE(grocy.requests.size() == 3);
  const HttpRequest list = grocy.requests[0];
  CHECK(list.method == "GET");
  CHECK(list.path == "/api/objects/shopping_list");
  CHECK(list.query == std::map<std::string, std::string>{{"query[]", "shopping_list_id=3"}});
  auto adds = grocy.posts_to("/api/stock/shoppinglist/add-product");
  REQUIRE(adds.size() == 2);
  for (const auto& a : grocy.requests) {
    CHECK(a.header("grocy-api-key") == kApiKey);
    CHECK(a.header("authorization").empty());
  }
  CHECK(adds[0].header("content-type") == "application/json");
  CHECK(json::parse(adds[0].body) == json{{"product_id", kCoffee}, {"list_id", kList},
                                          {"product_amount", 2}, {"note", "Larder order o-1"}});
  CHECK(json::parse(adds[1].body) == json{{"product_id", kMilk}, {"list_id", kList},
                                          {"product_amount", 1}, {"note", "Larder order o-1"}});
  CHECK(grocy.rows.size() == 2);

  // A retried place (its answer was lost) adds nothing twice.
  auto again = place(loop, *r, place_call());
  CHECK(again.kind == orders::PlaceResult::Kind::ok);
  CHECK(again.retailer_order_id == "grocy-o-1");
  CHECK(grocy.posts_to("/api/stock/shoppinglist/add-product").size() == 2);
  CHECK(grocy.rows[0]["amount"] == 2);

  // Rows gone from the list since (bought, or removed by a cancel) do not come back: a
  // place of an order this adapter placed whole answers from memory, without a request.
  grocy.rows.erase(1);
  const auto before = grocy.requests.size();
  auto third = place(loop, *r, place_call());
  CHECK(third.kind == orders::PlaceResult::Kind::ok);
  CHECK(third.retailer_order_id == "grocy-o-1");
  CHECK(grocy.requests.size() == before);
  CHECK(grocy.rows.size() == 1);
}

TEST_CASE("a place after an attempt that added part of the order adds only the rest") {
  // The coffee made it onto the list before the attempt ended (larderd restarted, or the
  // next add was refused): the place now adds only the milk.
  Loop loop;
  FakeGrocyServer grocy(loop.io);
  grocy.rows.push_back({{"id", 40}, {"product_id", kCoffee}, {"note", "Larder order o-1"},
                        {"amount", 2}, {"shopping_list_id", kList}, {"done", 0}});
  auto r = make(loop, grocy.url());
  auto res = place(loop, *r, place_call());
  REQUIRE_MESSAGE(res.kind == orders::PlaceResult::Kind::ok, res.reason);
  auto adds = grocy.posts_to("/api/stock/shoppinglist/add-product");
  REQUIRE(adds.size() == 1);
  CHECK(json::parse(adds[0].body)["product_id"] == kMilk);
  CHECK(grocy.rows[0]["amount"] == 2);
}

TEST_CASE("a retry sent while the place before it still runs waits for it: nothing twice") {
  // A Grocy slower than request_timeout_s: the ledger sends the place again while the first
  // attempt still runs. Both read the list before either had added anything, and each
  // added every item: 4 coffee and 2 milk on the list for an order of 2 and 1.
  Loop loop;
  FakeGrocyServer grocy(loop.io);
  auto r = make(loop, grocy.url());
  std::optional<orders::PlaceResult> first;
  r->place(place_call(), [&first](orders::PlaceResult p) { first = std::move(p); });
  auto second = place(loop, *r, place_call());
  REQUIRE(first.has_value());  // it ended first: the second waited for it
  CHECK(first->kind == orders::PlaceResult::Kind::ok);
  CHECK(second.kind == orders::PlaceResult::Kind::ok);
  CHECK(grocy.posts_to("/api/stock/shoppinglist/add-product").size() == 2);
  REQUIRE(grocy.rows.size() == 2);
  CHECK(grocy.rows[0]["amount"] == 2);
  CHECK(grocy.rows[1]["amount"] == 1);
  // A retry that waited behind a place that went through adds nothing back that left the
  // list meanwhile: here the household ticks the order off as the first answer comes (the
  // ledger's cancel would remove the rows the same way).
  grocy.rows = json::array();
  r->place(place_call("o-2"), [&grocy](orders::PlaceResult p) {
    CHECK(p.kind == orders::PlaceResult::Kind::ok);
    for (auto& row : grocy.rows) row["done"] = 1;
  });
  auto retry = place(loop, *r, place_call("o-2"));
  CHECK(retry.kind == orders::PlaceResult::Kind::ok);
  CHECK(grocy.posts_to("/api/stock/shoppinglist/add-product").size() == 4);
  CHECK(grocy.rows.size() == 2);
  // A place still waiting when the adapter goes is never answered, and is dropped with it
  // (what LeakSanitizer would find in the sanitizer build otherwise: it holds the state).
  bool answered = false;
  r->place(place_call("o-4"), [&answered](orders::PlaceResult) { answered = true; });
  r->place(place_call("o-4"), [&answered](orders::PlaceResult) { answered = true; });
  r.reset();
  loop.io.run_for(200ms);
  CHECK_FALSE(answered);
}

TEST_CASE("a grocy order is delivered once the household has bought it off the list") {
  Loop loop;
  FakeGrocyServer grocy(loop.io);
  auto r = make(loop, grocy.url());
  REQUIRE(place(loop, *r, place_call()).kind == orders::PlaceResult::Kind::ok);

  CHECK(status_of(loop, *r, "grocy-o-1") == "placed");
  CHECK(grocy.requests.back().path == "/api/objects/shopping_list");
  CHECK(grocy.requests.back().query.at("query[]") == "shopping_list_id=3");

  // Coffee bought (its row gone), milk ticked off but not cleared: both bought.
  grocy.rows.erase(0);
  grocy.rows[0]["done"] = 1;
  // Rows of other notes, products or lists do not count; Grocy may write numbers as text.
  grocy.rows.push_back({{"id", 90}, {"product_id", kCoffee}, {"note", "Larder order o-2"},
                        {"amount", 1}, {"shopping_list_id", kList}, {"done", 0}});
  grocy.rows.push_back({{"id", 91}, {"product_id", 99}, {"note", "Larder order o-1"},
                        {"amount", 1}, {"shopping_list_id", kList}, {"done", 0}});
  grocy.rows.push_back({{"id", 92}, {"product_id", kCoffee}, {"note", "Larder order o-1"},
                        {"amount", 1}, {"shopping_list_id", 4}, {"done", 0}});
  CHECK(status_of(loop, *r, "grocy-o-1") == "delivered");

  // The milk back on the list, unticked and written as text: placed again.
  grocy.rows[0]["done"] = "0";
  grocy.rows[0]["product_id"] = std::to_string(kMilk);
  grocy.rows[0]["shopping_list_id"] = std::to_string(kList);
  CHECK(status_of(loop, *r, "grocy-o-1") == "placed");
}

TEST_CASE("after a restart grocy finds its orders on the list by their note") {
  Loop loop;
  FakeGrocyServer grocy(loop.io);
  {
    auto before = make(loop, grocy.url());
    REQUIRE(place(loop, *before, place_call()).kind == orders::PlaceResult::Kind::ok);
  }
  REQUIRE(grocy.rows.size() == 2);
  auto r = make(loop, grocy.url());  // a new adapter: it placed nothing itself
  CHECK(status_of(loop, *r, "grocy-o-1") == "placed");
  // Another retailer's id is none of grocy's business.
  auto other = status(loop, *r, "r-1001");
  CHECK_FALSE(other.status);
  CHECK(other.reason.find("not a grocy order") != std::string::npos);
  CHECK(cancel(loop, *r, "r-1001").kind == orders::CancelResult::Kind::rejected);

  // The cancel takes the order's rows off the list, as many packs as they hold.
  auto c = cancel(loop, *r, "grocy-o-1");
  CHECK(c.kind == orders::CancelResult::Kind::ok);
  auto removes = grocy.posts_to("/api/stock/shoppinglist/remove-product");
  REQUIRE(removes.size() == 2);
  CHECK(json::parse(removes[0].body) ==
        json{{"product_id", kCoffee}, {"list_id", kList}, {"product_amount", 2}});
  CHECK(grocy.rows.empty());
  // This adapter took it off: a cancel again is ok, and the order cancelled.
  CHECK(cancel(loop, *r, "grocy-o-1").kind == orders::CancelResult::Kind::ok);
  CHECK(grocy.posts_to("/api/stock/shoppinglist/remove-product").size() == 2);
  CHECK(status_of(loop, *r, "grocy-o-1") == "cancelled");
  // Another adapter finds nothing left with its note: bought, so a cancel is too late and
  // the status delivered.
  auto after = make(loop, grocy.url());
  CHECK(cancel(loop, *after, "grocy-o-1").kind == orders::CancelResult::Kind::too_late);
  CHECK(status_of(loop, *after, "grocy-o-1") == "delivered");
}

TEST_CASE("a grocy cancel removes the order's products from the list") {
  Loop loop;
  FakeGrocyServer grocy(loop.io);
  auto r = make(loop, grocy.url());
  REQUIRE(place(loop, *r, place_call()).kind == orders::PlaceResult::Kind::ok);
  REQUIRE(grocy.rows.size() == 2);
  auto c = cancel(loop, *r, "grocy-o-1");
  CHECK(c.kind == orders::CancelResult::Kind::ok);
  auto removes = grocy.posts_to("/api/stock/shoppinglist/remove-product");
  REQUIRE(removes.size() == 2);
  CHECK(json::parse(removes[0].body) ==
        json{{"product_id", kCoffee}, {"list_id", kList}, {"product_amount", 2}});
  CHECK(json::parse(removes[1].body) ==
        json{{"product_id", kMilk}, {"list_id", kList}, {"product_amount", 1}});
  CHECK(removes[0].header("grocy-api-key") == kApiKey);
  CHECK(grocy.rows.empty());  // cancelled: nothing of it is left on the list
}

// Grocy keeps one row per product and list, so the household's own coffee shares the row
// Larder's order adds to: a cancel must take off the order's packs once, never theirs.
TEST_CASE("a grocy cancel retried after a failure half-way removes only the rest") {
  Loop loop;
  FakeGrocyServer grocy(loop.io);
  const json own = {{"id", 30}, {"product_id", kCoffee}, {"note", "for the weekend"},
                    {"amount", 1}, {"shopping_list_id", kList}, {"done", 0}};
  const std::string remove = "/api/stock/shoppinglist/remove-product";
  auto r = make(loop, grocy.url());
  using Kind = orders::CancelResult::Kind;
  std::size_t rows_left = 1;

  SUBCASE("placed by this adapter") {
    grocy.rows.push_back(own);
    REQUIRE(place(loop, *r, place_call()).kind == orders::PlaceResult::Kind::ok);
    REQUIRE(grocy.rows.size() == 2);
    CHECK(grocy.rows[0]["amount"] == 3);  // the household's 1 and the order's 2
  }
  SUBCASE("placed before a restart, found by its note") {
    // Its amounts are the rows' then (a shared row cannot be told apart after a restart).
    REQUIRE(place(loop, *make(loop, grocy.url()), place_call()).kind ==
            orders::PlaceResult::Kind::ok);
    REQUIRE(grocy.rows.size() == 2);
    rows_left = 0;
  }
  // The coffee comes off, then Grocy fails on the milk.
  grocy.fail_only = remove;
  grocy.fail_after = 1;
  grocy.fail = HttpResponse::json(503, "{}");
  CHECK(cancel(loop, *r, "grocy-o-1").kind == Kind::retryable);
  CHECK(grocy.rows.size() == rows_left + 1);
  grocy.fail.reset();
  CHECK(cancel(loop, *r, "grocy-o-1").kind == Kind::ok);
  auto removes = grocy.posts_to(remove);
  REQUIRE(removes.size() == 3);
  CHECK(json::parse(removes[2].body)["product_id"] == kMilk);
  REQUIRE(grocy.rows.size() == rows_left);
  if (rows_left == 1) {
    CHECK(grocy.rows[0]["product_id"] == kCoffee);
    CHECK(grocy.rows[0]["amount"] == 1);  // the household's coffee stays
  }
}

TEST_CASE("a grocy cancel whose answer was lost leaves the order placed, not bought") {
  Loop loop;
  FakeGrocyServer grocy(loop.io);
  auto r = make(loop, grocy.url());
  REQUIRE(place(loop, *r, place_call()).kind == orders::PlaceResult::Kind::ok);
  // The coffee comes off; Grocy takes the milk off too, but its answer is a 504.
  grocy.fail_only = "/api/stock/shoppinglist/remove-product";
  grocy.fail_after = 1;
  grocy.applied = true;
  grocy.fail = HttpResponse::json(504, "{}");
  CHECK(cancel(loop, *r, "grocy-o-1").kind == orders::CancelResult::Kind::retryable);
  CHECK(grocy.rows.empty());
  // The ledger polls while the cancel waits for its retry: nothing is left on the list,
  // but that was the cancel, not the household's shopping.
  CHECK(status_of(loop, *r, "grocy-o-1") == "placed");
  grocy.fail.reset();
  CHECK(cancel(loop, *r, "grocy-o-1").kind == orders::CancelResult::Kind::ok);
  CHECK(status_of(loop, *r, "grocy-o-1") == "cancelled");
  // A cancel refused for good ends the doubt: what is left is the household's to buy.
  REQUIRE(place(loop, *r, place_call("o-2")).kind == orders::PlaceResult::Kind::ok);
  grocy.applied = false;
  grocy.fail = HttpResponse::json(400, R"({"error_message":"nope"})");
  grocy.fail_after = 1;
  CHECK(cancel(loop, *r, "grocy-o-2").kind == orders::CancelResult::Kind::rejected);
  grocy.fail.reset();
  grocy.rows = json::array();  // the milk bought
  CHECK(status_of(loop, *r, "grocy-o-2") == "delivered");
}

TEST_CASE("a grocy cancel retried while the one before it still runs waits for it") {
  Loop loop;
  FakeGrocyServer grocy(loop.io);
  grocy.rows.push_back({{"id", 30}, {"product_id", kCoffee}, {"note", "for the weekend"},
                        {"amount", 1}, {"shopping_list_id", kList}, {"done", 0}});
  auto r = make(loop, grocy.url());
  REQUIRE(place(loop, *r, place_call()).kind == orders::PlaceResult::Kind::ok);
  std::optional<orders::CancelResult> first;
  r->cancel("grocy-o-1", [&first](orders::CancelResult c) { first = std::move(c); });
  // A poll sent meanwhile reads the list once the cancel has ended, and says so.
  std::optional<orders::StatusOutcome> polled;
  r->status("grocy-o-1", [&polled](orders::StatusOutcome o) { polled = std::move(o); });
  auto second = cancel(loop, *r, "grocy-o-1");
  REQUIRE(first.has_value());  // it ended first: the second waited for it
  REQUIRE(polled.has_value());
  REQUIRE_MESSAGE(polled->status, polled->reason);
  CHECK(polled->status->status == "cancelled");
  CHECK(first->kind == orders::CancelResult::Kind::ok);
  CHECK(second.kind == orders::CancelResult::Kind::ok);
  CHECK(grocy.posts_to("/api/stock/shoppinglist/remove-product").size() == 2);
  REQUIRE(grocy.rows.size() == 1);
  CHECK(grocy.rows[0]["amount"] == 1);  // the household's coffee stays
  // A poll while a cancel has taken off part of the order counts only what is left.
  CHECK(status_of(loop, *r, "grocy-o-1") == "cancelled");
}

TEST_CASE("grocy's failures map onto the outcomes") {
  Loop loop;
  FakeGrocyServer grocy(loop.io);
  auto r = make(loop, grocy.url());
  using Kind = orders::PlaceResult::Kind;

  SUBCASE("5xx and 429 are retryable, other 4xx final with Grocy's message") {
    grocy.fail = HttpResponse::json(500, R"({"error_message":"database is locked"})");
    auto res = place(loop, *r, place_call());
    CHECK(res.kind == Kind::retryable);
    CHECK(res.reason.find("database is locked") != std::string::npos);
    grocy.fail = HttpResponse::json(429, "{}");
    CHECK(place(loop, *r, place_call()).kind == Kind::retryable);
    grocy.fail = HttpResponse::json(400, R"({"error_message":"Product does not exist"})");
    res = place(loop, *r, place_call());
    CHECK(res.kind == Kind::rejected);
    CHECK(res.reason.find("HTTP 400: Product does not exist") != std::string::npos);
    CHECK(res.retailer_order_id.empty());
  }
  SUBCASE("a failing add-product after the list was read") {
    grocy.fail_only = "/api/stock/shoppinglist/add-product";
    grocy.fail = HttpResponse::json(503, "{}");
    auto res = place(loop, *r, place_call());
    CHECK(res.kind == Kind::retryable);
    CHECK(res.reason.find("adding to the shopping list: HTTP 503") == 0);
    grocy.fail = HttpResponse::json(400, R"({"error_message":"Shopping list does not exist"})");
    res = place(loop, *r, place_call());
    CHECK(res.kind == Kind::rejected);
    CHECK(res.reason.find("Shopping list does not exist") != std::string::npos);
    CHECK(grocy.posts_to("/api/stock/shoppinglist/add-product").size() == 2);
    // The order was refused: none of its rows is on the list.
    CHECK(grocy.rows.empty());
  }
  SUBCASE("a wrong API key is final") {
    auto bad = make_retailer(
        [&] {
          Config c = grocy_config(grocy.url());
          c.retailer->api_key = "wrong";
          return c;
        }(),
        loop.post);
    REQUIRE(bad.ok());
    auto res = place(loop, **bad, place_call());
    CHECK(res.kind == Kind::rejected);
    CHECK(res.reason.find("HTTP 401: Unauthorized") != std::string::npos);
  }
  SUBCASE("a list that is not a list, or too long to read, is no answer") {
    REQUIRE(place(loop, *r, place_call()).kind == Kind::ok);
    grocy.fail = HttpResponse::json(200, R"({"rows":[]})");
    CHECK(place(loop, *r, place_call("o-4")).kind == Kind::retryable);
    auto s = status(loop, *r, "grocy-o-1");
    CHECK_FALSE(s.status);
    CHECK(s.reason.find("reading the shopping list") == 0);
    grocy.fail = HttpResponse::json(200, "[" + std::string(300 * 1024, ' ') + "]");
    s = status(loop, *r, "grocy-o-1");
    CHECK_FALSE(s.status);
    CHECK(s.reason.find("over 256 KiB") != std::string::npos);
    grocy.fail = HttpResponse::json(200, "[{\"product_id\": 12, \"note\": ");  // cut short
    s = status(loop, *r, "grocy-o-1");
    CHECK_FALSE(s.status);
  }
  SUBCASE("a cancel that fails keeps the order") {
    REQUIRE(place(loop, *r, place_call()).kind == Kind::ok);
    grocy.fail = HttpResponse::json(502, "{}");
    CHECK(cancel(loop, *r, "grocy-o-1").kind == orders::CancelResult::Kind::retryable);
    grocy.fail = HttpResponse::json(400, R"({"error_message":"nope"})");
    CHECK(cancel(loop, *r, "grocy-o-1").kind == orders::CancelResult::Kind::rejected);
    grocy.fail.reset();
    CHECK(cancel(loop, *r, "grocy-o-1").kind == orders::CancelResult::Kind::ok);
  }
}

TEST_CASE("a grocy order with an sku that has no product id is refused") {
  Loop loop;
  FakeGrocyServer grocy(loop.io);
  auto r = make(loop, grocy.url());
  orders::PlaceCall c = place_call();
  c.order_state["items"] = json::array({{{"consumable", "tea"}, {"sku", "TEA-20"}, {"quantity", 1}}});
  auto res = place(loop, *r, c);
  CHECK(res.kind == orders::PlaceResult::Kind::rejected);
  CHECK(res.reason.find("TEA-20") != std::string::npos);
  CHECK(grocy.requests.empty());
}

TEST_CASE("grocy delivers to the doorstep only, without asking Grocy") {
  Loop loop;
  FakeGrocyServer grocy(loop.io);
  auto r = make(loop, grocy.url());
  CHECK_FALSE(r->offers_trunk());
  orders::DeliveryChange doorstep{"grocy-o-1", "doorstep", std::nullopt, std::nullopt};
  auto ok = loop.await<orders::DeliveryChangeOutcome>(
      [&](auto done) { r->set_delivery(doorstep, done); });
  CHECK(ok.ok);
  orders::DeliveryChange trunk{"grocy-o-1", "trunk", std::string("c0de-secret-4711"),
                               std::string("https://hub.example/api/v1/carrier/deliveries/o-1")};
  auto refused =
      loop.await<orders::DeliveryChangeOutcome>([&](auto done) { r->set_delivery(trunk, done); });
  CHECK_FALSE(refused.ok);
  CHECK_FALSE(refused.retryable);
  CHECK(refused.reason == "the grocy retailer delivers to the doorstep only");
  CHECK(grocy.requests.empty());
}
