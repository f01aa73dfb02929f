// The order ledger (support/ledger_world.h) and a changed price: a 409 brings its own
// quote, and a price a person said yes to is never exceeded as written, in its currency.
#include <doctest/doctest.h>

#include <string>

#include <nlohmann/json.hpp>

#include "orders/ledger.h"
#include "support/ledger_world.h"

using namespace larder;
using namespace larder::orders;
using namespace larder::test;
using nlohmann::json;

TEST_CASE("a 409 for a changed price brings its own quote, a confirmed price is not exceeded") {
  World w;
  // An automatic order within its limits takes the new price, under the same key.
  std::string id = w.led.request(req("coffee", Source::sensor), kT0).order_id;
  quote(w, id, kT0 + 1);
  const std::string key = one<PlaceOrder>(w.led.tick(kT0 + 300)).idempotency_key;
  PlaceResult changed = place_error(PlaceResult::Kind::quote_expired, "price_changed");
  changed.quote = quote_for(*w.led.find(id), kT0 + 301, 9.49);
  changed.quote->quote_id = "q-new";
  auto r = w.led.place_result(id, changed, kT0 + 301);
  auto p = one<PlaceOrder>(r);
  CHECK(p.quote_id == "q-new");
  CHECK(p.idempotency_key == key);
  CHECK(index_of<RequestQuote>(r) == -1);
  CHECK(one<PublishState>(r).state["price"] == 9.49);

  // A person said yes to 1.09: 1.19 is asked again, and a yes to it places it.
  std::string milk = w.led.request(req("milk", Source::voice), kT0).order_id;
  quote(w, milk, kT0 + 1, 1.09);
  const std::string mkey = one<PlaceOrder>(w.led.confirm(milk, kT0 + 2)).idempotency_key;
  CHECK(w.led.find(milk)->confirmed_total == 1.09);
  PlaceResult dearer = place_error(PlaceResult::Kind::quote_expired);
  dearer.quote = quote_for(*w.led.find(milk), kT0 + 3, 1.19);
  auto held = w.led.place_result(milk, dearer, kT0 + 3);
  CHECK(index_of<PlaceOrder>(held) == -1);
  CHECK(w.led.find(milk)->hold_reason == "price_changed");
  CHECK(one<Event>(held).text ==
        "The price of 1 x Milk rose from €1.09 to €1.19. Confirm to order it.");
  auto yes = w.led.confirm(milk, kT0 + 4);
  CHECK(one<PlaceOrder>(yes).idempotency_key == mkey);
  // Without a fresh quote in the 409, a new one is asked for.
  auto plain = w.led.place_result(milk, place_error(PlaceResult::Kind::quote_expired), kT0 + 5);
  CHECK(one<RequestQuote>(plain).order_id == milk);
  CHECK(one<PublishState>(plain).state["price"].is_null());

  // A review found: a yes to 1500 yen let a new quote of 1400 dollars through (1400 < 1500).
  // A price in another currency than the one confirmed asks again.
  std::string tea = w.led.request(req("tea", Source::voice), kT0).order_id;
  Quote yen = quote_for(*w.led.find(tea), kT0 + 1, 1500);
  yen.currency = "JPY";
  w.led.quote_received(tea, yen, kT0 + 1);
  REQUIRE(w.led.find(tea)->status == OrderStatus::awaiting_confirmation);
  REQUIRE(index_of<PlaceOrder>(w.led.confirm(tea, kT0 + 2)) >= 0);
  CHECK(w.led.find(tea)->confirmed_currency == "JPY");
  PlaceResult dollars = place_error(PlaceResult::Kind::quote_expired, "price_changed");
  dollars.quote = quote_for(*w.led.find(tea), kT0 + 3, 1400);
  dollars.quote->currency = "USD";
  auto asked = w.led.place_result(tea, dollars, kT0 + 3);
  CHECK(index_of<PlaceOrder>(asked) == -1);
  CHECK(w.led.find(tea)->hold_reason == "price_changed");
  CHECK(one<Event>(asked).text.find("1,500 JPY") != std::string::npos);  // no minor unit

  // A review found the "higher" test fixed at half a cent: 1.254 dinars passed a yes to
  // 1.250, and 1500.3 yen (written 1500) was asked again. Half of the currency's unit now.
  auto confirmed_at = [&](const char* currency, double price) {
    std::string id = w.led.request(req("tea", Source::voice, 1, true), kT0 + 10).order_id;
    Quote q = quote_for(*w.led.find(id), kT0 + 10, price);
    q.quote_id = "q-" + std::string(currency);
    q.currency = currency;
    w.led.quote_received(id, q, kT0 + 10);
    REQUIRE(index_of<PlaceOrder>(w.led.confirm(id, kT0 + 11)) >= 0);
    return id;
  };
  auto answer = [&](const std::string& id, const char* currency, double price) {
    PlaceResult p = place_error(PlaceResult::Kind::quote_expired, "price_changed");
    p.quote = quote_for(*w.led.find(id), kT0 + 12, price);
    p.quote->quote_id = "q-again-" + std::string(currency);
    p.quote->currency = currency;
    return w.led.place_result(id, p, kT0 + 12);
  };
  std::string dinars = confirmed_at("KWD", 1.25);
  auto dearer_kwd = answer(dinars, "KWD", 1.254);
  CHECK(w.led.find(dinars)->hold_reason == "price_changed");
  CHECK(one<Event>(dearer_kwd).text.find("from 1.250 KWD to 1.254 KWD") != std::string::npos);
  std::string yen_again = confirmed_at("JPY", 1500);
  CHECK(index_of<PlaceOrder>(answer(yen_again, "JPY", 1500.3)) >= 0);
  CHECK_FALSE(w.led.find(yen_again)->hold_reason);
  // Exactly half a yen up is written 1501: it asks (a second review).
  std::string half_yen = confirmed_at("JPY", 1500);
  answer(half_yen, "JPY", 1500.5);
  CHECK(w.led.find(half_yen)->hold_reason == "price_changed");
  std::string euros = confirmed_at("EUR", 8.99);
  CHECK(index_of<PlaceOrder>(answer(euros, "EUR", 8.994)) >= 0);  // written €8.99 still
}
