// The order ledger (support/ledger_world.h): the published state, save and load of the
// ledger, malformed saved state, each order's retailer across a load (parked, quoted again,
// adopted), and the bound on the orders kept in memory.
#include <doctest/doctest.h>

#include <algorithm>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "orders/ledger.h"
#include "support/ledger_world.h"

using namespace larder;
using namespace larder::orders;
using namespace larder::test;
using nlohmann::json;

TEST_CASE("the state is the contract's, key for key") {
  World w;
  std::string id = placed_order(w);
  json s = state_json(*w.led.find(id));
  std::set<std::string> keys;
  for (const auto& [k, v] : s.items()) keys.insert(k);
  CHECK(keys == std::set<std::string>{"order_id", "consumable", "sku", "quantity", "items",
                                      "status", "hold_reason", "source", "price", "currency",
                                      "delivery", "placed_at", "eta"});
  CHECK(s["status"] == "placed");
  CHECK(s["hold_reason"].is_null());
  CHECK(s["source"] == "api");
  CHECK(s["currency"] == "EUR");
  CHECK(s["delivery"]["method"] == "doorstep");
  CHECK(s["delivery"]["reasons"].is_array());
  CHECK(s["delivery"]["window"]["end"].is_number());
  CHECK(s["sku"] == "COFFEE-500");
  CHECK(s["quantity"] == 1);
}

TEST_CASE("save and load round-trip the ledger") {
  OrdersConfig c = test_config();
  c.consumables["milk"].price_ceiling = 1;
  World a(c);
  std::string placed = placed_order(a);
  std::string held = a.led.request(req("tea", Source::sensor), kT0).order_id;
  std::string waiting = a.led.request(req("milk", Source::api), kT0).order_id;
  quote(a, waiting, kT0, 2);
  REQUIRE(a.led.find(waiting)->hold_reason == "price_ceiling");
  std::string gone = a.led.request(req("sugar", Source::api), kT0).order_id;
  a.led.cancel(gone, true, kT0);
  std::string yes = a.led.request(req("milk", Source::api, 1, true), kT0).order_id;
  quote(a, yes, kT0, 3);
  REQUIRE(a.led.confirm(yes, kT0 + 1).ok());
  REQUIRE(a.led.find(yes)->confirmed_currency == "EUR");
  REQUIRE(a.led.place_result(yes, placed_ok("r-" + yes, kT0 + 2 * kDay), kPlacedAt).ok());
  json saved = a.led.save();

  World b(c);
  REQUIRE(b.led.load(saved).ok());
  CHECK(b.led.save() == saved);
  CHECK(b.led.find(placed)->status == OrderStatus::placed);
  CHECK(b.led.find(placed)->retailer_order_id == "r-" + placed);
  CHECK(b.led.find(held)->held_until == kT0 + 300);
  CHECK(b.led.find(waiting)->hold_reason == "price_ceiling");
  CHECK(b.led.find(gone)->status == OrderStatus::cancelled);
  CHECK(b.led.find(yes)->confirmed_total == 3);
  CHECK(b.led.find(yes)->confirmed_currency == "EUR");
  CHECK(b.led.in_flight("tea")->id == held);
  // After the load, the held order's quote (in the air at the "restart") is asked again.
  auto t = b.led.tick(kT0 + 1);
  CHECK(one<RequestQuote>(t).order_id == held);
}

