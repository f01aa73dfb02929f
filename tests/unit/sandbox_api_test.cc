// larder-sandbox's HTTP API (tools/larder-sandbox/sandbox_api.h) called with HttpRequest
// values on a ManualClock: the key, the bodies, placing and replaying, and the faults.
#include "sandbox_api.h"

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "api/http_types.h"
#include "retailer_sim.h"
#include "support/sandbox_fixtures.h"

using namespace larder;
using namespace larder::sandbox;
using namespace larder::test::sandbox;
using nlohmann::json;

namespace {

const char* kApiKey = "sandbox-key-0123456789";

struct Api {
  ManualClock clock{kStart};
  std::unique_ptr<RetailerSim> sim;
  std::vector<double> waits;
  std::unique_ptr<SandboxApi> api;
  explicit Api(SimOptions o = {}) {
    sim = std::make_unique<RetailerSim>(clock, o);
    api = std::make_unique<SandboxApi>(*sim, clock, kApiKey,
                                       [this](double s) { waits.push_back(s); });
    REQUIRE(api->init().ok());
  }
  HttpResponse call(const std::string& method, const std::string& target,
                    const std::string& body = "",
                    const std::vector<std::pair<std::string, std::string>>& headers = {},
                    const std::string& key = kApiKey) {
    HttpRequest r;
    r.method = method;
    r.target = target;
    REQUIRE(parse_target(target, r).ok());
    if (!key.empty()) r.headers["authorization"] = "Bearer " + key;
    if (!body.empty()) {
      r.headers["content-type"] = "application/json";
      r.body = body;
    }
    for (const auto& [n, v] : headers) r.headers[n] = v;
    return api->handle(r);
  }
  json quote() {
    HttpResponse r = call("POST", "/v1/quotes", R"({"items":[{"sku":"COFFEE-500","quantity":1}]})");
    REQUIRE(r.status == 200);
    return json::parse(r.body);
  }
};

std::string api_code(const HttpResponse& r) {
  return json::parse(r.body)["error"]["code"].get<std::string>();
}

}  // namespace

TEST_CASE("the API wants the Bearer key on /v1 and /sandbox, and not on /healthz") {
  Api a;
  CHECK(a.call("GET", "/healthz", "", {}, "").status == 200);
  HttpResponse none =
      a.call("POST", "/v1/quotes", R"({"items":[{"sku":"COFFEE-500","quantity":1}]})", {}, "");
  CHECK(none.status == 401);
  CHECK(api_code(none) == "unauthorized");
  bool challenge = false;
  for (const auto& [n, v] : none.headers)
    challenge = challenge || (n == "WWW-Authenticate" && v == "Bearer");
  CHECK(challenge);
  CHECK(a.call("GET", "/v1/orders/r-1", "", {}, "wrong-key").status == 401);
  CHECK(a.call("GET", "/v1/orders/r-1", "", {}, std::string(kApiKey) + "x").status == 401);
  CHECK(a.call("GET", "/sandbox/orders", "", {}, "").status == 401);
  CHECK(a.call("GET", "/v1/nothing", "", {}, "").status == 401);  // the key comes first
  CHECK(a.call("GET", "/v1/nothing").status == 404);
  CHECK(a.call("GET", "/sandbox/orders").status == 200);
  CHECK(a.call("GET", "/v1/orders/r-1").status == 404);
  CHECK(a.call("DELETE", "/v1/orders/r-1").status == 405);
  HttpRequest basic;
  basic.method = "GET";
  basic.target = basic.path = "/sandbox/orders";
  basic.headers["authorization"] = std::string("Basic ") + kApiKey;
  CHECK(a.api->handle(basic).status == 401);
  basic.headers["authorization"] =
      std::string("bearer  ") + kApiKey + " ";  // the scheme in any case
  CHECK(a.api->handle(basic).status == 200);
  basic.headers["authorization"] = std::string("Bearer") + kApiKey;
  CHECK(a.api->handle(basic).status == 401);
  // An empty configured key admits nobody.
  ManualClock clock;
  RetailerSim sim(clock, {});
  SandboxApi open(sim, clock, "", [](double) {});
  REQUIRE(open.init().ok());
  HttpRequest empty;
  empty.method = "GET";
  empty.target = empty.path = "/sandbox/orders";
  empty.headers["authorization"] = "Bearer ";
  CHECK(open.handle(empty).status == 401);
}

TEST_CASE("the API's bodies: JSON only, errors in the contract's shape") {
  Api a;
  CHECK(a.call("POST", "/v1/quotes", "{not json").status == 400);
  HttpRequest text;
  text.method = "POST";
  text.target = text.path = "/v1/quotes";
  text.headers["authorization"] = std::string("Bearer ") + kApiKey;
  text.headers["content-type"] = "text/plain";
  text.body = R"({"items":[]})";
  CHECK(a.api->handle(text).status == 415);
  HttpResponse r = a.call("POST", "/v1/quotes", R"({"items":[{"sku":"NOPE","quantity":1}]})");
  CHECK(r.status == 422);
  CHECK(r.content_type == "application/json");
  CHECK(api_code(r) == "unknown_sku");
}

