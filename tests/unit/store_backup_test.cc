// larderctl backup and restore underneath (adapters/store/sqlite_backup.h): a consistent
// copy of a database that is being written, the checks of a copy, and putting one back.
#include <doctest/doctest.h>

#include <atomic>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <SQLiteCpp/SQLiteCpp.h>
#include <sys/stat.h>
#include <unistd.h>

#include "adapters/fs/lock_file.h"
#include "adapters/store/sqlite_backup.h"
#include "adapters/store/sqlite_store.h"
#include "larder/metrics.h"
#include "larder/store.h"
#include "support/tempdir.h"

namespace fs = std::filesystem;
using namespace larder;
using larder::test::TempDir;

namespace {

std::unique_ptr<Store> open_store(const std::string& dir, Metrics& m) {
  auto r = open_sqlite_store(dir, m);
  INFO(r.status().message());
  REQUIRE(r.ok());
  return std::move(r).value();
}

void fill(const std::string& dir, int n) {
  Metrics m;
  auto store = open_store(dir, m);
  for (int i = 0; i < n; ++i) store->append(Reading{"coffee", 1000.0 + i, "level", 900.0 - i});
  store->put_state("coffee", "{\"n\":" + std::to_string(n) + "}", 1000.0 + n);
  REQUIRE(store->flush().ok());
  REQUIRE(store->save_order(StoredOrder{"o-1", "{}", false, 5}).ok());
}

std::int64_t scalar(const std::string& db, const std::string& sql) {
  SQLite::Database d(db, SQLite::OPEN_READONLY);
  return d.execAndGet(sql).getInt64();
}

}  // namespace

TEST_CASE("backup: a copy of the database, refused over an existing file unless told") {
  TempDir dir;
  fill(dir.file("state"), 100);
  const std::string dest = dir.file("copy.db");
  auto b = sqlite_backup(dir.file("state"), dest, false);
  INFO(b.status().message());
  REQUIRE(b.ok());
  CHECK(b->schema_version == sqlite_migrations().back().version);
  CHECK(b->bytes == static_cast<std::int64_t>(fs::file_size(dest)));
  CHECK(scalar(dest, "SELECT count(*) FROM readings") == 100);
  CHECK(scalar(dest, "SELECT count(*) FROM orders") == 1);
  CHECK(!fs::exists(dest + "-wal"));  // one file
  auto version = check_larder_database(dest);
  CHECK(version.ok());

  auto again = sqlite_backup(dir.file("state"), dest, false);
  REQUIRE_FALSE(again.ok());
  CHECK(again.status().message().find("--force") != std::string::npos);
  fill(dir.file("state"), 10);  // more rows
  auto forced = sqlite_backup(dir.file("state"), dest, true);
  REQUIRE(forced.ok());
  CHECK(scalar(dest, "SELECT count(*) FROM readings") == 110);
  // No temporary file is left behind.
  int files = 0;
  for (const auto& e : fs::directory_iterator(dir.path())) files += e.is_regular_file() ? 1 : 0;
  CHECK(files == 1);
}

