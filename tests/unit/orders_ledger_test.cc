// The order ledger, through its interface: commands and facts in, effects out, on
// recorded time and a deterministic random source.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "larder/config.h"
#include "orders/guards.h"
#include "orders/ledger.h"

using namespace larder;
using namespace larder::orders;
using nlohmann::json;

namespace {

constexpr double kT0 = 1767571200;  // 2026-01-05 00:00 UTC
constexpr double kDay = 86400;

// Keys and ids from a seeded generator; the 8-byte draws (the jitter) are all `jitter`, so
// a test knows the fraction of the delay that is drawn.
struct TestRandom final : Random {
  std::mt19937 gen{42};
  unsigned char jitter = 0x80;
  bool broken = false;
  bool fill(unsigned char* out, std::size_t n) override {
    if (broken) return false;
    for (std::size_t i = 0; i < n; ++i) {
      out[i] = n == 8 ? jitter : static_cast<unsigned char>(gen() & 0xff);
    }
    return true;
  }
};

struct FixedRandom final : Random {
  explicit FixedRandom(unsigned char b) : b(b) {}
  unsigned char b;
  bool fill(unsigned char* out, std::size_t n) override {
    std::fill(out, out + n, b);
    return true;
  }
};

double fraction(unsigned char b) {
  FixedRandom r(b);
  return *uniform01(r);
}

OrdersConfig test_config() {
  OrdersConfig c;
  c.consumables["coffee"].name = "Coffee beans";
  c.consumables["tea"].name = "Tea";
  c.consumables["milk"].name = "Milk";
  return c;
}

struct World {
  explicit World(OrdersConfig c = test_config()) : led(std::move(c), rnd) {}
  TestRandom rnd;
  Ledger led;
};

template <class T>
std::vector<T> all_of(const Reply& r) {
  std::vector<T> v;
  for (const auto& e : r.effects) {
    if (const T* x = std::get_if<T>(&e)) v.push_back(*x);
  }
  return v;
}

template <class T>
int index_of(const Reply& r) {
  for (std::size_t i = 0; i < r.effects.size(); ++i) {
    if (std::holds_alternative<T>(r.effects[i])) return static_cast<int>(i);
  }
  return -1;
}

template <class T>
T one(const Reply& r) {
  auto v = all_of<T>(r);
  REQUIRE(v.size() == 1);
  return v.front();
}

std::vector<std::string> kinds(const Reply& r) {
  std::vector<std::string> k;
  for (const auto& e : all_of<Event>(r)) k.push_back(e.kind);
  return k;
}

bool calls_retailer(const Reply& r) {
  return index_of<RequestQuote>(r) >= 0 || index_of<PlaceOrder>(r) >= 0 ||
         index_of<CancelAtRetailer>(r) >= 0 || index_of<PollStatus>(r) >= 0;
}

Request req(const std::string& consumable, Source s, int quantity = 1, bool more = false) {
  Request r;
  r.consumable = consumable;
  r.sku = consumable == "coffee" ? "COFFEE-500" : consumable == "tea" ? "TEA-100" : "MILK-1L";
  r.quantity = quantity;
  r.source = s;
  r.explicit_quantity = more;
  return r;
}

// A quote answering the order: each item at `unit_price`, valid for an hour.
Quote quote_for(const Order& o, double now, double unit_price = 8.99) {
  Quote q;
  q.quote_id = "q-" + o.id;
  for (const auto& i : o.items) {
    q.items.push_back({i.sku, i.quantity, unit_price, std::nullopt});
    q.total += unit_price * i.quantity;
  }
  q.currency = "EUR";
  q.delivery_options = {{"doorstep", Window{now + 2 * kDay, now + 2 * kDay + 4 * 3600}},
                        {"trunk", Window{now + 2 * kDay, now + 2 * kDay + 2 * 3600}}};
  q.expires_at = now + 3600;
  return q;
}

Reply quote(World& w, const std::string& id, double now, double unit_price = 8.99) {
  return w.led.quote_received(id, quote_for(*w.led.find(id), now, unit_price), now);
}

PlaceResult placed_ok(const std::string& rid, double eta) {
  PlaceResult p;
  p.kind = PlaceResult::Kind::ok;
  p.retailer_order_id = rid;
  p.eta = eta;
  return p;
}

RetailerStatus rs(const std::string& status, const std::string& reason = "",
                  std::optional<Window> window = std::nullopt) {
  RetailerStatus r;
  r.status = status;
  r.reason = reason;
  r.window = window;
  return r;
}

PlaceResult place_error(PlaceResult::Kind k, const std::string& reason = "") {
  PlaceResult p;
  p.kind = k;
  p.reason = reason;
  return p;
}

// An order taken through its quote (at kT0 + 5), its undo window if it has one, and its
// place: placed at kPlacedAt.
constexpr double kPlacedAt = kT0 + 310;
std::string placed_order(World& w, const std::string& consumable = "coffee",
                         Source s = Source::api) {
  auto r = w.led.request(req(consumable, s), kT0);
  REQUIRE(r.ok());
  std::string id = r.order_id;
  REQUIRE(quote(w, id, kT0 + 5).ok());
  if (w.led.find(id)->status == OrderStatus::held) w.led.tick(kT0 + 300);
  REQUIRE(w.led.find(id)->pending == Pending::place);
  REQUIRE(w.led.place_result(id, placed_ok("r-" + id, kT0 + 2 * kDay), kPlacedAt).ok());
  REQUIRE(w.led.find(id)->status == OrderStatus::placed);
  return id;
}

}  // namespace

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
      CHECK(one<Event>(q).text == "Shall I order 1 x Milk for 1.09 EUR?");
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
  CHECK(one<Event>(p).text == "Ordered 1 x Coffee beans for 8.99 EUR, arriving in about 2 days.");
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
  CHECK(twice.ok());
  CHECK(twice.effects.empty());

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

