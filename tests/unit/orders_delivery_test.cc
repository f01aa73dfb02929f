// The ledger's side of delivery (docs/delivery.md): the quote's package, the planner that
// chooses each quote's delivery, and change_delivery() when the delivery is decided again.
// The planner itself is tested in delivery_desk_test.cc and delivery_decision_test.cc.
#include <doctest/doctest.h>

#include <string>

#include <nlohmann/json.hpp>

#include "orders/ledger.h"
#include "support/ledger_world.h"

using namespace larder;
using namespace larder::orders;
using namespace larder::test;
using nlohmann::json;

namespace {

json quote_with(const json& package) {
  json q = json::parse(R"({"quote_id":"q1","items":[{"sku":"COFFEE-500","quantity":1,
      "unit_price":8.99}],"total":8.99,"currency":"EUR"})");
  q["package"] = package;
  return q;
}

}  // namespace

TEST_CASE("the quote's package is read whole, unknown fields stay unknown") {
  auto full = parse_quote(quote_with(json::parse(R"({"weight_kg":0.55,"dims_cm":[20,12,8],
      "value":8.99,"signature_required":true,"temperature_sensitive":false})")));
  REQUIRE(full.ok());
  REQUIRE(full->package.has_value());
  CHECK(*full->package->weight_kg == 0.55);
  REQUIRE(full->package->dims_cm.has_value());
  CHECK((*full->package->dims_cm)[1] == 12);
  CHECK(*full->package->value == 8.99);
  CHECK(full->package->signature_required);
  CHECK_FALSE(full->package->temperature_sensitive);
  // Written back in the same shape, and read again to the same.
  auto again = parse_quote(quote_json(*full));
  REQUIRE(again.ok());
  CHECK(*again->package->weight_kg == 0.55);
  CHECK((*again->package->dims_cm)[2] == 8);
  CHECK(again->package->signature_required);

  auto partial = parse_quote(quote_with(json::parse(R"({"weight_kg":2})")));
  REQUIRE(partial.ok());
  CHECK_FALSE(partial->package->dims_cm.has_value());
  CHECK_FALSE(partial->package->value.has_value());
  auto none = parse_quote(quote_with(nullptr));
  REQUIRE(none.ok());
  CHECK_FALSE(none->package.has_value());
}

TEST_CASE("a malformed package refuses the quote with the field named") {
  struct Bad {
    const char* package;
    const char* says;
  };
  for (const Bad& b : {Bad{R"({"weight_kg":0})", "quote.package.weight_kg"},
                       Bad{R"({"weight_kg":"heavy"})", "quote.package.weight_kg"},
                       Bad{R"({"dims_cm":[20,12]})", "quote.package.dims_cm"},
                       Bad{R"({"dims_cm":[20,12,-8]})", "quote.package.dims_cm"},
                       Bad{R"({"value":-1})", "quote.package.value"},
                       Bad{R"({"signature_required":"yes"})", "quote.package.signature_required"},
                       Bad{R"([1,2])", "quote.package"}}) {
    INFO(b.package);
    auto q = parse_quote(quote_with(json::parse(b.package)));
    REQUIRE_FALSE(q.ok());
    CHECK(q.status().message().find(b.says) != std::string::npos);
  }
}

TEST_CASE("the planner chooses each quote's delivery, and its place is kept and published") {
  World w;
  int asked = 0;
  w.led.set_delivery_planner([&](const Order& o, const Quote& q, double now) {
    ++asked;
    CHECK(o.items.front().consumable == "coffee");
    CHECK(now == kT0 + 5);
    Delivery d;
    d.method = "trunk";
    d.reasons = {"the car is very likely parked at home"};
    d.window = q.delivery_options.back().window;
    d.place = "home";
    return d;
  });
  std::string id = placed_order(w);
  CHECK(asked == 1);
  const Order* o = w.led.find(id);
  REQUIRE(o->delivery.has_value());
  CHECK(o->delivery->method == "trunk");
  CHECK(*o->delivery->place == "home");
  json state = state_json(*o);
  CHECK(state["delivery"]["method"] == "trunk");
  CHECK(state["delivery"]["place"] == "home");
  CHECK(state["delivery"]["reasons"][0] == "the car is very likely parked at home");
  // Saved and loaded with the place.
  World back;
  REQUIRE(back.led.load(w.led.save()).ok());
  CHECK(*back.led.find(id)->delivery->place == "home");
}

TEST_CASE("change_delivery persists and publishes the new delivery, and refuses what it must") {
  World w;
  std::string id = placed_order(w);
  Delivery door;
  door.method = "doorstep";
  door.reasons = {"the car moved away"};
  Reply r = w.led.change_delivery(id, door, kPlacedAt + 60);
  REQUIRE(r.ok());
  CHECK(index_of<Persist>(r) == 0);
  CHECK(one<PublishState>(r).state["delivery"]["method"] == "doorstep");
  CHECK(w.led.find(id)->delivery->reasons.front() == "the car moved away");
  CHECK_FALSE(calls_retailer(r));

  CHECK(w.led.change_delivery("nope", door, kPlacedAt).code == Code::not_found);
  Delivery empty;
  CHECK(w.led.change_delivery(id, empty, kPlacedAt).code == Code::bad_input);
  // An order without a quote has no delivery to change; a finished one neither.
  std::string fresh = w.led.request(req("tea", Source::api), kT0).order_id;
  CHECK(w.led.change_delivery(fresh, door, kT0 + 1).code == Code::conflict);
  REQUIRE(w.led.status(id, rs("delivered"), kPlacedAt + kDay).ok());
  CHECK(w.led.change_delivery(id, door, kPlacedAt + 2 * kDay).code == Code::conflict);
}
