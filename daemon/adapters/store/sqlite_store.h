// The Store (include/larder/store.h) on SQLite: <state_dir>/larder.db.
//
// Opening: creates state_dir if it is missing (mode 0750), opens larder.db with
// journal_mode=WAL, synchronous=FULL, a busy timeout and foreign_keys=ON, then applies
// the schema migrations the file has not seen yet, each in its own transaction, exactly
// once (recorded in the table schema_migrations). The store does not open when:
//   - the directory cannot be created or the file cannot be opened or created;
//   - the file is not an SQLite database (or is corrupt);
//   - the file's schema is newer than this binary knows (a downgrade): refused, unchanged;
//   - a migration fails: its transaction is rolled back, the file stays at the last
//     version that succeeded.
// Every such error is a Status whose message names the file.
//
// Durability: WAL with synchronous=FULL syncs the WAL at every commit, so what flush()
// committed survives a process crash *and* a power cut. The gateway is a small board that
// loses power more often than a server, and the daemon commits in batches from a timer,
// so the cost is one fsync per flush interval, not one per reading. (NORMAL would only
// keep commits across a process crash; an OS crash or power cut could lose the last ones.)
//
// flush() writes the whole queue in one transaction with prepared statements that are
// reused; on any failure (disk full, read-only file, I/O error, lock timeout) it rolls
// back, keeps the queue and returns a Status saying what failed. Accepted data is never
// dropped: the queue is unbounded; its size is pending() (and the gauge larder_store_pending,
// updated at each flush). A reading or state with a non-finite number (SQLite would store
// NaN as NULL) is refused at append()/put_state(), logged, and never queued; MemoryStore too.
//
// save_order() does not wait for the flush: an order is committed at once (an upsert in
// autocommit mode, or in one transaction with what is queued), because it must be durable
// before the retailer is asked to place it. What is queued goes with it so that the state
// of a model told of the order's fate (placed, cancelled, delivered) is durable with it. Orders are few (a handful a week), so one fsync each
// costs nothing that matters. Finished orders stay in the table; load_orders() returns the
// unfinished ones, the newest finished ones and those saved since the guards' horizon.
//
// Metrics: larder_store_commits_total (SQLite commits made by flush, counted by a commit
// hook on the connection), larder_store_commit_errors_total, larder_store_last_commit_seconds
// (duration of the last successful flush), larder_store_pending,
// larder_store_migrations_applied_total, larder_store_order_commits_total,
// larder_store_last_order_commit_seconds.
//
// Adding a table: append one SqliteMigration to the list in sqlite_store.cc with the next
// version number; never edit a migration that has shipped.
//
// Thread rule: the store and its Metrics belong to the event-loop thread.
#pragma once

#include <exception>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "larder/metrics.h"
#include "larder/status.h"
#include "larder/store.h"

namespace larder {

// One step of the schema. Versions start at 1 and go up by one.
struct SqliteMigration {
  int version = 0;
  std::string name;  // a few words, recorded in schema_migrations
  std::string sql;   // one or more statements, run in the step's transaction
};

// The migrations this binary knows, oldest first.
const std::vector<SqliteMigration>& sqlite_migrations();

struct SqliteStoreOptions {
  // Opens an existing database for reading only (e.g. for larderctl): nothing is created
  // or migrated (a database that needs a migration is refused) and every flush() fails.
  bool read_only = false;
  // With read_only: the directory is writable but its disk has no room (larderd started on
  // a full disk), so the file is opened as on a read-only file system (sqlite_read_only_name).
  bool no_room = false;
  // Where what cannot be committed waits for the next open (store_journal.h): a directory
  // outside the state directory, e.g. larderd's runtime directory. Empty: no journal.
  // A store that opens for writing imports the journal it finds there first.
  std::string journal_dir;
  // How long a statement waits for a lock held by another connection.
  int busy_timeout_ms = 2000;
  // How many readings wait in memory for a commit that keeps failing; beyond, the oldest
  // leave the queue (counted). Those the journal holds are read back from it at the commit
  // that works, so only readings that never reached the journal are lost.
  std::size_t max_queued_readings = 200000;
  // Tests only: a migration list to use instead of sqlite_migrations(). A list that stops
  // short of this binary's migrations leaves an old database behind and returns an error
  // (the store needs its whole schema): how the tests make a database of an older larderd.
  const std::vector<SqliteMigration>* migrations = nullptr;
};

// What an exception from SQLiteCpp means, in words first ("disk full", "database is
// read-only", ...) and SQLite's own message after; any other exception's what().
std::string sqlite_error_text(const std::exception& e);

// The database file inside a state directory.
std::string sqlite_store_path(const std::string& state_dir);

// Opens the store; see the top of this file for what can fail.
Result<std::unique_ptr<Store>> open_sqlite_store(const std::string& state_dir, Metrics& metrics,
                                                 const SqliteStoreOptions& options = {});

// What a database file says about itself, read through a separate read-only connection.
struct SqliteStoreInfo {
  std::string path;
  std::string journal_mode;  // "wal" once a store has opened it
  int schema_version = 0;    // highest applied migration, 0 if none
  // (version, applied_at epoch seconds) of every applied migration, oldest first.
  std::vector<std::pair<int, double>> applied;
};

Result<SqliteStoreInfo> inspect_sqlite_store(const std::string& state_dir);

// Takes the permissions of "other users" from the database and its -wal and -shm files
// where they have them (made by an earlier run with umask 022: 0644); SQLite makes the
// -wal and -shm files with the database's permissions. What it changed is logged.
void sqlite_keep_private(const std::string& path);

// The name to open `path` read-only with, and the SQLite flags it needs added. SQLite cannot
// read a WAL database on a read-only file system without its -shm file, which a clean
// shutdown removes: there (and only there: no -wal file or an empty one, the directory not
// writable, or `no_room`: its disk full, so the -shm cannot be made) the file is opened
// `immutable` (a URI), which is what it is. When a crash left frames in the -wal and the
// disk is full (`no_room`), the -shm is opened read-only (`readonly_shm`): rebuilding it would
// need room (docs/faults.md).
std::string sqlite_read_only_name(const std::string& path, int& extra_flags,
                                  bool no_room = false);

}  // namespace larder
