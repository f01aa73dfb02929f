// The order desk's own rules, on the real hub and ledger with a manual clock: a commit the
// store refuses holds the retailer back until the order is committed, buttons reach the
// ledger (a duplicate press is answered with the order in flight), and without a retailer
// nothing is ordered. The retailer here is a recorder of the port's calls that answers
// when the test says so: the adapters have their own tests against real servers
// (tests/integration/*_retailer_test.cc) and the whole path runs end to end in
// tests/integration/sandbox_orders_test.cc.
#include <doctest/doctest.h>

#include <functional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "support/order_desk_world.h"

using namespace larder;
using namespace larder::test;
using nlohmann::json;

namespace {
constexpr double kT0 = kDeskT0;
}  // namespace


TEST_CASE("a commit the store refuses holds the retailer back until the order is committed") {
  Desk d;
  d.store.broken = true;
  auto r = d.desk.request(*d.desk.make_request("coffee", 1, orders::Source::api, false));
  REQUIRE(r.ok());
  CHECK(d.retailer.quotes.empty());  // not committed: not asked
  CHECK(d.metrics.get("larder_orders_persist_errors_total") == 1);

  d.store.broken = false;
  d.clock.advance(29);
  d.desk.tick();
  CHECK(d.retailer.quotes.empty());  // the quote counts as asked until it times out
  d.clock.advance(2 + d.config.orders.retry.max_s);
  d.desk.tick();
  d.clock.advance(d.config.orders.retry.max_s);
  d.desk.tick();
  REQUIRE(d.retailer.quotes.size() == 1);
  REQUIRE_FALSE(d.store.saved.empty());  // committed before the quote went out

  // The quote comes; the place goes out only after its commit, with the committed key.
  d.store.broken = true;
  d.retailer.quote_answers[0]({quote_for(d.retailer.quotes[0], d.clock.now()), false, ""});
  CHECK(d.retailer.places.empty());
  d.store.broken = false;
  for (int i = 0; i < 20 && d.retailer.places.empty(); ++i) {
    d.clock.advance(60);
    d.desk.tick();
  }
  REQUIRE(d.retailer.places.size() == 1);
  const json last = json::parse(d.store.saved.back().json);
  CHECK(last["idempotency_key"] == d.retailer.places[0].idempotency_key);
  CHECK(last["sent"] == true);
  CHECK(d.retailer.places[0].order_state["order_id"] == r.order_id);
}

TEST_CASE("buttons reach the ledger: reorder, a duplicate answered with the order, cancel") {
  Desk d;
  d.press("single");
  const orders::Order* o = d.desk.ledger().in_flight("coffee");
  REQUIRE(o);
  CHECK(o->status == orders::OrderStatus::held);
  CHECK(o->source == orders::Source::button);
  const std::string id = o->id;
  CHECK(d.events("order_held").size() == 1);
  REQUIRE(d.retailer.quotes.size() == 1);  // the quote is taken inside the window

  d.press("single");  // the other person's press
  auto dup = d.events("order_exists");
  REQUIRE(dup.size() == 1);
  CHECK(dup[0]["order_id"] == id);
  CHECK(dup[0]["button"] == "coffee_button");
  CHECK(d.desk.ledger().orders().size() == 1);

  d.press("double");
  CHECK(d.desk.ledger().find(id)->status == orders::OrderStatus::cancelled);
  CHECK(d.retailer.places.empty());
  CHECK(d.events("order_cancelled").size() == 1);
  // The state went out retained, as the contract wants.
  auto states = d.bus.on("larder/v1/order/" + id + "/state");
  REQUIRE_FALSE(states.empty());
  CHECK(states.back().retained);
  CHECK(json::parse(states.back().payload)["status"] == "cancelled");

  d.press("long");  // nothing to confirm now: nothing happens
  CHECK(d.desk.ledger().orders().size() == 1);
}