TEST_CASE("malformed saved state is refused and changes nothing") {
  World a;
  std::string id = placed_order(a);
  json good = a.led.save();
  auto mutate = [&](auto fn) {
    json j = good;
    fn(j);
    return j;
  };
  std::vector<std::pair<const char*, json>> bad = {
      {"not an object", json::array()},
      {"no version", mutate([](json& j) { j.erase("version"); })},
      {"version 2", mutate([](json& j) { j["version"] = 2; })},
      {"orders not an array", mutate([](json& j) { j["orders"] = json::object(); })},
      {"bad status", mutate([](json& j) { j["orders"][0]["status"] = "lost"; })},
      {"bad id", mutate([](json& j) { j["orders"][0]["id"] = "Coffee!"; })},
      {"bad key", mutate([](json& j) { j["orders"][0]["idempotency_key"] = "1234"; })},
      {"no items", mutate([](json& j) { j["orders"][0]["items"] = json::array(); })},
      {"quantity 0", mutate([](json& j) { j["orders"][0]["items"][0]["quantity"] = 0; })},
      {"hold reason while placed", mutate([](json& j) { j["orders"][0]["hold_reason"] = "x"; })},
      {"sent without a quote", mutate([](json& j) { j["orders"][0]["quote"] = nullptr; })},
      {"placed without retailer id",
       mutate([](json& j) { j["orders"][0]["retailer_order_id"] = ""; })},
      {"finished_at while placed", mutate([](json& j) { j["orders"][0]["finished_at"] = 1; })},
      {"attempts a string", mutate([](json& j) { j["orders"][0]["attempts"] = "1"; })},
      {"bad quote currency", mutate([](json& j) { j["orders"][0]["quote"]["currency"] = "E"; })},
      {"missing field", mutate([](json& j) { j["orders"][0].erase("retry_at"); })},
      {"twice", mutate([](json& j) { j["orders"].push_back(j["orders"][0]); })},
      {"retailer hash not hex",
       mutate([](json& j) { j["orders"][0]["retailer"]["url_hash"] = "XYZ"; })},
      {"retailer without kind", mutate([](json& j) { j["orders"][0]["retailer"].erase("kind"); })},
  };
  World b;
  std::string mine = placed_order(b, "tea");
  json before = b.led.save();
  for (const auto& entry : bad) {
    const char* what = entry.first;
    CAPTURE(what);
    Status s = b.led.load(entry.second);
    CHECK_FALSE(s.ok());
    CHECK_FALSE(s.message().empty());
    CHECK(b.led.save() == before);
  }
  CHECK(b.led.load(mutate([](json& j) { j["orders"][0]["items"][0].erase("sku"); })).message() ==
        "saved orders: order.items[0].sku is missing");
  CHECK(b.led.find(mine) != nullptr);
  CHECK(b.led.load(good).ok());
  CHECK(b.led.find(id) != nullptr);
  CHECK(b.led.find(mine) == nullptr);
}

TEST_CASE("each order records its retailer; a load with another one parks what it sent") {
  // A restart with another retailer while orders were out polled them there: three 404s
  // failed them while the first retailer still delivered, and the need was ordered again.
  World a;
  std::string sent = placed_order(a);
  std::string unsent = a.led.request(req("tea", Source::sensor), kT0).order_id;
  REQUIRE(quote(a, unsent, kT0 + 5).ok());  // held in its undo window, quoted
  REQUIRE(a.led.find(sent)->retailer.has_value());
  CHECK(a.led.find(sent)->retailer->same(*test_config().retailer));
  const json saved = a.led.save();
  CHECK(saved["orders"][0]["retailer"] ==
        json({{"kind", "sandbox"}, {"url_hash", "0123456789abcdef"}, {"reports", true}}));

  // Another url: the sent order is parked. Never polled, placed or cancelled at the
  // retailer configured now; still in flight, so its need is not ordered again.
  OrdersConfig moved = test_config();
  moved.retailer->url_hash = "00000000000000ff";
  World b(moved);
  REQUIRE(b.led.load(saved).ok());
  const Order* o = b.led.find(sent);
  CHECK(b.led.parked(*o));
  CHECK(b.led.in_flight("coffee") == o);
  CHECK(one<RequestQuote>(b.led.tick(kT0 + 300)).order_id == unsent);
  auto asks_about = [&sent](const Reply& r) {  // a retailer call for the parked order
    for (const auto& p : all_of<PollStatus>(r)) if (p.order_id == sent) return true;
    for (const auto& p : all_of<PlaceOrder>(r)) if (p.order_id == sent) return true;
    for (const auto& p : all_of<CancelAtRetailer>(r)) if (p.order_id == sent) return true;
    return false;
  };
  for (double t : {kPlacedAt + 900.0, kPlacedAt + 10 * kDay}) {
    CHECK_FALSE(asks_about(b.led.tick(t)));
  }
  Delivery door;
  door.method = "doorstep";
  CHECK(b.led.change_delivery(sent, door, kPlacedAt + kDay).code == Code::conflict);
  // The unsent one is quoted again by the retailer configured now, its old quote gone.
  REQUIRE(quote(b, unsent, kPlacedAt + kDay).ok());
  CHECK(b.led.find(unsent)->retailer->same(*moved.retailer));
  // A user's cancel ends the parked order here only: nobody to ask.
  auto c = b.led.cancel(sent, true, kPlacedAt + kDay);
  REQUIRE(c.ok());
  CHECK_FALSE(calls_retailer(c));
  CHECK(o->status == OrderStatus::cancelled);
  CHECK(o->reason_why.id == "order.reason.cancelled_here_only");
  CHECK(one<Event>(c).text.find("that retailer may still deliver it") != std::string::npos);
  // Back with the first retailer, the order is followed again.
  World back;
  REQUIRE(back.led.load(saved).ok());
  CHECK_FALSE(back.led.parked(*back.led.find(sent)));
  CHECK(one<PollStatus>(back.led.tick(kPlacedAt + 900)).order_id == sent);
  // The retailer configured now may use the same ids: its news of its own order "r-<id>"
  // is not about the parked one.
  World m(moved);
  REQUIRE(m.led.load(saved).ok());
  std::string mine = m.led.request(req("milk", Source::api), kPlacedAt).order_id;
  REQUIRE(quote(m, mine, kPlacedAt + 1).ok());
  REQUIRE(m.led.place_result(mine, placed_ok("r-" + sent, kPlacedAt + kDay), kPlacedAt + 2).ok());
  REQUIRE(m.led.status("r-" + sent, rs("delivered"), kPlacedAt + 3).ok());
  CHECK(m.led.find(mine)->status == OrderStatus::delivered);
  CHECK(m.led.find(sent)->status == OrderStatus::placed);
  // With no retailer at all it is parked too.
  OrdersConfig none = test_config();
  none.retailer.reset();
  World n(none);
  REQUIRE(n.led.load(saved).ok());
  CHECK(n.led.parked(*n.led.find(sent)));

  // A cancel asked of the first retailer before the change cannot be asked any more: the
  // order shows none waiting (the dashboard offers its cancel again), and that is stored.
  REQUIRE(a.led.cancel(unsent, true, kT0 + 6).ok());  // (not sent: ends at once)
  std::string asked = placed_order(a, "milk");
  REQUIRE(a.led.cancel(asked, true, kPlacedAt + 10).pending);
  World k(moved);
  REQUIRE(k.led.load(a.led.save()).ok());
  CHECK_FALSE(k.led.find(asked)->cancel_requested);
  const auto written = k.led.rewritten();
  CHECK(std::any_of(written.begin(), written.end(),
                    [&asked](const Persist& p) { return p.order_id == asked; }));
}

