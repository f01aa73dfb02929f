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

namespace {

// A shipped trunk order whose window begins in 5 minutes (and lasts 4 hours), and the
// retailer's answers to the desk's tries to hand its code over.
struct Tries {
  World w;
  std::string id = w.trunk_order();
  std::size_t sent = 0;  // codes sent to the retailer so far

  Tries() {
    w.ship();
    sent = 1;
    REQUIRE(w.retailer.deliveries.size() == sent);
  }
  void refused() {
    w.retailer.delivery_answers.at(sent - 1)(
        orders::DeliveryChangeOutcome{false, true, std::nullopt, "", "503 from the retailer"});
  }
  // The next try comes `wait` seconds after the refusal, not a second earlier.
  void next_try_after(double wait) {
    CAPTURE(wait);
    w.clock.advance(wait - 1);
    w.car_at(kHomeLat, kHomeLon);
    w.delivery.tick();
    REQUIRE(w.retailer.deliveries.size() == sent);
    w.clock.advance(1);
    w.delivery.tick();
    REQUIRE(w.retailer.deliveries.size() == ++sent);
  }
  // The retailer moves the window to begin `start_in` seconds from now, for 4 hours.
  orders::Window move_window(double start_in) {
    orders::RetailerStatus moved;
    moved.status = "shipped";
    moved.window = orders::Window{w.clock.now() + start_in, w.clock.now() + start_in + 14400};
    w.desk.retailer_status("r-1", moved);
    return *moved.window;
  }
  // Refused at every try: up to the window as in the first case below, then 5 minutes apart
  // until 10 minutes of it are left.
  void refused_until_ten_minutes_left() {
    const double end = w.the(id).delivery->window->end;
    for (double wait : {60, 120, 60, 60}) {
      refused();
      next_try_after(wait);
    }
    while (end - w.clock.now() > 600) {
      refused();
      next_try_after(300);
    }
  }
};

}  // namespace

TEST_CASE("delivery desk: the tries to hand a code over back off, but not past the window") {
  // A retailer's outage of hours cost a grant_issued and an access_revoked event, and two
  // audit rows, every minute.
  Tries t;
  auto& [w, id, sent] = t;
  auto refused = [&t] { t.refused(); };
  auto next_try_after = [&t](double wait) { t.next_try_after(wait); };
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
  t.move_window(7200);
  w.delivery.tick();
  REQUIRE(w.retailer.deliveries.size() == ++sent);
  for (double wait : {60, 120, 240, 480, 900, 900}) {
    refused();
    next_try_after(wait);
  }
  CHECK(w.the(id).delivery->method == "trunk");
}

TEST_CASE("delivery desk: late in the window the tries keep to the time it has left") {
  Tries t;
  const double end = t.w.the(t.id).delivery->window->end;
  // Up to the window as above, then 5 minutes apart while it has 10 minutes or more left.
  t.refused_until_ten_minutes_left();
  CHECK(end - t.w.clock.now() == 600);
  // Then half the time left, at least a minute: 300 s to the very end came after it, when a
  // code opens nothing.
  for (double wait : {300, 150, 75, 60}) {
    t.refused();
    t.next_try_after(wait);
  }
  CHECK(end - t.w.clock.now() == 15);
  const std::size_t last = t.sent;
  t.refused();
  t.w.clock.advance(3600);
  t.w.delivery.tick();
  CHECK(t.w.retailer.deliveries.size() == last);  // the window has ended: no new code
  CHECK(t.w.events("grant_issued").size() == last);
}

TEST_CASE("delivery desk: a window moved while the code was on its way gets a new code") {
  Tries t;
  // The retailer moves the window before it answers the code's handover: nothing is sent
  // while that answer is awaited.
  const orders::Window moved = t.move_window(7200);
  t.w.delivery.tick();
  REQUIRE(t.w.retailer.deliveries.size() == 1);
  const std::string first = *t.w.retailer.deliveries[0].code;
  // It takes the code, which was made for the old window: a new one for the new window.
  t.w.retailer.delivery_answers.at(0)(
      orders::DeliveryChangeOutcome{true, false, std::nullopt, "", ""});
  t.w.delivery.tick();
  REQUIRE(t.w.retailer.deliveries.size() == 2);
  REQUIRE(t.w.retailer.deliveries[1].code.has_value());
  CHECK(*t.w.retailer.deliveries[1].code != first);
  const grants::Grant* g = t.w.book.live(t.id);
  REQUIRE(g != nullptr);
  CHECK(g->window.start == moved.start);
  CHECK(g->window.end == moved.end);
  CHECK(t.w.events("access_revoked").size() == 1);
}

