// Helpers for tests of the delivery desk (tests/unit/delivery_desk_*_test.cc): the real hub,
// order desk, ledger, grant book (OpenSSL's random source and SHA-256) and delivery desk on
// a manual clock, the retailer recording the port's calls (support/recording_retailer.h),
// a grant store whose audit log can be made unreadable, and a household with a car.
#pragma once

#include <doctest/doctest.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "adapters/crypto/grant_crypto.h"
#include "adapters/crypto/os_random.h"
#include "api/delivery_routes.h"
#include "api/http_types.h"
#include "app/delivery_desk.h"
#include "app/order_desk.h"
#include "app/plugin_host.h"
#include "app/voice_desk.h"
#include "grants/grant_store.h"
#include "support/test_consumables.h"
#include "support/fake_bus.h"
#include "support/flaky_grant_store.h"
#include "support/recording_retailer.h"
#include "support/tempdir.h"

namespace larder::test {

using nlohmann::json;

inline constexpr double kT0 = 1764590400;  // 2025-12-01 12:00 UTC, a Monday
inline constexpr double kHomeLat = 48.1371, kHomeLon = 11.5754;

inline Config desk_config(const std::string& locale = "en-GB") {
  Config c;
  c.household.locale = locale;
  c.state_dir = "/nonexistent";
  ConsumableConfig coffee = test::coffee_beans();
  c.consumables = {coffee};
  c.retailer = RetailerConfig{};
  VehicleConfig car;
  car.id = "family-car";
  car.make = "VW Golf";
  car.plate_hint = "M-LR";
  c.vehicles = {car};
  PersonConfig alex, ben;
  alex.id = "alex";
  ben.id = "ben";
  c.people = {alex, ben};
  c.delivery.vehicle = "family-car";
  c.delivery.places = {{"home", kHomeLat, kHomeLon, 200}};
  return c;
}

struct World {
  World() : World("en-GB") {}
  explicit World(const std::string& locale) : config(desk_config(locale)) {
    retailer.trunk = true;
    hub.set_vehicle_actions(&delivery);
    REQUIRE(delivery.restore("/nonexistent/patterns.json").ok());
    delivery.set_carrier_url("https://hub.test:8443");
  }

  Config config;
  test::FakeBus bus;
  MemoryStore store;
  ManualClock clock{kT0};
  Metrics metrics;
  Hub hub{config, bus, store, clock, metrics};
  test::FixedRandom ledger_random;
  test::RecordingRetailer retailer;
  OrderDesk desk{config, ledger_random, store, bus, hub, &retailer, clock, metrics};
  FlakyGrantStore grant_store;
  OsRandom random;
  OpenSslGrantCrypto crypto;
  grants::GrantBook book{grant_store, random, crypto};
  DeliveryDesk delivery{config, desk, book, &retailer, bus, hub, clock, metrics, TimeZone::utc()};

  void car_at(double lat, double lon, bool moving = false) {
    json j = {{"lat", lat}, {"lon", lon}, {"acc", 10}, {"moving", moving}, {"ts", clock.now()}};
    hub.on_message(Message{"larder/v1/vehicle/family-car/location", j.dump(), 1, false});
  }
  // A trunk report taken `ago` seconds before it arrives.
  void trunk(const std::string& state, double ago = 0) {
    json j = {{"state", state}, {"ts", clock.now() - ago}};
    hub.on_message(Message{"larder/v1/vehicle/family-car/trunk", j.dump(), 1, false});
  }
  // A presence report of `person`, stamped `ts` from now (none: unstamped).
  void home(bool at_home, const std::string& person = "alex",
            std::optional<double> ts = 0.0) {
    json j = {{"home", at_home}};
    if (ts) j["ts"] = clock.now() + *ts;
    hub.on_message(Message{"larder/v1/presence/" + person, j.dump(), 1, false});
  }

