// larderctl audit end to end: a real SQLite state directory written the way larderd writes
// it (the main store, then the grant store, a GrantBook with OpenSSL's random source and
// crypto), then the built larderctl as a child process reading it read-only while the
// writer's connection is still open, as when the daemon runs.
#include <doctest/doctest.h>

#include <SQLiteCpp/SQLiteCpp.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "adapters/crypto/grant_crypto.h"
#include "adapters/crypto/os_random.h"
#include "adapters/store/sqlite_grants.h"
#include "adapters/store/sqlite_store.h"
#include "grants/grant_book.h"
#include "larder/metrics.h"
#include "support/larderctl_run.h"
#include "support/process.h"
#include "support/tempdir.h"

using namespace larder;
using namespace larder::test;
using nlohmann::json;
using namespace std::chrono_literals;

namespace {

constexpr double kT0 = 1764496800;  // 2025-11-30T10:00:00Z, 11:00 in Berlin

std::string config_text(const std::string& state_dir) {
  return "mqtt:\n  url: tcp://127.0.0.1:1883\nstate_dir: " + state_dir +
         "\nhttp:\n  listen: 127.0.0.1:8080\n  admin_token: test-admin-token-0123456789\n"
         "household:\n  timezone: Europe/Berlin\n"
         "consumables:\n  coffee:\n    unit: g\n    capacity: 1000\n"
         "    pack: {sku: COFFEE-500, size: 500}\n";
}

// A state directory with a grant store, as larderd opens it, and a GrantBook on it that
// has issued a grant, been refused three ways and revoked it.
struct GrantState {
  TempDir dir{"larderctl-audit-"};
  std::string state_dir = dir.file("state");
  std::string config;
  Metrics metrics;
  std::unique_ptr<Store> store;
  std::unique_ptr<grants::GrantStore> grant_store;
  OsRandom random;
  OpenSslGrantCrypto crypto;
  std::unique_ptr<grants::GrantBook> book;
  std::string code;
  std::vector<grants::AuditEntry> entries;

  GrantState() {
    config = dir.write("larder.yaml", config_text(state_dir));
    auto s = open_sqlite_store(state_dir, metrics);
    REQUIRE_MESSAGE(s.ok(), s.status().message());
    store = std::move(s.value());
    auto g = open_sqlite_grant_store(state_dir);
    REQUIRE_MESSAGE(g.ok(), g.status().message());
    grant_store = std::move(g.value());
    book = std::make_unique<grants::GrantBook>(*grant_store, random, crypto);
    REQUIRE(book->restore().ok());

    grants::Effects fx;
    delivery::Place home{"home", {52.52, 13.405}, 200};
    auto issued = book->issue("coffee-1", "family-car", {kT0 + 3600, kT0 + 7200}, home, kT0, fx);
    REQUIRE_MESSAGE(issued.ok(), issued.status().message());
    code = issued->code;
    CHECK(book->view("coffee-1", "not-the-code", kT0 + 10, fx).verdict ==
          grants::Verdict::wrong_code);
    // Not audited: no grant (anyone can ask, docs/delivery.md).
    CHECK(book->view("no-grant", code, kT0 + 20, fx).verdict == grants::Verdict::no_grant);
    CHECK(book->view("coffee-1", "outside", kT0 + 30, fx).verdict ==
          grants::Verdict::wrong_code);
    CHECK(book->unlock("coffee-1", code, kT0 + 3700, std::nullopt, fx).verdict ==
          grants::Verdict::car_unknown);
    CHECK(book->revoke("coffee-1", "user", kT0 + 3800, fx));
    REQUIRE(fx.store_error.ok());
    auto report = book->audit();
    REQUIRE(report.ok());
    REQUIRE(report->check.ok);
    entries = report->entries;
    REQUIRE(entries.size() == 5);
  }

  // Changes the database behind the book's back, the way only someone with write access
  // to the file could: the append-only triggers must go first.
  void tamper(const std::string& sql) {
    SQLite::Database db(sqlite_store_path(state_dir), SQLite::OPEN_READWRITE);
    db.exec(sql);
  }
};

}  // namespace

TEST_CASE("larderctl audit prints the log in local time and verifies its chain") {
  GrantState st;
  auto r = larderctl({"audit", "--config", st.config});
  INFO(r.out, r.err);
  CHECK(r.status.code == 0);
  for (const char* word : {"issued", "refused", "wrong_code", "car_unknown",
                           "revoked", "user", "coffee-1", "family-car"}) {
    CHECK_MESSAGE(r.out.find(word) != std::string::npos, word);
  }
  CHECK(r.out.find("TIME (Europe/Berlin)") != std::string::npos);
  CHECK(r.out.find("2025-11-30T11:00:00+01:00") != std::string::npos);  // the issue
  for (const auto& e : st.entries) {
    CHECK(r.out.find(e.hash.substr(0, 12)) != std::string::npos);
    CHECK(r.out.find(e.hash) == std::string::npos);  // only the first 12 hex
  }
  CHECK(r.out.find(st.code) == std::string::npos);
  // The last line.
  CHECK(r.out.size() >= 27);
  CHECK(r.out.substr(r.out.rfind('\n', r.out.size() - 2) + 1) == "chain verified: 5 entries\n");
  CHECK(r.err.empty());

  // --since shows the entries after a seq; the whole chain is still verified.
  auto since = larderctl({"audit", "--config", st.config, "--since", "3"});
  CHECK(since.status.code == 0);
  CHECK(since.out.find("wrong_code") == std::string::npos);  // seq 2
  CHECK(since.out.find("car_unknown") != std::string::npos);  // seq 4
  CHECK(since.out.find("chain verified: 5 entries") != std::string::npos);
}

