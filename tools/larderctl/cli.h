// What the larderctl commands share: their options, the configuration they read, times
// and tables written for people, and the exit statuses (docs/larderctl.md).
// Thread rule: plain functions; larderctl has one thread.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "larder/config.h"
#include "larder/status.h"
#include "larder/time_zone.h"

namespace larderctl {

using Args = std::vector<std::string>;

// The exit statuses. kRefused means "the answer is no": a broken audit chain, an API that
// refused, malformed replay input.
inline constexpr int kExitOk = 0;
inline constexpr int kExitRefused = 1;
inline constexpr int kExitUsage = 2;        // bad arguments, unreadable configuration or files
inline constexpr int kExitUnreachable = 3;  // larderd could not be talked to

// Which options a command takes.
struct OptionSpec {
  std::set<std::string> with_value;  // "--config FILE"
  std::set<std::string> switches;    // "--json"
  std::size_t positionals = 0;       // how many plain arguments it takes, at most
};

struct Options {
  std::map<std::string, std::string> values;
  std::set<std::string> switches;
  std::vector<std::string> positional;

  bool has(const std::string& name) const { return switches.count(name) > 0; }
  std::optional<std::string> value(const std::string& name) const;
};

// Refuses an unknown option, an option without its value, an option given twice and more
// plain arguments than the command takes; the Status says which.
larder::Result<Options> parse_options(const Args& args, const OptionSpec& spec);

// Prints "larderctl COMMAND: WHY" and the usage line on stderr; returns kExitUsage.
int refuse_usage(const std::string& command, const std::string& why, const char* usage);

// Loads and validates a configuration file. On failure prints every error (each names the
// file) prefixed by the command, and returns nullopt.
std::optional<larder::Config> load_config_reporting(const std::string& command,
                                                   const std::string& path);

// household.timezone, or UTC (with a note on stderr) when the zone cannot be loaded.
larder::TimeZone household_zone(const larder::Config& config);

// ISO 8601 with the zone's offset: "2025-11-30T10:00:00+01:00" ("Z" for UTC); "-" for a
// time that is not finite.
std::string iso_local(double ts, const larder::TimeZone& zone);
// The local time at `ts` in a strftime(3) format (no %z or %Z: the zone is not in the
// broken-down time); "-" for a time that is not finite.
std::string local_format(double ts, const larder::TimeZone& zone, const char* format);

// Why `id` is not a valid id (larder::valid_id), naming it as `what` ("an order id"), or
// nothing when it is one.
std::optional<std::string> bad_id(const std::string& id, const char* what);

// Columns aligned by characters (UTF-8 aware), two spaces apart, the last one not padded;
// every cell goes through larder::mask_controls().
std::string format_table(const std::vector<std::string>& header,
                         const std::vector<std::vector<std::string>>& rows);
// The same without a header: one "name  value" line per field, the values aligned.
std::string format_fields(const std::vector<std::pair<std::string, std::string>>& fields);

// A number for people: at most `decimals` decimals, trailing zeros dropped ("2.5", "3",
// "-0.25"); "-" for one that is not finite.
std::string decimal(double v, int decimals);

}  // namespace larderctl
