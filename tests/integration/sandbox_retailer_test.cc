// The sandbox retailer (daemon/adapters/retailer) against the real larder-sandbox
// (tests/support/sandbox.h): quotes, orders by idempotency key, price changes and expired
// quotes, faults, cancel, status and delivery changes, as shared/contract/retailer-v1.md
// has them (the sandbox's car and carrier: sandbox_trunk_test.cc). The adapter's
// callbacks come back through asio::post onto the io_context this thread runs.
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
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <nlohmann/json.hpp>

#include "adapters/retailer/retailer_factory.h"
#include "support/answer_loop.h"
#include "support/sandbox.h"

using namespace larder;
using namespace larder::test;
using nlohmann::json;
using namespace std::chrono_literals;
namespace asio = boost::asio;
using Kind = orders::PlaceResult::Kind;

namespace {

const char* kKey1 = "7a1c2a9e-1b7d-4e38-9c61-2d8a7f3b4e01";
const char* kKey2 = "7a1c2a9e-1b7d-4e38-9c61-2d8a7f3b4e02";
const char* kKey3 = "7a1c2a9e-1b7d-4e38-9c61-2d8a7f3b4e03";

using Loop = larder::test::AnswerLoop;

Config sandbox_config(const std::string& url, std::optional<std::string> key) {
  Config c;
  RetailerConfig r;
  r.kind = "sandbox";
  r.url = url;
  r.api_key = std::move(key);
  c.retailer = r;
  return c;
}

// A running sandbox and an adapter speaking to it.
struct Fixture {
  SandboxProcess sandbox;
  Loop loop;
  std::unique_ptr<orders::Retailer> retailer;

  explicit Fixture(std::vector<std::string> args = {}, RetailerOptions o = {})
      : sandbox(std::move(args)) {
    sandbox.start();
    retailer = make(sandbox.url(), SandboxProcess::kApiKey, o);
  }
  ~Fixture() { sandbox.terminate(); }

  std::unique_ptr<orders::Retailer> make(const std::string& url, std::optional<std::string> key,
                                         RetailerOptions o = {}) {
    auto r = make_retailer(sandbox_config(url, std::move(key)), loop.post, o);
    REQUIRE_MESSAGE(r.ok(), r.status().message());
    return std::move(r.value());
  }

  orders::QuoteOutcome quote(std::vector<orders::Item> items, orders::Retailer* via = nullptr) {
    orders::Retailer& r = via ? *via : *retailer;
    return loop.await<orders::QuoteOutcome>([&](auto done) { r.quote(items, done); });
  }
  orders::Quote coffee_quote(int quantity = 1) {
    auto q = quote({{"coffee", "COFFEE-500", quantity}});
    REQUIRE_MESSAGE(q.quote, q.reason);
    return *q.quote;
  }
  orders::PlaceResult place(const orders::PlaceCall& c, orders::Retailer* via = nullptr) {
    orders::Retailer& r = via ? *via : *retailer;
    return loop.await<orders::PlaceResult>([&](auto done) { r.place(c, done); });
  }
  orders::CancelResult cancel(const std::string& id, orders::Retailer* via = nullptr) {
    orders::Retailer& r = via ? *via : *retailer;
    return loop.await<orders::CancelResult>([&](auto done) { r.cancel(id, done); });
  }
  orders::StatusOutcome status(const std::string& id, orders::Retailer* via = nullptr) {
    orders::Retailer& r = via ? *via : *retailer;
    return loop.await<orders::StatusOutcome>([&](auto done) { r.status(id, done); });
  }
  orders::DeliveryChangeOutcome set_delivery(const orders::DeliveryChange& c) {
    return loop.await<orders::DeliveryChangeOutcome>(
        [&](auto done) { retailer->set_delivery(c, done); });
  }
};

// A PlaceCall on `q` for doorstep delivery in the quote's doorstep window.
orders::PlaceCall doorstep(const orders::Quote& q, const char* key, const std::string& id = "o-1") {
  orders::PlaceCall c;
  c.order_id = id;
  c.quote_id = q.quote_id;
  c.idempotency_key = key;
  c.delivery_method = "doorstep";
  for (const auto& o : q.delivery_options) {
    if (o.method == "doorstep") c.window = o.window;
  }
  return c;
}

// A PlaceCall on `q` for trunk delivery in the quote's trunk window, with the family car.
orders::PlaceCall trunk(const orders::Quote& q, const char* key, const std::string& id = "o-1") {
  orders::PlaceCall c = doorstep(q, key, id);
  c.delivery_method = "trunk";
  c.window.reset();
  for (const auto& o : q.delivery_options) {
    if (o.method == "trunk") c.window = o.window;
  }
  c.vehicle = orders::PlaceVehicle{"VW Golf", "M-AB", 48.1371, 11.5754};
  return c;
}

std::uint16_t closed_port() {
  asio::io_context io;
  asio::ip::tcp::acceptor a(io, {asio::ip::make_address("127.0.0.1"), 0});
  return a.local_endpoint().port();
}

}  // namespace

