// Faults of the disk: full (RLIMIT_FSIZE on the running larderd, set and lifted with
// prlimit) and read-only (the state directory a read-only bind mount in larderd's own mount
// namespace). A clear error (the log, a `store_error` event, larder_store_failing), the
// daemon keeps serving what it can (MQTT state, HTTP reads), and after a full disk it
// commits what waited once there is room again, or, killed meanwhile, at its next start from
// the store's journal (docs/faults.md).
#include <doctest/doctest.h>

#include <sched.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <ctime>
#include <filesystem>
#include <functional>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "support/fault_rig.h"
#include "support/larderd.h"
#include "support/mosquitto.h"
#include "support/order_world.h"
#include "support/test_client.h"

using namespace larder::test;
using namespace std::chrono_literals;
using nlohmann::json;

namespace {

std::string level(double value, double ts) {
  return json{{"value", value}, {"unit", "g"}, {"ts", ts}}.dump();
}

std::optional<Received> event(TestClient& w, const std::string& kind) {
  return w.wait_for("larder/v1/event", 20s, [&](const Received& r) {
    return json::parse(r.payload, nullptr, false).value("kind", "") == kind;
  });
}

// Two packs bought in a shop: the state changes meaningfully at once (packs on hand), which
// a level reading alone need not (the level filter takes a sudden fall as a lift).
void buy_two_packs(TestClient& sensor, double ts) {
  sensor.publish("larder/v1/consumable/coffee/purchased", json{{"packs", 2}, {"ts", ts}}.dump());
}

bool two_packs_on_hand(const Received& r) {
  const json s = json::parse(r.payload, nullptr, false);
  return s.is_object() && s.value("on_hand", 0) == 2;
}

std::uintmax_t size_of(const std::string& path) {
  std::error_code ec;
  auto n = std::filesystem::file_size(path, ec);
  return ec ? 0 : n;
}

// No file the running larderd writes may grow any more: the write-ahead log is the first to
// need room; the log file, smaller, keeps a little so that the error can be read in it.
void fill_the_disk(LarderdProcess& daemon) {
  const std::string db = daemon.state_dir() + "/larder.db";
  const std::uintmax_t wal = size_of(db + "-wal");
  const std::uintmax_t log_size = daemon.log().size();
  MESSAGE("larder.db-wal: ", wal, " bytes, larderd's log: ", log_size, " bytes");
  REQUIRE(wal > log_size + 8192);
  REQUIRE(set_file_size_limit(daemon.pid(), log_size + 8192));
}

// The text of the store's journal in larderd's runtime directory ("" when there is none).
std::string journal_text(const LarderdProcess& daemon) {
  std::error_code ec;
  for (const auto& f : std::filesystem::directory_iterator(daemon.runtime_dir(), ec)) {
    if (f.path().extension() == ".journal") {
      std::ifstream in(f.path());
      return std::string(std::istreambuf_iterator<char>(in), {});
    }
  }
  return "";
}

// A running larderd with five coffee levels committed, a watcher subscribed to all it
// publishes, and a sensor.
struct FiveCommitted {
  MosquittoBroker broker;
  LarderdProcess daemon{broker.url(), fault_config()};
  TestClient w{broker.url()};
  TestClient sensor{broker.url()};
  const double t0 = static_cast<double>(std::time(nullptr)) - 3600;
  const std::string topic = "larder/v1/consumable/coffee/level";

  FiveCommitted() {
    daemon.start();
    wait_subscribed(daemon);
    w.connect();
    w.subscribe("larder/v1/#");
    sensor.connect();
    for (int i = 0; i < 5; ++i) sensor.publish(topic, level(900 - i, t0 + i));
    REQUIRE(wait_until([&] { return committed_levels(daemon.state_dir()).size() == 5; }, 20s));
  }

  // A store that cannot commit: a level and two packs are still taken, published and served
  // with the history the store holds. Returns the `store_error` event.
  Received takes_while_failing() {
    sensor.publish(topic, level(890, t0 + 10));
    buy_two_packs(sensor, t0 + 11);
    auto failed = event(w, "store_error");
    REQUIRE_MESSAGE(failed, daemon.log());
    MESSAGE("store_error: ", failed->payload);
    CHECK(w.wait_for("larder/v1/consumable/coffee/state", 10s, two_packs_on_hand));
    HttpAnswer a = http_request(daemon.http_port(), "GET",
                                "/api/v1/consumables/coffee?since=" + std::to_string(t0 - 10),
                                {kFaultRead});
    REQUIRE(a.status == 200);
    CHECK(json::parse(a.body)["history"].size() >= 5);
    return *failed;
  }

