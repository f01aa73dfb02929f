// A history published with its stamps (the demo's backdated weeks, a plugin's buffer):
// larderd learns it as `larderctl replay` does, by the stamps, not by its ticks' clock
// (docs/mqtt.md, "History"). `live` gets each input while its clock ticks on, two a
// second; `paced` at the input's own time, as replay does.
#include <doctest/doctest.h>

#include <string>

#include <nlohmann/json.hpp>

#include "core/hub.h"
#include "support/hub_fixture.h"

using namespace larder;
using nlohmann::json;
using larder::test::HubFixture;

namespace {
// Half a minute after the last input of the history, both hubs tick at the same time.
void settle(HubFixture& live, HubFixture& paced) {
  live.clock.advance(Hub::kBackfillSettleS);
  live.hub.tick();
  paced.clock.set(live.clock.now());
  paced.hub.tick();
}
}  // namespace

TEST_CASE("a history published with its stamps is learned as replay learns it, ticks or not") {
  // Three weeks of pods, 10 a day, published in one go with their `ts` (the demo, a
  // plugin's buffer): `live` gets them while its clock ticks on, two a second; `paced` at
  // their own times, as `larderctl replay` does. Ticks at the hub's clock would close the
  // days still coming as unused: the rate would fall and use_stopped be told.
  HubFixture live, paced;
  const double now = live.clock.now();
  const double t0 = now - 21 * 86400.0;
  paced.clock.set(t0);
  auto both = [&](const std::string& topic, const std::string& body, double ts) {
    const std::string payload = "{" + body + (body.empty() ? "" : ",") +
                                "\"ts\":" + std::to_string(static_cast<long>(ts)) + "}";
    paced.clock.set(ts);
    paced.send(topic, payload);
    paced.hub.tick();
    live.send(topic, payload);
    live.clock.advance(0.5);
    live.hub.tick();
  };
  for (int d = 0; d < 21; ++d) {
    const double day = t0 + d * 86400.0;
    if (d % 7 == 0) both("consumable/pods/refilled", R"("amount":80,"unit":"pcs")", day + 3600);
    for (int h = 8; h <= 17; ++h) both("consumable/pods/used", R"("amount":1,"unit":"pcs")", day + h * 3600);
  }
  settle(live, paced);  // the history is over: the ticks take the hub's clock again
  const auto* a = live.hub.consumable("pods");
  const auto* b = paced.hub.consumable("pods");
  REQUIRE(a->rate_per_day);
  REQUIRE(b->rate_per_day);
  CHECK(*a->rate_per_day == doctest::Approx(*b->rate_per_day).epsilon(1e-9));
  CHECK(*a->rate_per_day == doctest::Approx(10).epsilon(0.2));
  CHECK(a->status == b->status);
  CHECK(a->level == b->level);
  for (auto& m : live.bus.on("larder/v1/event")) {
    CHECK(json::parse(m.payload)["kind"] != "use_stopped");
  }
}

TEST_CASE("a scale's history published with its stamps orders nothing on the way") {
  // Three weeks of a jar going down 20 g a day, a reading each half hour, published in one
  // go. Midway, a tick at the hub's clock would see the last reading weeks old, the jar
  // long empty by now, and tell low_stock (and order) for a jar with 9 days left.
  HubFixture live, paced;
  const double now = live.clock.now();
  const double t0 = now - 21 * 86400.0;
  for (int i = 0; i <= 21 * 48; ++i) {
    const double ts = t0 + i * 1800.0;
    const std::string payload = R"({"value":)" + std::to_string(600 - i * (20.0 / 48)) +
                                R"(,"unit":"g","ts":)" + std::to_string(static_cast<long>(ts)) + "}";
    paced.clock.set(ts);
    paced.send("consumable/coffee/level", payload);
    paced.hub.tick();
    live.send("consumable/coffee/level", payload);
    live.clock.advance(0.5);
    live.hub.tick();
  }
  settle(live, paced);
  const auto* a = live.hub.consumable("coffee");
  const auto* b = paced.hub.consumable("coffee");
  REQUIRE(a->days_left);
  CHECK(*a->days_left == doctest::Approx(9).epsilon(0.15));
  CHECK(a->status == b->status);
  CHECK_FALSE(a->reorder);
  for (auto& m : live.bus.on("larder/v1/event")) {
    CHECK(json::parse(m.payload)["kind"] != "low_stock");
  }
}

TEST_CASE("a device whose clock lags holds the ticks for ten minutes at most") {
  // A counter stamping its uses 15 minutes behind, every 10 s: it looks like a history
  // being published, but never ends. After kBackfillMaxS the ticks take the hub's clock
  // again, while it goes on; a refused input never holds them.
  HubFixture f;
  auto last_advance = [&] { return f.hub.model("pods")->save()["last_advance"].get<double>(); };
  f.send("consumable/pods/refilled", R"({"amount":80,"unit":"pcs"})");
  for (int i = 0; i < 6 * 15; ++i) {
    f.clock.advance(10);
    f.send("consumable/pods/used", R"({"amount":1,"unit":"pcs","ts":)" +
                                       std::to_string(static_cast<long>(f.clock.now() - 900)) + "}");
    f.hub.tick();
    if (i == 6 * 5) CHECK(last_advance() < f.clock.now() - 600);  // held, five minutes in
  }
  CHECK(last_advance() == f.clock.now());
  // A refused refill (older than the last one) holds nothing.
  HubFixture g;
  g.send("consumable/pods/refilled", R"({"amount":80,"unit":"pcs"})");
  g.clock.advance(10);
  g.send("consumable/pods/refilled", R"({"amount":80,"unit":"pcs","ts":)" +
                                         std::to_string(static_cast<long>(g.clock.now() - 7200)) + "}");
  REQUIRE(g.errors().size() == 1);
  g.hub.tick();
  CHECK(g.hub.model("pods")->save()["last_advance"].get<double>() == g.clock.now());
}
