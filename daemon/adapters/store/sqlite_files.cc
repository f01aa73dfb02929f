// The database file: where it is, who may read it, how it is opened read-only, what its
// errors mean, and which migrations it has had (inspect_sqlite_store).
#include <SQLiteCpp/SQLiteCpp.h>
#include <sqlite3.h>
#include <unistd.h>

#include <cerrno>
#include <exception>
#include <filesystem>
#include <string>
#include <system_error>

#include "adapters/store/sqlite_store.h"
#include "larder/log.h"

namespace larder {

namespace fs = std::filesystem;

void sqlite_keep_private(const std::string& path) {
  for (const std::string& f : {path, path + "-wal", path + "-shm"}) {
    std::error_code ec;
    const fs::perms p = fs::status(f, ec).permissions();
    if (ec || (p & fs::perms::others_all) == fs::perms::none) continue;
    fs::permissions(f, fs::perms::others_all, fs::perm_options::remove, ec);
    // A file system without permissions (vfat, ntfs-3g) takes the change and keeps none.
    if (!ec && (fs::status(f, ec).permissions() & fs::perms::others_all) != fs::perms::none) {
      ec = std::make_error_code(std::errc::operation_not_supported);
    }
    if (ec) {
      log_warn("store: " + f + " is readable by every user of this machine, and cannot be " +
               "changed (" + ec.message() + "; on a file system without permissions, the " +
               "mount's umask or fmask decides)");
    } else {
      log_info("store: " + f + " was readable by every user of this machine; now only by " +
               "its owner and group");
    }
  }
}

std::string sqlite_error_text(const std::exception& e) {
  const auto* se = dynamic_cast<const SQLite::Exception*>(&e);
  if (!se) return e.what();
  std::string hint;
  switch (se->getErrorCode()) {
    case SQLITE_FULL: hint = "disk full"; break;
    case SQLITE_READONLY: hint = "database is read-only"; break;
    case SQLITE_IOERR:
      hint = se->getExtendedErrorCode() == SQLITE_IOERR_WRITE ? "I/O error writing (disk full?)"
                                                              : "I/O error";
      break;
    case SQLITE_BUSY:
    case SQLITE_LOCKED: hint = "locked by another connection"; break;
    case SQLITE_NOTADB:
    case SQLITE_CORRUPT: hint = "not an SQLite database, or corrupt"; break;
    case SQLITE_CANTOPEN: hint = "cannot open the file"; break;
    case SQLITE_CONSTRAINT: hint = "constraint violated"; break;
    default: break;
  }
  return hint.empty() ? std::string(se->what()) : hint + " (" + se->what() + ")";
}

std::string sqlite_read_only_name(const std::string& path, int& extra_flags, bool no_room) {
  std::error_code ec;
  const std::string dir = fs::path(path).parent_path().string();
  const bool writable_dir =
      !no_room && (::access(dir.empty() ? "." : dir.c_str(), W_OK) == 0 || errno != EROFS);
  // An empty -wal holds no frames (a writer that could not start left it): the file is all.
  const auto wal_bytes = fs::file_size(path + "-wal", ec);
  const bool wal_frames = !ec && wal_bytes > 0;
  if (path.find_first_of("?#%") != std::string::npos) return path;
  if (!writable_dir && !wal_frames) {
    extra_flags |= SQLITE_OPEN_URI;
    return "file:" + path + "?immutable=1";
  }
  // Frames a crash left in the -wal, on a full disk: a -shm opened for writing would be
  // rebuilt, which needs room; read-only, SQLite reads the -wal into its own memory instead.
  if (no_room && wal_frames && fs::exists(path + "-shm", ec)) {
    extra_flags |= SQLITE_OPEN_URI;
    return "file:" + path + "?readonly_shm=1";
  }
  return path;
}

std::string sqlite_store_path(const std::string& state_dir) {
  return (fs::path(state_dir) / "larder.db").string();
}

Result<SqliteStoreInfo> inspect_sqlite_store(const std::string& state_dir) {
  SqliteStoreInfo info;
  info.path = sqlite_store_path(state_dir);
  try {
    SQLite::Database db(info.path, SQLite::OPEN_READONLY);
    info.journal_mode = db.execAndGet("PRAGMA journal_mode").getString();
    if (db.tableExists("schema_migrations")) {
      SQLite::Statement q(db, "SELECT version, applied_at FROM schema_migrations ORDER BY version");
      while (q.executeStep()) {
        info.applied.emplace_back(q.getColumn(0).getInt(), q.getColumn(1).getDouble());
        info.schema_version = q.getColumn(0).getInt();
      }
    }
  } catch (const std::exception& e) {
    return Status::Error("store: cannot inspect " + info.path + ": " + sqlite_error_text(e));
  }
  return info;
}

}  // namespace larder