namespace {
// A field of the coffee's committed model, wherever the model keeps it.
json committed_field(const std::vector<StoredState>& states, const std::string& key) {
  for (const StoredState& s : states) {
    if (s.consumable != "coffee") continue;
    std::function<json(const json&)> find = [&](const json& j) -> json {
      if (!j.is_object()) return nullptr;
      if (j.contains(key)) return j[key];
      for (const auto& [k, v] : j.items()) {
        if (json f = find(v); !f.is_null()) return f;
      }
      return nullptr;
    };
    return find(json::parse(s.json));
  }
  return nullptr;
}
}  // namespace

TEST_CASE("an order's fate is committed with the model's knowing it, in one commit") {
  // A SIGKILL right after a user's cancel once kept the cancelled order and lost the
  // model's record of the cancel (saved at the next flush), so the restarted hub ordered
  // the same need again. The model hears first; the order's commit takes its state along.
  // Here: the order placed at the retailer, and then delivered.
  Desk d;
  d.place_api_order();
  REQUIRE(json::parse(d.store.saved.back().json)["status"] == "placed");
  CHECK(committed_field(d.store.committed_with_order.back(), "placed") == true);
  // No flush ran in between: the state came with the order's commit.
  CHECK(d.store.pending() == 0);

  d.clock.advance(d.config.orders.poll_interval_s + 1);
  d.desk.tick();
  REQUIRE(d.retailer.status_answers.size() == 1);
  orders::StatusOutcome delivered;
  delivered.status =
      orders::RetailerStatus{"delivered", "", std::nullopt, std::nullopt, std::nullopt};
  d.retailer.status_answers[0](delivered);
  REQUIRE(json::parse(d.store.saved.back().json)["status"] == "delivered");
  CHECK(committed_field(d.store.committed_with_order.back(), "placed") == false);
  CHECK(committed_field(d.store.committed_with_order.back(), "on_hand") == 1);
}

TEST_CASE("without a retailer nothing is ordered and the refusal says why") {
  Desk d;
  OrderDesk none(d.config, d.random, d.store, d.bus, d.hub, nullptr, d.clock, d.metrics);
  auto r = none.request(*none.make_request("coffee", 1, orders::Source::api, false));
  CHECK(r.code == orders::Code::conflict);
  CHECK(r.status.message().find("no retailer") != std::string::npos);
  CHECK(none.ledger().orders().empty());
  CHECK_FALSE(none.make_request("tea", 1, orders::Source::api, false).has_value());
}

TEST_CASE("an order the retailer answers 404 for on three polls in a row ends failed") {
  // retailer-v1: a 4xx other than 429 is final. Before, the poll was retried forever and
  // the order, still "placed", kept its consumable from being ordered again.
  Desk d;
  const std::string order_id = d.place_api_order();
  REQUIRE(d.desk.ledger().find(order_id)->status == orders::OrderStatus::placed);

  auto poll = [&] {
    const std::size_t before = d.retailer.statuses.size();
    d.clock.advance(d.config.orders.poll_interval_s + 1);
    d.desk.tick();
    REQUIRE(d.retailer.statuses.size() == before + 1);
    CHECK(d.retailer.statuses.back() == "r-1");
    return d.retailer.status_answers.back();
  };
  orders::StatusOutcome gone;
  gone.reason = "HTTP 404 not_found: no order r-1";
  gone.final = gone.unknown_order = true;
  orders::StatusOutcome down;
  down.reason = "HTTP 503";
  orders::StatusOutcome still;
  still.status = orders::RetailerStatus{"placed", "", std::nullopt, std::nullopt, std::nullopt};

  // Two 404s, then an answer: the count starts again. A 503 counts for nothing.
  poll()(gone);
  poll()(gone);
  poll()(still);
  poll()(gone);
  poll()(down);
  poll()(gone);
  CHECK(d.desk.ledger().find(order_id)->status == orders::OrderStatus::placed);
  poll()(gone);  // the third 404 in a row
  const orders::Order* o = d.desk.ledger().find(order_id);
  CHECK(o->status == orders::OrderStatus::failed);
  CHECK(o->reason.find("the retailer no longer knows the order") != std::string::npos);
  CHECK(o->reason_why.id == "order.reason.unknown_order");  // the household's words from it
  CHECK(d.desk.ledger().in_flight("coffee") == nullptr);  // the need may be ordered again
  CHECK(d.events("order_failed").size() == 1);
}

