// The webhook retailer (daemon/adapters/retailer) against a real local HTTP server: the
// hub's own HttpServer on 127.0.0.1, which records every request and answers as each test
// tells it. The adapter's callbacks come back through asio::post onto the io_context this
// thread runs; the server runs on the same loop.
#include <doctest/doctest.h>

#include <chrono>
#include <cstdlib>
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

#include "adapters/crypto/signature.h"
#include "adapters/http/http_server.h"
#include "adapters/retailer/retailer_factory.h"
#include "adapters/retailer/retailer_kinds.h"
#include "larder/metrics.h"
#include "support/answer_loop.h"
#include "support/tempdir.h"

using namespace larder;
using nlohmann::json;
using namespace std::chrono_literals;
namespace asio = boost::asio;

namespace {

const char* kSecret = "webhook-secret-for-tests";
const char* kKey = "5f0c2a9e-1b7d-4e38-9c61-2d8a7f3b4e01";

// The hub's HTTP server with a handler of the test's choosing; every request is kept.
struct Receiver {
  Metrics metrics;
  std::vector<HttpRequest> requests;
  std::function<HttpResponse(const HttpRequest&)> respond = [](const HttpRequest&) {
    return HttpResponse::json(200, R"({"ok":true})");
  };
  std::unique_ptr<HttpServer> server;

  explicit Receiver(asio::io_context& io, std::optional<TlsConfig> tls = std::nullopt)
      : https(tls.has_value()) {
    HttpServerOptions o;
    o.host = "127.0.0.1";
    o.port = 0;
    o.tls = std::move(tls);
    server = std::make_unique<HttpServer>(
        io, o,
        [this](const HttpRequest& r) {
          requests.push_back(r);
          return respond(r);
        },
        metrics);
    Status s = server->start();
    REQUIRE_MESSAGE(s.ok(), s.message());
  }
  bool https = false;
  std::string url(const std::string& path = "") const {
    return (https ? "https" : "http") + std::string("://127.0.0.1:") +
           std::to_string(server->port()) + path;
  }
};

using Loop = larder::test::AnswerLoop;

Config webhook_config(const std::string& url, std::optional<std::string> secret = kSecret) {
  Config c;
  c.household.currency = "GBP";
  RetailerConfig r;
  r.kind = "webhook";
  r.url = url;
  r.webhook_secret = std::move(secret);
  c.retailer = r;
  ConsumableConfig coffee;
  coffee.id = "coffee";
  coffee.pack.sku = "COFFEE-500";
  coffee.pack.size = 500;
  coffee.pack.price = 8.99;
  ConsumableConfig milk;
  milk.id = "milk";
  milk.pack.sku = "MILK-1L";
  milk.pack.size = 1;  // no price configured
  c.consumables = {coffee, milk};
  return c;
}

std::unique_ptr<orders::Retailer> make(Loop& loop, const Config& c, RetailerOptions o = {}) {
  auto r = make_retailer(c, loop.post, o);
  REQUIRE_MESSAGE(r.ok(), r.status().message());
  return std::move(r.value());
}

orders::PlaceCall place_call(const std::string& order_id = "o-1") {
  orders::PlaceCall c;
  c.order_id = order_id;
  c.quote_id = "local-1";
  c.idempotency_key = kKey;
  c.delivery_method = "doorstep";
  c.order_state = {{"order_id", order_id}, {"consumable", "coffee"}, {"sku", "COFFEE-500"},
                   {"quantity", 2},        {"status", "placing"},    {"price", 17.98},
                   {"note", "caf\xc3\xa9"}};
  return c;
}

orders::PlaceResult place(Loop& loop, orders::Retailer& r, const orders::PlaceCall& c) {
  return loop.await<orders::PlaceResult>([&](auto done) { r.place(c, done); });
}

orders::CancelResult cancel(Loop& loop, orders::Retailer& r, const std::string& id) {
  return loop.await<orders::CancelResult>([&](auto done) { r.cancel(id, done); });
}

HttpResponse answer(int status, const std::string& body = "{}") {
  return HttpResponse::json(status, body);
}

// A port nothing listens on (bound, then closed again).
std::uint16_t closed_port() {
  asio::io_context io;
  asio::ip::tcp::acceptor a(io, {asio::ip::make_address("127.0.0.1"), 0});
  return a.local_endpoint().port();
}

}  // namespace

