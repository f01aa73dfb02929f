// The order ledger, through its interface: commands and facts in, effects out, on
// recorded time and a deterministic random source (helpers: support/ledger_world.h).
// Here: keys, requests and their sources' policies, undo windows, confirm and cancel.
// The other orders_*_test.cc: placement and status, guards, persistence.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "larder/config.h"
#include "orders/ledger.h"
#include "support/ledger_world.h"

using namespace larder;
using namespace larder::orders;
using namespace larder::test;
using nlohmann::json;

TEST_CASE("keys are UUIDv4 from the injected source, no randomness, no key") {
  TestRandom r;
  auto a = uuid_v4(r), b = uuid_v4(r);
  REQUIRE(a);
  REQUIRE(b);
  CHECK(valid_uuid(*a));
  CHECK(valid_uuid(*b));
  CHECK(*a != *b);
  CHECK((*a)[14] == '4');
  CHECK_FALSE(valid_uuid("not-a-uuid"));
  CHECK_FALSE(valid_uuid("00000000-0000-1000-8000-000000000000"));  // version 1
  r.broken = true;
  CHECK_FALSE(uuid_v4(r));
  CHECK_FALSE(uniform01(r));
  CHECK(fraction(0) == 0);
  CHECK(fraction(0xff) < 1);
  CHECK(fraction(0x80) == doctest::Approx(0.502).epsilon(0.01));
}

TEST_CASE("one order in flight per consumable, more only when a user asks explicitly") {
  World w;
  auto a = w.led.request(req("coffee", Source::sensor), kT0);
  REQUIRE(a.ok());
  CHECK_FALSE(a.existing);
  CHECK(valid_id(a.order_id));
  CHECK(a.order_id.rfind("coffee-", 0) == 0);

  // Two people press the button, a voice request follows the automatic order.
  for (Source s : {Source::button, Source::voice, Source::api, Source::sensor}) {
    auto b = w.led.request(req("coffee", s, 2), kT0 + 10);
    REQUIRE(b.ok());
    CHECK(b.existing);
    CHECK(b.order_id == a.order_id);
    CHECK(b.effects.empty());
  }
  // The model's own request never orders more, even flagged explicit.
  auto model = w.led.request(req("coffee", Source::sensor, 1, true), kT0 + 20);
  CHECK(model.existing);

  auto more = w.led.request(req("coffee", Source::api, 2, true), kT0 + 30);
  REQUIRE(more.ok());
  CHECK_FALSE(more.existing);
  CHECK(more.order_id != a.order_id);
  CHECK(w.led.find(more.order_id)->items.front().quantity == 2);
  CHECK(w.led.find(more.order_id)->idempotency_key != w.led.find(a.order_id)->idempotency_key);
  // With several in flight, the one a button's cancel or confirm means is the newest,
  // whatever the random hex of the ids.
  CHECK(w.led.in_flight("coffee")->id == more.order_id);
  auto most = w.led.request(req("coffee", Source::voice, 3, true), kT0 + 35);
  REQUIRE(most.ok());
  CHECK(w.led.in_flight("coffee")->id == most.order_id);
  REQUIRE(w.led.cancel(most.order_id, true, kT0 + 36).ok());
  CHECK(w.led.in_flight("coffee")->id == more.order_id);

  // Another consumable is its own order; a finished order frees the consumable.
  CHECK_FALSE(w.led.request(req("tea", Source::api), kT0).existing);
  REQUIRE(w.led.cancel(a.order_id, true, kT0 + 40).ok());
  REQUIRE(w.led.cancel(more.order_id, true, kT0 + 40).ok());
  auto again = w.led.request(req("coffee", Source::button), kT0 + 50);
  CHECK_FALSE(again.existing);
  CHECK(again.order_id != a.order_id);
}