namespace {
// Six days of the coffee jar going down 25 g a day: the rate is known, the status ok or low.
std::string learn_coffee(Desk& d) {
  for (int h = 0; h <= 6 * 24; ++h) {
    d.hub.on_message(Message{"larder/v1/consumable/coffee/level",
                             R"({"value":)" + std::to_string(450 - h * 25.0 / 24) +
                                 R"(,"unit":"g","ts":)" +
                                 std::to_string(static_cast<long>(d.clock.now())) + "}",
                             1, false});
    d.clock.advance(3600);
    d.hub.tick();
  }
  return d.hub.consumable("coffee")->status;
}
}  // namespace

TEST_CASE("a consumable says ordered from its order's undo window on, and not after a cancel") {
  // The contract's `ordered` is "an order is in flight": a button's order held in its
  // undo window is one (orders.md), though the model hears of it only once placed.
  Desk d;
  const std::string before = learn_coffee(d);
  REQUIRE((before == "ok" || before == "low"));
  d.press("single");
  const orders::Order* o = d.desk.ledger().in_flight("coffee");
  REQUIRE(o);
  REQUIRE(o->status == orders::OrderStatus::held);
  CHECK(d.hub.consumable("coffee")->status == "ordered");
  d.clock.advance(3);  // past the 2 s between two publications of one state
  d.hub.publish_pending();
  CHECK(json::parse(d.bus.on("larder/v1/consumable/coffee/state").back().payload)["status"] ==
        "ordered");
  d.press("double");  // undone in the window
  CHECK(d.hub.consumable("coffee")->status == before);
}

TEST_CASE("ordered: not while the user is asked, at once after a restart, and over at delivery") {
  {
    // A voice order asks first: nothing is ordered unless the user says yes.
    Desk v;
    const std::string before = learn_coffee(v);
    REQUIRE((before == "ok" || before == "low"));
    auto asked = v.desk.request(*v.desk.make_request("coffee", 1, orders::Source::voice, false));
    REQUIRE(asked.ok());
    REQUIRE(v.desk.ledger().find(asked.order_id)->status ==
            orders::OrderStatus::awaiting_confirmation);
    CHECK(v.hub.consumable("coffee")->status == before);
  }
  Desk d;
  learn_coffee(d);
  d.press("single");  // held in its undo window: the model knows nothing of it yet
  const std::string id = d.desk.ledger().in_flight("coffee")->id;
  REQUIRE(d.desk.ledger().find(id)->status == orders::OrderStatus::held);
  CHECK(d.hub.consumable("coffee")->status == "ordered");

  // A restart: the first state the new hub publishes says ordered, with no `low` between.
  d.hub.persist();
  REQUIRE(d.store.flush().ok());
  const std::size_t seen = d.bus.on("larder/v1/consumable/coffee/state").size();
  {
    Hub hub{d.config, d.bus, d.store, d.clock, d.metrics};
    OrderDesk desk{d.config, d.random, d.store, d.bus, hub, &d.retailer, d.clock, d.metrics};
    hub.set_order_actions(&desk);
    REQUIRE(desk.restore().ok());
    REQUIRE(hub.restore().ok());
    auto states = d.bus.on("larder/v1/consumable/coffee/state");
    REQUIRE(states.size() == seen + 1);
    CHECK(json::parse(states.back().payload)["status"] == "ordered");
  }

  // Placed after the window, then delivered: the order is over, and the state says so.
  REQUIRE(d.retailer.quotes.size() == 1);
  d.retailer.quote_answers[0]({test::quote_for(d.retailer.quotes[0], d.clock.now()), false, ""});
  d.clock.advance(d.config.orders.undo_window_s.button + 1);
  d.desk.tick();
  REQUIRE(d.retailer.places.size() == 1);
  orders::PlaceResult placed;
  placed.retailer_order_id = "r-1";
  d.retailer.place_answers[0](placed);
  REQUIRE(d.desk.ledger().find(id)->status == orders::OrderStatus::placed);
  CHECK(d.hub.consumable("coffee")->status == "ordered");
  d.clock.advance(d.config.orders.poll_interval_s + 1);
  d.desk.tick();
  REQUIRE_FALSE(d.retailer.status_answers.empty());
  orders::StatusOutcome delivered;
  delivered.status = orders::RetailerStatus{"delivered", "", std::nullopt, std::nullopt, std::nullopt};
  const std::size_t before_delivery = d.bus.on("larder/v1/consumable/coffee/state").size();
  d.retailer.status_answers.back()(delivered);
  REQUIRE(d.desk.ledger().find(id)->status == orders::OrderStatus::delivered);
  CHECK(d.hub.consumable("coffee")->status == "ok");  // a new pack on hand
  d.clock.advance(3);
  d.hub.publish_pending();
  // Straight from ordered to ok: no `low` between (the order over before the model knew).
  auto states = d.bus.on("larder/v1/consumable/coffee/state");
  REQUIRE(states.size() > before_delivery);
  for (std::size_t i = before_delivery; i < states.size(); ++i) {
    CHECK(json::parse(states[i].payload)["status"] == "ok");
  }
}

