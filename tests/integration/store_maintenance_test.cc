// Store maintenance in the running larderd (docs/storage.md): with a short raw window and a
// timer of seconds, old levels are downsampled while readings stream in, and a larderd
// killed afterwards restores the same models (nothing a model needed was removed).
#include <doctest/doctest.h>

#include <chrono>
#include <string>

#include <nlohmann/json.hpp>

#include "support/fault_rig.h"
#include "support/larderd.h"
#include "support/mosquitto.h"

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

}  // namespace

TEST_CASE("maintenance downsamples old levels under load, and a killed larderd restores the same models") {
  MosquittoBroker broker;
  // The sensor's readings are about 2.3 days old: outside a one-day raw window.
  LarderdProcess daemon(broker.url(),
                        fault_config() + "storage:\n  raw_days: 1\n  downsample_minutes: 5\n"
                                         "  maintenance_hours: 0.0003\n"
                                         "  maintenance_delay_minutes: 0\n");
  daemon.start();
  REQUIRE(wait_until([&] {
    return daemon.log().find("connected to the MQTT broker") != std::string::npos;
  }, 10s));
  constexpr int kReadings = 3000;  // one a second of sensor time: 10 buckets of 5 minutes
  LevelPublisher sensor(broker.url(), kReadings, 200us);
  REQUIRE_MESSAGE(wait_until([&] { return sensor.done(); }, 120s, 50ms), daemon.log());
  const double last = sensor.acked_ts().back();
  REQUIRE_MESSAGE(wait_until([&] { return coffee(daemon)["updated"] == json(last); }, 60s, 50ms),
                  daemon.log());
  // A run after the last checkpoint (at most Hub::kBusySaveSeconds later) has downsampled
  // all but the readings after the saved state and the last of each bucket.
  REQUIRE_MESSAGE(wait_until([&] {
    return committed_levels(daemon.state_dir()).size() < 200;
  }, 60s, 100ms), daemon.log());
  CHECK(daemon.log().find("old levels downsampled") != std::string::npos);
  CHECK(daemon_metric(daemon, "larder_store_downsampled_total") > 2000);
  CHECK(daemon_metric(daemon, "larder_store_maintenance_runs_total") >= 1);
  const auto kept = committed_levels(daemon.state_dir());
  CHECK(kept.count(last) == 1);

  const json before = coffee(daemon);
  daemon.kill();
  daemon.start();
  const json after = coffee(daemon);
  CAPTURE(before.dump());
  CAPTURE(after.dump());
  CHECK(after["updated"] == before["updated"]);
  CHECK(after["level"] == before["level"]);
  CHECK(after["on_hand"] == before["on_hand"]);
  CHECK(after["rate_per_day"] == before["rate_per_day"]);
  CHECK(after["status"] == before["status"]);
  CHECK(daemon.terminate().success());
}
