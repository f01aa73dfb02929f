// The router and the built-in routes, called directly with HttpRequest values; and the
// target parsing the server uses to fill them.
#include "api/router.h"

#include <stdexcept>

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

HttpRequest json_req(const std::string& method, const std::string& target, const std::string& body,
                     const std::string& token = "") {
  HttpRequest r = req(method, target, token);
  r.headers["content-type"] = "application/json";
  r.body = body;
  return r;
}

std::string code_of(const HttpResponse& r) {
  auto j = nlohmann::json::parse(r.body);
  REQUIRE(j.contains("error"));
  CHECK(j["error"]["message"].is_string());
  CHECK_FALSE(j["error"]["message"].get<std::string>().empty());
  return j["error"]["code"].get<std::string>();
}

std::string header_of(const HttpResponse& r, const std::string& name) {
  for (const auto& [n, v] : r.headers) {
    if (n == name) return v;
  }
  return "";
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

HttpResponse echo_params(const RouteContext& ctx) {
  nlohmann::json j = ctx.params;
  j["right"] = right_name(ctx.access.right);
  if (!ctx.body.is_null()) j["body"] = ctx.body;
  return HttpResponse::json(200, j.dump());
}

}  // namespace

TEST_CASE("parse_target decodes path and query, and refuses bad targets") {
  HttpRequest r;
  REQUIRE(parse_target("/api/v1/consumables/caf%C3%A9?since=10&until=2%2B3&q=a+b&flag", r).ok());
  CHECK(r.path == "/api/v1/consumables/caf\xC3\xA9");
  CHECK(r.query.at("since") == "10");
  CHECK(r.query.at("until") == "2+3");
  CHECK(r.query.at("q") == "a b");
  CHECK(r.query.at("flag") == "");
  REQUIRE(parse_target("/", r).ok());
  CHECK(r.path == "/");
  CHECK(r.query.empty());

  for (const char* bad : {"", "healthz", "http://example.com/", "*", "/a%2", "/a%zz", "/a%00b", "/a%2Fb",
                          "/a/../metrics", "/./healthz", "/x?a=%G1", "/x?=1", "/x?a=1&a=2", "/x?a=%00"}) {
    HttpRequest untouched;
    untouched.path = "keep";
    CHECK_MESSAGE(!parse_target(bad, untouched).ok(), bad);
    CHECK(untouched.path == "keep");
  }
  CHECK(media_type("Application/JSON; charset=utf-8") == "application/json");
  CHECK(media_type("") == "");
}

TEST_CASE("error bodies are the contract's JSON, even for invalid UTF-8") {
  HttpResponse e = HttpResponse::error(404, "not_found", "no order \xff\xfe");
  CHECK(e.status == 404);
  CHECK(e.content_type == "application/json");
  auto j = nlohmann::json::parse(e.body);
  CHECK(j["error"]["code"] == "not_found");
  HttpRequest r;
  r.headers["x-a"] = "1";
  CHECK(r.header("x-a") == "1");
  CHECK(r.header("x-b").empty());
}

TEST_CASE("unknown paths get 404, wrong methods 405 with Allow") {
  Fixture f;
  HttpResponse nf = f.router->handle(req("GET", "/nope"));
  CHECK(nf.status == 404);
  CHECK(code_of(nf) == "not_found");
  CHECK(f.router->handle(req("GET", "/healthz/")).status == 404);

  HttpResponse na = f.router->handle(req("PUT", "/api/v1/session", kAdmin));
  CHECK(na.status == 405);
  CHECK(code_of(na) == "method_not_allowed");
  CHECK(header_of(na, "Allow") == "DELETE, GET, HEAD, POST");
  CHECK(f.router->handle(req("POST", "/healthz")).status == 405);
  // HEAD is answered as GET (the server leaves the body out).
  CHECK(f.router->handle(req("HEAD", "/healthz")).status == 200);
  CHECK(f.router->handle(req("HEAD", "/metrics")).status == 401);
  CHECK(f.router->handle(req("HEAD", "/metrics", kRead)).status == 200);
  // Without a token a wrong method on a path that needs one is 401, and names no method.
  HttpResponse anon = f.router->handle(req("PUT", "/metrics"));
  CHECK(anon.status == 401);
  CHECK(header_of(anon, "Allow").empty());
  CHECK(f.router->handle(req("PUT", "/metrics", kRead)).status == 405);
}

