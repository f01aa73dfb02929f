// The trunk access grants (grants/grant_book.h): the trunk's way from unlock to relock
// (opened, closed, locked; a lock without an opening; a trunk left unlocked or open and
// its lock command), and whose grant a trunk cycle belongs to. Helpers: grant_world.h.
#include <doctest/doctest.h>

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "support/grant_world.h"

using namespace larder;
using namespace larder::grants;
using namespace larder::test;

TEST_CASE("the full path: unlock, open, close, lock, delivered and revoked") {
  World w;
  const std::string code = w.issue();
  Effects fx;
  auto v = w.book.view("coffee-1", code, kIn, fx);
  CHECK(v.verdict == Verdict::ok);
  REQUIRE(v.grant);
  CHECK(v.grant->window.end == kWindow.end);
  CHECK(w.store.audit_entries().size() == 1);  // an ok view is not audited
  CHECK(fx.events.empty());

  auto u = w.book.unlock("coffee-1", code, kIn, parked(kIn - 30), fx);
  REQUIRE(u.verdict == Verdict::ok);
  REQUIRE(fx.commands.size() == 1);
  CHECK(fx.commands[0].vehicle == "family-car");
  CHECK(fx.commands[0].command == "unlock_trunk");
  CHECK(fx.commands[0].grant_id == w.grant().id);
  CHECK(kinds(fx) == Kinds{"trunk_unlocked"});
  CHECK(w.grant().state == State::unlocked);
  CHECK(w.store.audit_entries().back().event == "used");

  Effects t;
  w.book.on_trunk("other-car", "open", kIn + 60, kIn + 60, t);  // another car's trunk
  CHECK(w.grant().state == State::unlocked);
  w.book.on_trunk("family-car", "open", kIn + 60, kIn + 60, t);
  CHECK(w.grant().state == State::opened);
  w.book.on_trunk("family-car", "closed", kIn + 120, kIn + 120, t);
  CHECK(w.grant().state == State::closed);
  CHECK(t.delivered_by_trunk.empty());
  w.book.on_trunk("family-car", "locked", kIn + 125, kIn + 125, t);
  CHECK(w.grant().state == State::revoked);
  CHECK(w.grant().end_reason == "relocked");
  CHECK(w.book.live("coffee-1") == nullptr);
  CHECK(t.delivered_by_trunk == std::vector<std::string>{"coffee-1"});
  CHECK(kinds(t) == Kinds{"trunk_relocked"});
  CHECK(t.commands.empty());

  // The code opens once: afterwards it is refused as used, and a second lock changes nothing.
  Effects again;
  CHECK(w.book.unlock("coffee-1", code, kIn + 200, parked(kIn + 190), again).verdict ==
        Verdict::already_used);
  w.book.on_trunk("family-car", "locked", kIn + 300, kIn + 300, again);
  CHECK(again.delivered_by_trunk.empty());
  CHECK(again.commands.empty());
  // (The refusal of an ended grant is not audited: anyone may ask, docs/delivery.md.)
  auto log = w.audit();
  REQUIRE(log.size() == 3);
  CHECK(log[0].event == "issued");
  CHECK(log[1].event == "used");
  CHECK(log[2].event == "revoked");
  CHECK(log[2].detail.find("relocked") == 0);
}

TEST_CASE("a trunk locked without being opened is no delivery, and reuse while unlocked fails") {
  World w;
  const std::string code = w.issue();
  Effects fx;
  REQUIRE(w.book.unlock("coffee-1", code, kIn, parked(kIn), fx).verdict == Verdict::ok);
  CHECK(w.book.unlock("coffee-1", code, kIn + 5, parked(kIn), fx).verdict ==
        Verdict::already_used);
  CHECK(fx.commands.size() == 1);  // no second unlock_trunk
  // Reports taken before the unlock and delivered after it (a polling bridge, a car out of
  // coverage) are about the trunk before it: a `locked` a second before, an `open` a minute
  // before.
  Effects late;
  w.book.on_trunk("family-car", "locked", kIn - 1, kIn + 5, late);
  w.book.on_trunk("family-car", "open", kIn - 60, kIn + 6, late);
  CHECK(w.grant().state == State::unlocked);
  CHECK(late.events.empty());
  Effects t;
  w.book.on_trunk("family-car", "locked", kIn + 30, kIn + 30, t);
  CHECK(w.grant().end_reason == "relocked");
  CHECK(t.delivered_by_trunk.empty());
  CHECK(kinds(t) == Kinds{"trunk_relocked"});
  CHECK(t.events[0].text.find("not delivered") != std::string::npos);
}

