// The GrantStore (grants/grant_store.h) on SQLite: the tables `grants` and `grant_audit`
// of <state_dir>/larder.db (migration 3 of sqlite_store.cc), through a connection of its
// own.
//
// Opening: the main store (open_sqlite_store) opens the file first, which creates and
// migrates it; this one creates nothing and refuses a file whose schema_migrations lacks
// version 3 (or that is missing, or not a database), with a Status naming the file. It
// sets journal_mode=WAL (already the file's), synchronous=FULL and a busy timeout; with
// read_only it opens the file read-only and every write fails.
//
// Writes: save_grant() is one upsert and append_audit() one insert, each its own
// transaction (autocommit), durable on return (WAL + synchronous=FULL). The database keeps
// the log append-only by itself: triggers refuse an UPDATE or a DELETE of grant_audit, and
// an INSERT whose seq is not the last one's plus one or whose prev_hash is not the last
// one's hash. No code is ever written: a grant row holds the code's SHA-256 only.
// Every SQLite exception is caught here and becomes a Status saying what failed.
// Thread rule: the store belongs to the event-loop thread.
#pragma once

#include <memory>
#include <string>

#include "grants/grant_store.h"
#include "larder/status.h"

namespace larder {

struct SqliteGrantStoreOptions {
  bool read_only = false;  // e.g. larderctl audit: reads only
  bool no_room = false;    // with read_only: the disk is full (SqliteStoreOptions::no_room)
  int busy_timeout_ms = 2000;
};

Result<std::unique_ptr<grants::GrantStore>> open_sqlite_grant_store(
    const std::string& state_dir, const SqliteGrantStoreOptions& options = {});

}  // namespace larder
