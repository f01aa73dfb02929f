// Retention of the SQLite store (sqlite_retention.h, docs/storage.md).
#include "adapters/store/sqlite_retention.h"

#include <SQLiteCpp/SQLiteCpp.h>
#include <sqlite3.h>

#include <algorithm>
#include <filesystem>
#include <system_error>
#include <utility>

#include "adapters/store/sqlite_store.h"
#include "larder/log.h"

namespace larder {
namespace {

namespace fs = std::filesystem;

constexpr const char* kRuns = "larder_store_maintenance_runs_total";
constexpr const char* kDownsampled = "larder_store_downsampled_total";
constexpr const char* kThinned = "larder_store_thinned_total";
constexpr const char* kLiveBytes = "larder_store_live_bytes";
constexpr const char* kFileBytes = "larder_store_file_bytes";
constexpr const char* kOverCeiling = "larder_store_over_ceiling";

void describe_metrics(Metrics& m) {
  m.describe(kRuns, "counter", "Store maintenance runs finished (retention, vacuum, checkpoint).");
  m.describe(kDownsampled, "counter", "Old level readings deleted by downsampling.");
  m.describe(kThinned, "counter", "Old readings deleted to keep the database under its ceiling.");
  m.describe(kLiveBytes, "gauge",
             "Bytes of the database's pages in use, at start and after maintenance.");
  m.describe(kFileBytes, "gauge",
             "Bytes of larder.db and its -wal file, at start and after maintenance.");
  m.describe(kOverCeiling, "gauge", "1 when the database stays above storage.max_size_mb.");
}

// A reading its consumable's saved state reflects (not needed to learn again after a
// crash), and not the newest reading (rowids must only grow).
constexpr const char* kRemovable =
    "r.rowid <= COALESCE((SELECT s.through_reading FROM consumable_state s "
    "WHERE s.consumable = r.consumable), 0) "
    "AND r.rowid < (SELECT COALESCE(MAX(rowid), 0) FROM readings)";

}  // namespace

Result<std::unique_ptr<SqliteRetention>> SqliteRetention::open(const std::string& state_dir,
                                                               const RetentionOptions& options,
                                                               Metrics& metrics) {
  describe_metrics(metrics);
  const std::string path = sqlite_store_path(state_dir);
  if (!(options.bucket_seconds > 0) || !(options.raw_seconds >= 0) || options.batch_rows <= 0 ||
      options.vacuum_pages <= 0) {
    return Status::Error("store maintenance: bad options");
  }
  try {
    auto db = std::make_unique<SQLite::Database>(path, SQLite::OPEN_READWRITE,
                                                 options.busy_timeout_ms);
    db->exec("PRAGMA synchronous = FULL");
    if (!db->tableExists("readings") || !db->tableExists("consumable_state")) {
      return Status::Error("store maintenance: " + path + " has no readings table");
    }
    auto retention = std::unique_ptr<SqliteRetention>(
        new SqliteRetention(path, std::move(db), options, metrics));
    try {
      retention->measure();
    } catch (const std::exception& e) {  // only a gauge: the first run measures again
      log_warn("store maintenance: cannot measure " + path + ": " + sqlite_error_text(e));
    }
    return retention;
  } catch (const std::exception& e) {
    return Status::Error("store maintenance: cannot open " + path + ": " + sqlite_error_text(e));
  }
}

SqliteRetention::SqliteRetention(std::string path, std::unique_ptr<SQLite::Database> db,
                                 const RetentionOptions& options, Metrics& metrics)
    : path_(std::move(path)), db_(std::move(db)), options_(options), metrics_(metrics) {}

SqliteRetention::~SqliteRetention() = default;

void SqliteRetention::begin(double now) {
  report_ = RetentionReport{};
  cutoff_ = now - options_.raw_seconds;
  cursor_ = 0;
  last_rowid_ = -1;  // read by the first step
  phase_ = Phase::downsample;
}

Result<bool> SqliteRetention::step() {
  try {
    switch (phase_) {
      case Phase::downsample:
        if (!downsample_step()) phase_ = Phase::ceiling;
        break;
      case Phase::ceiling:
        if (!ceiling_step()) phase_ = Phase::vacuum;
        break;
      case Phase::vacuum:
        if (!vacuum_step()) phase_ = Phase::checkpoint;
        break;
      case Phase::checkpoint:
        checkpoint();
        finish();
        break;
      case Phase::done:
        break;
    }
  } catch (const std::exception& e) {
    const std::string why = sqlite_error_text(e);
    if (sqlite3_get_autocommit(db_->getHandle()) == 0) {
      try {
        db_->exec("ROLLBACK");
      } catch (const std::exception&) {
        // SQLite rolled back on its own.
      }
    }
    phase_ = Phase::done;
    return Status::Error("store maintenance of " + path_ + " failed: " + why);
  }
  return phase_ != Phase::done;
}

Result<RetentionReport> SqliteRetention::run(double now) {
  begin(now);
  for (;;) {
    auto more = step();
    if (!more.ok()) return more.status();
    if (!*more) return report_;
  }
}

std::int64_t SqliteRetention::live_bytes() {
  const std::int64_t pages = db_->execAndGet("PRAGMA page_count").getInt64();
  const std::int64_t free_pages = db_->execAndGet("PRAGMA freelist_count").getInt64();
  const std::int64_t page_size = db_->execAndGet("PRAGMA page_size").getInt64();
  return (pages - free_pages) * page_size;
}

// The level readings in the next window of rowids that a later level reading of the same
// consumable and bucket makes redundant. One transaction per window.
bool SqliteRetention::downsample_step() {
  if (last_rowid_ < 0) {
    last_rowid_ = db_->execAndGet("SELECT COALESCE(MAX(rowid), 0) FROM readings").getInt64();
  }
  if (cursor_ >= last_rowid_) return false;
  const std::int64_t hi = cursor_ + options_.batch_rows;
  SQLite::Statement del(
      *db_,
      std::string("DELETE FROM readings WHERE rowid IN (SELECT r.rowid FROM readings r "
                  "WHERE r.rowid > ?1 AND r.rowid <= ?2 AND r.kind = 'level' AND r.ts < ?3 AND ") +
          kRemovable +
          " AND EXISTS (SELECT 1 FROM readings k WHERE k.consumable = r.consumable "
          "AND k.ts >= r.ts AND k.ts < (CAST(r.ts / ?4 AS INTEGER) + 1) * ?4 "
          "AND k.kind = 'level' AND (k.ts > r.ts OR k.rowid > r.rowid)))");
  del.bind(1, cursor_);
  del.bind(2, hi);
  del.bind(3, cutoff_);
  del.bind(4, options_.bucket_seconds);
  const int n = del.exec();  // autocommit: one transaction
  report_.downsampled += n;
  metrics_.inc(kDownsampled, {}, n);
  // Rowids are sparse once readings were deleted: jump to the next one that exists.
  SQLite::Statement next(*db_, "SELECT COALESCE(MIN(rowid), ?2) FROM readings WHERE rowid > ?1");
  next.bind(1, hi);
  next.bind(2, last_rowid_);
  next.executeStep();
  cursor_ = std::max(hi, next.getColumn(0).getInt64() - 1);
  return cursor_ < last_rowid_;
}

// One batch of the oldest readings older than the raw window, while the live pages exceed
// the ceiling: level readings first; the events (used, refilled, purchased: a counter's
// whole history, and few) only once no older level reading is left to go.
bool SqliteRetention::ceiling_step() {
  if (live_bytes() <= options_.max_bytes) return false;
  auto remove = [this](const char* kinds) {
    SQLite::Statement del(*db_, std::string("DELETE FROM readings WHERE rowid IN (SELECT r.rowid "
                                            "FROM readings r WHERE r.ts < ?1 AND ") +
                                    kinds + kRemovable + " ORDER BY r.rowid LIMIT ?2)");
    del.bind(1, cutoff_);
    del.bind(2, options_.batch_rows);
    return del.exec();
  };
  int n = remove("r.kind = 'level' AND ");
  if (n == 0) n = remove("");
  report_.thinned += n;
  metrics_.inc(kThinned, {}, n);
  if (n == 0) {
    report_.over_ceiling = true;  // nothing left that may go
    return false;
  }
  return true;
}

bool SqliteRetention::vacuum_step() {
  const std::int64_t free_pages = db_->execAndGet("PRAGMA freelist_count").getInt64();
  if (free_pages == 0) return false;
  const int mode = db_->execAndGet("PRAGMA auto_vacuum").getInt();
  if (mode == 2) {  // incremental
    db_->exec("PRAGMA incremental_vacuum(" + std::to_string(options_.vacuum_pages) + ")");
    const std::int64_t left = db_->execAndGet("PRAGMA freelist_count").getInt64();
    report_.vacuumed_pages += free_pages - left;
    return left > 0 && left < free_pages;
  }
  if (mode == 0 && !report_.full_vacuum) {
    const std::int64_t pages = db_->execAndGet("PRAGMA page_count").getInt64();
    if (free_pages * 4 >= pages) {
      // Once: the file becomes incremental, and later runs give pages back in steps.
      db_->exec("PRAGMA auto_vacuum = INCREMENTAL");
      db_->exec("VACUUM");
      report_.full_vacuum = true;
    }
  }
  return false;
}

void SqliteRetention::checkpoint() {
  SQLite::Statement q(*db_, "PRAGMA wal_checkpoint(TRUNCATE)");
  if (q.executeStep()) report_.checkpoint_busy = q.getColumn(0).getInt() != 0;
}

void SqliteRetention::finish() {
  phase_ = Phase::done;
  measure();
  if (report_.live_bytes > options_.max_bytes) report_.over_ceiling = true;
  metrics_.inc(kRuns);
  metrics_.set(kOverCeiling, {}, report_.over_ceiling ? 1 : 0);
}

void SqliteRetention::measure() {
  report_.live_bytes = live_bytes();
  std::error_code ec;
  std::int64_t bytes = 0;
  for (const std::string& f : {path_, path_ + "-wal"}) {
    const auto size = fs::file_size(f, ec);
    if (!ec) bytes += static_cast<std::int64_t>(size);
  }
  report_.file_bytes = bytes;
  metrics_.set(kLiveBytes, {}, static_cast<double>(report_.live_bytes));
  metrics_.set(kFileBytes, {}, static_cast<double>(report_.file_bytes));
}

}  // namespace larder
