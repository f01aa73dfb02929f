// The order desk across a restart (support/order_desk_world.h): the pause after a failed
// automatic order holds, and the budget and the order limit count every order of their
// period, however many finished, read back from the store.
#include <doctest/doctest.h>

#include <limits>
#include <string>

#include <nlohmann/json.hpp>

#include "orders/guards.h"
#include "support/order_desk_world.h"

using namespace larder;
using namespace larder::test;
using nlohmann::json;

namespace {
constexpr double kT0 = kDeskT0;
}  // namespace

TEST_CASE("the hour's pause after an automatic order failed holds across a restart") {
  // Found by an audit: the pause was only in memory, so a reload or restart right after the
  // failure let the model order the same need again at once.
  Desk d;
  const std::string order_id = d.place_api_order(orders::Source::sensor);
  d.forget_at_retailer();
  const orders::Order* o = d.desk.ledger().find(order_id);
  REQUIRE(o->status == orders::OrderStatus::failed);
  REQUIRE(o->finished_at);
  const double until = *o->finished_at + 3600;
  CHECK(d.desk.paused_until("coffee") == until);

  // A new desk on the same store, as after a SIGHUP or a restart, ten minutes later.
  d.clock.advance(600);
  OrderDesk again{d.config, d.random, d.store, d.bus, d.hub, &d.retailer, d.clock, d.metrics};
  REQUIRE(again.restore().ok());
  CHECK(again.paused_until("coffee") == until);
  // An hour later, a new desk has nothing to wait for.
  d.clock.advance(3600);
  OrderDesk later{d.config, d.random, d.store, d.bus, d.hub, &d.retailer, d.clock, d.metrics};
  REQUIRE(later.restore().ok());
  CHECK_FALSE(later.paused_until("coffee"));
}

TEST_CASE("a restart loads every finished order the budget and the order limit still count") {
  // The ledger keeps them (orders_guards_test.cc); the store must hand them back, however
  // many more than keep_finished finished since the guards' horizon.
  Config c = desk_config();
  c.orders.monthly_budget = 30;
  Desk d(c);
  REQUIRE(d.desk.restore().ok());
  REQUIRE(d.store.loaded_since.size() == 1);
  CHECK(d.store.loaded_since[0] == orders::month_start(kT0, TimeZone::utc()) - 86400);
  c.orders.monthly_budget.reset();
  c.orders.max_orders = MaxOrders{3, 45};
  Desk limited(c);
  REQUIRE(limited.desk.restore().ok());
  CHECK(limited.store.loaded_since.at(0) == kT0 - 46 * 86400.0);
  Desk neither;
  REQUIRE(neither.desk.restore().ok());
  CHECK(neither.store.loaded_since.at(0) == std::numeric_limits<double>::infinity());
}

TEST_CASE("after a restart the budget counts every order of the month, past keep_finished") {
  // From the store to the guard: 501 delivered orders this month, one more than the ledger
  // keeps by number (keep_finished 500). A restart used to load only the newest 500.
  Config c = desk_config();
  c.orders.monthly_budget = 27.97;
  Desk d(c);
  d.place_api_order();
  d.clock.advance(d.config.orders.poll_interval_s + 1);
  d.desk.tick();
  orders::StatusOutcome delivered;
  delivered.status =
      orders::RetailerStatus{"delivered", "", std::nullopt, std::nullopt, std::nullopt};
  d.retailer.status_answers.at(0)(delivered);
  const json done = json::parse(d.store.saved.back().json);
  REQUIRE(done["status"] == "delivered");
  // 500 older ones of 2 cents each, this month too: 8.99 + 500 x 0.02 = 18.99 spent.
  for (int i = 0; i < 500; ++i) {
    json old = done;
    old["id"] = "coffee-old-" + std::to_string(i);
    old["quote"]["total"] = 0.02;
    old["committed_at"] = kT0 - 3600 - i * 60.0;
    REQUIRE(d.store.save_order({old["id"], old.dump(), true, kT0 - 3600 - i * 60.0}).ok());
  }
  OrderDesk again{d.config, d.random, d.store, d.bus, d.hub, &d.retailer, d.clock, d.metrics};
  REQUIRE(again.restore().ok());
  CHECK(again.ledger().orders().size() == 501);
  auto r = again.request(*again.make_request("coffee", 1, orders::Source::api, true));
  REQUIRE(r.ok());
  d.retailer.quote_answers.back()({test::quote_for(d.retailer.quotes.back(), d.clock.now()),
                                   false, ""});
  // 18.99 + 8.99 > 27.97 (the newest 500 alone: 18.97 + 8.99 fit).
  CHECK(again.ledger().find(r.order_id)->hold_reason == "budget");
}

TEST_CASE("a restart stores each order's retailer, and parks those of another one") {
  Desk d;
  const std::string id = d.place_api_order();
  json stored = json::parse(d.store.saved.back().json);
  REQUIRE(stored["retailer"]["kind"] == "sandbox");
  // As an older version stored it: no retailer. The next start takes it as the
  // configured one's and stores that at once.
  stored.erase("retailer");
  REQUIRE(d.store.save_order({id, stored.dump(), false, kT0}).ok());
  OrderDesk again{d.config, d.random, d.store, d.bus, d.hub, &d.retailer, d.clock, d.metrics};
  REQUIRE(again.restore().ok());
  CHECK(json::parse(d.store.saved.back().json)["retailer"]["kind"] == "sandbox");
  // A start with another retailer's url: the order is parked, not asked about there.
  Config moved = d.config;
  moved.retailer->url = "http://127.0.0.1:9/other";
  const std::size_t polls = d.retailer.status_answers.size();
  OrderDesk other{moved, d.random, d.store, d.bus, d.hub, &d.retailer, d.clock, d.metrics};
  REQUIRE(other.restore().ok());
  CHECK(other.ledger().parked(*other.ledger().find(id)));
  d.clock.advance(10 * d.config.orders.poll_interval_s);
  other.tick();
  CHECK(d.retailer.status_answers.size() == polls);
  CHECK(other.in_flight("coffee"));
}
