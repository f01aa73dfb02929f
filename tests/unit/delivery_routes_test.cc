// The delivery routes (api/delivery_routes.h) on a router with the hub's access rules, over
// the real delivery desk (support/delivery_world.h): the audit log for the read right, and
// the carrier's paths, which the hub's tokens have nothing to do with.
#include <doctest/doctest.h>

#include <string>

#include <nlohmann/json.hpp>

#include "support/delivery_world.h"

using namespace larder;
using namespace larder::test;
using nlohmann::json;

namespace {

const char* kRead = "read-token-for-tests";
const char* kAdmin = "admin-token-for-tests";
const char* kCode = "K7QW2M9XCBRT4HNP8DZ3VFJ6";  // a grant code's shape

// The hub's own routes and the delivery routes on a router with both tokens.
struct Routes {
  World w;
  HttpConfig http = [] {
    HttpConfig h;
    h.read_token = kRead;
    h.admin_token = kAdmin;
    return h;
  }();
  Access access{http, w.clock, w.metrics};
  Router router{access};

  Routes() {
    REQUIRE(add_system_routes(router, w.metrics, access).ok());
    REQUIRE(add_delivery_routes(router, w.delivery).ok());
  }
  HttpResponse get(const std::string& target, const std::string& token = "") {
    HttpRequest r;
    r.method = "GET";
    r.target = target;
    REQUIRE(parse_target(r.target, r).ok());
    if (!token.empty()) r.headers["authorization"] = "Bearer " + token;
    return router.handle(r);
  }
  double token_failures() const {
    return w.metrics.get("larder_http_auth_failures_total", {{"reason", "token"}});
  }
};

}  // namespace

TEST_CASE("GET /api/v1/audit: the log for the read right; an unreadable store is 503") {
  Routes t;
  CHECK(t.get("/api/v1/audit").status == 401);
  HttpResponse ok = t.get("/api/v1/audit", kRead);
  CHECK(ok.status == 200);
  CHECK(json::parse(ok.body).contains("entries"));

  // The database refuses the read: not a bug (500), but 503 with what to do.
  t.w.grant_store.fail_reads = true;
  HttpResponse down = t.get("/api/v1/audit", kRead);
  CHECK(down.status == 503);
  json e = json::parse(down.body)["error"];
  CHECK(e["code"] == "unavailable");
  CHECK(e["message"].get<std::string>().find("database is locked") != std::string::npos);
  CHECK(e["message"].get<std::string>().find("try again") != std::string::npos);
  t.w.grant_store.fail_reads = false;
  CHECK(t.get("/api/v1/audit", kRead).status == 200);
}

TEST_CASE("a code sent to a mistyped carrier path is 404, not a wrong token") {
  Routes t;
  // A carrier's app with a path a little wrong, many times over: each is 404, none counts
  // as a wrong token, so the household's tokens are not locked out (20 a minute would).
  for (const char* target : {"/api/v1/carrier/deliveries/o-1/", "/api/v1/carrier/deliveries",
                             "/api/v1/carrier/o-1/unlock", "/api/v1/carrier"}) {
    for (int i = 0; i < 10; ++i) {
      CAPTURE(target);
      REQUIRE(t.get(target, kCode).status == 404);
    }
  }
  CHECK(t.token_failures() == 0);
  CHECK(t.get("/api/v1/deliveries", kAdmin).status == 200);
  // Beside the carrier's paths, a wrong token is still one.
  CHECK(t.get("/api/v1/deliveries/x", kCode).status == 401);
  CHECK(t.token_failures() == 1);
}