TEST_CASE("retries reuse the key, after growing delays with full jitter") {
  World w;
  std::string id = w.led.request(req("coffee", Source::api), kT0).order_id;
  auto first = one<PlaceOrder>(quote(w, id, kT0));
  const std::string key = first.idempotency_key;
  double now = kT0;
  double u = fraction(0x80);
  std::vector<double> delays;
  for (int attempt = 1; attempt <= 12; ++attempt) {
    auto e = w.led.place_result(id, place_error(PlaceResult::Kind::retryable, "HTTP 503"), now);
    REQUIRE(e.ok());
    CHECK(index_of<PlaceOrder>(e) == -1);
    const Order* o = w.led.find(id);
    double cap = std::min(300.0, std::ldexp(1.0, attempt - 1));
    CAPTURE(attempt);
    CHECK(o->retry_at - now == doctest::Approx(cap * u));
    CHECK(o->last_error == "HTTP 503");
    delays.push_back(o->retry_at - now);
    if (o->retry_at - now > 0.01) CHECK(w.led.tick(o->retry_at - 0.01).effects.empty());
    now = o->retry_at;
    auto t = w.led.tick(now);
    auto p = one<PlaceOrder>(t);
    CHECK(p.idempotency_key == key);
    CHECK(p.quote_id == first.quote_id);
    CHECK(p.attempt == attempt + 1);
    CHECK(index_of<Persist>(t) < index_of<PlaceOrder>(t));
  }
  CHECK(delays[1] > delays[0]);
  CHECK(delays[5] > delays[4]);
  CHECK(delays.back() == doctest::Approx(300 * u));  // capped
  CHECK(w.led.find(id)->status == OrderStatus::placing);

  // The jitter is the random source's: another draw, another delay.
  w.rnd.jitter = 0x20;
  w.led.place_result(id, place_error(PlaceResult::Kind::retryable), now);
  CHECK(w.led.find(id)->retry_at - now == doctest::Approx(300 * fraction(0x20)));
  // A late error answer to an attempt already retried is ignored.
  double retry_at = w.led.find(id)->retry_at;
  CHECK(w.led.place_result(id, place_error(PlaceResult::Kind::retryable), now + 1).effects.empty());
  CHECK(w.led.find(id)->retry_at == retry_at);
}