TEST_CASE("local quotes round the total to the currency's minor unit, not always the cent") {
  // Found by a review: 3 x 0.125 KWD came to 0.38 KWD, and 3 x 0.5 JPY to 1.5 yen.
  Config c = webhook_config("http://127.0.0.1:1/");
  c.household.currency = "KWD";
  c.consumables[0].pack.price = 0.125;
  std::vector<orders::Item> three = {{"coffee", "COFFEE-500", 3}};
  auto kwd = retailer::LocalQuotes(c).quote(three);
  REQUIRE(kwd.quote);
  CHECK(kwd.quote->total == doctest::Approx(0.375).epsilon(1e-12));
  c.household.currency = "JPY";
  c.consumables[0].pack.price = 0.5;
  auto jpy = retailer::LocalQuotes(c).quote(three);
  REQUIRE(jpy.quote);
  CHECK(jpy.quote->total == 2);  // 1.5 yen, to the yen
}

TEST_CASE("the webhook quotes locally from the configured packs") {
  Loop loop;
  Receiver rx(loop.io);
  auto r = make(loop, webhook_config(rx.url()));
  CHECK(r->kind() == "webhook");
  std::vector<orders::Item> items = {{"coffee", "COFFEE-500", 2}, {"milk", "MILK-1L", 3}};
  auto q = loop.await<orders::QuoteOutcome>([&](auto done) { r->quote(items, done); });
  REQUIRE_MESSAGE(q.quote, q.reason);
  CHECK(q.quote->items.size() == 2);
  CHECK(q.quote->items[0].sku == "COFFEE-500");
  CHECK(q.quote->items[0].quantity == 2);
  CHECK(q.quote->items[0].unit_price == doctest::Approx(8.99));
  CHECK(q.quote->items[1].unit_price == 0);  // no price configured
  CHECK(q.quote->total == doctest::Approx(17.98));
  CHECK(q.quote->currency == "GBP");
  REQUIRE(q.quote->delivery_options.size() == 1);
  CHECK(q.quote->delivery_options[0].method == "doorstep");
  CHECK_FALSE(q.quote->delivery_options[0].window);
  CHECK_FALSE(q.quote->expires_at);
  CHECK_FALSE(q.quote->quote_id.empty());
  // The quote survives the ledger's reading of a retailer's quote.
  CHECK(orders::parse_quote(orders::quote_json(*q.quote)).ok());

  auto again = loop.await<orders::QuoteOutcome>([&](auto done) { r->quote(items, done); });
  REQUIRE(again.quote);
  CHECK(again.quote->quote_id != q.quote->quote_id);

  std::vector<orders::Item> unknown = {{"tea", "TEA-20", 1}};
  auto bad = loop.await<orders::QuoteOutcome>([&](auto done) { r->quote(unknown, done); });
  CHECK_FALSE(bad.quote);
  CHECK_FALSE(bad.retryable);
  CHECK(bad.reason.find("TEA-20") != std::string::npos);
  CHECK(rx.requests.empty());  // no request for a quote
}

TEST_CASE("a webhook place POSTs the signed order event with its idempotency key") {
  Loop loop;
  Receiver rx(loop.io);
  auto r = make(loop, webhook_config(rx.url("/hooks/larder")));
  orders::PlaceCall c = place_call();
  auto res = place(loop, *r, c);
  CHECK(res.kind == orders::PlaceResult::Kind::ok);
  CHECK(res.retailer_order_id == "webhook-o-1");

  REQUIRE(rx.requests.size() == 1);
  const HttpRequest req = rx.requests[0];  // a copy: more requests come
  CHECK(req.method == "POST");
  CHECK(req.path == "/hooks/larder");
  CHECK(req.header("content-type") == "application/json");
  CHECK(req.header("idempotency-key") == kKey);
  CHECK(req.header("authorization").empty());  // no api_key configured
  CHECK(verify_signature(kSecret, req.body, req.header("x-larder-signature")));
  CHECK_FALSE(verify_signature("another secret", req.body, req.header("x-larder-signature")));
  json body = json::parse(req.body);
  CHECK(body == json{{"event", "order"}, {"order", c.order_state}});

  // A retry of the same order sends the same bytes, with the same key.
  auto retry = place(loop, *r, c);
  CHECK(retry.kind == orders::PlaceResult::Kind::ok);
  REQUIRE(rx.requests.size() == 2);
  CHECK(rx.requests[1].body == req.body);
  CHECK(rx.requests[1].header("idempotency-key") == kKey);
}

TEST_CASE("without a secret the webhook sends no signature, with an api key a bearer token") {
  Loop loop;
  Receiver rx(loop.io);
  Config c = webhook_config(rx.url(), std::nullopt);
  c.retailer->api_key = "hook-token";
  auto r = make(loop, c);
  CHECK(place(loop, *r, place_call()).kind == orders::PlaceResult::Kind::ok);
  REQUIRE(rx.requests.size() == 1);
  CHECK(rx.requests[0].header("x-larder-signature").empty());
  CHECK(rx.requests[0].header("authorization") == "Bearer hook-token");
}

