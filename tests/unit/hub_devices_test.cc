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
  // Another press (another time), after a pod was used, is another pack.
  send("consumable/pods/used", R"({"amount":1,"unit":"pcs","ts":1764460793})");
  send("button/pod_box/press", R"({"action":"long","ts":1764460795})");
  CHECK(hub.consumable("pods")->on_hand == 3);
  // Without ts two presses are two messages; the model takes the second, seconds after the
  // first with no use between, as the same refill told twice (docs/forecasting.md).
  send("consumable/pods/used", R"({"amount":1,"unit":"pcs","ts":1764460796})");
  send("button/pod_box/press", R"({"action":"long"})");
  send("button/pod_box/press", R"({"action":"long"})");
  CHECK(hub.consumable("pods")->on_hand == 2);
  CHECK(metrics.get("larder_messages_received_total", {{"kind", "press"}}) == 5);
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

TEST_CASE_FIXTURE(HubFixture, "an input without ts is the newest, after one from a clock ahead") {
  // A tracker whose clock runs 2 minutes ahead (within max_future_skew), then an
  // integration that sends no `ts`, 30 s later: it came last, so it is taken.
  send("vehicle/car/trunk", R"({"state":"open","ts":1764460920})");
  send("vehicle/car/location", R"({"lat":48,"lon":11.5,"ts":1764460920})");
  send("presence/anna", R"({"home":true,"ts":1764460920})");
  clock.advance(30);
  send("vehicle/car/trunk", R"({"state":"locked"})");
  send("vehicle/car/location", R"({"lat":48.1,"lon":11.6})");
  send("presence/anna", R"({"home":false})");
  CHECK(errors().empty());
  REQUIRE(hub.vehicle("car") != nullptr);
  CHECK(hub.vehicle("car")->trunk == "locked");
  REQUIRE(hub.vehicle("car")->location.has_value());
  CHECK(hub.vehicle("car")->location->lat == 48.1);
  CHECK(hub.presence("anna") == false);
  // In the order of the stamps, after it: an older stamp is still refused.
  send("vehicle/car/trunk", R"({"state":"open","ts":1764460910})");
  CHECK(hub.vehicle("car")->trunk == "locked");
  REQUIRE(errors().size() == 1);
  CHECK(errors()[0]["reason"] == "trunk state is older than the last one");
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
  // More than an hour older than the newest of its kind: a clock gone wrong, not a late
  // delivery.
  send("consumable/pods/used", R"({"amount":1,"unit":"pcs","ts":1764460700})");
  send("consumable/pods/used", R"({"amount":1,"unit":"pcs","ts":1764457000})");
  send("consumable/pods/purchased", R"({"packs":1,"ts":1764460700})");
  send("consumable/pods/purchased", R"({"packs":1,"ts":1764457000})");
  send("consumable/pods/refilled", R"({"ts":1764460700})");
  send("consumable/pods/refilled", R"({"ts":1764460600})");
  send("consumable/pods/used", R"({"amount":1000,"unit":"pcs","ts":1764460790})");  // range
  auto errs = errors();
  REQUIRE(errs.size() == 4);
  CHECK(errs[0]["reason"] == "use at 1764457000 is older than the last one");
  CHECK(errs[1]["reason"] == "purchase at 1764457000 is older than the last one");
  CHECK(errs[2]["reason"] == "refill at 1764460600 is older than the last one");
  CHECK(metrics.get("larder_messages_rejected_total", {{"reason", "time"}}) == 3);
  CHECK(metrics.get("larder_messages_rejected_total", {{"reason", "range"}}) == 1);
}

TEST_CASE_FIXTURE(HubFixture, "late inputs after a broker restart are kept; their redeliveries are not") {
  // mosquitto hands over newer live messages before the older ones it queued for larderd
  // (docs/mqtt.md, "Late inputs"): nothing of it may be lost, nor counted twice.
  const long t = static_cast<long>(clock.now());
  auto used = [&](long ts) {
    send("consumable/pods/used", R"({"amount":1,"unit":"pcs","ts":)" + std::to_string(ts) + "}");
  };
  send("consumable/pods/purchased", R"({"packs":1,"ts":)" + std::to_string(t - 4000) + "}");
  send("consumable/pods/refilled", R"({"ts":)" + std::to_string(t - 3900) + "}");  // 40 pcs
  for (long ts : {t - 100, t - 90, t - 80}) used(ts);  // queued before the restart
  used(t - 10);                                         // live, delivered first
  for (long ts : {t - 70, t - 60}) used(ts);            // the queue, after it
  used(t - 60);                                         // a redelivery of one of them
  used(t - 90);                                         // and of an older one
  send("consumable/pods/purchased", R"({"packs":2,"ts":)" + std::to_string(t - 5) + "}");
  send("consumable/pods/purchased", R"({"packs":1,"ts":)" + std::to_string(t - 50) + "}");
  CHECK(errors().empty());
  const ConsumableState* st = hub.consumable("pods");
  REQUIRE(st != nullptr);
  REQUIRE(st->level.has_value());
  CHECK(*st->level == doctest::Approx(40 - 6));       // six uses, once each
  CHECK(st->on_hand == 3);  // 1, less the one opened, + 2 + 1
  CHECK(metrics.get("larder_messages_ignored_total", {{"reason", "duplicate"}}) == 2);
}

