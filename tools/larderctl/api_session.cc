#include "api_session.h"

#include <cmath>
#include <cstdio>

#include "larder/text.h"

namespace larderctl {

using nlohmann::json;

std::optional<Session> open_session(const std::string& command, const Options& o,
                                    const char* usage, bool admin) {
  const char* cmd = command.c_str();
  auto path = o.value("--config");
  if (!path) {
    refuse_usage(command, "--config FILE is required", usage);
    return std::nullopt;
  }
  auto config = load_config_reporting(command, *path);
  if (!config) return std::nullopt;
  const std::string shown = larder::mask_controls(*path);  // as typed, safe for a terminal
  Session s{std::move(*config), {}};
  s.target = api_target(s.config.http);
  if (s.target.port == 0) {
    std::fprintf(stderr, "larderctl %s: %s: http.listen has port 0 (any free port), so the "
                 "daemon's port cannot be known\n", cmd, shown.c_str());
    return std::nullopt;
  }
  if (auto ca = o.value("--ca")) {
    if (!s.target.tls) {
      refuse_usage(command, "--ca is for HTTPS, and " + shown + " has no http.tls", usage);
      return std::nullopt;
    }
    if (auto checked = check_ca_file(*ca); !checked.ok()) {
      refuse_usage(command, checked.message(), usage);  // a bad argument, like a bad path
      return std::nullopt;
    }
    s.target.ca_file = *ca;
  }
  // Reading needs only the read token; the admin token reads too.
  const auto& http = s.config.http;
  s.target.token = !http.admin_token.empty() ? http.admin_token
                   : (!admin && http.read_token) ? *http.read_token
                                                 : std::string();
  if (s.target.token.empty()) {
    std::fprintf(stderr, "larderctl %s: %s has no %s token\n", cmd, shown.c_str(),
                 admin ? "admin" : "admin or read");
    return std::nullopt;
  }
  return s;
}

namespace {

Call outcome(const std::string& command, larder::Result<ApiReply> reply) {
  Call c;
  if (!reply.ok()) {
    std::fprintf(stderr, "larderctl %s: %s\n", command.c_str(), reply.status().message().c_str());
    c.exit = kExitUnreachable;
    return c;
  }
  c.reply = std::move(reply.value());
  if (!c.reply.ok()) {
    std::fprintf(stderr, "larderctl %s: %s\n", command.c_str(),
                 larder::mask_controls(c.reply.error_message()).c_str());
    c.exit = kExitRefused;
  }
  return c;
}

}  // namespace

Call call_get(const std::string& command, ApiClient& client, const std::string& path) {
  return outcome(command, client.get(path));
}

Call call_post(const std::string& command, ApiClient& client, const std::string& path,
               const json& body) {
  return outcome(command, client.post(path, body));
}

Call call_put(const std::string& command, ApiClient& client, const std::string& path,
              const json& body) {
  return outcome(command, client.put(path, body));
}

Call call_delete(const std::string& command, ApiClient& client, const std::string& path) {
  return outcome(command, client.del(path));
}

int unexpected_answer(const std::string& command, const std::string& what) {
  std::fprintf(stderr, "larderctl %s: larderd's answer is not %s\n", command.c_str(),
               what.c_str());
  return kExitRefused;
}

void print_json(const json& j) {
  // The parser accepted only valid UTF-8; replace keeps dump() from throwing all the same.
  std::printf("%s\n", j.dump(2, ' ', false, json::error_handler_t::replace).c_str());
}

json field(const json& j, const char* key) {
  return j.is_object() && j.contains(key) ? j[key] : json();
}

std::string text_of(const json& j, const char* key) {
  if (!j.is_object() || !j.contains(key)) return "-";
  const json& v = j[key];
  if (v.is_string()) return v.get<std::string>();
  if (v.is_null()) return "-";
  return v.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::optional<double> number_of(const json& j, const char* key) {
  if (!j.is_object() || !j.contains(key) || !j[key].is_number()) return std::nullopt;
  const double v = j[key].get<double>();
  return std::isfinite(v) ? std::optional<double>(v) : std::nullopt;
}

}  // namespace larderctl