  // A quote with both methods, the trunk window starting in `in_s`, for `package`.
  orders::Quote quote(double in_s, orders::Package package = {}) {
    orders::Quote q = test::quote_for({{"coffee", "COFFEE-500", 1}}, clock.now());
    double t = clock.now() + in_s;
    q.delivery_options = {{"doorstep", orders::Window{t, t + 7200}},
                          {"trunk", orders::Window{t, t + 14400}}};
    q.package = package;
    return q;
  }

  // With the car parked at home and nobody in: an order the planner sends to the trunk.
  std::string trunk_order() {
    car_at(kHomeLat, kHomeLon);
    home(false);
    return order(quote(300));
  }

  // Orders one pack and answers the quote and the place; the order's id.
  std::string order(const orders::Quote& q) {
    auto r = desk.make_request("coffee", 1, orders::Source::api, false);
    REQUIRE(r.has_value());
    orders::Reply reply = desk.request(*r);
    REQUIRE(reply.ok());
    REQUIRE(retailer.quote_answers.size() == 1);
    retailer.quote_answers.back()(orders::QuoteOutcome{q, false, ""});
    desk.tick();
    REQUIRE(retailer.place_answers.size() == 1);
    orders::PlaceResult placed;
    placed.retailer_order_id = "r-1";
    retailer.place_answers.back()(placed);
    return reply.order_id;
  }
  void ship() {
    orders::RetailerStatus s;
    s.status = "shipped";
    desk.retailer_status("r-1", s);
    delivery.tick();
  }
  // Ships the order and has the retailer accept the trunk access; the code it received.
  std::string ship_and_accept() {
    ship();
    REQUIRE(retailer.deliveries.size() == 1);
    retailer.delivery_answers[0](orders::DeliveryChangeOutcome{true, false, std::nullopt, "", ""});
    return *retailer.deliveries[0].code;
  }

  const orders::Order& the(const std::string& id) const {
    const orders::Order* o = desk.ledger().find(id);
    REQUIRE(o != nullptr);
    return *o;
  }
  std::vector<json> events(const std::string& kind) const {
    std::vector<json> out;
    for (const auto& m : bus.on("larder/v1/event")) {
      json j = json::parse(m.payload);
      if (j["kind"] == kind) out.push_back(j);
    }
    return out;
  }
  std::string reasons(const std::string& id) const {
    std::string all;
    for (const auto& r : the(id).delivery->reasons) all += r + " | ";
    return all;
  }
  // Everything the hub wrote anywhere a code must never be: MQTT and the grant store.
  std::string written() const {
    std::string all;
    for (const auto& m : bus.sent) all += m.topic + " " + m.payload + "\n";
    auto stored = const_cast<FlakyGrantStore&>(grant_store).load_grants();
    REQUIRE(stored.ok());
    for (const auto& g : stored.value()) all += grants::grant_json(g).dump();
    auto audit = const_cast<FlakyGrantStore&>(grant_store).load_audit(0, 1000);
    REQUIRE(audit.ok());
    for (const auto& e : audit.value()) all += e.detail + " " + e.hash + "\n";
    return all;
  }
};

// The hub again after a crash: a new hub, order desk, grant book and delivery desk on the
// stores of `w` (its orders, its grants), restored as the daemon restores them.
struct Restarted {
  explicit Restarted(World& w) : world(w) {
    retailer.trunk = true;
    hub.set_vehicle_actions(&delivery);
    REQUIRE(hub.restore().ok());
    REQUIRE(desk.restore().ok());
    REQUIRE(delivery.restore("/nonexistent/patterns.json").ok());
    delivery.set_carrier_url("https://hub.test:8443");
  }
  World& world;
  test::FakeBus bus;
  Metrics metrics;
  Hub hub{world.config, bus, world.store, world.clock, metrics};
  test::FixedRandom ledger_random;
  test::RecordingRetailer retailer;
  OrderDesk desk{world.config, ledger_random, world.store, bus, hub, &retailer, world.clock,
                 metrics};
  grants::GrantBook book{world.grant_store, world.random, world.crypto};
  DeliveryDesk delivery{world.config, desk,  book,          &retailer, bus,
                        hub,          world.clock, metrics, TimeZone::utc()};
};

}  // namespace larder::test
