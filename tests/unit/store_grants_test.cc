// The grant store on SQLite (adapters/store/sqlite_grants.h) in a real database file:
// migration 3 on a fresh directory, the round trip of grants and audit entries, the
// triggers that keep the audit log append-only, no code in the file's bytes (nor in its
// WAL), a read-only open, and a GrantBook on it across a restart and against tampering.
#include <doctest/doctest.h>

#include <cmath>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <SQLiteCpp/SQLiteCpp.h>

#include "adapters/crypto/grant_crypto.h"
#include "adapters/crypto/os_random.h"
#include "adapters/store/sqlite_grants.h"
#include "adapters/store/sqlite_store.h"
#include "grants/grant_book.h"
#include "larder/metrics.h"
#include "support/tempdir.h"

namespace fs = std::filesystem;
using namespace larder;
using namespace larder::grants;
using larder::test::TempDir;

namespace {

constexpr double kT0 = 1767571200;  // 2026-01-05 00:00 UTC
const orders::Window kWindow{kT0 + 3600, kT0 + 7200};
constexpr double kIn = kT0 + 4000;
const delivery::Place kHome{"home", {48.1371, 11.5754}, 200};
const VehicleNow kParked{kHome.at, 10, false, kIn};

// The daemon's order of things: the main store opens (and migrates) the file first.
struct Db {
  TempDir dir{"larder-grants-"};
  Metrics metrics;
  std::unique_ptr<Store> main;
  Db() {
    auto s = open_sqlite_store(dir.path(), metrics);
    INFO(s.status().message());
    REQUIRE(s.ok());
    main = std::move(s).value();
  }
  std::unique_ptr<GrantStore> grants(bool read_only = false) {
    auto s = open_sqlite_grant_store(dir.path(), {read_only});
    INFO(s.status().message());
    REQUIRE(s.ok());
    return std::move(s).value();
  }
  std::string path() const { return sqlite_store_path(dir.path()); }
  // Every byte SQLite keeps for the database: the file and its write-ahead log.
  std::string bytes() const {
    return test::read_file(path()) + test::read_file(path() + "-wal");
  }
  long long count(const std::string& table) const {
    SQLite::Database db(path(), SQLite::OPEN_READONLY);
    return db.execAndGet("SELECT count(*) FROM " + table).getInt64();
  }
};

Grant sample(const std::string& id, const std::string& order) {
  Grant g;
  g.id = id;
  g.order_id = order;
  g.vehicle = "family-car";
  g.window = kWindow;
  g.place = kHome;
  g.code_hash = std::string(64, 'a');
  g.issued_at = kT0;
  g.updated = kT0;
  return g;
}

std::vector<AuditEntry> chain(GrantCrypto& crypto, int n) {
  AuditHead head;
  std::vector<AuditEntry> out;
  for (int i = 0; i < n; ++i) {
    AuditEntry e;
    e.ts = kT0 + i + 0.125;
    e.event = i == 0 ? "issued" : "refused";
    e.grant_id = std::string(32, 'b');
    e.order_id = "coffee-1";
    e.vehicle = "family-car";
    e.detail = "wrong_code (" + std::to_string(i) + " of 5)";
    REQUIRE(chain_next(head, e, crypto));
    out.push_back(e);
  }
  return out;
}

}  // namespace

TEST_CASE("migration 3 makes the grant tables on a fresh directory") {
  Db db;
  auto info = inspect_sqlite_store(db.dir.path());
  REQUIRE(info.ok());
  CHECK(info->schema_version >= 3);
  REQUIRE(info->applied.size() >= 3);
  CHECK(info->applied[2].first == 3);
  SQLite::Database raw(db.path(), SQLite::OPEN_READONLY);
  CHECK(raw.tableExists("grants"));
  CHECK(raw.tableExists("grant_audit"));
  CHECK(raw.execAndGet("SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND "
                       "tbl_name = 'grant_audit'")
            .getInt() == 3);
  CHECK(db.grants() != nullptr);
}