TEST_CASE("an owned prefix: no catch-all takes its paths, unknown ones need its credentials") {
  Fixture f;
  Router& r = *f.router;
  // The dashboard's catch-all: GET only, for anyone.
  REQUIRE(r.add("GET", "/{file...}", Right::none, echo_params).ok());
  CHECK(r.handle(req("GET", "/js/app.js")).status == 200);
  CHECK(r.handle(req("GET", "/apis/x")).status == 200);  // whole segments: not /api's

  // An unknown API path looks like a known one to a caller without a token: 401, not the
  // catch-all's 404 or its 405 "allows only GET, HEAD".
  for (const char* method : {"GET", "HEAD", "POST", "DELETE"}) {
    CAPTURE(method);
    HttpResponse anon = r.handle(req(method, "/api/v1/nosuch"));
    CHECK(anon.status == 401);
    CHECK(header_of(anon, "Allow").empty());
    HttpResponse known = r.handle(req(method, "/api/v1/nosuch", kAdmin));
    CHECK(known.status == 404);
    CHECK(code_of(known) == "not_found");
    CHECK(header_of(known, "Allow").empty());
  }
  CHECK(r.handle(req("GET", "/api", kRead)).status == 404);
  CHECK(r.handle(req("GET", "/api/", kRead)).status == 404);
  // 405 stays for a known path with a wrong method.
  CHECK(r.handle(req("PUT", "/api/v1/session", kRead)).status == 405);
  // /alexa checks its own signature: unknown paths there are 404 to anyone.
  CHECK(r.handle(req("POST", "/alexa")).status == 404);
  CHECK(r.handle(req("GET", "/alexa/x")).status == 404);
  CHECK(r.handle(req("POST", "/healthz/x")).status == 404);  // not the catch-all's 405
  CHECK(r.handle(req("GET", "/metrics/x")).status == 404);

  CHECK_FALSE(r.own("/api", Right::read).ok());  // owned already
  CHECK_FALSE(r.own("/", Right::none).ok());
  CHECK_FALSE(r.own("api", Right::none).ok());
  CHECK_FALSE(r.own("/x/", Right::none).ok());
  CHECK_FALSE(r.own("/x/{id}", Right::none).ok());
  CHECK_FALSE(r.own("/x//y", Right::none).ok());
  // A longer owned prefix decides for its paths.
  REQUIRE(r.own("/api/v1/public", Right::none).ok());
  CHECK(r.handle(req("GET", "/api/v1/public/x")).status == 404);
  CHECK(r.handle(req("GET", "/api/v1/private/x")).status == 401);
}

TEST_CASE("patterns capture parameters and the most specific pattern wins") {
  Fixture f;
  Router& r = *f.router;
  REQUIRE(r.add("GET", "/api/v1/orders/{id}", Right::read, echo_params).ok());
  REQUIRE(r.add("POST", "/api/v1/orders/{id}/cancel", Right::admin, echo_params).ok());
  REQUIRE(r.add("GET", "/api/v1/orders/latest", Right::read, [](const RouteContext&) {
    return HttpResponse::json(200, R"({"latest":true})");
  }).ok());
  REQUIRE(r.add("GET", "/static/{file...}", Right::none, echo_params).ok());

  auto got = nlohmann::json::parse(r.handle(req("GET", "/api/v1/orders/7f3a", kRead)).body);
  CHECK(got["id"] == "7f3a");
  CHECK(got["right"] == "read");
  CHECK(r.handle(req("GET", "/api/v1/orders/latest", kRead)).body == R"({"latest":true})");
  auto cancel = nlohmann::json::parse(r.handle(req("POST", "/api/v1/orders/a%20b/cancel", kAdmin)).body);
  CHECK(cancel["id"] == "a b");
  CHECK(r.handle(req("GET", "/api/v1/orders//cancel", kAdmin)).status == 404);
  auto file = nlohmann::json::parse(r.handle(req("GET", "/static/js/app.js")).body);
  CHECK(file["file"] == "js/app.js");
  CHECK(r.handle(req("GET", "/static/")).status == 404);
  // The access check comes before the handler.
  CHECK(r.handle(req("POST", "/api/v1/orders/7f3a/cancel", kRead)).status == 403);
  CHECK(r.handle(req("GET", "/api/v1/orders/7f3a")).status == 401);
}