TEST_CASE("an open stamped by a car clock a few seconds behind the hub's still counts") {
  World w;
  const std::string code = w.issue();
  Effects fx;
  REQUIRE(w.book.unlock("coffee-1", code, kIn, parked(kIn), fx).verdict == Verdict::ok);
  w.book.on_trunk("family-car", "open", kIn - GrantBook::kTrunkSkewS, kIn + 20, fx);
  CHECK(w.grant().state == State::opened);
  Effects t;
  w.book.on_trunk("family-car", "closed", kIn + 80, kIn + 90, t);
  w.book.on_trunk("family-car", "locked", kIn + 85, kIn + 95, t);
  CHECK(t.delivered_by_trunk == std::vector<std::string>{"coffee-1"});
}

TEST_CASE("a code is bound to its order: another order's code is a wrong code there") {
  World w;
  const std::string coffee = w.issue("coffee-1");
  const std::string pods = w.issue("pods-1");
  REQUIRE(coffee != pods);
  Effects fx;
  CHECK(w.book.view("pods-1", coffee, kIn, fx).verdict == Verdict::wrong_code);
  CHECK(w.book.unlock("pods-1", coffee, kIn, parked(kIn), fx).verdict == Verdict::wrong_code);
  CHECK(w.grant("pods-1").wrong_codes == 2);
  CHECK(w.grant("coffee-1").wrong_codes == 0);
  CHECK(fx.commands.empty());
  CHECK(w.book.unlock("pods-1", pods, kIn, parked(kIn), fx).verdict == Verdict::ok);
}

TEST_CASE("wrong codes are counted, and the fifth locks the grant out for good") {
  World w;
  const std::string code = w.issue();
  for (int i = 1; i <= 4; ++i) {
    Effects fx;
    auto c = (i % 2 ? w.book.view("coffee-1", "guess" + std::to_string(i), kIn, fx)
                    : w.book.unlock("coffee-1", "guess", kIn, parked(kIn), fx));
    CHECK(c.verdict == Verdict::wrong_code);
    CHECK(w.grant().wrong_codes == i);
    CHECK(kinds(fx) == Kinds{"grant_refused"});
    CHECK(fx.commands.empty());
    CHECK(w.store.audit_entries().back().detail ==
          "wrong_code (" + std::to_string(i) + " of 5)");
  }
  CHECK(w.store.grant_texts().begin()->second.find("\"wrong_codes\":4") != std::string::npos);
  Effects fx;
  CHECK(w.book.unlock("coffee-1", code + "x", kIn, parked(kIn), fx).verdict ==
        Verdict::wrong_code);
  CHECK(kinds(fx) == Kinds{"grant_refused", "access_revoked"});
  CHECK(w.grant().state == State::revoked);
  CHECK(w.grant().end_reason == "lockout");
  Effects after;
  CHECK(w.book.unlock("coffee-1", code, kIn, parked(kIn), after).verdict == Verdict::locked_out);
  CHECK(w.book.view("coffee-1", "other", kIn, after).verdict == Verdict::locked_out);
  CHECK(w.grant().wrong_codes == 5);
  CHECK(after.commands.empty());
  // A dead grant's refusals are neither announced nor audited (anyone may ask): the log
  // ends with the lockout.
  CHECK(after.events.empty());
  CHECK(w.store.audit_entries().back().event == "revoked");
  CHECK(w.store.audit_entries().back().detail.find("lockout") == 0);
}

TEST_CASE("the window: before and after it the right code is refused, its end revokes") {
  World w;
  const std::string code = w.issue();
  Effects fx;
  CHECK(w.book.view("coffee-1", code, kWindow.start - 1, fx).verdict == Verdict::outside_window);
  CHECK(w.book.unlock("coffee-1", code, kWindow.start - 1, parked(kWindow.start - 1), fx)
            .verdict == Verdict::outside_window);
  CHECK(w.book.view("coffee-1", code, kWindow.start, fx).verdict == Verdict::ok);
  CHECK(w.book.unlock("coffee-1", code, kWindow.end, parked(kWindow.end), fx).verdict ==
        Verdict::outside_window);
  CHECK(fx.commands.empty());
  CHECK(w.grant().state == State::issued);
  CHECK(w.grant().wrong_codes == 0);

  Effects t;
  w.book.tick(kWindow.end - 1, t);
  CHECK(w.book.live("coffee-1"));
  w.book.tick(kWindow.end, t);
  CHECK(w.book.live("coffee-1") == nullptr);
  CHECK(w.grant().end_reason == "window_ended");
  CHECK(kinds(t) == Kinds{"access_revoked"});
  CHECK(w.book.view("coffee-1", code, kWindow.end + 1, t).verdict == Verdict::revoked);
}