TEST_CASE("backup: never onto the live store's own files, nor where it cannot be written") {
  TempDir dir;
  const std::string state = dir.file("state");
  fill(state, 20);
  const std::string db = sqlite_store_path(state);
  Metrics m;
  auto store = open_store(state, m);  // as a running larderd holds it
  fs::create_symlink(db, dir.file("link.db"));
  fs::create_hard_link(db, dir.file("hard.db"));
  for (const std::string& dest :
       {db, db + "-wal", db + "-shm", state + "/larderd.lock", state + "/./larder.db",
        dir.file("link.db"), dir.file("hard.db")}) {
    CAPTURE(dest);
    auto refused = sqlite_backup(state, dest, true);
    REQUIRE_FALSE(refused.ok());
    CHECK(refused.status().message().find("a file of the live store") != std::string::npos);
  }
  for (const auto& [dest, says] : std::vector<std::pair<std::string, std::string>>{
           {"", "an empty name"},
           {dir.file("sub/"), "names a directory"},
           {dir.path(), "is a directory"},
           {dir.file("none/b.db"), "cannot write " + dir.file("none/b.db") + ": " +
                                       dir.file("none") + " does not exist"},
           {db + "/b.db", db + " is not a directory"}}) {
    CAPTURE(dest);
    auto refused = sqlite_backup(state, dest, true);
    REQUIRE_FALSE(refused.ok());
    CHECK(refused.status().message().find(says) != std::string::npos);
  }
  // The live store lost nothing: what it commits now is in the file it writes to.
  for (int i = 0; i < 5; ++i) store->append(Reading{"coffee", 5000.0 + i, "level", 10.0});
  REQUIRE(store->flush().ok());
  CHECK(scalar(db, "SELECT count(*) FROM readings") == 25);
  CHECK(check_backup_target(state, dir.file("elsewhere.db")).ok());
}

TEST_CASE("backup: a copy taken while another connection commits is one consistent moment") {
  TempDir dir;
  fill(dir.file("state"), 10);
  std::atomic<bool> stop{false};
  std::atomic<int> commits{0};
  std::thread writer([&] {
    Metrics m;
    auto store = open_sqlite_store(dir.file("state"), m);
    if (!store.ok()) return;
    for (int i = 0; !stop; ++i) {
      for (int k = 0; k < 50; ++k) (*store)->append(Reading{"coffee", 5000.0 + i * 50 + k, "level", 1});
      (*store)->put_state("coffee", "{}", 5000.0 + i);
      if ((*store)->flush().ok()) ++commits;
    }
  });
  while (commits < 20) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  for (int round = 0; round < 3; ++round) {
    const std::string dest = dir.file("copy" + std::to_string(round) + ".db");
    auto b = sqlite_backup(dir.file("state"), dest, false);
    INFO(b.status().message());
    REQUIRE(b.ok());
    // A prefix of the appended readings (none is deleted here), and the state with them.
    const std::int64_t n = scalar(dest, "SELECT count(*) FROM readings");
    CHECK(n == scalar(dest, "SELECT MAX(rowid) FROM readings"));
    CHECK(scalar(dest, "SELECT through_reading FROM consumable_state") == n);
  }
  stop = true;
  writer.join();
}