TEST_CASE("a sandbox quote is the retailer's, read by parse_quote") {
  Fixture f;
  CHECK(f.retailer->kind() == "sandbox");
  auto q = f.quote({{"coffee", "COFFEE-500", 2}, {"filter", "FILTER-150", 1}});
  REQUIRE_MESSAGE(q.quote, q.reason);
  CHECK_FALSE(q.quote->quote_id.empty());
  REQUIRE(q.quote->items.size() == 2);
  CHECK(q.quote->items[0].sku == "COFFEE-500");
  CHECK(q.quote->items[0].quantity == 2);
  CHECK(q.quote->items[0].unit_price == doctest::Approx(8.99));
  CHECK(q.quote->total == doctest::Approx(27.88));
  CHECK(q.quote->currency == "EUR");
  REQUIRE(q.quote->delivery_options.size() == 2);
  CHECK(q.quote->delivery_options[0].method == "doorstep");
  CHECK(q.quote->delivery_options[0].window);
  CHECK(q.quote->expires_at);
}

TEST_CASE("an unknown sku and a wrong API key are final, not retryable") {
  Fixture f;
  auto q = f.quote({{"tea", "TEA-20", 1}});
  CHECK_FALSE(q.quote);
  CHECK_FALSE(q.retryable);
  CHECK(q.reason.find("HTTP 422 unknown_sku") == 0);

  auto wrong = f.make(f.sandbox.url(), "not-the-key");
  q = f.quote({{"coffee", "COFFEE-500", 1}}, wrong.get());
  CHECK_FALSE(q.quote);
  CHECK_FALSE(q.retryable);
  CHECK(q.reason.find("HTTP 401 unauthorized") == 0);
  auto none = f.make(f.sandbox.url(), std::nullopt);
  auto p = f.place(doorstep(f.coffee_quote(), kKey1), none.get());
  CHECK(p.kind == Kind::rejected);
  CHECK(p.reason.find("HTTP 401") == 0);
  CHECK(f.sandbox.orders()["orders"].empty());
}

TEST_CASE("a sandbox place is taken once per idempotency key") {
  Fixture f;
  orders::Quote q = f.coffee_quote();
  orders::PlaceCall c = doorstep(q, kKey1);
  REQUIRE(c.window);
  auto first = f.place(c);
  REQUIRE_MESSAGE(first.kind == Kind::ok, first.reason);
  CHECK(first.retailer_order_id.rfind("r-", 0) == 0);
  REQUIRE(first.eta);
  REQUIRE(first.window);
  CHECK(first.window->start == doctest::Approx(c.window->start));
  CHECK(*first.eta >= first.window->start);

  // The same key again (a retry after a lost answer): the same order, 200.
  auto again = f.place(c);
  REQUIRE_MESSAGE(again.kind == Kind::ok, again.reason);
  CHECK(again.retailer_order_id == first.retailer_order_id);
  json report = f.sandbox.orders();
  REQUIRE(report["orders"].size() == 1);
  CHECK(report["orders"][0]["idempotency_key"] == kKey1);
  CHECK(report["orders"][0]["presented"] == 2);

  // A quote is ordered once: another key on it is a 409, which asks for a new quote.
  auto other = f.place(doorstep(q, kKey2, "o-2"));
  CHECK(other.kind == Kind::quote_expired);
  CHECK(other.reason.find("HTTP 409 quote_used") == 0);
}

TEST_CASE("a changed price comes back as quote_expired with the fresh quote") {
  Fixture f;
  orders::Quote q = f.coffee_quote();
  f.sandbox.add_faults({{"kind", "price_change"}, {"sku", "COFFEE-500"}, {"price", 9.49}});
  auto res = f.place(doorstep(q, kKey1));
  REQUIRE(res.kind == Kind::quote_expired);
  CHECK(res.reason.find("HTTP 409 price_changed") == 0);
  REQUIRE(res.quote);
  CHECK(res.quote->quote_id != q.quote_id);
  CHECK(res.quote->items[0].unit_price == doctest::Approx(9.49));
  CHECK(f.sandbox.orders()["orders"].empty());
  // Nothing was placed under the key: it goes out again with the fresh quote.
  auto placed = f.place(doorstep(*res.quote, kKey1));
  REQUIRE_MESSAGE(placed.kind == Kind::ok, placed.reason);
  CHECK(f.sandbox.orders()["orders"].size() == 1);
}