TEST_CASE("a retailer that reports no delivery: the household's purchase ends its order") {
  // The webhook never tells a status: its placed order stayed in flight for good, and the
  // consumable was never ordered again. The purchase of its item is its delivery.
  Config webhook = desk_config();
  webhook.retailer->kind = "webhook";  // what the orders record of their retailer
  Desk d(webhook);
  learn_coffee(d);
  auto purchase = [&d](double ts) {
    return d.hub.on_message(Message{"larder/v1/consumable/coffee/purchased",
                                    R"({"packs":1,"ts":)" + std::to_string(ts) + "}", 1, false});
  };
  const std::string id = d.place_api_order();
  const double placed_at = *d.desk.ledger().find(id)->placed_at;
  REQUIRE(d.desk.ledger().find(id)->status == orders::OrderStatus::placed);
  REQUIRE(d.hub.consumable("coffee")->status == "ordered");
  const int on_hand = d.hub.consumable("coffee")->on_hand;
  // A purchase stamped before the order was placed is another one's.
  REQUIRE(purchase(placed_at - 60));
  CHECK(d.desk.ledger().find(id)->status == orders::OrderStatus::placed);
  d.clock.advance(2 * 86400);
  REQUIRE(purchase(d.clock.now()));
  const orders::Order* o = d.desk.ledger().find(id);
  CHECK(o->status == orders::OrderStatus::delivered);
  CHECK(d.events("order_delivered").size() == 1);
  CHECK(d.hub.consumable("coffee")->on_hand == on_hand + 2);  // the two purchases, no more
  CHECK(d.hub.consumable("coffee")->status != "ordered");
  CHECK_FALSE(d.desk.ledger().in_flight("coffee"));
  // Another purchase finds no order: nothing more ends.
  REQUIRE(purchase(d.clock.now() + 1));
  CHECK(d.events("order_delivered").size() == 1);

  // A retailer that reports: the purchase is the household's own, the order goes on.
  Desk r;
  learn_coffee(r);
  const std::string id2 = r.place_api_order();
  r.clock.advance(86400);
  REQUIRE(r.hub.on_message(Message{"larder/v1/consumable/coffee/purchased",
                                   R"({"packs":1})", 1, false}));
  CHECK(r.desk.ledger().find(id2)->status == orders::OrderStatus::placed);
}

