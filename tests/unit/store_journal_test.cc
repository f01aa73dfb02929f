// The SQLite store's journal (adapters/store/store_journal.h): what a store that cannot
// commit took waits in a file outside the state directory, is read back while it waits, and
// is imported once by the next store that can write, whatever happens in between; a store
// on a full disk opens read-only.
#include <SQLiteCpp/SQLiteCpp.h>
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>
#include <string>

#include "adapters/fs/state_file.h"
#include "adapters/store/sqlite_store.h"
#include "adapters/store/store_journal.h"
#include "larder/metrics.h"
#include "larder/store.h"
#include "support/own_file_limit.h"
#include "support/tempdir.h"

namespace fs = std::filesystem;
using namespace larder;
using larder::test::TempDir;

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr std::size_t kAll = std::numeric_limits<std::size_t>::max();
constexpr std::size_t kKiB = 1024;

// A state directory and a runtime directory beside it, as larderd has them.
struct Dirs {
  TempDir tmp{"larder-journal-"};
  std::string state() const { return tmp.file("state"); }
  std::string run() const { return tmp.file("run"); }
  std::string journal() const { return store_journal_path(run(), sqlite_store_path(state())); }
  SqliteStoreOptions options(bool read_only) const {
    SqliteStoreOptions o;
    o.read_only = read_only;
    o.journal_dir = run();
    return o;
  }
};

std::unique_ptr<Store> open_ok(const Dirs& d, Metrics& m, bool read_only) {
  auto r = open_sqlite_store(d.state(), m, d.options(read_only));
  INFO(r.status().message());
  REQUIRE(r.ok());
  return std::move(r).value();
}

std::vector<Reading> all(Store& s, const std::string& consumable) {
  auto r = s.readings(consumable, -kInf, kInf, kAll);
  REQUIRE(r.ok());
  return *r;
}

// Opens the store as larderd does on a disk with no room: read-only, `no_room`.
std::unique_ptr<Store> open_no_room(const Dirs& d, Metrics& m) {
  SqliteStoreOptions o = d.options(true);
  o.no_room = true;
  auto r = open_sqlite_store(d.state(), m, o);
  INFO(r.status().message());
  REQUIRE(r.ok());
  return std::move(r).value();
}

void commit_four_levels(Store& s) {
  for (int i = 0; i < 4; ++i) s.append({"coffee", 10.0 + i, "level", 900.0 - i});
  REQUIRE(s.flush().ok());
}

// The json of the one state the store holds.
std::string only_state(Store& s) {
  auto states = s.load_states();
  REQUIRE(states.ok());
  REQUIRE(states->size() == 1);
  return states->front().json;
}

StoredOrder order(const std::string& id, const std::string& status, double updated) {
  return StoredOrder{id, "{\"status\":\"" + status + "\"}", false, updated};
}

std::string order_json(Store& s, const std::string& id) {
  auto orders = s.load_orders(100, kInf, 100);
  REQUIRE(orders.ok());
  for (const auto& o : *orders) {
    if (o.order_id == id) return o.json;
  }
  return "";
}

// A database with one committed reading and state, then a read-only life that takes a
// reading, a state and an order it cannot commit.
void read_only_life(const Dirs& d) {
  {
    Metrics m;
    auto s = open_ok(d, m, false);
    s->append({"coffee", 10, "level", 400});
    s->put_state("coffee", R"({"level":400})", 10);
    REQUIRE(s->flush().ok());
  }
  Metrics m;
  auto s = open_ok(d, m, true);
  s->append({"coffee", 20, "level", 390});
  s->append({"coffee", 21, "purchased", 2});
  s->put_state("coffee", R"({"level":390,"on_hand":2})", 21);
  s->append({"coffee", 22, "level", 389});  // after the state: to be learned again
  Status st = s->flush();
  REQUIRE_FALSE(st.ok());
  CHECK(st.message().find("wait in the journal " + d.journal()) != std::string::npos);
  Status saved = s->save_order(order("o-1", "placing", 30));
  REQUIRE_FALSE(saved.ok());
  CHECK(saved.message().find("waits in the journal") != std::string::npos);
  CHECK(fs::exists(d.journal()));
  CHECK_FALSE(fs::exists(d.state() + "/" + fs::path(d.journal()).filename().string()));
}

}  // namespace