TEST_CASE("orders start by their source's policy: undo windows, the voice question") {
  OrdersConfig c = test_config();
  c.api.undo_window_s = 30;
  World w(c);
  struct Case {
    Source source;
    const char* consumable;
    OrderStatus status;
    double window;
    const char* event;
  };
  for (const Case& k : {Case{Source::sensor, "coffee", OrderStatus::held, 300, "order_held"},
                        Case{Source::button, "tea", OrderStatus::held, 60, "order_held"},
                        Case{Source::voice, "milk", OrderStatus::awaiting_confirmation, 0, ""},
                        Case{Source::api, "sugar", OrderStatus::held, 30, "order_held"},
                        Case{Source::cli, "flour", OrderStatus::placing, 0, ""}}) {
    CAPTURE(source_name(k.source));
    Request r = req(k.consumable, k.source);
    r.sku = "SKU-1";
    auto reply = w.led.request(r, kT0);
    REQUIRE(reply.ok());
    const Order* o = w.led.find(reply.order_id);
    CHECK(o->status == k.status);
    CHECK(o->held_until == kT0 + k.window);
    CHECK(o->source == k.source);
    CHECK(valid_uuid(o->idempotency_key));
    // The quote is taken at once (the price for the question and the window's text).
    CHECK(one<RequestQuote>(reply).order_id == o->id);
    CHECK(index_of<PlaceOrder>(reply) == -1);
    CHECK(index_of<Persist>(reply) == 0);
    CHECK(one<PublishState>(reply).state["status"] == status_name(k.status));
    if (*k.event) {
      CHECK(kinds(reply) == std::vector<std::string>{k.event});
    } else {
      CHECK(kinds(reply).empty());
    }
    if (k.source == Source::voice) {
      // The question waits for the price.
      CHECK(o->hold_reason == "voice");
      auto q = quote(w, o->id, kT0 + 1, 1.09);
      CHECK(kinds(q) == std::vector<std::string>{"order_awaiting_confirmation"});
      CHECK(one<Event>(q).text == "Shall I order 1 x Milk for €1.09?");
      CHECK(index_of<PlaceOrder>(q) == -1);
    }
  }
  auto held = all_of<Event>(w.led.request(req("coffee", Source::button, 1, true), kT0));
  REQUIRE(held.size() == 1);
  CHECK(held[0].text == "Ordering 1 x Coffee beans in 60 seconds. Cancel to stop it.");
  CHECK(held[0].consumable == "coffee");
}

TEST_CASE("a cancel inside the undo window ends the order with no retailer call") {
  World w;
  auto r = w.led.request(req("coffee", Source::sensor), kT0);
  std::string id = r.order_id;
  REQUIRE(quote(w, id, kT0 + 1).ok());
  CHECK(w.led.find(id)->status == OrderStatus::held);

  auto c = w.led.cancel(id, true, kT0 + 120);
  REQUIRE(c.ok());
  CHECK_FALSE(c.pending);
  CHECK_FALSE(calls_retailer(c));
  CHECK(w.led.find(id)->status == OrderStatus::cancelled);
  CHECK(kinds(c) == std::vector<std::string>{"order_cancelled"});
  CHECK(one<Persist>(c).finished);
  CHECK(one<PublishState>(c).state["status"] == "cancelled");
  // The user vetoed an automatic order: the consumption model hears it.
  auto veto = one<Cancelled>(c);
  CHECK(veto.consumable == "coffee");
  CHECK(veto.vetoed());

  // The window passes: nothing is placed; a second cancel is harmless.
  auto t = w.led.tick(kT0 + 600);
  CHECK(t.effects.empty());
  auto again = w.led.cancel(id, true, kT0 + 601);
  CHECK(again.ok());
  CHECK(again.effects.empty());

  // A user's cancel of the user's own (button) order is no veto of the model.
  auto b = w.led.request(req("tea", Source::button), kT0);
  auto cb = w.led.cancel(b.order_id, true, kT0 + 5);
  CHECK_FALSE(one<Cancelled>(cb).vetoed());
  CHECK(one<Cancelled>(cb).by_user);
  // A late quote for a cancelled order changes nothing.
  auto late = quote(w, b.order_id, kT0 + 6);
  CHECK(late.ok());
  CHECK(late.effects.empty());
  CHECK(w.led.cancel("nope", true, kT0).code == Code::not_found);
}