TEST_CASE("larderctl audit --json prints one object with the entries and the verification") {
  GrantState st;
  auto r = larderctl({"audit", "--json", "--config", st.config, "--since", "1"});
  INFO(r.out, r.err);
  REQUIRE(r.status.code == 0);
  json j = json::parse(r.out);  // one JSON object, nothing else on stdout
  REQUIRE(j["entries"].size() == 4);
  CHECK(j["entries"][0]["seq"] == 2);
  CHECK(j["entries"][0]["event"] == "refused");
  CHECK(j["entries"][0]["detail"] == st.entries[1].detail);
  CHECK(j["entries"][0]["hash"] == st.entries[1].hash);
  CHECK(j["entries"][0]["prev_hash"] == st.entries[0].hash);
  CHECK(j["entries"][3]["event"] == "revoked");
  CHECK(j["entries"][3]["time"] == "2025-11-30T12:03:20+01:00");
  CHECK(j["verified"]["ok"] == true);
  CHECK(j["verified"]["checked"] == 5);
  CHECK_FALSE(j["verified"].contains("first_bad_seq"));
}

TEST_CASE("larderctl audit finds an entry changed in the database: exit 1, BROKEN at its seq") {
  GrantState st;
  st.tamper("DROP TRIGGER grant_audit_no_update;"
            "UPDATE grant_audit SET detail = 'ok' WHERE seq = 2");
  auto r = larderctl({"audit", "--config", st.config});
  INFO(r.out, r.err);
  CHECK(r.status.code == 1);
  CHECK(r.out.find("chain BROKEN at seq 2: its hash does not match its content\n") !=
        std::string::npos);
  CHECK(r.out.find("chain verified") == std::string::npos);
  // The entries are still shown, the changed one as it now reads.
  CHECK(r.out.find("revoked") != std::string::npos);

  auto j = larderctl({"audit", "--config", st.config, "--json"});
  CHECK(j.status.code == 1);
  json v = json::parse(j.out)["verified"];
  CHECK(v["ok"] == false);
  CHECK(v["checked"] == 1);
  CHECK(v["first_bad_seq"] == 2);
}

TEST_CASE("larderctl audit finds an entry removed from the middle of the log") {
  GrantState st;
  st.tamper("DROP TRIGGER grant_audit_no_delete; DELETE FROM grant_audit WHERE seq = 3");
  auto r = larderctl({"audit", "--config", st.config});
  INFO(r.out, r.err);
  CHECK(r.status.code == 1);
  CHECK(r.out.find("chain BROKEN at seq 4: expected seq 3 after 2") != std::string::npos);
}

TEST_CASE("larderctl audit refuses bad arguments with the usage line and exit 2") {
  GrantState st;
  const std::vector<std::vector<std::string>> bad = {
      {"audit"},
      {"audit", "--config"},
      {"audit", "--config", st.config, "--bogus"},
      {"audit", "--config", st.config, "extra"},
      {"audit", "--config", st.config, "--since", "-1"},
      {"audit", "--config", st.config, "--since", "3x"},
      {"audit", "--config", st.config, "--config", st.config},
  };
  for (const auto& args : bad) {
    auto r = larderctl(args);
    INFO(args.size(), " ", args.back(), ": ", r.err);
    CHECK(r.status.code == 2);
    CHECK(r.out.empty());
    CHECK(r.err.find("usage: larderctl audit --config FILE") != std::string::npos);
  }
}

TEST_CASE("larderctl audit names the file it cannot use and creates nothing: exit 2") {
  TempDir dir("larderctl-audit-");
  // No configuration file.
  auto missing = larderctl({"audit", "--config", dir.file("nope.yaml")});
  CHECK(missing.status.code == 2);
  CHECK(missing.err.find(dir.file("nope.yaml")) != std::string::npos);

  // A valid configuration whose state directory holds no database.
  const std::string state_dir = dir.file("state");
  std::filesystem::create_directory(state_dir);
  const std::string config = dir.write("larder.yaml", config_text(state_dir));
  auto r = larderctl({"audit", "--config", config});
  INFO(r.err);
  CHECK(r.status.code == 2);
  CHECK(r.out.empty());
  CHECK(r.err.find(sqlite_store_path(state_dir)) != std::string::npos);
  CHECK_FALSE(std::filesystem::exists(sqlite_store_path(state_dir)));

  // A database from before the grants (schema version 2 only): refused, left as it was.
  Metrics metrics;
  std::vector<SqliteMigration> old(sqlite_migrations().begin(), sqlite_migrations().begin() + 2);
  SqliteStoreOptions o;
  o.migrations = &old;
  CHECK_FALSE(open_sqlite_store(state_dir, metrics, o).ok());  // leaves a version 2 database
  auto old_db = larderctl({"audit", "--config", config});
  CHECK(old_db.status.code == 2);
  CHECK(old_db.err.find("lacks schema version 3") != std::string::npos);
  auto info = inspect_sqlite_store(state_dir);
  REQUIRE(info.ok());
  CHECK(info->schema_version == 2);
}
