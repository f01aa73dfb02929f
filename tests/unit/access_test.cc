// Access rules of shared/contract/http.md: tokens, sessions, CSRF, expiry, throttling.
#include "api/access.h"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "larder/clock.h"
#include "larder/metrics.h"

using namespace larder;

namespace {

const char* kAdmin = "admin-secret-token";
const char* kRead = "read-secret-token";

HttpConfig config() {
  HttpConfig c;
  c.admin_token = kAdmin;
  c.read_token = kRead;
  return c;
}

HttpRequest request(const std::string& method, const std::string& path) {
  HttpRequest r;
  r.method = method;
  r.target = path;
  r.path = path;
  r.remote = "127.0.0.1";
  return r;
}

HttpRequest with_token(HttpRequest r, const std::string& token) {
  r.headers["authorization"] = "Bearer " + token;
  return r;
}

std::string header_of(const HttpResponse& r, const std::string& name) {
  for (const auto& [n, v] : r.headers) {
    if (n == name) return v;
  }
  return "";
}

std::string error_code(const HttpResponse& r) {
  return nlohmann::json::parse(r.body)["error"]["code"].get<std::string>();
}

// The session id from a Set-Cookie header ("larder_session=<id>; ...").
std::string cookie_id(const HttpResponse& r) {
  std::string c = header_of(r, "Set-Cookie");
  auto eq = c.find('=');
  auto semi = c.find(';');
  return c.substr(eq + 1, semi - eq - 1);
}

struct Signed {
  std::string id;
  std::string csrf;
};

Signed sign_in(Access& access, const std::string& token) {
  HttpResponse r = access.sign_in(token);
  REQUIRE(r.status == 200);
  auto body = nlohmann::json::parse(r.body);
  return {cookie_id(r), body["csrf"].get<std::string>()};
}

HttpRequest with_cookie(HttpRequest r, const Signed& s, bool csrf) {
  r.headers["cookie"] = "theme=dark; larder_session=" + s.id;
  if (csrf) r.headers["x-larder-csrf"] = s.csrf;
  return r;
}

}  // namespace

TEST_CASE("tokens map to rights, and nothing else does") {
  ManualClock clock(1000);
  Metrics metrics;
  Access access(config(), clock, metrics);
  CHECK(access.token_right(kAdmin) == Right::admin);
  CHECK(access.token_right(kRead) == Right::read);
  CHECK(access.token_right("") == Right::none);
  CHECK(access.token_right("admin-secret-toke") == Right::none);
  CHECK(access.token_right(std::string(kAdmin) + "x") == Right::none);

  HttpConfig no_read;
  no_read.admin_token = kAdmin;
  no_read.read_token = "";  // an empty configured token matches nothing, not even ""
  Access strict(no_read, clock, metrics);
  CHECK(strict.token_right("") == Right::none);
  CHECK(strict.token_right(kRead) == Right::none);
  CHECK(strict.token_right(kAdmin) == Right::admin);
}

TEST_CASE("Bearer tokens: public routes, 401, 403 and the right granted") {
  ManualClock clock(1000);
  Metrics metrics;
  Access access(config(), clock, metrics);

  AccessResult open = access.check(request("GET", "/healthz"), Right::none);
  CHECK(open.allowed());
  CHECK(open.right == Right::none);

  AccessResult missing = access.check(request("GET", "/metrics"), Right::read);
  REQUIRE_FALSE(missing.allowed());
  CHECK(missing.refusal->status == 401);
  CHECK(header_of(*missing.refusal, "WWW-Authenticate") == "Bearer");
  CHECK(error_code(*missing.refusal) == "unauthorized");
  CHECK(metrics.get("larder_http_auth_failures_total", {{"reason", "token"}}) == 0);

  AccessResult wrong = access.check(with_token(request("GET", "/metrics"), "guess"), Right::read);
  REQUIRE_FALSE(wrong.allowed());
  CHECK(wrong.refusal->status == 401);
  CHECK(header_of(*wrong.refusal, "WWW-Authenticate") == "Bearer");
  CHECK(metrics.get("larder_http_auth_failures_total", {{"reason", "token"}}) == 1);

  HttpRequest basic = request("GET", "/metrics");
  basic.headers["authorization"] = "Basic YWRtaW46eA==";
  CHECK(access.check(basic, Right::read).refusal->status == 401);

  AccessResult low = access.check(with_token(request("POST", "/api/v1/orders"), kRead), Right::admin);
  REQUIRE_FALSE(low.allowed());
  CHECK(low.refusal->status == 403);
  CHECK(error_code(*low.refusal) == "forbidden");

  AccessResult read = access.check(with_token(request("GET", "/metrics"), kRead), Right::read);
  CHECK(read.allowed());
  CHECK(read.right == Right::read);
  CHECK_FALSE(read.by_session);

  HttpRequest lower_scheme = request("POST", "/api/v1/orders");
  lower_scheme.headers["authorization"] = std::string("bearer  ") + kAdmin;
  AccessResult admin = access.check(lower_scheme, Right::admin);
  CHECK(admin.allowed());
  CHECK(admin.right == Right::admin);
}