TEST_CASE("store journal: what a read-only store took is read back while it waits") {
  Dirs d;
  read_only_life(d);
  // Started again, still read-only: the journal is carried, and read as if committed.
  Metrics m;
  auto s = open_ok(d, m, true);
  CHECK(only_state(*s) == R"({"level":390,"on_hand":2})");
  auto after = s->readings_after_states();
  REQUIRE(after.ok());
  REQUIRE(after->size() == 1);  // the journal's state reflects the two readings before it
  CHECK(after->front().ts == 22);
  CHECK(order_json(*s, "o-1") == R"({"status":"placing"})");
  CHECK(s->pending() == 5);  // 3 readings, 1 state, 1 order
  CHECK(all(*s, "coffee").size() == 1);  // the database's, unchanged
  // A new reading joins the journal.
  s->append({"coffee", 40, "level", 380});
  CHECK_FALSE(s->flush().ok());
}

TEST_CASE("store journal: the next writable open imports it once, and removes it") {
  Dirs d;
  read_only_life(d);
  {
    Metrics m;
    auto s = open_ok(d, m, true);  // a second read-only life adds a reading
    s->append({"coffee", 40, "level", 380});
    s->put_state("coffee", R"({"level":380,"on_hand":2})", 40);
    REQUIRE_FALSE(s->flush().ok());
  }
  const std::string kept = d.tmp.file("journal-copy");
  fs::copy_file(d.journal(), kept);
  {
    Metrics m;
    auto s = open_ok(d, m, false);
    CHECK_FALSE(fs::exists(d.journal()));
    std::vector<double> ts;
    for (const auto& r : all(*s, "coffee")) ts.push_back(r.ts);
    CHECK(ts == std::vector<double>{10, 20, 21, 22, 40});
    CHECK(only_state(*s) == R"({"level":380,"on_hand":2})");
    auto after = s->readings_after_states();
    REQUIRE(after.ok());
    CHECK(after->empty());  // the last state reflects every reading
    CHECK(order_json(*s, "o-1") == R"({"status":"placing"})");
    CHECK(s->pending() == 0);
    // The ledger saves the order again, newer, while the database works.
    REQUIRE(s->save_order(order("o-1", "placed", 50)).ok());
  }
  // A crash after the import's commit and before the file's removal leaves it there: it is
  // recognised and not imported again, and it does not take the order back.
  fs::copy_file(kept, d.journal());
  Metrics m;
  auto s = open_ok(d, m, false);
  CHECK_FALSE(fs::exists(d.journal()));
  CHECK(all(*s, "coffee").size() == 5);
  CHECK(order_json(*s, "o-1") == R"({"status":"placed"})");
}

TEST_CASE("store journal: an older order in it does not replace a newer one in the database") {
  Dirs d;
  read_only_life(d);  // o-1 "placing" at 30, in the journal
  {
    // Meanwhile (say, another larderd's backup restored) the database holds a newer o-1.
    Metrics m;
    SqliteStoreOptions plain;  // no journal: it is left for the next open
    auto s = open_sqlite_store(d.state(), m, plain);
    REQUIRE(s.ok());
    REQUIRE((*s)->save_order(order("o-1", "delivered", 90)).ok());
  }
  Metrics m;
  auto s = open_ok(d, m, false);
  CHECK(order_json(*s, "o-1") == R"({"status":"delivered"})");
  CHECK(all(*s, "coffee").size() == 4);
}

