// The order ledger (support/ledger_world.h) after the placing: the retailer's status by
// polls and callbacks until delivery, stale and replayed states, and the household's
// purchases that end the orders of a retailer that reports no status (bought).
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "orders/ledger.h"
#include "support/ledger_world.h"

using namespace larder;
using namespace larder::orders;
using namespace larder::test;
using nlohmann::json;

TEST_CASE("status is followed by polls and callbacks until delivery") {
  World w;
  std::string id = placed_order(w, "coffee", Source::sensor);
  const Order* o = w.led.find(id);
  CHECK(o->placed_at == kPlacedAt);
  CHECK(w.led.tick(kPlacedAt + 899).effects.empty());
  auto poll = w.led.tick(kPlacedAt + 900);
  CHECK(one<PollStatus>(poll).retailer_order_id == "r-" + id);
  CHECK(index_of<Persist>(poll) == -1);  // a poll changes nothing worth a write
  CHECK(w.led.tick(kPlacedAt + 901).effects.empty());

  // The signed callback knows only the retailer's id.
  RetailerStatus shipped = rs("shipped", "", Window{kT0 + kDay, kT0 + kDay + 3600});
  auto s = w.led.status("r-" + id, shipped, kT0 + kDay / 2);
  REQUIRE(s.ok());
  CHECK(o->status == OrderStatus::shipped);
  CHECK(kinds(s) == std::vector<std::string>{"order_shipped"});
  CHECK(one<PublishState>(s).state["delivery"]["window"]["start"] == kT0 + kDay);
  auto ofd = w.led.status(id, rs("out_for_delivery"), kT0 + kDay);
  CHECK(kinds(ofd).empty());
  CHECK(o->status == OrderStatus::shipped);
  CHECK(one<PollStatus>(w.led.tick(kT0 + kDay + 900)).order_id == id);

  double at = kPlacedAt + 1.5 * kDay;
  auto d = w.led.status("r-" + id, rs("delivered"), at);
  CHECK(o->status == OrderStatus::delivered);
  CHECK(kinds(d) == std::vector<std::string>{"order_delivered"});
  auto del = one<Delivered>(d);
  CHECK(del.consumable == "coffee");
  CHECK(del.packs == 1);
  CHECK(del.delivery_days == doctest::Approx(1.5));
  CHECK(one<Persist>(d).finished);
  {
    // Heard of a day late (the hub was down, or polled): the retailer's time of the
    // delivery counts, within [placed, now].
    std::string late = placed_order(w, "tea");
    RetailerStatus done = rs("delivered");
    done.updated = kPlacedAt + 2 * kDay;
    CHECK(one<Delivered>(w.led.status(late, done, kPlacedAt + 3 * kDay)).delivery_days ==
          doctest::Approx(2));
    // An `updated` the delivery did not move (the shipped state's, carried over) is no
    // time of the delivery: the hub's own then, which errs long, not short.
    std::string same = placed_order(w, "tea");
    RetailerStatus shipped_at = rs("shipped");
    shipped_at.updated = kPlacedAt + 0.5 * kDay;
    REQUIRE(w.led.status(same, shipped_at, kPlacedAt + 0.5 * kDay).ok());
    done.updated = shipped_at.updated;
    CHECK(one<Delivered>(w.led.status(same, done, kPlacedAt + 3 * kDay)).delivery_days ==
          doctest::Approx(3));
    std::string ahead = placed_order(w, "milk");
    done.updated = kPlacedAt + 0.5 * kDay;  // the retailer's clock runs ahead of ours
    CHECK(one<Delivered>(w.led.status(ahead, done, kPlacedAt + 0.25 * kDay)).delivery_days ==
          doctest::Approx(0.25));
  }
  // Late facts, and no more polls.
  CHECK(w.led.status(id, rs("shipped"), at + 1).effects.empty());
  CHECK(w.led.tick(at + kDay).effects.empty());
  CHECK(w.led.status(id, rs("lost"), at).code == Code::bad_input);
  CHECK(w.led.status("r-unknown", rs("shipped"), at).code == Code::not_found);

  // The retailer's own failure or cancel ends an order too, without a veto.
  std::string t = placed_order(w, "tea");
  auto f = w.led.status(t, rs("failed", "address not found"), kT0 + kDay);
  CHECK(w.led.find(t)->status == OrderStatus::failed);
  CHECK(w.led.find(t)->reason == "address not found");
  CHECK_FALSE(one<Cancelled>(f).by_user);
  std::string m = placed_order(w, "milk");
  auto rc = w.led.status(m, rs("cancelled"), kT0 + kDay);
  CHECK(w.led.find(m)->status == OrderStatus::cancelled);
  CHECK_FALSE(one<Cancelled>(rc).vetoed());
  // Not placed yet: the retailer cannot know it.
  std::string h = w.led.request(req("coffee", Source::button), kT0 + 2 * kDay).order_id;
  CHECK(w.led.status(h, rs("shipped"), kT0 + 2 * kDay).code == Code::conflict);
}

