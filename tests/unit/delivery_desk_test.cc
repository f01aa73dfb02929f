// The delivery desk on the real hub, order desk, ledger and grant book (with OpenSSL's
// random source and SHA-256), with a manual clock: the decision as it reaches the order,
// the grant and its code on their way to the retailer, the carrier's unlock, the trunk's
// relock, replanning when the car moves away, and the user's revoke. The retailer records
// the port's calls and the test answers them (support/recording_retailer.h); the whole
// path through mosquitto, larderd and the real sandbox is tests/integration/trunk_delivery_test.cc.
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
#include "support/recording_retailer.h"
#include "support/tempdir.h"

using namespace larder;
using nlohmann::json;

namespace {

constexpr double kT0 = 1764590400;  // 2025-12-01 12:00 UTC, a Monday
constexpr double kHomeLat = 48.1371, kHomeLon = 11.5754;

Config desk_config(const std::string& locale = "en-GB") {
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
  c.delivery.vehicle = "family-car";
  c.delivery.places = {{"home", kHomeLat, kHomeLon, 200}};
  return c;
}

// The in-memory grant store, whose audit log can be made unreadable (a locked database).
class FlakyGrantStore final : public grants::GrantStore {
 public:
  bool fail_reads = false;
  Status save_grant(const grants::Grant& g) override { return store_.save_grant(g); }
  Result<std::vector<grants::Grant>> load_grants() override { return store_.load_grants(); }
  Status append_audit(const grants::AuditEntry& e) override { return store_.append_audit(e); }
  Result<std::vector<grants::AuditEntry>> load_audit(std::int64_t after_seq,
                                                     std::size_t limit) override {
    if (fail_reads) return Status::Error("database is locked");
    return store_.load_audit(after_seq, limit);
  }
  Result<std::optional<grants::AuditEntry>> last_audit() override {
    return store_.last_audit();
  }