TEST_CASE("store journal: a full disk spills, and the commit that works removes the journal") {
  Dirs d;
  Metrics m;
  auto s = open_ok(d, m, false);
  s->append({"coffee", 1, "level", 400});
  REQUIRE(s->flush().ok());

  // A full disk (support/own_file_limit.h); the limit covers the journal's file too.
  larder::test::OwnFileSizeLimit full(larder::test::largest_file(d.state()) + 16 * kKiB);
  for (int i = 0; i < 20000; ++i) s->append({"coffee", 100.0 + i, "used", 0.5});
  const Status failed = s->flush();
  full.lift();
  REQUIRE_FALSE(failed.ok());
  INFO(failed.message());
  // 20,000 lines exceed the limit too: the spill says it failed, and the queue is kept.
  const bool spilled = failed.message().find("wait in the journal") != std::string::npos;
  CHECK(s->pending() == 20000);
  CHECK(s->spill().ok());  // with room again, the journal takes it
  CHECK(fs::exists(d.journal()));
  auto in_journal = StoreJournal::read(d.journal(), sqlite_store_path(d.state()));
  REQUIRE(in_journal.ok());
  CHECK(in_journal->readings.size() == 20000);
  CHECK(in_journal->skipped_lines <= 1);  // at most the line the limit cut
  MESSAGE("spilled at the failure: ", spilled);

  REQUIRE(s->flush().ok());
  CHECK_FALSE(fs::exists(d.journal()));
  s.reset();
  Metrics m2;
  auto again = open_ok(d, m2, false);
  CHECK(all(*again, "coffee").size() == 20001);
}

TEST_CASE("store journal: readings that left memory at its cap are committed from the journal") {
  Dirs d;
  Metrics m;
  SqliteStoreOptions capped = d.options(false);
  capped.max_queued_readings = 50;
  auto opened = open_sqlite_store(d.state(), m, capped);
  REQUIRE(opened.ok());
  std::unique_ptr<Store> s = std::move(opened).value();
  s->append({"coffee", 1, "level", 400});
  REQUIRE(s->flush().ok());

  // Commits fail: the write-ahead log may not grow; the journal, smaller, still can.
  const auto wal = fs::file_size(sqlite_store_path(d.state()) + "-wal");
  REQUIRE(wal > 8 * kKiB);
  larder::test::OwnFileSizeLimit full(wal);
  for (int i = 0; i < 20; ++i) s->append({"coffee", 100.0 + i, "used", 0.5});
  s->put_state("coffee", "{\"through\":119}", 119);
  for (int i = 20; i < 40; ++i) s->append({"coffee", 100.0 + i, "used", 0.5});
  REQUIRE_FALSE(s->flush().ok());  // the 40 go to the journal
  // 40 more: the queue keeps the newest 50, the 30 oldest stay in the journal only.
  for (int i = 40; i < 80; ++i) s->append({"coffee", 100.0 + i, "used", 0.5});
  CHECK(s->pending() == 50 + 1);
  // While the disk stays full, no flush reads the journal back (once a tick, it would parse
  // the whole file each time): the queue's own pages fail first.
  for (int i = 0; i < 3; ++i) REQUIRE_FALSE(s->flush().ok());
  CHECK(m.get("larder_store_read_back_total") == 0);
  full.lift();

  const Status saved = s->flush();
  INFO(saved.message());
  REQUIRE(saved.ok());
  CHECK(m.get("larder_store_read_back_total") == 30);
  CHECK_FALSE(fs::exists(d.journal()));
  const std::vector<Reading> have = all(*s, "coffee");
  REQUIRE(have.size() == 81);
  for (std::size_t i = 1; i < have.size(); ++i) {
    CHECK(have[i].ts == 100.0 + static_cast<double>(i - 1));
  }
  {  // in rowid order too, though the queue was inserted before the journal's 30
    SQLite::Database db(sqlite_store_path(d.state()), SQLite::OPEN_READONLY);
    SQLite::Statement q(db, "SELECT ts FROM readings ORDER BY rowid");
    double last = -1;
    int n = 0;
    while (q.executeStep()) {
      CHECK(q.getColumn(0).getDouble() > last);
      last = q.getColumn(0).getDouble();
      ++n;
    }
    CHECK(n == 81);
  }
  // The state saved reflects the first 20 of them, though they had left memory: a restart
  // learns the 60 after it again, no more.
  s.reset();
  Metrics m2;
  auto again = open_ok(d, m2, false);
  auto after = again->readings_after_states();
  REQUIRE(after.ok());
  REQUIRE(after->size() == 60);
  CHECK(after->front().ts == 120);
}

