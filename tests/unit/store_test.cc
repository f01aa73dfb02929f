// The Store contract, checked against both implementations (MemoryStore and the SQLite
// store), and the SQLite store's own promises: migrations, WAL, durability across a
// restart, failed commits that keep the queue, refusal of future and corrupt files.
#include <doctest/doctest.h>
#include <stdlib.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <functional>
#include <limits>
#include <sstream>
#include <string>

#include <SQLiteCpp/SQLiteCpp.h>

#include "adapters/store/sqlite_store.h"
#include "larder/metrics.h"
#include "larder/store.h"
#include "support/own_file_limit.h"

namespace fs = std::filesystem;
using namespace larder;

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr std::size_t kAll = std::numeric_limits<std::size_t>::max();

struct TempDir {
  fs::path path;
  TempDir() {
    std::string tmpl = (fs::temp_directory_path() / "larder-store-XXXXXX").string();
    REQUIRE(::mkdtemp(tmpl.data()) != nullptr);
    path = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
  std::string str(const std::string& sub = "") const { return (path / sub).string(); }
};

std::unique_ptr<Store> open_ok(const std::string& dir, Metrics& m,
                               const SqliteStoreOptions& o = {}) {
  auto r = open_sqlite_store(dir, m, o);
  INFO(r.status().message());
  REQUIRE(r.ok());
  return std::move(r).value();
}

std::size_t count(Store& s, const std::string& consumable) {
  auto r = s.readings(consumable, -kInf, kInf, kAll);
  REQUIRE(r.ok());
  return r->size();
}

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Which committed readings a committed state does not reflect: those appended after the
// put_state() it came from, in the order appended. Needs a fresh store.
void check_readings_after_states(Store& s) {
  auto after = [&] {
    auto r = s.readings_after_states();
    REQUIRE(r.ok());
    return *r;
  };
  CHECK(after().empty());
  s.append({"tea", 1, "level", 10});  // tea has no state: never among them
  s.append({"coffee", 1, "level", 900});
  s.put_state("coffee", "{}", 1);  // reflects the readings before it
  s.append({"coffee", 2, "level", 890});
  s.append({"milk", 2, "level", 1});
  s.put_state("milk", "{}", 2);
  CHECK(after().empty());  // nothing committed yet
  REQUIRE(s.flush().ok());
  auto a = after();
  REQUIRE(a.size() == 1);
  CHECK(a[0].consumable == "coffee");
  CHECK(a[0].ts == 2);
  CHECK(a[0].value == 890);
  // Later batches: in the order appended, across consumables and timestamps.
  s.append({"milk", 3, "used", 0.5});
  s.append({"coffee", 0.5, "used", 5});
  REQUIRE(s.flush().ok());
  a = after();
  REQUIRE(a.size() == 3);
  CHECK(a[0].ts == 2);
  CHECK(a[1].consumable == "milk");
  CHECK(a[2].consumable == "coffee");
  CHECK(a[2].kind == "used");
  // A state put in a batch without readings reflects everything committed before it.
  s.put_state("coffee", "{}", 3);
  REQUIRE(s.flush().ok());
  a = after();
  REQUIRE(a.size() == 1);
  CHECK(a[0].consumable == "milk");
  s.put_state("milk", "{}", 3);
  REQUIRE(s.flush().ok());
  CHECK(after().empty());
}

// The behaviour every Store must show; `commits` reads the implementation's commit count.
void check_store_behaviour(Store& s, const std::function<double()>& commits) {
  CHECK(s.pending() == 0);
  CHECK(s.flush().ok());
  CHECK(commits() == 0);  // an empty flush commits nothing
  REQUIRE(s.load_states().ok());
  CHECK(s.load_states()->empty());
  CHECK(count(s, "coffee") == 0);

  s.append({"coffee", 300, "level", 400});
  s.append({"coffee", 100, "level", 500});
  s.append({"coffee", 200, "used", 12.5});
  s.append({"coffee", 200, "refilled", 250});  // same ts: stays after the "used" one
  s.append({"milk", 150, "level", 1.5});
  s.put_state("milk", R"({"level":1.5})", 150);
  s.put_state("coffee", R"({"level":450})", 250);
  s.put_state("coffee", R"({"level":400})", 300);  // replaces the queued one
  CHECK(s.pending() == 7);
  CHECK(count(s, "coffee") == 0);  // queued is not committed
  CHECK(s.load_states()->empty());

  // Bad numbers are refused and change nothing.
  s.append({"coffee", std::nan(""), "level", 1});
  s.append({"coffee", 5, "level", kInf});
  s.put_state("tea", "{}", std::nan(""));
  CHECK(s.pending() == 7);

  REQUIRE(s.flush().ok());
  CHECK(s.pending() == 0);
  CHECK(commits() == 1);

  auto all = s.readings("coffee", -kInf, kInf, kAll);
  REQUIRE(all.ok());
  REQUIRE(all->size() == 4);
  CHECK((*all)[0].ts == 100);
  CHECK((*all)[0].value == 500);
  CHECK((*all)[1].kind == "used");
  CHECK((*all)[1].value == 12.5);
  CHECK((*all)[2].kind == "refilled");
  CHECK((*all)[3].ts == 300);
  CHECK((*all)[3].consumable == "coffee");

  // since <= ts < until
  auto window = s.readings("coffee", 200, 300, kAll);
  REQUIRE(window.ok());
  CHECK(window->size() == 2);
  auto limited = s.readings("coffee", 100, 1000, 2);
  REQUIRE(limited.ok());
  REQUIRE(limited->size() == 2);
  CHECK((*limited)[0].ts == 100);
  CHECK((*limited)[1].kind == "used");
  CHECK(s.readings("coffee", 0, 1000, 0)->empty());
  CHECK(s.readings("coffee", 300, 300, kAll)->empty());
  CHECK(count(s, "milk") == 1);
  CHECK(count(s, "nothing") == 0);

  auto states = s.load_states();
  REQUIRE(states.ok());
  REQUIRE(states->size() == 2);
  CHECK((*states)[0].consumable == "coffee");
  CHECK((*states)[0].json == R"({"level":400})");
  CHECK((*states)[0].updated == 300);
  CHECK((*states)[1].consumable == "milk");

  // A later put replaces the committed state.
  s.put_state("coffee", R"({"level":380})", 400);
  REQUIRE(s.flush().ok());
  CHECK(commits() == 2);
  states = s.load_states();
  REQUIRE(states->size() == 2);
  CHECK((*states)[0].json == R"({"level":380})");

  // A burst of 10,000 readings is one commit.
  for (int i = 0; i < 10000; ++i) s.append({"water", 1000.0 + i, "level", 1.0 * i});
  CHECK(s.pending() == 10000);
  REQUIRE(s.flush().ok());
  CHECK(commits() == 3);
  CHECK(count(s, "water") == 10000);
  auto last = s.readings("water", 10999, kInf, kAll);
  REQUIRE(last->size() == 1);
  CHECK(last->front().value == 9999);
}

// The orders half of the contract: committed at once, replaced by id, loaded as every
// unfinished order plus the newest finished ones and those saved since a time.
void check_orders_behaviour(Store& s) {
  auto none = s.load_orders(10, kInf, 10);
  REQUIRE(none.ok());
  CHECK(none->empty());
  REQUIRE(s.save_order({"o1", R"({"v":1})", false, 100}).ok());
  REQUIRE(s.save_order({"o1", R"({"v":2})", false, 110}).ok());  // replaces
  CHECK(s.pending() == 0);                                        // nothing queued
  REQUIRE(s.save_order({"f1", "{}", true, 50}).ok());
  REQUIRE(s.save_order({"f2", "{}", true, 70}).ok());
  REQUIRE(s.save_order({"f3", "{}", true, 60}).ok());
  auto all = s.load_orders(10, kInf, 10);
  REQUIRE(all.ok());
  REQUIRE(all->size() == 4);
  CHECK((*all)[0].order_id == "o1");
  CHECK((*all)[0].json == R"({"v":2})");
  CHECK((*all)[0].updated == 110);
  CHECK_FALSE((*all)[0].finished);
  auto newest = s.load_orders(2, kInf, 2);  // the unfinished one, the two newest finished
  REQUIRE(newest.ok());
  REQUIRE(newest->size() == 3);
  CHECK((*newest)[1].order_id == "f2");
  CHECK((*newest)[2].order_id == "f3");
  CHECK((*newest)[2].finished);
  auto only_open = s.load_orders(0, kInf, 0);
  REQUIRE(only_open.ok());
  CHECK(only_open->size() == 1);
  // And the newer ones saved since a time, up to a maximum (the guards still count them).
  auto since = s.load_orders(0, 60, 10);
  REQUIRE(since.ok());
  REQUIRE(since->size() == 3);
  CHECK((*since)[1].order_id == "f2");
  CHECK((*since)[2].order_id == "f3");
  auto more_since = s.load_orders(1, 55, 10);  // f2 the newest, f3 since 55; not f1 (50)
  REQUIRE(more_since.ok());
  REQUIRE(more_since->size() == 3);
  CHECK((*more_since)[2].order_id == "f3");
  auto newest_or_since = s.load_orders(1, 65, 10);  // f2 either way: once
  REQUIRE(newest_or_since.ok());
  REQUIRE(newest_or_since->size() == 2);
  CHECK((*newest_or_since)[1].order_id == "f2");
  auto at_most = s.load_orders(0, 0, 2);  // all three since 0, but two at most: the newest
  REQUIRE(at_most.ok());
  REQUIRE(at_most->size() == 3);
  CHECK((*at_most)[1].order_id == "f2");
  CHECK((*at_most)[2].order_id == "f3");
  CHECK(s.load_orders(2, 0, 1)->size() == 3);  // the newest two, whatever the maximum
  // A finished order leaves the unfinished set.
  REQUIRE(s.save_order({"o1", R"({"v":3})", true, 120}).ok());
  CHECK(s.load_orders(0, kInf, 0)->empty());
  CHECK_FALSE(s.save_order({"", "{}", false, 1}).ok());
  CHECK_FALSE(s.save_order({"bad", "{}", false, std::nan("")}).ok());
  CHECK(s.load_orders(10, kInf, 10)->size() == 4);
  // What is queued is committed with the order: a model told of the order's fate just
  // before keeps that knowledge if the process dies right after.
  s.append({"coffee", 130, "level", 400});
  s.put_state("coffee", R"({"placed":true})", 130);
  REQUIRE(s.save_order({"o2", "{}", false, 130}).ok());
  CHECK(s.pending() == 0);
  auto states = s.load_states();
  REQUIRE(states.ok());
  REQUIRE(states->size() == 1);
  CHECK((*states)[0].json == R"({"placed":true})");
}

}  // namespace