TEST_CASE("the car: unknown, stale, moving, outside the place, or only blurred") {
  World w;
  const std::string code = w.issue();
  Effects fx;
  CHECK(w.book.unlock("coffee-1", code, kIn, std::nullopt, fx).verdict == Verdict::car_unknown);
  CHECK(w.book.unlock("coffee-1", code, kIn, parked(kIn - 901), fx).verdict ==
        Verdict::car_unknown);
  VehicleNow moving = parked(kIn);
  moving.moving = true;
  CHECK(w.book.unlock("coffee-1", code, kIn, moving, fx).verdict == Verdict::car_moving);
  CHECK(w.book.unlock("coffee-1", code, kIn, away(kIn), fx).verdict ==
        Verdict::car_not_in_place);
  // At home, but the fix is too vague to be sure: refused, and yet not revoked.
  CHECK(w.book.unlock("coffee-1", code, kIn, parked(kIn, 250), fx).verdict ==
        Verdict::car_not_in_place);
  w.book.on_location("family-car", parked(kIn, 250), kIn, fx);
  CHECK(fx.commands.empty());
  CHECK(w.grant().state == State::issued);
  CHECK(w.grant().wrong_codes == 0);
  CHECK(kinds(fx) == Kinds(5, "grant_refused"));
  auto log = w.audit();
  REQUIRE(log.size() == 6);
  CHECK(log[1].detail == "car_unknown");
  CHECK(log[3].detail == "car_moving");
  CHECK(log[5].detail == "car_not_in_place");
  CHECK(w.book.unlock("coffee-1", code, kIn, parked(kIn - 899), fx).verdict == Verdict::ok);
}

TEST_CASE("a car that moves or is parked elsewhere during the window revokes the grant") {
  World w;
  const std::string a = w.issue("coffee-1"), b = w.issue("tea-1");
  VehicleNow moving = parked(kT0 + 100);
  moving.moving = true;
  Effects before;
  w.book.on_location("family-car", moving, kT0 + 100, before);  // before the window: planner's
  CHECK(before.events.empty());
  CHECK(w.book.live("coffee-1"));

  // In the window, a position taken before the grant was issued (a retained fix handed to a
  // restarted hub) is no news of the car since: it ends nothing.
  Effects old;
  moving.ts = kT0 - 60;
  w.book.on_location("family-car", moving, kIn, old);
  w.book.on_location("family-car", away(kT0 - 60), kIn, old);
  CHECK(old.events.empty());
  CHECK(w.book.live("coffee-1"));

  // Called moving while surely in its place: a tracker plugin started again (larderd
  // restarted in the window) calls its first fix moving. The code waits on.
  Effects here;
  moving.ts = kIn;
  w.book.on_location("family-car", moving, kIn, here);
  CHECK(here.events.empty());
  CHECK(w.book.live("coffee-1"));
  // So blurred that it may be outside, or surely out of it: the car drove off.
  Effects fx;
  moving.accuracy_m = 250;
  w.book.on_location("other-car", moving, kIn, fx);
  CHECK(fx.events.empty());
  w.book.on_location("family-car", moving, kIn, fx);
  CHECK(w.grant("coffee-1").end_reason == "car_moved");
  CHECK(w.grant("tea-1").end_reason == "car_moved");
  CHECK(kinds(fx) == Kinds{"access_revoked", "access_revoked"});
  CHECK(w.book.unlock("coffee-1", a, kIn, parked(kIn), fx).verdict == Verdict::revoked);

  World v;
  const std::string c = v.issue();
  Effects p;
  v.book.on_location("family-car", away(kIn), kIn, p);
  CHECK(v.grant().end_reason == "left_place");
  CHECK(v.book.unlock("coffee-1", c, kIn, parked(kIn), p).verdict == Verdict::revoked);
  (void)b;
}

