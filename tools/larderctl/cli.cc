#include "cli.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <ctime>

#include "larder/text.h"

namespace larderctl {

std::optional<std::string> Options::value(const std::string& name) const {
  auto it = values.find(name);
  if (it == values.end()) return std::nullopt;
  return it->second;
}

larder::Result<Options> parse_options(const Args& args, const OptionSpec& spec) {
  Options o;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (spec.with_value.count(a)) {
      // `--status --config FILE`: the value was left out, and the next option is not it
      // (a file named like an option can be given as ./--json).
      if (i + 1 >= args.size() || args[i + 1].rfind("--", 0) == 0) {
        return larder::Status::Error(a + " needs a value");
      }
      if (o.values.count(a)) return larder::Status::Error(a + " is given twice");
      if (args[i + 1].empty()) return larder::Status::Error(a + " needs a value, not ''");
      o.values[a] = args[++i];
    } else if (spec.switches.count(a)) {
      if (o.switches.count(a)) return larder::Status::Error(a + " is given twice");
      o.switches.insert(a);
    } else if (a.size() > 1 && a[0] == '-') {
      return larder::Status::Error("unknown option '" + larder::mask_controls(a) + "'");
    } else {
      if (o.positional.size() >= spec.positionals) {
        return larder::Status::Error("unexpected argument '" + larder::mask_controls(a) + "'");
      }
      if (a.empty()) return larder::Status::Error("an argument is empty ('')");
      o.positional.push_back(a);
    }
  }
  return o;
}

int refuse_usage(const std::string& command, const std::string& why, const char* usage) {
  // `why` may quote what was typed (a file's name): no control of it reaches the terminal.
  std::fprintf(stderr, "larderctl %s: %s\n%s\n", command.c_str(),
               larder::mask_controls(why).c_str(), usage);
  return kExitUsage;
}

std::optional<larder::Config> load_config_reporting(const std::string& command,
                                                   const std::string& path) {
  larder::ConfigLoad load = larder::load_config(path);
  if (!load.config) {
    for (const auto& e : load.errors) {
      std::fprintf(stderr, "larderctl %s: %s\n", command.c_str(), e.to_string().c_str());
    }
    if (load.errors.empty()) {
      std::fprintf(stderr, "larderctl %s: cannot load %s\n", command.c_str(),
                   larder::mask_controls(path).c_str());
    }
    return std::nullopt;
  }
  return std::move(*load.config);
}

larder::TimeZone household_zone(const larder::Config& config) {
  auto zone = larder::TimeZone::load(config.household.timezone);
  if (zone.ok()) return *zone;
  // The configuration was validated, so this is a zone file that went away since.
  std::fprintf(stderr, "larderctl: times are in UTC: %s\n", zone.status().message().c_str());
  return larder::TimeZone::utc();
}

std::string local_format(double ts, const larder::TimeZone& zone, const char* format) {
  // Whole seconds: fractions do not help a reader. Beyond year 9999 nothing is shown.
  if (!std::isfinite(ts) || std::fabs(ts) > 253402300799.0) return "-";
  const std::time_t local = static_cast<std::time_t>(std::floor(ts)) + zone.utc_offset_at(ts);
  std::tm tm{};
  if (!gmtime_r(&local, &tm)) return "-";
  char buf[128];
  if (std::strftime(buf, sizeof buf, format, &tm) == 0) return "-";
  return buf;
}

std::string iso_local(double ts, const larder::TimeZone& zone) {
  std::string out = local_format(ts, zone, "%Y-%m-%dT%H:%M:%S");
  if (out == "-") return out;
  const int offset = zone.utc_offset_at(ts);
  if (offset == 0) return out + "Z";
  const int mag = offset < 0 ? -offset : offset;
  char off[16];
  std::snprintf(off, sizeof off, "%c%02d:%02d", offset < 0 ? '-' : '+', mag / 3600,
                (mag % 3600) / 60);
  return out + off;
}

std::optional<std::string> bad_id(const std::string& id, const char* what) {
  if (larder::valid_id(id)) return std::nullopt;
  return "'" + larder::mask_controls(id.substr(0, 64)) + (id.size() > 64 ? "..." : "") +
         "' is not " + what +
         " (1 to 64 lower-case letters, digits, '_' and '-', from a letter or digit)";
}

namespace {

// Characters, not bytes: continuation bytes of UTF-8 take no column.
std::size_t columns(const std::string& s) {
  std::size_t n = 0;
  for (char c : s) {
    if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) ++n;
  }
  return n;
}

}  // namespace

namespace {

// Every row made `n` cells wide, printable, and the columns aligned.
std::string aligned(std::vector<std::vector<std::string>> all, std::size_t n) {
  std::vector<std::size_t> width(n, 0);
  for (auto& r : all) {
    r.resize(n);
    for (std::size_t i = 0; i < r.size(); ++i) {
      r[i] = larder::mask_controls(r[i]);
      width[i] = std::max(width[i], columns(r[i]));
    }
  }
  std::string out;
  for (const auto& r : all) {
    std::string line;
    for (std::size_t i = 0; i < r.size(); ++i) {
      line += r[i];
      if (i + 1 < r.size()) line += std::string(width[i] - columns(r[i]) + 2, ' ');
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out += line + "\n";
  }
  return out;
}

}  // namespace

std::string format_table(const std::vector<std::string>& header,
                         const std::vector<std::vector<std::string>>& rows) {
  std::vector<std::vector<std::string>> all;
  all.reserve(rows.size() + 1);
  all.push_back(header);
  for (const auto& r : rows) all.push_back(r);
  return aligned(std::move(all), header.size());
}

std::string format_fields(const std::vector<std::pair<std::string, std::string>>& fields) {
  std::vector<std::vector<std::string>> all;
  all.reserve(fields.size());
  for (const auto& [name, value] : fields) all.push_back({name, value});
  return aligned(std::move(all), 2);
}

std::string decimal(double v, int decimals) {
  if (!std::isfinite(v)) return "-";
  char buf[64];
  if (std::fabs(v) >= 1e15) {  // no one reads the digits of such a number
    std::snprintf(buf, sizeof buf, "%.6g", v);
    return buf;
  }
  std::snprintf(buf, sizeof buf, "%.*f", std::clamp(decimals, 0, 9), v);
  std::string s = buf;
  if (s.find('.') != std::string::npos) {
    while (s.back() == '0') s.pop_back();
    if (s.back() == '.') s.pop_back();
  }
  if (s == "-0") s = "0";
  return s;
}

}  // namespace larderctl