TEST_CASE("store journal: a long outage keeps it small, and it reads the same compacted") {
  Dirs d;
  {
    Metrics m;
    auto s = open_ok(d, m, false);
    commit_four_levels(*s);
  }
  const std::string pad(4000, 'x');
  std::uintmax_t largest = 0;
  {
    Metrics m;
    auto s = open_ok(d, m, true);  // every flush fails: what it takes goes to the journal
    for (int i = 0; i < 800; ++i) {
      s->append({"coffee", 100.0 + i, "level", 800});
      s->put_state("coffee", "{\"n\":" + std::to_string(i) + ",\"pad\":\"" + pad + "\"}",
                   100.0 + i);
      if (i % 100 == 0) {
        CHECK_FALSE(s->save_order(order("o-1", "step" + std::to_string(i), 100.0 + i)).ok());
      }
      REQUIRE_FALSE(s->flush().ok());
      largest = std::max(largest, fs::file_size(d.journal()));
    }
    // Last, a state older by its time than the one before (a clock set back).
    s->put_state("coffee", R"({"n":"older"})", 50);
    REQUIRE_FALSE(s->flush().ok());
  }
  // 800 states of 4 KB: 3.2 MB if every one stayed.
  CHECK(largest < 2 * StoreJournal::kCompactSlack);
  CHECK(fs::file_size(d.journal()) < 2 * StoreJournal::kCompactSlack);
  {
    // Carried by a read-only start: the last line of each wins, as in the whole file.
    Metrics m;
    auto s = open_ok(d, m, true);
    CHECK(only_state(*s) == R"({"n":"older"})");
    CHECK(order_json(*s, "o-1") == R"({"status":"step700"})");
    auto after = s->readings_after_states();
    REQUIRE(after.ok());
    CHECK(after->empty());  // the last state reflects every reading
  }
  // Imported by a writable start: every reading, and the newest state by its time.
  Metrics m;
  auto s = open_ok(d, m, false);
  CHECK_FALSE(fs::exists(d.journal()));
  CHECK(all(*s, "coffee").size() == 804);
  CHECK(only_state(*s).rfind(R"({"n":799,)", 0) == 0);
  CHECK(order_json(*s, "o-1") == R"({"status":"step700"})");
}

TEST_CASE("store journal: an append cut short is taken back, so the next one is whole") {
  Dirs d;
  fs::create_directories(d.run());
  StoreJournal j(d.journal(), sqlite_store_path(d.state()));
  std::vector<Reading> first{{"coffee", 1, "level", 400}};
  std::vector<Reading> batch;
  batch.reserve(50);
  for (int i = 0; i < 50; ++i) batch.push_back({"coffee", 10.0 + i, "level", 390.0 - i});
  auto ptrs = [](const std::vector<Reading>& v) {
    std::vector<const Reading*> out;
    out.reserve(v.size());
    for (const Reading& r : v) out.push_back(&r);
    return out;
  };
  REQUIRE(j.append(ptrs(first), {}, {}).ok());
  {
    // Room for part of the batch only: the write stops inside a line.
    larder::test::OwnFileSizeLimit full(fs::file_size(d.journal()) + 100);
    REQUIRE_FALSE(j.append(ptrs(batch), {}, {}).ok());
  }
  REQUIRE(j.append(ptrs(batch), {}, {}).ok());  // as the store spills it again
  auto read = StoreJournal::read(d.journal(), sqlite_store_path(d.state()));
  REQUIRE(read.ok());
  CHECK(read->skipped_lines == 0);
  REQUIRE(read->readings.size() == 51);
  CHECK(read->readings[1].ts == 10);
}