TEST_CASE("after the window the order is committed, then placed: Persist before PlaceOrder") {
  World w;
  std::string id = w.led.request(req("coffee", Source::sensor), kT0).order_id;
  auto q = quote(w, id, kT0 + 2);
  CHECK(index_of<PlaceOrder>(q) == -1);  // still inside the window
  CHECK(one<PublishState>(q).state["price"] == 8.99);
  CHECK(w.led.tick(kT0 + 299).effects.empty());

  auto t = w.led.tick(kT0 + 300);
  const Order* o = w.led.find(id);
  CHECK(o->status == OrderStatus::placing);
  auto place = one<PlaceOrder>(t);
  CHECK(place.idempotency_key == o->idempotency_key);
  CHECK(place.quote_id == "q-" + id);
  CHECK(place.delivery_method == "doorstep");
  CHECK(place.attempt == 1);
  auto persist = one<Persist>(t);
  CHECK(index_of<Persist>(t) < index_of<PlaceOrder>(t));
  CHECK(persist.order["idempotency_key"] == o->idempotency_key);
  CHECK(persist.order["sent"] == true);
  CHECK(persist.order["attempts"] == 1);
  CHECK(one<PublishState>(t).state["status"] == "placing");

  auto p = w.led.place_result(id, placed_ok("r-77", kT0 + 2 * kDay), kT0 + 302);
  REQUIRE(p.ok());
  CHECK(o->status == OrderStatus::placed);
  CHECK(kinds(p) == std::vector<std::string>{"order_placed"});
  CHECK(one<Event>(p).text == "Ordered 1 x Coffee beans for €8.99, arriving in about 2 days.");
  CHECK(one<Placed>(p).consumable == "coffee");
  auto state = one<PublishState>(p).state;
  CHECK(state["placed_at"] == kT0 + 302);
  CHECK(state["eta"] == kT0 + 2 * kDay);
  CHECK(index_of<Persist>(p) == 0);
  // A second answer to the same key (a retry's) is the same order: nothing happens.
  CHECK(w.led.place_result(id, placed_ok("r-77", 0), kT0 + 303).effects.empty());
}

TEST_CASE("confirm: a held order skips its window, one awaiting goes on past its reason") {
  World w;
  std::string held = w.led.request(req("coffee", Source::button), kT0).order_id;
  quote(w, held, kT0 + 1);
  auto c = w.led.confirm(held, kT0 + 2);
  REQUIRE(c.ok());
  CHECK(one<PlaceOrder>(c).order_id == held);
  CHECK(w.led.find(held)->status == OrderStatus::placing);
  auto twice = w.led.confirm(held, kT0 + 3);  // the other person confirms too
  CHECK(twice.code == Code::conflict);  // it waits for nothing now (docs/http.md: 409)
  CHECK(twice.order_id == held);
  CHECK(twice.status.message().find("waits for no confirmation: it is placing") !=
        std::string::npos);
  CHECK(twice.effects.empty());
  CHECK(w.led.find(held)->status == OrderStatus::placing);

  // The voice question: nothing is placed until the answer.
  World v;
  std::string voice = v.led.request(req("tea", Source::voice), kT0).order_id;
  auto vq = quote(v, voice, kT0 + 1);
  CHECK(index_of<PlaceOrder>(vq) == -1);
  CHECK(v.led.tick(kT0 + kDay).effects.empty());
  CHECK(v.led.find(voice)->status == OrderStatus::awaiting_confirmation);
  // The quote expired while the user thought: a new one first, then the order.
  auto vc = v.led.confirm(voice, kT0 + kDay + 1);
  CHECK(v.led.find(voice)->status == OrderStatus::placing);
  CHECK(v.led.find(voice)->hold_reason == std::nullopt);
  CHECK(index_of<PlaceOrder>(vc) == -1);
  one<RequestQuote>(vc);
  auto vq2 = quote(v, voice, kT0 + kDay + 2);
  CHECK(one<PlaceOrder>(vq2).order_id == voice);

  std::string gone = v.led.request(req("milk", Source::voice), kT0).order_id;
  v.led.cancel(gone, true, kT0 + 1);
  CHECK(v.led.confirm(gone, kT0 + 2).code == Code::conflict);
  CHECK(v.led.confirm("nope", kT0).code == Code::not_found);
}