TEST_CASE("a request left unanswered times out and is retried with the same key") {
  World w;
  std::string id = w.led.request(req("coffee", Source::api), kT0).order_id;
  const std::string key = one<PlaceOrder>(quote(w, id, kT0)).idempotency_key;
  CHECK(w.led.tick(kT0 + 119).effects.empty());
  auto timeout = w.led.tick(kT0 + 120);
  CHECK(index_of<PlaceOrder>(timeout) == -1);
  const Order* o = w.led.find(id);
  CHECK(o->pending == Pending::none);
  CHECK(o->retry_at == doctest::Approx(kT0 + 120 + fraction(0x80)));
  auto retry = w.led.tick(kT0 + 122);
  CHECK(one<PlaceOrder>(retry).idempotency_key == key);
  CHECK(one<PlaceOrder>(retry).attempt == 2);
}

TEST_CASE("another 4xx fails the order with the retailer's reason") {
  World w;
  std::string id = w.led.request(req("coffee", Source::sensor), kT0).order_id;
  quote(w, id, kT0);
  w.led.tick(kT0 + 300);
  auto f = w.led.place_result(
      id, place_error(PlaceResult::Kind::rejected, "HTTP 422: sku COFFEE-500 discontinued"),
      kT0 + 301);
  REQUIRE(f.ok());
  const Order* o = w.led.find(id);
  CHECK(o->status == OrderStatus::failed);
  CHECK(o->reason == "HTTP 422: sku COFFEE-500 discontinued");
  CHECK(kinds(f) == std::vector<std::string>{"order_failed"});
  CHECK(one<Event>(f).text ==
        "The order of 1 x Coffee beans failed: HTTP 422: sku COFFEE-500 discontinued.");
  CHECK(one<PublishState>(f).state["status"] == "failed");
  auto freed = one<Cancelled>(f);  // the model may decide again; no veto
  CHECK_FALSE(freed.by_user);
  CHECK(freed.automatic);
  CHECK(w.led.tick(kT0 + 1000).effects.empty());
  CHECK(w.led.cancel(id, true, kT0 + 1001).code == Code::conflict);
  CHECK_FALSE(w.led.request(req("coffee", Source::sensor), kT0 + 1002).existing);
}

TEST_CASE("quotes: retried with backoff, refused finally, or not matching the order") {
  World w;
  std::string id = w.led.request(req("coffee", Source::api), kT0).order_id;
  auto e = w.led.quote_failed(id, true, "connection refused", kT0 + 1);
  REQUIRE(e.ok());
  CHECK_FALSE(calls_retailer(e));
  CHECK(w.led.tick(kT0 + 1).effects.empty());
  auto again = w.led.tick(kT0 + 2);
  CHECK(one<RequestQuote>(again).order_id == id);

  auto fin = w.led.quote_failed(id, false, "HTTP 404: unknown sku COFFEE-500", kT0 + 3);
  CHECK(w.led.find(id)->status == OrderStatus::failed);
  CHECK(one<Event>(fin).text.find("unknown sku") != std::string::npos);

  // A quote that leaves out an item, or quotes another quantity, is the retailer's refusal.
  std::string id2 = w.led.request(req("coffee", Source::api, 2), kT0).order_id;
  Quote q = quote_for(*w.led.find(id2), kT0);
  q.items[0].quantity = 1;
  auto bad = w.led.quote_received(id2, q, kT0 + 1);
  CHECK(w.led.find(id2)->status == OrderStatus::failed);
  CHECK(w.led.find(id2)->reason == "the retailer offers 1 of the 2 x COFFEE-500 asked for");
  CHECK(index_of<PlaceOrder>(bad) == -1);

  // The retailer's JSON, as retailer-v1.md gives it.
  auto parsed = parse_quote(json::parse(R"({"quote_id":"q1","items":[{"sku":"COFFEE-500",
      "quantity":1,"unit_price":8.99,"substitute_for":null}],"total":8.99,"currency":"EUR",
      "package":{"weight_kg":0.55,"dims_cm":[20,12,8],"value":8.99,"signature_required":false,
      "temperature_sensitive":false},"delivery_options":[{"method":"doorstep","window":{
      "start":1767700000,"end":1767714400}},{"method":"trunk","window":{"start":1767700000,
      "end":1767707200}}],"expires_at":1767600000})"));
  REQUIRE(parsed.ok());
  CHECK(parsed->delivery_options.size() == 2);
  CHECK(parsed->items[0].unit_price == 8.99);
  CHECK_FALSE(parse_quote(json::parse(R"({"quote_id":"q1","items":[],"total":1,
      "currency":"EUR"})")).ok());
  CHECK_FALSE(parse_quote(json::parse(R"({"quote_id":"q1","items":[{"sku":"A","quantity":1,
      "unit_price":-1}],"total":1,"currency":"EUR"})")).ok());
  auto cur = parse_quote(json::parse(R"({"quote_id":"q1","items":[{"sku":"A","quantity":1,
      "unit_price":1}],"total":1,"currency":"eur"})"));
  CHECK(cur.status().message() == "quote.currency is not three capital letters");
}