TEST_CASE("bad routes are refused at registration") {
  Fixture f;
  Router& r = *f.router;
  CHECK_FALSE(r.add("GET", "/healthz", Right::none, echo_params).ok());  // already there
  CHECK(r.add("GET", "/a/{x}", Right::none, echo_params).ok());
  CHECK_FALSE(r.add("GET", "/a/{y}", Right::none, echo_params).ok());   // same shape
  CHECK(r.add("PATCH", "/a/{y}", Right::admin, echo_params).ok());      // other method, own names
  CHECK_FALSE(r.add("get", "/b", Right::none, echo_params).ok());
  CHECK_FALSE(r.add("GET", "b", Right::none, echo_params).ok());
  CHECK_FALSE(r.add("GET", "/b/{}", Right::none, echo_params).ok());
  CHECK_FALSE(r.add("GET", "/b/{x", Right::none, echo_params).ok());
  CHECK_FALSE(r.add("GET", "/b/x}", Right::none, echo_params).ok());
  CHECK_FALSE(r.add("GET", "/b/{x...}/c", Right::none, echo_params).ok());
  CHECK_FALSE(r.add("GET", "/b", Right::none, RouteHandler()).ok());
  auto patched = nlohmann::json::parse(
      r.handle([] {
        HttpRequest q = req("PATCH", "/a/5", kAdmin);
        return q;
      }()).body);
  CHECK(patched["y"] == "5");
}

TEST_CASE("a route takes only the query parameters its pattern names") {
  Fixture f;
  Router& r = *f.router;
  REQUIRE(r.add("GET", "/api/v1/list?since&limit", Right::read, echo_params).ok());
  REQUIRE(r.add("POST", "/api/v1/list", Right::admin, echo_params).ok());
  REQUIRE(r.add("GET", "/files/{name...}?*", Right::none, echo_params).ok());
  CHECK(r.handle(req("GET", "/api/v1/list?since=5&limit=2", kRead)).status == 200);
  CHECK(r.handle(req("GET", "/api/v1/list", kRead)).status == 200);
  // A misspelt filter is refused with its name and what the route takes, not ignored.
  HttpResponse typo = r.handle(req("GET", "/api/v1/list?sinse=5", kRead));
  CHECK(typo.status == 400);
  CHECK(code_of(typo) == "bad_request");
  CHECK(nlohmann::json::parse(typo.body)["error"]["message"] ==
        "unknown query parameter 'sinse': GET /api/v1/list takes since, limit");
  HttpResponse none = r.handle(req("POST", "/api/v1/list?dry_run=1", kAdmin));
  CHECK(none.status == 400);
  CHECK(nlohmann::json::parse(none.body)["error"]["message"] ==
        "unknown query parameter 'dry_run': POST /api/v1/list takes none");
  // Credentials first: a caller without a token learns nothing of the parameters.
  CHECK(r.handle(req("GET", "/api/v1/list?sinse=5")).status == 401);
  // "?*": any, unchecked (a browser's cache buster, a scraper's own parameters).
  CHECK(r.handle(req("GET", "/files/app.js?v=3")).status == 200);
  CHECK(r.handle(req("GET", "/healthz?probe=1")).status == 200);
  CHECK(r.handle(req("GET", "/metrics?name%5B%5D=x", kRead)).status == 200);
  // Bad query names at registration; a pattern differing only in its query is the same.
  CHECK_FALSE(r.add("GET", "/q1?", Right::none, echo_params).ok());
  CHECK_FALSE(r.add("GET", "/q2?a&&b", Right::none, echo_params).ok());
  CHECK_FALSE(r.add("GET", "/q3?a&a", Right::none, echo_params).ok());
  CHECK_FALSE(r.add("GET", "/q4?a-b", Right::none, echo_params).ok());
  CHECK_FALSE(r.add("GET", "/q5?*&a", Right::none, echo_params).ok());
  CHECK_FALSE(r.add("GET", "/api/v1/list?until", Right::read, echo_params).ok());
}

