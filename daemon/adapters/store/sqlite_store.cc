#include "adapters/store/sqlite_store.h"

#include <SQLiteCpp/SQLiteCpp.h>
#include <sqlite3.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <deque>
#include <exception>
#include <limits>
#include <map>
#include <optional>
#include <vector>

#include "adapters/fs/state_file.h"
#include "adapters/store/sqlite_journal.h"
#include "adapters/store/sqlite_schema.h"
#include "adapters/store/store_journal.h"
#include "larder/log.h"

namespace larder {
namespace {

constexpr const char* kCommits = "larder_store_commits_total";
constexpr const char* kDropped = "larder_store_dropped_total";
constexpr const char* kReadBack = "larder_store_read_back_total";
constexpr const char* kCommitErrors = "larder_store_commit_errors_total";
constexpr const char* kLastCommitSeconds = "larder_store_last_commit_seconds";
constexpr const char* kPending = "larder_store_pending";
constexpr const char* kOrderCommits = "larder_store_order_commits_total";
constexpr const char* kLastOrderCommitSeconds = "larder_store_last_order_commit_seconds";
// kInsertReadingSql with the rowid last: NULL for the next one.
constexpr const char* kInsertReadingAtSql =
    "INSERT INTO readings (consumable, ts, kind, value, best_before, rowid) "
    "VALUES (?, ?, ?, ?, ?, ?)";
// Durations as _sum and _count counters (as larder/timing.h), for means over time.
constexpr const char* kFlushSeconds = "larder_store_flush_seconds";
constexpr const char* kOrderCommitSeconds = "larder_store_order_commit_seconds";

void describe_metrics(Metrics& m) {
  m.describe(kCommits, "counter", "SQLite transactions committed by store flushes.");
  m.describe(kCommitErrors, "counter", "Store flushes that failed and were rolled back.");
  m.describe(kLastCommitSeconds, "gauge", "Duration of the last successful store flush.");
  m.describe(kPending, "gauge", "Readings and states queued and not yet committed.");
  m.describe(kDropped, "counter", "Queued readings dropped, oldest first, while commits failed.");
  m.describe(kReadBack, "counter", "Dropped readings read back from the journal for a commit.");
  m.describe(kMigrationsApplied, "counter", "Schema migrations applied at open.");
  m.describe(kOrderCommits, "counter", "Orders committed at once (before the retailer is asked).");
  m.describe(kLastOrderCommitSeconds, "gauge", "Duration of the last order commit.");
  m.describe(kFlushSeconds + std::string("_sum"), "counter", "Seconds spent in successful store flushes.");
  m.describe(kFlushSeconds + std::string("_count"), "counter", "Successful store flushes.");
  m.describe(kOrderCommitSeconds + std::string("_sum"), "counter", "Seconds spent committing orders.");
  m.describe(kOrderCommitSeconds + std::string("_count"), "counter", "Orders committed.");
}

std::optional<double> optional_double(const SQLite::Column& c) {
  if (c.isNull()) return std::nullopt;
  return c.getDouble();
}

class SqliteStore final : public Store {
 public:
  SqliteStore(std::string path, std::unique_ptr<SQLite::Database> db, Metrics& metrics,
              std::size_t max_queued, std::optional<StoreJournal> journal,
              JournalContents carried)
      : path_(std::move(path)),
        max_queued_(std::max<std::size_t>(max_queued, 1)),
        db_(std::move(db)),
        insert_reading_(*db_, kInsertReadingAtSql),
        upsert_state_(*db_, "INSERT INTO consumable_state (consumable, json, updated, "
                            "through_reading) VALUES (?, ?, ?, ?) ON CONFLICT (consumable) "
                            "DO UPDATE SET json = excluded.json, updated = excluded.updated, "
                            "through_reading = excluded.through_reading"),
        // From the oldest checkpoint on, by rowid (the primary key): the checkpoints are at
        // most Hub::kCheckpointSeconds old, so this reads a few seconds of readings.
        select_after_states_(*db_, "SELECT r.consumable, r.ts, r.kind, r.value, r.best_before "
                                   "FROM readings r "
                                   "JOIN consumable_state s ON s.consumable = r.consumable "
                                   "WHERE r.rowid > (SELECT COALESCE(MIN(through_reading), 0) "
                                   "FROM consumable_state) AND r.rowid > s.through_reading "
                                   "ORDER BY r.rowid"),
        select_readings_(*db_, "SELECT ts, kind, value, best_before FROM readings "
                               "WHERE consumable = ? "
                               "AND ts >= ? AND ts < ? ORDER BY ts, rowid LIMIT ?"),
        select_states_(*db_, "SELECT consumable, json, updated FROM consumable_state "
                             "ORDER BY consumable"),
        upsert_order_(*db_, "INSERT INTO orders (order_id, json, finished, updated) "
                            "VALUES (?, ?, ?, ?) ON CONFLICT (order_id) DO UPDATE SET "
                            "json = excluded.json, finished = excluded.finished, "
                            "updated = excluded.updated"),
        select_orders_(*db_, "SELECT order_id, json, finished, updated FROM orders "
                             "WHERE finished = 0 UNION ALL "
                             "SELECT * FROM (SELECT order_id, json, finished, updated FROM orders "
                             "WHERE finished = 1 ORDER BY updated DESC LIMIT max(?1, min(?3, "
                             "(SELECT count(*) FROM orders "
                             "WHERE finished = 1 AND updated >= ?2)))) "
                             "ORDER BY finished, updated DESC"),
        metrics_(metrics),
        journal_(std::move(journal)) {
    carry(std::move(carried));
    // Counts the commits SQLite really makes, so a flush that committed row by row shows.
    sqlite3_commit_hook(db_->getHandle(), &SqliteStore::on_commit, this);
    // rowids only grow: readings are deleted oldest first, never the newest.
    last_rowid_ = db_->execAndGet("SELECT COALESCE(MAX(rowid), 0) FROM readings").getInt64();
  }

