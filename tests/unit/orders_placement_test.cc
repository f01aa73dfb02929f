// The order ledger (support/ledger_world.h) from the commit on: placing with retries and
// backoff, quotes and their 409s, a crash between the commit and the answer, late and
// overlapping answers, and facts that are not valid. After the placing:
// orders_status_test.cc.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "orders/ledger.h"
#include "support/ledger_world.h"

using namespace larder;
using namespace larder::orders;
using namespace larder::test;
using nlohmann::json;

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
  RetailerStatus moved{"placed", "", Window{kT0 + kDay, kT0 + kDay + 7200}, kT0 + kDay + 3600, {}};
  auto m = w.led.status("r-1", moved, kT0 + 2);
  CHECK(one<PublishState>(m).state["eta"] == kT0 + kDay + 3600);
  CHECK(one<PublishState>(m).state["delivery"]["window"]["end"] == kT0 + kDay + 7200);
  CHECK(kinds(m).empty());
  RetailerStatus bad{"shipped", "", Window{kT0 + 10, kT0}, std::nullopt, {}};
  CHECK(w.led.status("r-1", bad, kT0 + 3).code == Code::bad_input);
  CHECK(w.led.find(id)->status == OrderStatus::placed);
}

TEST_CASE("a quote that lives only seconds is used at once, an expired one is asked again") {
  World w;  // quote_margin_s 30
  std::string id = w.led.request(req("coffee", Source::api), kT0).order_id;
  Quote q = quote_for(*w.led.find(id), kT0 + 1);
  q.expires_at = kT0 + 11;  // ten seconds: shorter than the margin
  auto r = w.led.quote_received(id, q, kT0 + 1);
  auto place = one<PlaceOrder>(r);
  CHECK(place.quote_id == q.quote_id);
  CHECK(index_of<Persist>(r) < index_of<PlaceOrder>(r));

  // Expired when it came: nothing is placed on it, a new quote is asked after a backoff.
  World w2;
  std::string id2 = w2.led.request(req("coffee", Source::api), kT0).order_id;
  Quote old = quote_for(*w2.led.find(id2), kT0);
  old.expires_at = kT0 + 1;
  auto late = w2.led.quote_received(id2, old, kT0 + 2);
  CHECK(index_of<PlaceOrder>(late) == -1);
  CHECK(index_of<RequestQuote>(late) == -1);
  auto again = w2.led.tick(kT0 + 2 + w2.led.config().backoff_max_s);
  CHECK(index_of<RequestQuote>(again) >= 0);
}

TEST_CASE("an older attempt's failure, answered late, does not undo the newer attempt") {
  // request_timeout_s shorter than the retailer's answer: attempts overlap. A 409 or a 4xx
  // for the first attempt arrives while the second one, perhaps placing the order at this
  // moment, is in flight.
  World w;
  std::string id = w.led.request(req("coffee", Source::api), kT0).order_id;
  auto first = one<PlaceOrder>(quote(w, id, kT0));
  REQUIRE(w.led.place_result(id, place_error(PlaceResult::Kind::retryable, "timeout"), kT0 + 5,
                             first.attempt, first.quote_id).ok());
  auto second = one<PlaceOrder>(w.led.tick(w.led.find(id)->retry_at));
  REQUIRE(second.attempt > first.attempt);
  auto late = w.led.place_result(id, place_error(PlaceResult::Kind::quote_expired), kT0 + 7,
                                 first.attempt, first.quote_id);
  CHECK(late.effects.empty());
  late = w.led.place_result(id, place_error(PlaceResult::Kind::rejected, "key reused"),
                            kT0 + 8, first.attempt, first.quote_id);
  CHECK(late.effects.empty());
  const Order* o = w.led.find(id);
  CHECK(o->status == OrderStatus::placing);
  CHECK(o->pending == Pending::place);
  CHECK(o->quote->quote_id == second.quote_id);
  // the newer attempt's own answer decides
  REQUIRE(w.led.place_result(id, placed_ok("r-1", kT0 + 2 * kDay), kT0 + 9, second.attempt,
                             second.quote_id).ok());
  CHECK(w.led.find(id)->status == OrderStatus::placed);
}

