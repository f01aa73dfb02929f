// Fault: the broker restarted (SIGTERM, persistence on) during a burst of QoS 1 readings.
// Loss is counted from the publisher's side: every reading the broker acknowledged must
// end up committed in larderd's store (docs/faults.md).
#include <doctest/doctest.h>

#include <chrono>
#include <thread>

#include "support/fault_rig.h"
#include "support/larderd.h"
#include "support/mosquitto.h"
#include "support/order_world.h"

using namespace larder::test;
using namespace std::chrono_literals;

TEST_CASE("the broker restarted during a QoS 1 burst: no acknowledged reading is lost") {
  MosquittoBroker broker;
  LarderdProcess daemon(broker.url(), fault_config());
  daemon.start();
  wait_subscribed(daemon);

  constexpr int kReadings = 3000;
  LevelPublisher sensor(broker.url(), kReadings);
  // Two restarts in the middle of the burst.
  for (int at : {kReadings / 3, 2 * kReadings / 3}) {
    REQUIRE_MESSAGE(wait_until([&] { return sensor.acked() >= at || sensor.done(); }, 60s),
                    "the publisher is stuck at ", sensor.acked());
    broker.restart();
  }
  REQUIRE_MESSAGE(wait_until([&] { return sensor.done(); }, 90s),
                  "published ", sensor.acked(), " of ", kReadings);
  const auto acked = sensor.acked_ts();
  REQUIRE(acked.size() == static_cast<std::size_t>(kReadings));
  std::map<double, int> have;
  const bool all = wait_until([&] {
    have = committed_levels(daemon.state_dir());
    return missing(acked, have) == 0;
  }, 60s, 100ms);
  MESSAGE("acknowledged by the broker: ", acked.size(), " (", sensor.attempts(),
          " attempts), committed: ", have.size(), ", missing: ", missing(acked, have),
          ", duplicated rows: ", duplicates(have));
  CHECK_MESSAGE(all, daemon.log());
  CHECK(duplicates(have) == 0);
  // larderd noticed both outages and came back each time.
  CHECK(daemon_metric(daemon, "larder_mqtt_reconnects_total") >= 2);
  CHECK(daemon.terminate().success());
}
