// larderctl backup and restore: a consistent copy of the database while larderd runs, and
// putting one back while it is stopped (adapters/store/sqlite_backup.h, docs/storage.md).
// Both find the database through the configuration's state_dir.
#include <cstdio>
#include <filesystem>
#include <string>

#include "adapters/store/sqlite_backup.h"
#include "adapters/store/sqlite_store.h"
#include "commands.h"

namespace larderctl {
namespace {

constexpr const char* kBackupUsage = "usage: larderctl backup FILE --config FILE [--force]";
constexpr const char* kRestoreUsage = "usage: larderctl restore FILE --config FILE";

int refuse(const char* command, const char* usage, const std::string& why) {
  std::fprintf(stderr, "larderctl %s: %s\n%s\n", command, why.c_str(), usage);
  return kExitUsage;
}

}  // namespace

int backup_command(const Args& args) {
  auto opts = parse_options(args, {{"--config"}, {"--force"}, 1});
  if (!opts.ok()) return refuse("backup", kBackupUsage, opts.status().message());
  if (opts->positional.size() != 1) return refuse("backup", kBackupUsage, "FILE is required");
  auto config_path = opts->value("--config");
  if (!config_path) return refuse("backup", kBackupUsage, "--config FILE is required");
  auto config = load_config_reporting("backup", *config_path);
  if (!config) return kExitUsage;
  const std::string& dest = opts->positional[0];
  // What the caller can fix is refused before anything is written (exit 2); the copy
  // checks the same again, since things may change meanwhile.
  std::error_code ec;
  if (auto bad = larder::check_backup_target(config->state_dir, dest); !bad.ok()) {
    return refuse("backup", kBackupUsage, bad.message());
  }
  if (std::filesystem::exists(dest, ec) && !opts->has("--force")) {
    return refuse("backup", kBackupUsage, dest + " exists; give --force to replace it");
  }
  const std::string db = larder::sqlite_store_path(config->state_dir);
  if (!std::filesystem::exists(db, ec)) {
    return refuse("backup", kBackupUsage, "there is no database at " + db);
  }
  auto done = larder::sqlite_backup(config->state_dir, dest, opts->has("--force"));
  if (!done.ok()) {
    std::fprintf(stderr, "larderctl backup: %s\n", done.status().message().c_str());
    return kExitRefused;
  }
  std::printf("backed up %s to %s: %lld bytes, schema version %d\n",
              config->state_dir.c_str(), dest.c_str(), static_cast<long long>(done->bytes),
              done->schema_version);
  return kExitOk;
}

int restore_command(const Args& args) {
  auto opts = parse_options(args, {{"--config"}, {}, 1});
  if (!opts.ok()) return refuse("restore", kRestoreUsage, opts.status().message());
  if (opts->positional.size() != 1) return refuse("restore", kRestoreUsage, "FILE is required");
  auto config_path = opts->value("--config");
  if (!config_path) return refuse("restore", kRestoreUsage, "--config FILE is required");
  auto config = load_config_reporting("restore", *config_path);
  if (!config) return kExitUsage;
  const std::string& backup = opts->positional[0];
  if (auto version = larder::check_larder_database(backup); !version.ok()) {
    std::fprintf(stderr, "larderctl restore: %s\n", version.status().message().c_str());
    return kExitUsage;
  }
  auto done = larder::sqlite_restore(backup, config->state_dir);
  if (!done.ok()) {
    std::fprintf(stderr, "larderctl restore: %s\n", done.status().message().c_str());
    return kExitRefused;
  }
  std::printf("restored %s into %s (schema version %d)\n", backup.c_str(),
              config->state_dir.c_str(), done->schema_version);
  if (!done->aside.empty()) {
    std::printf("the previous database is kept as %s\n", done->aside.c_str());
  }
  return kExitOk;
}

}  // namespace larderctl
