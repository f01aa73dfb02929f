// The delivery desk on the real hub, order desk, ledger and grant book, with a manual
// clock (helpers: support/delivery_world.h): the decision as it reaches the order, in the
// household's language, replanning when the car moves away, the learned patterns across a
// restart, and the voice intent that revokes access. The grant, its code and the carrier's
// way to the trunk are in delivery_desk_grants_test.cc; the whole path through mosquitto,
// larderd and the real sandbox is tests/integration/trunk_delivery_test.cc.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "support/delivery_world.h"

using namespace larder;
using namespace larder::test;
using nlohmann::json;

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

TEST_CASE("delivery desk: a retried trunk placement sends the car it sent first, reloads or not") {
  // The retailer holds a key's order with its body: a retry after a lost answer must send
  // the same body, though a reload or a restart changed the car or the place meanwhile.
  World w;
  w.car_at(kHomeLat, kHomeLon);
  w.home(false);
  auto request = w.desk.make_request("coffee", 1, orders::Source::api, false);
  REQUIRE(request.has_value());
  const std::string id = w.desk.request(*request).order_id;
  REQUIRE(w.retailer.quote_answers.size() == 1);
  w.retailer.quote_answers[0](orders::QuoteOutcome{w.quote(300), false, ""});
  w.desk.tick();
  REQUIRE(w.retailer.places.size() == 1);
  REQUIRE(w.retailer.places[0].vehicle.has_value());
  orders::PlaceResult lost;
  lost.kind = orders::PlaceResult::Kind::retryable;
  lost.reason = "no answer: timeout";
  w.retailer.place_answers[0](lost);
  w.config.vehicles[0].make = "Skoda Octavia";
  w.config.vehicles[0].plate_hint = "M-XY";
  w.config.delivery.places[0].lat += 0.01;
  w.clock.advance(600);
  w.desk.tick();
  REQUIRE(w.retailer.places.size() == 2);
  auto same_car = [&](const orders::PlaceCall& call) {
    REQUIRE(call.vehicle.has_value());
    CHECK(call.idempotency_key == w.retailer.places[0].idempotency_key);
    CHECK(call.vehicle->make == "VW Golf");
    CHECK(call.vehicle->plate_hint == "M-LR");
    CHECK(call.vehicle->lat == kHomeLat);
    CHECK(call.vehicle->lon == kHomeLon);
  };
  same_car(w.retailer.places[1]);
  // A restart reads the car from the store with the order; its state does not show it.
  OrderDesk restarted{w.config, w.ledger_random, w.store,   w.bus,
                      w.hub,    &w.retailer,     w.clock,   w.metrics};
  REQUIRE(restarted.restore().ok());
  CHECK_FALSE(orders::state_json(*restarted.ledger().find(id))["delivery"].contains("vehicle"));
  w.clock.advance(1);
  restarted.tick();
  REQUIRE(w.retailer.places.size() == 3);
  same_car(w.retailer.places[2]);
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

TEST_CASE("delivery desk: the car driving away before the window moves the order to the doorstep") {
  World w;
  std::string id = w.trunk_order();
  REQUIRE(w.the(id).delivery->method == "trunk");
  // Called moving at home, as a tracker plugin started again calls its first fix: the car
  // is still where the delivery goes.
  w.clock.advance(30);
  w.car_at(kHomeLat, kHomeLon, /*moving=*/true);
  CHECK(w.the(id).delivery->method == "trunk");
  CHECK(w.events("delivery_replanned").empty());
  w.clock.advance(30);
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

TEST_CASE("delivery desk: a replan judges the window the retailer moved the order to") {
  World w;
  // Parked at home every day: a habit strong enough to outweigh a drive a day ahead.
  for (int i = 0; i < 21 * 24 * 4; ++i) {
    w.car_at(kHomeLat, kHomeLon);
    w.clock.advance(900);
  }
  std::string id = w.trunk_order();
  REQUIRE(w.the(id).delivery->method == "trunk");
  // The retailer moves the delivery to tomorrow, same hours.
  orders::RetailerStatus s;
  s.status = "placed";
  const orders::Window quoted = *w.the(id).delivery->window;
  s.window = orders::Window{quoted.start + 86400, quoted.end + 86400};
  w.desk.retailer_status("r-1", s);
  REQUIRE(w.the(id).delivery->window->start == quoted.start + 86400);
  // The car drives off now: that says little of tomorrow, when it is parked at home.
  w.clock.advance(60);
  w.car_at(48.20, 11.70, /*moving=*/true);
  INFO(w.reasons(id));
  CHECK(w.the(id).delivery->method == "trunk");
  CHECK(w.events("delivery_replanned").empty());
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

TEST_CASE("delivery desk: presence habits learn from a report behind another person's") {
  World w;
  const auto& pattern = w.delivery.presence_pattern();
  const std::size_t hour = pattern.hour_of_week(kT0);
  // Alex's phone runs two minutes ahead; Ben's report has no ts (the hub's now).
  w.home(true, "alex", 120.0);
  w.clock.advance(1);
  w.home(false, "alex", 120.0);
  w.home(true, "ben", std::nullopt);
  REQUIRE(w.hub.presence("ben") == true);
  CHECK(pattern.last_state() == 1);  // someone is home from the last change on
  w.clock.advance(1800);
  w.home(false, "ben", std::nullopt);
  CHECK(pattern.last_state() == 0);
  CHECK(pattern.weight(hour, 1) > 0.45);  // the half hour Ben was home
}

TEST_CASE("delivery desk: a presence report long behind sets the state; the time before, none") {
  World w;
  const auto& pattern = w.delivery.presence_pattern();
  const std::size_t hour = pattern.hour_of_week(kT0);
  w.home(false, "ben");
  w.clock.advance(1800);
  // A report 10 minutes older than the last (a retained one after a restart, a phone's
  // late queue): someone is home from now on, and what the half hour was is unknown.
  w.home(true, "alex", -2400.0);
  REQUIRE(w.hub.presence("alex") == true);
  CHECK(pattern.last_ts() == kT0 + 1800);
  CHECK(pattern.last_state() == 1);
  CHECK(pattern.weight(hour, 0) == 0);
  w.clock.advance(600);
  w.home(false, "ben");
  CHECK(pattern.weight(hour, 0) == 0);
  CHECK(pattern.weight(hour, 1) == doctest::Approx(600.0 / 3600));
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
