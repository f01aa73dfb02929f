// The hub's inputs beside levels: presses, voice intents, vehicles, people, and how a refusal
// is counted. QoS 1 may deliver a message twice; a device the configuration does not name
// is refused.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "support/hub_fixture.h"

using namespace larder;
using larder::test::HubFixture;

TEST_CASE_FIXTURE(HubFixture, "a press delivered twice opens one pack, not two") {
  send("consumable/pods/purchased", R"({"packs":5,"ts":1764460700})");
  send("button/pod_box/press", R"({"action":"long","ts":1764460790})");
  send("button/pod_box/press", R"({"action":"double","ts":1764460791})");  // does nothing
  // After a reconnect the broker resends both: neither counts again.
  send("button/pod_box/press", R"({"action":"long","ts":1764460790})");
  send("button/pod_box/press", R"({"action":"double","ts":1764460791})");
  CHECK(hub.consumable("pods")->on_hand == 4);
  CHECK(metrics.get("larder_messages_ignored_total", {{"reason", "duplicate"}}) == 2);
  CHECK(metrics.get("larder_messages_received_total", {{"kind", "press"}}) == 2);
  // Another press (another time) is another pack; without ts two presses are two.
  send("button/pod_box/press", R"({"action":"long","ts":1764460795})");
  send("button/pod_box/press", R"({"action":"long"})");
  send("button/pod_box/press", R"({"action":"long"})");
  CHECK(hub.consumable("pods")->on_hand == 1);
  CHECK(errors().empty());
}

TEST_CASE_FIXTURE(HubFixture, "a voice intent delivered twice is handled once") {
  const std::string intent =
      R"({"intent":"StockQuery","slots":{"item":"pods"},"session":"s1","ts":1764460790})";
  send("voice/intent", intent);
  send("voice/intent", intent);
  CHECK(metrics.get("larder_messages_received_total", {{"kind", "intent"}}) == 1);
  CHECK(metrics.get("larder_messages_ignored_total", {{"reason", "duplicate"}}) == 1);
  // The same words in another session, or at another time, are new.
  send("voice/intent",
       R"({"intent":"StockQuery","slots":{"item":"pods"},"session":"s2","ts":1764460790})");
  send("voice/intent",
       R"({"intent":"StockQuery","slots":{"item":"pods"},"session":"s1","ts":1764460799})");
  CHECK(metrics.get("larder_messages_received_total", {{"kind", "intent"}}) == 3);
}

TEST_CASE_FIXTURE(HubFixture, "a trunk state older than the last one is refused") {
  send("vehicle/car/trunk", R"({"state":"open","ts":1764460700})");
  send("vehicle/car/trunk", R"({"state":"locked","ts":1764460600})");  // late, and older
  REQUIRE(hub.vehicle("car") != nullptr);
  CHECK(hub.vehicle("car")->trunk == "open");
  auto errs = errors();
  REQUIRE(errs.size() == 1);
  CHECK(errs[0]["reason"] == "trunk state is older than the last one");
  CHECK(metrics.get("larder_messages_rejected_total", {{"reason", "time"}}) == 1);
  send("vehicle/car/trunk", R"({"state":"locked","ts":1764460750})");
  CHECK(hub.vehicle("car")->trunk == "locked");
}

TEST_CASE_FIXTURE(HubFixture, "a vehicle or person the configuration does not name is refused") {
  send("vehicle/nocar/location", R"({"lat":48,"lon":11.5})");
  send("vehicle/nocar/trunk", R"({"state":"open"})");
  send("presence/nobody", R"({"home":true})");
  CHECK(hub.vehicle("nocar") == nullptr);
  CHECK_FALSE(hub.presence("nobody").has_value());
  auto errs = errors();
  REQUIRE(errs.size() == 3);
  CHECK(errs[0]["reason"] == "no vehicle 'nocar' is configured");
  CHECK(errs[0]["topic"] == "larder/v1/vehicle/nocar/location");
  CHECK(errs[1]["reason"] == "no vehicle 'nocar' is configured");
  CHECK(errs[2]["reason"] == "no person 'nobody' is configured");
  CHECK(metrics.get("larder_messages_rejected_total", {{"reason", "unknown_vehicle"}}) == 2);
  CHECK(metrics.get("larder_messages_rejected_total", {{"reason", "unknown_person"}}) == 1);
  // The configured ones go through.
  send("vehicle/car/location", R"({"lat":48,"lon":11.5})");
  send("presence/anna", R"({"home":true})");
  CHECK(hub.vehicle("car") != nullptr);
  CHECK(hub.presence("anna") == true);
  CHECK(errors().size() == 3);
}

TEST_CASE_FIXTURE(HubFixture, "a use, refill or purchase older than the last one counts as time") {
  send("consumable/pods/used", R"({"amount":1,"unit":"pcs","ts":1764460700})");
  send("consumable/pods/used", R"({"amount":1,"unit":"pcs","ts":1764460600})");
  send("consumable/pods/purchased", R"({"packs":1,"ts":1764460700})");
  send("consumable/pods/purchased", R"({"packs":1,"ts":1764460600})");
  send("consumable/pods/used", R"({"amount":1000,"unit":"pcs","ts":1764460790})");  // range
  auto errs = errors();
  REQUIRE(errs.size() == 3);
  CHECK(errs[0]["reason"] == "use at 1764460600 is older than the last one");
  CHECK(metrics.get("larder_messages_rejected_total", {{"reason", "time"}}) == 2);
  CHECK(metrics.get("larder_messages_rejected_total", {{"reason", "range"}}) == 1);
}