TEST_CASE("JSON bodies: 415 without the media type, 400 for invalid or deep JSON") {
  Fixture f;
  Router& r = *f.router;
  REQUIRE(r.add("POST", "/api/v1/orders", Right::admin, echo_params, Body::json).ok());

  HttpRequest plain = req("POST", "/api/v1/orders", kAdmin);
  plain.body = R"({"consumable":"coffee"})";
  plain.headers["content-type"] = "text/plain";
  HttpResponse t = r.handle(plain);
  CHECK(t.status == 415);
  CHECK(code_of(t) == "unsupported_media_type");
  plain.headers.erase("content-type");
  CHECK(r.handle(plain).status == 415);

  HttpResponse invalid = r.handle(json_req("POST", "/api/v1/orders", R"({"consumable":)", kAdmin));
  CHECK(invalid.status == 400);
  CHECK(code_of(invalid) == "bad_request");
  CHECK(r.handle(json_req("POST", "/api/v1/orders", "", kAdmin)).status == 400);
  CHECK(r.handle(json_req("POST", "/api/v1/orders", std::string(100, '[') + std::string(100, ']'), kAdmin))
            .status == 400);
  // A key named twice is ambiguous (nlohmann would keep the last): refused, nothing done.
  HttpResponse twice = r.handle(json_req(
      "POST", "/api/v1/orders", R"({"consumable":"coffee","consumable":"detergent"})", kAdmin));
  CHECK(twice.status == 400);
  CHECK(nlohmann::json::parse(twice.body)["error"]["message"] ==
        "the body is not valid JSON: an object names the key 'consumable' twice");
  // Brackets inside strings do not count as nesting.
  CHECK(r.handle(json_req("POST", "/api/v1/orders", R"({"s":")" + std::string(100, '[') + R"("})", kAdmin))
            .status == 200);

  HttpRequest good = json_req("POST", "/api/v1/orders", R"({"consumable":"coffee","quantity":1})", kAdmin);
  good.headers["content-type"] = "application/json; charset=utf-8";
  HttpResponse ok = r.handle(good);
  CHECK(ok.status == 200);
  CHECK(nlohmann::json::parse(ok.body)["body"]["quantity"] == 1);
  // Authentication comes before the body is looked at.
  CHECK(r.handle(json_req("POST", "/api/v1/orders", "junk")).status == 401);
}

TEST_CASE("a handler that throws gets 500 internal") {
  Fixture f;
  REQUIRE(f.router->add("GET", "/boom", Right::none, [](const RouteContext&) -> HttpResponse {
    throw std::runtime_error("bug");
  }).ok());
  HttpResponse r = f.router->handle(req("GET", "/boom"));
  CHECK(r.status == 500);
  CHECK(code_of(r) == "internal");
  // The server's handler form answers the same.
  int status = 0;
  f.router->handler()(req("GET", "/boom"), [&status](HttpResponse res) { status = res.status; });
  CHECK(status == 500);
}

