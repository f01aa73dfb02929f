// Taking a store journal (store_journal.h) into the database, for open_sqlite_store.
#pragma once

#include <SQLiteCpp/SQLiteCpp.h>

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "adapters/store/sqlite_store.h"
#include "adapters/store/store_journal.h"
#include "larder/status.h"

namespace larder {

// What an import did, for the log.
struct JournalImport {
  bool already = false;  // the journal's id was imported before: nothing done
  std::size_t readings = 0;
  std::size_t states = 0;  // states and orders that were newer than the database's
  std::size_t orders = 0;
};

// Imports `c` in one transaction: its readings in order, each state and order unless the
// database holds a newer one (by `updated`), and its id into journal_imports. A journal whose
// id is there already changes nothing. On failure the transaction is rolled back.
Result<JournalImport> import_store_journal(SQLite::Database& db, const JournalContents& c);

// Inside a transaction: each order unless the database holds a newer one (by `updated`);
// returns how many were written.
std::size_t upsert_journal_orders(SQLite::Database& db, const std::vector<StoredOrder>& orders);

// The journal of the database at `path` in options.journal_dir: imported when the store can
// write (and then removed), else (or when the import fails) carried: its contents are moved
// to `carried`, for the new store's queue, and the journal goes on. A file there that is not
// this database's journal is left alone, and no journal is kept (nullopt). Logs what it did.
std::optional<StoreJournal> take_store_journal(SQLite::Database& db, const std::string& path,
                                               const SqliteStoreOptions& options,
                                               JournalContents& carried);

// Inside a transaction: records that the journal `id` is committed (its contents are).
void record_journal_import(SQLite::Database& db, const std::string& id);

}  // namespace larder
