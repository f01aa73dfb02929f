// The delivery desk's tries to hand a trunk code over to a retailer that cannot be reached
// (daemon/app/delivery_desk.h, DeliveryDeskOptions::access_retry_*): each wait to the
// second, before the window and in it, and from a minute again after a success. On the real
// hub, order desk, ledger and grant book, with a manual clock (support/delivery_world.h).
#include <doctest/doctest.h>

#include <cstddef>
#include <string>

#include "support/delivery_world.h"

using namespace larder;
using namespace larder::test;

TEST_CASE("delivery desk: the tries to hand a code over back off, but not past the window") {
  // A retailer's outage of hours cost a grant_issued and an access_revoked event, and two
  // audit rows, every minute.
  World w;
  const std::string id = w.trunk_order();  // the window begins in 5 minutes
  w.ship();
  std::size_t sent = 1;
  REQUIRE(w.retailer.deliveries.size() == sent);
  auto refused = [&] {
    w.retailer.delivery_answers.at(sent - 1)(
        orders::DeliveryChangeOutcome{false, true, std::nullopt, "", "503 from the retailer"});
  };
  // The next try comes `wait` seconds after the refusal, not a second earlier.
  auto next_try_after = [&](double wait) {
    CAPTURE(wait);
    w.clock.advance(wait - 1);
    w.car_at(kHomeLat, kHomeLon);
    w.delivery.tick();
    REQUIRE(w.retailer.deliveries.size() == sent);
    w.clock.advance(1);
    w.delivery.tick();
    REQUIRE(w.retailer.deliveries.size() == ++sent);
  };
  // Doubling from a minute, but at most half the time left before the window (300 s, then
  // 240, 120, 60: at least a minute), and at most 5 minutes once it has begun.
  for (double wait : {60, 120, 60, 60, 300, 300}) {
    refused();
    next_try_after(wait);
  }
  CHECK(w.events("grant_issued").size() == sent);
  // Taken at last. The retailer then moves the window to 2 hours from now: a new code at
  // once, and after refusals the waits start from a minute again, up to 15 minutes.
  w.retailer.delivery_answers.at(sent - 1)(
      orders::DeliveryChangeOutcome{true, false, std::nullopt, "", ""});
  REQUIRE(w.book.live(id) != nullptr);
  orders::RetailerStatus moved;
  moved.status = "shipped";
  moved.window = orders::Window{w.clock.now() + 7200, w.clock.now() + 14400};
  w.desk.retailer_status("r-1", moved);
  w.delivery.tick();
  REQUIRE(w.retailer.deliveries.size() == ++sent);
  for (double wait : {60, 120, 240, 480, 900, 900}) {
    refused();
    next_try_after(wait);
  }
  CHECK(w.the(id).delivery->method == "trunk");
}