TEST_CASE("delivery desk: a window moved while a try waits holds the try to the new window") {
  Tries t;
  // Refused, with the next try a minute later; the retailer moves the window (5 minutes
  // away) to 2 hours away: the try stays where it was, and the waits grow towards the new
  // window as before.
  t.refused();
  t.move_window(7200);
  for (double wait : {60, 120, 240, 480, 900}) {
    t.next_try_after(wait);
    t.refused();
  }
  // A window moved again and again (a retailer's estimate, while it takes no code) brings
  // no try sooner, nor later when it moves farther: the 15 minutes are waited out.
  t.move_window(7000);
  t.move_window(7100);
  t.w.clock.advance(300);
  t.move_window(9000);
  t.next_try_after(600);
  // Refused again, with 15 minutes to wait; the retailer brings the window forward to
  // begin in 4 minutes: the try comes 2 minutes later (half the time left before it), not
  // 11 minutes into the window.
  t.refused();
  t.w.clock.advance(10);
  t.move_window(240);
  t.next_try_after(120);
  t.refused();
  t.next_try_after(60);
  CHECK(t.w.the(t.id).delivery->method == "trunk");
  CHECK(t.w.events("grant_issued").size() == t.sent);
}

TEST_CASE("delivery desk: a try that finds its window ended stops; a new window starts anew") {
  Tries t;
  t.refused_until_ten_minutes_left();
  // Refused with 10 minutes left, the next try due in 5; the hub's loop stalls past the
  // window's end (a tick an hour late): that try opens nothing, so it is not made.
  t.refused();
  t.w.clock.advance(3600);
  t.w.delivery.tick();
  CHECK(t.w.retailer.deliveries.size() == t.sent);
  // The retailer sets a new window: a code at once, and the waits start from a minute.
  t.move_window(7200);
  t.w.delivery.tick();
  REQUIRE(t.w.retailer.deliveries.size() == ++t.sent);
  t.refused();
  t.next_try_after(60);
}

TEST_CASE("delivery desk: tries stopped at the window's end wait for a new window, not news") {
  Tries t;
  t.refused_until_ten_minutes_left();
  for (double wait : {300, 150, 75, 60}) {
    t.refused();
    t.next_try_after(wait);
  }
  t.refused();  // 15 s of the window left: no try after it
  // News of the order in the same window (a new ETA, twice) brings no new code.
  const orders::Window window = *t.w.the(t.id).delivery->window;
  for (double eta : {window.end - 10, window.end - 5}) {
    t.w.desk.retailer_status("r-1", orders::RetailerStatus{"shipped", "", window, eta,
                                                            std::nullopt});
    t.w.delivery.tick();
    CHECK(t.w.the(t.id).eta == eta);
  }
  CHECK(t.w.retailer.deliveries.size() == t.sent);
  CHECK(t.w.events("grant_issued").size() == t.sent);
  // A new window does.
  t.move_window(7200);
  t.w.delivery.tick();
  CHECK(t.w.retailer.deliveries.size() == t.sent + 1);
}

TEST_CASE("delivery desk: a try waiting when the hub stops comes at once after its start") {
  Tries t;
  t.refused();  // the next try due in a minute; the hub is restarted before it
  Restarted again(t.w);
  again.delivery.tick();
  REQUIRE(again.retailer.deliveries.size() == 1);
  REQUIRE(again.retailer.deliveries[0].code.has_value());
  const grants::Grant* g = again.book.live(t.id);
  REQUIRE(g != nullptr);
  CHECK(g->window == *t.w.the(t.id).delivery->window);
  again.retailer.delivery_answers[0](
      orders::DeliveryChangeOutcome{true, false, std::nullopt, "", ""});
  CHECK(again.book.live(t.id)->handed);
  // Taken: neither this hub nor the next one sends another code.
  again.delivery.tick();
  CHECK(again.retailer.deliveries.size() == 1);
  Restarted third(t.w);
  third.delivery.tick();
  CHECK(third.retailer.deliveries.empty());
}

TEST_CASE("delivery desk: no try undoes a revoke made while the code was on its way") {
  Tries t;
  // Out for delivery, the code's handover not yet answered: the household revokes the
  // access (the order keeps the trunk, as the retailer has it), then the retailer fails.
  orders::RetailerStatus out;
  out.status = "out_for_delivery";
  t.w.desk.retailer_status("r-1", out);
  REQUIRE(t.w.delivery.revoke(t.id, "test").ok());
  t.refused();
  for (int i = 0; i < 60; ++i) {
    t.w.clock.advance(60);
    t.w.delivery.tick();
  }
  CHECK(t.w.retailer.deliveries.size() == 1);
  CHECK(t.w.book.live(t.id) == nullptr);
  CHECK(t.w.events("grant_issued").size() == 1);
}