TEST_CASE("an expired quote comes back as quote_expired without a quote") {
  Fixture f;
  orders::Quote q = f.coffee_quote();
  f.sandbox.advance(901);  // past the default lifetime of 900 s
  auto res = f.place(doorstep(q, kKey1));
  CHECK(res.kind == Kind::quote_expired);
  CHECK(res.reason.find("HTTP 409 quote_expired") == 0);
  CHECK_FALSE(res.quote);
}

TEST_CASE("a sandbox order can be cancelled until it ships, and reports its status") {
  Fixture f;
  auto a = f.place(doorstep(f.coffee_quote(), kKey1, "o-1"));
  auto b = f.place(doorstep(f.coffee_quote(), kKey2, "o-2"));
  REQUIRE(a.kind == Kind::ok);
  REQUIRE(b.kind == Kind::ok);

  auto s = f.status(a.retailer_order_id);
  REQUIRE_MESSAGE(s.status, s.reason);
  CHECK(s.status->status == "placed");
  CHECK(s.status->eta);
  CHECK(s.status->window);

  auto c = f.cancel(a.retailer_order_id);
  CHECK(c.kind == orders::CancelResult::Kind::ok);
  CHECK(f.cancel(a.retailer_order_id).kind == orders::CancelResult::Kind::ok);  // harmless again
  s = f.status(a.retailer_order_id);
  REQUIRE(s.status);
  CHECK(s.status->status == "cancelled");

  f.sandbox.advance(3601);  // past --ship-after's default of an hour
  s = f.status(b.retailer_order_id);
  REQUIRE(s.status);
  CHECK(s.status->status == "shipped");
  c = f.cancel(b.retailer_order_id);
  CHECK(c.kind == orders::CancelResult::Kind::too_late);
  CHECK(c.reason.find("already_shipped") != std::string::npos);

  f.sandbox.advance(2 * 86400);
  s = f.status(b.retailer_order_id);
  REQUIRE(s.status);
  CHECK(s.status->status == "delivered");

  // An order the sandbox never had.
  s = f.status("r-9999");
  CHECK_FALSE(s.status);
  CHECK(s.reason.find("HTTP 404") == 0);
  CHECK(s.final);  // retailer-v1: a 4xx other than 429 is final
  CHECK(s.unknown_order);
  CHECK(f.cancel("r-9999").kind == orders::CancelResult::Kind::rejected);
  // A retailer id is one path segment, whatever it holds: not a query.
  s = f.status(b.retailer_order_id + "?x=1");
  CHECK_FALSE(s.status);
  CHECK(s.reason.find("HTTP 404") == 0);
}

TEST_CASE("a failed order reports its reason") {
  Fixture f;
  f.sandbox.add_faults({{"kind", "fail_order"}, {"stage", "shipped"}, {"reason", "out_of_stock"}});
  auto p = f.place(doorstep(f.coffee_quote(), kKey1));
  REQUIRE(p.kind == Kind::ok);
  f.sandbox.advance(3601);
  auto s = f.status(p.retailer_order_id);
  REQUIRE(s.status);
  CHECK(s.status->status == "failed");
  CHECK(s.status->reason == "out_of_stock");
  auto c = f.cancel(p.retailer_order_id);
  CHECK(c.kind == orders::CancelResult::Kind::too_late);  // 409 order_closed
}