TEST_CASE("a retailer id used again: its news goes to the order still waiting for it") {
  World w;
  auto place_as = [&](const std::string& consumable, double at) {
    std::string id = w.led.request(req(consumable, Source::api), at).order_id;
    REQUIRE(quote(w, id, at + 5).ok());
    if (w.led.find(id)->status == OrderStatus::held) w.led.tick(at + 300);
    REQUIRE(w.led.place_result(id, placed_ok("r-again", at + 2 * kDay), at + 310).ok());
    return id;
  };
  std::string a = place_as("coffee", kT0);
  std::string b = place_as("tea", kT0 + 400);
  // Whichever of the two the ledger holds last is the one that has finished.
  const std::string done = std::max(a, b), waiting = std::min(a, b);
  REQUIRE(w.led.status(done, rs("delivered"), kT0 + kDay).ok());
  auto s = w.led.status("r-again", rs("shipped"), kT0 + kDay + 60);
  REQUIRE(s.ok());
  CHECK(s.order_id == waiting);
  CHECK(w.led.find(waiting)->status == OrderStatus::shipped);
  CHECK(w.led.find(done)->status == OrderStatus::delivered);
}

TEST_CASE("a state older than one applied moves no window: a replayed callback changes nothing") {
  World w;
  std::string id = placed_order(w, "coffee", Source::sensor);
  const Order* o = w.led.find(id);
  auto stamped = [](const std::string& status, double updated, std::optional<Window> win = {}) {
    RetailerStatus r = rs(status, "", win);
    r.updated = updated;
    return r;
  };
  const Window first{kT0 + kDay, kT0 + kDay + 3600}, later{kT0 + 2 * kDay, kT0 + 2 * kDay + 3600};
  REQUIRE(w.led.status("r-" + id, stamped("shipped", kT0 + 100, first), kT0 + 100).ok());
  REQUIRE(w.led.status("r-" + id, stamped("shipped", kT0 + 200, later), kT0 + 200).ok());
  CHECK(o->delivery->window->start == later.start);
  CHECK(o->retailer_updated == kT0 + 200);
  // The first callback again (signed, so it verifies): no window back, nothing to publish.
  auto replay = w.led.status("r-" + id, stamped("shipped", kT0 + 100, first), kT0 + 300);
  REQUIRE(replay.ok());
  CHECK(replay.effects.empty());
  CHECK(o->delivery->window->start == later.start);
  CHECK(o->retailer_updated == kT0 + 200);
  // The same state again is no change either.
  CHECK(w.led.status("r-" + id, stamped("shipped", kT0 + 200, later), kT0 + 301).effects.empty());
  // Kept across a restart.
  World b;
  REQUIRE(b.led.load(w.led.save()).ok());
  CHECK(b.led.find(id)->retailer_updated == kT0 + 200);
  // A retailer whose clock steps back still delivers: a status only moves forward anyway.
  auto d = w.led.status("r-" + id, stamped("delivered", kT0 + 150), kT0 + 400);
  CHECK(o->status == OrderStatus::delivered);
  CHECK(kinds(d) == std::vector<std::string>{"order_delivered"});
  // An `updated` a year ahead (milliseconds, a broken clock) is not taken as a time: the
  // next honest state still moves the window.
  std::string u = placed_order(w, "milk");
  const Order* om = w.led.find(u);
  REQUIRE(w.led.status(u, stamped("placed", kT0 + 400 * kDay, first), kT0 + 500).ok());
  CHECK_FALSE(om->retailer_updated.has_value());
  REQUIRE(w.led.status(u, stamped("placed", kT0 + 600, later), kT0 + 600).ok());
  CHECK(om->delivery->window->start == later.start);
  // A time that is no number is refused.
  std::string t = placed_order(w, "tea");
  CHECK(w.led.status(t, stamped("shipped", std::nan("")), kT0).code == Code::bad_input);
  CHECK(w.led.find(t)->status == OrderStatus::placed);
}

