// The schema of the SQLite store (sqlite_store.h), one migration a step.
#include "adapters/store/sqlite_store.h"

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
  };
  return kMigrations;
}

}  // namespace larder