TEST_CASE("5xx and 429 from the sandbox are retryable, with the same key afterwards") {
  Fixture f;
  f.sandbox.add_faults({{"kind", "error"}, {"status", 503}, {"route", "quotes"}});
  auto q = f.quote({{"coffee", "COFFEE-500", 1}});
  CHECK_FALSE(q.quote);
  CHECK(q.retryable);
  CHECK(q.reason.find("HTTP 503") == 0);

  orders::PlaceCall c = doorstep(f.coffee_quote(), kKey1);
  // The order is carried out but its answer is lost: the retry gets it.
  f.sandbox.add_faults({{"kind", "error"}, {"status", 502}, {"route", "orders"}, {"after", true}});
  auto lost = f.place(c);
  CHECK(lost.kind == Kind::retryable);
  f.sandbox.add_faults({{"kind", "error"}, {"status", 429}, {"route", "orders"}});
  CHECK(f.place(c).kind == Kind::retryable);
  auto got = f.place(c);
  REQUIRE_MESSAGE(got.kind == Kind::ok, got.reason);
  json report = f.sandbox.orders();
  REQUIRE(report["orders"].size() == 1);
  CHECK(report["orders"][0]["presented"] == 3);

  f.sandbox.add_faults({{"kind", "error"}, {"status", 500}, {"route", "cancel"}});
  CHECK(f.cancel(got.retailer_order_id).kind == orders::CancelResult::Kind::retryable);
  f.sandbox.add_faults({{"kind", "error"}, {"status", 503}, {"route", "order"}});
  auto s = f.status(got.retailer_order_id);
  CHECK_FALSE(s.status);
  CHECK(s.reason.find("HTTP 503") == 0);
}

TEST_CASE("after a lost answer, a retry with another body or key says nothing of the order") {
  // The ledger keeps such an order placing (may_hold) rather than failing it: the sandbox
  // holds it. A refusal that judged the order (an unknown quote) is no such answer.
  Fixture f;
  orders::Quote q = f.coffee_quote();
  orders::PlaceCall c = trunk(q, kKey1);
  f.sandbox.add_faults({{"kind", "error"}, {"status", 502}, {"route", "orders"}, {"after", true}});
  CHECK(f.place(c).kind == Kind::retryable);
  REQUIRE(f.sandbox.orders()["orders"].size() == 1);
  orders::PlaceCall moved = c;
  REQUIRE(moved.vehicle);
  moved.vehicle->make = "Skoda Octavia";
  auto reused = f.place(moved);
  CHECK(reused.kind == Kind::rejected);
  CHECK(reused.reason.find("HTTP 422 idempotency_key_reused") == 0);
  CHECK(reused.may_hold);
  auto wrong = f.make(f.sandbox.url(), "not-the-key");
  auto denied = f.place(c, wrong.get());
  CHECK(denied.kind == Kind::rejected);
  CHECK(denied.may_hold);
  orders::PlaceCall unknown = doorstep(q, kKey2, "o-2");
  unknown.quote_id = "q-nonexistent";
  auto judged = f.place(unknown);
  CHECK(judged.kind == Kind::rejected);
  CHECK(judged.reason.find("HTTP 422 unknown_quote") == 0);
  CHECK_FALSE(judged.may_hold);
  auto same = f.place(c);  // the body it holds, and the key it knows: its order
  REQUIRE_MESSAGE(same.kind == Kind::ok, same.reason);
  CHECK(f.sandbox.orders()["orders"].size() == 1);
}

TEST_CASE("a sandbox that answers too late is retryable") {
  RetailerOptions o;
  o.timeout_s = 0.5;
  Fixture f({}, o);
  orders::Quote q = f.coffee_quote();
  f.sandbox.add_faults({{"kind", "slow"}, {"delay_ms", 2500}, {"route", "orders"}});
  auto res = f.place(doorstep(q, kKey3));
  CHECK(res.kind == Kind::retryable);
  CHECK(res.reason.find("no answer") == 0);
  // The sandbox carried it out late (the test's own client waits for it to be free)...
  json report = f.sandbox.orders();
  REQUIRE(report["orders"].size() == 1);
  // ...and the retry with the same key finds it.
  auto again = f.place(doorstep(q, kKey3));
  REQUIRE_MESSAGE(again.kind == Kind::ok, again.reason);
  CHECK(again.retailer_order_id == report["orders"][0]["order_id"]);
}

TEST_CASE("a sandbox that is not there is retryable") {
  Loop loop;
  auto made = make_retailer(
      sandbox_config("http://127.0.0.1:" + std::to_string(closed_port()), "key"), loop.post);
  REQUIRE(made.ok());
  orders::Retailer& r = **made;
  std::vector<orders::Item> items = {{"coffee", "COFFEE-500", 1}};
  auto q = loop.await<orders::QuoteOutcome>([&](auto done) { r.quote(items, done); });
  CHECK_FALSE(q.quote);
  CHECK(q.retryable);
  CHECK(q.reason.find("no answer") == 0);
  orders::PlaceCall c;
  c.order_id = "o-1";
  c.quote_id = "q1";
  c.idempotency_key = kKey1;
  c.delivery_method = "doorstep";
  auto p = loop.await<orders::PlaceResult>([&](auto done) { r.place(c, done); });
  CHECK(p.kind == Kind::retryable);
  auto cancel = loop.await<orders::CancelResult>([&](auto done) { r.cancel("r-1001", done); });
  CHECK(cancel.kind == orders::CancelResult::Kind::retryable);
  auto s = loop.await<orders::StatusOutcome>([&](auto done) { r.status("r-1001", done); });
  CHECK_FALSE(s.status);
  CHECK(s.reason.find("no answer") == 0);
  CHECK_FALSE(s.final);  // tried again at the next poll
  CHECK_FALSE(s.unknown_order);
}

