// The router's asynchronous routes (Router::add_async), called directly through
// Router::handle(request, respond); the real server over loopback is in
// tests/integration/http_server_async_test.cc.
#include "api/router.h"

#include <functional>
#include <memory>
#include <stdexcept>
#include <vector>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "api/http_types.h"
#include "larder/clock.h"
#include "larder/metrics.h"

using namespace larder;

namespace {

const char* kAdmin = "the-admin-token";
const char* kRead = "the-read-token";

HttpRequest req(const std::string& method, const std::string& target, const std::string& token = "") {
  HttpRequest r;
  r.method = method;
  r.target = target;
  REQUIRE(parse_target(target, r).ok());
  if (!token.empty()) r.headers["authorization"] = "Bearer " + token;
  return r;
}

std::string code_of(const HttpResponse& r) {
  auto j = nlohmann::json::parse(r.body);
  REQUIRE(j.contains("error"));
  return j["error"]["code"].get<std::string>();
}

struct Fixture {
  ManualClock clock{1000};
  Metrics metrics;
  HttpConfig config;
  std::unique_ptr<Access> access;
  std::unique_ptr<Router> router;
  Fixture() {
    config.admin_token = kAdmin;
    config.read_token = kRead;
    access = std::make_unique<Access>(config, clock, metrics);
    router = std::make_unique<Router>(*access);
    REQUIRE(add_system_routes(*router, metrics, *access).ok());
  }
};

// What the router passed to respond, in order.
struct Answers {
  std::vector<HttpResponse> got;
  HttpRespond respond() {
    return [this](HttpResponse r) { got.push_back(std::move(r)); };
  }
};

// An asynchronous handler that keeps what it needs and answers when run_all() is called.
struct Deferred {
  std::vector<std::function<void()>> later;
  int calls = 0;
  void run_all() {
    auto pending = std::move(later);
    later.clear();
    for (auto& f : pending) f();
  }
};

}  // namespace

TEST_CASE("an asynchronous route gets its parameters and body and answers later") {
  Fixture f;
  Deferred d;
  auto keep_and_answer_later = [&d](const RouteContext& ctx, HttpRespond respond) {
    ++d.calls;
    // Copies, as the handler's contract says: ctx and its request die when handle() returns.
    nlohmann::json j = ctx.params;
    j["right"] = right_name(ctx.access.right);
    if (!ctx.body.is_null()) j["body"] = ctx.body;
    j["header"] = ctx.request.header("x-tag");
    d.later.push_back([j, respond] { respond(HttpResponse::json(200, j.dump())); });
  };
  REQUIRE(f.router->add_async("GET", "/api/v1/prices/{retailer}/{sku}", Right::read, keep_and_answer_later).ok());
  REQUIRE(f.router->add_async("POST", "/alexa", Right::none, keep_and_answer_later, Body::json).ok());

  Answers a;
  {
    HttpRequest r = req("GET", "/api/v1/prices/shop%20one/sku-7", kRead);
    r.headers["x-tag"] = "tagged";
    f.router->handle(r, a.respond());
    r.path = "/overwritten";
    r.headers.clear();
  }
  CHECK(d.calls == 1);
  CHECK(a.got.empty());  // not answered yet
  d.run_all();
  REQUIRE(a.got.size() == 1);
  CHECK(a.got[0].status == 200);
  auto got = nlohmann::json::parse(a.got[0].body);
  CHECK(got["retailer"] == "shop one");
  CHECK(got["sku"] == "sku-7");
  CHECK(got["right"] == "read");
  CHECK(got["header"] == "tagged");

  // Body::json is checked before the handler runs, and the parsed body reaches it.
  Answers b;
  HttpRequest bad = req("POST", "/alexa");
  bad.headers["content-type"] = "application/json";
  bad.body = "{not json";
  f.router->handle(bad, b.respond());
  REQUIRE(b.got.size() == 1);  // answered at once
  CHECK(b.got[0].status == 400);
  CHECK(d.calls == 1);
  HttpRequest good = bad;
  good.body = R"({"intent":"reorder"})";
  f.router->handle(good, b.respond());
  CHECK(b.got.size() == 1);
  d.run_all();
  REQUIRE(b.got.size() == 2);
  CHECK(nlohmann::json::parse(b.got[1].body)["body"]["intent"] == "reorder");

  // The server's handler form is the same path.
  Answers c;
  f.router->handler()(req("GET", "/api/v1/prices/a/b", kAdmin), c.respond());
  d.run_all();
  REQUIRE(c.got.size() == 1);
  CHECK(nlohmann::json::parse(c.got[0].body)["right"] == "admin");
}

TEST_CASE("access is checked before an asynchronous handler runs") {
  Fixture f;
  int ran = 0;
  REQUIRE(f.router->add_async("POST", "/api/v1/orders/{id}/confirm", Right::admin,
                              [&ran](const RouteContext&, HttpRespond respond) {
                                ++ran;
                                respond(HttpResponse::json(200, "{}"));
                              })
              .ok());
  Answers a;
  f.router->handle(req("POST", "/api/v1/orders/7/confirm"), a.respond());
  f.router->handle(req("POST", "/api/v1/orders/7/confirm", "wrong"), a.respond());
  f.router->handle(req("POST", "/api/v1/orders/7/confirm", kRead), a.respond());
  REQUIRE(a.got.size() == 3);
  CHECK(a.got[0].status == 401);
  CHECK(a.got[1].status == 401);
  CHECK(a.got[2].status == 403);
  CHECK(ran == 0);
  f.router->handle(req("POST", "/api/v1/orders/7/confirm", kAdmin), a.respond());
  CHECK(ran == 1);
  REQUIRE(a.got.size() == 4);
  CHECK(a.got[3].status == 200);  // answered before handle() returned
}