TEST_CASE("a cancel after placing asks the retailer, too late once shipped") {
  World w;
  std::string id = placed_order(w, "coffee", Source::sensor);
  auto c = w.led.cancel(id, true, kPlacedAt + 100);
  REQUIRE(c.ok());
  CHECK(c.pending);
  CHECK(one<CancelAtRetailer>(c).retailer_order_id == "r-" + id);
  CHECK(w.led.find(id)->status == OrderStatus::placed);
  CHECK(w.led.cancel(id, true, kPlacedAt + 101).effects.empty());  // asked already
  auto retry =
      w.led.cancel_result(id, {CancelResult::Kind::retryable, "HTTP 502"}, kPlacedAt + 102);
  CHECK(retry.pending);
  auto again = w.led.tick(kPlacedAt + 104);
  one<CancelAtRetailer>(again);
  auto ok = w.led.cancel_result(id, {CancelResult::Kind::ok, ""}, kPlacedAt + 105);
  CHECK(w.led.find(id)->status == OrderStatus::cancelled);
  CHECK(one<Cancelled>(ok).vetoed());
  CHECK(kinds(ok) == std::vector<std::string>{"order_cancelled"});

  std::string t = placed_order(w, "tea");
  w.led.cancel(t, true, kPlacedAt + 100);
  auto late = w.led.cancel_result(t, {CancelResult::Kind::too_late, ""}, kPlacedAt + 101);
  CHECK(late.code == Code::conflict);
  CHECK(late.status.message() == "too late: the order has shipped");
  CHECK(w.led.find(t)->status == OrderStatus::placed);
  CHECK_FALSE(w.led.find(t)->cancel_requested);
  CHECK(one<PollStatus>(w.led.tick(kPlacedAt + 102)).order_id == t);  // learn its status now
  w.led.status(t, rs("shipped"), kPlacedAt + 103);
  auto shipped = w.led.cancel(t, true, kPlacedAt + 104);
  CHECK(shipped.code == Code::conflict);
  CHECK(shipped.status.message() == "too late: the order has shipped");
  CHECK(shipped.effects.empty());
  w.led.status(t, rs("delivered"), kPlacedAt + kDay);
  CHECK(w.led.cancel(t, true, kPlacedAt + kDay).code == Code::conflict);
}

TEST_CASE("a cancel while the place is in the air waits for the retailer's answer") {
  World w;
  std::string id = w.led.request(req("coffee", Source::sensor), kT0).order_id;
  quote(w, id, kT0);
  auto t = w.led.tick(kT0 + 300);
  one<PlaceOrder>(t);
  auto c = w.led.cancel(id, true, kT0 + 301);
  CHECK(c.pending);
  CHECK_FALSE(calls_retailer(c));
  auto p = w.led.place_result(id, placed_ok("r-1", kT0 + kDay), kT0 + 302);
  CHECK(index_of<Persist>(p) < index_of<CancelAtRetailer>(p));
  CHECK(one<CancelAtRetailer>(p).retailer_order_id == "r-1");

  // The retailer refuses the place: it ends cancelled, as the user wanted.
  std::string id2 = w.led.request(req("tea", Source::api), kT0).order_id;
  quote(w, id2, kT0);
  w.led.cancel(id2, true, kT0 + 1);
  w.led.place_result(id2, place_error(PlaceResult::Kind::rejected, "HTTP 400"), kT0 + 2);
  CHECK(w.led.find(id2)->status == OrderStatus::cancelled);
}

TEST_CASE("bad requests are refused and change nothing") {
  World w;
  Request r = req("coffee", Source::api);
  r.consumable = "Coffee";
  CHECK(w.led.request(r, kT0).code == Code::bad_input);
  r = req("coffee", Source::api, 0);
  CHECK(w.led.request(r, kT0).code == Code::bad_input);
  r = req("coffee", Source::api, 100);
  CHECK(w.led.request(r, kT0).code == Code::bad_input);
  r = req("coffee", Source::api);
  r.sku = "";
  CHECK(w.led.request(r, kT0).code == Code::bad_input);
  r = req("coffee", Source::api);
  r.companions = {{"Tea", "TEA-100", 1, 0}};
  CHECK(w.led.request(r, kT0).code == Code::bad_input);
  r = req("coffee", Source::api);
  r.sku = "TEA\tGREEN";
  CHECK(w.led.request(r, kT0).code == Code::bad_input);
  // The longest sku the configuration takes (128 characters, here of 3 bytes each) is
  // ordered; one byte more than four times that is not.
  std::string tea;
  for (int i = 0; i < 128; ++i) tea += "\u8336";
  r = req("coffee", Source::api);
  r.sku = tea;
  Reply long_sku = w.led.request(r, kT0);
  CHECK_MESSAGE(long_sku.ok(), long_sku.status.message());
  w.led.cancel(long_sku.order_id, true, kT0);
  r.sku = std::string(513, 'x');
  CHECK(w.led.request(r, kT0).code == Code::bad_input);
  w.rnd.broken = true;
  auto no_key = w.led.request(req("coffee", Source::api), kT0);
  CHECK(no_key.code == Code::internal);
  CHECK(no_key.effects.empty());
  CHECK(w.led.orders().size() == 1);  // the long sku's, cancelled
  CHECK(w.led.tick(kT0).effects.empty());
}