  ~SqliteStore() override {
    sqlite3_commit_hook(db_->getHandle(), nullptr, nullptr);
    if (pending() > 0) {
      log_warn("store: closing " + path_ + " with " + std::to_string(pending()) +
               " readings and states never committed");
    }
  }

  SqliteStore(const SqliteStore&) = delete;
  SqliteStore& operator=(const SqliteStore&) = delete;

  void append(Reading r) override {
    if (!std::isfinite(r.ts) || !std::isfinite(r.value)) {
      log_warn("store: refused a reading of '" + r.consumable +
               "' with a non-finite timestamp or value");
      return;
    }
    if (queued_readings_.size() >= max_queued_) {
      if (dropped_ == 0) {
        log_error("store: " + std::to_string(max_queued_) + " readings wait for a commit that "
                  "keeps failing; the oldest leave memory from now on (kept in the journal)");
      }
      queued_readings_.pop_front();
      ++queued_first_seq_;
      ++dropped_;
      metrics_.inc(kDropped);
    }
    queued_readings_.push_back(std::move(r));
    ++appended_;
  }

  void put_state(const std::string& consumable, std::string json, double updated) override {
    if (!std::isfinite(updated)) {
      log_warn("store: refused the state of '" + consumable + "' with a non-finite time");
      return;
    }
    queued_states_[consumable] = QueuedState{StoredState{consumable, std::move(json), updated},
                                             appended_, false};
  }

  Status flush() override {
    if (pending() == 0) return Status::Ok();
    return commit(nullptr);
  }