TEST_CASE("system routes: healthz for anyone, metrics for read or admin") {
  Fixture f;
  HttpResponse h = f.router->handle(req("GET", "/healthz"));
  CHECK(h.status == 200);
  CHECK(nlohmann::json::parse(h.body) == nlohmann::json{{"status", "ok"}});

  CHECK(f.router->handle(req("GET", "/metrics")).status == 401);
  CHECK(f.router->handle(req("GET", "/metrics", "wrong")).status == 401);
  f.metrics.inc("larder_test_total");
  for (const char* token : {kRead, kAdmin}) {
    HttpResponse m = f.router->handle(req("GET", "/metrics", token));
    CHECK(m.status == 200);
    CHECK(m.content_type.rfind("text/plain; version=0.0.4", 0) == 0);
    CHECK(m.body.find("larder_test_total 1") != std::string::npos);
    CHECK(m.body.find("larder_http_auth_failures_total{reason=\"token\"} 1") != std::string::npos);
  }
}

TEST_CASE("session routes: sign in, use the cookie with CSRF, sign out") {
  Fixture f;
  Router& r = *f.router;
  REQUIRE(r.add("POST", "/api/v1/orders", Right::admin, echo_params, Body::json).ok());

  CHECK(r.handle(json_req("POST", "/api/v1/session", R"({"token":"wrong"})")).status == 401);
  CHECK(r.handle(json_req("POST", "/api/v1/session", R"({"tok":"x"})")).status == 400);
  CHECK(r.handle(json_req("POST", "/api/v1/session", R"(["x"])")).status == 400);
  CHECK(r.handle(json_req("POST", "/api/v1/session", R"({"token":5})")).status == 400);
  // An unknown field is refused (the house rule of JSON bodies), the right token with it too.
  HttpResponse extra = r.handle(json_req(
      "POST", "/api/v1/session", std::string(R"({"token":")") + kAdmin + R"(","remember":true})"));
  CHECK(extra.status == 400);
  CHECK(extra.body.find("unknown field 'remember' (known: 'token')") != std::string::npos);
  CHECK(header_of(extra, "Set-Cookie").empty());

  HttpResponse in = r.handle(json_req("POST", "/api/v1/session", std::string(R"({"token":")") + kAdmin + "\"}"));
  REQUIRE(in.status == 200);
  std::string set_cookie = header_of(in, "Set-Cookie");
  std::string cookie = set_cookie.substr(0, set_cookie.find(';'));
  std::string csrf = nlohmann::json::parse(in.body)["csrf"];

  HttpRequest who = req("GET", "/api/v1/session");
  who.headers["cookie"] = cookie;
  auto described = nlohmann::json::parse(r.handle(who).body);
  CHECK(described["csrf"] == csrf);
  CHECK(described["right"] == "admin");

  HttpRequest order = json_req("POST", "/api/v1/orders", R"({"consumable":"coffee","quantity":1})");
  order.headers["cookie"] = cookie;
  HttpResponse no_csrf = r.handle(order);
  CHECK(no_csrf.status == 403);
  CHECK(code_of(no_csrf) == "forbidden");
  order.headers["x-larder-csrf"] = csrf;
  CHECK(r.handle(order).status == 200);

  HttpRequest out = req("DELETE", "/api/v1/session");
  out.headers["cookie"] = cookie;
  CHECK(r.handle(out).status == 403);  // signing out by cookie is a change: CSRF needed
  out.headers["x-larder-csrf"] = csrf;
  CHECK(r.handle(out).status == 200);
  CHECK(r.handle(order).status == 401);
  CHECK(f.access->session_count() == 0);

  // Sessions expire with the injected clock.
  HttpResponse again = r.handle(json_req("POST", "/api/v1/session", std::string(R"({"token":")") + kRead + "\"}"));
  std::string c2 = header_of(again, "Set-Cookie");
  HttpRequest read = req("GET", "/metrics");
  read.headers["cookie"] = c2.substr(0, c2.find(';'));
  CHECK(r.handle(read).status == 200);
  f.clock.advance(13 * 3600);
  CHECK(r.handle(read).status == 401);
}