TEST_CASE("the grant store refuses a missing file and one without migration 3") {
  TempDir empty;
  auto missing = open_sqlite_grant_store(empty.path());
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.status().message().find(sqlite_store_path(empty.path())) != std::string::npos);
  CHECK_FALSE(fs::exists(sqlite_store_path(empty.path())));  // nothing was created

  TempDir old;
  Metrics m;
  std::vector<SqliteMigration> two(sqlite_migrations().begin(), sqlite_migrations().begin() + 2);
  SqliteStoreOptions o;
  o.migrations = &two;
  CHECK_FALSE(open_sqlite_store(old.path(), m, o).ok());  // leaves a version 2 database
  auto r = open_sqlite_grant_store(old.path());
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().message().find("schema version 3") != std::string::npos);
  CHECK_FALSE(open_sqlite_grant_store(old.path(), {true}).ok());

  TempDir junk;
  junk.write("larder.db", std::string(4096, 'x'));
  CHECK_FALSE(open_sqlite_grant_store(junk.path()).ok());
}

TEST_CASE("grants and audit entries go in and come back unchanged") {
  Db db;
  OpenSslGrantCrypto crypto;
  const auto entries = chain(crypto, 5);
  Grant a = sample(std::string(32, '1'), "coffee-1");
  Grant b = sample(std::string(32, '2'), "tea-1");
  b.state = State::closed;
  b.unlocked_at = kIn;
  b.opened_at = kIn + 1.5;
  b.closed_at = kIn + 30;
  b.wrong_codes = 3;
  b.lock_sent = true;
  {
    auto s = db.grants();
    REQUIRE(s->save_grant(a).ok());
    REQUIRE(s->save_grant(b).ok());
    a.state = State::revoked;
    a.end_reason = "user";
    a.updated = kT0 + 9;
    REQUIRE(s->save_grant(a).ok());  // replaces
    for (const AuditEntry& e : entries) REQUIRE(s->append_audit(e).ok());
    Grant nan = a;
    nan.updated = std::nan("");
    CHECK_FALSE(s->save_grant(nan).ok());
  }
  auto s = db.grants();  // a new connection: what was committed is there
  auto grants = s->load_grants();
  REQUIRE(grants.ok());
  REQUIRE(grants->size() == 2);
  CHECK(grant_json((*grants)[0]) == grant_json(a));
  CHECK(grant_json((*grants)[1]) == grant_json(b));
  CHECK(db.count("grants") == 2);

  auto all = s->load_audit(0, 100);
  REQUIRE(all.ok());
  REQUIRE(all->size() == entries.size());
  for (std::size_t i = 0; i < entries.size(); ++i) {
    CHECK(audit_canonical((*all)[i]) == audit_canonical(entries[i]));
    CHECK((*all)[i].prev_hash == entries[i].prev_hash);
    CHECK((*all)[i].hash == entries[i].hash);
  }
  CHECK(verify_audit(*all, crypto).ok);
  auto page = s->load_audit(2, 2);
  REQUIRE(page.ok());
  REQUIRE(page->size() == 2);
  CHECK(page->front().seq == 3);
  CHECK(s->load_audit(0, 0)->empty());
  auto last = s->last_audit();
  REQUIRE(last.ok());
  REQUIRE(last->has_value());
  CHECK((*last)->seq == 5);

  // The database keeps the order: no gap, no repeat, no entry that does not link.
  AuditEntry next = entries.back();
  AuditHead head{next.seq, next.hash};
  REQUIRE(chain_next(head, next, crypto));
  AuditEntry gap = next;
  gap.seq += 1;
  Status refused = s->append_audit(gap);
  CHECK_FALSE(refused.ok());
  CHECK(refused.message().find("must follow") != std::string::npos);
  CHECK_FALSE(s->append_audit(entries.back()).ok());
  AuditEntry unlinked = next;
  unlinked.prev_hash = entries[2].hash;
  CHECK_FALSE(s->append_audit(unlinked).ok());
  CHECK(db.count("grant_audit") == 5);
  CHECK(s->append_audit(next).ok());
  CHECK(db.count("grant_audit") == 6);
}