TEST_CASE("an https webhook is verified against the system's CAs and the given CA file") {
  test::TempDir dir;
  std::string cert = dir.file("cert.pem");
  std::string key = dir.file("key.pem");
  std::string cmd = "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2"
                    " -subj /CN=localhost -addext subjectAltName=DNS:localhost,IP:127.0.0.1"
                    " -keyout " + key + " -out " + cert + " 2>/dev/null";
  REQUIRE(std::system(cmd.c_str()) == 0);
  Loop loop;
  Receiver rx(loop.io, TlsConfig{"", cert, key});
  // A self-signed certificate is no system CA's.
  auto untrusted = make(loop, webhook_config(rx.url("/hook")));
  auto res = place(loop, *untrusted, place_call());
  CHECK(res.kind == orders::PlaceResult::Kind::retryable);
  CHECK(res.reason.find("no answer") == 0);
  CHECK(rx.requests.empty());
  // With it as the CA file the order goes through.
  RetailerOptions o;
  o.ca_file = cert;
  auto trusted = make(loop, webhook_config(rx.url("/hook")), o);
  res = place(loop, *trusted, place_call());
  CHECK_MESSAGE(res.kind == orders::PlaceResult::Kind::ok, res.reason);
  REQUIRE(rx.requests.size() == 1);
  CHECK(verify_signature(kSecret, rx.requests[0].body, rx.requests[0].header("x-larder-signature")));
}

TEST_CASE("the webhook's answers map onto the place outcomes") {
  Loop loop;
  Receiver rx(loop.io);
  auto r = make(loop, webhook_config(rx.url()));
  using Kind = orders::PlaceResult::Kind;
  struct Case {
    int status;
    Kind kind;
  };
  for (Case k : {Case{201, Kind::ok}, Case{202, Kind::ok}, Case{204, Kind::ok},
                 Case{429, Kind::retryable}, Case{500, Kind::retryable}, Case{503, Kind::retryable},
                 Case{400, Kind::rejected}, Case{404, Kind::rejected}, Case{410, Kind::rejected},
                 Case{302, Kind::rejected}}) {
    INFO("HTTP " << k.status);
    rx.respond = [&](const HttpRequest&) {
      if (k.status == 204) return answer(204, "");
      if (k.status == 302) {  // not followed: the signed order stays where it was sent
        HttpResponse a = answer(302, R"({"error":{"code":"moved","message":"the shop bot says no"}})");
        a.headers.emplace_back("Location", rx.url("/elsewhere"));
        return a;
      }
      return answer(k.status, R"({"error":{"code":"nope","message":"the shop bot says no"}})");
    };
    auto res = place(loop, *r, place_call());
    CHECK(res.kind == k.kind);
    if (k.kind == Kind::ok) {
      CHECK(res.retailer_order_id == "webhook-o-1");
    } else {
      CHECK(res.reason.find("HTTP " + std::to_string(k.status)) != std::string::npos);
      CHECK(res.retailer_order_id.empty());
    }
    if (k.kind == Kind::rejected) CHECK(res.reason.find("the shop bot says no") != std::string::npos);
  }
  for (const auto& req : rx.requests) CHECK(req.path != "/elsewhere");  // no redirect followed
  // An error body that is not JSON still gives a reason.
  rx.respond = [](const HttpRequest&) {
    HttpResponse a;
    a.status = 422;
    a.content_type = "text/plain";
    a.body = "no\x01 such\nlist";
    return a;
  };
  auto res = place(loop, *r, place_call());
  CHECK(res.kind == Kind::rejected);
  CHECK(res.reason == "HTTP 422: no  such list");
}

TEST_CASE("a webhook that cannot be reached, or does not answer in time, is retryable") {
  Loop loop;
  SUBCASE("nothing listens") {
    auto r = make(loop, webhook_config("http://127.0.0.1:" + std::to_string(closed_port()) + "/hook"));
    auto res = place(loop, *r, place_call());
    CHECK(res.kind == orders::PlaceResult::Kind::retryable);
    CHECK(res.reason.find("no answer") == 0);
    auto c = cancel(loop, *r, "webhook-o-1");
    CHECK(c.kind == orders::CancelResult::Kind::retryable);
  }
  SUBCASE("a server that accepts and never answers") {
    asio::ip::tcp::acceptor silent(loop.io, {asio::ip::make_address("127.0.0.1"), 0});
    std::vector<std::shared_ptr<asio::ip::tcp::socket>> held;
    std::function<void()> accept = [&] {
      auto s = std::make_shared<asio::ip::tcp::socket>(loop.io);
      silent.async_accept(*s, [&, s](const boost::system::error_code& ec) {
        if (ec) return;
        held.push_back(s);  // keep it open, say nothing
        accept();
      });
    };
    accept();
    RetailerOptions o;
    o.timeout_s = 0.5;
    auto r = make(loop, webhook_config("http://127.0.0.1:" + std::to_string(silent.local_endpoint().port())), o);
    auto res = place(loop, *r, place_call());
    CHECK(res.kind == orders::PlaceResult::Kind::retryable);
    CHECK(res.reason.find("no answer") == 0);
    CHECK(held.size() >= 1);  // it did connect
    silent.close();
  }
}

