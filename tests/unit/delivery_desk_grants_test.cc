// The delivery desk's trunk grants on the real hub, order desk, ledger and grant book, with
// a manual clock (helpers: support/delivery_world.h): the code on its way to the retailer
// only, the carrier's unlock and the trunk's relock, the user's and the retailer's revoke, a
// grant ended for good, a delivered order's code, a window moved or missed, and a flood of
// refused carrier requests. Their HTTP routes: delivery_routes_test.cc.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "support/delivery_world.h"

using namespace larder;
using namespace larder::test;
using nlohmann::json;

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

  // A `locked` the car's bridge took before the unlock, delivered late: the grant stays
  // (it would end with the trunk left unlocked, and the delivery never seen).
  w.clock.advance(5);
  w.trunk("locked", 200);
  CHECK(w.book.live(id) != nullptr);
  CHECK(w.events("trunk_relocked").empty());
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
  SUBCASE("a finished trunk order has nothing to revoke, and is told so") {
    World w;
    std::string id = w.trunk_order();
    orders::RetailerStatus done;
    done.status = "delivered";
    w.desk.retailer_status("r-1", done);
    REQUIRE(w.the(id).status == orders::OrderStatus::delivered);
    orders::Reply r = w.delivery.revoke(id, "api");
    CHECK(r.code == orders::Code::conflict);
    CHECK(r.status.message() == "order " + id + " is delivered: nothing to revoke");
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

    // Refused again and again: each try a new grant, the replaced ones forgotten. (The tries
    // back off up to 5 minutes in the window: the next test case.)
    for (std::size_t k = 1; k < 4; ++k) {
      w.retailer.delivery_answers[k](
          orders::DeliveryChangeOutcome{false, true, std::nullopt, "", "503 from the retailer"});
      w.clock.advance(301);
      w.car_at(kHomeLat, kHomeLon);
      w.delivery.tick();
      REQUIRE(w.retailer.deliveries.size() == k + 2);
    }
    w.clock.advance(600);
    w.delivery.tick();
    REQUIRE(w.book.all().size() == 1);
    CHECK(w.book.all()[0].id == w.book.live(id)->id);
    // Its window long over, the order's last grant stays while the order goes on.
    w.clock.advance(91 * 86400.0);
    w.delivery.tick();
    REQUIRE(w.book.newest(id) != nullptr);
    CHECK_FALSE(w.book.newest(id)->live());
    w.clock.advance(91 * 86400.0);
    w.delivery.tick();
    CHECK(w.book.newest(id) != nullptr);
  }
}

TEST_CASE("delivery desk: a code the retailer never confirmed before a crash is replaced") {
  World w;
  std::string id = w.trunk_order();
  w.ship();  // the grant is issued and its code is on its way: the hub dies before the answer
  REQUIRE(w.retailer.deliveries.size() == 1);
  const std::string first = *w.retailer.deliveries[0].code;
  const std::string first_grant = w.book.live(id)->id;
  CHECK_FALSE(w.book.live(id)->handed);

  Restarted again(w);
  REQUIRE(again.book.live(id) != nullptr);
  CHECK_FALSE(again.book.live(id)->handed);
  again.delivery.tick();
  // Only the code's hash was kept: a new grant, and its code goes to the retailer.
  REQUIRE(again.retailer.deliveries.size() == 1);
  REQUIRE(again.retailer.deliveries[0].code.has_value());
  CHECK(*again.retailer.deliveries[0].code != first);
  REQUIRE(again.book.live(id) != nullptr);
  CHECK(again.book.live(id)->id != first_grant);
  CHECK(again.desk.ledger().find(id)->delivery->method == "trunk");
  again.retailer.delivery_answers[0](
      orders::DeliveryChangeOutcome{true, false, std::nullopt, "", ""});
  CHECK(again.book.live(id)->handed);
  again.delivery.tick();
  CHECK(again.retailer.deliveries.size() == 1);

  // Confirmed before the next crash: the code stands.
  Restarted third(w);
  REQUIRE(third.book.live(id) != nullptr);
  CHECK(third.book.live(id)->handed);
  third.delivery.tick();
  CHECK(third.retailer.deliveries.empty());
}

