// larderctl audit: the grant audit log, read straight from the database (read-only, so it
// works whether larderd runs or not), and the verification of its whole hash chain
// (grants/audit_chain.h) with OpenSSL.
#include <cstdio>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "adapters/crypto/grant_crypto.h"
#include "adapters/store/sqlite_grants.h"
#include "commands.h"
#include "grants/audit_chain.h"
#include "larder/text.h"

namespace larderctl {

namespace audit_impl {

using larder::grants::AuditEntry;
using nlohmann::json;

constexpr const char* kAuditUsage = "usage: larderctl audit --config FILE [--json] [--since SEQ]";
constexpr std::size_t kShortHash = 12;

int refuse(const std::string& why) {
  std::fprintf(stderr, "larderctl audit: %s\n%s\n", why.c_str(), kAuditUsage);
  return kExitUsage;
}

// A sequence number as the user wrote it: digits only, so "-1" or "3x" are refused.
std::optional<std::int64_t> parse_seq(const std::string& s) {
  if (s.empty() || s.size() > 18 || s.find_first_not_of("0123456789") != std::string::npos) {
    return std::nullopt;
  }
  return std::stoll(s);
}

std::string or_dash(const std::string& s) { return s.empty() ? "-" : s; }

// "entry 3: its hash ..." says the seq twice once it is in "BROKEN at seq 3: ...".
std::string without_entry_prefix(const std::string& what, std::int64_t seq) {
  const std::string prefix = "entry " + std::to_string(seq) + ": ";
  return what.rfind(prefix, 0) == 0 ? what.substr(prefix.size()) : what;
}

}  // namespace audit_impl

int audit_command(const Args& args) {
  using namespace audit_impl;
  auto opts = parse_options(args, {{"--config", "--since"}, {"--json"}, 0});
  if (!opts.ok()) return refuse(opts.status().message());
  auto config_path = opts->value("--config");
  if (!config_path) return refuse("--config FILE is required");
  std::int64_t since = 0;
  if (auto s = opts->value("--since")) {
    auto seq = parse_seq(*s);
    if (!seq) return refuse("--since needs a sequence number (0 or more), not '" + *s + "'");
    since = *seq;
  }
  auto config = load_config_reporting("audit", *config_path);
  if (!config) return kExitUsage;

  larder::SqliteGrantStoreOptions ro;
  ro.read_only = true;
  auto store = larder::open_sqlite_grant_store(config->state_dir, ro);
  if (!store.ok()) {
    std::fprintf(stderr, "larderctl audit: %s\n", store.status().message().c_str());
    return kExitUsage;
  }
  larder::OpenSslGrantCrypto crypto;
  std::vector<AuditEntry> shown;
  std::size_t total = 0;
  auto& grant_store = **store;
  auto scan = larder::grants::scan_audit(
      [&grant_store](std::int64_t after, std::size_t limit) {
        return grant_store.load_audit(after, limit);
      },
      crypto,
      [&](const AuditEntry& e) {
        ++total;
        if (e.seq > since) shown.push_back(e);
      });
  if (!scan.ok()) {
    std::fprintf(stderr, "larderctl audit: %s\n", scan.status().message().c_str());
    return kExitUsage;
  }
  const larder::grants::AuditCheck& check = scan->check;
  const larder::TimeZone zone = household_zone(*config);

  if (opts->has("--json")) {
    json entries = json::array();
    for (const AuditEntry& e : shown) {
      entries.push_back({{"seq", e.seq},
                         {"ts", e.ts},
                         {"time", iso_local(e.ts, zone)},
                         {"event", e.event},
                         {"grant_id", e.grant_id},
                         {"order_id", e.order_id},
                         {"vehicle", e.vehicle},
                         {"detail", e.detail},
                         {"prev_hash", e.prev_hash},
                         {"hash", e.hash}});
    }
    json verified = {{"ok", check.ok}, {"checked", check.checked}, {"total", total}};
    if (check.first_bad_seq) verified["first_bad_seq"] = *check.first_bad_seq;
    if (!check.what.empty()) verified["what"] = check.what;
    // Replace invalid UTF-8 rather than throw: a tampered database may hold anything.
    std::printf("%s\n", json{{"entries", entries}, {"verified", verified}}
                            .dump(2, ' ', false, json::error_handler_t::replace)
                            .c_str());
  } else {
    if (shown.empty()) {
      std::printf(since > 0 ? "no audit entries after seq %lld\n" : "no audit entries\n",
                  static_cast<long long>(since));
    } else {
      std::vector<std::vector<std::string>> rows;
      rows.reserve(shown.size());
      for (const AuditEntry& e : shown) {
        rows.push_back({std::to_string(e.seq), iso_local(e.ts, zone), e.event,
                        or_dash(e.order_id), or_dash(e.vehicle), or_dash(e.detail),
                        or_dash(e.hash.substr(0, kShortHash)),
                        or_dash(e.prev_hash.substr(0, kShortHash))});
      }
      std::fputs(format_table({"SEQ", "TIME (" + zone.name() + ")", "EVENT", "ORDER", "VEHICLE",
                               "DETAIL", "HASH", "PREV"},
                              rows)
                     .c_str(),
                 stdout);
    }
    if (check.ok) {
      std::printf("chain verified: %zu entries\n", total);
    } else {
      const std::int64_t bad = check.first_bad_seq.value_or(0);
      std::printf("chain BROKEN at seq %lld: %s\n", static_cast<long long>(bad),
                  larder::mask_controls(without_entry_prefix(check.what, bad)).c_str());
    }
  }
  return check.ok ? kExitOk : kExitRefused;
}

}  // namespace larderctl