TEST_CASE("bought: a purchase ends placed orders, the oldest first, while its packs last") {
  World w(webhook_config());
  std::string first = placed_order(w);
  // A person asked for more: a second order of coffee, placed later.
  auto more = w.led.request(req("coffee", Source::api, 2, true), kPlacedAt + 10);
  REQUIRE(more.ok());
  REQUIRE(quote(w, more.order_id, kPlacedAt + 11).ok());
  REQUIRE(w.led.place_result(more.order_id, placed_ok("r-2", kT0 + 3 * kDay), kPlacedAt + 20)
              .ok());
  CHECK(w.led.bought("coffee", 1, kPlacedAt - 5, kPlacedAt + 30).effects.empty());  // before
  CHECK(w.led.bought("tea", 1, kPlacedAt + 40, kPlacedAt + 40).effects.empty());
  auto one_pack = w.led.bought("coffee", 1, kPlacedAt + 50, kPlacedAt + 50);
  CHECK(w.led.find(first)->status == OrderStatus::delivered);
  CHECK(w.led.find(more.order_id)->status == OrderStatus::placed);
  auto d = one<Delivered>(one_pack);
  CHECK(d.packs == 0);           // the purchase counted its packs itself
  CHECK(d.delivery_days == 0);   // and tells no delivery time
  CHECK(one<Event>(one_pack).kind == "order_delivered");
  // A purchase of 1 pack ends an order of 2: what the household records is the truth.
  w.led.bought("coffee", 1, kPlacedAt + 60, kPlacedAt + 60);
  CHECK(w.led.find(more.order_id)->status == OrderStatus::delivered);
  CHECK(w.led.bought("coffee", 1, kPlacedAt + 70, kPlacedAt + 70).effects.empty());

  // Packs matched to the orders before: an order of 2 and one of 1, a purchase of 2 ends
  // the first only, one of 3 both.
  for (int bought : {2, 3}) {
    World v(webhook_config());
    auto a = v.led.request(req("coffee", Source::api, 2), kT0);
    REQUIRE(quote(v, a.order_id, kT0 + 5).ok());
    REQUIRE(v.led.place_result(a.order_id, placed_ok("r-a", kT0 + kDay), kT0 + 6).ok());
    auto b = v.led.request(req("coffee", Source::api, 1, true), kT0 + 10);
    REQUIRE(quote(v, b.order_id, kT0 + 15).ok());
    REQUIRE(v.led.place_result(b.order_id, placed_ok("r-b", kT0 + kDay), kT0 + 16).ok());
    auto r = v.led.bought("coffee", bought, kT0 + 100, kT0 + 100);
    CHECK(all_of<Delivered>(r).size() == (bought == 2 ? 1u : 2u));
    CHECK(v.led.find(a.order_id)->status == OrderStatus::delivered);
    CHECK((v.led.find(b.order_id)->status == OrderStatus::delivered) == (bought == 3));
  }

  // A retailer that tells deliveries: a purchase is the household's own, its order goes on.
  World r;
  std::string told = placed_order(r);
  CHECK(r.led.bought("coffee", 1, kPlacedAt + 50, kPlacedAt + 50).effects.empty());
  CHECK(r.led.find(told)->status == OrderStatus::placed);
}

TEST_CASE("the retailer's stage never goes back: a replayed shipped after out_for_delivery") {
  World w;
  std::string id = placed_order(w);
  auto at = [](double t) {
    RetailerStatus r = rs("shipped");
    r.updated = t;
    return r;
  };
  REQUIRE(w.led.status(id, at(kT0 + kDay), kT0 + kDay).ok());
  RetailerStatus ofd = rs("out_for_delivery");
  ofd.updated = kT0 + 2 * kDay;
  REQUIRE(w.led.status(id, ofd, kT0 + 2 * kDay).ok());
  REQUIRE(w.led.find(id)->retailer_status == "out_for_delivery");
  REQUIRE(w.led.status(id, at(kT0 + kDay), kT0 + 2 * kDay + 60).ok());  // replayed
  CHECK(w.led.find(id)->retailer_status == "out_for_delivery");
  REQUIRE(w.led.status(id, rs("shipped"), kT0 + 2 * kDay + 120).ok());  // no time: a poll
  CHECK(w.led.find(id)->retailer_status == "out_for_delivery");
}
