// larderctl consumables [ID]: the running daemon's consumables (GET /api/v1/consumables, and
// GET /api/v1/consumables/<id> for one in detail) through api_session.h; times in the
// household's zone.
#include <cstdio>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "api_session.h"
#include "commands.h"
#include "consumable_table.h"

namespace larderctl {

namespace consumable_impl {

using nlohmann::json;

constexpr const char* kConsumablesUsage =
    "usage: larderctl consumables [ID] --config FILE [--json] [--ca FILE]";
constexpr const char* kTimeFormat = "%Y-%m-%d %H:%M";

std::string unit_of(const json& c) {
  const json u = field(c, "unit");
  return u.is_string() ? " " + u.get<std::string>() : "";
}

// "420.5 g"; "-" when the number is not known.
std::string amount(const json& c, const char* key) {
  auto v = number_of(c, key);
  return v ? decimal(*v, 1) + unit_of(c) : "-";
}

std::string when(const json& c, const char* key, const larder::TimeZone& zone) {
  auto ts = number_of(c, key);
  return ts ? local_format(*ts, zone, kTimeFormat) : "-";
}

// "2025-11-29 08:00 .. 2025-12-02 20:00": the empty time's 90% interval.
std::string interval(const json& c, const larder::TimeZone& zone) {
  const std::string low = when(c, "empty_at_low", zone), high = when(c, "empty_at_high", zone);
  return low == "-" || high == "-" ? "-" : low + " .. " + high;
}

std::string days(const json& c) {
  auto d = number_of(c, "days_left");
  return d ? decimal(*d, 1) : "-";
}

std::string packs(const json& c) {
  auto n = number_of(c, "on_hand");
  if (!n) return "-";
  std::string s = decimal(*n, 0) + (*n == 1 ? " pack" : " packs");
  if (auto size = number_of(c, "pack_size")) s += " of " + decimal(*size, 1) + unit_of(c);
  return s;
}

std::string history_text(const json& c, const larder::TimeZone& zone) {
  const json h = field(c, "history");
  if (!h.is_array()) return "-";
  std::string s = std::to_string(h.size()) + (h.size() == 1 ? " point" : " points");
  const json& first = h.empty() ? json() : h.front();
  const json& last = h.empty() ? json() : h.back();
  if (first.is_array() && !first.empty() && first[0].is_number() && last.is_array() &&
      !last.empty() && last[0].is_number()) {
    s += " (" + local_format(first[0].get<double>(), zone, kTimeFormat) + " .. " +
         local_format(last[0].get<double>(), zone, kTimeFormat) + ")";
  }
  return s;
}

// The forecast's last point: [ts, median, low, high].
std::string forecast_end(const json& c, const larder::TimeZone& zone) {
  const json f = field(c, "forecast");
  if (!f.is_array()) return "-";
  if (f.empty()) return "- (the model knows too little yet)";
  const json& p = f.back();
  if (!p.is_array() || p.size() < 4) return "-";
  for (std::size_t i = 0; i < 4; ++i) {
    if (!p[i].is_number()) return "-";
  }
  const std::string u = unit_of(c);
  return local_format(p[0].get<double>(), zone, kTimeFormat) + ": median " +
         decimal(p[1].get<double>(), 1) + u + " (90%: " + decimal(p[2].get<double>(), 1) +
         " .. " + decimal(p[3].get<double>(), 1) + u + ")";
}

std::string detail_text(const json& c, const larder::TimeZone& zone) {
  std::string level = amount(c, "level");
  if (auto cap = number_of(c, "capacity")) {
    level += " (capacity " + decimal(*cap, 1) + unit_of(c) + ")";
  }
  std::string empty = when(c, "empty_at", zone);
  if (interval(c, zone) != "-") empty += " (90%: " + interval(c, zone) + ")";
  std::string rate = amount(c, "rate_per_day");
  return format_fields({
      {"id", text_of(c, "id")},
      {"name", text_of(c, "name")},
      {"status", text_of(c, "status")},
      {"level", level},
      {"on hand", packs(c)},
      {"supply", amount(c, "supply")},
      {"rate per day", rate},
      {"days left", days(c)},
      {"empty", empty},
      {"reorder point", amount(c, "reorder_point")},
      {"history", history_text(c, zone)},
      {"forecast end", forecast_end(c, zone)},
      {"updated", when(c, "updated", zone)},
      {"time zone", zone.name()},
  });
}

}  // namespace consumable_impl

std::string consumable_table(const nlohmann::json& list, const larder::TimeZone& zone) {
  using namespace consumable_impl;
  std::vector<std::vector<std::string>> rows;
  for (const json& c : list) {
    auto on_hand = number_of(c, "on_hand");
    rows.push_back({text_of(c, "id"), text_of(c, "status"), amount(c, "level"),
                    on_hand ? decimal(*on_hand, 0) : "-", days(c), when(c, "empty_at", zone),
                    interval(c, zone)});
  }
  return format_table({"ID", "STATUS", "LEVEL", "ON HAND", "DAYS LEFT",
                       "EMPTY (" + zone.name() + ")", "90% INTERVAL"},
                      rows);
}

int consumables_command(const Args& args) {
  using namespace consumable_impl;
  const std::string command = "consumables";
  auto opts = parse_options(args, {{"--config", "--ca"}, {"--json"}, 1});
  if (!opts.ok()) return refuse_usage(command, opts.status().message(), kConsumablesUsage);
  const bool one = !opts->positional.empty();
  if (auto why = one ? bad_id(opts->positional[0], "a consumable id") : std::nullopt) {
    return refuse_usage(command, *why, kConsumablesUsage);
  }
  auto session = open_session(command, *opts, kConsumablesUsage, /*admin=*/false);
  if (!session) return kExitUsage;

  ApiClient client(session->target);
  Call c = call_get(command, client,
                    one ? "/api/v1/consumables/" + opts->positional[0] : "/api/v1/consumables");
  if (!c.ok()) return c.exit;
  const json& body = c.reply.body;
  if (one ? !body.is_object() : !body.is_array()) {
    return unexpected_answer(command, one ? "a consumable" : "a list of consumables");
  }
  if (opts->has("--json")) {
    print_json(body);
    return kExitOk;
  }
  const larder::TimeZone zone = household_zone(session->config);
  if (one) {
    std::fputs(detail_text(body, zone).c_str(), stdout);
  } else if (body.empty()) {
    std::printf("no consumables\n");
  } else {
    std::fputs(consumable_table(body, zone).c_str(), stdout);
  }
  return kExitOk;
}

}  // namespace larderctl