TEST_CASE("404, 405 and registration checks are the same for asynchronous routes") {
  Fixture f;
  int ran = 0;
  AsyncRouteHandler never = [&ran](const RouteContext&, HttpRespond) { ++ran; };
  REQUIRE(f.router->add("GET", "/api/v1/thing/{id}", Right::none, [](const RouteContext&) {
    return HttpResponse::json(200, R"({"sync":true})");
  }).ok());
  REQUIRE(f.router->add_async("POST", "/api/v1/thing/{id}", Right::none, never).ok());

  Answers a;
  f.router->handle(req("GET", "/api/v1/nope", kRead), a.respond());  // /api is the read token's
  f.router->handle(req("PUT", "/api/v1/thing/1"), a.respond());
  f.router->handle(req("GET", "/api/v1/thing/1"), a.respond());  // the sync route, answered at once
  REQUIRE(a.got.size() == 3);
  CHECK(a.got[0].status == 404);
  CHECK(code_of(a.got[0]) == "not_found");
  CHECK(a.got[1].status == 405);
  CHECK(code_of(a.got[1]) == "method_not_allowed");
  bool allow = false;
  for (const auto& [name, value] : a.got[1].headers) {
    allow = allow || (name == "Allow" && value == "GET, HEAD, POST");
  }
  CHECK(allow);
  CHECK(a.got[2].body == R"({"sync":true})");
  CHECK(ran == 0);

  // The same checks as add(); a failed registration changes nothing.
  CHECK_FALSE(f.router->add_async("POST", "/api/v1/thing/{other}", Right::none, never).ok());
  CHECK_FALSE(f.router->add("POST", "/api/v1/thing/{id}", Right::none, [](const RouteContext&) {
    return HttpResponse::json(200, "{}");
  }).ok());
  CHECK_FALSE(f.router->add_async("GET", "/api/v1/thing/{id}", Right::none, never).ok());
  CHECK_FALSE(f.router->add_async("post", "/x", Right::none, never).ok());
  CHECK_FALSE(f.router->add_async("POST", "x", Right::none, never).ok());
  CHECK_FALSE(f.router->add_async("POST", "/x/{a...}/y", Right::none, never).ok());
  CHECK_FALSE(f.router->add_async("POST", "/x", Right::none, nullptr).ok());
  Answers b;
  f.router->handle(req("POST", "/x"), b.respond());
  REQUIRE(b.got.size() == 1);
  CHECK(b.got[0].status == 404);
}

TEST_CASE("a throwing asynchronous handler gets 500 and a handler answers only once") {
  Fixture f;
  REQUIRE(f.router->add_async("GET", "/boom", Right::none, [](const RouteContext&, HttpRespond) {
    throw std::runtime_error("bug");
  }).ok());
  REQUIRE(f.router->add_async("GET", "/late-boom", Right::none, [](const RouteContext&, HttpRespond respond) {
    respond(HttpResponse::json(200, R"({"first":true})"));
    throw std::runtime_error("bug after answering");
  }).ok());
  Deferred d;
  REQUIRE(f.router->add_async("GET", "/twice", Right::none, [&d](const RouteContext&, HttpRespond respond) {
    respond(HttpResponse::json(200, R"({"first":true})"));
    d.later.push_back([respond] { respond(HttpResponse::json(200, R"({"second":true})")); });
  }).ok());

  Answers a;
  f.router->handle(req("GET", "/boom"), a.respond());
  REQUIRE(a.got.size() == 1);
  CHECK(a.got[0].status == 500);
  CHECK(code_of(a.got[0]) == "internal");

  Answers b;
  f.router->handle(req("GET", "/late-boom"), b.respond());
  REQUIRE(b.got.size() == 1);
  CHECK(b.got[0].body == R"({"first":true})");

  Answers c;
  f.router->handle(req("GET", "/twice"), c.respond());
  d.run_all();
  REQUIRE(c.got.size() == 1);
  CHECK(c.got[0].body == R"({"first":true})");
}

TEST_CASE("the synchronous handle answers 500 for an asynchronous route without running it") {
  Fixture f;
  int ran = 0;
  REQUIRE(f.router->add_async("GET", "/later", Right::none, [&ran](const RouteContext&, HttpRespond respond) {
    ++ran;
    respond(HttpResponse::json(200, "{}"));
  }).ok());
  HttpResponse r = f.router->handle(req("GET", "/later"));
  CHECK(r.status == 500);
  CHECK(code_of(r) == "internal");
  CHECK(ran == 0);
  // Its own checks still answer as usual, and synchronous routes are unchanged.
  CHECK(f.router->handle(req("POST", "/later")).status == 405);
  CHECK(f.router->handle(req("GET", "/healthz")).status == 200);
}
