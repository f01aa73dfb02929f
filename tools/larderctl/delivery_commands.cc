// larderctl deliveries / revoke: the running daemon's delivery endpoints
// (shared/contract/http.md) through api_session.h.
#include <cstdio>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "api_session.h"
#include "commands.h"

namespace larderctl {

namespace delivery_impl {

using nlohmann::json;

constexpr const char* kDeliveriesUsage =
    "usage: larderctl deliveries --config FILE [--json] [--ca FILE]";
constexpr const char* kRevokeUsage = "usage: larderctl revoke ORDER_ID --config FILE [--ca FILE]";

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
  Call call = call_get("deliveries", client, "/api/v1/deliveries");
  if (!call.ok()) return call.exit;
  const json& body = call.reply.body;
  if (!body.is_array()) return unexpected_answer("deliveries", "a list of deliveries");
  if (opts->has("--json")) {
    print_json(body);
    return kExitOk;
  }
  if (body.empty()) {
    std::printf("no deliveries\n");
    return kExitOk;
  }
  const larder::TimeZone zone = household_zone(session->config);
  std::vector<std::vector<std::string>> rows;
  for (const json& d : body) {
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
  if (auto why = bad_id(order_id, "an order id")) return refuse_usage("revoke", *why, kRevokeUsage);
  auto session = open_session("revoke", *opts, kRevokeUsage, /*admin=*/true);
  if (!session) return kExitUsage;

  ApiClient client(session->target);
  Call call = call_post("revoke", client, "/api/v1/deliveries/" + order_id + "/revoke",
                        json::object());
  if (!call.ok()) return call.exit;
  std::printf("revoked trunk access for order %s\n", order_id.c_str());
  return kExitOk;
}

}  // namespace larderctl