TEST_CASE("a quote answered after its timeout, when a newer one was asked, is ignored") {
  // The retailer answers slower than request_timeout_s: the first request times out, a
  // second one is asked and answered, and the household is asked about that price. The
  // first request's answer then comes: neither its price nor its refusal counts.
  World w;
  Reply asked = w.led.request(req("milk", Source::voice), kT0);
  std::string id = asked.order_id;
  auto first = one<RequestQuote>(asked);
  const double timeout = w.led.config().request_timeout_s;
  REQUIRE(kinds(w.led.tick(kT0 + timeout)).empty());  // timed out: a retry waits
  auto second = one<RequestQuote>(w.led.tick(w.led.find(id)->retry_at));
  REQUIRE(second.request > first.request);
  Quote q = quote_for(*w.led.find(id), kT0 + timeout + 5, 3);
  auto question = w.led.quote_received(id, q, kT0 + timeout + 6, second.request);
  REQUIRE(w.led.find(id)->status == OrderStatus::awaiting_confirmation);
  REQUIRE(one<Event>(question).kind == "order_awaiting_confirmation");

  Quote dearer = quote_for(*w.led.find(id), kT0 + timeout + 7, 9);
  CHECK(w.led.quote_received(id, dearer, kT0 + timeout + 8, first.request).effects.empty());
  CHECK(w.led.find(id)->quote->total == q.total);  // the price the household was asked about
  CHECK(w.led.quote_failed(id, false, "HTTP 422", kT0 + timeout + 9, first.request)
            .effects.empty());
  CHECK(w.led.find(id)->status == OrderStatus::awaiting_confirmation);
  auto yes = w.led.confirm(id, kT0 + timeout + 10);
  CHECK(one<PlaceOrder>(yes).quote_id == q.quote_id);
  CHECK(w.led.find(id)->confirmed_total == q.total);
}

TEST_CASE("a long reason is cut on a character, so the order can still be saved") {
  World w;
  std::string id = placed_order(w);
  std::string reason(1023, 'a');
  reason += "\xc3\xa9";  // é: its second byte would be the 1025th
  REQUIRE(w.led.status(id, rs("failed", reason), kT0 + kDay).ok());
  const Order* o = w.led.find(id);
  REQUIRE(o->status == OrderStatus::failed);
  CHECK(o->reason == std::string(1023, 'a'));
  CHECK_NOTHROW((void)state_json(*o).dump());
}

namespace {

// An order whose first PlaceOrder's answer was lost (HTTP 503), retried once: its id.
std::string retried_once(World& w) {
  std::string id = w.led.request(req("coffee", Source::api), kT0).order_id;
  quote(w, id, kT0);
  w.led.place_result(id, place_error(PlaceResult::Kind::retryable, "HTTP 503"), kT0 + 1, 1);
  REQUIRE(one<PlaceOrder>(w.led.tick(w.led.find(id)->retry_at)).attempt == 2);
  return id;
}

}  // namespace