TEST_CASE("a 409 for an expired quote: a new quote, the guards again, the same key") {
  OrdersConfig c = test_config();
  c.consumables["coffee"].price_ceiling = 10;
  World w(c);
  std::string id = w.led.request(req("coffee", Source::api), kT0).order_id;
  const std::string key = one<PlaceOrder>(quote(w, id, kT0)).idempotency_key;
  auto x = w.led.place_result(id, place_error(PlaceResult::Kind::quote_expired), kT0 + 1);
  CHECK(one<RequestQuote>(x).order_id == id);
  CHECK_FALSE(w.led.find(id)->sent);
  auto dear = quote(w, id, kT0 + 2, 11.50);
  CHECK(index_of<PlaceOrder>(dear) == -1);
  CHECK(w.led.find(id)->hold_reason == "price_ceiling");
  auto ok = w.led.confirm(id, kT0 + 3);
  CHECK(one<PlaceOrder>(ok).idempotency_key == key);
}

TEST_CASE("status is followed by polls and callbacks until delivery") {
  World w;
  std::string id = placed_order(w, "coffee", Source::sensor);
  const Order* o = w.led.find(id);
  CHECK(o->placed_at == kPlacedAt);
  CHECK(w.led.tick(kPlacedAt + 899).effects.empty());
  auto poll = w.led.tick(kPlacedAt + 900);
  CHECK(one<PollStatus>(poll).retailer_order_id == "r-" + id);
  CHECK(index_of<Persist>(poll) == -1);  // a poll changes nothing worth a write
  CHECK(w.led.tick(kPlacedAt + 901).effects.empty());

  // The signed callback knows only the retailer's id.
  RetailerStatus shipped = rs("shipped", "", Window{kT0 + kDay, kT0 + kDay + 3600});
  auto s = w.led.status("r-" + id, shipped, kT0 + kDay / 2);
  REQUIRE(s.ok());
  CHECK(o->status == OrderStatus::shipped);
  CHECK(kinds(s) == std::vector<std::string>{"order_shipped"});
  CHECK(one<PublishState>(s).state["delivery"]["window"]["start"] == kT0 + kDay);
  auto ofd = w.led.status(id, rs("out_for_delivery"), kT0 + kDay);
  CHECK(kinds(ofd).empty());
  CHECK(o->status == OrderStatus::shipped);
  CHECK(one<PollStatus>(w.led.tick(kT0 + kDay + 900)).order_id == id);

  double at = kPlacedAt + 1.5 * kDay;
  auto d = w.led.status("r-" + id, rs("delivered"), at);
  CHECK(o->status == OrderStatus::delivered);
  CHECK(kinds(d) == std::vector<std::string>{"order_delivered"});
  auto del = one<Delivered>(d);
  CHECK(del.consumable == "coffee");
  CHECK(del.packs == 1);
  CHECK(del.delivery_days == doctest::Approx(1.5));
  CHECK(one<Persist>(d).finished);
  // Late facts, and no more polls.
  CHECK(w.led.status(id, rs("shipped"), at + 1).effects.empty());
  CHECK(w.led.tick(at + kDay).effects.empty());
  CHECK(w.led.status(id, rs("lost"), at).code == Code::bad_input);
  CHECK(w.led.status("r-unknown", rs("shipped"), at).code == Code::not_found);

  // The retailer's own failure or cancel ends an order too, without a veto.
  std::string t = placed_order(w, "tea");
  auto f = w.led.status(t, rs("failed", "address not found"), kT0 + kDay);
  CHECK(w.led.find(t)->status == OrderStatus::failed);
  CHECK(w.led.find(t)->reason == "address not found");
  CHECK_FALSE(one<Cancelled>(f).by_user);
  std::string m = placed_order(w, "milk");
  auto rc = w.led.status(m, rs("cancelled"), kT0 + kDay);
  CHECK(w.led.find(m)->status == OrderStatus::cancelled);
  CHECK_FALSE(one<Cancelled>(rc).vetoed());
  // Not placed yet: the retailer cannot know it.
  std::string h = w.led.request(req("coffee", Source::button), kT0 + 2 * kDay).order_id;
  CHECK(w.led.status(h, rs("shipped"), kT0 + 2 * kDay).code == Code::conflict);
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
          "Coffee beans costs 10.01 EUR, above the ceiling of 10.00 EUR. Confirm to order it "
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
  SUBCASE("monthly budget, by calendar month (UTC)") {
    // 20 EUR committed last month counts nothing in January; 20 this month does.
    std::string dec = w.led.request(req("coffee", Source::api), kT0 - 10 * kDay).order_id;
    w.led.quote_received(dec, quote_for(*w.led.find(dec), kT0 - 10 * kDay, 9), kT0 - 10 * kDay);
    CHECK(month_start_utc(kT0) == 1767225600);  // 2026-01-01
    std::string jan = w.led.request(req("tea", Source::api, 2), kT0).order_id;
    CHECK(index_of<PlaceOrder>(quote(w, jan, kT0, 10)) >= 0);
    std::string milk = w.led.request(req("milk", Source::api), kT0 + 1).order_id;
    auto q = quote(w, milk, kT0 + 1, 10.01);
    CHECK(index_of<PlaceOrder>(q) == -1);
    CHECK(w.led.find(milk)->hold_reason == "budget");
    CHECK(one<Event>(q).text ==
          "Ordering 1 x Milk for 10.01 EUR would pass this month's budget of 30.00 EUR "
          "(20.00 EUR spent). Confirm to order it anyway.");
    // A failed order gives its money back.
    w.led.place_result(jan, place_error(PlaceResult::Kind::rejected, "no"), kT0 + 2);
    std::string more = w.led.request(req("milk", Source::api, 1, true), kT0 + 3).order_id;
    CHECK(index_of<PlaceOrder>(quote(w, more, kT0 + 3, 10.01)) >= 0);
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
    quote(w3, fourth, t);
    CHECK(w3.led.find(fourth)->hold_reason == "order_limit");
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
  json saved = a.led.save();

  World b(c);
  REQUIRE(b.led.load(saved).ok());
  CHECK(b.led.save() == saved);
  CHECK(b.led.find(placed)->status == OrderStatus::placed);
  CHECK(b.led.find(placed)->retailer_order_id == "r-" + placed);
  CHECK(b.led.find(held)->held_until == kT0 + 300);
  CHECK(b.led.find(waiting)->hold_reason == "price_ceiling");
  CHECK(b.led.find(gone)->status == OrderStatus::cancelled);
  CHECK(b.led.in_flight("tea")->id == held);
  // After the load, the held order's quote (in the air at the "restart") is asked again.
  auto t = b.led.tick(kT0 + 1);
  CHECK(one<RequestQuote>(t).order_id == held);
}

TEST_CASE("a crash between the commit and the retailer's answer: retried with the same key") {
  World a;
  std::string id = a.led.request(req("coffee", Source::api), kT0).order_id;
  auto q = quote(a, id, kT0 + 1);
  auto first = one<PlaceOrder>(q);
  // What the store holds: the Persist that came before the PlaceOrder.
  json stored = one<Persist>(q).order;

  World b;  // the restarted daemon
  REQUIRE(b.led.load(json{{"version", 1}, {"orders", json::array({stored})}}).ok());
  CHECK(b.led.find(id)->status == OrderStatus::placing);
  CHECK(b.led.find(id)->pending == Pending::none);
  auto t = b.led.tick(kT0 + 30);
  auto retry = one<PlaceOrder>(t);
  CHECK(retry.idempotency_key == first.idempotency_key);
  CHECK(retry.quote_id == first.quote_id);
  CHECK(retry.attempt == 2);
  CHECK(index_of<Persist>(t) < index_of<PlaceOrder>(t));
  // The retailer answers the key it already has with its order: one order, placed.
  b.led.place_result(id, placed_ok("r-1", kT0 + kDay), kT0 + 31);
  CHECK(b.led.find(id)->status == OrderStatus::placed);
  CHECK(b.led.orders().size() == 1);
  CHECK(b.led.request(req("coffee", Source::sensor), kT0 + 32).existing);

  // Also through save(), with a retry waiting: it keeps its time.
  World c;
  std::string id2 = c.led.request(req("tea", Source::api), kT0).order_id;
  quote(c, id2, kT0);
  c.led.place_result(id2, place_error(PlaceResult::Kind::retryable, "timeout"), kT0 + 5);
  double retry_at = c.led.find(id2)->retry_at;
  World d;
  REQUIRE(d.led.load(c.led.save()).ok());
  CHECK(d.led.find(id2)->retry_at == retry_at);
  CHECK(d.led.find(id2)->attempts == 1);
  CHECK(d.led.tick(retry_at - 0.001).effects.empty());
  CHECK(one<PlaceOrder>(d.led.tick(retry_at)).idempotency_key ==
        c.led.find(id2)->idempotency_key);
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
  w.rnd.broken = true;
  auto no_key = w.led.request(req("coffee", Source::api), kT0);
  CHECK(no_key.code == Code::internal);
  CHECK(no_key.effects.empty());
  CHECK(w.led.orders().empty());
  CHECK(w.led.tick(kT0).effects.empty());
}

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
        "The price of 1 x Milk rose from 1.09 EUR to 1.19 EUR. Confirm to order it.");
  auto yes = w.led.confirm(milk, kT0 + 4);
  CHECK(one<PlaceOrder>(yes).idempotency_key == mkey);
  // Without a fresh quote in the 409, a new one is asked for.
  auto plain = w.led.place_result(milk, place_error(PlaceResult::Kind::quote_expired), kT0 + 5);
  CHECK(one<RequestQuote>(plain).order_id == milk);
  CHECK(one<PublishState>(plain).state["price"].is_null());
}