TEST_CASE("the Bearer credential is read in any case of the scheme, spaces around it ignored") {
  // The hub's tokens and the carrier API's grant codes (api/delivery_routes.cc) both.
  CHECK(bearer_token("Bearer abc") == "abc");
  CHECK(bearer_token("bearer  abc") == "abc");
  CHECK(bearer_token("BEARER\tabc ") == "abc");
  CHECK(bearer_token("  Bearer abc") == "abc");
  CHECK_FALSE(bearer_token("Basic abc").has_value());
  CHECK_FALSE(bearer_token("Bearerabc").has_value());
  CHECK_FALSE(bearer_token("Bearer").has_value());
  CHECK_FALSE(bearer_token("Bearer   ").has_value());
  CHECK_FALSE(bearer_token("").has_value());
}

TEST_CASE("sign-in opens a session whose cookie works like the token, with CSRF for changes") {
  ManualClock clock(1000);
  Metrics metrics;
  Access access(config(), clock, metrics);

  HttpResponse bad = access.sign_in("nope");
  CHECK(bad.status == 401);
  CHECK(access.session_count() == 0);
  CHECK(access.sign_in("").status == 401);

  HttpResponse ok = access.sign_in(kAdmin);
  REQUIRE(ok.status == 200);
  std::string cookie = header_of(ok, "Set-Cookie");
  CHECK(cookie.rfind("larder_session=", 0) == 0);
  CHECK(cookie.find("; HttpOnly") != std::string::npos);
  CHECK(cookie.find("; SameSite=Strict") != std::string::npos);
  CHECK(cookie.find("; Path=/") != std::string::npos);
  CHECK(cookie.find("; Max-Age=604800") != std::string::npos);
  CHECK(cookie.find("Secure") == std::string::npos);
  auto body = nlohmann::json::parse(ok.body);
  CHECK(body["right"] == "admin");
  CHECK(body["csrf"].get<std::string>().size() == 64);
  CHECK(body["expires"].get<double>() == doctest::Approx(1000 + 12 * 3600));
  CHECK(cookie_id(ok).size() == 64);
  CHECK(cookie_id(ok) != body["csrf"].get<std::string>());

  Signed s{cookie_id(ok), body["csrf"].get<std::string>()};
  AccessResult get = access.check(with_cookie(request("GET", "/api/v1/orders"), s, false), Right::read);
  CHECK(get.allowed());
  CHECK(get.by_session);
  CHECK(get.right == Right::admin);

  AccessResult no_csrf = access.check(with_cookie(request("POST", "/api/v1/orders"), s, false), Right::admin);
  REQUIRE_FALSE(no_csrf.allowed());
  CHECK(no_csrf.refusal->status == 403);
  CHECK(metrics.get("larder_http_auth_failures_total", {{"reason", "csrf"}}) == 1);

  HttpRequest wrong_csrf = with_cookie(request("DELETE", "/api/v1/session"), s, false);
  wrong_csrf.headers["x-larder-csrf"] = std::string(s.csrf.rbegin(), s.csrf.rend());
  CHECK(access.check(wrong_csrf, Right::read).refusal->status == 403);

  AccessResult with_csrf = access.check(with_cookie(request("POST", "/api/v1/orders"), s, true), Right::admin);
  CHECK(with_csrf.allowed());

  // A Bearer request needs no CSRF header, even with a cookie beside it.
  HttpRequest both = with_token(with_cookie(request("POST", "/api/v1/orders"), s, false), kAdmin);
  CHECK(access.check(both, Right::admin).allowed());

  // A session opened with the read token only reads.
  Signed r = sign_in(access, kRead);
  CHECK(access.check(with_cookie(request("GET", "/metrics"), r, false), Right::read).allowed());
  AccessResult r_post = access.check(with_cookie(request("POST", "/api/v1/orders"), r, true), Right::admin);
  REQUIRE_FALSE(r_post.allowed());
  CHECK(r_post.refusal->status == 403);

  // An unknown session id is a 401 that clears the cookie.
  Signed fake{std::string(64, 'a'), s.csrf};
  AccessResult unknown = access.check(with_cookie(request("GET", "/metrics"), fake, false), Right::read);
  REQUIRE_FALSE(unknown.allowed());
  CHECK(unknown.refusal->status == 401);
  CHECK(header_of(*unknown.refusal, "Set-Cookie").find("Max-Age=0") != std::string::npos);
  CHECK(metrics.get("larder_http_auth_failures_total", {{"reason", "session"}}) == 1);
}