  // Starts the next life with no file allowed to grow beyond 16 KiB (the soft limit, which a
  // test lifts with set_file_size_limit): a disk with no room.
  void start_on_full_disk() {
    daemon.set_child_setup([] {
      rlimit full{};
      if (::getrlimit(RLIMIT_FSIZE, &full) != 0) _exit(125);
      full.rlim_cur = 16384;
      if (::setrlimit(RLIMIT_FSIZE, &full) != 0) _exit(125);
    });
    daemon.start();
    wait_subscribed(daemon);
  }

  // A disk with room again (the file size limit lifted) after a start on a full one: the
  // same process runs again, opens the store for writing and imports the journal, every
  // reading once (`n` levels in all), the packs on hand.
  void room_again(std::size_t n) {
    const pid_t pid = daemon.pid();
    REQUIRE(set_file_size_limit(pid, kNoFileSizeLimit));
    journal_saved(n);
    CHECK(daemon.pid() == pid);
    CHECK(daemon.terminate().success());
  }

  // Once the store can write again: `n` levels committed, once each, the journal imported,
  // the store no longer failing, and the two packs bought meanwhile on hand.
  void journal_saved(std::size_t n) {
    std::map<double, int> have;
    CHECK_MESSAGE(wait_until([&] {
                    have = committed_levels(daemon.state_dir());
                    return have.size() == n;
                  }, 30s),
                  daemon.log());
    CHECK(duplicates(have) == 0);
    CHECK(daemon.log().find("from the journal") != std::string::npos);
    CHECK(journal_text(daemon).empty());
    REQUIRE(wait_until([&] { return daemon_metric(daemon, "larder_store_failing") == 0; }, 10s));
    HttpAnswer a =
        http_request(daemon.http_port(), "GET", "/api/v1/consumables/coffee", {kFaultRead});
    REQUIRE(a.status == 200);
    CHECK_MESSAGE(json::parse(a.body)["on_hand"] == 2, a.body);
  }
};

}  // namespace

TEST_CASE_FIXTURE(FiveCommitted,
                  "the disk full: a clear error, MQTT and HTTP go on, what waited is saved later") {

  fill_the_disk(daemon);

  for (int i = 5; i < 10; ++i) sensor.publish(topic, level(900 - i, t0 + i));
  auto failed = event(w, "store_error");
  REQUIRE_MESSAGE(failed, daemon.log());
  const json e = json::parse(failed->payload);
  MESSAGE("store_error: ", e.dump());
  CHECK(e["reason"].get<std::string>().find("larder.db") != std::string::npos);
  CHECK(daemon_metric(daemon, "larder_store_failing") == 1);
  CHECK(daemon_metric(daemon, "larder_store_commit_errors_total") >= 1);
  CHECK(daemon.log().find("store commit failed") != std::string::npos);

  // Still serving: a new level and a purchase are taken, the purchase is published, and
  // HTTP reads answer.
  sensor.publish(topic, level(890, t0 + 10));
  buy_two_packs(sensor, t0 + 11);
  CHECK(w.wait_for("larder/v1/consumable/coffee/state", 10s, two_packs_on_hand));
  HttpAnswer a =
      http_request(daemon.http_port(), "GET", "/api/v1/consumables/coffee", {kFaultRead});
  CHECK(a.status == 200);
  CHECK_MESSAGE(json::parse(a.body)["on_hand"] == 2, a.body);
  CHECK(committed_levels(daemon.state_dir()).size() == 5);

  // Room again: the readings that waited are committed, once each.
  REQUIRE(set_file_size_limit(daemon.pid(), kNoFileSizeLimit));
  REQUIRE_MESSAGE(event(w, "store_recovered"), daemon.log());
  std::map<double, int> have;
  CHECK(wait_until([&] {
    have = committed_levels(daemon.state_dir());
    return have.size() == 11;
  }, 10s));
  CHECK(duplicates(have) == 0);
  CHECK(daemon_metric(daemon, "larder_store_failing") == 0);
  CHECK(daemon.terminate().success());
}

