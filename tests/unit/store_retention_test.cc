// Retention of the SQLite store (adapters/store/sqlite_retention.h, docs/storage.md): each
// rule against a real database file in a temp dir.
#include <doctest/doctest.h>

#include <cmath>
#include <filesystem>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include <SQLiteCpp/SQLiteCpp.h>

#include "adapters/store/sqlite_retention.h"
#include "adapters/store/sqlite_store.h"
#include "larder/metrics.h"
#include "larder/store.h"
#include "support/tempdir.h"

namespace fs = std::filesystem;
using namespace larder;
using larder::test::TempDir;

namespace {

constexpr double kNow = 1800000000;  // a fixed "now": the runs are given it
constexpr double kDay = 86400;
// The start of an hour 40 days back: outside the default 30-day raw window.
const double kOld = std::floor((kNow - 40 * kDay) / 3600) * 3600;
constexpr std::size_t kAll = std::numeric_limits<std::size_t>::max();

std::unique_ptr<Store> open_store(const std::string& dir, Metrics& m) {
  auto r = open_sqlite_store(dir, m);
  INFO(r.status().message());
  REQUIRE(r.ok());
  return std::move(r).value();
}

std::unique_ptr<SqliteRetention> open_retention(const std::string& dir, Metrics& m,
                                                RetentionOptions o = {}) {
  o.batch_rows = 100;  // many small steps, as on the loop
  auto r = SqliteRetention::open(dir, o, m);
  INFO(r.status().message());
  REQUIRE(r.ok());
  return std::move(r).value();
}

RetentionReport run(SqliteRetention& retention) {
  auto r = retention.run(kNow);
  INFO(r.status().message());
  REQUIRE(r.ok());
  return *r;
}

std::vector<Reading> all(Store& s, const std::string& consumable, double since = -1e300,
                         double until = 1e300) {
  auto r = s.readings(consumable, since, until, kAll);
  REQUIRE(r.ok());
  return *r;
}

std::vector<double> values(const std::vector<Reading>& rows) {
  std::vector<double> v;
  v.reserve(rows.size());
  for (const auto& r : rows) v.push_back(r.value);
  return v;
}

void append(Store& s, const std::string& c, double ts, const std::string& kind, double value) {
  s.append(Reading{c, ts, kind, value});
}

void flush(Store& s) {
  Status st = s.flush();
  INFO(st.message());
  REQUIRE(st.ok());
}

// Ten raw levels of `c` in the last day.
void append_raw(Store& s, const std::string& c) {
  for (int i = 0; i < 10; ++i) append(s, c, kNow - kDay + i * 60, "level", 500 - i);
}

std::int64_t scalar(const std::string& db, const std::string& sql) {
  SQLite::Database d(db, SQLite::OPEN_READONLY);
  return d.execAndGet(sql).getInt64();
}

}  // namespace

TEST_CASE("retention: an old level is downsampled to the last of each bucket, the raw window is kept") {
  TempDir dir;
  Metrics m;
  auto store = open_store(dir.path(), m);
  for (int h = 0; h < 3; ++h) {
    for (int i = 0; i < 10; ++i) append(*store, "coffee", kOld + h * 3600 + i * 300, "level", 100 * h + i);
  }
  append_raw(*store, "coffee");
  store->put_state("coffee", "{}", kNow);
  flush(*store);

  // The sizes are measured at open, not 0 until the first run (minutes later).
  CHECK(m.get("larder_store_live_bytes") == 0);
  auto retention = open_retention(dir.path(), m);
  CHECK(m.get("larder_store_live_bytes") == retention->live_bytes());
  CHECK(m.get("larder_store_live_bytes") > 0);
  CHECK(m.get("larder_store_file_bytes") >= m.get("larder_store_live_bytes"));
  RetentionReport r = run(*retention);
  CHECK(r.downsampled == 27);
  CHECK(values(all(*store, "coffee", -1e300, kNow - 30 * kDay)) == std::vector<double>{9, 109, 209});
  CHECK(all(*store, "coffee", kNow - 30 * kDay).size() == 10);
  CHECK(m.get("larder_store_downsampled_total") == 27);

  // A second run finds nothing more to do.
  CHECK(run(*retention).downsampled == 0);
}

TEST_CASE("retention: events are never downsampled") {
  TempDir dir;
  Metrics m;
  auto store = open_store(dir.path(), m);
  append(*store, "coffee", kOld + 10, "level", 900);
  append(*store, "coffee", kOld + 20, "used", 12);
  append(*store, "coffee", kOld + 30, "refilled", 1000);
  append(*store, "coffee", kOld + 40, "purchased", 2);
  append(*store, "coffee", kOld + 50, "level", 880);
  append(*store, "coffee", kOld + 60, "used", 9);
  append_raw(*store, "coffee");
  store->put_state("coffee", "{}", kNow);
  flush(*store);

  auto retention = open_retention(dir.path(), m);
  CHECK(run(*retention).downsampled == 1);  // the level at +10 only
  std::vector<std::string> kinds;
  for (const Reading& r : all(*store, "coffee", -1e300, kNow - 30 * kDay)) kinds.push_back(r.kind);
  CHECK(kinds == std::vector<std::string>{"used", "refilled", "purchased", "level", "used"});
}