TEST_CASE("the cookie is Secure when TLS is on") {
  ManualClock clock(0);
  Metrics metrics;
  AccessOptions o;
  o.secure_cookie = true;
  Access access(config(), clock, metrics, o);
  HttpResponse ok = access.sign_in(kRead);
  CHECK(header_of(ok, "Set-Cookie").find("; Secure") != std::string::npos);
}

TEST_CASE("sessions end after idle time and after their lifetime and use restarts the idle time") {
  ManualClock clock(0);
  Metrics metrics;
  AccessOptions o;
  o.session_idle_seconds = 3600;
  o.session_lifetime_seconds = 4 * 3600;
  Access access(config(), clock, metrics, o);
  auto get = [&](const Signed& s) {
    return access.check(with_cookie(request("GET", "/metrics"), s, false), Right::read);
  };

  Signed idle = sign_in(access, kRead);
  clock.advance(3599);
  CHECK(get(idle).allowed());  // used: idle time restarts
  clock.advance(3599);
  CHECK(get(idle).allowed());
  clock.advance(3600);
  AccessResult gone = get(idle);
  REQUIRE_FALSE(gone.allowed());
  CHECK(gone.refusal->status == 401);
  CHECK(access.session_count() == 0);

  clock.set(100000);
  Signed busy = sign_in(access, kRead);
  for (int i = 0; i < 7; ++i) {
    clock.advance(1800);
    CHECK(get(busy).allowed());  // 3.5 h, always used within the idle time
  }
  clock.advance(1800);           // 4 h after sign-in
  CHECK(get(busy).refusal->status == 401);
}

TEST_CASE("sessions are bounded: the least recently used is evicted and sign-out ends one") {
  ManualClock clock(0);
  Metrics metrics;
  AccessOptions o;
  o.max_sessions = 2;
  Access access(config(), clock, metrics, o);
  auto get = [&](const Signed& s) {
    return access.check(with_cookie(request("GET", "/metrics"), s, false), Right::read).allowed();
  };
  Signed a = sign_in(access, kRead);
  clock.advance(1);
  Signed b = sign_in(access, kRead);
  clock.advance(1);
  CHECK(get(a));  // a is now more recently used than b
  clock.advance(1);
  Signed c = sign_in(access, kAdmin);
  CHECK(access.session_count() == 2);
  CHECK(get(a));
  CHECK_FALSE(get(b));
  CHECK(get(c));

  HttpResponse out = access.sign_out(with_cookie(request("DELETE", "/api/v1/session"), c, true));
  CHECK(out.status == 200);
  CHECK(header_of(out, "Set-Cookie").find("Max-Age=0") != std::string::npos);
  CHECK_FALSE(get(c));
  CHECK(get(a));
  CHECK(access.session_count() == 1);
}

TEST_CASE("a read sign-in never evicts an admin session: with all held by admins, 503") {
  ManualClock clock(0);
  Metrics metrics;
  AccessOptions o;
  o.max_sessions = 2;
  Access access(config(), clock, metrics, o);
  auto get = [&](const Signed& s) {
    return access.check(with_cookie(request("GET", "/metrics"), s, false), Right::read).allowed();
  };
  Signed admin = sign_in(access, kAdmin);
  clock.advance(1);
  // The holder of the read token signs in again and again: its own sessions make room.
  Signed last;
  for (int i = 0; i < 10; ++i) {
    clock.advance(1);
    last = sign_in(access, kRead);
  }
  CHECK(access.session_count() == 2);
  CHECK(get(last));
  clock.advance(1);
  CHECK(get(admin));
  // With both places held by admins, a read sign-in is refused and ends nothing.
  Signed admin2 = sign_in(access, kAdmin);  // the read session was the least recently used
  CHECK_FALSE(get(last));
  HttpResponse refused = access.sign_in(kRead);
  CHECK(refused.status == 503);
  CHECK(refused.body.find("held by admin sign-ins") != std::string::npos);
  CHECK(get(admin));
  CHECK(get(admin2));
  // An admin sign-in still makes room: the least recently used admin session goes.
  clock.advance(1);
  CHECK(get(admin2));
  Signed admin3 = sign_in(access, kAdmin);
  CHECK_FALSE(get(admin));
  CHECK(get(admin2));
  CHECK(get(admin3));
}