TEST_CASE_FIXTURE(FiveCommitted,
                  "the disk full, then larderd killed: what it took is in the journal, saved") {

  fill_the_disk(daemon);
  for (int i = 5; i < 10; ++i) sensor.publish(topic, level(900 - i, t0 + i));
  REQUIRE_MESSAGE(event(w, "store_error"), daemon.log());
  buy_two_packs(sensor, t0 + 10);
  CHECK(w.wait_for("larder/v1/consumable/coffee/state", 10s, two_packs_on_hand));
  // What it took is in the journal (synced before the next batch is read): 5 levels and the
  // purchase. Then no clean stop, no final commit.
  CHECK_MESSAGE(wait_until([&] {
                  const std::string j = journal_text(daemon);
                  return j.find("purchased") != std::string::npos;
                }, 10s),
                journal_text(daemon));
  REQUIRE(daemon.kill().signal == SIGKILL);
  CHECK(committed_levels(daemon.state_dir()).size() == 5);

  // The next life has room: it imports the journal, once, and the packs are on hand.
  daemon.start();
  wait_subscribed(daemon);
  journal_saved(10);
  // And it goes on: a new reading is committed as before.
  sensor.publish(topic, level(880, t0 + 20));
  CHECK(wait_until([&] { return committed_levels(daemon.state_dir()).size() == 11; }, 20s));
  CHECK(daemon.terminate().success());
}

TEST_CASE_FIXTURE(FiveCommitted,
                  "started on a full disk: it serves what the store holds, and nothing is lost") {
  REQUIRE(daemon.terminate().success());
  // The store's -shm alone needs 32 KiB, so the database cannot open for writing (the log
  // file stays small enough).
  start_on_full_disk();
  CHECK_MESSAGE(daemon.log().find("cannot open the store for writing") != std::string::npos,
                daemon.log());
  CHECK(daemon.log().find("has no room") != std::string::npos);
  takes_while_failing();
  room_again(6);
}

TEST_CASE_FIXTURE(FiveCommitted,
                  "killed, then started on a full disk: what its write-ahead log held is served") {
  // A crash leaves the five levels in the write-ahead log, not yet in the database file, and
  // the -shm beside it: a read-only open that ignored the log (immutable) would lose them.
  const std::string db = daemon.state_dir() + "/larder.db";
  REQUIRE(daemon.kill().signal == SIGKILL);
  MESSAGE("larder.db-wal: ", size_of(db + "-wal"), " bytes");
  REQUIRE(size_of(db + "-wal") > 0);

  start_on_full_disk();
  CHECK_MESSAGE(daemon.log().find("has no room") != std::string::npos, daemon.log());
  // The five levels are served from the -wal, with the model that learned them: from its
  // saved state, or learned again when the kill came before that state's checkpoint (which
  // of the two depends on the timing, slower under load).
  HttpAnswer a = http_request(daemon.http_port(), "GET",
                              "/api/v1/consumables/coffee?since=" + std::to_string(t0 - 10),
                              {kFaultRead});
  REQUIRE(a.status == 200);
  const json view = json::parse(a.body);
  CHECK_MESSAGE(view["history"].size() == 5, a.body);
  CHECK_MESSAGE(view["level"].is_number(), a.body);
  const bool relearned = daemon.log().find("learned again") != std::string::npos;
  const std::string how = relearned ? "learned again" : "restored from its state";
  MESSAGE("the five levels: ", how);
  takes_while_failing();
  room_again(6);
}

namespace {

// True where this test may make mount namespaces (root, not forbidden by a container).
bool can_mount() {
  try {
    ChildOptions o;
    o.argv = {"unshare", "-m", "true"};
    o.stdout_path = o.stderr_path = "/dev/null";
    ChildProcess probe(o);
    auto st = probe.wait(10s);
    return st && st->success();
  } catch (const std::exception&) {
    return false;
  }
}

// A child setup: the child's own mount namespace, in which `path` (a directory or a file)
// is a read-only bind mount of itself; the test and everything else still see it writable.
std::function<void()> read_only_bind(const std::string& path) {
  return [path] {
    if (::unshare(CLONE_NEWNS) != 0 ||
        ::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0 ||
        ::mount(path.c_str(), path.c_str(), nullptr, MS_BIND, nullptr) != 0 ||
        ::mount(nullptr, path.c_str(), nullptr, MS_REMOUNT | MS_BIND | MS_RDONLY, nullptr) != 0) {
      _exit(125);
    }
  };
}

// Makes the read-only bind mount of `dir` in the mount namespace of process `pid` writable.
bool remount_writable(pid_t pid, const std::string& dir) {
  ChildOptions o;
  o.argv = {"nsenter", "-t", std::to_string(pid), "-m", "mount", "-o", "remount,bind,rw", dir};
  ChildProcess remount(o);
  auto st = remount.wait(10s);
  return st && st->success();
}

}  // namespace