namespace {
const char* kCode = "Zm9vYmFyLXRydW5rLWNvZGUtNDcxMQ";
const char* kCarrierApi = "http://127.0.0.1:9/api/v1/carrier/deliveries/o-1";
}  // namespace

TEST_CASE("a sandbox trunk place carries the vehicle, and only then") {
  Fixture f;
  CHECK(f.retailer->offers_trunk());
  orders::PlaceCall c = trunk(f.coffee_quote(), kKey1);
  REQUIRE(c.window);
  auto placed = f.place(c);
  REQUIRE_MESSAGE(placed.kind == Kind::ok, placed.reason);
  json report = f.sandbox.orders();
  REQUIRE(report["orders"].size() == 1);
  CHECK(report["orders"][0]["delivery"]["method"] == "trunk");
  CHECK(report["orders"][0]["delivery"]["access_given"] == false);
  // The sandbox refuses a trunk order without a car: the adapter sends none it was not given.
  orders::PlaceCall bare = trunk(f.coffee_quote(), kKey2, "o-2");
  bare.vehicle.reset();
  auto refused = f.place(bare);
  CHECK(refused.kind == Kind::rejected);
  CHECK(refused.reason.find("HTTP 400 bad_request") == 0);
  CHECK(refused.reason.find("vehicle") != std::string::npos);
}

TEST_CASE("a sandbox delivery change: doorstep while placed, trunk access once shipped") {
  Fixture f;
  auto a = f.place(trunk(f.coffee_quote(), kKey1, "o-1"));
  auto b = f.place(trunk(f.coffee_quote(), kKey2, "o-2"));
  REQUIRE_MESSAGE(a.kind == Kind::ok, a.reason);
  REQUIRE_MESSAGE(b.kind == Kind::ok, b.reason);

  auto door = f.set_delivery({a.retailer_order_id, "doorstep", std::nullopt, std::nullopt});
  REQUIRE_MESSAGE(door.ok, door.reason);
  REQUIRE(door.window);
  CHECK(door.window->end - door.window->start == doctest::Approx(7200));  // the doorstep width

  orders::DeliveryChange access{b.retailer_order_id, "trunk", std::string(kCode),
                                std::string(kCarrierApi)};
  auto early = f.set_delivery(access);
  CHECK_FALSE(early.ok);
  CHECK_FALSE(early.retryable);
  CHECK(early.error_code == "not_shipped");
  CHECK(early.reason.find("HTTP 409 not_shipped") == 0);
  CHECK(early.reason.find(kCode) == std::string::npos);

  f.sandbox.advance(3601);  // shipped
  f.sandbox.add_faults({{"kind", "error"}, {"status", 503}, {"route", "delivery"}});
  auto busy = f.set_delivery(access);
  CHECK_FALSE(busy.ok);
  CHECK(busy.retryable);
  CHECK(busy.error_code.empty());
  auto given = f.set_delivery(access);
  REQUIRE_MESSAGE(given.ok, given.reason);
  REQUIRE(given.window);
  CHECK(given.window->end - given.window->start == doctest::Approx(4 * 3600));  // trunk width

  json report = f.sandbox.orders();
  REQUIRE(report["orders"].size() == 2);
  CHECK(report["orders"][1]["delivery"]["access_given"] == true);
  CHECK(report["orders"][1]["carrier_api"] == kCarrierApi);
  // The code reached the sandbox only in the request: no answer, report or log holds it.
  CHECK(report.dump().find(kCode) == std::string::npos);
  CHECK(f.sandbox.log().find(kCode) == std::string::npos);

  // An order that does not exist, and a delivery change the contract does not know.
  auto missing = f.set_delivery({"r-9999", "doorstep", std::nullopt, std::nullopt});
  CHECK_FALSE(missing.ok);
  CHECK_FALSE(missing.retryable);
  CHECK(missing.error_code == "not_found");
}
