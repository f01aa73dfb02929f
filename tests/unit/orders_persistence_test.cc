// The order ledger (support/ledger_world.h): the published state, save and load of the
// ledger, malformed saved state, and the bound on the orders kept in memory.
#include <doctest/doctest.h>

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
