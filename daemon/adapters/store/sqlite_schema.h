// Applying the SQLite store's schema (sqlite_migrations.cc), shared by the store's files.
#pragma once

#include <SQLiteCpp/SQLiteCpp.h>

#include <string>
#include <vector>

#include "adapters/store/sqlite_store.h"
#include "larder/metrics.h"
#include "larder/status.h"
#include "larder/store.h"

namespace larder {

constexpr const char* kMigrationsApplied = "larder_store_migrations_applied_total";

// Brings the file to the newest version in `list`, one transaction per step (exactly once
// each, recorded in schema_migrations); refuses a downgrade, and, read-only, a file that
// needs a step. The errors name `path`.
Status apply_sqlite_migrations(SQLite::Database& db, const std::string& path,
                               const std::vector<SqliteMigration>& list, bool read_only,
                               Metrics& metrics);

// Rolls back the open transaction, if any; SQLite may have rolled back on its own.
void sqlite_rollback_if_open(SQLite::Database& db);

// Inserting a reading: the statement, and binding `r` to it. The strings are not copied:
// `r` must outlive the statement's exec() and reset() (clearBindings() after the last).
inline constexpr const char* kInsertReadingSql =
    "INSERT INTO readings (consumable, ts, kind, value, best_before) VALUES (?, ?, ?, ?, ?)";
void bind_reading(SQLite::Statement& insert, const Reading& r);

}  // namespace larder