TEST_CASE("another retailer's quote, not sent: asked again, with its question") {
  OrdersConfig c = test_config();
  c.consumables["milk"].price_ceiling = 1;
  World a(c);
  std::string pricey = a.led.request(req("milk", Source::api), kT0).order_id;
  REQUIRE(quote(a, pricey, kT0 + 1, 2).ok());
  REQUIRE(a.led.find(pricey)->hold_reason == "price_ceiling");
  std::string voice = a.led.request(req("tea", Source::voice), kT0).order_id;
  REQUIRE(quote(a, voice, kT0 + 1).ok());
  REQUIRE(a.led.find(voice)->hold_reason == "voice");
  OrdersConfig moved = c;
  moved.retailer->kind = "grocy";
  World b(moved);
  REQUIRE(b.led.load(a.led.save()).ok());
  CHECK(b.led.rewritten().size() == 2);
  CHECK(b.led.rewritten().empty());  // once
  // The price question goes back to the guards: a confirm now has no old price to agree to.
  const Order* p = b.led.find(pricey);
  CHECK(p->status == OrderStatus::held);
  CHECK_FALSE(p->quote.has_value());
  CHECK(p->overrides.empty());
  CHECK_FALSE(p->delivery.has_value());
  // The voice order still waits for its yes, and is asked again with the new price.
  CHECK(b.led.find(voice)->status == OrderStatus::awaiting_confirmation);
  auto t = b.led.tick(kT0 + 2);
  CHECK(all_of<RequestQuote>(t).size() == 2);
  // The new price is checked: over the ceiling, the question comes again.
  REQUIRE(quote(b, pricey, kT0 + 3, 2).ok());
  CHECK(p->status == OrderStatus::awaiting_confirmation);
  CHECK(p->hold_reason == "price_ceiling");
  CHECK(kinds(quote(b, voice, kT0 + 3)) == std::vector<std::string>{"order_awaiting_confirmation"});

  // A price a person said yes to stays: the new retailer's higher one asks again.
  World y(c);
  std::string yes = y.led.request(req("milk", Source::api), kT0).order_id;
  REQUIRE(quote(y, yes, kT0 + 1, 2).ok());
  REQUIRE(y.led.confirm(yes, kT0 + 2 * 3600).ok());  // the quote has expired: asked again
  REQUIRE(y.led.find(yes)->status == OrderStatus::placing);
  REQUIRE_FALSE(y.led.find(yes)->sent);
  World z(moved);
  REQUIRE(z.led.load(y.led.save()).ok());
  CHECK(z.led.find(yes)->confirmed_total == 2);
  z.led.tick(kT0 + 2 * 3600 + 1);
  REQUIRE(quote(z, yes, kT0 + 2 * 3600 + 2, 3).ok());
  CHECK(z.led.find(yes)->hold_reason == "price_changed");
  CHECK_FALSE(z.led.find(yes)->sent);
}

