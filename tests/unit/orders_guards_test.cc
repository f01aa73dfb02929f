// The order ledger (support/ledger_world.h): the guards on a quote (price ceiling,
// substitution, monthly budget, order limit, currency) and orders combined from
// consumables that need one soon.
#include <doctest/doctest.h>

#include <string>
#include <utility>

#include <nlohmann/json.hpp>

#include "orders/guards.h"
#include "orders/ledger.h"
#include "support/ledger_world.h"

using namespace larder;
using namespace larder::orders;
using namespace larder::test;
using nlohmann::json;

TEST_CASE("guards on the quote: each holds the order with its reason until confirmed") {
  OrdersConfig c = test_config();
  c.consumables["coffee"].price_ceiling = 10;
  c.monthly_budget = 30;
  c.max_orders = OrderLimit{3, 7};
  World w(c);

  SUBCASE("price ceiling") {
    std::string id = w.led.request(req("coffee", Source::api), kT0).order_id;
    auto q = quote(w, id, kT0, 10.01);
    CHECK(index_of<PlaceOrder>(q) == -1);
    const Order* o = w.led.find(id);
    CHECK(o->status == OrderStatus::awaiting_confirmation);
    CHECK(o->hold_reason == "price_ceiling");
    CHECK(one<PublishState>(q).state["hold_reason"] == "price_ceiling");
    CHECK(one<Event>(q).kind == "order_awaiting_confirmation");
    CHECK(one<Event>(q).text ==
          "Coffee beans: €10.01 a pack, above the ceiling of €10.00. Confirm to order it "
          "anyway.");
    auto ok = w.led.confirm(id, kT0 + 1);
    CHECK(one<PlaceOrder>(ok).order_id == id);
    // At the ceiling is not above it.
    std::string t = w.led.request(req("coffee", Source::api, 1, true), kT0).order_id;
    CHECK(index_of<PlaceOrder>(quote(w, t, kT0, 10)) >= 0);
  }
  SUBCASE("a guard is checked as soon as the quote comes, inside the undo window") {
    std::string id = w.led.request(req("coffee", Source::sensor), kT0).order_id;
    quote(w, id, kT0, 12);
    CHECK(w.led.find(id)->hold_reason == "price_ceiling");
    CHECK(index_of<PlaceOrder>(w.led.tick(kT0 + 600)) == -1);
  }
  SUBCASE("substitution") {
    std::string id = w.led.request(req("tea", Source::api), kT0).order_id;
    Quote q = quote_for(*w.led.find(id), kT0);
    q.items[0].sku = "TEA-200";
    q.items[0].substitute_for = "TEA-100";
    auto r = w.led.quote_received(id, q, kT0);
    CHECK(w.led.find(id)->hold_reason == "substitution");
    CHECK(index_of<PlaceOrder>(r) == -1);
    OrdersConfig allow = test_config();
    allow.consumables["tea"].allow_substitution = true;
    World w2(allow);
    std::string id2 = w2.led.request(req("tea", Source::api), kT0).order_id;
    q.quote_id = "q2";
    CHECK(index_of<PlaceOrder>(w2.led.quote_received(id2, q, kT0)) >= 0);
  }
  SUBCASE("monthly budget, by calendar month (UTC here)") {
    // 20 EUR committed last month counts nothing in January; 20 this month does.
    std::string dec = w.led.request(req("coffee", Source::api), kT0 - 10 * kDay).order_id;
    w.led.quote_received(dec, quote_for(*w.led.find(dec), kT0 - 10 * kDay, 9), kT0 - 10 * kDay);
    CHECK(month_start(kT0, TimeZone::utc()) == 1767225600);  // 2026-01-01
    std::string jan = w.led.request(req("tea", Source::api, 2), kT0).order_id;
    CHECK(index_of<PlaceOrder>(quote(w, jan, kT0, 10)) >= 0);
    std::string milk = w.led.request(req("milk", Source::api), kT0 + 1).order_id;
    auto q = quote(w, milk, kT0 + 1, 10.01);
    CHECK(index_of<PlaceOrder>(q) == -1);
    CHECK(w.led.find(milk)->hold_reason == "budget");
    CHECK(one<Event>(q).text ==
          "Ordering 1 x Milk for €10.01 would pass this month's budget of €30.00 "
          "(€20.00 spent). Confirm to order it anyway.");
    // A failed order gives its money back.
    w.led.place_result(jan, place_error(PlaceResult::Kind::rejected, "no"), kT0 + 2);
    std::string more = w.led.request(req("milk", Source::api, 1, true), kT0 + 3).order_id;
    CHECK(index_of<PlaceOrder>(quote(w, more, kT0 + 3, 10.01)) >= 0);
  }
  SUBCASE("the budget's month is the household's: its first midnight in household.timezone") {
    // Found by an audit: the month was UTC's, so in Berlin an order at 00:30 on the 1st
    // (23:30 UTC) still spent the last month's budget.
    c.zone = TimeZone::fixed(3600);
    World b(c);
    const double feb_utc = 1769904000;  // 2026-02-01 00:00 UTC
    CHECK(month_start(feb_utc - 1800, c.zone) == feb_utc - 3600);  // 00:30 local on the 1st
    CHECK(month_start(feb_utc - 5400, c.zone) == 1767222000);      // 23:30 local on the 31st
    // In Havana on 2026-11-01 the clocks went back from 01:00 to 00:00 (at 05:00 UTC): of the
    // two midnights the first, at 04:00 UTC, starts the month.
    auto havana = TimeZone::load("America/Havana");
    REQUIRE(havana.ok());
    const double nov_havana = 1793505600;
    CHECK(month_start(nov_havana + 2700, havana.value()) == nov_havana);
    CHECK(month_start(nov_havana + 3660, havana.value()) == nov_havana);
    CHECK(month_start(nov_havana - 60, havana.value()) < nov_havana - 29 * kDay);
    std::string jan = b.led.request(req("tea", Source::api), feb_utc - 5400).order_id;
    REQUIRE(index_of<PlaceOrder>(quote(b, jan, feb_utc - 5400, 20)) >= 0);
    std::string feb = b.led.request(req("milk", Source::api), feb_utc - 1800).order_id;
    CHECK(index_of<PlaceOrder>(quote(b, feb, feb_utc - 1800, 15)) >= 0);  // January's 20 not
    std::string more =
        b.led.request(req("tea", Source::api, 1, true), feb_utc - 1700).order_id;
    quote(b, more, feb_utc - 1700, 15.01);
    CHECK(b.led.find(more)->hold_reason == "budget");  // February's 15 is
  }
  SUBCASE("order limit per period") {
    c.monthly_budget.reset();
    World w3(c);
    double t = kT0;
    for (const char* k : {"coffee", "tea", "milk"}) {
      std::string id = w3.led.request(req(k, Source::api), t).order_id;
      CHECK(index_of<PlaceOrder>(quote(w3, id, t)) >= 0);
      t += kDay;
    }
    std::string fourth = w3.led.request(req("coffee", Source::api, 1, true), t).order_id;
    auto held = quote(w3, fourth, t);
    CHECK(w3.led.find(fourth)->hold_reason == "order_limit");
    CHECK(one<Event>(held).text.rfind("3 orders were placed in the last 7 days, the limit is 3.",
                                      0) == 0);
    // The period in words: "the last 1 days" and, for half a day, "the last 0 days" were said.
    for (auto [days, words] : {std::pair{1.0, "1 order was placed in the last day,"},
                               std::pair{0.5, "1 order was placed in the last 12 hours,"}}) {
      CAPTURE(days);
      c.max_orders = OrderLimit{1, days};
      World w4(c);
      std::string first = w4.led.request(req("tea", Source::api), kT0).order_id;
      REQUIRE(index_of<PlaceOrder>(quote(w4, first, kT0)) >= 0);
      std::string second = w4.led.request(req("milk", Source::api), kT0 + 60).order_id;
      auto second_held = quote(w4, second, kT0 + 60);
      CHECK(one<Event>(second_held).text.rfind(words, 0) == 0);
    }
    // A week after the first, it is in the limit again (rolling period).
    std::string later =
        w3.led.request(req("coffee", Source::api, 1, true), kT0 + 7 * kDay).order_id;
    CHECK(index_of<PlaceOrder>(quote(w3, later, kT0 + 7 * kDay)) >= 0);
  }
  SUBCASE("a quote in another currency, with limits to check") {
    std::string id = w.led.request(req("tea", Source::api), kT0).order_id;
    Quote q = quote_for(*w.led.find(id), kT0);
    q.currency = "USD";
    w.led.quote_received(id, q, kT0);
    CHECK(w.led.find(id)->hold_reason == "currency");
    // Found by an audit: once confirmed, the foreign price went on to the ceiling and the
    // budget as if in euros, and 1500 yen held every later euro order for the month.
    std::string beans = w.led.request(req("coffee", Source::api), kT0).order_id;
    Quote yen = quote_for(*w.led.find(beans), kT0);
    yen.quote_id = "q-yen";
    yen.currency = "JPY";
    yen.items[0].unit_price = 1500;
    yen.total = 1500;
    w.led.quote_received(beans, yen, kT0);
    REQUIRE(w.led.find(beans)->hold_reason == "currency");
    auto ok = w.led.confirm(beans, kT0 + 1);
    CHECK_FALSE(w.led.find(beans)->hold_reason);
    CHECK(index_of<PlaceOrder>(ok) >= 0);
    std::string milk = w.led.request(req("milk", Source::api), kT0 + 2).order_id;
    CHECK(index_of<PlaceOrder>(quote(w, milk, kT0 + 2, 25)) >= 0);
  }
}