TEST_CASE("store journal: a torn last line is skipped, a foreign file is left alone") {
  Dirs d;
  read_only_life(d);
  {
    std::ofstream out(d.journal(), std::ios::app);
    out << R"({"r":["coffee",50,"lev)";  // a write cut short
  }
  {
    Metrics m;
    auto s = open_ok(d, m, false);
    CHECK(all(*s, "coffee").size() == 4);
  }
  // A file at the journal's path written for another database is not imported nor removed.
  Dirs other;
  read_only_life(other);
  fs::create_directories(d.run());
  fs::copy_file(other.journal(), d.journal(), fs::copy_options::overwrite_existing);
  Metrics m;
  auto s = open_ok(d, m, false);
  CHECK(all(*s, "coffee").size() == 4);
  CHECK(fs::exists(d.journal()));
  auto read = StoreJournal::read(d.journal(), sqlite_store_path(d.state()));
  REQUIRE_FALSE(read.ok());
  CHECK(read.status().message().find("was written for") != std::string::npos);
}

TEST_CASE("store on a full disk: no room to open for writing, so it opens read-only and reads") {
  Dirs d;
  {
    Metrics m;
    auto s = open_ok(d, m, false);
    commit_four_levels(*s);
  }  // a clean close: no -wal, no -shm
  larder::test::OwnFileSizeLimit full(16 * kKiB);  // the -shm alone needs 32 KiB
  Metrics m;
  auto writable = open_sqlite_store(d.state(), m, d.options(false));
  CHECK_FALSE(writable.ok());
  const Status room = check_room(d.state(), 64 * kKiB);
  INFO(room.message());
  CHECK_FALSE(room.ok());
  CHECK(room.message().find(d.state()) != std::string::npos);
  CHECK(all(*open_no_room(d, m), "coffee").size() == 4);
  full.lift();
  CHECK(check_room(d.state(), 64 * kKiB).ok());
  // The probe leaves nothing behind.
  for (const auto& f : fs::directory_iterator(d.state())) {
    CHECK(f.path().filename().string().rfind(".larder-room", 0) == std::string::npos);
  }
}

TEST_CASE("store on a full disk after a crash: what the -wal holds is read without room") {
  Dirs crashed;
  {
    Metrics m;
    auto s = open_ok(crashed, m, false);
    commit_four_levels(*s);
    // The files as a crash leaves them: the readings in the -wal, the -shm beside it.
    fs::create_directories(crashed.tmp.file("copy"));
    for (const char* f : {"larder.db", "larder.db-wal", "larder.db-shm"}) {
      fs::copy_file(fs::path(crashed.state()) / f, fs::path(crashed.tmp.file("copy")) / f);
    }
  }
  fs::remove_all(crashed.state());
  fs::rename(crashed.tmp.file("copy"), crashed.state());
  REQUIRE(fs::file_size(sqlite_store_path(crashed.state()) + "-wal") > 0);

  larder::test::OwnFileSizeLimit full(16 * kKiB);  // a -shm rebuilt needs 32 KiB
  Metrics m;
  CHECK(all(*open_no_room(crashed, m), "coffee").size() == 4);
}

TEST_CASE("store journal: a first line with a field of the wrong type is refused, not thrown") {
  // Found by fuzz/state_json (fuzz/known/state_json-journal-version-string): value() threw
  // on a version that was a string, and larderd would have died at every start.
  for (const char* head : {R"({"larder_journal":"1","db":"d","id":"x"})",
                           R"({"larder_journal":[1],"db":"d","id":"x"})",
                           R"({"larder_journal":1,"db":5,"id":"x"})",
                           R"({"larder_journal":1,"db":"d","id":{}})"}) {
    std::istringstream in(std::string(head) + "\n");
    Result<JournalContents> r = StoreJournal::parse(in, "j", "d");
    INFO(head);
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().message().find("not a larder journal") != std::string::npos);
  }
}
