// larderctl backup and restore on SQLite's online backup API (sqlite_backup.h).
#include "adapters/store/sqlite_backup.h"

#include <SQLiteCpp/SQLiteCpp.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <stdexcept>
#include <thread>

#include "adapters/fs/lock_file.h"
#include "adapters/store/sqlite_store.h"

namespace larder {
namespace {

namespace fs = std::filesystem;

constexpr int kPagesPerStep = 256;
// A step finds the source locked only while a checkpoint or a writer holds a lock it needs;
// waits of 20 ms, at most this many in a row, before giving up.
constexpr int kMaxWaits = 1500;

std::string errno_text() { return std::strerror(errno); }

Status fsync_path(const std::string& path, bool directory) {
  const int fd = ::open(path.c_str(), (directory ? O_RDONLY | O_DIRECTORY : O_RDONLY) | O_CLOEXEC);
  if (fd < 0) return Status::Error("cannot open " + path + " to sync it: " + errno_text());
  const int rc = ::fsync(fd);
  const int err = errno;
  ::close(fd);
  if (rc != 0) return Status::Error("cannot sync " + path + ": " + std::strerror(err));
  return Status::Ok();
}

std::string parent_dir(const std::string& path) {
  const std::string dir = fs::path(path).parent_path().string();
  return dir.empty() ? "." : dir;
}

// Copies the database `src` page by page into a new file `tmp` inside one read transaction
// of `src` (a snapshot), makes the copy a single file and checks it. `tmp` is removed on
// failure.
Status copy_database(const std::string& src, const std::string& tmp, int& waits) {
  ::unlink(tmp.c_str());
  Status result = Status::Ok();
  try {
    int flags = SQLite::OPEN_READONLY;
    const std::string name = sqlite_read_only_name(src, flags);
    SQLite::Database from(name, flags, 5000);
    SQLite::Database to(tmp, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    from.exec("BEGIN");
    // The read transaction (the snapshot) starts with the first read.
    (void)from.execAndGet("SELECT count(*) FROM sqlite_master").getInt();
    sqlite3_backup* b = sqlite3_backup_init(to.getHandle(), "main", from.getHandle(), "main");
    if (b == nullptr) {
      throw std::runtime_error(std::string("cannot start the backup: ") +
                               sqlite3_errmsg(to.getHandle()));
    }
    int rc = SQLITE_OK;
    int waited = 0;
    for (;;) {
      rc = sqlite3_backup_step(b, kPagesPerStep);
      if (rc == SQLITE_OK) {
        waited = 0;
        continue;
      }
      if ((rc == SQLITE_BUSY || rc == SQLITE_LOCKED) && waited < kMaxWaits) {
        ++waits;
        ++waited;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
        continue;
      }
      break;
    }
    sqlite3_backup_finish(b);
    from.exec("COMMIT");
    if (rc != SQLITE_DONE) {
      throw std::runtime_error(std::string("copying ") + src + " failed: " + sqlite3_errstr(rc));
    }
    // One file: no -wal or -shm to carry along with it.
    const std::string mode = to.execAndGet("PRAGMA journal_mode = DELETE").getString();
    if (mode != "delete") throw std::runtime_error("the copy stays in journal mode " + mode);
    const std::string check = to.execAndGet("PRAGMA integrity_check").getString();
    if (check != "ok") throw std::runtime_error("the copy fails its integrity check: " + check);
  } catch (const std::exception& e) {
    result = Status::Error(sqlite_error_text(e));
  }
  if (result.ok()) result = fsync_path(tmp, false);
  if (!result.ok()) {
    ::unlink(tmp.c_str());
    ::unlink((tmp + "-journal").c_str());
  }
  return result;
}

std::string utc_stamp() {
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y%m%dT%H%M%SZ", &tm);
  return buf;
}

// `p` absolute, with the symbolic links of the part that exists resolved.
fs::path resolved(const fs::path& p) {
  std::error_code ec;
  fs::path out = fs::weakly_canonical(fs::absolute(p, ec), ec);
  return ec ? fs::absolute(p, ec).lexically_normal() : out;
}

bool same_file(const fs::path& a, const fs::path& b) {
  if (resolved(a) == resolved(b)) return true;
  std::error_code ec;
  return fs::exists(a, ec) && fs::exists(b, ec) && fs::equivalent(a, b, ec) && !ec;
}

}  // namespace

Status check_backup_target(const std::string& state_dir, const std::string& dest) {
  if (dest.empty()) return Status::Error("the backup FILE is an empty name");
  if (dest.back() == '/') return Status::Error(dest + " names a directory, not a file");
  std::error_code ec;
  if (fs::is_directory(dest, ec)) return Status::Error(dest + " is a directory");
  const std::string db = sqlite_store_path(state_dir);
  for (const std::string& own : {db, db + "-wal", db + "-shm", db + "-journal",
                                 (fs::path(state_dir) / "larderd.lock").string()}) {
    if (same_file(dest, own)) {
      return Status::Error(dest + " is " + own +
                           ", a file of the live store: the backup must go elsewhere");
    }
  }
  fs::path dir = fs::path(dest).parent_path();
  if (dir.empty()) dir = ".";
  const fs::file_status st = fs::status(dir, ec);
  if (!fs::exists(st)) return Status::Error("cannot write " + dest + ": " + dir.string() +
                                            " does not exist");
  if (!fs::is_directory(st)) {
    return Status::Error("cannot write " + dest + ": " + dir.string() + " is not a directory");
  }
  if (::access(dir.c_str(), W_OK | X_OK) != 0) {
    return Status::Error("cannot write " + dest + " into " + dir.string() + ": " + errno_text());
  }
  return Status::Ok();
}

Result<int> check_larder_database(const std::string& path) {
  std::error_code ec;
  if (!fs::exists(path, ec)) return Status::Error(path + " does not exist");
  if (!fs::is_regular_file(path, ec)) return Status::Error(path + " is not a file");
  if (::access(path.c_str(), R_OK) != 0) {
    return Status::Error("cannot read " + path + ": " + errno_text());
  }
  try {
    int flags = SQLite::OPEN_READONLY;
    SQLite::Database db(sqlite_read_only_name(path, flags), flags);
    const std::string check = db.execAndGet("PRAGMA integrity_check").getString();
    if (check != "ok") {
      return Status::Error(path + " fails SQLite's integrity check: " + check);
    }
    if (!db.tableExists("schema_migrations") || !db.tableExists("readings") ||
        !db.tableExists("consumable_state")) {
      return Status::Error(path + " is an SQLite database but not a Larder one (no schema_"
                                  "migrations, readings or consumable_state table)");
    }
    SQLite::Statement q(db, "SELECT COALESCE(MAX(version), 0), count(*) FROM schema_migrations");
    q.executeStep();
    const int version = q.getColumn(0).getInt();
    const int known = sqlite_migrations().back().version;
    if (version > known) {
      return Status::Error(path + " has schema version " + std::to_string(version) +
                           ", newer than this larderctl knows (" + std::to_string(known) +
                           "); use the larderctl of the larderd that made it");
    }
    if (q.getColumn(1).getInt() != version || version < 1) {
      return Status::Error(path + ": its schema_migrations table is not a Larder schema history");
    }
    return version;
  } catch (const std::exception& e) {
    return Status::Error("cannot read " + path + ": " + sqlite_error_text(e));
  }
}

Result<BackupInfo> sqlite_backup(const std::string& state_dir, const std::string& dest,
                                 bool overwrite) {
  const std::string src = sqlite_store_path(state_dir);
  std::error_code ec;
  if (!fs::exists(src, ec)) return Status::Error("there is no database at " + src);
  if (Status s = check_backup_target(state_dir, dest); !s.ok()) return s;
  if (!overwrite && fs::exists(dest, ec)) {
    return Status::Error(dest + " exists; give --force to replace it");
  }
  const std::string tmp = dest + ".tmp-" + std::to_string(::getpid());
  BackupInfo info;
  if (Status s = copy_database(src, tmp, info.restarts); !s.ok()) {
    return Status::Error("backup of " + src + " failed: " + s.message());
  }
  auto version = check_larder_database(tmp);
  if (!version.ok()) {
    ::unlink(tmp.c_str());
    return Status::Error("backup of " + src + " failed: " + version.status().message());
  }
  info.schema_version = *version;
  info.bytes = static_cast<std::int64_t>(fs::file_size(tmp, ec));
  if (overwrite) {
    if (::rename(tmp.c_str(), dest.c_str()) != 0) {
      const std::string why = errno_text();
      ::unlink(tmp.c_str());
      return Status::Error("cannot rename " + tmp + " to " + dest + ": " + why);
    }
  } else {
    // link(2) does not replace: a FILE that appeared meanwhile is kept.
    if (::link(tmp.c_str(), dest.c_str()) != 0) {
      const std::string why = errno == EEXIST ? "it exists; give --force to replace it"
                                              : errno_text();
      ::unlink(tmp.c_str());
      return Status::Error("cannot create " + dest + ": " + why);
    }
    ::unlink(tmp.c_str());
  }
  if (Status s = fsync_path(parent_dir(dest), true); !s.ok()) return s;
  return info;
}

Result<RestoreInfo> sqlite_restore(const std::string& backup, const std::string& state_dir) {
  auto version = check_larder_database(backup);
  if (!version.ok()) return version.status();
  std::error_code ec;
  fs::create_directories(state_dir, ec);
  if (ec || !fs::is_directory(state_dir)) {
    return Status::Error("cannot create the state directory " + state_dir + ": " + ec.message());
  }
  auto lock = LockFile::acquire(state_dir);
  if (!lock.ok()) {
    return Status::Error(lock.status().message() + "; stop larderd before restoring");
  }
  const std::string db = sqlite_store_path(state_dir);
  const std::string tmp = db + ".restore-tmp";
  int waits = 0;
  if (Status s = copy_database(backup, tmp, waits); !s.ok()) {
    return Status::Error("cannot copy " + backup + " into " + state_dir + ": " + s.message());
  }
  // The restored file belongs to whoever owns what it replaces (the database, else the state
  // directory): restored as root (the documented way, with larderd stopped) it would be
  // root's, and larderd, running as its own user (systemd's DynamicUser), could not write
  // it. Only root can give a file away; anyone else restores as the owner already.
  struct stat owner {};
  const bool known = ::stat(db.c_str(), &owner) == 0 || ::stat(state_dir.c_str(), &owner) == 0;
  if (::geteuid() == 0 && known && ::chown(tmp.c_str(), owner.st_uid, owner.st_gid) != 0) {
    const std::string why = errno_text();
    ::unlink(tmp.c_str());
    return Status::Error("cannot give " + tmp + " the owner of " + state_dir + ": " + why);
  }
  RestoreInfo info;
  info.schema_version = *version;
  if (fs::exists(db, ec)) {
    // The old file keeps its name until the copy takes it over; its -wal moves with it
    // (left behind it would be replayed into the restored database). link(2) takes a
    // free name only: a restore in the same second kept one already.
    const std::string aside = db + ".before-restore-" + utc_stamp();
    info.aside = aside;
    int rc = ::link(db.c_str(), aside.c_str());
    for (int n = 2; rc != 0 && errno == EEXIST && n <= 100; ++n) {
      info.aside = aside + "-" + std::to_string(n);
      rc = ::link(db.c_str(), info.aside.c_str());
    }
    if (rc != 0) {
      const std::string why = errno_text();
      ::unlink(tmp.c_str());
      return Status::Error("cannot keep the old database as " + info.aside + ": " + why);
    }
    if (fs::exists(db + "-wal", ec) && ::rename((db + "-wal").c_str(),
                                                (info.aside + "-wal").c_str()) != 0) {
      const std::string why = errno_text();
      ::unlink(info.aside.c_str());
      ::unlink(tmp.c_str());
      return Status::Error("cannot move " + db + "-wal aside: " + why);
    }
    ::unlink((db + "-shm").c_str());
  }
  if (::rename(tmp.c_str(), db.c_str()) != 0) {
    const std::string why = errno_text();
    ::unlink(tmp.c_str());
    return Status::Error("cannot rename " + tmp + " to " + db + ": " + why);
  }
  if (Status s = fsync_path(state_dir, true); !s.ok()) return s;
  return info;
}

}  // namespace larder