TEST_CASE_FIXTURE(HubFixture, "a late level goes into the history, not into the model") {
  level("coffee", R"("value":400,"unit":"g")", false, 4);
  const double now = clock.now();
  const ConsumableState before = *hub.consumable("coffee");
  auto reading = [&](double ts, int value) {
    send("consumable/coffee/level", R"({"value":)" + std::to_string(value) +
                                        R"(,"unit":"g","ts":)" + std::to_string(ts) + "}");
  };
  reading(now - 150, 402);   // late: between two readings the model has
  reading(now - 150, 402);   // its redelivery
  reading(now - 4000, 900);  // over an hour older: a clock gone wrong
  REQUIRE(store.flush().ok());
  auto kept = store.readings("coffee", now - 200, now - 100, 10);
  REQUIRE(kept.ok());
  REQUIRE(kept->size() == 1);
  CHECK((*kept)[0].value == 402);
  auto errs = errors();
  REQUIRE(errs.size() == 1);
  CHECK(errs[0]["reason"].get<std::string>().find("older than the last one") != std::string::npos);
  CHECK(metrics.get("larder_messages_late_total", {{"kind", "level"}}) == 1);
  CHECK(metrics.get("larder_messages_ignored_total", {{"reason", "duplicate"}}) == 1);
  const ConsumableState& after = *hub.consumable("coffee");
  CHECK(after.level == before.level);
  CHECK(after.last_reading_ts == before.last_reading_ts);
  CHECK(after.updated == before.updated);
}

TEST_CASE_FIXTURE(HubFixture, "a flood of bad input on ever new topics is reported 50 times in 10 s") {
  // An audit (2026-12-05): 50,000 messages on distinct unknown topics passed every
  // per-topic limit, and their reports crowded a voice answer out of the outgoing queue.
  for (int i = 0; i < 5000; ++i) {
    send("consumable/flood" + std::to_string(i) + "/level", R"({"value":1,"unit":"g"})");
  }
  CHECK(errors().size() == 50);
  CHECK(metrics.get("larder_messages_rejected_total", {{"reason", "unknown_consumable"}}) ==
        5000);
  // The next period reports again; the real inputs were never held up.
  clock.advance(11);
  send("consumable/nope/level", R"({"value":1,"unit":"g"})");
  CHECK(errors().size() == 51);
  level("coffee", R"("value":400,"unit":"g")");
  REQUIRE(hub.consumable("coffee")->level.has_value());
}

TEST_CASE_FIXTURE(HubFixture, "a redelivery older than the recent inputs is found in the store") {
  // A restarted broker may hand its whole queue over again, after newer messages: more
  // than the 32 recent inputs remembered. Taken as late, they were stored twice.
  const long t = static_cast<long>(clock.now());
  auto used = [&](long ts) {
    send("consumable/pods/used", R"({"amount":1,"unit":"pcs","ts":)" + std::to_string(ts) + "}");
  };
  send("consumable/pods/refilled", R"({"ts":)" + std::to_string(t - 3000) + "}");
  for (int i = 0; i < 40; ++i) used(t - 2000 + i);
  REQUIRE(store.flush().ok());
  for (int i = 0; i < 40; ++i) used(t - 2000 + i);  // all again
  CHECK(errors().empty());
  CHECK(metrics.get("larder_messages_ignored_total", {{"reason", "duplicate"}}) == 40);
  REQUIRE(hub.consumable("pods")->level.has_value());
  CHECK(*hub.consumable("pods")->level == doctest::Approx(0));  // 40 - 40, not below
  REQUIRE(store.flush().ok());
  auto rows = store.readings("pods", t - 2001, t, 100);
  REQUIRE(rows.ok());
  CHECK(rows->size() == 40);
}