TEST_CASE("delivery desk: a grant ended for good is never replaced by a new code") {
  auto status = [](World& w, const std::string& st, double eta) {
    w.desk.retailer_status("r-1", orders::RetailerStatus{st, "", std::nullopt, eta, std::nullopt});
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
        "r-1", orders::RetailerStatus{"shipped", "", orders::Window{later, later + 3600}, {}, {}});
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
    w.desk.retailer_status("r-1", orders::RetailerStatus{"delivered", "", std::nullopt, {}, {}});
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

TEST_CASE("delivery desk: a stale position ends no grant; a fresh one does") {
  World w;
  std::string id = w.trunk_order();
  w.ship_and_accept();
  // In the window, a position from long ago, as the broker's retained copy reaches a
  // restarted hub: newer than the last one the hub has, but older than car_stale_s (900 s),
  // the car away and moving. It says nothing of where the car is now.
  w.clock.advance(2000);
  json j = {{"lat", kHomeLat + 0.02}, {"lon", kHomeLon}, {"acc", 10}, {"moving", true},
            {"ts", w.clock.now() - 1000}};
  w.hub.on_message(Message{"larder/v1/vehicle/family-car/location", j.dump(), 1, true});
  CHECK(w.book.live(id) != nullptr);
  CHECK(w.events("access_revoked").empty());
  CHECK(w.the(id).delivery->method == "trunk");
  // A fresh one at home called moving, as a tracker plugin started again calls its first
  // fix: the car is where the carrier will look for it, and the code waits on (the
  // carrier's unlock waits until the car is called parked).
  w.car_at(kHomeLat, kHomeLon, true);
  CHECK(w.book.live(id) != nullptr);
  CHECK(w.events("access_revoked").empty());
  // A fresh one that shows the car driving away: the grant ends.
  w.car_at(kHomeLat + 0.02, kHomeLon, true);
  CHECK(w.book.live(id) == nullptr);
  CHECK(w.events("access_revoked").size() == 1);
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

TEST_CASE("delivery desk: out for delivery, the code stays and the record keeps the trunk") {
  World w;
  std::string id = w.trunk_order();
  const std::string code = w.ship_and_accept();
  // On its way, the retailer narrows the window: the carrier holds the code, and the
  // retailer would refuse a new one (409). The grant stays; no new code is sent.
  orders::RetailerStatus out;
  out.status = "out_for_delivery";
  out.window = orders::Window{kT0 + 600, kT0 + 3600};
  w.desk.retailer_status("r-1", out);
  w.delivery.tick();
  CHECK(w.retailer.deliveries.size() == 1);
  REQUIRE(w.book.live(id) != nullptr);
  CHECK(w.events("access_revoked").empty());
  CHECK(w.the(id).delivery->method == "trunk");
  w.clock.advance(700);
  w.car_at(kHomeLat, kHomeLon);
  CHECK(w.delivery.carrier_unlock(id, code).verdict == grants::Verdict::ok);

  // A first access the retailer refuses because the parcel is already out: the hub does
  // not record a doorstep the retailer never took, nor send it one.
  World late;
  std::string other = late.trunk_order();
  late.ship();
  REQUIRE(late.retailer.deliveries.size() == 1);
  orders::RetailerStatus gone;
  gone.status = "out_for_delivery";
  late.desk.retailer_status("r-1", gone);
  late.retailer.delivery_answers[0](
      orders::DeliveryChangeOutcome{false, false, std::nullopt, "HTTP 409 out_for_delivery", ""});
  late.delivery.tick();
  CHECK(late.the(other).delivery->method == "trunk");
  CHECK(late.retailer.deliveries.size() == 1);  // no doorstep change sent
  CHECK(late.events("delivery_replanned").empty());
}

TEST_CASE("delivery desk: a failed order ends its code as failed; a second revoke says why") {
  World w;
  std::string id = w.trunk_order();
  w.ship_and_accept();
  orders::RetailerStatus failed;
  failed.status = "failed";
  failed.reason = "trunk_not_opened";
  w.desk.retailer_status("r-1", failed);
  REQUIRE(w.book.newest(id) != nullptr);
  CHECK(w.book.newest(id)->end_reason == "order_failed");
  auto revoked = w.events("access_revoked");
  REQUIRE(revoked.size() == 1);
  CHECK(revoked[0]["text"].get<std::string>().find("the order failed") != std::string::npos);

  // Out for delivery, revoked once by the user: a second revoke says the access ended.
  World v;
  std::string other = v.trunk_order();
  v.ship_and_accept();
  orders::RetailerStatus out;
  out.status = "out_for_delivery";
  v.desk.retailer_status("r-1", out);
  REQUIRE(v.delivery.revoke(other, "api").ok());
  orders::Reply again = v.delivery.revoke(other, "cli");
  CHECK(again.code == orders::Code::conflict);
  CHECK(again.status.message() ==
        "order " + other + " has no trunk access to revoke: it ended (user)");
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