 private:
  grants::MemoryGrantStore store_;
};

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
  void trunk(const std::string& state) {
    json j = {{"state", state}, {"ts", clock.now()}};
    hub.on_message(Message{"larder/v1/vehicle/family-car/trunk", j.dump(), 1, false});
  }
  void home(bool at_home) {
    json j = {{"home", at_home}, {"ts", clock.now()}};
    hub.on_message(Message{"larder/v1/presence/alex", j.dump(), 1, false});
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

}  // namespace

TEST_CASE("delivery desk: a car parked at home with nobody home gets the trunk, with reasons") {
  World w;
  std::string id = w.trunk_order();
  const orders::Order& o = w.the(id);
  REQUIRE(o.delivery.has_value());
  INFO(w.reasons(id));
  CHECK(o.delivery->method == "trunk");
  REQUIRE(o.delivery->place.has_value());
  CHECK(*o.delivery->place == "home");
  CHECK(o.delivery->reasons.size() >= 2);
  // The retailer's carrier gets the car and the place's point, never the live position.
  REQUIRE(w.retailer.places.size() == 1);
  const auto& call = w.retailer.places[0];
  CHECK(call.delivery_method == "trunk");
  REQUIRE(call.vehicle.has_value());
  CHECK(call.vehicle->make == "VW Golf");
  CHECK(call.vehicle->plate_hint == "M-LR");
  CHECK(call.vehicle->lat == kHomeLat);
  CHECK(call.vehicle->lon == kHomeLon);
  // The state shows the delivery with its reasons; delivery_planned is announced once.
  json state = json::parse(w.bus.on("larder/v1/order/" + id + "/state").back().payload);
  CHECK(state["delivery"]["method"] == "trunk");
  CHECK(state["delivery"]["reasons"].size() == o.delivery->reasons.size());
  CHECK(w.events("delivery_planned").size() == 1);
}

TEST_CASE("delivery desk: a German household gets German reasons in the order state and the event") {
  World w("de-DE");
  std::string id = w.trunk_order();
  const orders::Order& o = w.the(id);
  REQUIRE(o.delivery.has_value());
  INFO(w.reasons(id));
  CHECK(o.delivery->method == "trunk");
  REQUIRE(o.delivery->reasons.size() == 2);
  auto has = [](const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
  };
  // The car's reason, its chance ("95 %") and its basis, the window with German day names.
  CHECK(has(o.delivery->reasons[0],
            "das Auto parkt während des Zeitfensters sehr wahrscheinlich am Ort home (95 %): "
            "parkt jetzt am Ort home; zu wenig Parkverlauf für Mo 12:05-16:05 (0,0 h der nötigen "
            "2,0 h)"));
  CHECK(o.delivery->reasons[1] ==
        "wahrscheinlich ist nicht das ganze Zeitfenster über jemand zu Hause (0 %, dass jemand da "
        "ist)");
  json state = json::parse(w.bus.on("larder/v1/order/" + id + "/state").back().payload);
  CHECK(state["delivery"]["reasons"][0] == o.delivery->reasons[0]);
  auto planned = w.events("delivery_planned");
  REQUIRE(planned.size() == 1);
  CHECK(planned[0]["text"] == "Bestellung " + id + " kommt in den Kofferraum: " +
                                  o.delivery->reasons[0] + "; " + o.delivery->reasons[1] + ".");
  // A package too heavy for the trunk: the weight with a decimal comma.
  World heavy_world("de-DE");
  heavy_world.car_at(kHomeLat, kHomeLon);
  heavy_world.home(false);
  orders::Package heavy;
  heavy.weight_kg = 30.5;
  std::string heavy_id = heavy_world.order(heavy_world.quote(1800, heavy));
  CHECK(heavy_world.the(heavy_id).delivery->method == "doorstep");
  CHECK(heavy_world.the(heavy_id).delivery->reasons ==
        std::vector<std::string>{"das Paket wiegt 30,5 kg, mehr als die Grenze für den Kofferraum von 22,7 kg"});
}

TEST_CASE("delivery desk: someone at home, the car away, or a heavy package go to the doorstep") {
  SUBCASE("someone is at home") {
    World w;
    w.car_at(kHomeLat, kHomeLon);
    w.home(true);
    std::string id = w.order(w.quote(300));
    INFO(w.reasons(id));
    CHECK(w.the(id).delivery->method == "doorstep");
    CHECK(w.reasons(id).find("home") != std::string::npos);
  }
  SUBCASE("the car is parked elsewhere and has no habit of being home") {
    World w;
    w.car_at(48.30, 11.90);  // about 30 km away
    w.home(false);
    std::string id = w.order(w.quote(300));
    INFO(w.reasons(id));
    CHECK(w.the(id).delivery->method == "doorstep");
    CHECK_FALSE(w.retailer.places[0].vehicle.has_value());
  }
  SUBCASE("the package is too heavy for a trunk") {
    World w;
    w.car_at(kHomeLat, kHomeLon);
    w.home(false);
    orders::Package heavy;
    heavy.weight_kg = 30;
    std::string id = w.order(w.quote(1800, heavy));
    INFO(w.reasons(id));
    CHECK(w.the(id).delivery->method == "doorstep");
    CHECK(w.reasons(id).find("30") != std::string::npos);
  }
  SUBCASE("a retailer that offers no trunk") {
    World w;
    w.retailer.trunk = false;
    std::string id = w.trunk_order();
    CHECK(w.the(id).delivery->method == "doorstep");
  }
}

TEST_CASE("delivery desk: shipping issues a grant whose code goes only to the retailer") {
  World w;
  std::string id = w.trunk_order();
  REQUIRE(w.the(id).delivery->method == "trunk");
  w.ship();
  REQUIRE(w.retailer.deliveries.size() == 1);
  const orders::DeliveryChange& change = w.retailer.deliveries[0];
  CHECK(change.retailer_order_id == "r-1");
  CHECK(change.method == "trunk");
  REQUIRE(change.code.has_value());
  CHECK(change.code->size() == grants::kCodeChars);
  CHECK(change.carrier_api == "https://hub.test:8443/api/v1/carrier/deliveries/" + id);
  REQUIRE(w.book.live(id) != nullptr);
  CHECK(w.events("grant_issued").size() == 1);
  // The code is nowhere the hub writes: not on MQTT, not in the grant store.
  CHECK(w.written().find(*change.code) == std::string::npos);
  // A second tick issues nothing more.
  w.delivery.tick();
  CHECK(w.retailer.deliveries.size() == 1);
}

TEST_CASE("delivery desk: the carrier unlocks once, the trunk relocks, the order is delivered") {
  World w;
  std::string id = w.trunk_order();
  const std::string code = w.ship_and_accept();

  // Before the window: refused.
  CHECK(w.delivery.carrier_view(id, code).verdict == grants::Verdict::outside_window);
  w.clock.advance(900);
  w.car_at(kHomeLat, kHomeLon);
  // A wrong code is refused; the right one shows the window and a coarse position.
  CHECK(w.delivery.carrier_view(id, "not-the-code").verdict == grants::Verdict::wrong_code);
  auto view = w.delivery.carrier_view(id, code);
  REQUIRE(view.verdict == grants::Verdict::ok);
  CHECK(view.body["window"]["start"].get<double>() == doctest::Approx(kT0 + 300));
  CHECK(view.body["vehicle"]["plate_hint"] == "M-LR");
  double lat = view.body["vehicle"]["position"]["lat"].get<double>();
  CHECK(lat != kHomeLat);                              // rounded,
  CHECK(std::abs(lat - kHomeLat) < 0.001);             // to about 100 m

  auto unlock = w.delivery.carrier_unlock(id, code);
  REQUIRE(unlock.verdict == grants::Verdict::ok);
  auto commands = w.bus.on("larder/v1/vehicle/family-car/command");
  REQUIRE(commands.size() == 1);
  json cmd = json::parse(commands[0].payload);
  CHECK(cmd["command"] == "unlock_trunk");
  CHECK(cmd["grant"] == w.book.live(id)->id);
  CHECK(commands[0].payload.find(code) == std::string::npos);
  // Only once.
  CHECK(w.delivery.carrier_unlock(id, code).verdict == grants::Verdict::already_used);

  w.trunk("open");
  w.trunk("closed");
  w.trunk("locked");
  CHECK(w.the(id).status == orders::OrderStatus::delivered);
  CHECK(w.book.live(id) == nullptr);
  CHECK(w.events("trunk_relocked").size() == 1);
  // Reuse after the lock is refused.
  CHECK(w.delivery.carrier_unlock(id, code).verdict == grants::Verdict::already_used);
  // The audit log holds issued, refused, used and revoked, and verifies.
  json audit = w.delivery.audit();
  CHECK(audit["verified"]["ok"] == true);
  std::string events;
  for (const auto& e : audit["entries"]) events += e["event"].get<std::string>() + " ";
  CHECK(events.find("issued") != std::string::npos);
  CHECK(events.find("refused") != std::string::npos);
  CHECK(events.find("used") != std::string::npos);
  CHECK(events.find("revoked") != std::string::npos);
  CHECK(audit.dump().find(code) == std::string::npos);
}

TEST_CASE("GET /api/v1/audit: the log for the read right; an unreadable store is 503") {
  World w;
  HttpConfig http;
  http.read_token = "read-token-for-tests";
  Access access{http, w.clock, w.metrics};
  Router router{access};
  REQUIRE(add_delivery_routes(router, w.delivery).ok());
  HttpRequest r;
  r.method = "GET";
  r.target = "/api/v1/audit";
  REQUIRE(parse_target(r.target, r).ok());
  CHECK(router.handle(r).status == 401);
  r.headers["authorization"] = "Bearer read-token-for-tests";
  HttpResponse ok = router.handle(r);
  CHECK(ok.status == 200);
  CHECK(json::parse(ok.body).contains("entries"));

  // The database refuses the read: not a bug (500), but 503 with what to do.
  w.grant_store.fail_reads = true;
  HttpResponse down = router.handle(r);
  CHECK(down.status == 503);
  json e = json::parse(down.body)["error"];
  CHECK(e["code"] == "unavailable");
  CHECK(e["message"].get<std::string>().find("database is locked") != std::string::npos);
  CHECK(e["message"].get<std::string>().find("try again") != std::string::npos);
  w.grant_store.fail_reads = false;
  CHECK(router.handle(r).status == 200);
}

TEST_CASE("delivery desk: the car driving away before the window moves the order to the doorstep") {
  World w;
  std::string id = w.trunk_order();
  REQUIRE(w.the(id).delivery->method == "trunk");
  w.clock.advance(60);
  w.car_at(48.20, 11.70, /*moving=*/true);
  INFO(w.reasons(id));
  CHECK(w.the(id).delivery->method == "doorstep");
  CHECK(w.events("delivery_replanned").size() == 1);
  REQUIRE(w.retailer.deliveries.size() == 1);
  CHECK(w.retailer.deliveries[0].method == "doorstep");
  CHECK_FALSE(w.retailer.deliveries[0].code.has_value());
  // Shipping now issues no grant.
  w.ship();
  CHECK(w.book.live(id) == nullptr);
  CHECK(w.retailer.deliveries.size() == 1);
}

TEST_CASE("delivery desk: the user revokes access, the retailer refuses access") {
  SUBCASE("revoked by the user after shipping") {
    World w;
    std::string id = w.trunk_order();
    w.ship();
    const std::string code = *w.retailer.deliveries.at(0).code;
    REQUIRE(w.delivery.revoke(id, "api").ok());
    CHECK(w.book.live(id) == nullptr);
    CHECK(w.the(id).delivery->method == "doorstep");
    CHECK(w.retailer.deliveries.back().method == "doorstep");
    CHECK(w.events("access_revoked").size() == 1);
    w.clock.advance(1900);
    CHECK(w.delivery.carrier_unlock(id, code).verdict == grants::Verdict::revoked);
    // Nothing more to revoke: a doorstep order is not for the trunk.
    CHECK(w.delivery.revoke(id, "api").code == orders::Code::conflict);
    CHECK(w.delivery.revoke("nope", "api").code == orders::Code::not_found);
  }
  SUBCASE("the retailer refuses the trunk access for good") {
    World w;
    std::string id = w.trunk_order();
    w.ship();
    REQUIRE(w.retailer.deliveries.size() == 1);
    w.retailer.delivery_answers[0](
        orders::DeliveryChangeOutcome{false, false, std::nullopt, "no_vehicle", "no vehicle given"});
    CHECK(w.book.live(id) == nullptr);
    CHECK(w.the(id).delivery->method == "doorstep");
    CHECK(w.reasons(id).find("refused") != std::string::npos);
  }
  SUBCASE("a retryable failure issues a new code later") {
    World w;
    std::string id = w.trunk_order();
    w.ship();
    REQUIRE(w.retailer.deliveries.size() == 1);
    const std::string first = *w.retailer.deliveries[0].code;
    w.retailer.delivery_answers[0](
        orders::DeliveryChangeOutcome{false, true, std::nullopt, "", "503 from the retailer"});
    CHECK(w.book.live(id) == nullptr);
    w.delivery.tick();
    CHECK(w.retailer.deliveries.size() == 1);  // not yet
    w.clock.advance(61);
    w.car_at(kHomeLat, kHomeLon);
    w.delivery.tick();
    REQUIRE(w.retailer.deliveries.size() == 2);
    REQUIRE(w.retailer.deliveries[1].code.has_value());
    CHECK(*w.retailer.deliveries[1].code != first);
    CHECK(w.book.live(id) != nullptr);
    CHECK(w.the(id).delivery->method == "trunk");
  }
}

TEST_CASE("delivery desk: a grant ended for good is never replaced by a new code") {
  auto status = [](World& w, const std::string& st, double eta) {
    w.desk.retailer_status("r-1", orders::RetailerStatus{st, "", std::nullopt, eta});
    w.delivery.tick();
  };
  auto wrong_codes = [](World& w, const std::string& id) {
    for (int i = 0; i < 5; ++i) w.delivery.carrier_unlock(id, "guess-" + std::to_string(i));
  };
  World w;
  std::string id = w.trunk_order();
  const std::string code = w.ship_and_accept();
  w.clock.advance(900);  // inside the window
  w.car_at(kHomeLat, kHomeLon);

  SUBCASE("five wrong codes while the order can still change: doorstep, retailer told") {
    wrong_codes(w, id);
    CHECK(w.book.live(id) == nullptr);
    CHECK(w.the(id).delivery->method == "doorstep");
    CHECK(w.reasons(id).find("too many wrong codes") != std::string::npos);
    REQUIRE(w.retailer.deliveries.size() == 2);
    CHECK(w.retailer.deliveries[1].method == "doorstep");
    CHECK_FALSE(w.retailer.deliveries[1].code.has_value());
    status(w, "shipped", kT0 + 3600);
    CHECK(w.retailer.deliveries.size() == 2);
    CHECK(w.book.live(id) == nullptr);
  }
  SUBCASE("five wrong codes with the carrier on its way: no new code, the old one stays dead") {
    status(w, "out_for_delivery", kT0 + 2000);
    wrong_codes(w, id);
    CHECK(w.book.live(id) == nullptr);
    status(w, "out_for_delivery", kT0 + 2400);  // a new ETA: the order changes, no grant comes
    w.clock.advance(61);
    w.delivery.tick();
    CHECK(w.retailer.deliveries.size() == 1);
    CHECK(w.book.live(id) == nullptr);
    CHECK(w.events("grant_issued").size() == 1);
    CHECK(w.delivery.carrier_unlock(id, code).verdict == grants::Verdict::locked_out);
  }
  SUBCASE("revoked by the user with the carrier on its way: it stays revoked") {
    status(w, "out_for_delivery", kT0 + 2000);
    REQUIRE(w.delivery.revoke(id, "cli").ok());
    status(w, "out_for_delivery", kT0 + 2400);
    w.clock.advance(61);
    w.delivery.tick();
    CHECK(w.book.live(id) == nullptr);
    CHECK(w.events("grant_issued").size() == 1);
    CHECK(w.delivery.carrier_unlock(id, code).verdict == grants::Verdict::revoked);
  }
  SUBCASE("unlocked, never opened, never locked: one lock soon, the grant ends, order stays") {
    auto commands = [&w] { return w.bus.on("larder/v1/vehicle/family-car/command"); };
    REQUIRE(w.delivery.carrier_unlock(id, code).verdict == grants::Verdict::ok);
    w.clock.advance(119);
    w.delivery.tick();
    CHECK(commands().size() == 1);  // the unlock
    w.clock.advance(1);
    w.delivery.tick();
    REQUIRE(commands().size() == 2);
    CHECK(json::parse(commands()[1].payload)["command"] == "lock");
    CHECK(w.events("trunk_not_locked").size() == 1);
    w.clock.advance(14400);  // the window is over; the car never reported the trunk locked
    w.delivery.tick();
    CHECK(w.book.live(id) == nullptr);
    CHECK(w.book.newest(id)->end_reason == "window_ended");
    CHECK(commands().size() == 2);
    // The carrier was at the car: no doorstep, and a later window brings no new code.
    CHECK(w.the(id).delivery->method == "trunk");
    const double later = w.clock.now() + 3600;
    w.desk.retailer_status(
        "r-1", orders::RetailerStatus{"shipped", "", orders::Window{later, later + 3600}, {}});
    w.delivery.tick();
    CHECK(w.events("grant_issued").size() == 1);
    CHECK(w.book.live(id) == nullptr);
  }
  SUBCASE("the window ends unused: doorstep, and a later status issues nothing") {
    w.clock.advance(14400);
    w.delivery.tick();
    CHECK(w.book.live(id) == nullptr);
    CHECK(w.the(id).delivery->method == "doorstep");
    CHECK(w.reasons(id).find("window ended") != std::string::npos);
    status(w, "shipped", w.clock.now() + 3600);
    CHECK(w.events("grant_issued").size() == 1);
  }
}

TEST_CASE("delivery desk: once its order is delivered a code opens nothing and shows no car") {
  World w;
  std::string id = w.trunk_order();
  const std::string code = w.ship_and_accept();
  w.clock.advance(900);  // inside the window
  w.car_at(kHomeLat, kHomeLon);
  auto delivered = [&w, &id] {
    w.desk.retailer_status("r-1", orders::RetailerStatus{"delivered", "", std::nullopt, {}});
    w.delivery.tick();
    REQUIRE(w.the(id).status == orders::OrderStatus::delivered);
  };
  auto commands = [&w] { return w.bus.on("larder/v1/vehicle/family-car/command").size(); };
  auto audited = [&w](const std::string& detail) {
    json audit = w.delivery.audit();
    CHECK(audit["verified"]["ok"] == true);
    int n = 0;
    for (const auto& e : audit["entries"]) n += e["event"] == "revoked" && e["detail"] == detail;
    return n;
  };

  SUBCASE("delivered before the carrier used the code: the grant dies at once, audited") {
    delivered();
    CHECK(w.book.live(id) == nullptr);
    CHECK(w.book.newest(id)->end_reason == "order_delivered");
    auto revoked = w.events("access_revoked");
    REQUIRE(revoked.size() == 1);
    CHECK(revoked[0]["order_id"] == id);
    CHECK(revoked[0]["text"].get<std::string>().find("the order was delivered") !=
          std::string::npos);
    CHECK(audited("order_delivered") == 1);
    auto view = w.delivery.carrier_view(id, code);
    CHECK(view.verdict == grants::Verdict::revoked);
    CHECK(view.body.is_null());
    CHECK(w.delivery.carrier_unlock(id, code).verdict == grants::Verdict::revoked);
    CHECK(commands() == 0);
    CHECK(w.events("grant_issued").size() == 1);  // and no new code follows
  }
  SUBCASE("a delivery the desk did not hear of: the carrier API ends the grant first") {
    w.desk.set_listener("delivery", nullptr);
    delivered();
    REQUIRE(w.book.live(id) != nullptr);
    CHECK(w.delivery.carrier_view(id, code).verdict == grants::Verdict::revoked);
    CHECK(w.book.newest(id)->end_reason == "order_delivered");
    CHECK(w.delivery.carrier_unlock(id, code).verdict == grants::Verdict::revoked);
    CHECK(commands() == 0);
    CHECK(audited("order_delivered") == 1);
  }
  SUBCASE("delivered while the carrier is at the trunk: the grant follows it to the lock") {
    REQUIRE(w.delivery.carrier_unlock(id, code).verdict == grants::Verdict::ok);
    w.trunk("open");
    delivered();
    REQUIRE(w.book.live(id) != nullptr);
    CHECK(w.events("access_revoked").empty());
    CHECK(w.delivery.carrier_view(id, code).verdict == grants::Verdict::already_used);
    CHECK(w.delivery.carrier_unlock(id, code).verdict == grants::Verdict::already_used);
    w.trunk("closed");
    w.trunk("locked");
    CHECK(w.book.live(id) == nullptr);
    CHECK(w.book.newest(id)->end_reason == "relocked");
    auto relocked = w.events("trunk_relocked");
    REQUIRE(relocked.size() == 1);
    CHECK(relocked[0]["text"].get<std::string>().find("was delivered") != std::string::npos);
    CHECK(commands() == 1);  // the unlock; no lock was needed
    CHECK(audited("order_delivered") == 0);
  }
}

TEST_CASE("delivery desk: an order shipped after its trunk window gets no grant") {
  World w;
  std::string id = w.trunk_order();
  w.clock.advance(300 + 14400 + 1);  // the trunk window [+300 s, +4 h 5 min) is over
  w.ship();
  w.clock.advance(3600);
  w.delivery.tick();
  CHECK(w.retailer.deliveries.empty());
  CHECK(w.book.newest(id) == nullptr);
  CHECK(w.events("grant_issued").empty());
}

TEST_CASE("delivery desk: a window moved by the retailer gets a new code for the new window") {
  World w;
  std::string id = w.trunk_order();
  const std::string first = w.ship_and_accept();
  orders::RetailerStatus s;
  s.status = "shipped";
  s.window = orders::Window{kT0 + 7200, kT0 + 10800};
  w.desk.retailer_status("r-1", s);
  w.delivery.tick();
  REQUIRE(w.retailer.deliveries.size() == 2);
  REQUIRE(w.retailer.deliveries[1].code.has_value());
  CHECK(*w.retailer.deliveries[1].code != first);
  const grants::Grant* g = w.book.live(id);
  REQUIRE(g != nullptr);
  CHECK(g->window.start == kT0 + 7200);
  CHECK(g->window.end == kT0 + 10800);
  CHECK(w.the(id).delivery->method == "trunk");
  // The same window again changes nothing.
  w.desk.retailer_status("r-1", s);
  w.delivery.tick();
  CHECK(w.retailer.deliveries.size() == 2);
  // In the new window the old code is dead and the new one opens the trunk.
  w.retailer.delivery_answers[1](orders::DeliveryChangeOutcome{true, false, std::nullopt, "", ""});
  w.clock.advance(7300);
  w.car_at(kHomeLat, kHomeLon);
  CHECK(w.delivery.carrier_unlock(id, first).verdict != grants::Verdict::ok);
  CHECK(w.delivery.carrier_unlock(id, *w.retailer.deliveries[1].code).verdict == grants::Verdict::ok);
  // Once the code was used, a window moved again changes nothing: no revoke, no lock.
  s.window = orders::Window{kT0 + 9000, kT0 + 12600};
  w.desk.retailer_status("r-1", s);
  w.delivery.tick();
  CHECK(w.retailer.deliveries.size() == 2);
  REQUIRE(w.book.live(id) != nullptr);
  CHECK(w.book.live(id)->state == grants::State::unlocked);
  CHECK(w.bus.on("larder/v1/vehicle/family-car/command").size() == 1);  // the unlock only
}

TEST_CASE("delivery desk: the learned patterns survive a restart") {
  test::TempDir dir;
  const std::string path = dir.file("delivery_patterns.json");
  double weight_home = 0;
  {
    World w;
    REQUIRE(w.delivery.restore(path).ok());
    for (int i = 0; i < 12; ++i) {
      w.car_at(kHomeLat, kHomeLon);
      w.clock.advance(900);
    }
    w.car_at(kHomeLat, kHomeLon);
    REQUIRE(w.delivery.save().ok());
    std::size_t hour = w.delivery.parking().hour_of_week(kT0);
    weight_home = w.delivery.parking().weight(hour, 0);
    CHECK(weight_home > 0.9);
  }
  World again;
  REQUIRE(again.delivery.restore(path).ok());
  std::size_t hour = again.delivery.parking().hour_of_week(kT0);
  CHECK(again.delivery.parking().weight(hour, 0) == doctest::Approx(weight_home));
  // A broken file is not fatal: learning starts again.
  dir.write("broken.json", "{not json");
  World third;
  CHECK(third.delivery.restore(dir.file("broken.json")).ok());
  CHECK(third.delivery.parking().weight(hour, 0) == 0);
}

TEST_CASE("delivery desk: a flood of refused carrier requests is throttled, then let through") {
  World w;
  std::string id = w.trunk_order();
  w.ship();
  const std::string code = *w.retailer.deliveries.at(0).code;
  w.clock.advance(400);
  w.car_at(kHomeLat, kHomeLon);
  // Guesses at other orders: no grant, no lockout of the real one, but counted.
  for (int i = 0; i < 30; ++i) {
    auto a = w.delivery.carrier_view("guess-" + std::to_string(i), "AAAAAAAAAAAAAAAAAAAAAAAAAAA");
    CHECK(a.verdict == grants::Verdict::no_grant);
    CHECK_FALSE(a.throttled_for.has_value());
  }
  // The 31st guess is throttled and checks nothing: it is not even audited.
  const auto audited = w.delivery.audit()["entries"].size();
  auto throttled = w.delivery.carrier_view("guess-x", "AAAAAAAAAAAAAAAAAAAAAAAAAAA");
  REQUIRE(throttled.throttled_for.has_value());
  CHECK(*throttled.throttled_for > 0);
  CHECK(w.delivery.audit()["entries"].size() == audited);
  // The real order's carrier is not held up by them: its order has its own count.
  SUBCASE("the carrier of the real order gets through at once") {
    CHECK(w.delivery.carrier_unlock(id, code).verdict == grants::Verdict::ok);
  }
  // Refusals about the real order (here: the car's last report is too old) count for it.
  SUBCASE("refusals about the real order throttle it until the minute has passed") {
    w.clock.advance(1000);
    for (int i = 0; i < 30; ++i) {
      CHECK(w.delivery.carrier_unlock(id, code).verdict == grants::Verdict::car_unknown);
    }
    CHECK(w.delivery.carrier_unlock(id, code).throttled_for.has_value());
    CHECK(w.bus.on("larder/v1/vehicle/family-car/command").empty());
    w.clock.advance(61);
    w.car_at(kHomeLat, kHomeLon);
    CHECK(w.delivery.carrier_unlock(id, code).verdict == grants::Verdict::ok);
  }
}

TEST_CASE("delivery desk: the voice intent RevokeAccess revokes and sends the order to the doorstep") {
  World w;
  PluginHost plugins{w.hub, w.bus, w.clock, w.metrics, "larder/v1"};
  VoiceDesk voice{w.config, w.hub, w.desk, plugins, w.bus, w.clock, w.metrics};
  voice.set_delivery(&w.delivery);
  auto say = [&](const json& slots) {
    json j = {{"intent", "RevokeAccess"}, {"slots", slots}, {"site", "hall"}, {"session", "s"}};
    w.hub.on_message(Message{"larder/v1/voice/intent", j.dump(), 1, false});
    return json::parse(w.bus.on("larder/v1/voice/say").back().payload)["text"].get<std::string>();
  };
  // Nothing for the trunk yet.
  CHECK(say(json::object()) == "No trunk access is granted at the moment.");
  std::string id = w.trunk_order();
  w.ship();
  REQUIRE(w.book.live(id) != nullptr);
  CHECK(say({{"item", "coffee"}}) == "Trunk access is revoked; the delivery goes to the doorstep.");
  CHECK(w.book.live(id) == nullptr);
  CHECK(w.the(id).delivery->method == "doorstep");
  CHECK(say(json::object()) == "No trunk access is granted at the moment.");
}