TEST_CASE("retention: readings after the saved state, and a consumable without one, are never removed") {
  TempDir dir;
  Metrics m;
  auto store = open_store(dir.path(), m);
  for (int i = 0; i < 5; ++i) append(*store, "coffee", kOld + i * 60, "level", i);
  store->put_state("coffee", "{}", kOld + 240);  // reflects the first five
  for (int i = 5; i < 10; ++i) append(*store, "coffee", kOld + i * 60, "level", i);
  for (int i = 0; i < 10; ++i) append(*store, "pods", kOld + i * 60, "level", i);
  flush(*store);
  auto before = store->readings_after_states();
  REQUIRE(before.ok());
  REQUIRE(before->size() == 5);

  // Even a ceiling that wants everything gone leaves them.
  RetentionOptions o;
  o.max_bytes = 1;
  auto retention = open_retention(dir.path(), m, o);
  RetentionReport r = run(*retention);
  CHECK(r.over_ceiling);
  auto after = store->readings_after_states();
  REQUIRE(after.ok());
  CHECK(values(*after) == values(*before));
  CHECK(values(all(*store, "coffee")) == std::vector<double>{5, 6, 7, 8, 9});
  CHECK(all(*store, "pods").size() == 10);
}

TEST_CASE("retention: the newest reading stays, so rowids only grow") {
  TempDir dir;
  Metrics m;
  auto store = open_store(dir.path(), m);
  const std::string db = sqlite_store_path(dir.path());
  append(*store, "coffee", kOld + 100, "level", 1);
  append(*store, "coffee", kOld + 200, "level", 2);
  append(*store, "coffee", kOld + 50, "level", 3);  // arrived late: the newest row
  store->put_state("coffee", "{}", kNow);
  flush(*store);
  auto retention = open_retention(dir.path(), m);
  CHECK(run(*retention).downsampled == 1);
  CHECK(values(all(*store, "coffee")) == std::vector<double>{3, 2});
  CHECK(scalar(db, "SELECT MAX(rowid) FROM readings") == 3);
  append(*store, "coffee", kNow, "level", 4);
  flush(*store);
  CHECK(scalar(db, "SELECT MAX(rowid) FROM readings") == 4);
}

TEST_CASE("retention: the size ceiling removes the oldest history first, never the raw window, orders or the audit log") {
  TempDir dir;
  Metrics m;
  auto store = open_store(dir.path(), m);
  const std::string db = sqlite_store_path(dir.path());
  // Events are not downsampled: 20,000 of them, one a minute up to 40 days ago.
  for (int i = 0; i < 20000; ++i) append(*store, "coffee", kOld - (20000 - i) * 60.0, "used", i);
  append_raw(*store, "coffee");
  store->put_state("coffee", "{}", kNow);
  flush(*store);
  REQUIRE(store->save_order(StoredOrder{"o-1", "{}", true, kOld - 900 * kDay}).ok());
  {
    SQLite::Database d(db, SQLite::OPEN_READWRITE);
    d.exec("INSERT INTO grant_audit (seq, ts, event, grant_id, order_id, vehicle, detail, "
           "prev_hash, hash) VALUES (1, 1, 'issued', 'g', 'o-1', 'car', '', hex(zeroblob(32)), "
           "hex(zeroblob(32)))");
  }

  auto probe = open_retention(dir.path(), m);
  const std::int64_t full = probe->live_bytes();
  const auto file_before = fs::file_size(db) + fs::file_size(db + "-wal");
  RetentionOptions o;
  o.max_bytes = full / 2;
  auto retention = open_retention(dir.path(), m, o);
  RetentionReport r = run(*retention);
  CHECK(r.thinned > 0);
  CHECK_FALSE(r.over_ceiling);
  CHECK(r.live_bytes <= o.max_bytes);
  // The oldest went: what is left of the old events is the newest part of them.
  auto old = all(*store, "coffee", -1e300, kNow - 30 * kDay);
  REQUIRE(!old.empty());
  CHECK(old.back().value == 19999);
  CHECK(old.size() == static_cast<std::size_t>(20000 - r.thinned));
  CHECK(old.front().value == static_cast<double>(r.thinned));
  CHECK(all(*store, "coffee", kNow - 30 * kDay).size() == 10);
  // The pages went back to the file system, the WAL was emptied.
  CHECK(r.vacuumed_pages > 0);
  CHECK(fs::file_size(db) + fs::file_size(db + "-wal") < file_before);
  CHECK(fs::file_size(db + "-wal") == 0);
  CHECK_FALSE(r.checkpoint_busy);

  // A ceiling below what must stay: reported, and nothing else goes.
  o.max_bytes = 4096;
  auto tight = open_retention(dir.path(), m, o);
  RetentionReport t = run(*tight);
  CHECK(t.over_ceiling);
  CHECK(m.get("larder_store_over_ceiling") == 1);
  CHECK(all(*store, "coffee", -1e300, kNow - 30 * kDay).empty());
  CHECK(all(*store, "coffee").size() == 10);
  auto orders = store->load_orders(10, std::numeric_limits<double>::infinity(), 10);
  REQUIRE(orders.ok());
  CHECK(orders->size() == 1);
  CHECK(scalar(db, "SELECT count(*) FROM grant_audit") == 1);
}