TEST_CASE("consumables needing an order soon are combined into one order") {
  OrdersConfig c = test_config();
  c.combine_within_days = 3;
  World w(c);
  std::string milk = w.led.request(req("milk", Source::api), kT0).order_id;  // in flight
  Request r = req("coffee", Source::sensor);
  r.companions = {{"tea", "TEA-100", 2, 2.5},      // soon: joins
                  {"milk", "MILK-1L", 1, 0.5},     // has its own order
                  {"sugar", "SUGAR-1", 1, 9},      // not soon
                  {"coffee", "COFFEE-500", 1, 0},  // itself
                  {"flour", "FLOUR-1", 1, -1}};    // overdue: joins
  auto reply = w.led.request(r, kT0);
  REQUIRE(reply.ok());
  const Order* o = w.led.find(reply.order_id);
  REQUIRE(o->items.size() == 3);
  CHECK(o->items[1].consumable == "tea");
  CHECK(o->items[1].quantity == 2);
  CHECK(o->items[2].consumable == "flour");
  CHECK(one<RequestQuote>(reply).items.size() == 3);
  auto state = one<PublishState>(reply).state;
  CHECK(state["consumable"] == "coffee");
  CHECK(state["items"].size() == 3);
  CHECK(state["items"][1] == json{{"consumable", "tea"}, {"sku", "TEA-100"}, {"quantity", 2}});
  CHECK(one<Event>(reply).text ==
        "Ordering 1 x Coffee beans, 2 x Tea and 1 x flour in 5 minutes. Cancel to stop it.");
  // Tea is now in flight with coffee's order.
  CHECK(w.led.request(req("tea", Source::button), kT0 + 1).order_id == o->id);
  CHECK(w.led.in_flight("flour") == o);
  CHECK(w.led.in_flight("milk")->id == milk);

  // Delivered: each item's pack reaches its consumable's model.
  quote(w, o->id, kT0 + 1);
  w.led.tick(kT0 + 300);
  w.led.place_result(o->id, placed_ok("r-9", kT0 + kDay), kT0 + 301);
  auto d = w.led.status("r-9", rs("delivered"), kT0 + 301 + kDay);
  auto del = all_of<Delivered>(d);
  REQUIRE(del.size() == 3);
  CHECK(del[1].consumable == "tea");
  CHECK(del[1].packs == 2);

  World off;  // combine_within_days 0: off
  Request r2 = req("coffee", Source::sensor);
  r2.companions = {{"tea", "TEA-100", 1, 0}};
  CHECK(off.led.find(off.led.request(r2, kT0).order_id)->items.size() == 1);
}

