// The schema of the SQLite store (sqlite_store.h), one migration a step, and applying it.
#include <SQLiteCpp/SQLiteCpp.h>
#include <sqlite3.h>

#include <exception>
#include <string>

#include "adapters/store/sqlite_schema.h"
#include "adapters/store/sqlite_store.h"
#include "larder/log.h"

namespace larder {

const std::vector<SqliteMigration>& sqlite_migrations() {
  // The schema, oldest first. Append new steps at the end; never edit a shipped one.
  static const std::vector<SqliteMigration> kMigrations = {
      {1, "readings and consumable state",
       "CREATE TABLE readings ("
       "  consumable TEXT NOT NULL,"
       "  ts REAL NOT NULL,"
       "  kind TEXT NOT NULL,"
       "  value REAL NOT NULL);"
       "CREATE INDEX readings_by_consumable_ts ON readings(consumable, ts);"
       "CREATE TABLE consumable_state ("
       "  consumable TEXT PRIMARY KEY,"
       "  json TEXT NOT NULL,"
       "  updated REAL NOT NULL);"},
      {2, "orders of the ledger",
       "CREATE TABLE orders ("
       "  order_id TEXT PRIMARY KEY,"
       "  json TEXT NOT NULL,"
       "  finished INTEGER NOT NULL,"
       "  updated REAL NOT NULL);"
       "CREATE INDEX orders_by_finished_updated ON orders(finished, updated);"},
      // Trunk access grants (adapters/store/sqlite_grants.h) and their hash-chained audit
      // log, which the database itself keeps append-only: no UPDATE, no DELETE, and each
      // INSERT must follow the last entry (hex(zeroblob(32)) is the 64 zeros before the first).
      {3, "trunk access grants and their audit log",
       "CREATE TABLE grants ("
       "  grant_id TEXT PRIMARY KEY,"
       "  order_id TEXT NOT NULL,"
       "  vehicle TEXT NOT NULL,"
       "  state TEXT NOT NULL,"
       "  json TEXT NOT NULL,"
       "  updated REAL NOT NULL);"
       "CREATE INDEX grants_by_order ON grants(order_id);"
       "CREATE TABLE grant_audit ("
       "  seq INTEGER PRIMARY KEY,"
       "  ts REAL NOT NULL,"
       "  event TEXT NOT NULL CHECK (event IN ('issued', 'used', 'refused', 'revoked')),"
       "  grant_id TEXT NOT NULL,"
       "  order_id TEXT NOT NULL,"
       "  vehicle TEXT NOT NULL,"
       "  detail TEXT NOT NULL,"
       "  prev_hash TEXT NOT NULL CHECK (length(prev_hash) = 64),"
       "  hash TEXT NOT NULL CHECK (length(hash) = 64));"
       "CREATE TRIGGER grant_audit_no_update BEFORE UPDATE ON grant_audit "
       "BEGIN SELECT RAISE(ABORT, 'grant_audit is append-only: no UPDATE'); END;"
       "CREATE TRIGGER grant_audit_no_delete BEFORE DELETE ON grant_audit "
       "BEGIN SELECT RAISE(ABORT, 'grant_audit is append-only: no DELETE'); END;"
       "CREATE TRIGGER grant_audit_in_sequence BEFORE INSERT ON grant_audit "
       "WHEN NEW.seq IS NOT (SELECT COALESCE(MAX(seq), 0) + 1 FROM grant_audit) "
       "OR NEW.prev_hash IS NOT COALESCE((SELECT hash FROM grant_audit ORDER BY seq DESC "
       "LIMIT 1), hex(zeroblob(32))) "
       "BEGIN SELECT RAISE(ABORT, 'grant_audit: an entry must follow the last one'); END;"},
      // A state reflects the readings up to this rowid (Store::readings_after_states); the
      // states already stored were written with every reading before them.
      {4, "the readings each consumable state reflects",
       "ALTER TABLE consumable_state ADD COLUMN through_reading INTEGER NOT NULL DEFAULT 0;"
       "UPDATE consumable_state SET through_reading = "
       "(SELECT COALESCE(MAX(rowid), 0) FROM readings);"},
      // A purchase may give its packs' best-before date (docs/best-before.md).
      {5, "the best-before date of purchased packs",
       "ALTER TABLE readings ADD COLUMN best_before REAL;"},
      // The store journals committed, so none is taken in twice (store_journal.h).
      {6, "the store journals already imported",
       "CREATE TABLE journal_imports (id TEXT PRIMARY KEY, imported_at REAL NOT NULL);"},
  };
  return kMigrations;
}

void bind_reading(SQLite::Statement& insert, const Reading& r) {
  insert.bindNoCopy(1, r.consumable);
  insert.bind(2, r.ts);
  insert.bindNoCopy(3, r.kind);
  insert.bind(4, r.value);
  if (r.best_before) {
    insert.bind(5, *r.best_before);
  } else {
    insert.bind(5);  // NULL
  }
}

void sqlite_rollback_if_open(SQLite::Database& db) {
  if (sqlite3_get_autocommit(db.getHandle()) == 0) {
    try {
      db.exec("ROLLBACK");
    } catch (const std::exception&) {
      // SQLite may already have rolled back on its own (e.g. after an I/O error).
    }
  }
}

Status apply_sqlite_migrations(SQLite::Database& db, const std::string& path,
                               const std::vector<SqliteMigration>& list, bool read_only,
                               Metrics& metrics) {
  for (std::size_t i = 0; i < list.size(); ++i) {
    if (list[i].version != static_cast<int>(i) + 1) {
      return Status::Error("store: migration list is not numbered 1, 2, 3...");
    }
  }
  const int known = static_cast<int>(list.size());
  const bool has_table =
      db.execAndGet("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND "
                    "name = 'schema_migrations'")
          .getInt() > 0;
  if (!has_table && !read_only) {
    db.exec("CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL,"
            " applied_at REAL NOT NULL)");
  }
  int current = 0;
  if (has_table) {
    SQLite::Statement q(db, "SELECT COALESCE(MAX(version), 0), count(*) FROM schema_migrations");
    q.executeStep();
    current = q.getColumn(0).getInt();
    if (q.getColumn(1).getInt() != current) {
      return Status::Error("store: " + path + ": schema_migrations has gaps (" +
                           std::to_string(q.getColumn(1).getInt()) + " rows up to version " +
                           std::to_string(current) + "); refusing to guess");
    }
  }
  if (current > known) {
    return Status::Error("store: " + path + " has schema version " + std::to_string(current) +
                         ", newer than this larderd knows (" + std::to_string(known) +
                         "); upgrade larderd or restore a backup made for this version");
  }
  if (read_only) {
    if (current < known) {
      return Status::Error("store: " + path + " has schema version " + std::to_string(current) +
                           " and needs migrating to " + std::to_string(known) +
                           ", which a read-only open cannot do");
    }
    return Status::Ok();
  }
  for (const SqliteMigration& m : list) {
    if (m.version <= current) continue;
    try {
      db.exec("BEGIN IMMEDIATE");
      // Checked again under the write lock, in case another process migrated meanwhile.
      if (db.execAndGet("SELECT COALESCE(MAX(version), 0) FROM schema_migrations").getInt() >=
          m.version) {
        db.exec("COMMIT");
        continue;
      }
      db.exec(m.sql);
      SQLite::Statement ins(db,
                            "INSERT INTO schema_migrations (version, name, applied_at) "
                            "VALUES (?, ?, (julianday('now') - 2440587.5) * 86400.0)");
      ins.bind(1, m.version);
      ins.bind(2, m.name);
      ins.exec();
      db.exec("COMMIT");
    } catch (const std::exception& e) {
      const std::string why = sqlite_error_text(e);
      sqlite_rollback_if_open(db);
      return Status::Error("store: migration " + std::to_string(m.version) + " (" + m.name +
                           ") of " + path + " failed and was rolled back: " + why +
                           "; the database stays at version " + std::to_string(m.version - 1));
    }
    metrics.inc(kMigrationsApplied);
    log_info("store: applied migration " + std::to_string(m.version) + " (" + m.name + ") to " +
             path);
  }
  return Status::Ok();
}

}  // namespace larder