TEST_CASE("a retry refused without judging the order, after a lost answer: asked again") {
  // The first PlaceOrder's answer is lost; the retry is refused with an answer that says
  // nothing of the order (its key refused: 401, 403; another body under the key: 422
  // idempotency_key_reused). The retailer may hold it: not failed, asked again.
  World w;
  std::string id = retried_once(w);
  const std::string key = w.led.find(id)->idempotency_key;
  PlaceResult refused = place_error(PlaceResult::Kind::rejected, "HTTP 401 unauthorized");
  refused.may_hold = true;
  auto r = w.led.place_result(id, refused, kT0 + 130, 2);
  REQUIRE(r.ok());
  const Order* o = w.led.find(id);
  CHECK(o->status == OrderStatus::placing);
  CHECK(o->last_error == "HTTP 401 unauthorized");
  CHECK(o->retry_at > kT0 + 130);
  CHECK(kinds(r) == std::vector<std::string>{"order_uncertain"});
  CHECK(one<Event>(r).text ==
        "The retailer may hold the order of 1 x Coffee beans, but would not say (HTTP 401 "
        "unauthorized). Larder keeps asking; if you cancel it, cancel it with the retailer "
        "too.");
  CHECK(o->maybe_held);
  CHECK(o->uncertain);
  CHECK(w.led.request(req("coffee", Source::sensor), kT0 + 131).existing);  // not twice
  // The same refusal again is no news; the key is fixed, and the retailer has the order.
  auto again = one<PlaceOrder>(w.led.tick(o->retry_at));
  CHECK(again.idempotency_key == key);
  CHECK(kinds(w.led.place_result(id, refused, o->retry_at + 1, 3)).empty());
  CHECK(w.led.find(id)->status == OrderStatus::placing);
  one<PlaceOrder>(w.led.tick(w.led.find(id)->retry_at));
  w.led.place_result(id, placed_ok("r-1", kT0 + kDay), w.led.find(id)->retry_at + 1, 4);
  CHECK(w.led.find(id)->status == OrderStatus::placed);

  // Without a lost answer before it, the same refusal is final: nothing was placed.
  World f;
  std::string id2 = f.led.request(req("coffee", Source::api), kT0).order_id;
  quote(f, id2, kT0);
  f.led.place_result(id2, refused, kT0 + 1, 1);
  CHECK(f.led.find(id2)->status == OrderStatus::failed);
  // And a refusal that judged the order (422 unknown_quote) is final after a lost answer.
  World g;
  std::string id3 = retried_once(g);
  g.led.place_result(id3, place_error(PlaceResult::Kind::rejected, "HTTP 422 unknown_quote"),
                     kT0 + 10, 2);
  CHECK(g.led.find(id3)->status == OrderStatus::failed);
  // A user's cancel while the retailer will not say ends the order at the next answer,
  // saying the retailer may still hold it.
  World c;
  std::string id4 = retried_once(c);
  c.led.place_result(id4, refused, kT0 + 10, 2);
  REQUIRE(c.led.find(id4)->status == OrderStatus::placing);
  c.led.cancel(id4, true, kT0 + 11);
  one<PlaceOrder>(c.led.tick(c.led.find(id4)->retry_at));
  auto ended = c.led.place_result(id4, refused, c.led.find(id4)->retry_at + 1, 3);
  CHECK(c.led.find(id4)->status == OrderStatus::cancelled);
  CHECK(c.led.find(id4)->reason ==
        "cancelled here; the retailer may still hold it (HTTP 401 unauthorized)");
  // The household is told so too: they cancelled, but the pack may come.
  CHECK(one<Event>(ended).text ==
        "The order of 1 x Coffee beans is cancelled: cancelled here; the retailer may still "
        "hold it (HTTP 401 unauthorized).");
}

TEST_CASE("a restart with a placement out counts as a lost answer; the flags are saved") {
  World a;
  std::string id = a.led.request(req("coffee", Source::api), kT0).order_id;
  json stored = one<Persist>(quote(a, id, kT0 + 1)).order;  // committed, then the stop
  CHECK(stored["maybe_held"] == false);
  World b;
  REQUIRE(b.led.load(json{{"version", 1}, {"orders", json::array({stored})}}).ok());
  CHECK(b.led.find(id)->maybe_held);
  REQUIRE(one<PlaceOrder>(b.led.tick(kT0 + 30)).attempt == 2);
  PlaceResult refused = place_error(PlaceResult::Kind::rejected, "HTTP 403 forbidden");
  refused.may_hold = true;
  b.led.place_result(id, refused, kT0 + 31, 2);
  CHECK(b.led.find(id)->status == OrderStatus::placing);
  // Saved and loaded again: still uncertain, so the event is not repeated.
  World c;
  REQUIRE(c.led.load(b.led.save()).ok());
  CHECK(c.led.find(id)->uncertain);
  one<PlaceOrder>(c.led.tick(c.led.find(id)->retry_at));
  CHECK(kinds(c.led.place_result(id, refused, c.led.find(id)->retry_at + 1, 3)).empty());
  CHECK(c.led.find(id)->status == OrderStatus::placing);
  // A record of an older version, without the flags, loads with them false.
  json old = stored;
  old.erase("maybe_held");
  old.erase("uncertain");
  old["sent"] = false;
  World d;
  REQUIRE(d.led.load(json{{"version", 1}, {"orders", json::array({old})}}).ok());
  CHECK_FALSE(d.led.find(id)->maybe_held);
  old["maybe_held"] = "yes";
  CHECK_FALSE(World().led.load(json{{"version", 1}, {"orders", json::array({old})}}).ok());
}
