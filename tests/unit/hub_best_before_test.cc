// Best-before through the hub (docs/best-before.md): the `best_before` of a purchase (a local
// date or epoch seconds), the state's best_before/expiring fields, the `pack_expiring` event
// in the household's language, the date kept with the reading, and bad dates refused.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "core/contract.h"
#include "core/hub.h"
#include "support/fake_bus.h"

using namespace larder;
using nlohmann::json;

namespace {

constexpr double kStart = 1798070400;       // 2026-12-24 00:00 UTC
constexpr double kXmasBerlin = 1798153200;  // 2026-12-25 00:00 in Berlin (23:00 UTC)
constexpr double kBoxingBerlin = kXmasBerlin + 86400;

Config test_config(const std::string& locale) {
  Config c;
  c.state_dir = "/nonexistent";
  c.household.timezone = "Europe/Berlin";
  c.household.locale = locale;
  ConsumableConfig pods;
  pods.id = "pods";
  pods.name = locale == "de-DE" ? "Kapseln" : "Pods";
  pods.unit = Unit::pcs;
  pods.capacity = 80;
  pods.pack = {"PODS-40", 40, 12.0, std::nullopt};
  c.consumables = {pods};
  return c;
}

struct Fixture {
  explicit Fixture(const std::string& locale = "en-GB") : config(test_config(locale)) {}
  Config config;
  test::FakeBus bus;
  MemoryStore store;
  ManualClock clock{kStart - 20 * 86400.0};
  Metrics metrics;
  Hub hub{config, bus, store, clock, metrics};

  void send(const std::string& topic, const std::string& payload) {
    hub.on_message(Message{"larder/v1/" + topic, payload, 1, false});
  }
  json last_state() {
    auto states = bus.on("larder/v1/consumable/pods/state");
    REQUIRE_FALSE(states.empty());
    return json::parse(states.back().payload);
  }
  std::vector<json> events(const std::string& kind) {
    std::vector<json> out;
    for (auto& m : bus.on("larder/v1/event")) {
      auto j = json::parse(m.payload);
      if (j["kind"] == kind) out.push_back(j);
    }
    return out;
  }
  // 10 pods a day for 14 days, ticked hourly: the rate is learned.
  void learn() {
    send("consumable/pods/refilled", R"({"amount":80,"unit":"pcs"})");
    for (int h = 1; h <= 14 * 24; ++h) {
      clock.advance(3600);
      if (h % 24 >= 8 && h % 24 <= 17) send("consumable/pods/used", R"({"amount":1,"unit":"pcs"})");
      if (hub.consumable("pods")->level.value_or(0) < 1) send("consumable/pods/refilled", "{}");
      hub.tick();
    }
    hub.publish_pending();
  }
};

}  // namespace

TEST_CASE("best-before: a purchase's date parses as a local date or epoch seconds") {
  auto parse = [](const std::string& payload) {
    return contract::parse_input("larder/v1", Message{"larder/v1/consumable/pods/purchased", payload, 1, false});
  };
  auto day = parse(R"({"packs":2,"best_before":"2026-12-24"})");
  REQUIRE(day.ok());
  CHECK(std::get<contract::PurchasedInput>(*day.input).best_before_day == kStart);
  auto epoch = parse(R"({"packs":2,"best_before":1798153200})");
  REQUIRE(epoch.ok());
  CHECK(std::get<contract::PurchasedInput>(*epoch.input).best_before == kXmasBerlin);
  CHECK(parse(R"({"best_before":null})").ok());
  for (const char* bad : {R"({"best_before":"2026-02-30"})", R"({"best_before":"tomorrow"})",
                          R"({"best_before":"2026-12-24T10:00:00"})", R"({"best_before":-5})",
                          R"({"best_before":true})", R"({"best_before":5e12})",
                          R"({"best_before":"0000-01-01"})", R"({"best_before":"1999-12-31"})",
                          R"({"best_before":0})", R"({"best_before":946684799})"}) {
    auto p = parse(bad);
    CHECK_FALSE(p.ok());
    CHECK(p.rejection.reason.find("best_before") != std::string::npos);
  }
}

TEST_CASE("best-before: a dated purchase is flagged, published and announced once") {
  Fixture f;
  f.learn();
  auto s = f.last_state();
  CHECK(s["best_before"].is_null());
  CHECK(s["expiring"] == 0);
  // 20 pods in the box and four packs of 40 at 10 a day: the packs are used up in 6, 10,
  // 14 and 18 days. They keep through Christmas Day (in Berlin), 8 days from now: three of
  // them are not used up by then.
  f.send("consumable/pods/purchased", R"({"packs":4,"best_before":"2026-12-25"})");
  f.hub.publish_pending();
  s = f.last_state();
  CHECK(s["on_hand"] == 4);
  CHECK(s["level"] == 20);
  CHECK(s["best_before"] == kBoxingBerlin);
  CHECK(s["expiring"] == 3);
  CHECK(s["expiring_at"] == kBoxingBerlin);
  auto ev = f.events("pack_expiring");
  REQUIRE(ev.size() == 1);
  CHECK(ev[0]["consumable"] == "pods");
  CHECK(ev[0]["packs"] == 3);
  CHECK(ev[0]["best_before"] == kBoxingBerlin);
  CHECK(ev[0]["text"] == "Pods: 3 packs, the first best before 25 December, will not be used up by then.");
  // A day later: no new event for the same packs.
  for (int h = 0; h < 24; ++h) {
    f.clock.advance(3600);
    f.hub.tick();
  }
  CHECK(f.events("pack_expiring").size() == 1);
  // The date is kept with the reading, for a restart that learns the readings again.
  REQUIRE(f.store.flush().ok());
  auto r = f.store.readings("pods", 0, 2e9, 100000);
  REQUIRE(r.ok());
  bool kept = false;
  for (const auto& x : *r) kept |= x.kind == "purchased" && x.best_before == kBoxingBerlin;
  CHECK(kept);
}

TEST_CASE("best-before: the event speaks the household's language") {
  Fixture f("de-DE");
  f.learn();
  f.send("consumable/pods/purchased", R"({"packs":1,"best_before":"2026-12-24"})");
  f.send("consumable/pods/purchased", R"({"packs":3,"best_before":"2026-12-20"})");
  auto ev = f.events("pack_expiring");
  REQUIRE_FALSE(ev.empty());
  CHECK(ev.back()["text"].get<std::string>().find("Kapseln:") == 0);
  CHECK(ev.back()["text"].get<std::string>().find("haltbar bis") != std::string::npos);
}

TEST_CASE("best-before: a date beyond 2099 is refused and changes nothing") {
  Fixture f;
  f.learn();
  auto before = f.last_state();
  f.send("consumable/pods/purchased", R"({"packs":1,"best_before":"2100-01-05"})");
  f.hub.publish_pending();
  CHECK(f.last_state() == before);
  auto errs = f.bus.on("larder/v1/error");
  REQUIRE_FALSE(errs.empty());
  CHECK(json::parse(errs.back().payload)["reason"].get<std::string>().find("best_before") !=
        std::string::npos);
}