  // Commits the queue, and `order` with it when there is one, in one transaction.
  Status commit(const StoredOrder* order) {
    const auto start = std::chrono::steady_clock::now();
    const std::uint64_t commits_before = sqlite_commits_;
    try {
      db_->exec("BEGIN IMMEDIATE");
      // Readings that left memory at the cap go before the queue, by rowid. They are read
      // back from the journal only once the queue's pages are written: on a disk still full,
      // the commit fails before that, not after reading the whole journal at every tick.
      const std::uint64_t gap = unqueued_count();
      const std::int64_t base =
          gap > 0 ? db_->execAndGet("SELECT COALESCE(MAX(rowid), 0) FROM readings").getInt64()
                  : 0;
      rowids_.clear();
      rowids_.reserve(queued_readings_.size());
      std::int64_t at = gap > 0 ? base + static_cast<std::int64_t>(gap) + 1 : 0;
      for (const Reading& r : queued_readings_) {
        // Not copied: the queued reading outlives the statement's step and reset.
        rowids_.push_back(insert_reading(r, at));
        if (at > 0) ++at;
      }
      unqueued_rowids_.clear();
      if (gap > 0) {
        if (const int rc = sqlite3_db_cacheflush(db_->getHandle()); rc != SQLITE_OK) {
          throw SQLite::Exception(db_->getHandle(), rc);
        }
        at = base + 1;
        for (const Reading& r : unqueued_readings()) {  // at most `gap` of them
          unqueued_rowids_.push_back(insert_reading(r, at++));
        }
      }
      insert_reading_.clearBindings();  // no pointer into a reading outlives it
      for (const auto& [name, q] : queued_states_) {
        upsert_state_.bind(1, name);
        upsert_state_.bind(2, q.state.json);
        upsert_state_.bind(3, q.state.updated);
        upsert_state_.bind(4, through_rowid(q.through_seq));
        upsert_state_.exec();
        upsert_state_.reset();
      }
      // Everything the journal holds is in this queue or committed before: it is done.
      if (journal_ && journal_->written()) {
        upsert_journal_orders(*db_, carried_.orders());
        record_journal_import(*db_, journal_->id());
      }
      if (order) upsert_order(*order);
      db_->exec("COMMIT");
    } catch (const std::exception& e) {
      const std::string why = sqlite_error_text(e);
      insert_reading_.tryReset();
      upsert_state_.tryReset();
      upsert_order_.tryReset();
      sqlite_rollback_if_open(*db_);
      metrics_.inc(kCommitErrors);
      metrics_.set(kPending, {}, static_cast<double>(pending()));
      std::string kept = "; they stay queued for the next flush";
      if (journal_) {
        const Status spilled = spill();
        kept += spilled.ok() ? " and wait in the journal " + journal_->path()
                             : " (" + spilled.message() + ")";
      }
      return Status::Error("store: committing " + std::to_string(queued_readings_.size()) +
                           " readings and " + std::to_string(queued_states_.size()) +
                           " states to " + path_ + " failed: " + why + kept);
    }
    if (journal_ && journal_->written()) {
      if (Status r = journal_->remove(); !r.ok()) log_warn(r.message());
      carried_.clear();
    }
    const std::chrono::duration<double> took = std::chrono::steady_clock::now() - start;
    if (!unqueued_rowids_.empty()) {
      log_info("store: " + std::to_string(unqueued_rowids_.size()) +
               " readings that had left memory were committed from the journal");
      last_rowid_ = unqueued_rowids_.back();
    }
    if (!rowids_.empty()) last_rowid_ = rowids_.back();
    dropped_ = 0;
    queued_first_seq_ += queued_readings_.size();
    queued_readings_.clear();
    queued_states_.clear();
    metrics_.inc(kCommits, {}, static_cast<double>(sqlite_commits_ - commits_before));
    metrics_.set(kLastCommitSeconds, {}, took.count());
    metrics_.inc(kFlushSeconds + std::string("_sum"), {}, took.count());
    metrics_.inc(kFlushSeconds + std::string("_count"));
    metrics_.set(kPending, {}, 0);
    if (order) order_committed(took.count());
    return Status::Ok();
  }

  std::size_t pending() const override {
    return queued_readings_.size() + queued_states_.size() + carried_.order_count();
  }

  Status spill() override {
    if (!journal_) {
      return pending() == 0 ? Status::Ok()
                            : Status::Error("store: no journal: " + std::to_string(pending()) +
                                            " readings and states wait in memory only");
    }
    if (!journal_->written()) {
      // A new journal starts with the oldest reading that waits.
      journal_base_seq_ = queued_first_seq_;
      journaled_seq_ = queued_first_seq_;
    }
    std::vector<const Reading*> readings;
    const std::uint64_t from = std::max(journaled_seq_, queued_first_seq_);
    for (auto k = static_cast<std::size_t>(from - queued_first_seq_);
         k < queued_readings_.size(); ++k) {
      readings.push_back(&queued_readings_[k]);
    }
    std::vector<JournalState> states;
    for (const auto& [name, q] : queued_states_) {
      if (q.journaled) continue;
      // The journal's readings this state reflects: those appended before its put_state().
      const std::uint64_t own = q.through_seq > journal_base_seq_
                                    ? q.through_seq - journal_base_seq_ : 0;
      states.push_back(JournalState{q.state, own});
    }
    if (Status s = journal_->append(readings, states, {}); !s.ok()) return s;
    journaled_seq_ = appended_;
    for (auto& [name, q] : queued_states_) q.journaled = true;
    return Status::Ok();
  }

  Result<std::vector<StoredState>> load_states() override {
    std::vector<StoredState> out;
    try {
      while (select_states_.executeStep()) {
        out.push_back(StoredState{select_states_.getColumn(0).getString(),
                                  select_states_.getColumn(1).getString(),
                                  select_states_.getColumn(2).getDouble()});
      }
      select_states_.reset();
    } catch (const std::exception& e) {
      select_states_.tryReset();
      return Status::Error("store: reading states from " + path_ + " failed: " +
                           sqlite_error_text(e));
    }
    carried_.states_over(out);
    return out;
  }

