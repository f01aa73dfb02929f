// larderctl status: the running daemon at a glance, through api_session.h. Whether larderd
// answers (GET /healthz), its consumables counted by status with the low and empty ones in
// a table (GET /api/v1/consumables), the orders in flight counted by status
// (GET /api/v1/orders) and the deliveries still pending (GET /api/v1/deliveries).
#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "api_session.h"
#include "commands.h"
#include "consumable_table.h"
#include "larder/text.h"
#include "orders/order.h"

namespace larderctl {

namespace status_impl {

using nlohmann::json;

constexpr const char* kStatusUsage = "usage: larderctl status --config FILE [--json] [--ca FILE]";

// A consumable's statuses in the order a reader expects them; others follow by name.
const std::vector<std::string> kConsumableOrder = {"unknown", "ok", "low", "ordered", "empty"};

// An order that has not ended: neither delivered, cancelled nor failed. An unknown status
// counts as in flight (a newer daemon's), so it is not hidden.
bool in_flight(const json& o) {
  const json s = field(o, "status");
  if (!s.is_string()) return true;
  auto st = larder::orders::parse_status(s.get<std::string>());
  return !st || !larder::orders::finished(*st);
}

// Counts of each value of `key`: an object, for --json.
json count_by(const json& list, const char* key, bool (*keep)(const json&)) {
  json counts = json::object();
  for (const json& e : list) {
    if (keep && !keep(e)) continue;
    const std::string s = text_of(e, key);
    counts[s] = counts.value(s, 0) + 1;
  }
  return counts;
}

// "3 (ok 2, low 1)", the statuses in `order` first.
std::string counts_text(const json& counts, const std::vector<std::string>& order) {
  std::size_t total = 0;
  std::string parts;
  auto add = [&](const std::string& name, std::size_t n) {
    parts += (parts.empty() ? "" : ", ") + name + " " + std::to_string(n);
  };
  for (const auto& name : order) {
    if (counts.contains(name)) add(name, counts[name].get<std::size_t>());
  }
  for (const auto& [name, n] : counts.items()) {
    total += n.get<std::size_t>();
    bool listed = false;
    for (const auto& o : order) listed = listed || o == name;
    if (!listed) add(name, n.get<std::size_t>());
  }
  return std::to_string(total) + (parts.empty() ? "" : " (" + parts + ")");
}

std::vector<std::string> order_statuses() {
  std::vector<std::string> out;
  for (int i = 0; i <= static_cast<int>(larder::orders::OrderStatus::failed); ++i) {
    out.emplace_back(larder::orders::status_name(static_cast<larder::orders::OrderStatus>(i)));
  }
  return out;
}

bool low_or_empty(const json& c) {
  const std::string s = text_of(c, "status");
  return s == "low" || s == "empty";
}

}  // namespace status_impl

int status_command(const Args& args) {
  using namespace status_impl;
  const std::string command = "status";
  auto opts = parse_options(args, {{"--config", "--ca"}, {"--json"}, 0});
  if (!opts.ok()) return refuse_usage(command, opts.status().message(), kStatusUsage);
  auto session = open_session(command, *opts, kStatusUsage, /*admin=*/false);
  if (!session) return kExitUsage;

  ApiClient client(session->target);
  Call health = call_get(command, client, "/healthz");
  if (!health.ok()) return health.exit;
  Call consumables = call_get(command, client, "/api/v1/consumables");
  if (!consumables.ok()) return consumables.exit;
  if (!consumables.reply.body.is_array()) {
    return unexpected_answer(command, "a list of consumables");
  }
  Call orders = call_get(command, client, "/api/v1/orders");
  if (!orders.ok()) return orders.exit;
  if (!orders.reply.body.is_array()) return unexpected_answer(command, "a list of orders");
  Call deliveries = call_get(command, client, "/api/v1/deliveries");
  if (!deliveries.ok()) return deliveries.exit;
  if (!deliveries.reply.body.is_array()) {
    return unexpected_answer(command, "a list of deliveries");
  }

  const json& cs = consumables.reply.body;
  json low = json::array();
  for (const json& c : cs) {
    if (low_or_empty(c)) low.push_back(c);
  }
  json low_ids = json::array();
  for (const json& c : low) low_ids.push_back(field(c, "id"));
  std::size_t pending = 0;
  for (const json& d : deliveries.reply.body) pending += in_flight(d) ? 1 : 0;
  const json by_status = count_by(cs, "status", nullptr);
  const json flying = count_by(orders.reply.body, "status", in_flight);

  if (opts->has("--json")) {
    print_json({{"url", session->target.url()},
                {"health", health.reply.body},
                {"consumables", cs},
                {"orders", orders.reply.body},
                {"deliveries", deliveries.reply.body},
                {"summary",
                 {{"consumables_by_status", by_status},
                  {"low_or_empty", low_ids},
                  {"orders_in_flight_by_status", flying},
                  {"deliveries_pending", pending}}}});
    return kExitOk;
  }
  std::printf("larderd at %s: up\n", session->target.url().c_str());
  std::printf("consumables: %s\n",
              larder::mask_controls(counts_text(by_status, kConsumableOrder)).c_str());
  if (low.empty()) {
    std::printf("low or empty: none\n");
  } else {
    std::printf("low or empty:\n%s",
                consumable_table(low, household_zone(session->config)).c_str());
  }
  std::printf("orders in flight: %s\n",
              larder::mask_controls(counts_text(flying, order_statuses())).c_str());
  std::printf("deliveries pending: %zu\n", pending);
  return kExitOk;
}

}  // namespace larderctl