TEST_CASE("a button's confirm reaches the order that waits for it, not a newer one placed") {
  // A voice order waits for its yes; then someone asks the API for more, placed at once.
  // The confirm press means the waiting one, though the placed one is newer.
  Desk d;
  auto waiting = d.desk.request(*d.desk.make_request("coffee", 1, orders::Source::voice, false));
  REQUIRE(waiting.ok());
  d.clock.advance(1);
  auto more = d.desk.request(*d.desk.make_request("coffee", 2, orders::Source::api, true));
  REQUIRE(more.ok());
  REQUIRE_FALSE(more.existing);
  for (std::size_t i = 0; i < d.retailer.quotes.size(); ++i) {
    d.retailer.quote_answers[i]({test::quote_for(d.retailer.quotes[i], d.clock.now()), false, ""});
  }
  REQUIRE(d.retailer.places.size() == 1);
  orders::PlaceResult placed;
  placed.retailer_order_id = "r-1";
  d.retailer.place_answers[0](placed);
  REQUIRE(d.desk.ledger().find(more.order_id)->status == orders::OrderStatus::placed);
  REQUIRE(d.desk.ledger().find(waiting.order_id)->status ==
          orders::OrderStatus::awaiting_confirmation);
  d.press("long");
  CHECK(d.desk.ledger().find(waiting.order_id)->status != orders::OrderStatus::awaiting_confirmation);
  CHECK(d.desk.ledger().find(more.order_id)->status == orders::OrderStatus::placed);
}

TEST_CASE("combining leaves out what a user's cancel or a failure keeps orders away from") {
  // Found by an audit: a water filter's automatic order took along the pods whose own
  // order the household had just cancelled, round the cancel wait.
  Config c = desk_config();
  c.consumables.push_back(test::detergent_bottle());
  c.orders.combine_within_days = 365;  // anything with a forecast joins
  Desk d(c);
  for (int h = 0; h <= 6 * 24; ++h) {
    const std::string ts = std::to_string(static_cast<long>(d.clock.now()));
    d.hub.on_message(Message{"larder/v1/consumable/coffee/level",
                             R"({"value":)" + std::to_string(450 - h * 25.0 / 24) +
                                 R"(,"unit":"g","ts":)" + ts + "}",
                             1, false});
    d.hub.on_message(Message{"larder/v1/consumable/detergent/level",
                             R"({"value":)" + std::to_string(1900 - h * 60.0 / 24) +
                                 R"(,"unit":"ml","ts":)" + ts + "}",
                             1, false});
    d.clock.advance(3600);
    d.hub.tick();
  }
  auto companions = [&d] {
    std::vector<std::string> out;
    auto r = d.desk.make_request("detergent", 1, orders::Source::sensor, false);
    REQUIRE(r);
    for (const auto& k : r->companions) out.push_back(k.consumable);
    return out;
  };
  REQUIRE(companions() == std::vector<std::string>{"coffee"});

  SUBCASE("a user's cancel") {
    d.hub.order_placed("coffee", d.clock.now());
    d.hub.order_cancelled("coffee", d.clock.now(), /*by_user=*/true);
    CHECK(d.hub.consumable("coffee")->vetoed);
    CHECK(companions().empty());
    d.clock.advance(3 * 86400.0);  // the cancel wait (2 days) is over
    d.hub.tick();
    CHECK(companions() == std::vector<std::string>{"coffee"});
  }
  SUBCASE("the pause after an automatic order failed") {
    d.place_api_order(orders::Source::sensor);
    d.forget_at_retailer();
    REQUIRE(d.desk.paused_until("coffee"));
    CHECK(companions().empty());
    // After its failure coffee is ordered alone, once the pause is over too: a refused sku
    // takes no other along.
    d.clock.advance(3601);
    REQUIRE_FALSE(d.desk.paused_until("detergent"));
    auto alone = d.desk.make_request("coffee", 1, orders::Source::sensor, false);
    REQUIRE(alone);
    CHECK(alone->companions.empty());
  }
}