TEST_CASE("retention: the size ceiling takes old level readings before any event") {
  TempDir dir;
  Metrics m;
  auto store = open_store(dir.path(), m);
  // The oldest rows are a counter's events (its whole history); newer, but still older than
  // the raw window, a scale's levels, one every 2 hours (nothing to downsample).
  for (int i = 0; i < 5000; ++i) append(*store, "pods", kOld - 3000 * kDay + i * 60.0, "used", 1);
  for (int i = 0; i < 5000; ++i) {
    append(*store, "coffee", kOld - (5000 - i) * 7200.0, "level", 400);
  }
  append_raw(*store, "coffee");
  append_raw(*store, "pods");
  store->put_state("coffee", "{}", kNow);
  store->put_state("pods", "{}", kNow);
  flush(*store);
  auto probe = open_retention(dir.path(), m);
  RetentionOptions o;
  o.max_bytes = probe->live_bytes() * 3 / 4;
  auto retention = open_retention(dir.path(), m, o);
  RetentionReport r = run(*retention);
  CHECK(r.thinned > 0);
  CHECK_FALSE(r.over_ceiling);
  CHECK(r.live_bytes <= o.max_bytes);
  // Every event is still there, though older than every level that went.
  std::size_t events = 0;
  for (const Reading& x : all(*store, "pods")) events += x.kind == "used";
  CHECK(events == 5000);
  CHECK(all(*store, "coffee", -1e300, kNow - 30 * kDay).size() == 5000 - r.thinned);
}

TEST_CASE("retention: a new database gives pages back in steps, an older one is converted by one VACUUM") {
  TempDir dir;
  Metrics m;
  {
    auto store = open_store(dir.file("new"), m);
    CHECK(scalar(sqlite_store_path(dir.file("new")), "PRAGMA auto_vacuum") == 2);
  }
  // An older database: tables were there before the store asked for incremental vacuum.
  fs::create_directories(dir.file("old"));
  const std::string db = sqlite_store_path(dir.file("old"));
  {
    SQLite::Database d(db, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    d.exec("CREATE TABLE pad (x INTEGER)");
  }
  auto store = open_store(dir.file("old"), m);
  REQUIRE(scalar(db, "PRAGMA auto_vacuum") == 0);
  for (int i = 0; i < 20000; ++i) append(*store, "coffee", kOld - i * 60.0, "used", i);
  append_raw(*store, "coffee");
  store->put_state("coffee", "{}", kNow);
  flush(*store);
  auto probe = open_retention(dir.file("old"), m);
  RetentionOptions o;
  o.max_bytes = probe->live_bytes() / 3;
  auto retention = open_retention(dir.file("old"), m, o);
  RetentionReport r = run(*retention);
  CHECK(r.full_vacuum);
  CHECK(scalar(db, "PRAGMA auto_vacuum") == 2);
  CHECK(scalar(db, "PRAGMA freelist_count") == 0);
  CHECK(all(*store, "coffee", kNow - 30 * kDay).size() == 10);
}

TEST_CASE("retention: a run goes in bounded steps") {
  TempDir dir;
  Metrics m;
  auto store = open_store(dir.path(), m);
  for (int i = 0; i < 1000; ++i) append(*store, "coffee", kOld + i, "level", i);
  append_raw(*store, "coffee");
  store->put_state("coffee", "{}", kNow);
  flush(*store);
  auto retention = open_retention(dir.path(), m);  // 100 rows a step
  retention->begin(kNow);
  int steps = 0;
  for (;;) {
    auto more = retention->step();
    REQUIRE(more.ok());
    ++steps;
    if (!*more) break;
    // The store commits between two steps, as the loop does.
    append(*store, "coffee", kNow + steps, "level", 1);
    flush(*store);
  }
  CHECK(steps >= 10);
  CHECK(retention->report().downsampled == 999);
  CHECK_FALSE(retention->running());
}