TEST_CASE("the car driving away with its trunk unlocked, not yet opened: the grant ends, locked") {
  World w;
  const std::string code = w.issue();
  Effects fx;
  REQUIRE(w.book.unlock("coffee-1", code, kIn, parked(kIn - 30), fx).verdict == Verdict::ok);
  REQUIRE(w.grant().state == State::unlocked);
  // A fix from before the unlock is no news.
  VehicleNow moving = parked(kIn - 10);
  moving.moving = true;
  Effects before;
  w.book.on_location("family-car", moving, kIn + 20, before);
  CHECK(before.events.empty());
  CHECK(w.grant().state == State::unlocked);
  // After it, the car drives off: the grant ends and the trunk gets a lock command.
  moving.ts = kIn + 30;
  Effects off;
  w.book.on_location("family-car", moving, kIn + 30, off);
  CHECK(w.grant().end_reason == "car_moved");
  REQUIRE(off.commands.size() == 1);
  CHECK(off.commands[0].command == "lock");
  CHECK(kinds(off) == Kinds{"access_revoked"});

  // Opened: the carrier is at the trunk; a fix does not end that (the lock does).
  World o;
  const std::string c2 = o.issue();
  Effects f2;
  REQUIRE(o.book.unlock("coffee-1", c2, kIn, parked(kIn - 30), f2).verdict == Verdict::ok);
  o.book.on_trunk("family-car", "open", kIn + 10, kIn + 10, f2);
  Effects moved;
  o.book.on_location("family-car", away(kIn + 20), kIn + 20, moved);
  CHECK(o.grant().state == State::opened);
}

TEST_CASE("a trunk left unlocked or closed but not locked gets one lock command") {
  World w;
  const std::string code = w.issue();
  Effects fx;
  REQUIRE(w.book.unlock("coffee-1", code, kIn, parked(kIn), fx).verdict == Verdict::ok);
  w.book.on_trunk("family-car", "open", kIn + 10, kIn + 10, fx);
  w.book.on_trunk("family-car", "closed", kIn + 40, kIn + 40, fx);
  Effects t;
  w.book.tick(kIn + 40 + 119, t);
  CHECK(t.commands.empty());
  w.book.tick(kIn + 40 + 120, t);
  REQUIRE(t.commands.size() == 1);
  CHECK(t.commands[0].command == "lock");
  CHECK(t.commands[0].vehicle == "family-car");
  CHECK_FALSE(t.commands[0].grant_id);
  CHECK(kinds(t) == Kinds{"trunk_not_locked"});
  CHECK(w.grant().lock_sent);
  Effects later;
  w.book.tick(kIn + 1000, later);
  w.book.tick(kWindow.end + 119, later);  // past the window: still no second lock
  CHECK(later.commands.empty());
  CHECK(later.events.empty());
  w.book.on_trunk("family-car", "locked", kWindow.end + 119, kWindow.end + 119, later);
  CHECK(later.delivered_by_trunk == std::vector<std::string>{"coffee-1"});

  // Unlocked and never opened: locked lock_timeout_s after the unlock, not hours later when
  // the window is over. The code is used up, and the relock ends the grant: no delivery.
  World u;
  const std::string c2 = u.issue();
  REQUIRE(u.book.unlock("coffee-1", c2, kIn, parked(kIn), fx).verdict == Verdict::ok);
  Effects t2;
  u.book.tick(kIn + 119, t2);
  CHECK(t2.commands.empty());
  u.book.tick(kIn + 120, t2);
  REQUIRE(t2.commands.size() == 1);
  CHECK(t2.commands[0].command == "lock");
  CHECK(kinds(t2) == Kinds{"trunk_not_locked"});
  CHECK(t2.events[0].text.find("not opened") != std::string::npos);
  Effects t3;
  u.book.tick(kIn + 1000, t3);
  CHECK(t3.commands.empty());
  CHECK(t3.events.empty());
  CHECK(u.book.unlock("coffee-1", c2, kIn + 1000, parked(kIn + 1000), t3).verdict ==
        Verdict::already_used);
  u.book.on_trunk("family-car", "locked", kIn + 1001, kIn + 1001, t3);
  CHECK(u.grant().end_reason == "relocked");
  CHECK(t3.delivered_by_trunk.empty());
  CHECK(t3.commands.empty());

  // The car never reports the trunk locked: the used grant ends lock_timeout_s after its
  // window (window_ended), with no second lock, instead of staying `unlocked` for ever.
  World n;
  const std::string c3 = n.issue();
  REQUIRE(n.book.unlock("coffee-1", c3, kIn, parked(kIn), fx).verdict == Verdict::ok);
  Effects t4;
  n.book.tick(kIn + 120, t4);
  REQUIRE(t4.commands.size() == 1);
  n.book.tick(kWindow.end + 119, t4);
  CHECK(n.grant().state == State::unlocked);
  n.book.tick(kWindow.end + 120, t4);
  CHECK(n.grant().state == State::revoked);
  CHECK(n.grant().end_reason == "window_ended");
  CHECK(t4.commands.size() == 1);
  CHECK(kinds(t4) == Kinds{"trunk_not_locked", "access_revoked"});

  // Still open when the window is over: one lock lock_timeout_s after the window's end, and
  // the grant waits lock_timeout_s more for the trunk to report it locked.
  World o;
  const std::string c4 = o.issue();
  REQUIRE(o.book.unlock("coffee-1", c4, kIn, parked(kIn), fx).verdict == Verdict::ok);
  Effects t5;
  o.book.on_trunk("family-car", "open", kIn + 10, kIn + 10, t5);
  o.book.tick(kWindow.end + 119, t5);
  CHECK(t5.commands.empty());
  o.book.tick(kWindow.end + 120, t5);
  REQUIRE(t5.commands.size() == 1);
  CHECK(t5.events[0].text.find("not locked after the delivery") != std::string::npos);
  o.book.tick(kWindow.end + 239, t5);
  CHECK(o.grant().state == State::opened);
  o.book.tick(kWindow.end + 240, t5);
  CHECK(o.grant().end_reason == "window_ended");
  CHECK(t5.commands.size() == 1);
}