TEST_CASE("describe tells the caller's right and the session's csrf") {
  ManualClock clock(50);
  Metrics metrics;
  Access access(config(), clock, metrics);
  auto token = nlohmann::json::parse(access.describe(with_token(request("GET", "/api/v1/session"), kRead)).body);
  CHECK(token["right"] == "read");
  CHECK(token["via"] == "token");
  CHECK_FALSE(token.contains("csrf"));

  Signed s = sign_in(access, kAdmin);
  auto session = nlohmann::json::parse(access.describe(with_cookie(request("GET", "/api/v1/session"), s, false)).body);
  CHECK(session["right"] == "admin");
  CHECK(session["csrf"] == s.csrf);
  CHECK(access.describe(request("GET", "/api/v1/session")).status == 401);
}

TEST_CASE("many wrong tokens throttle token checks with 429 while open sessions keep working") {
  ManualClock clock(0);
  Metrics metrics;
  AccessOptions o;
  o.max_token_failures = 3;
  o.failure_window_seconds = 60;
  Access access(config(), clock, metrics, o);
  Signed s = sign_in(access, kAdmin);

  for (int i = 0; i < 3; ++i) {
    clock.advance(1);
    CHECK(access.check(with_token(request("GET", "/metrics"), "guess" + std::to_string(i)), Right::read)
              .refusal->status == 401);
  }
  CHECK(metrics.get("larder_http_auth_failures_total", {{"reason", "token"}}) == 3);

  AccessResult right = access.check(with_token(request("GET", "/metrics"), kAdmin), Right::read);
  REQUIRE_FALSE(right.allowed());
  CHECK(right.refusal->status == 429);
  CHECK(error_code(*right.refusal) == "too_many_requests");
  CHECK(header_of(*right.refusal, "Retry-After") == "58");
  CHECK(access.sign_in(kAdmin).status == 429);
  CHECK(metrics.get("larder_http_auth_throttled_total") == 2);
  // The throttled checks were not counted as failures.
  CHECK(metrics.get("larder_http_auth_failures_total", {{"reason", "token"}}) == 3);

  CHECK(access.check(with_cookie(request("POST", "/api/v1/orders"), s, true), Right::admin).allowed());

  clock.advance(58);  // the first failure (t=1) is now 60 s old
  CHECK(access.check(with_token(request("GET", "/metrics"), kAdmin), Right::read).allowed());
  CHECK(access.check(with_token(request("GET", "/metrics"), "again"), Right::read).refusal->status == 401);
  CHECK(access.check(with_token(request("GET", "/metrics"), kAdmin), Right::read).refusal->status == 429);
}

TEST_CASE("new tokens from a reload end the sessions of a changed token and keep the others") {
  ManualClock clock(1000);
  Metrics metrics;
  Access access(config(), clock, metrics);
  Signed admin = sign_in(access, kAdmin);
  Signed reader = sign_in(access, kRead);

  // The same tokens again: nobody is signed out.
  access.set_tokens(config());
  CHECK(access.session_count() == 2);
  CHECK(access.check(with_cookie(request("GET", "/metrics"), admin, false), Right::read).allowed());

  // The admin token rotated: its sessions end, the old token is refused, the new one works,
  // and the read token's session goes on.
  HttpConfig rotated = config();
  rotated.admin_token = "rotated-admin-token";
  access.set_tokens(rotated);
  CHECK(access.session_count() == 1);
  CHECK(access.check(with_cookie(request("GET", "/metrics"), admin, false), Right::read)
            .refusal->status == 401);
  CHECK(access.token_right(kAdmin) == Right::none);
  CHECK(access.token_right("rotated-admin-token") == Right::admin);
  CHECK(access.check(with_cookie(request("GET", "/metrics"), reader, false), Right::read).allowed());

  // The read token removed: its session ends too, and the token reads nothing.
  rotated.read_token.reset();
  access.set_tokens(rotated);
  CHECK(access.session_count() == 0);
  CHECK(access.token_right(kRead) == Right::none);
}
