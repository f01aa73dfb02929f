// Why an order failed, was cancelled or waits, in the household's language: larderd's own
// reasons are messages of the catalogs (order.reason.*), the retailer's words are shown as
// they come, and the order's record keeps the English text (as stored) and the message,
// across a save and a load.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "orders/guards.h"
#include "orders/ledger.h"
#include "support/ledger_world.h"

using namespace larder;
using namespace larder::orders;
using namespace larder::test;
using nlohmann::json;

namespace {

OrdersConfig german() {
  OrdersConfig c = test_config();
  c.locale = "de-DE";
  c.consumables["coffee"].name = "Kaffeebohnen";
  return c;
}

bool has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

}  // namespace

TEST_CASE("a quote that does not answer the order fails it in the household's words") {
  World w(german());
  std::string id = w.led.request(req("coffee", Source::api, 2), kT0).order_id;
  Quote q = quote_for(*w.led.find(id), kT0);
  q.items[0].quantity = 1;
  auto r = w.led.quote_received(id, q, kT0 + 1);
  const Order* o = w.led.find(id);
  REQUIRE(o->status == OrderStatus::failed);
  CHECK(one<Event>(r).text ==
        "Die Bestellung von 2 x Kaffeebohnen ist fehlgeschlagen: der Händler bietet 1 statt "
        "der bestellten 2 x COFFEE-500 an.");
  // The record keeps English (the store's), and the message to write it again.
  CHECK(o->reason == "the retailer offers 1 of the 2 x COFFEE-500 asked for");
  CHECK(o->reason_why.id == "order.reason.short_quote");

  // A sku that was not asked for.
  std::string id2 = w.led.request(req("tea", Source::api), kT0).order_id;
  Quote other = quote_for(*w.led.find(id2), kT0);
  other.items[0].sku = "TEA-GREEN";
  auto r2 = w.led.quote_received(id2, other, kT0 + 1);
  CHECK(has(one<Event>(r2).text,
            "der Händler bietet einen nicht bestellten Artikel an (TEA-GREEN)"));
  CHECK(w.led.find(id2)->reason == "the retailer quoted TEA-GREEN, which was not asked for");
}

TEST_CASE("the retailer's own words are shown as they came; its silence in larderd's") {
  World w(german());
  std::string id = w.led.request(req("coffee", Source::api), kT0).order_id;
  auto said = w.led.quote_failed(id, false, "HTTP 404: unknown sku COFFEE-500", kT0 + 1);
  CHECK(one<Event>(said).text ==
        "Die Bestellung von 1 x Kaffeebohnen ist fehlgeschlagen: HTTP 404: unknown sku "
        "COFFEE-500.");
  CHECK(w.led.find(id)->reason_why.id.empty());

  std::string id2 = w.led.request(req("tea", Source::api), kT0).order_id;
  auto silent = w.led.quote_failed(id2, false, "", kT0 + 1);
  CHECK(has(one<Event>(silent).text, "fehlgeschlagen: der Händler hat kein Angebot gemacht."));
  CHECK(w.led.find(id2)->reason == "the retailer refused the quote");

  // Cancelled by the retailer without a word, and with one.
  World p(german());
  std::string placed = placed_order(p);
  auto cancelled = p.led.status(placed, rs("cancelled"), kPlacedAt + 60);
  CHECK(one<Event>(cancelled).text ==
        "Die Bestellung von 1 x Kaffeebohnen ist storniert: vom Händler storniert.");
  std::string placed2 = placed_order(p, "tea");
  auto worded = p.led.status(placed2, rs("cancelled", "out of stock"), kPlacedAt + 60);
  CHECK(has(one<Event>(worded).text, "storniert: out of stock."));
  std::string placed3 = placed_order(p, "milk");
  auto failed = p.led.status(placed3, rs("failed"), kPlacedAt + 60);
  CHECK(has(one<Event>(failed).text, "fehlgeschlagen: der Händler meldet einen Fehler."));
}

