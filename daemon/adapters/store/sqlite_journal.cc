#include "adapters/store/sqlite_journal.h"

#include <cstdint>
#include <vector>

#include "adapters/store/sqlite_schema.h"
#include "adapters/store/sqlite_store.h"
#include "larder/log.h"

namespace larder {

void record_journal_import(SQLite::Database& db, const std::string& id) {
  SQLite::Statement ins(db, "INSERT OR IGNORE INTO journal_imports (id, imported_at) "
                            "VALUES (?, (julianday('now') - 2440587.5) * 86400.0)");
  ins.bind(1, id);
  ins.exec();
}

std::size_t upsert_journal_orders(SQLite::Database& db, const std::vector<StoredOrder>& orders) {
  if (orders.empty()) return 0;
  SQLite::Statement order(db, "INSERT INTO orders (order_id, json, finished, updated) "
                              "VALUES (?, ?, ?, ?) ON CONFLICT (order_id) DO UPDATE SET "
                              "json = excluded.json, finished = excluded.finished, "
                              "updated = excluded.updated WHERE excluded.updated >= "
                              "orders.updated");
  std::size_t written = 0;
  for (const StoredOrder& o : orders) {
    order.bind(1, o.order_id);
    order.bind(2, o.json);
    order.bind(3, o.finished ? 1 : 0);
    order.bind(4, o.updated);
    written += static_cast<std::size_t>(order.exec());
    order.reset();
  }
  return written;
}

Result<JournalImport> import_store_journal(SQLite::Database& db, const JournalContents& c) {
  JournalImport done;
  try {
    db.exec("BEGIN IMMEDIATE");
    SQLite::Statement seen(db, "SELECT COUNT(*) FROM journal_imports WHERE id = ?");
    seen.bind(1, c.id);
    seen.executeStep();
    if (seen.getColumn(0).getInt() > 0) {
      db.exec("COMMIT");
      done.already = true;
      return done;
    }
    // A state reflecting none of the journal's readings reflects what was committed before.
    const std::int64_t before =
        db.execAndGet("SELECT COALESCE(MAX(rowid), 0) FROM readings").getInt64();
    std::vector<std::int64_t> rowids;
    rowids.reserve(c.readings.size());
    SQLite::Statement reading(db, kInsertReadingSql);
    for (const Reading& r : c.readings) {
      bind_reading(reading, r);
      reading.exec();
      reading.reset();
      rowids.push_back(db.getLastInsertRowid());
    }
    reading.clearBindings();
    done.readings = rowids.size();
    SQLite::Statement state(db, "INSERT INTO consumable_state (consumable, json, updated, "
                                "through_reading) VALUES (?, ?, ?, ?) ON CONFLICT (consumable) "
                                "DO UPDATE SET json = excluded.json, updated = excluded.updated, "
                                "through_reading = excluded.through_reading "
                                "WHERE excluded.updated >= consumable_state.updated");
    for (const JournalState& s : c.states) {
      const std::uint64_t k = s.through < rowids.size() ? s.through : rowids.size();
      state.bind(1, s.state.consumable);
      state.bind(2, s.state.json);
      state.bind(3, s.state.updated);
      state.bind(4, k == 0 ? before : rowids[k - 1]);
      done.states += static_cast<std::size_t>(state.exec());
      state.reset();
    }
    done.orders = upsert_journal_orders(db, c.orders);
    record_journal_import(db, c.id);
    db.exec("COMMIT");
  } catch (const std::exception& e) {
    const std::string why = sqlite_error_text(e);
    sqlite_rollback_if_open(db);
    return Status::Error("store: importing the journal " + c.id + " failed and was rolled "
                         "back: " + why);
  }
  return done;
}

std::optional<StoreJournal> take_store_journal(SQLite::Database& db, const std::string& path,
                                               const SqliteStoreOptions& options,
                                               JournalContents& carried) {
  StoreJournal journal(store_journal_path(options.journal_dir, path), path);
  auto read = StoreJournal::read(journal.path(), path);
  if (!read.ok()) {
    log_error(read.status().message() + "; it is left as it is, and no journal is kept");
    return std::nullopt;
  }
  if (read->id.empty()) return journal;
  if (read->skipped_lines > 0) {
    log_warn("store journal: " + std::to_string(read->skipped_lines) + " lines of " +
             journal.path() + " do not parse (a write cut short) and are skipped");
  }
  if (!options.read_only) {
    auto done = import_store_journal(db, *read);
    if (done.ok()) {
      log_info(done->already
                   ? "store: the journal " + journal.path() + " was imported before"
                   : "store: imported " + std::to_string(done->readings) + " readings, " +
                         std::to_string(done->states) + " states and " +
                         std::to_string(done->orders) + " orders from the journal " +
                         journal.path());
      if (Status s = journal.remove(); !s.ok()) log_warn(s.message());
      return journal;
    }
    log_error(done.status().message() + "; what it holds waits in memory and in the journal");
  }
  journal.resume(*read);
  carried = std::move(*read);
  return journal;
}

}  // namespace larder
