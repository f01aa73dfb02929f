// larderctl deliveries / revoke: the running daemon's delivery endpoints
// (shared/contract/http.md) through api_client.h.
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "api_client.h"
#include "commands.h"

namespace larderctl {

namespace delivery_impl {

using nlohmann::json;

constexpr const char* kDeliveriesUsage =
    "usage: larderctl deliveries --config FILE [--json] [--ca FILE]";
constexpr const char* kRevokeUsage = "usage: larderctl revoke ORDER_ID --config FILE [--ca FILE]";

// What both commands need: the configuration, its time zone and a client with a token.
struct Session {
  larder::Config config;
  ApiTarget target;
};

int refuse_usage(const char* command, const std::string& why, const char* usage) {
  std::fprintf(stderr, "larderctl %s: %s\n%s\n", command, why.c_str(), usage);
  return kExitUsage;
}

// Reads --config and --ca; nullopt (after saying why) when they do not do.
std::optional<Session> open_session(const char* command, const Options& o, const char* usage,
                                    bool admin) {
  auto path = o.value("--config");
  if (!path) {
    refuse_usage(command, "--config FILE is required", usage);
    return std::nullopt;
  }
  auto config = load_config_reporting(command, *path);
  if (!config) return std::nullopt;
  Session s{std::move(*config), {}};
  s.target = api_target(s.config.http);
  if (s.target.port == 0) {
    std::fprintf(stderr, "larderctl %s: %s: http.listen has port 0 (any free port), so the "
                 "daemon's port cannot be known\n", command, path->c_str());
    return std::nullopt;
  }
  if (auto ca = o.value("--ca")) {
    if (!s.target.tls) {
      refuse_usage(command, "--ca is for HTTPS, and " + *path + " has no http.tls", usage);
      return std::nullopt;
    }
    if (!std::ifstream(*ca)) {
      std::fprintf(stderr, "larderctl %s: cannot read the CA file %s\n", command, ca->c_str());
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
    std::fprintf(stderr, "larderctl %s: %s has no %s token\n", command, path->c_str(),
                 admin ? "admin" : "admin or read");
    return std::nullopt;
  }
  return s;
}

// j[key], or null when j is not an object or lacks it (the answer is read defensively).
json field(const json& j, const char* key) {
  return j.is_object() && j.contains(key) ? j[key] : json();
}

std::string text_of(const json& j, const char* key) {
  if (!j.is_object() || !j.contains(key)) return "-";
  const json& v = j[key];
  if (v.is_string()) return v.get<std::string>();
  if (v.is_null()) return "-";
  return v.dump();
}

// "2025-11-30 10:00-12:00" within one local day, else both ends in full.
std::string window_text(const json& w, const larder::TimeZone& zone) {
  if (!w.is_object() || !w.contains("start") || !w.contains("end") || !w["start"].is_number() ||
      !w["end"].is_number()) {
    return "-";
  }
  const double start = w["start"].get<double>(), end = w["end"].get<double>();
  const std::string day = local_format(start, zone, "%Y-%m-%d");
  const std::string from = local_format(start, zone, "%Y-%m-%d %H:%M");
  if (day == local_format(end, zone, "%Y-%m-%d")) {
    return from + "-" + local_format(end, zone, "%H:%M");
  }
  return from + " - " + local_format(end, zone, "%Y-%m-%d %H:%M");
}

std::string access_text(const json& a) {
  if (!a.is_object()) return "-";
  std::string s = text_of(a, "state");
  if (a.contains("end_reason") && a["end_reason"].is_string()) {
    s += " (" + a["end_reason"].get<std::string>() + ")";
  }
  return s;
}

std::string first_reason(const json& d) {
  const json reasons = field(d, "reasons");
  if (!reasons.is_array() || reasons.empty()) return "-";
  const json& r = reasons.front();
  return r.is_string() ? r.get<std::string>() : r.dump();
}

}  // namespace delivery_impl

int deliveries_command(const Args& args) {
  using namespace delivery_impl;
  auto opts = parse_options(args, {{"--config", "--ca"}, {"--json"}, 0});
  if (!opts.ok()) return refuse_usage("deliveries", opts.status().message(), kDeliveriesUsage);
  auto session = open_session("deliveries", *opts, kDeliveriesUsage, /*admin=*/false);
  if (!session) return kExitUsage;

  ApiClient client(session->target);
  auto reply = client.get("/api/v1/deliveries");
  if (!reply.ok()) {
    std::fprintf(stderr, "larderctl deliveries: %s\n", reply.status().message().c_str());
    return kExitUnreachable;
  }
  if (!reply->ok()) {
    std::fprintf(stderr, "larderctl deliveries: larderd refused: %s\n",
                 reply->error_message().c_str());
    return kExitRefused;
  }
  if (!reply->body.is_array()) {
    std::fprintf(stderr, "larderctl deliveries: larderd's answer is not a list of deliveries\n");
    return kExitRefused;
  }
  if (opts->has("--json")) {
    std::printf("%s\n", reply->body.dump(2).c_str());
    return kExitOk;
  }
  if (reply->body.empty()) {
    std::printf("no deliveries\n");
    return kExitOk;
  }
  const larder::TimeZone zone = household_zone(session->config);
  std::vector<std::vector<std::string>> rows;
  for (const json& d : reply->body) {
    rows.push_back({text_of(d, "order_id"), text_of(d, "status"), text_of(d, "method"),
                    window_text(field(d, "window"), zone), text_of(d, "place"),
                    access_text(field(d, "access")), first_reason(d)});
  }
  std::fputs(format_table({"ORDER", "STATUS", "METHOD", "WINDOW (" + zone.name() + ")", "PLACE",
                           "ACCESS", "REASON"},
                          rows)
                 .c_str(),
             stdout);
  return kExitOk;
}

int revoke_command(const Args& args) {
  using namespace delivery_impl;
  auto opts = parse_options(args, {{"--config", "--ca"}, {}, 1});
  if (!opts.ok()) return refuse_usage("revoke", opts.status().message(), kRevokeUsage);
  if (opts->positional.size() != 1) {
    return refuse_usage("revoke", "ORDER_ID is required", kRevokeUsage);
  }
  const std::string& order_id = opts->positional[0];
  if (!larder::valid_id(order_id)) {
    return refuse_usage("revoke",
                        "'" + printable(order_id.substr(0, 64)) +
                            "' is not an order id (lower-case letters, digits, '_' and '-')",
                        kRevokeUsage);
  }
  auto session = open_session("revoke", *opts, kRevokeUsage, /*admin=*/true);
  if (!session) return kExitUsage;

  ApiClient client(session->target);
  auto reply = client.post("/api/v1/deliveries/" + order_id + "/revoke", json::object());
  if (!reply.ok()) {
    std::fprintf(stderr, "larderctl revoke: %s\n", reply.status().message().c_str());
    return kExitUnreachable;
  }
  if (!reply->ok()) {
    std::fprintf(stderr, "larderctl revoke: %s\n", reply->error_message().c_str());
    return kExitRefused;
  }
  std::printf("revoked trunk access for order %s\n", order_id.c_str());
  return kExitOk;
}

}  // namespace larderctl
