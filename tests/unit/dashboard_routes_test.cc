// The dashboard's static files (api/dashboard_routes.h): what is served, with which type
// and headers, and every path that must not be.
#include <doctest/doctest.h>

#include <filesystem>

#include <nlohmann/json.hpp>

#include "api/dashboard_routes.h"
#include "api/http_types.h"
#include "larder/clock.h"
#include "larder/metrics.h"
#include "support/tempdir.h"

using namespace larder;

namespace {

struct Site {
  test::TempDir outside;
  test::TempDir dir;
  ManualClock clock{1000};
  Metrics metrics;
  HttpConfig http;
  Access access{http, clock, metrics};
  Router router{access};

  Site() {
    http.read_token = "read-token-for-tests";
    access.set_tokens(http);
    REQUIRE(add_system_routes(router, metrics, access).ok());
    dir.write("index.html", "<!doctype html><title>Larder</title>");
    std::filesystem::create_directories(dir.file("js"));
    dir.write("js/app.js", "export const x = 1;");
    dir.write("style.css", "body{}");
    dir.write("notes.txt", "not a dashboard file type");
    dir.write(".hidden.js", "secret");
    outside.write("secret.js", "secret");
    std::filesystem::create_symlink(outside.file("secret.js"), dir.file("link.js"));
    REQUIRE(add_dashboard_routes(router, dir.path()).ok());
  }
  HttpResponse get(const std::string& target, const std::string& if_none_match = "") {
    HttpRequest r;
    r.method = "GET";
    r.target = target;
    if (!if_none_match.empty()) r.headers["if-none-match"] = if_none_match;
    REQUIRE(parse_target(target, r).ok());
    return router.handle(r);
  }
};

std::string header(const HttpResponse& r, const std::string& name) {
  for (const auto& [n, v] : r.headers) {
    if (n == name) return v;
  }
  return "";
}

}  // namespace

TEST_CASE("the dashboard's files are served to anyone, with their type and strict headers") {
  Site s;
  HttpResponse index = s.get("/");
  REQUIRE(index.status == 200);
  CHECK(index.content_type == "text/html; charset=utf-8");
  CHECK(index.body.find("<title>Larder</title>") != std::string::npos);
  CHECK(header(index, "Content-Security-Policy").find("default-src 'self'") != std::string::npos);
  CHECK(header(index, "Content-Security-Policy").find("frame-ancestors 'none'") != std::string::npos);
  CHECK(header(index, "X-Content-Type-Options") == "nosniff");
  CHECK(header(index, "Cache-Control") == "no-cache");
  HttpResponse js = s.get("/js/app.js");
  REQUIRE(js.status == 200);
  CHECK(js.content_type == "text/javascript; charset=utf-8");
  CHECK(js.body == "export const x = 1;");
  CHECK(s.get("/style.css").content_type == "text/css; charset=utf-8");
  CHECK(s.get("/index.html").status == 200);
}

TEST_CASE("a file the browser holds is revalidated by its ETag: 304 until it changes") {
  Site s;
  HttpResponse first = s.get("/js/app.js");
  REQUIRE(first.status == 200);
  const std::string tag = header(first, "ETag");
  REQUIRE(tag.size() > 2);
  CHECK(tag.front() == '"');
  CHECK(tag.back() == '"');
  HttpResponse same = s.get("/js/app.js", tag);
  CHECK(same.status == 304);
  CHECK(same.body.empty());
  CHECK(header(same, "ETag") == tag);
  CHECK(header(same, "Cache-Control") == "no-cache");
  CHECK(header(same, "Content-Security-Policy").find("default-src 'self'") != std::string::npos);
  CHECK(s.get("/js/app.js", "\"other\", W/" + tag).status == 304);
  CHECK(s.get("/js/app.js", "*").status == 304);
  CHECK(s.get("/js/app.js", "\"other\"").status == 200);
  CHECK(header(s.get("/style.css"), "ETag") != tag);

  // An upgrade replaces the file: another size, another tag, the new text.
  s.dir.write("js/app.js", "export const x = 2; // new");
  HttpResponse changed = s.get("/js/app.js", tag);
  CHECK(changed.status == 200);
  CHECK(changed.body == "export const x = 2; // new");
  CHECK(header(changed, "ETag") != tag);
}

TEST_CASE("paths out of the folder, hidden files, unknown types and missing files are 404") {
  Site s;
  for (const char* target : {"/../secret.js", "/js/../../secret.js", "/%2e%2e/secret.js",
                             "/js%2F..%2F..%2Fsecret.js", "/.hidden.js", "/notes.txt",
                             "/link.js", "/missing.js", "/js", "/js/", "/a b.js"}) {
    CAPTURE(target);
    HttpRequest r;
    r.method = "GET";
    r.target = target;
    if (!parse_target(target, r).ok()) continue;  // the server refuses it before routing
    HttpResponse resp = s.router.handle(r);
    CHECK(resp.status == 404);
    CHECK(resp.body.find("secret") == std::string::npos);
  }
}

TEST_CASE("the dashboard's routes leave the API's answers alone") {
  Site s;
  // An unknown API path is the API's, not a file's: 401 without a token (as for a known
  // one), a JSON 404 with one, for every method (no 405 "allows only GET, HEAD").
  for (const char* method : {"GET", "POST", "PUT"}) {
    CAPTURE(method);
    HttpRequest api;
    api.method = method;
    api.target = "/api/v1/nothing";
    REQUIRE(parse_target(api.target, api).ok());
    HttpResponse anon = s.router.handle(api);
    CHECK(anon.status == 401);
    CHECK(nlohmann::json::parse(anon.body)["error"]["code"] == "unauthorized");
    api.headers["authorization"] = "Bearer read-token-for-tests";
    HttpResponse r = s.router.handle(api);
    CHECK(r.status == 404);
    CHECK(nlohmann::json::parse(r.body)["error"]["code"] == "not_found");
    CHECK(header(r, "Allow").empty());
  }
  // Alexa's endpoint is not a file either, configured or not.
  HttpRequest alexa;
  alexa.method = "POST";
  alexa.target = "/alexa";
  REQUIRE(parse_target(alexa.target, alexa).ok());
  CHECK(s.router.handle(alexa).status == 404);
  HttpRequest post;
  post.method = "POST";
  post.target = "/index.html";
  REQUIRE(parse_target(post.target, post).ok());
  CHECK(s.router.handle(post).status == 405);
  CHECK_FALSE(add_dashboard_routes(s.router, s.dir.file("nowhere")).ok());
}
