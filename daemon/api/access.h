// Who may do what on the hub's HTTP API (shared/contract/http.md, "Who may do what").
//
// Credentials:
//   - `Authorization: Bearer <token>`: the admin token gives Right::admin, the read token
//     Right::read. Tokens are compared in constant time: SHA-256 of the presented token
//     against SHA-256 of each configured token with CRYPTO_memcmp, both always compared,
//     so neither the content nor the length leaks. An empty configured token matches
//     nothing. A Bearer request needs no CSRF header.
//   - the `larder_session` cookie from sign_in (POST /api/v1/session): a random 256-bit
//     id (RAND_bytes, hex) carrying the right of the token it was opened with. Sessions
//     are kept by the SHA-256 of their id, expire after `session_idle_seconds` without
//     use and `session_lifetime_seconds` after sign-in, and at most `max_sessions` live
//     at once (the least recently used one of the same or a lower right is evicted: a read
//     sign-in never ends an admin session; with all held by admins it gets 503). A
//     changing request (POST, PUT, PATCH, DELETE) that authenticates by cookie must carry
//     `X-Larder-CSRF` equal to the session's csrf value (constant time), else 403.
//   When both are sent, the Bearer token decides. No remote address earns anything.
//
// Answers: no or a wrong credential -> 401 `unauthorized` with `WWW-Authenticate: Bearer`;
// a right too low or a missing/wrong CSRF header -> 403 `forbidden`.
//
// Throttling: every wrong token (Bearer or sign-in) is a failure, counted in
// larder_http_auth_failures_total{reason="token"}; wrong or expired sessions
// (reason="session") and CSRF failures (reason="csrf") are counted too. Tokens are the
// only secrets a person chooses, so they are what an attacker guesses: once
// `max_token_failures` wrong tokens were seen within `failure_window_seconds` (from
// any address: behind a reverse proxy all come from loopback), every token check
// answers 429 `too_many_requests` with Retry-After, right or wrong, until the window
// slides past them (counted in larder_http_auth_throttled_total). Sessions already open
// keep working meanwhile: their 256-bit ids are not guessable.
//
// Time comes from the injected Clock. Thread rule: event-loop thread only.
#pragma once

#include <cstddef>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "larder/clock.h"
#include "larder/config.h"
#include "larder/http.h"
#include "larder/metrics.h"

namespace larder {

enum class Right { none, read, admin };  // ordered: admin includes read

const char* right_name(Right right);  // "none", "read", "admin"

// The credential of an `Authorization: Bearer <credential>` header: the scheme in any case
// (RFC 9110), spaces and tabs around it and the credential ignored. nullopt when the header
// is not of that form or the credential is empty. Shared by the token check here and the
// carrier API's grant codes (api/delivery_routes.cc).
std::optional<std::string> bearer_token(std::string_view auth);

struct AccessOptions {
  double session_idle_seconds = 12 * 3600;
  double session_lifetime_seconds = 7 * 24 * 3600;  // also the cookie's Max-Age
  std::size_t max_sessions = 64;
  int max_token_failures = 20;
  double failure_window_seconds = 60;
  bool secure_cookie = false;  // add `Secure` to the cookie (set it when serving TLS)
};

// The outcome of Access::check.
struct AccessResult {
  Right right = Right::none;            // what the caller may do (none on public routes)
  bool by_session = false;              // authenticated by the session cookie
  std::optional<HttpResponse> refusal;  // set when the request must be refused
  bool allowed() const { return !refusal.has_value(); }
};

class Access {
 public:
  static constexpr const char* kCookie = "larder_session";
  static constexpr const char* kCsrfHeader = "x-larder-csrf";

  Access(const HttpConfig& config, const Clock& clock, Metrics& metrics,
         AccessOptions options = {});

  // Decides whether `request` may use a route that needs `required`. Right::none lets
  // everyone through without looking at credentials. A used session's idle time restarts.
  AccessResult check(const HttpRequest& request, Right required);

  // POST /api/v1/session with the token from the body: 200
  // {"csrf":"<hex>","right":"read|admin","expires":<epoch seconds>} and a Set-Cookie
  // header (HttpOnly; SameSite=Strict; Path=/; Max-Age; Secure with TLS). A wrong or
  // empty token: 401; throttled: 429. `expires` is when the session ends if unused.
  HttpResponse sign_in(const std::string& token);
  // GET /api/v1/session: the caller's right; for a cookie session also its csrf and
  // expires (so a reloaded dashboard can find its CSRF value again). Call after check().
  HttpResponse describe(const HttpRequest& request) const;
  // DELETE /api/v1/session: ends the cookie's session (if any) and clears the cookie.
  HttpResponse sign_out(const HttpRequest& request);

  // The right of a presented token, in constant time; Right::none when it matches none.
  // Neither counts failures nor throttles (check and sign_in do).
  Right token_right(const std::string& token) const;

  // A reloaded configuration's tokens (larderd's SIGHUP). The sessions signed in with a
  // token that changed or went away end (a token is rotated because it leaked); the others
  // stay, so a reload does not sign the dashboard out.
  void set_tokens(const HttpConfig& config);

  std::size_t session_count() const { return sessions_.size(); }

 private:
  struct Session {
    Right right = Right::none;
    std::string csrf;
    double created = 0;
    double last_used = 0;
  };

  bool throttled();                      // prunes old failures; counts throttling
  void token_failure();
  HttpResponse too_many() const;
  double expires_at(const Session& s) const;
  void purge_expired();
  Session* find_session(const HttpRequest& request);  // live session of the cookie
  const Session* find_session(const HttpRequest& request) const;
  std::string cookie(const std::string& value, double max_age) const;

  std::string admin_digest_;
  std::string read_digest_;  // empty when there is no read token
  const Clock& clock_;
  Metrics& metrics_;
  AccessOptions options_;
  std::map<std::string, Session> sessions_;  // by SHA-256 of the session id
  std::deque<double> failures_;              // times of recent token failures
};

}  // namespace larder
