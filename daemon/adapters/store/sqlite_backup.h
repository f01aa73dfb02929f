// A consistent copy of the live database, and putting one back (larderctl backup and
// restore, docs/storage.md).
//
// sqlite_backup() copies <state_dir>/larder.db while larderd runs and writes: SQLite's
// online backup API (sqlite3_backup_step, a few hundred pages a step) from a connection
// that holds one read transaction for the whole copy, so the copy is the snapshot of one
// moment (in WAL mode larderd's commits go on meanwhile; without that transaction each of
// its commits would start the copy over). The copy is written to `<dest>.tmp-<pid>`, made a
// single file (journal_mode DELETE), checked (`PRAGMA integrity_check`, a Larder schema),
// synced, and only then given its name: atomically replacing `dest` when `overwrite`, else
// refused if `dest` exists (checked again at the rename, with link(2)). On any failure the
// temporary file is removed and `dest` is untouched.
//
// sqlite_restore() puts a copy back into a state directory while larderd is stopped: it
// checks the copy (integrity, a Larder schema this binary knows), takes larderd's lock file
// (so it refuses while a larderd runs there), copies the backup beside larder.db, keeps the
// old database as `larder.db.before-restore-<UTC time>` (`-2`, `-3`... after it when a
// restore in the same second kept one already; its -wal with it; the -shm goes),
// and renames the copy onto larder.db. The directory is created if missing.
// Thread rule: plain functions; they block on the disk (larderctl).
#pragma once

#include <cstdint>
#include <string>

#include "larder/status.h"

namespace larder {

struct BackupInfo {
  std::int64_t bytes = 0;    // of the finished copy
  int schema_version = 0;
  int restarts = 0;          // steps that found the source locked and waited
};

Result<BackupInfo> sqlite_backup(const std::string& state_dir, const std::string& dest,
                                 bool overwrite);

// Whether `dest` can take a backup of the database in `state_dir`: a name that is not empty
// and names no directory, in a directory that exists and can be written, and none of the
// files the live store itself uses (larder.db, its -wal, -shm and -journal, larderd.lock):
// a copy renamed over the database would take the place of the file a running larderd
// writes to, and what it writes after would be lost. Symbolic links and hard links to
// those files count as the files. sqlite_backup() checks it first; larderctl before the
// configuration's other checks, to refuse as a bad argument.
Status check_backup_target(const std::string& state_dir, const std::string& dest);

// What a database file is: Ok with its schema version when it is an intact Larder database
// this binary can open (version 1 to the newest known); otherwise what is wrong.
Result<int> check_larder_database(const std::string& path);

struct RestoreInfo {
  std::string aside;         // where the old database went; empty when there was none
  int schema_version = 0;
};

Result<RestoreInfo> sqlite_restore(const std::string& backup, const std::string& state_dir);

}  // namespace larder
