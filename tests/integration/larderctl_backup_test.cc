// larderctl backup and restore end to end (docs/storage.md): a backup taken with the built
// larderctl while the real larderd commits a stream of QoS 1 readings, restored with
// larderctl into a fresh state directory, and a larderd started on it: once it has been
// given the readings the first one committed after the backup, it forecasts as the first
// one did. Also the refusals: restore while larderd runs, bad arguments, an existing FILE.
#include <doctest/doctest.h>
#include <sys/stat.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "adapters/store/sqlite_backup.h"
#include "adapters/store/sqlite_store.h"
#include "support/fault_rig.h"
#include "support/larderctl_run.h"
#include "support/larderd.h"
#include "support/mosquitto.h"
#include "support/tempdir.h"
#include "support/test_client.h"

using namespace larder;
using namespace larder::test;
using namespace std::chrono_literals;
using nlohmann::json;

namespace {

json coffee(const LarderdProcess& d) {
  HttpAnswer a = http_request(d.http_port(), "GET", "/api/v1/consumables/coffee", {kFaultRead});
  REQUIRE(a.status == 200);
  return json::parse(a.body);
}

void check_close(const json& a, const json& b, const char* key, double tolerance) {
  CAPTURE(key);
  CAPTURE(a.dump());
  CAPTURE(b.dump());
  REQUIRE(a.contains(key));
  REQUIRE(b.contains(key));
  if (a[key].is_null() || b[key].is_null()) {
    CHECK(a[key].is_null() == b[key].is_null());
    return;
  }
  const double x = a[key].get<double>(), y = b[key].get<double>();
  CHECK(std::fabs(x - y) <= tolerance * std::max(1.0, std::fabs(x)));
}

}  // namespace

