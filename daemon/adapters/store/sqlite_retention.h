// Retention of the SQLite store on a small SD card (docs/storage.md): what is kept of the
// readings, the size ceiling, and the database's upkeep (checkpoint, vacuum).
//
// A run, in bounded batches (each step() is one short transaction, so the event loop can
// handle what waits between two; daemon/app/store_maintenance.h drives it):
//   1. downsample: a level reading older than the raw window (ts < now - raw_seconds) is
//      deleted when a later level reading of its consumable falls in the same bucket of
//      bucket_seconds (buckets are aligned on the epoch): what stays is the last level of
//      each bucket, the level the model's filter and the dashboard's history end the bucket
//      with. Events (`used`, `refilled`, `purchased`) are never downsampled: they are few,
//      and a counter's history is rebuilt from them (app/consumable_view).
//   2. ceiling: while the live pages ((page_count - freelist_count) * page_size) exceed
//      max_bytes, the oldest readings older than the raw window (the downsampled history,
//      by rowid, oldest first) are deleted. When none is left and the database is still too
//      large, the report says so (over_ceiling): the raw window and the rest are not
//      touched, the daemon reports it and runs on.
//   3. vacuum: the free pages go back to the file system: `PRAGMA incremental_vacuum` in
//      steps when the file is in auto_vacuum=INCREMENTAL (every database this store created;
//      sqlite_store.cc); an older file is converted by one full VACUUM once a quarter of it
//      is free (that one blocks for as long as it takes to copy the file).
//   4. checkpoint: `PRAGMA wal_checkpoint(TRUNCATE)`, which empties the -wal file (busy when
//      a reader such as `larderctl backup` holds a snapshot: tried again next run).
//
// Never removed, whatever the rule: a reading after its consumable's saved state
// (rowid > consumable_state.through_reading, Store::readings_after_states: the hub learns
// them again after a crash; a consumable without a saved state keeps all of its readings),
// the newest reading (rowids must only grow: the store counts on it), and anything that is
// not a reading (orders, grants, the hash-chained audit log; the grant book forgets ended
// grants itself, grants/grant_book.h).
//
// It has its own connection to larder.db (as the grant store has), with a short busy
// timeout. Thread rule: the event loop's thread (or a test's), one run at a time.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "larder/metrics.h"
#include "larder/status.h"

namespace SQLite {
class Database;
}

namespace larder {

struct RetentionOptions {
  double raw_seconds = 30 * 86400.0;  // level readings younger than this stay as they came
  double bucket_seconds = 3600;       // older: the last level reading of each bucket
  std::int64_t max_bytes = std::int64_t{1024} << 20;  // ceiling of the live pages
  int batch_rows = 2000;    // rows looked at (downsample) or deleted (ceiling) per step
  int vacuum_pages = 512;   // pages returned per incremental vacuum step
  int busy_timeout_ms = 200;
};

// What one run did.
struct RetentionReport {
  std::int64_t downsampled = 0;     // level readings deleted by downsampling
  std::int64_t thinned = 0;         // older readings deleted for the ceiling
  std::int64_t vacuumed_pages = 0;  // pages given back by incremental vacuum
  bool full_vacuum = false;         // the one full VACUUM of an older file
  bool checkpoint_busy = false;     // a reader kept the checkpoint from truncating the WAL
  std::int64_t live_bytes = 0;      // after the run
  std::int64_t file_bytes = 0;      // larder.db and its -wal after the run
  bool over_ceiling = false;        // live_bytes still above max_bytes
};

class SqliteRetention {
 public:
  // Opens a connection to the store's database (which the store created and migrated).
  static Result<std::unique_ptr<SqliteRetention>> open(const std::string& state_dir,
                                                       const RetentionOptions& options,
                                                       Metrics& metrics);
  ~SqliteRetention();
  SqliteRetention(const SqliteRetention&) = delete;
  SqliteRetention& operator=(const SqliteRetention&) = delete;

  // Starts a run at `now` (epoch seconds); a run under way starts over.
  void begin(double now);
  bool running() const { return phase_ != Phase::done; }
  // One bounded batch. Ok(true) while the run has more to do; Ok(false) when it is over
  // (report() says what it did). An error ends the run (what was committed stays).
  Result<bool> step();
  const RetentionReport& report() const { return report_; }
  // A whole run in one call (tests, larderctl).
  Result<RetentionReport> run(double now);

  // (page_count - freelist_count) * page_size.
  std::int64_t live_bytes();

 private:
  enum class Phase { downsample, ceiling, vacuum, checkpoint, done };
  SqliteRetention(std::string path, std::unique_ptr<SQLite::Database> db,
                  const RetentionOptions& options, Metrics& metrics);
  bool downsample_step();
  bool ceiling_step();
  bool vacuum_step();
  void checkpoint();
  void finish();
  // The sizes into report_ and their gauges: at open (not 0 until the first run, which
  // waits storage.maintenance_delay_minutes) and at the end of each run.
  void measure();

  std::string path_;
  std::unique_ptr<SQLite::Database> db_;
  RetentionOptions options_;
  Metrics& metrics_;
  Phase phase_ = Phase::done;
  double cutoff_ = 0;          // ts before which readings are out of the raw window
  std::int64_t cursor_ = 0;    // downsample: rowids up to here are done
  std::int64_t last_rowid_ = 0;  // downsample: the newest rowid when the run began
  RetentionReport report_;
};

}  // namespace larder