TEST_CASE("the API places, replays, cancels and counts key presentations") {
  Api a;
  json q = a.quote();
  json body = order_body(q, "doorstep");
  HttpResponse none = a.call("POST", "/v1/orders", body.dump());
  CHECK(none.status == 400);
  HttpResponse placed = a.call("POST", "/v1/orders", body.dump(), {{"idempotency-key", kKey1}});
  REQUIRE_MESSAGE(placed.status == 201, placed.body);
  std::string id = json::parse(placed.body)["order_id"];
  CHECK(a.call("POST", "/v1/orders", body.dump(), {{"idempotency-key", kKey1}}).status == 200);
  CHECK(a.call("GET", "/v1/orders/" + id).status == 200);
  HttpResponse cancelled = a.call("POST", "/v1/orders/" + id + "/cancel");
  CHECK(cancelled.status == 200);
  CHECK(json::parse(cancelled.body)["status"] == "cancelled");
  json report = json::parse(a.call("GET", "/sandbox/orders").body);
  CHECK(report["orders"][0]["presented"] == 2);

  HttpResponse adv = a.call("POST", "/sandbox/advance", R"({"seconds":3600})");
  REQUIRE(adv.status == 200);
  CHECK(json::parse(adv.body)["now"] == kStart + 3600);
  CHECK(a.call("POST", "/sandbox/advance", R"({"seconds":-1})").status == 400);
  CHECK(a.call("POST", "/sandbox/advance", R"({"secs":1})").status == 400);
}

TEST_CASE("the API applies faults: refused, lost answers, slow and hanging") {
  Api a;
  json q = a.quote();
  json body = order_body(q, "doorstep");
  REQUIRE(a.call("POST", "/sandbox/faults",
                 R"({"faults":[{"kind":"error","status":503,"route":"orders","retry_after":2},
                               {"kind":"error","status":500,"route":"orders","after":true}]})")
              .status == 200);
  HttpResponse refused = a.call("POST", "/v1/orders", body.dump(), {{"idempotency-key", kKey1}});
  CHECK(refused.status == 503);
  CHECK(api_code(refused) == "unavailable");
  bool retry_after = false;
  for (const auto& [n, v] : refused.headers)
    retry_after = retry_after || (n == "Retry-After" && v == "2");
  CHECK(retry_after);
  CHECK(json::parse(a.call("GET", "/sandbox/orders").body)["orders"].empty());

  // Carried out, but the answer is lost: the retry with the same key finds the order.
  CHECK(a.call("POST", "/v1/orders", body.dump(), {{"idempotency-key", kKey1}}).status == 500);
  json report = json::parse(a.call("GET", "/sandbox/orders").body);
  REQUIRE(report["orders"].size() == 1);
  HttpResponse retry = a.call("POST", "/v1/orders", body.dump(), {{"idempotency-key", kKey1}});
  CHECK(retry.status == 200);
  report = json::parse(a.call("GET", "/sandbox/orders").body);
  CHECK(report["orders"].size() == 1);
  CHECK(report["orders"][0]["presented"] == 3);

  REQUIRE(a.call("POST", "/sandbox/faults", R"({"kind":"slow","delay_ms":1200,"route":"order"})")
              .status == 200);
  CHECK(a.call("GET", "/v1/orders/r-1001").status == 200);
  REQUIRE(a.waits.size() == 1);
  CHECK(a.waits[0] == doctest::Approx(1.2));
  REQUIRE(a.call("POST", "/sandbox/faults",
                 R"({"kind":"hang","delay_ms":5000,"route":"cancel","after":true})")
              .status == 200);
  HttpResponse hung = a.call("POST", "/v1/orders/r-1001/cancel");
  CHECK(hung.status == 504);
  CHECK(a.waits.size() == 2);
  CHECK(json::parse(a.call("GET", "/v1/orders/r-1001").body)["status"] ==
        "cancelled");  // it was done

  // Faults do not touch /sandbox, and DELETE clears them.
  REQUIRE(a.call("POST", "/sandbox/faults", R"({"kind":"error","count":5})").status == 200);
  CHECK(a.call("GET", "/sandbox/orders").status == 200);
  CHECK(json::parse(a.call("GET", "/sandbox/faults").body)["scripted"].size() == 1);
  CHECK(a.call("DELETE", "/sandbox/faults").status == 200);
  CHECK(a.call("GET", "/v1/orders/r-1001").status == 200);
}
