// The MQTT adapter when a QoS 1 publish is written to a connection that is already dead:
// Paho C 1.3.12 frees that publish's topic but keeps the publish and would resend it at
// the next connect (docs/debian-traps.md). The daemon must reconnect with a new client
// and send that state again, intact. Under AddressSanitizer the old behaviour aborts.
//
// The dead connection is made exactly: the daemon talks to the broker through a TcpProxy,
// and the test shuts the daemon's socket down for writing (needs root, as CI runs), so
// its next write fails while the broker's messages still reach it.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "support/larderd.h"
#include "support/mosquitto.h"
#include "support/tcp_proxy.h"
#include "support/test_client.h"

using namespace larder::test;
using nlohmann::json;
using namespace std::chrono_literals;

namespace {
bool on_hand_is(const Received& r, int n) {
  auto j = json::parse(r.payload, nullptr, false);
  return j.is_object() && j.value("on_hand", -1) == n;
}
}  // namespace

TEST_CASE("a state written to a dead connection is sent again by a new client after the reconnect") {
  MosquittoBroker broker;
  TcpProxy proxy(broker.port());
  LarderdProcess daemon("tcp://127.0.0.1:" + std::to_string(proxy.port()));
  daemon.start();

  TestClient reader(broker.url());
  reader.connect();
  reader.subscribe("larder/v1/consumable/pods/state");
  reader.subscribe("larder/v1/status");
  // `online` follows the SUBACKs: before it, the broker would drop the device's input.
  REQUIRE(reader.wait_for_payload("larder/v1/status", "online", 10s));
  TestClient device(broker.url());
  device.connect();
  device.publish("larder/v1/consumable/pods/purchased", R"({"packs":1})");
  REQUIRE(reader.wait_for("larder/v1/consumable/pods/state", 10s,
                          [](const Received& r) { return on_hand_is(r, 1); }));

  // The daemon's next write fails; its reads still work.
  REQUIRE(shutdown_peer_writes(daemon.pid(), proxy.port()) == 1);
  // QoS 0, so that the daemon's first write is the state (QoS 1), not a PUBACK.
  device.publish("larder/v1/consumable/pods/purchased", R"({"packs":2})", 0);

  // The state reaches the broker from the new client, with its own topic.
  CHECK(reader.wait_for("larder/v1/consumable/pods/state", 15s,
                        [](const Received& r) { return on_hand_is(r, 3); }));
  CHECK(daemon.running());
  CHECK(proxy.accepted() == 2);
  const std::string log = daemon.log();
  CHECK(log.find("reconnecting with a new client") != std::string::npos);
  CHECK(log.find("mqtt: connected to") != std::string::npos);
  auto metrics = http_request(daemon.http_port(), "GET", "/metrics",
                              {"Authorization: Bearer test-read-token-0123456789"});
  CHECK(metrics.body.find("\nlarder_mqtt_clients_replaced_total 1\n") != std::string::npos);

  // And the hub works on: a later input still becomes state.
  device.publish("larder/v1/consumable/pods/purchased", R"({"packs":1})");
  CHECK(reader.wait_for("larder/v1/consumable/pods/state", 10s,
                        [](const Received& r) { return on_hand_is(r, 4); }));
}
