#include "api/access.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <algorithm>
#include <cmath>
#include <string_view>

#include <nlohmann/json.hpp>

#include "api/http_types.h"
#include "larder/log.h"
#include "larder/text.h"

namespace larder {

namespace {

// SHA-256 of `data` as 32 raw bytes; "" only if OpenSSL fails (then nothing matches).
std::string sha256(std::string_view data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_Digest(data.data(), data.size(), md, &len, EVP_sha256(), nullptr) != 1) return {};
  return std::string(reinterpret_cast<const char*>(md), len);
}

// Constant-time equality of two digests; false when either is empty.
bool same_digest(const std::string& a, const std::string& b) {
  if (a.empty() || a.size() != b.size()) return false;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::optional<std::string> random_hex(std::size_t bytes) {
  std::string raw(bytes, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(raw.data()), static_cast<int>(bytes)) != 1) {
    return std::nullopt;
  }
  static const char* kHex = "0123456789abcdef";
  std::string out;
  for (unsigned char c : raw) {
    out += kHex[c >> 4];
    out += kHex[c & 15];
  }
  return out;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::optional<std::string> cookie_value(std::string_view header, std::string_view name) {
  while (!header.empty()) {
    std::size_t semi = header.find(';');
    std::string_view part = trim(header.substr(0, semi));
    header = semi == std::string_view::npos ? std::string_view() : header.substr(semi + 1);
    std::size_t eq = part.find('=');
    if (eq != std::string_view::npos && trim(part.substr(0, eq)) == name) {
      return std::string(trim(part.substr(eq + 1)));
    }
  }
  return std::nullopt;
}

bool changing(const std::string& method) {
  return method != "GET" && method != "HEAD" && method != "OPTIONS";
}

HttpResponse unauthorized(const std::string& message) {
  HttpResponse r = HttpResponse::error(401, "unauthorized", message);
  r.headers.emplace_back("WWW-Authenticate", "Bearer");
  return r;
}

AccessResult refused(HttpResponse response) {
  AccessResult a;
  a.refusal = std::move(response);
  return a;
}

}  // namespace

std::optional<std::string> bearer_token(std::string_view auth) {
  auth = trim(auth);
  std::size_t sp = auth.find_first_of(" \t");
  if (sp == std::string_view::npos || !iequals(auth.substr(0, sp), "bearer")) return std::nullopt;
  std::string_view token = trim(auth.substr(sp + 1));
  if (token.empty()) return std::nullopt;
  return std::string(token);
}

const char* right_name(Right right) {
  switch (right) {
    case Right::none: return "none";
    case Right::read: return "read";
    case Right::admin: return "admin";
  }
  return "none";
}

Access::Access(const HttpConfig& config, const Clock& clock, Metrics& metrics, AccessOptions options)
    : clock_(clock), metrics_(metrics), options_(options) {
  set_tokens(config);
  metrics_.describe("larder_http_auth_failures_total", "counter",
                    "Refused credentials on the HTTP API, by reason (token, session, csrf).");
  metrics_.describe("larder_http_auth_throttled_total", "counter",
                    "Token checks answered 429 because of too many recent wrong tokens.");
}

void Access::set_tokens(const HttpConfig& config) {
  std::string admin = config.admin_token.empty() ? "" : sha256(config.admin_token);
  std::string read =
      config.read_token && !config.read_token->empty() ? sha256(*config.read_token) : "";
  const bool admin_changed = admin != admin_digest_;
  const bool read_changed = read != read_digest_;
  std::erase_if(sessions_, [&](const auto& entry) {
    const Session& s = entry.second;
    return (s.right == Right::admin && admin_changed) || (s.right == Right::read && read_changed);
  });
  admin_digest_ = std::move(admin);
  read_digest_ = std::move(read);
}

Right Access::token_right(const std::string& token) const {
  std::string digest = sha256(token);
  // Both comparisons always run, so the time does not tell which token matched.
  bool admin = same_digest(digest, admin_digest_);
  bool read = same_digest(digest, read_digest_);
  if (admin) return Right::admin;
  if (read) return Right::read;
  return Right::none;
}

bool Access::throttled() {
  double now = clock_.now();
  while (!failures_.empty() && failures_.front() <= now - options_.failure_window_seconds) {
    failures_.pop_front();
  }
  if (static_cast<int>(failures_.size()) < options_.max_token_failures) return false;
  metrics_.inc("larder_http_auth_throttled_total");
  return true;
}

void Access::token_failure() {
  failures_.push_back(clock_.now());
  metrics_.inc("larder_http_auth_failures_total", {{"reason", "token"}});
  if (static_cast<int>(failures_.size()) == options_.max_token_failures) {
    log_warn("http: " + std::to_string(failures_.size()) + " wrong tokens within " +
             std::to_string(static_cast<long long>(options_.failure_window_seconds)) +
             " s; token checks answer 429 for a while");
  }
}

HttpResponse Access::too_many() const {
  double wait = failures_.empty() ? 1 : failures_.front() + options_.failure_window_seconds - clock_.now();
  HttpResponse r = HttpResponse::error(429, "too_many_requests",
                                       "too many wrong tokens recently; try again later");
  r.headers.emplace_back("Retry-After", std::to_string(std::max(1LL, static_cast<long long>(std::ceil(wait)))));
  return r;
}

double Access::expires_at(const Session& s) const {
  return std::min(s.last_used + options_.session_idle_seconds, s.created + options_.session_lifetime_seconds);
}

void Access::purge_expired() {
  double now = clock_.now();
  for (auto it = sessions_.begin(); it != sessions_.end();) {
    it = now >= expires_at(it->second) ? sessions_.erase(it) : std::next(it);
  }
}

const Access::Session* Access::find_session(const HttpRequest& request) const {
  auto id = cookie_value(request.header("cookie"), kCookie);
  if (!id || id->empty()) return nullptr;
  auto it = sessions_.find(sha256(*id));
  if (it == sessions_.end() || clock_.now() >= expires_at(it->second)) return nullptr;
  return &it->second;
}

Access::Session* Access::find_session(const HttpRequest& request) {
  return const_cast<Session*>(static_cast<const Access*>(this)->find_session(request));
}

std::string Access::cookie(const std::string& value, double max_age) const {
  std::string c = std::string(kCookie) + "=" + value + "; HttpOnly; SameSite=Strict; Path=/; Max-Age=" +
                  std::to_string(static_cast<long long>(max_age));
  if (options_.secure_cookie) c += "; Secure";
  return c;
}

AccessResult Access::check(const HttpRequest& request, Right required) {
  if (required == Right::none) return {};
  const std::string& auth = request.header("authorization");
  if (!auth.empty()) {
    auto token = bearer_token(auth);
    if (!token) return refused(unauthorized("the Authorization header must be 'Bearer <token>'"));
    if (throttled()) return refused(too_many());
    Right right = token_right(*token);
    if (right == Right::none) {
      token_failure();
      return refused(unauthorized("wrong token"));
    }
    if (right < required) {
      return refused(HttpResponse::error(403, "forbidden", "this needs the admin token"));
    }
    AccessResult ok;
    ok.right = right;
    return ok;
  }
  const std::string& cookies = request.header("cookie");
  if (!cookie_value(cookies, kCookie)) {
    return refused(unauthorized(
        "sign in first: send 'Authorization: Bearer <token>' or open a session at POST /api/v1/session"));
  }
  Session* session = find_session(request);
  if (!session) {
    purge_expired();
    metrics_.inc("larder_http_auth_failures_total", {{"reason", "session"}});
    HttpResponse r = unauthorized("the session has ended or is unknown; sign in again");
    r.headers.emplace_back("Set-Cookie", cookie("", 0));
    return refused(std::move(r));
  }
  if (changing(request.method)) {
    auto it = request.headers.find(kCsrfHeader);
    if (it == request.headers.end() || !same_digest(sha256(it->second), sha256(session->csrf))) {
      metrics_.inc("larder_http_auth_failures_total", {{"reason", "csrf"}});
      return refused(HttpResponse::error(
          403, "forbidden", "a changing request with a session cookie needs the X-Larder-CSRF header of the session"));
    }
  }
  if (session->right < required) {
    return refused(HttpResponse::error(403, "forbidden", "this needs a session opened with the admin token"));
  }
  session->last_used = clock_.now();
  AccessResult ok;
  ok.right = session->right;
  ok.by_session = true;
  return ok;
}

HttpResponse Access::sign_in(const std::string& token) {
  if (throttled()) return too_many();
  Right right = token.empty() ? Right::none : token_right(token);
  if (right == Right::none) {
    token_failure();
    return unauthorized("wrong token");
  }
  purge_expired();
  while (!sessions_.empty() && sessions_.size() >= options_.max_sessions) {
    // The least recently used of the sessions this sign-in's right may end: the holder of
    // the read token must not be able to sign the admins out by signing in again and again.
    auto oldest = sessions_.end();
    for (auto it = sessions_.begin(); it != sessions_.end(); ++it) {
      if (it->second.right > right) continue;
      if (oldest == sessions_.end() || it->second.last_used < oldest->second.last_used) oldest = it;
    }
    if (oldest == sessions_.end()) {
      return HttpResponse::error(
          503, "unavailable",
          "all " + std::to_string(options_.max_sessions) +
              " sessions are held by admin sign-ins: one must sign out or expire first");
    }
    sessions_.erase(oldest);
  }
  auto id = random_hex(32);
  auto csrf = random_hex(32);
  if (!id || !csrf) {
    log_error("http: RAND_bytes failed; cannot open a session");
    return HttpResponse::error(500, "internal", "cannot open a session: no random numbers available");
  }
  double now = clock_.now();
  Session s{right, *csrf, now, now};
  double expires = expires_at(s);
  sessions_[sha256(*id)] = std::move(s);
  nlohmann::json body = {{"csrf", *csrf}, {"right", right_name(right)}, {"expires", expires}};
  HttpResponse r = HttpResponse::json(200, json_text(body));
  r.headers.emplace_back("Set-Cookie", cookie(*id, options_.session_lifetime_seconds));
  return r;
}

HttpResponse Access::describe(const HttpRequest& request) const {
  if (auto token = bearer_token(request.header("authorization"))) {
    nlohmann::json body = {{"right", right_name(token_right(*token))}, {"via", "token"}};
    return HttpResponse::json(200, json_text(body));
  }
  const Session* s = find_session(request);
  if (!s) return unauthorized("no session; sign in at POST /api/v1/session");
  nlohmann::json body = {
      {"right", right_name(s->right)}, {"via", "session"}, {"csrf", s->csrf}, {"expires", expires_at(*s)}};
  return HttpResponse::json(200, json_text(body));
}

HttpResponse Access::sign_out(const HttpRequest& request) {
  auto id = cookie_value(request.header("cookie"), kCookie);
  if (id) sessions_.erase(sha256(*id));
  HttpResponse r = HttpResponse::json(200, R"({"status":"signed_out"})");
  r.headers.emplace_back("Set-Cookie", cookie("", 0));
  return r;
}

}  // namespace larder