TEST_CASE("backup: what is not a Larder database this binary knows is refused") {
  TempDir dir;
  CHECK(check_larder_database(dir.file("none.db")).status().message().find("does not exist") !=
        std::string::npos);
  const std::string junk = dir.write("junk.db", std::string(8192, 'x'));
  CHECK_FALSE(check_larder_database(junk).ok());
  {
    SQLite::Database d(dir.file("other.db"), SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    d.exec("CREATE TABLE t (x)");
  }
  CHECK(check_larder_database(dir.file("other.db")).status().message().find("not a Larder") !=
        std::string::npos);
  fill(dir.file("state"), 3);
  REQUIRE(sqlite_backup(dir.file("state"), dir.file("future.db"), false).ok());
  {
    SQLite::Database d(dir.file("future.db"), SQLite::OPEN_READWRITE);
    d.exec("INSERT INTO schema_migrations VALUES (99, 'x', 0)");
  }
  CHECK(check_larder_database(dir.file("future.db")).status().message().find("newer") !=
        std::string::npos);
}

TEST_CASE("restore as root: the restored database keeps the owner of the one it replaces") {
  if (::geteuid() != 0) {
    MESSAGE("skipped: only root can give a file away (CI runs as root)");
    return;
  }
  TempDir dir;
  fill(dir.file("a"), 5);
  REQUIRE(sqlite_backup(dir.file("a"), dir.file("a.db"), false).ok());
  // The state directory of a service user (65534, nobody), its database that user's.
  fill(dir.file("svc"), 3);
  const std::string db = sqlite_store_path(dir.file("svc"));
  REQUIRE(::chown(dir.file("svc").c_str(), 65534, 65534) == 0);
  REQUIRE(::chown(db.c_str(), 65534, 65534) == 0);
  auto r = sqlite_restore(dir.file("a.db"), dir.file("svc"));
  INFO(r.status().message());
  REQUIRE(r.ok());
  struct stat st {};
  REQUIRE(::stat(db.c_str(), &st) == 0);
  CHECK(st.st_uid == 65534);
  CHECK(st.st_gid == 65534);
  CHECK(scalar(db, "SELECT count(*) FROM readings") == 5);
  // Into an empty state directory: the directory's owner.
  const std::string fresh = dir.file("fresh");
  fs::create_directories(fresh);
  REQUIRE(::chown(fresh.c_str(), 65534, 65534) == 0);
  REQUIRE(sqlite_restore(dir.file("a.db"), fresh).ok());
  REQUIRE(::stat(sqlite_store_path(fresh).c_str(), &st) == 0);
  CHECK(st.st_uid == 65534);
}

TEST_CASE("restore: refused while larderd holds the state directory, then the copy replaces the database and the old one is kept") {
  TempDir dir;
  fill(dir.file("a"), 50);
  REQUIRE(sqlite_backup(dir.file("a"), dir.file("a.db"), false).ok());
  fill(dir.file("b"), 7);
  const std::string db = sqlite_store_path(dir.file("b"));
  {
    auto lock = LockFile::acquire(dir.file("b"));
    REQUIRE(lock.ok());
    auto refused = sqlite_restore(dir.file("a.db"), dir.file("b"));
    REQUIRE_FALSE(refused.ok());
    CHECK(refused.status().message().find("stop larderd") != std::string::npos);
    CHECK(scalar(db, "SELECT count(*) FROM readings") == 7);
  }
  auto bad = sqlite_restore(dir.file("nothing.db"), dir.file("b"));
  CHECK_FALSE(bad.ok());
  CHECK(scalar(db, "SELECT count(*) FROM readings") == 7);

  auto r = sqlite_restore(dir.file("a.db"), dir.file("b"));
  INFO(r.status().message());
  REQUIRE(r.ok());
  CHECK(scalar(db, "SELECT count(*) FROM readings") == 50);
  REQUIRE_FALSE(r->aside.empty());
  CHECK(scalar(r->aside, "SELECT count(*) FROM readings") == 7);
  CHECK(!fs::exists(db + ".restore-tmp"));
  // The store opens it as its own, and it is in WAL mode again.
  Metrics m;
  auto store = open_store(dir.file("b"), m);
  auto states = store->load_states();
  REQUIRE(states.ok());
  REQUIRE(states->size() == 1);
  CHECK((*states)[0].json == "{\"n\":50}");

  // Restored again within the same second: the old database kept before is kept too. (The
  // names of this second and the next two are taken, so the clock cannot dodge the case.)
  store.reset();
  const std::time_t now = std::time(nullptr);
  for (std::time_t t = now; t <= now + 2; ++t) {
    std::tm tm{};
    gmtime_r(&t, &tm);
    char stamp[32];
    std::strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", &tm);
    std::ofstream(db + ".before-restore-" + stamp) << "taken";
  }
  auto again = sqlite_restore(dir.file("a.db"), dir.file("b"));
  INFO(again.status().message());
  REQUIRE(again.ok());
  CHECK(again->aside.substr(again->aside.size() - 2) == "-2");
  CHECK(scalar(again->aside, "SELECT count(*) FROM readings") == 50);
  CHECK(scalar(db, "SELECT count(*) FROM readings") == 50);

  // Into a state directory that does not exist yet: nothing to keep aside.
  auto fresh = sqlite_restore(dir.file("a.db"), dir.file("fresh/state"));
  REQUIRE(fresh.ok());
  CHECK(fresh->aside.empty());
  CHECK(scalar(sqlite_store_path(dir.file("fresh/state")), "SELECT count(*) FROM readings") == 50);
}