TEST_CASE("MemoryStore keeps the Store contract for orders") {
  MemoryStore s;
  check_orders_behaviour(s);
}

TEST_CASE("SQLite store keeps the Store contract for orders, and commits each at once") {
  TempDir t;
  {
    Metrics m;
    auto s = open_ok(t.str(), m);
    check_orders_behaviour(*s);
    CHECK(m.get("larder_store_order_commits_total") == 7);  // the refused ones count not
    CHECK(m.get("larder_store_commit_errors_total") == 0);
    s->append({"coffee", 1, "level", 400});  // queued, never flushed: lost at close
  }
  // No flush was needed: the orders are on disk when save_order returns.
  Metrics m;
  auto s = open_ok(t.str(), m);
  auto all = s->load_orders(10, kInf, 10);
  REQUIRE(all.ok());
  CHECK(all->size() == 5);
  CHECK(count(*s, "coffee") == 1);  // the reading committed with o2; the later one lost
  REQUIRE(s->load_states()->size() == 1);
}

TEST_CASE("SQLite store: a database of version 1 gains the orders table and keeps its data") {
  TempDir t;
  {
    // A file as larderd of schema version 1 left it.
    SQLite::Database db(t.str("larder.db"), SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    db.exec("PRAGMA journal_mode = WAL");
    db.exec("CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL,"
            " applied_at REAL NOT NULL)");
    db.exec(sqlite_migrations()[0].sql);
    db.exec("INSERT INTO schema_migrations VALUES (1, 'readings and consumable state', 1)");
    db.exec("INSERT INTO readings VALUES ('coffee', 10, 'level', 400)");
    db.exec("INSERT INTO consumable_state VALUES ('coffee', '{}', 10)");
  }
  Metrics m;
  auto s = open_ok(t.str(), m);
  CHECK(m.get("larder_store_migrations_applied_total") ==
        static_cast<double>(sqlite_migrations().size() - 1));
  CHECK(count(*s, "coffee") == 1);
  // Its state was written after every reading before it (migration 4 says so).
  REQUIRE(s->readings_after_states().ok());
  CHECK(s->readings_after_states()->empty());
  s->append({"coffee", 20, "level", 390});
  REQUIRE(s->flush().ok());
  CHECK(s->readings_after_states()->size() == 1);
  REQUIRE(s->save_order({"o1", "{}", false, 1}).ok());
  CHECK(s->load_orders(0, kInf, 0)->size() == 1);
}

TEST_CASE("MemoryStore keeps the Store contract") {
  MemoryStore s;
  check_store_behaviour(s, [&] { return static_cast<double>(s.commits()); });
  MemoryStore fresh;
  check_readings_after_states(fresh);
}

TEST_CASE("SQLite store keeps the Store contract") {
  TempDir t;
  Metrics m;
  auto s = open_ok(t.str("state"), m);
  check_store_behaviour(*s, [&] { return m.get("larder_store_commits_total"); });
  auto fresh = open_ok(t.str("fresh"), m);
  check_readings_after_states(*fresh);
  CHECK(m.get("larder_store_commit_errors_total") == 0);
  CHECK(m.get("larder_store_last_commit_seconds") > 0);
  CHECK(m.render().find("# TYPE larder_store_last_commit_seconds gauge") != std::string::npos);
}

TEST_CASE("SQLite store: state directory created 0750, WAL mode, migrations applied once") {
  TempDir t;
  const std::string dir = t.str("a/b/state");
  double applied_at = 0;
  {
    Metrics m;
    auto s = open_ok(dir, m);
    CHECK(m.get("larder_store_migrations_applied_total") ==
          static_cast<double>(sqlite_migrations().size()));
    CHECK((fs::status(dir).permissions() & fs::perms::all) ==
          (fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec));
    auto info = inspect_sqlite_store(dir);
    REQUIRE(info.ok());
    CHECK(info->path == dir + "/larder.db");
    CHECK(info->journal_mode == "wal");
    CHECK(info->schema_version == static_cast<int>(sqlite_migrations().size()));
    REQUIRE(info->applied.size() == sqlite_migrations().size());
    applied_at = info->applied[0].second;
    CHECK(applied_at > 1.6e9);
  }
  Metrics m2;
  auto s2 = open_ok(dir, m2);
  CHECK(m2.get("larder_store_migrations_applied_total") == 0);
  auto info = inspect_sqlite_store(dir);
  REQUIRE(info.ok());
  REQUIRE(info->applied.size() == sqlite_migrations().size());
  CHECK(info->applied[0].second == applied_at);
}

TEST_CASE("SQLite store: readings and states survive a restart") {
  TempDir t;
  {
    Metrics m;
    auto s = open_ok(t.str(), m);
    s->append({"coffee", 10, "level", 400});
    s->append({"coffee", 20, "used", 18});
    s->put_state("coffee", R"({"level":382})", 20);
    REQUIRE(s->flush().ok());
    s->append({"coffee", 30, "used", 18});  // queued only: lost at close, by contract
  }
  Metrics m;
  auto s = open_ok(t.str(), m);
  CHECK(s->pending() == 0);
  auto r = s->readings("coffee", 0, 100, 10);
  REQUIRE(r.ok());
  REQUIRE(r->size() == 2);
  CHECK((*r)[0].kind == "level");
  CHECK((*r)[1].value == 18);
  auto st = s->load_states();
  REQUIRE(st.ok());
  REQUIRE(st->size() == 1);
  CHECK((*st)[0].json == R"({"level":382})");
  CHECK((*st)[0].updated == 20);
}

TEST_CASE("SQLite store: a read-only store fails to flush and keeps its queue") {
  TempDir t;
  {
    Metrics m;
    auto s = open_ok(t.str(), m);
    s->append({"coffee", 10, "level", 400});
    REQUIRE(s->flush().ok());
  }
  {
    Metrics m;
    SqliteStoreOptions ro;
    ro.read_only = true;
    auto s = open_ok(t.str(), m, ro);
    CHECK(count(*s, "coffee") == 1);  // reading works
    s->append({"coffee", 20, "level", 390});
    s->put_state("coffee", "{}", 20);
    Status st = s->flush();
    REQUIRE_FALSE(st.ok());
    CHECK(st.message().find("read-only") != std::string::npos);
    CHECK(st.message().find(t.str("larder.db")) != std::string::npos);
    CHECK(s->pending() == 2);
    CHECK_FALSE(s->flush().ok());  // and again: nothing dropped
    CHECK(s->pending() == 2);
    CHECK(m.get("larder_store_commit_errors_total") == 2);
    CHECK(m.get("larder_store_commits_total") == 0);
    CHECK(m.get("larder_store_pending") == 2);
  }
  Metrics m;
  auto s = open_ok(t.str(), m);
  CHECK(count(*s, "coffee") == 1);
  CHECK(s->load_states()->empty());
}

TEST_CASE("SQLite store: a full disk fails the flush, keeps the queue, and a retry commits once") {
  TempDir t;
  Metrics m;
  auto s = open_ok(t.str(), m);
  s->append({"coffee", 1, "level", 400});
  REQUIRE(s->flush().ok());

  // A full disk: the file size limited (support/own_file_limit.h).
  larder::test::OwnFileSizeLimit full(larder::test::largest_file(t.str()) + 16 * 1024);
  for (int i = 0; i < 20000; ++i) s->append({"coffee", 100.0 + i, "used", 0.5});
  s->put_state("coffee", R"({"level":1})", 20100);
  Status st = s->flush();
  const std::size_t pending_after_failure = s->pending();
  full.lift();

  REQUIRE_FALSE(st.ok());
  INFO(st.message());
  CHECK(st.message().find(t.str("larder.db")) != std::string::npos);
  CHECK(st.message().find("stay queued") != std::string::npos);
  CHECK((st.message().find("I/O error") != std::string::npos ||
         st.message().find("disk full") != std::string::npos));
  CHECK(pending_after_failure == 20001);
  CHECK(m.get("larder_store_commit_errors_total") == 1);
  CHECK(count(*s, "coffee") == 1);  // nothing of the failed batch is visible

  REQUIRE(s->flush().ok());  // the retry commits the kept queue, once
  CHECK(s->pending() == 0);
  CHECK(count(*s, "coffee") == 20001);
  s.reset();
  Metrics m2;
  auto again = open_ok(t.str(), m2);
  CHECK(count(*again, "coffee") == 20001);
  CHECK(again->load_states()->size() == 1);
}

TEST_CASE("SQLite store: a database from a newer larderd is refused and left unchanged") {
  TempDir t;
  std::vector<SqliteMigration> future = sqlite_migrations();
  future.push_back({static_cast<int>(future.size()) + 1, "from the future",
                    "CREATE TABLE future_things (x INTEGER)"});
  {
    Metrics m;
    SqliteStoreOptions o;
    o.migrations = &future;
    auto s = open_ok(t.str(), m, o);
  }
  Metrics m;
  auto r = open_sqlite_store(t.str(), m);
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().message().find("newer than this larderd knows") != std::string::npos);
  CHECK(r.status().message().find(t.str("larder.db")) != std::string::npos);
  auto info = inspect_sqlite_store(t.str());
  REQUIRE(info.ok());
  CHECK(info->schema_version == static_cast<int>(future.size()));
}