TEST_CASE("facts that are not valid are refused and change nothing") {
  World w;
  std::string id = w.led.request(req("coffee", Source::api), kT0).order_id;
  json before = w.led.save();
  Quote q = quote_for(*w.led.find(id), kT0);
  q.total = std::nan("");
  CHECK(w.led.quote_received(id, q, kT0).code == Code::bad_input);
  q = quote_for(*w.led.find(id), kT0);
  q.currency = "euro";
  CHECK(w.led.quote_received(id, q, kT0).code == Code::bad_input);
  CHECK(w.led.quote_received("nope", quote_for(*w.led.find(id), kT0), kT0).code ==
        Code::not_found);
  CHECK(w.led.tick(std::nan("")).code == Code::bad_input);
  CHECK(w.led.cancel(id, true, HUGE_VAL).code == Code::bad_input);
  CHECK(w.led.save() == before);

  quote(w, id, kT0);
  CHECK(w.led.place_result(id, placed_ok("", kT0), kT0 + 1).code == Code::bad_input);
  CHECK(w.led.find(id)->status == OrderStatus::placing);
  // A malformed eta in a good answer is left out, not a reason to ask again.
  auto ok = w.led.place_result(id, placed_ok("r-1", std::nan("")), kT0 + 1);
  CHECK(w.led.find(id)->status == OrderStatus::placed);
  CHECK(one<PublishState>(ok).state["eta"].is_null());
  // The retailer moves the delivery: the state follows.
  RetailerStatus moved{"placed", "", Window{kT0 + kDay, kT0 + kDay + 7200}, kT0 + kDay + 3600};
  auto m = w.led.status("r-1", moved, kT0 + 2);
  CHECK(one<PublishState>(m).state["eta"] == kT0 + kDay + 3600);
  CHECK(one<PublishState>(m).state["delivery"]["window"]["end"] == kT0 + kDay + 7200);
  CHECK(kinds(m).empty());
  RetailerStatus bad{"shipped", "", Window{kT0 + 10, kT0}, std::nullopt};
  CHECK(w.led.status("r-1", bad, kT0 + 3).code == Code::bad_input);
  CHECK(w.led.find(id)->status == OrderStatus::placed);
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