TEST_CASE("an order from before orders named their retailer is the configured one's, stored") {
  World a;
  std::string sent = placed_order(a);
  json older = a.led.save();
  for (auto& o : older["orders"]) o.erase("retailer");
  OrdersConfig moved = test_config();
  moved.retailer->url_hash = "00000000000000ff";
  World d(moved);
  REQUIRE(d.led.load(older).ok());
  CHECK(d.led.find(sent)->retailer->same(*moved.retailer));
  CHECK_FALSE(d.led.parked(*d.led.find(sent)));
  // Stored at once: a later start with yet another retailer parks it.
  auto written = d.led.rewritten();
  REQUIRE(written.size() == 1);
  World e;
  REQUIRE(e.led.load({{"version", 1}, {"orders", {written[0].order}}}).ok());
  CHECK(e.led.parked(*e.led.find(sent)));
}

TEST_CASE("a webhook's orders stay out of the way of another retailer, and end by purchase") {
  World a(webhook_config());
  std::string sent = placed_order(a);
  CHECK_FALSE(calls_retailer(a.led.tick(kPlacedAt + 30 * kDay)));  // a webhook is never polled
  World b;  // a sandbox configured now: the webhook order loads, is not polled, is bought
  REQUIRE(b.led.load(a.led.save()).ok());
  CHECK_FALSE(calls_retailer(b.led.tick(kPlacedAt + 30 * kDay)));
  CHECK(b.led.in_flight("coffee")->id == sent);
  auto r = b.led.bought("coffee", 1, kPlacedAt + kDay, kPlacedAt + kDay);
  CHECK(b.led.find(sent)->status == OrderStatus::delivered);
  CHECK(one<Event>(r).kind == "order_delivered");
  // So does a parked sandbox order.
  World s;
  std::string other = placed_order(s);
  World w(webhook_config());
  REQUIRE(w.led.load(s.led.save()).ok());
  REQUIRE(w.led.parked(*w.led.find(other)));
  w.led.bought("coffee", 1, kPlacedAt + kDay, kPlacedAt + kDay);
  CHECK(w.led.find(other)->status == OrderStatus::delivered);
  // And one parked while its place was unanswered (`placing`): sent, maybe held there.
  World p;
  std::string asked = p.led.request(req("tea", Source::api), kT0).order_id;
  REQUIRE(quote(p, asked, kT0 + 5).ok());
  REQUIRE(p.led.find(asked)->sent);
  World q(webhook_config());
  REQUIRE(q.led.load(p.led.save()).ok());
  REQUIRE(q.led.find(asked)->status == OrderStatus::placing);
  CHECK_FALSE(calls_retailer(q.led.tick(kT0 + kDay)));
  CHECK(q.led.bought("tea", 1, kT0 + 1, kT0 + kDay).effects.empty());  // before it was sent
  q.led.bought("tea", 1, kT0 + kDay, kT0 + kDay);
  CHECK(q.led.find(asked)->status == OrderStatus::delivered);
}

TEST_CASE("memory is bounded: the newest finished orders stay, unfinished ones always") {
  OrdersConfig c = test_config();
  c.keep_finished = 3;
  c.max_active = 4;
  World w(c);
  std::vector<std::string> ids;
  for (int i = 0; i < 6; ++i) {
    std::string id = w.led.request(req("coffee", Source::api, 1, true), kT0 + i).order_id;
    auto cancel = w.led.cancel(id, true, kT0 + i);
    CHECK(one<Persist>(cancel).finished);  // its last record left before it is dropped
    ids.push_back(id);
  }
  std::string open = w.led.request(req("tea", Source::api), kT0 + 10).order_id;
  CHECK(w.led.orders().size() == 4);
  CHECK(w.led.find(ids[0]) == nullptr);
  CHECK(w.led.find(ids[2]) == nullptr);
  CHECK(w.led.find(ids[3]) != nullptr);
  CHECK(w.led.find(ids[5]) != nullptr);
  CHECK(w.led.find(open) != nullptr);
  CHECK(w.led.orders().front()->id == open);  // newest first
  for (int i = 0; i < 3; ++i) {
    CHECK(w.led.request(req("milk", Source::api, 1, true), kT0 + 20).ok());
  }
  auto full = w.led.request(req("milk", Source::api, 1, true), kT0 + 21);
  CHECK(full.code == Code::conflict);
}