TEST_CASE("ended grants are deleted from the file, all of them or none") {
  Db db;
  auto s = db.grants();
  for (char c : std::string("1234")) {
    REQUIRE(s->save_grant(sample(std::string(32, c), std::string("order-") + c)).ok());
  }
  // A delete that fails halfway (here a trigger refuses the third id) changes nothing.
  {
    SQLite::Database raw(db.path(), SQLite::OPEN_READWRITE);
    raw.exec("CREATE TRIGGER keep_three BEFORE DELETE ON grants WHEN old.grant_id = '" +
             std::string(32, '3') + "' BEGIN SELECT RAISE(ABORT, 'kept'); END");
  }
  Status refused = s->delete_grants({std::string(32, '1'), std::string(32, '3')});
  CHECK_FALSE(refused.ok());
  CHECK(refused.message().find("kept") != std::string::npos);
  CHECK(db.count("grants") == 4);
  {
    SQLite::Database raw(db.path(), SQLite::OPEN_READWRITE);
    raw.exec("DROP TRIGGER keep_three");
  }
  // An id not stored is no error; the rest stay as they were.
  REQUIRE(s->delete_grants({std::string(32, '1'), std::string(32, '3'), "gone"}).ok());
  REQUIRE(s->delete_grants({}).ok());
  auto left = db.grants()->load_grants();
  REQUIRE(left.ok());
  REQUIRE(left->size() == 2);
  CHECK((*left)[0].id == std::string(32, '2'));
  CHECK((*left)[1].id == std::string(32, '4'));
  CHECK_FALSE(db.grants(true)->delete_grants({std::string(32, '2')}).ok());
  CHECK(db.count("grants") == 2);
}

TEST_CASE("the database refuses UPDATE and DELETE of audit entries") {
  Db db;
  OpenSslGrantCrypto crypto;
  auto s = db.grants();
  for (const AuditEntry& e : chain(crypto, 3)) REQUIRE(s->append_audit(e).ok());
  SQLite::Database raw(db.path(), SQLite::OPEN_READWRITE);
  for (const char* sql : {"UPDATE grant_audit SET detail = 'ok' WHERE seq = 2",
                          "UPDATE grant_audit SET hash = prev_hash",
                          "DELETE FROM grant_audit WHERE seq = 3",
                          "DELETE FROM grant_audit"}) {
    CAPTURE(sql);
    std::string error;
    try {
      raw.exec(sql);
    } catch (const SQLite::Exception& e) {
      error = e.what();
    }
    CHECK(error.find("append-only") != std::string::npos);
  }
  auto all = s->load_audit(0, 10);
  REQUIRE(all.ok());
  CHECK(all->size() == 3);
  CHECK((*all)[1].detail == "wrong_code (1 of 5)");
  CHECK(verify_audit(*all, crypto).ok);
}

TEST_CASE("a GrantBook on SQLite: no code in the file or its WAL, and a restart keeps all") {
  Db db;
  OsRandom random;
  OpenSslGrantCrypto crypto;
  std::string code, hash;
  {
    auto store = db.grants();
    GrantBook book(*store, random, crypto);
    REQUIRE(book.restore().ok());
    Effects fx;
    auto r = book.issue("coffee-1", "family-car", kWindow, kHome, kT0, fx);
    REQUIRE(r.ok());
    code = r->code;
    hash = book.live("coffee-1")->code_hash;
    CHECK(book.view("coffee-1", code.substr(1) + "A", kIn, fx).verdict == Verdict::wrong_code);
    CHECK(book.view("coffee-1", code, kIn, fx).verdict == Verdict::ok);
    CHECK(fx.store_error.ok());

    REQUIRE(fs::exists(db.path() + "-wal"));
    const std::string bytes = db.bytes();
    CHECK(bytes.find(hash) != std::string::npos);  // the test reads where the data is
    CHECK(bytes.find(code) == std::string::npos);
    CHECK(bytes.find(code.substr(0, 16)) == std::string::npos);
  }
  {
    auto store = db.grants();
    GrantBook book(*store, random, crypto);
    REQUIRE(book.restore().ok());
    const Grant* g = book.live("coffee-1");
    REQUIRE(g);
    CHECK(g->wrong_codes == 1);
    CHECK(g->code_hash == hash);
    Effects fx;
    REQUIRE(book.unlock("coffee-1", code, kIn, kParked, fx).verdict == Verdict::ok);
    book.on_trunk("family-car", "open", kIn + 5, kIn + 5, fx);
    book.on_trunk("family-car", "locked", kIn + 60, kIn + 60, fx);
    CHECK(fx.delivered_by_trunk == std::vector<std::string>{"coffee-1"});
    CHECK(fx.store_error.ok());
    auto log = book.audit();
    REQUIRE(log.ok());
    CHECK(log->check.ok);
    CHECK(log->entries.size() == 4);  // issued, refused, used, revoked
  }
  db.main.reset();  // the last connection closes: SQLite checkpoints the WAL into the file
  const std::string bytes = db.bytes();
  CHECK(bytes.find(hash) != std::string::npos);
  CHECK(bytes.find(code) == std::string::npos);
}