  Result<std::vector<Reading>> readings_after_states() override {
    std::vector<Reading> out;
    try {
      while (select_after_states_.executeStep()) {
        out.push_back(Reading{select_after_states_.getColumn(0).getString(),
                              select_after_states_.getColumn(1).getDouble(),
                              select_after_states_.getColumn(2).getString(),
                              select_after_states_.getColumn(3).getDouble(),
                              optional_double(select_after_states_.getColumn(4))});
      }
      select_after_states_.reset();
    } catch (const std::exception& e) {
      select_after_states_.tryReset();
      return Status::Error("store: reading the readings after the states from " + path_ +
                           " failed: " + sqlite_error_text(e));
    }
    auto states = load_states();
    if (!states.ok()) return states.status();
    carried_.readings_over(out, *states);
    return out;
  }

  Result<std::vector<Reading>> readings(const std::string& consumable, double since,
                                        double until, std::size_t limit) override {
    std::vector<Reading> out;
    if (limit == 0) return out;
    const auto max = static_cast<std::size_t>(std::numeric_limits<std::int64_t>::max());
    try {
      select_readings_.bind(1, consumable);
      select_readings_.bind(2, since);
      select_readings_.bind(3, until);
      select_readings_.bind(4, static_cast<std::int64_t>(limit < max ? limit : max));
      while (select_readings_.executeStep()) {
        out.push_back(Reading{consumable, select_readings_.getColumn(0).getDouble(),
                              select_readings_.getColumn(1).getString(),
                              select_readings_.getColumn(2).getDouble(),
                              optional_double(select_readings_.getColumn(3))});
      }
      select_readings_.reset();
    } catch (const std::exception& e) {
      select_readings_.tryReset();
      return Status::Error("store: reading readings of '" + consumable + "' from " + path_ +
                           " failed: " + sqlite_error_text(e));
    }
    return out;
  }

  void upsert_order(const StoredOrder& o) {
    upsert_order_.bind(1, o.order_id);
    upsert_order_.bind(2, o.json);
    upsert_order_.bind(3, o.finished ? 1 : 0);
    upsert_order_.bind(4, o.updated);
    upsert_order_.exec();
    upsert_order_.reset();
  }

  void order_committed(double seconds) {
    metrics_.inc(kOrderCommits);
    metrics_.set(kLastOrderCommitSeconds, {}, seconds);
    metrics_.inc(kOrderCommitSeconds + std::string("_sum"), {}, seconds);
    metrics_.inc(kOrderCommitSeconds + std::string("_count"));
  }

  // The order as the ledger has it waits in the journal too; the ledger still does not act
  // as if it were saved (the retailer is not asked), and tries again.
  Status order_failed(const StoredOrder& o, const std::string& why) {
    std::string kept;
    if (journal_) {
      const Status s = journal_->append({}, {}, {o});
      kept = s.ok() ? "; it waits in the journal " + journal_->path() : "; " + s.message();
      if (s.ok()) carried_.add_order(o);
    }
    return Status::Error("store: saving order " + o.order_id + " to " + path_ +
                         " failed: " + why + kept);
  }

  // With an empty queue, a transaction of its own (the event loop is single-threaded, so no
  // flush transaction is open while it runs); otherwise in flush()'s transaction, so that a
  // state put just before it (the model told of this order's fate) is durable with it.
  // synchronous=FULL makes it durable.
  Status save_order(const StoredOrder& o) override {
    if (o.order_id.empty()) return Status::Error("store: an order without an id");
    if (!std::isfinite(o.updated)) {
      return Status::Error("store: order " + o.order_id + " has a non-finite time");
    }
    if (pending() > 0) {
      Status s = commit(&o);
      return s.ok() ? s : order_failed(o, s.message());
    }
    const auto start = std::chrono::steady_clock::now();
    try {
      upsert_order(o);  // autocommit: its own transaction
    } catch (const std::exception& e) {
      const std::string why = sqlite_error_text(e);
      upsert_order_.tryReset();
      sqlite_rollback_if_open(*db_);
      metrics_.inc(kCommitErrors);
      return order_failed(o, why);
    }
    const std::chrono::duration<double> took = std::chrono::steady_clock::now() - start;
    order_committed(took.count());
    return Status::Ok();
  }