TEST_CASE("a retailer destroyed with a request in flight answers nothing more") {
  Loop loop;
  asio::ip::tcp::acceptor silent(loop.io, {asio::ip::make_address("127.0.0.1"), 0});
  asio::ip::tcp::socket held(loop.io);
  silent.async_accept(held, [](const boost::system::error_code&) {});  // then says nothing
  RetailerOptions o;
  o.timeout_s = 0.3;
  auto r = make(loop, webhook_config("http://127.0.0.1:" + std::to_string(silent.local_endpoint().port())), o);
  int answers = 0;
  r->place(place_call(), [&](orders::PlaceResult) { ++answers; });
  while (!held.is_open()) loop.io.run_for(10ms);  // the request is out
  r.reset();
  // Its timeout passes; the answer it would have given is not posted.
  loop.io.run_for(1500ms);
  CHECK(answers == 0);
}

TEST_CASE("a webhook cancel POSTs the signed cancel event") {
  Loop loop;
  Receiver rx(loop.io);
  auto r = make(loop, webhook_config(rx.url("/hooks/larder")));
  auto ok = cancel(loop, *r, "webhook-o-1");
  CHECK(ok.kind == orders::CancelResult::Kind::ok);
  REQUIRE(rx.requests.size() == 1);
  const HttpRequest req = rx.requests[0];  // a copy: more requests come
  CHECK(req.method == "POST");
  CHECK(req.path == "/hooks/larder");
  CHECK(json::parse(req.body) == json{{"event", "cancel"}, {"order_id", "o-1"}});
  CHECK(verify_signature(kSecret, req.body, req.header("x-larder-signature")));

  rx.respond = [](const HttpRequest&) { return answer(503); };
  CHECK(cancel(loop, *r, "webhook-o-1").kind == orders::CancelResult::Kind::retryable);
  rx.respond = [](const HttpRequest&) { return answer(409); };
  auto refused = cancel(loop, *r, "webhook-o-1");
  CHECK(refused.kind == orders::CancelResult::Kind::rejected);
  CHECK(refused.reason.find("HTTP 409") == 0);
}

TEST_CASE("the webhook reports no status, without asking anyone") {
  Loop loop;
  Receiver rx(loop.io);
  auto r = make(loop, webhook_config(rx.url()));
  auto s = loop.await<orders::StatusOutcome>([&](auto done) { r->status("webhook-o-1", done); });
  CHECK_FALSE(s.status);
  CHECK(s.reason == "the webhook retailer does not report status");
  CHECK(rx.requests.empty());
}

TEST_CASE("make_retailer refuses what it cannot use") {
  Loop loop;
  Config c = webhook_config("http://127.0.0.1:1/");
  c.retailer->kind = "amazon";
  CHECK_FALSE(make_retailer(c, loop.post).ok());
  c.retailer.reset();
  CHECK_FALSE(make_retailer(c, loop.post).ok());
  c = webhook_config("ftp://127.0.0.1:1/");
  CHECK_FALSE(make_retailer(c, loop.post).ok());
  c = webhook_config("http://127.0.0.1:1/");
  RetailerOptions o;
  o.ca_file = "/nonexistent/ca.pem";
  auto r = make_retailer(c, loop.post, o);
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().message().find("/nonexistent/ca.pem") != std::string::npos);
  o = {};
  o.timeout_s = 0;
  CHECK_FALSE(make_retailer(c, loop.post, o).ok());
}

TEST_CASE("the webhook delivers to the doorstep only, without asking anyone") {
  Loop loop;
  Receiver rx(loop.io);
  auto r = make(loop, webhook_config(rx.url()));
  CHECK_FALSE(r->offers_trunk());
  orders::DeliveryChange doorstep{"webhook-o-1", "doorstep", std::nullopt, std::nullopt};
  auto ok = loop.await<orders::DeliveryChangeOutcome>(
      [&](auto done) { r->set_delivery(doorstep, done); });
  CHECK(ok.ok);
  CHECK(ok.reason.empty());
  orders::DeliveryChange trunk{"webhook-o-1", "trunk", std::string("c0de-secret-4711"),
                               std::string("https://hub.example/api/v1/carrier/deliveries/o-1")};
  auto refused =
      loop.await<orders::DeliveryChangeOutcome>([&](auto done) { r->set_delivery(trunk, done); });
  CHECK_FALSE(refused.ok);
  CHECK_FALSE(refused.retryable);
  CHECK(refused.reason == "the webhook retailer delivers to the doorstep only");
  CHECK(rx.requests.empty());
}