TEST_CASE("failures in a row double the pause up to a day; a restart reads the streak") {
  // A retailer that no longer sells the sku failed the model's order every hour, and the
  // household heard of each failure: 24 a day, for as long as it lasted.
  Desk d;
  int n = 0;
  auto fail_one = [&d, &n] {
    const std::size_t quotes = d.retailer.quotes.size(), places = d.retailer.places.size();
    auto r = d.desk.request(*d.desk.make_request("coffee", 1, orders::Source::sensor, false));
    REQUIRE(r.ok());
    d.clock.advance(d.config.orders.undo_window_s.sensor + 1);
    d.desk.tick();
    REQUIRE(d.retailer.quotes.size() == quotes + 1);
    d.retailer.quote_answers.back()(
        {test::quote_for(d.retailer.quotes.back(), d.clock.now()), false, ""});
    REQUIRE(d.retailer.places.size() == places + 1);
    orders::PlaceResult placed;
    placed.retailer_order_id = "r-" + std::to_string(++n);
    d.retailer.place_answers.back()(placed);
    d.forget_at_retailer();
    REQUIRE(d.desk.paused_until("coffee"));
    return *d.desk.paused_until("coffee") - d.clock.now();
  };
  CHECK(fail_one() == doctest::Approx(3600));
  CHECK(fail_one() == doctest::Approx(7200));
  CHECK(fail_one() == doctest::Approx(14400));
  // A restart (or a reload) reads the same pause back from the orders.
  const double until = *d.desk.paused_until("coffee");
  OrderDesk again{d.config, d.random, d.store, d.bus, d.hub, &d.retailer, d.clock, d.metrics};
  REQUIRE(again.restore().ok());
  CHECK(again.paused_until("coffee") == doctest::Approx(until));
  for (int i = 0; i < 3; ++i) fail_one();
  CHECK(fail_one() == doctest::Approx(86400));  // 3600 * 2^6 is more than a day
  // A manual order refused meanwhile tells nothing of the sku: a restart keeps the pause.
  {
    const double day = *d.desk.paused_until("coffee");
    auto manual = d.desk.request(*d.desk.make_request("coffee", 1, orders::Source::api, false));
    REQUIRE(manual.ok());
    d.retailer.quote_answers.back()({std::nullopt, false, "HTTP 400 unknown sku"});
    REQUIRE(d.desk.ledger().find(manual.order_id)->status == orders::OrderStatus::failed);
    OrderDesk reloaded{d.config, d.random, d.store, d.bus, d.hub, &d.retailer, d.clock,
                       d.metrics};
    REQUIRE(reloaded.restore().ok());
    CHECK(reloaded.paused_until("coffee") == doctest::Approx(day));
  }
  // An order that went through ends the streak.
  auto bought = d.desk.request(*d.desk.make_request("coffee", 1, orders::Source::api, false));
  REQUIRE(bought.ok());
  d.retailer.quote_answers.back()(
      {test::quote_for(d.retailer.quotes.back(), d.clock.now()), false, ""});
  orders::PlaceResult placed;
  placed.retailer_order_id = "r-" + std::to_string(++n);
  d.retailer.place_answers.back()(placed);
  orders::RetailerStatus done;
  done.status = "delivered";
  d.desk.retailer_status(placed.retailer_order_id, done);
  REQUIRE(d.desk.ledger().find(bought.order_id)->status == orders::OrderStatus::delivered);
  CHECK(fail_one() == doctest::Approx(3600));
  // Failures days apart are not in a row.
  CHECK(fail_one() == doctest::Approx(7200));
  d.clock.advance(3 * 86400.0);
  CHECK(fail_one() == doctest::Approx(3600));
}