TEST_CASE("SQLite store: a failed migration rolls back and the store does not open") {
  TempDir t;
  const int next = static_cast<int>(sqlite_migrations().size()) + 1;
  std::vector<SqliteMigration> bad = sqlite_migrations();
  bad.push_back({next, "half done", "CREATE TABLE half_done (x); INSERT INTO no_such VALUES (1);"});
  Metrics m;
  SqliteStoreOptions o;
  o.migrations = &bad;
  auto r = open_sqlite_store(t.str(), m, o);
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().message().find("migration " + std::to_string(next)) != std::string::npos);
  CHECK(r.status().message().find("rolled back") != std::string::npos);
  auto info = inspect_sqlite_store(t.str());
  REQUIRE(info.ok());
  CHECK(info->schema_version == next - 1);  // the earlier steps stay applied

  // half_done was rolled back with the step: the corrected step can create it.
  std::vector<SqliteMigration> good = sqlite_migrations();
  good.push_back({next, "half done", "CREATE TABLE half_done (x);"});
  o.migrations = &good;
  auto s = open_ok(t.str(), m, o);
  CHECK(inspect_sqlite_store(t.str())->schema_version == next);
}

TEST_CASE("SQLite store: a file that is not a database is refused and left alone") {
  TempDir t;
  const std::string text(8192, 'x');
  { std::ofstream(t.path / "larder.db", std::ios::binary) << text; }
  Metrics m;
  auto r = open_sqlite_store(t.str(), m);
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().message().find(t.str("larder.db")) != std::string::npos);
  CHECK(r.status().message().find("not an SQLite database") != std::string::npos);
  CHECK(slurp(t.path / "larder.db") == text);
}

TEST_CASE("SQLite store: an unusable state directory is an error naming it") {
  TempDir t;
  { std::ofstream(t.path / "plain-file") << "x"; }
  Metrics m;
  auto under_file = open_sqlite_store(t.str("plain-file/state"), m);
  REQUIRE_FALSE(under_file.ok());
  CHECK(under_file.status().message().find(t.str("plain-file/state")) != std::string::npos);
  auto is_file = open_sqlite_store(t.str("plain-file"), m);
  REQUIRE_FALSE(is_file.ok());
  CHECK(is_file.status().message().find("not a directory") != std::string::npos);
  SqliteStoreOptions ro;
  ro.read_only = true;
  auto missing = open_sqlite_store(t.str("nothing-here"), m, ro);
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.status().message().find(t.str("nothing-here/larder.db")) != std::string::npos);
  CHECK_FALSE(fs::exists(t.path / "nothing-here"));
}
