// larder-sandbox's scripted and random faults (tools/larder-sandbox/faults.h) as RetailerSim
// applies them: HTTP faults by route and count, substitutes, price changes, failed orders.
#include "faults.h"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "retailer_sim.h"
#include "support/sandbox_fixtures.h"
#include "support/sandbox_sim_rig.h"

using namespace larder;
using namespace larder::sandbox;
using nlohmann::json;
using namespace larder::test::sandbox;

TEST_CASE("scripted HTTP faults fire by route and count, random ones follow the seed") {
  Sim s;
  SimReply added =
      s->add_faults({{"faults",
                      {{{"kind", "error"}, {"status", 503}, {"route", "orders"}, {"count", 2}},
                       {{"kind", "slow"}, {"delay_ms", 1500}}}}});
  REQUIRE_MESSAGE(added.status == 200, added.body.dump());
  CHECK(added.body["scripted"].size() == 2);
  auto f = s->take_http_fault(Route::quotes);  // the slow fault hits any route
  REQUIRE(f);
  CHECK(f->kind == FaultKind::slow);
  CHECK(f->delay == doctest::Approx(1.5));
  CHECK_FALSE(s->take_http_fault(Route::quotes));
  for (int i = 0; i < 2; ++i) {
    auto e = s->take_http_fault(Route::orders);
    REQUIRE(e);
    CHECK(e->status == 503);
    CHECK_FALSE(e->after);
  }
  CHECK_FALSE(s->take_http_fault(Route::orders));

  // Bad faults change nothing.
  CHECK(s->add_faults({{"kind", "error"}, {"status", 404}}).status == 400);
  CHECK(s->add_faults({{"kind", "melt"}}).status == 400);
  CHECK(s->add_faults({{"kind", "slow"}, {"delay_ms", -1}}).status == 400);
  CHECK(s->add_faults({{"kind", "error"}, {"route", "everything"}}).status == 400);
  CHECK(s->add_faults({{"kind", "error"}, {"bogus", 1}}).status == 400);
  CHECK(s->add_faults({{"kind", "substitute"}, {"sku", "COFFEE-500"}, {"with", "CAVIAR"}}).status ==
        422);
  CHECK(s->add_faults({{"fail_rate", 1.5}}).status == 400);
  CHECK(s->faults()["scripted"].empty());

  // Random failures: a rate of 1 always fails; equal seeds give equal sequences.
  CHECK(s->add_faults({{"fail_rate", 1}}).status == 200);
  auto r = s->take_http_fault(Route::order);
  REQUIRE(r);
  CHECK(r->random);
  CHECK((r->status == 500 || r->status == 502 || r->status == 503));
  s->clear_faults();
  CHECK_FALSE(s->take_http_fault(Route::order));

  SimOptions o;
  o.fail_rate = 0.3;
  o.lost_answer_rate = 0.2;
  o.seed = 42;
  Sim a(o), b(o);
  int failures = 0, lost = 0;
  for (int i = 0; i < 1000; ++i) {
    auto fa = a->take_http_fault(Route::orders);
    auto fb = b->take_http_fault(Route::orders);
    REQUIRE(fa.has_value() == fb.has_value());
    if (!fa) continue;
    CHECK(fa->status == fb->status);
    CHECK(fa->after == fb->after);
    ++(fa->after ? lost : failures);
  }
  CHECK(failures > 240);
  CHECK(failures < 360);
  CHECK(lost > 100);  // 20 % of the 70 % left
  CHECK(lost < 180);
}

TEST_CASE("a substitute fault offers another SKU in the next quote asking for it") {
  Sim s;
  REQUIRE(s->add_faults({{"kind", "substitute"}, {"sku", "COFFEE-500"}, {"with", "FILTER-150"}})
              .status == 200);
  json other = s.quote("MILK-1L");
  CHECK(other["items"][0]["substitute_for"].is_null());
  json q = s.quote("COFFEE-500", 2);
  CHECK(q["items"][0] == json{{"sku", "FILTER-150"},
                              {"quantity", 2},
                              {"unit_price", 9.90},
                              {"substitute_for", "COFFEE-500"}});
  CHECK(q["total"] == 19.8);
  SimReply placed = s->place(kKey1, order_body(q));
  REQUIRE(placed.status == 201);
  CHECK(placed.body["items"][0]["substitute_for"] == "COFFEE-500");
  CHECK(s.quote("COFFEE-500")["items"][0]["sku"] == "COFFEE-500");  // used up
}

TEST_CASE("a price change between quote and order is 409 price_changed with a new quote") {
  Sim s;
  json q = s.quote("COFFEE-500", 2);
  REQUIRE(
      s->add_faults({{"kind", "price_change"}, {"sku", "COFFEE-500"}, {"price", 9.49}}).status ==
      200);
  SimReply r = s->place(kKey1, order_body(q));
  REQUIRE(r.status == 409);
  CHECK(code(r) == "price_changed");
  json fresh = r.body["error"]["quote"];
  CHECK(fresh["quote_id"] == "q2");
  CHECK(fresh["items"][0]["unit_price"] == 9.49);
  CHECK(fresh["total"] == 18.98);
  CHECK(fresh["expires_at"] == kStart + 900);
  CHECK(s->price("COFFEE-500") == 9.49);
  // The old quote stays refused; the same key with the new quote places the order.
  CHECK(code(s->place(kKey1, order_body(q))) == "price_changed");
  SimReply placed = s->place(kKey1, order_body(fresh));
  REQUIRE(placed.status == 201);
  CHECK(placed.body["total"] == 18.98);
  // Without a price, it rises by 10 %.
  json q3 = s.quote("DETERGENT-1500");
  REQUIRE(s->add_faults({{"kind", "price_change"}}).status == 200);
  CHECK(code(s->place(kKey2, order_body(q3))) == "price_changed");
  CHECK(s->price("DETERGENT-1500") == 7.14);
}

TEST_CASE("a fail_order fault fails the next order instead of a stage") {
  Sim s;
  REQUIRE(
      s->add_faults(
           {{"kind", "fail_order"}, {"stage", "out_for_delivery"}, {"reason", "lost_in_transit"}})
          .status == 200);
  REQUIRE(s->place(kKey1, order_body(s.quote(), "doorstep")).status == 201);
  REQUIRE(s->place(kKey2, order_body(s.quote(), "doorstep")).status == 201);
  s->advance(13 * 3600);
  json o = s->order("r-1001").body;
  CHECK(o["status"] == "failed");
  CHECK(o["reason"] == "lost_in_transit");
  CHECK(o["updated"] == kStart + 13 * 3600);
  CHECK(s->order("r-1002").body["status"] == "out_for_delivery");
}