TEST_CASE("a backup taken under load and restored: the restored hub forecasts as before") {
  MosquittoBroker broker;
  LarderdProcess first(broker.url(), fault_config());
  first.start();
  REQUIRE(wait_until([&] {
    return first.log().find("connected to the MQTT broker") != std::string::npos;
  }, 10s));
  TempDir work("larderctl-backup-");
  const std::string backup = work.file("larder-backup.db");

  constexpr int kReadings = 4000;
  LevelPublisher sensor(broker.url(), kReadings, 300us);
  REQUIRE_MESSAGE(wait_until([&] { return committed_levels(first.state_dir()).size() > 500; },
                             60s, 20ms),
                  first.log());
  // The backup, while readings keep arriving and being committed; larderctl started with
  // umask 022, as a login shell has it.
  const mode_t umask_before = ::umask(022);
  CtlRun b = larderctl({"backup", backup, "--config", first.config_path()});
  ::umask(umask_before);
  INFO("backup: " << b.out << b.err);
  REQUIRE(b.status.success());
  CHECK(b.out.find("backed up") != std::string::npos);
  // A copy of the household's data is as private as the database (umask 022 made it 0644).
  CHECK((std::filesystem::status(backup).permissions() & std::filesystem::perms::others_all) ==
        std::filesystem::perms::none);
  const bool under_load = !sensor.done();
  MESSAGE("the backup finished ", under_load ? "while" : "after", " the sensor published");

  // Refusals that change nothing: FILE exists, bad arguments, restore while larderd runs.
  CtlRun again = larderctl({"backup", backup, "--config", first.config_path()});
  CHECK(again.status.code == 2);
  CHECK(again.err.find("--force") != std::string::npos);
  CHECK(larderctl({"backup", "--config", first.config_path()}).status.code == 2);
  // Never onto the live database (a copy renamed over it would take the place of the file
  // larderd writes to), nor where nothing can be written.
  const std::string live = sqlite_store_path(first.state_dir());
  for (const auto& [dest, says] : std::vector<std::pair<std::string, std::string>>{
           {live, "a file of the live store"},
           {live + "-wal", "a file of the live store"},
           {"", "an argument is empty ('')"},
           {work.file("no-such-dir/b.db"), work.file("no-such-dir") + " does not exist"},
           {work.file("b.db/"), "names a directory"}}) {
    CtlRun r = larderctl({"backup", dest, "--config", first.config_path(), "--force"});
    INFO(dest, ": ", r.err);
    CHECK(r.status.code == 2);
    CHECK(r.err.find(says) != std::string::npos);
    CHECK(r.out.empty());
  }
  CHECK(larderctl({"backup", backup, "--config", first.config_path(), "--frobnicate"}).status.code == 2);
  CHECK(larderctl({"restore", work.file("missing.db"), "--config", first.config_path()}).status.code == 2);
  CtlRun busy = larderctl({"restore", backup, "--config", first.config_path()});
  CHECK(busy.status.code == 1);
  CHECK(busy.err.find("another larderd") != std::string::npos);
  CHECK(busy.err.find("stop larderd") != std::string::npos);

  // The load ends; the first larderd commits all of it and is stopped.
  sensor.stop();
  const auto acked = sensor.acked_ts();
  REQUIRE(!acked.empty());
  REQUIRE_MESSAGE(wait_until([&] {
    return committed_levels(first.state_dir()).count(acked.back()) > 0;
  }, 60s, 50ms), first.log());
  // The model has taken every reading once the published state says the last one.
  REQUIRE(wait_until([&] { return coffee(first)["updated"] == json(acked.back()); }, 30s));
  const json before = coffee(first);
  const std::map<double, int> all_committed = committed_levels(first.state_dir());
  REQUIRE(first.terminate().success());

  // What the backup holds: a consistent Larder database with part of the stream.
  auto version = check_larder_database(backup);
  INFO(version.status().message());
  REQUIRE(version.ok());

  // Restored into a fresh state directory, with larderctl, and a larderd started on it.
  LarderdProcess second(broker.url(), fault_config());
  CtlRun r = larderctl({"restore", backup, "--config", second.config_path()});
  INFO("restore: " << r.out << r.err);
  REQUIRE(r.status.success());
  const std::map<double, int> in_backup = committed_levels(second.state_dir());
  REQUIRE(!in_backup.empty());
  CHECK(in_backup.size() <= all_committed.size());
  for (const auto& [ts, n] : in_backup) CHECK(all_committed.count(ts) == 1);
  MESSAGE("readings in the backup: ", in_backup.size(), " of ", all_committed.size());
  second.start();
  REQUIRE(wait_until([&] {
    return second.log().find("connected to the MQTT broker") != std::string::npos;
  }, 10s));
  // It starts from the backup's moment: its last reading, not the first hub's.
  CHECK(coffee(second)["updated"].get<double>() <= in_backup.rbegin()->first);

  // The readings the first larderd committed after the backup, in order, as the sensor
  // sent them: then both hubs have seen the same stream.
  TestClient replay(broker.url());
  replay.connect();
  const double base = sensor.ts_of(0);
  int replayed = 0;
  for (const auto& [ts, n] : all_committed) {
    if (in_backup.count(ts)) continue;
    const double i = ts - base;
    replay.publish("larder/v1/consumable/coffee/level",
                   json{{"value", 950 - 0.001 * i}, {"unit", "g"}, {"ts", ts}}.dump(), 1);
    ++replayed;
  }
  MESSAGE("readings given again to the restored hub: ", replayed);
  REQUIRE_MESSAGE(wait_until([&] { return coffee(second)["updated"] == json(acked.back()); },
                             60s, 50ms),
                  second.log());
  const json after = coffee(second);
  CAPTURE(before.dump());
  CAPTURE(after.dump());
  CHECK(after["status"] == before["status"]);
  check_close(before, after, "level", 1e-9);
  check_close(before, after, "on_hand", 1e-9);
  check_close(before, after, "rate_per_day", 1e-6);
  check_close(before, after, "empty_at", 1e-6);
  CHECK(committed_levels(second.state_dir()).size() == all_committed.size());
  CHECK(second.terminate().success());
}