TEST_CASE("an order withdrawn, or cancelled before the retailer took it") {
  World w(german());
  std::string id = w.led.request(req("coffee", Source::api), kT0).order_id;
  auto withdrawn = w.led.cancel(id, false, kT0 + 1);
  CHECK(one<Event>(withdrawn).text ==
        "Die Bestellung von 1 x Kaffeebohnen ist storniert: zurückgezogen.");

  // Withdrawn while its PlaceOrder is out; the retailer answers that the quote expired.
  std::string id2 = w.led.request(req("tea", Source::api), kT0).order_id;
  quote(w, id2, kT0);
  if (w.led.find(id2)->status == OrderStatus::held) w.led.tick(kT0 + 300);
  REQUIRE(w.led.find(id2)->pending == Pending::place);
  w.led.cancel(id2, false, kT0 + 301);
  auto expired = w.led.place_result(id2, place_error(PlaceResult::Kind::quote_expired), kT0 + 302);
  CHECK(has(one<Event>(expired).text,
            "storniert: storniert, bevor der Händler sie angenommen hat."));
  CHECK(w.led.find(id2)->reason == "cancelled before the retailer took it");
}

TEST_CASE("an order the retailer may hold: the uncertainty in the household's words") {
  World w(german());
  std::string id = w.led.request(req("coffee", Source::api), kT0).order_id;
  quote(w, id, kT0);
  w.led.place_result(id, place_error(PlaceResult::Kind::retryable), kT0 + 1, 1);
  CHECK(w.led.find(id)->last_error == "the retailer did not answer");
  REQUIRE(one<PlaceOrder>(w.led.tick(w.led.find(id)->retry_at)).attempt == 2);
  PlaceResult refused = place_error(PlaceResult::Kind::rejected);
  refused.may_hold = true;
  auto r = w.led.place_result(id, refused, kT0 + 130, 2);
  REQUIRE(kinds(r) == std::vector<std::string>{"order_uncertain"});
  CHECK(has(one<Event>(r).text, "sagt es aber nicht (der Händler hat die Bestellung abgelehnt)"));
  CHECK(w.led.find(id)->last_error == "the retailer refused the order");

  // Withdrawn (not by a user) while it is so: the reason says the retailer may hold it.
  w.led.cancel(id, false, kT0 + 131);
  one<PlaceOrder>(w.led.tick(w.led.find(id)->retry_at));
  auto ended = w.led.place_result(id, refused, w.led.find(id)->retry_at + 1, 3);
  REQUIRE(w.led.find(id)->status == OrderStatus::cancelled);
  CHECK(has(one<Event>(ended).text,
            "storniert: hier storniert; der Händler hat sie vielleicht noch (er hat die "
            "Bestellung abgelehnt)."));
  CHECK(w.led.find(id)->reason ==
        "cancelled here; the retailer may still hold it (the retailer refused the order)");

  // With the retailer's words, those go inside larderd's as they came.
  World v(german());
  std::string id2 = v.led.request(req("coffee", Source::api), kT0).order_id;
  quote(v, id2, kT0);
  v.led.place_result(id2, place_error(PlaceResult::Kind::retryable), kT0 + 1, 1);
  one<PlaceOrder>(v.led.tick(v.led.find(id2)->retry_at));
  PlaceResult worded = place_error(PlaceResult::Kind::rejected, "HTTP 401 unauthorized");
  worded.may_hold = true;
  auto unsure = v.led.place_result(id2, worded, kT0 + 130, 2);
  CHECK(has(one<Event>(unsure).text, "sagt es aber nicht (HTTP 401 unauthorized)"));
  v.led.cancel(id2, false, kT0 + 131);
  one<PlaceOrder>(v.led.tick(v.led.find(id2)->retry_at));
  auto cancelled = v.led.place_result(id2, worded, v.led.find(id2)->retry_at + 1, 3);
  CHECK(has(one<Event>(cancelled).text,
            "storniert: hier storniert; der Händler hat sie vielleicht noch (HTTP 401 "
            "unauthorized)."));
}