  Result<std::vector<StoredOrder>> load_orders(std::size_t finished_limit, double finished_since,
                                               std::size_t finished_max) override {
    std::vector<StoredOrder> out;
    const auto max = static_cast<std::size_t>(std::numeric_limits<std::int64_t>::max());
    try {
      select_orders_.bind(1, static_cast<std::int64_t>(std::min(finished_limit, max)));
      select_orders_.bind(2, finished_since);
      select_orders_.bind(3, static_cast<std::int64_t>(std::min(finished_max, max)));
      while (select_orders_.executeStep()) {
        out.push_back(StoredOrder{select_orders_.getColumn(0).getString(),
                                  select_orders_.getColumn(1).getString(),
                                  select_orders_.getColumn(2).getInt() != 0,
                                  select_orders_.getColumn(3).getDouble()});
      }
      select_orders_.reset();
    } catch (const std::exception& e) {
      select_orders_.tryReset();
      return Status::Error("store: reading orders from " + path_ + " failed: " +
                           sqlite_error_text(e));
    }
    carried_.orders_over(out);
    return out;
  }

 private:
  // What a journal that could not be imported holds waits in the queue, as if just taken;
  // the journal goes on, its readings numbered from the first (journal_base_seq_ 0).
  // Until they are committed, the journal's states, readings and orders are also read back
  // (load_states, readings_after_states, load_orders) as if they were: the hub and the ledger
  // restore them as after a commit.
  void carry(JournalContents c) {
    for (const Reading& r : c.readings) {
      queued_readings_.push_back(r);
      ++appended_;
    }
    journaled_seq_ = appended_;
    for (JournalState& js : c.states) {  // later lines are newer
      js.through = std::min<std::uint64_t>(js.through, appended_);
      queued_states_[js.state.consumable] = QueuedState{js.state, js.through, true};
    }
    carried_.take(std::move(c));
  }

  // Inserts a reading at `rowid`, or where SQLite puts it when 0; returns its rowid.
  std::int64_t insert_reading(const Reading& r, std::int64_t rowid) {
    bind_reading(insert_reading_, r);
    if (rowid > 0) {
      insert_reading_.bind(6, rowid);
    } else {
      insert_reading_.bind(6);  // NULL: the next rowid
    }
    insert_reading_.exec();
    insert_reading_.reset();
    return rowid > 0 ? rowid : db_->getLastInsertRowid();
  }

  // How many readings left the queue at its cap since the journal began (at most that many
  // are in the journal only: those that left before it was written are lost).
  std::uint64_t unqueued_count() const {
    if (!journal_ || !journal_->written() || queued_first_seq_ <= journal_base_seq_) return 0;
    return queued_first_seq_ - journal_base_seq_;
  }

  // The journal's readings that left the queue at its cap, oldest first: the file's readings
  // but its last, which are the queue's first (the queue holds those appended since
  // queued_first_seq_, of which the journal has those before journaled_seq_).
  std::vector<Reading> unqueued_readings() {
    if (unqueued_count() == 0) return {};
    const std::uint64_t queued = journaled_seq_ > queued_first_seq_
                                     ? journaled_seq_ - queued_first_seq_ : 0;
    auto r = journal_->readings_but_last(static_cast<std::size_t>(queued));
    if (r.ok() && r->size() > unqueued_count()) {  // cannot be: a rowid would be taken twice
      log_error("store: the journal holds " + std::to_string(r->size()) + " readings before "
                "the queue, more than the " + std::to_string(unqueued_count()) + " that left it");
      r->erase(r->begin(), r->end() - static_cast<std::ptrdiff_t>(unqueued_count()));
    }
    if (r.ok()) {
      metrics_.inc(kReadBack, {}, static_cast<double>(r->size()));
      return std::move(r).value();
    }
    log_error("store: readings that left memory cannot be read back from the journal, and "
              "are lost: " + r.status().message());
    return {};
  }

  // A state put after `through_seq` readings had been appended reflects the readings up
  // to the rowid of the last of them: in this batch, or committed before it.
  std::int64_t through_rowid(std::uint64_t through_seq) const {
    if (through_seq <= queued_first_seq_) {
      if (through_seq <= journal_base_seq_ || unqueued_rowids_.empty()) return last_rowid_;
      const auto k = static_cast<std::size_t>(through_seq - journal_base_seq_);
      return unqueued_rowids_[std::min(k, unqueued_rowids_.size()) - 1];
    }
    const auto k = static_cast<std::size_t>(through_seq - queued_first_seq_);
    return rowids_[std::min(k, rowids_.size()) - 1];
  }