TEST_CASE_FIXTURE(FiveCommitted,
                  "the database read-only: a clear error, it serves what it holds, loses nothing") {
  if (!can_mount()) {
    MESSAGE("skipped: no mount namespaces here (needs root: unshare -m)");
    return;
  }
  REQUIRE(daemon.terminate().success());

  // The next life sees its state directory as a read-only mount (its own namespace: the
  // test and everything else still see it writable).
  const std::string dir = daemon.state_dir();
  daemon.set_child_setup(read_only_bind(dir));
  daemon.start();
  wait_subscribed(daemon);
  CHECK(daemon.log().find("read-only file system") != std::string::npos);

  // It serves what the store holds, takes a new reading, and says it cannot save it.
  const Received failed = takes_while_failing();
  CHECK(json::parse(failed.payload)["reason"].get<std::string>().find("read") !=
        std::string::npos);
  CHECK(daemon_metric(daemon, "larder_store_failing") == 1);
  // Stopping with readings it could not commit says so; they wait in the journal, in its
  // runtime directory, so the stop loses nothing and is not a failure.
  ExitStatus st = daemon.terminate();
  CHECK_MESSAGE(st.success(), (st.describe() + "; its log:\n" + daemon.log()));
  CHECK(daemon.log().find("final store commit failed") != std::string::npos);
  CHECK(daemon.log().find("wait in the journal") != std::string::npos);
  CHECK(std::filesystem::exists(daemon.runtime_dir()));

  // Started again while still read-only: what the journal holds stays there, and a reading
  // taken now joins it.
  daemon.start();
  wait_subscribed(daemon);
  sensor.publish(topic, level(889, t0 + 12));
  REQUIRE_MESSAGE(event(w, "store_error"), daemon.log());
  CHECK(committed_levels(daemon.state_dir()).size() == 5);

  // The directory writable again, as larderd sees it (its mount made read-write in its own
  // namespace): the same process stops and runs again, which opens the store for writing and
  // imports the journal, every reading once; the packs bought while read-only are on hand.
  const pid_t pid = daemon.pid();
  REQUIRE(remount_writable(pid, dir));
  journal_saved(7);
  CHECK(daemon.log().find("is writable again") != std::string::npos);
  CHECK(daemon.running());
  CHECK(daemon.pid() == pid);
  // To systemd, a reload: RELOADING, then READY from the new run (once it serves again:
  // the import comes before), and no STOPPING between.
  std::vector<std::string> told;   // notifications() hands each one out once
  std::vector<std::string> after;  // what came after the last RELOADING, newest first
  CHECK(wait_until([&] {
    for (std::string& n : daemon.notifications()) told.push_back(std::move(n));
    const auto reloading = std::find(told.rbegin(), told.rend(), "RELOADING=1");
    after.assign(told.rbegin(), reloading);
    return reloading != told.rend() && std::count(after.begin(), after.end(), "READY=1") == 1;
  }, 10s));
  CHECK(std::count(after.begin(), after.end(), "STOPPING=1") == 0);
  // It goes on committing, and its next stop leaves no journal.
  sensor.publish(topic, level(888, t0 + 13));
  CHECK(wait_until([&] { return committed_levels(daemon.state_dir()).size() == 8; }, 20s));
  ExitStatus last = daemon.terminate();
  CHECK_MESSAGE(last.success(), (last.describe() + "; its log:\n" + daemon.log()));
  // And the journal is not imported twice.
  daemon.set_child_setup(nullptr);
  daemon.start();
  CHECK(committed_levels(daemon.state_dir()).size() == 8);
  CHECK(daemon.terminate().success());
}

TEST_CASE_FIXTURE(FiveCommitted,
                  "the database file read-only in a writable directory: it serves, loses nothing") {
  // An audit (2026-12-05): larderd exited at start ("attempt to write a readonly
  // database") when only the file could not be written; a read-only directory was served.
  if (!can_mount()) {
    MESSAGE("skipped: no mount namespaces here (needs root: unshare -m)");
    return;
  }
  REQUIRE(daemon.terminate().success());
  const std::string file = daemon.state_dir() + "/larder.db";
  daemon.set_child_setup(read_only_bind(file));
  daemon.start();
  wait_subscribed(daemon);
  CHECK(daemon.log().find("larder.db cannot be written (Read-only file system)") !=
        std::string::npos);
  takes_while_failing();
  CHECK(daemon_metric(daemon, "larder_store_failing") == 1);

  // The file writable again, as larderd sees it: the same process runs again, opens the
  // store for writing and imports what waited, every reading once.
  const pid_t pid = daemon.pid();
  REQUIRE(remount_writable(pid, file));
  journal_saved(6);
  CHECK(daemon.log().find("is writable again") != std::string::npos);
  CHECK(daemon.pid() == pid);
  daemon.set_child_setup(nullptr);
  CHECK(daemon.terminate().success());
}