TEST_CASE("a read-only grant store reads, and every write fails and changes nothing") {
  Db db;
  OsRandom random;
  OpenSslGrantCrypto crypto;
  auto rw = db.grants();
  GrantBook writer(*rw, random, crypto);
  REQUIRE(writer.restore().ok());
  Effects fx;
  auto issued = writer.issue("coffee-1", "family-car", kWindow, kHome, kT0, fx);
  REQUIRE(issued.ok());

  auto ro = db.grants(true);
  auto grants = ro->load_grants();
  REQUIRE(grants.ok());
  CHECK(grants->size() == 1);
  REQUIRE(ro->last_audit().ok());
  Status s = ro->save_grant(sample(std::string(32, '9'), "tea-1"));
  CHECK_FALSE(s.ok());
  CHECK(s.message().find("read-only") != std::string::npos);
  AuditEntry next = *ro->last_audit().value();
  AuditHead head{next.seq, next.hash};
  REQUIRE(chain_next(head, next, crypto));
  CHECK_FALSE(ro->append_audit(next).ok());

  // A book on it: nothing can be issued, and the code cannot be spent (the use could not
  // be recorded, so the trunk stays shut and the code stays good).
  GrantBook reader(*ro, random, crypto);
  REQUIRE(reader.restore().ok());
  Effects rfx;
  auto refused = reader.issue("tea-1", "family-car", kWindow, kHome, kT0, rfx);
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.status().message().find("none was issued") != std::string::npos);
  CHECK(reader.live("tea-1") == nullptr);
  CHECK(rfx.events.empty());
  auto c = reader.unlock("coffee-1", issued->code, kIn, kParked, rfx);
  CHECK(c.verdict == Verdict::unavailable);
  CHECK(rfx.commands.empty());
  CHECK_FALSE(rfx.store_error.ok());
  CHECK(reader.live("coffee-1")->state == State::issued);
  auto log = reader.audit();
  REQUIRE(log.ok());
  CHECK(log->pending == 1);  // the refusal waits for a store that can take it
  CHECK(db.count("grants") == 1);
  CHECK(db.count("grant_audit") == 1);

  Effects ok;
  CHECK(writer.unlock("coffee-1", issued->code, kIn, kParked, ok).verdict == Verdict::ok);
}

TEST_CASE("entries changed or removed in the file behind the book's back are found") {
  Db db;
  OsRandom random;
  OpenSslGrantCrypto crypto;
  auto store = db.grants();
  GrantBook book(*store, random, crypto);
  REQUIRE(book.restore().ok());
  Effects fx;
  REQUIRE(book.issue("coffee-1", "family-car", kWindow, kHome, kT0, fx).ok());
  for (int i = 0; i < 3; ++i) book.view("coffee-1", "wrong", kIn, fx);
  REQUIRE(book.audit()->check.ok);
  {
    // Whoever can write the file can drop the triggers; the chain still tells.
    SQLite::Database raw(db.path(), SQLite::OPEN_READWRITE);
    raw.exec("DROP TRIGGER grant_audit_no_update; DROP TRIGGER grant_audit_no_delete");
    raw.exec("UPDATE grant_audit SET detail = 'ok' WHERE seq = 2");
  }
  auto log = book.audit();
  REQUIRE(log.ok());
  CHECK_FALSE(log->check.ok);
  CHECK(log->check.first_bad_seq == std::optional<std::int64_t>(2));
  CHECK(log->check.checked == 1);
  CHECK(log->entries.size() == 4);  // still shown, for the record

  Db other;
  auto s2 = other.grants();
  GrantBook b2(*s2, random, crypto);
  REQUIRE(b2.restore().ok());
  REQUIRE(b2.issue("coffee-1", "family-car", kWindow, kHome, kT0, fx).ok());
  b2.view("coffee-1", "wrong", kIn, fx);
  {
    SQLite::Database raw(other.path(), SQLite::OPEN_READWRITE);
    raw.exec("DROP TRIGGER grant_audit_no_delete");
    raw.exec("DELETE FROM grant_audit WHERE seq = 2");  // the newest: the chain alone is fine
  }
  auto cut = b2.audit();
  REQUIRE(cut.ok());
  CHECK_FALSE(cut->check.ok);
  CHECK(cut->check.first_bad_seq == std::optional<std::int64_t>(2));
}