TEST_CASE("a trunk's cycle belongs to the grant that unlocked it last; its lock ends the others") {
  // Coffee's window closes at kIn + 100; its carrier unlocks and never opens. Tea's carrier
  // unlocks 2.5 minutes after that window and delivers: one open, close and lock.
  World w;
  Effects fx;
  auto coffee = w.book.issue("coffee-1", "family-car", {kWindow.start, kIn + 100}, kHome, kT0, fx);
  REQUIRE(coffee.ok());
  const std::string tea = w.issue("tea-1");
  REQUIRE(w.book.unlock("coffee-1", coffee->code, kIn, parked(kIn), fx).verdict == Verdict::ok);
  REQUIRE(w.book.unlock("tea-1", tea, kIn + 250, parked(kIn + 250), fx).verdict == Verdict::ok);
  Effects t;
  w.book.on_trunk("family-car", "open", kIn + 260, kIn + 260, t);
  CHECK(w.grant("tea-1").state == State::opened);
  CHECK(w.grant("coffee-1").state == State::unlocked);
  CHECK_FALSE(w.grant("coffee-1").opened_at);
  w.book.on_trunk("family-car", "closed", kIn + 280, kIn + 280, t);
  CHECK(w.grant("tea-1").state == State::closed);
  CHECK(w.grant("coffee-1").state == State::unlocked);
  w.book.on_trunk("family-car", "locked", kIn + 290, kIn + 290, t);
  CHECK(t.delivered_by_trunk == std::vector<std::string>{"tea-1"});
  CHECK(w.grant("tea-1").end_reason == "relocked");
  CHECK(w.grant("coffee-1").end_reason == "relocked");
  CHECK(kinds(t) == Kinds{"trunk_relocked", "access_revoked"});
  CHECK(t.events[0].order_id == "tea-1");
  CHECK(t.events[0].text.find("was delivered") != std::string::npos);
  CHECK(t.events[1].order_id == "coffee-1");
  CHECK(t.events[1].text.find("delivered") == std::string::npos);
  CHECK(t.commands.empty());  // the trunk is locked: no lock for either
  auto log = w.audit();
  REQUIRE(log.size() >= 2);
  CHECK(log[log.size() - 2].detail == "relocked (the trunk was opened)");
  CHECK(log[log.size() - 2].order_id == "tea-1");
  CHECK(log.back().detail == "relocked");
  CHECK(log.back().order_id == "coffee-1");

  // An older grant opened for its own parcel and closed, but not yet locked, when a later code
  // unlocks the trunk: the later cycle does not touch it, and the lock delivers both.
  World v;
  const std::string a = v.issue("coffee-1"), b = v.issue("tea-1");
  Effects u;
  REQUIRE(v.book.unlock("coffee-1", a, kIn, parked(kIn), u).verdict == Verdict::ok);
  v.book.on_trunk("family-car", "open", kIn + 10, kIn + 10, u);
  v.book.on_trunk("family-car", "closed", kIn + 20, kIn + 20, u);
  REQUIRE(v.book.unlock("tea-1", b, kIn + 60, parked(kIn + 60), u).verdict == Verdict::ok);
  v.book.on_trunk("family-car", "open", kIn + 70, kIn + 70, u);
  CHECK(v.grant("coffee-1").state == State::closed);
  CHECK(*v.grant("coffee-1").closed_at == kIn + 20);
  v.book.on_trunk("family-car", "closed", kIn + 80, kIn + 80, u);
  Effects l;
  v.book.on_trunk("family-car", "locked", kIn + 90, kIn + 90, l);
  CHECK(l.delivered_by_trunk == std::vector<std::string>{"tea-1", "coffee-1"});
  CHECK(kinds(l) == Kinds{"trunk_relocked", "trunk_relocked"});
}