TEST_CASE("a failure the order desk decided is in the household's words") {
  World w(german());
  std::string id = placed_order(w);
  RetailerStatus lost = rs("failed");
  Reason why = our_reason("order.reason.unknown_order", {{"reason", "HTTP 404"}, {"n", "3"}});
  lost.reason = why.text;
  lost.why = why.why;
  auto r = w.led.status(id, lost, kPlacedAt + 60);
  CHECK(has(one<Event>(r).text,
            "fehlgeschlagen: der Händler kennt die Bestellung nicht mehr (HTTP 404, 3 Abfragen "
            "hintereinander)."));
  CHECK(w.led.find(id)->reason ==
        "the retailer no longer knows the order (HTTP 404, 3 polls in a row)");
}

TEST_CASE("the reason's message is saved with the order and read back strictly") {
  World a(german());
  std::string id = a.led.request(req("coffee", Source::api, 2), kT0).order_id;
  Quote q = quote_for(*a.led.find(id), kT0);
  q.items[0].quantity = 1;
  json stored = one<Persist>(a.led.quote_received(id, q, kT0 + 1)).order;
  CHECK(stored["reason_why"] ==
        json::parse(R"({"id":"order.reason.short_quote",
                        "args":{"n":"2","quoted":"1","sku":"COFFEE-500"}})"));
  CHECK_FALSE(stored.contains("last_error_why"));
  auto back = load_order(stored);
  REQUIRE(back.ok());
  CHECK(reason_text(texts_for("de"), back->reason, back->reason_why) ==
        "der Händler bietet 1 statt der bestellten 2 x COFFEE-500 an");

  // An order whose reason is the retailer's words has no message saved; an older store's
  // order (no key) loads.
  World b;
  std::string id2 = b.led.request(req("coffee", Source::api), kT0).order_id;
  json theirs = one<Persist>(b.led.quote_failed(id2, false, "HTTP 422", kT0 + 1)).order;
  CHECK_FALSE(theirs.contains("reason_why"));
  REQUIRE(load_order(theirs).ok());

  // A message that is not one: an error naming the field, not an order without a reason.
  for (const char* bad : {R"({"id":"","args":{}})", R"({"id":"voice.welcome","args":{}})",
                          R"({"id":"order.reason.x","args":[]})",
                          R"({"id":"order.reason.x","args":{"n":3}})", R"("order.reason.x")"}) {
    CAPTURE(bad);
    json broken = stored;
    broken["reason_why"] = json::parse(bad);
    auto loaded = load_order(broken);
    REQUIRE_FALSE(loaded.ok());
    CHECK(has(loaded.status().message(), "order.reason_why"));
  }
  // A message this catalog does not hold (a newer larderd's): the English text.
  Why unknown{"order.reason.from_the_future", {}};
  CHECK(reason_text(texts_for("de"), "in English", unknown) == "in English");
}

TEST_CASE("a long retailer reason inside larderd's words is kept bounded, and loads again") {
  // "cancelled here; the retailer may still hold it (<1024 bytes>)" was longer than the
  // store takes back: the order would not load after a restart.
  World w;
  std::string id = w.led.request(req("coffee", Source::api), kT0).order_id;
  quote(w, id, kT0);
  w.led.place_result(id, place_error(PlaceResult::Kind::retryable), kT0 + 1, 1);
  one<PlaceOrder>(w.led.tick(w.led.find(id)->retry_at));
  PlaceResult refused = place_error(PlaceResult::Kind::rejected, std::string(2000, 'a'));
  refused.may_hold = true;
  w.led.place_result(id, refused, kT0 + 130, 2);
  w.led.cancel(id, false, kT0 + 131);
  one<PlaceOrder>(w.led.tick(w.led.find(id)->retry_at));
  const double at = w.led.find(id)->retry_at + 1;
  json stored = one<Persist>(w.led.place_result(id, refused, at, 3)).order;
  REQUIRE(w.led.find(id)->status == OrderStatus::cancelled);
  CHECK(w.led.find(id)->reason.size() <= 1024);
  CHECK(w.led.find(id)->reason.rfind("cancelled here; the retailer may still hold it (aa", 0) ==
        0);
  auto back = load_order(stored);
  REQUIRE_MESSAGE(back.ok(), back.status().message());
  CHECK(back->reason == w.led.find(id)->reason);
}
