// larderctl vacation: vacation mode of the running larderd (docs/vacation.md) through
// GET, PUT and DELETE /api/v1/vacation; dates in the household's zone.
#include <algorithm>
#include <cstdio>
#include <map>
#include <optional>
#include <string>
#include <utility>

#include <nlohmann/json.hpp>

#include "api_session.h"
#include "commands.h"
#include "larder/clock.h"
#include "larder/text.h"
#include "larder/time_zone.h"

namespace larderctl {

namespace vacation_impl {

using nlohmann::json;

constexpr const char* kUsage =
    "usage: larderctl vacation show | start [--until DATE] | end  --config FILE [--json] "
    "[--ca FILE]";

// "2026-12-24" (the start of that day) or "2026-12-24T18:00", as local seconds; only these
// two forms (docs/larderctl.md): no seconds, no space for the 'T'.
std::optional<double> parse_local_until(const std::string& text) {
  if (text.size() == 10) return larder::parse_local_date(text);
  if (text.size() == 16 && text[10] == 'T') return larder::parse_local_time(text + ":00");
  return std::nullopt;
}

int print_state(const std::string& command, const Options& o, const Call& c,
                const larder::TimeZone& zone) {
  const json& b = c.reply.body;
  if (!b.is_object() || !b.contains("away")) return unexpected_answer(command, "a vacation state");
  if (o.has("--json")) {
    print_json(b);
  } else if (b["away"] != true) {
    std::printf("vacation mode is off\n");
  } else {
    auto from = number_of(b, "from");
    auto until = number_of(b, "until");
    std::printf("vacation mode is on since %s, %s (%s)\n",
                from ? local_format(*from, zone, "%Y-%m-%d %H:%M").c_str() : "-",
                until ? ("until " + local_format(*until, zone, "%Y-%m-%d %H:%M")).c_str()
                      : "until it is switched off",
                zone.name().c_str());
  }
  return kExitOk;
}

}  // namespace vacation_impl

int vacation_command(const Args& args) {
  using namespace vacation_impl;
  if (args.empty() || args[0].empty() || args[0][0] == '-') {
    return refuse_usage("vacation", "a subcommand is required: show, start or end", kUsage);
  }
  const std::string& sub = args[0];
  const std::map<std::string, OptionSpec> specs = {
      {"show", {{"--config", "--ca"}, {"--json"}, 0}},
      {"start", {{"--config", "--ca", "--until"}, {"--json"}, 0}},
      {"end", {{"--config", "--ca"}, {"--json"}, 0}},
  };
  auto spec = specs.find(sub);
  if (spec == specs.end()) {
    return refuse_usage("vacation",
                        "unknown subcommand '" + larder::mask_controls(sub.substr(0, 64)) +
                            "' (show, start or end)",
                        kUsage);
  }
  const std::string command = "vacation " + sub;
  auto opts = parse_options(Args(args.begin() + 1, args.end()), spec->second);
  if (!opts.ok()) return refuse_usage(command, opts.status().message(), kUsage);
  // The date's form is checked before the configuration is read: a bad argument is said
  // as such, whatever the configuration's state.
  std::optional<double> local_until;
  if (auto u = opts->value("--until")) {
    local_until = parse_local_until(*u);
    if (!local_until) {
      // The right shape with a day the calendar does not have (2027-02-30) says so.
      const bool shaped = (u->size() == 10 || (u->size() == 16 && (*u)[10] == 'T')) &&
                          std::all_of(u->begin(), u->begin() + 10, [](char c) {
                            return (c >= '0' && c <= '9') || c == '-';
                          }) &&
                          (*u)[4] == '-' && (*u)[7] == '-' &&
                          !larder::parse_local_date(u->substr(0, 10));
      const std::string shown = larder::mask_controls(u->substr(0, 64));
      return refuse_usage(command,
                          shaped ? "--until names a day that does not exist: '" + shown + "'"
                                 : "--until must be a local date YYYY-MM-DD or "
                                   "YYYY-MM-DDTHH:MM, not '" + shown + "'",
                          kUsage);
    }
  }
  auto session = open_session(command, *opts, kUsage, /*admin=*/sub != "show");
  if (!session) return kExitUsage;
  const larder::TimeZone zone = household_zone(session->config);
  ApiClient client(session->target);
  if (sub == "show") {
    Call c = call_get(command, client, "/api/v1/vacation");
    if (!c.ok()) return c.exit;  // said why on stderr; there is no state to print
    return print_state(command, *opts, c, zone);
  }
  if (sub == "end") {
    Call c = call_delete(command, client, "/api/v1/vacation");
    if (!c.ok()) return c.exit;
    return print_state(command, *opts, c, zone);
  }
  json body = {{"until", nullptr}};
  // In the household's zone, which only the configuration gives.
  if (local_until) body["until"] = zone.from_local(*local_until, larder::SystemClock().now());
  Call c = call_put(command, client, "/api/v1/vacation", body);
  if (!c.ok()) return c.exit;
  return print_state(command, *opts, c, zone);
}

}  // namespace larderctl