TEST_CASE("an order combines no more items than an order may hold; the rest wait") {
  // Found by a review: with more than 63 consumables due together the order got more items
  // than load_order takes back, and the next start could not read the orders.
  OrdersConfig c = test_config();
  c.combine_within_days = 3;
  World w(c);
  Request r = req("coffee", Source::sensor);
  for (int i = 0; i < 70; ++i) {
    r.companions.push_back({"c" + std::to_string(i), "SKU-" + std::to_string(i), 1, 1});
  }
  auto reply = w.led.request(r, kT0);
  REQUIRE(reply.ok());
  const Order* o = w.led.find(reply.order_id);
  REQUIRE(o->items.size() == kMaxItems);
  CHECK(o->items.back().consumable == "c" + std::to_string(kMaxItems - 2));
  auto back = load_order(save_order(*o));
  CHECK_MESSAGE(back.ok(), back.status().message());
  CHECK_FALSE(w.led.in_flight("c69"));  // the model orders it on its own
}

TEST_CASE("the guards count every order of their period, however many have finished") {
  // Found by an audit: only the newest keep_finished finished orders stayed in memory, so
  // a month with more delivered orders than that spent past its budget.
  OrdersConfig c = test_config();
  c.keep_finished = 2;
  c.monthly_budget = 30;
  World w(c);
  auto delivered = [&](double t, double price) {
    std::string id = w.led.request(req("coffee", Source::api, 1, true), t).order_id;
    REQUIRE(index_of<PlaceOrder>(quote(w, id, t, price)) >= 0);
    REQUIRE(w.led.place_result(id, placed_ok("r-" + id, t + kDay), t + 1).ok());
    REQUIRE(w.led.status(id, rs("delivered"), t + 2).ok());
    REQUIRE(w.led.find(id)->status == OrderStatus::delivered);
    return id;
  };
  std::string december = delivered(kT0 - 10 * kDay, 5);
  for (int i = 0; i < 4; ++i) delivered(kT0 + i * 10, 5);
  w.led.tick(kT0 + 100);
  CHECK(w.led.find(december) == nullptr);  // last month's counts no more: pruned
  CHECK(w.led.orders().size() == 4);
  auto held = [](World& in, double t) {
    // A new order each time (more asked for), so it meets the guards afresh.
    std::string id = in.led.request(req("milk", Source::api, 1, true), t).order_id;
    quote(in, id, t, 10.01);
    return in.led.find(id)->hold_reason;
  };
  CHECK(held(w, kT0 + 200) == "budget");  // 4 x 5 spent: 20 + 10.01 > 30
  // A restart loads what the store kept (Store::load_orders: those since the horizon).
  World again(c);
  REQUIRE(again.led.load(w.led.save()).ok());
  CHECK(again.led.orders().size() == 5);  // and the held one
  again.led.tick(kT0 + 300);
  CHECK(again.led.orders().size() == 5);
  CHECK(held(again, kT0 + 300) == "budget");
  // A new month lets them go, down to keep_finished.
  w.led.tick(kT0 + 30 * kDay);
  std::size_t finished = 0;
  for (const Order* o : w.led.orders()) finished += o->finished_at ? 1 : 0;
  CHECK(finished == 2);
}