  static int on_commit(void* self) {
    ++static_cast<SqliteStore*>(self)->sqlite_commits_;
    return 0;  // 0 lets the commit proceed
  }

  std::string path_;
  std::size_t max_queued_;                // readings kept in memory at most
  std::unique_ptr<SQLite::Database> db_;  // before the statements, which use it
  SQLite::Statement insert_reading_;
  SQLite::Statement upsert_state_;
  SQLite::Statement select_after_states_;
  SQLite::Statement select_readings_;
  SQLite::Statement select_states_;
  SQLite::Statement upsert_order_;
  SQLite::Statement select_orders_;
  Metrics& metrics_;
  struct QueuedState {
    StoredState state;
    std::uint64_t through_seq = 0;  // readings appended (ever) before its put_state()
    bool journaled = false;         // written to the journal as it is
  };
  std::optional<StoreJournal> journal_;
  std::uint64_t journal_base_seq_ = 0;  // the append number of the journal's first reading
  std::uint64_t journaled_seq_ = 0;     // readings appended before this are in the journal
  // What the journal holds from before this open, and the orders it took since: committed
  // with the next flush that works.
  CarriedJournal carried_;
  std::deque<Reading> queued_readings_;
  std::uint64_t appended_ = 0;          // readings appended since the store was opened
  std::uint64_t queued_first_seq_ = 0;  // the append number of queued_readings_.front()
  std::vector<std::int64_t> rowids_;    // of the readings the running flush inserted
  std::vector<std::int64_t> unqueued_rowids_;  // of those it inserted from the journal
  std::int64_t last_rowid_ = 0;         // of the newest committed reading
  std::uint64_t dropped_ = 0;
  std::map<std::string, QueuedState> queued_states_;
  std::uint64_t sqlite_commits_ = 0;
};

}  // namespace

Result<std::unique_ptr<Store>> open_sqlite_store(const std::string& state_dir, Metrics& metrics,
                                                 const SqliteStoreOptions& options) {
  describe_metrics(metrics);
  if (!options.read_only) {
    if (Status s = make_state_dir(state_dir); !s.ok()) {
      return Status::Error("store: " + s.message());
    }
  }
  const std::string path = sqlite_store_path(state_dir);
  if (!options.read_only) sqlite_keep_private(path);
  std::unique_ptr<SQLite::Database> db;
  try {
    int flags = options.read_only ? SQLite::OPEN_READONLY
                                  : SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE;
    const std::string name =
        options.read_only ? sqlite_read_only_name(path, flags, options.no_room) : path;
    db = std::make_unique<SQLite::Database>(name, flags, options.busy_timeout_ms);
    if (options.read_only) {
      db->exec("PRAGMA query_only = ON");
    } else {
      // A new file gives its free pages back in steps (store maintenance,
      // sqlite_retention.h): set before WAL mode writes the file's first page. On a file
      // that has tables this takes effect only at a VACUUM.
      db->exec("PRAGMA auto_vacuum = INCREMENTAL");
      // The first statement that reads the file: a file that is not a database fails here.
      const std::string mode = db->execAndGet("PRAGMA journal_mode = WAL").getString();
      if (mode != "wal") {
        return Status::Error("store: " + path + " cannot use WAL mode (journal_mode is " + mode +
                             "); is the state directory on a network file system?");
      }
    }
    db->exec("PRAGMA synchronous = FULL");
    db->exec("PRAGMA foreign_keys = ON");
    const auto& list = options.migrations ? *options.migrations : sqlite_migrations();
    if (Status s = apply_sqlite_migrations(*db, path, list, options.read_only, metrics);
        !s.ok()) {
      return s;
    }
    if (!list.empty() && list.back().version < sqlite_migrations().back().version) {
      return Status::Error("store: " + path + " was migrated to schema version " +
                           std::to_string(list.back().version) + " only; the store needs " +
                           std::to_string(sqlite_migrations().back().version));
    }
    std::optional<StoreJournal> journal;
    JournalContents carried;
    if (!options.journal_dir.empty()) {
      journal = take_store_journal(*db, path, options, carried);
    }
    std::unique_ptr<Store> store =
        std::make_unique<SqliteStore>(path, std::move(db), metrics, options.max_queued_readings,
                                      std::move(journal), std::move(carried));
    return store;
  } catch (const std::exception& e) {
    return Status::Error("store: cannot open " + path + ": " +
                         sqlite_error_text(e));
  }
}

}  // namespace larder
