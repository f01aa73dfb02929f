// The voice conversation on the real hub, order desk and ledger, with a manual clock: what
// each canonical intent does and says. Intents go in as the hub receives them (on
// larder/v1/voice/intent); answers come out on larder/v1/voice/say. The retailer records
// the port's calls and the test answers them (support/recording_retailer.h); the whole
// path through mosquitto, larderd and the real sandbox is tests/integration/voice_hermes_test.cc.
#include <doctest/doctest.h>

#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "app/order_desk.h"
#include "app/plugin_host.h"
#include "app/voice_desk.h"
#include "larder/text.h"
#include "support/fake_bus.h"
#include "support/recording_retailer.h"
#include "plugins/plugins.h"
#include "voice/items.h"

using namespace larder;
using nlohmann::json;

namespace {

constexpr double kT0 = 1764460800;  // 2025-11-30 00:00 UTC, a Sunday

Config voice_config() {
  Config c;
  c.state_dir = "/nonexistent";
  ConsumableConfig coffee;
  coffee.id = "coffee";
  coffee.name = "Coffee beans";
  coffee.unit = Unit::g;
  coffee.capacity = 1000;
  coffee.synonyms = {"beans", "coffee beans"};
  coffee.pack = {"COFFEE-500", 500, 8.99, std::nullopt};
  ConsumableConfig pods;
  pods.id = "pods";
  pods.name = "Dishwasher pods";
  pods.unit = Unit::pcs;
  pods.capacity = 60;
  pods.pack = {"PODS-40", 40, 6.49, std::nullopt};
  c.consumables = {coffee, pods};
  c.orders.request_timeout_s = 30;
  c.retailer = RetailerConfig{};
  c.voice.answer_timeout_s = 6;
  c.voice.question_timeout_s = 120;
  return c;
}

struct Voice {
  Voice() = default;
  explicit Voice(Config c) : config(std::move(c)) {}
  Config config = voice_config();
  test::FakeBus bus;
  MemoryStore store;
  ManualClock clock{kT0};
  Metrics metrics;
  Hub hub{config, bus, store, clock, metrics};
  test::FixedRandom random;
  test::RecordingRetailer retailer;
  OrderDesk desk{config, random, store, bus, hub, &retailer, clock, metrics};
  PluginHost plugins{hub, bus, clock, metrics, "larder/v1"};
  VoiceDesk voice{config, hub, desk, plugins, bus, clock, metrics};

  // Sends an intent as a third-party assistant would, in `session`.
  void intent(const std::string& name, json slots = json::object(), std::string session = "s1",
              std::optional<double> confidence = std::nullopt) {
    json j = {{"intent", name}, {"slots", slots}, {"site", "kitchen"}, {"session", session}};
    if (confidence) j["confidence"] = *confidence;
    hub.on_message(Message{"larder/v1/voice/intent", j.dump(), 1, false});
  }
  std::vector<json> says() const {
    std::vector<json> out;
    for (const auto& m : bus.on("larder/v1/voice/say")) out.push_back(json::parse(m.payload));
    return out;
  }
  json last_say() const {
    auto all = says();
    REQUIRE_FALSE(all.empty());
    return all.back();
  }
  std::string last_text() const { return last_say()["text"].get<std::string>(); }
  // Answers the retailer's newest quote request.
  void quote() {
    REQUIRE_FALSE(retailer.quote_answers.empty());
    auto answer = retailer.quote_answers.back();
    retailer.quote_answers.pop_back();
    answer({test::quote_for(retailer.quotes.back(), clock.now()), false, ""});
  }
  // Coffee ordered by voice, confirmed, and placed at the retailer as `retailer_order_id`.
  void coffee_placed(const std::string& retailer_order_id) {
    intent("Reorder", {{"item", "coffee"}});
    quote();
    intent("ConfirmOrder");
    REQUIRE(retailer.place_answers.size() == 1);
    orders::PlaceResult placed;
    placed.retailer_order_id = retailer_order_id;
    retailer.place_answers.back()(placed);
  }
  const orders::Order* order_of(const std::string& consumable) const {
    return desk.ledger().in_flight(consumable);
  }
};

}  // namespace

TEST_CASE("an order by voice states item, quantity, price and day, and yes places it at once") {
  Voice v;
  v.intent("Reorder", {{"item", "the Beans"}});
  CHECK(v.says().empty());  // the answer waits for the retailer's price
  const orders::Order* o = v.order_of("coffee");
  REQUIRE(o);
  CHECK(o->source == orders::Source::voice);
  CHECK(o->status == orders::OrderStatus::awaiting_confirmation);
  v.quote();
  json ask = v.last_say();
  CHECK(ask["text"] == "Shall I order 1 x Coffee beans for 8 euros 99, arriving tomorrow?");
  CHECK(ask["end_session"] == false);
  CHECK(ask["expect"] == json::array({"ConfirmOrder", "DenyOrder"}));
  CHECK(ask["session"] == "s1");
  CHECK(ask["site"] == "kitchen");
  CHECK(v.retailer.places.empty());

  v.intent("ConfirmOrder");
  CHECK(v.last_text() == "OK, ordering 1 x Coffee beans for 8 euros 99, arriving tomorrow.");
  CHECK(v.last_say()["end_session"] == true);
  REQUIRE(v.retailer.places.size() == 1);  // no undo window after a voice confirmation
  CHECK(v.order_of("coffee")->status == orders::OrderStatus::placing);
}

TEST_CASE("no drops the order, and so does a question left unanswered") {
  Voice v;
  v.intent("Reorder", {{"item", "coffee"}});
  v.quote();
  std::string id = v.order_of("coffee")->id;
  v.intent("DenyOrder");
  CHECK(v.last_text() == "OK, nothing is ordered.");
  CHECK(v.desk.ledger().find(id)->status == orders::OrderStatus::cancelled);
  CHECK(v.retailer.places.empty());
  v.intent("DenyOrder");
  CHECK(v.last_text() == "There is nothing waiting for an answer.");

  v.intent("Reorder", {{"item", "coffee"}}, "s2");
  v.quote();
  std::string second = v.order_of("coffee")->id;
  v.clock.advance(119);
  v.voice.tick();
  CHECK(v.desk.ledger().find(second)->status == orders::OrderStatus::awaiting_confirmation);
  v.clock.advance(2);
  v.voice.tick();
  CHECK(v.desk.ledger().find(second)->status == orders::OrderStatus::cancelled);
  v.intent("ConfirmOrder", json::object(), "s2");
  CHECK(v.last_text() == "There is nothing waiting for a yes.");
  CHECK(v.retailer.places.empty());
}

TEST_CASE("an order in flight is reported, not duplicated, a spoken quantity orders more") {
  Voice v;
  v.intent("Reorder", {{"item", "coffee"}});
  v.quote();
  v.intent("ConfirmOrder");
  std::string first = v.order_of("coffee")->id;

  v.intent("Reorder", {{"item", "coffee beans"}}, "s2");
  CHECK(v.last_text() == "Coffee beans: already ordered and being placed, arriving tomorrow.");
  CHECK(v.desk.ledger().orders().size() == 1);

  v.intent("Reorder", {{"item", "coffee"}, {"quantity", "2"}}, "s3");
  REQUIRE(v.desk.ledger().orders().size() == 2);
  v.quote();
  CHECK(v.last_text() == "Shall I order 2 x Coffee beans for 17 euros 98, arriving tomorrow?");
  CHECK(v.desk.ledger().orders().front()->id != first);

  for (const char* bad : {"0", "21", "1.5", "many"}) {
    v.intent("Reorder", {{"item", "pods"}, {"quantity", bad}}, "s4");
    CHECK(v.last_text() == "Sorry, I can order 1 to 20 packs at a time.");
  }
  CHECK(v.order_of("pods") == nullptr);
}

TEST_CASE("unknown or missing items are answered with what is known, and nothing changes") {
  Voice v;
  v.intent("Reorder", {{"item", "tea"}});
  CHECK(v.last_text() == "Sorry, I don't know tea. I know coffee beans and dishwasher pods.");
  CHECK(v.last_say()["end_session"] == true);
  v.intent("Reorder");
  CHECK(v.last_text() == "Which item? I know coffee beans and dishwasher pods.");
  CHECK(v.last_say()["end_session"] == false);
  v.intent("Refilled", {{"item", "  "}});
  CHECK(v.last_text() == "Which item? I know coffee beans and dishwasher pods.");
  CHECK(v.desk.ledger().orders().empty());
  CHECK(v.retailer.quotes.empty());
  // A slot the intent does not have is a request the hub cannot serve.
  v.intent("Reorder", {{"item", "coffee"}, {"colour", "blue"}});
  CHECK(v.last_text() == "Sorry, I don't know what colour means in that request. Nothing was done.");
  v.intent("ConfirmOrder", {{"item", "coffee"}});
  CHECK(v.last_text() == "Sorry, I don't know what item means in that request. Nothing was done.");
  CHECK(v.desk.ledger().orders().empty());
  // Plurals, articles and case are forgiven.
  v.intent("Reorder", {{"item", "some Dishwasher-Pod"}}, "s5");
  CHECK(v.order_of("pods") != nullptr);
}

TEST_CASE("an intent below the confidence floor is asked again and not acted on") {
  Voice v;
  v.intent("Reorder", {{"item", "coffee"}}, "s1", 0.3);
  CHECK(v.last_text() == "Sorry, I did not catch that. Please say it again.");
  CHECK(v.last_say()["end_session"] == false);
  CHECK(v.desk.ledger().orders().empty());
  v.intent("Reorder", {{"item", "coffee"}}, "s1", 0.5);
  CHECK(v.order_of("coffee") != nullptr);
  CHECK(v.metrics.get("larder_voice_unsure_total") == 1);
}

TEST_CASE("a retailer that gives no price in time: nothing is ordered") {
  Voice v;
  v.intent("Reorder", {{"item", "coffee"}});
  std::string id = v.order_of("coffee")->id;
  v.clock.advance(5);
  v.voice.tick();
  CHECK(v.says().empty());
  v.clock.advance(1.5);
  v.voice.tick();
  CHECK(v.last_text() == "Sorry, the shop did not answer in time. Nothing was ordered.");
  CHECK(v.desk.ledger().find(id)->status == orders::OrderStatus::cancelled);
}

TEST_CASE("a voice desk that goes (a reload) answers what waits, and the order stays") {
  Voice v;
  // A reload builds a new desk; the old one goes while an answer waits for the price.
  auto leaving = std::make_unique<VoiceDesk>(v.config, v.hub, v.desk, v.plugins, v.bus, v.clock,
                                             v.metrics);
  v.intent("Reorder", {{"item", "coffee"}});
  const std::string id = v.order_of("coffee")->id;
  CHECK(v.says().empty());
  leaving.reset();
  REQUIRE(v.says().size() == 1);
  CHECK(v.last_text() ==
        "The shop has not given the price of 1 x Coffee beans yet. The order waits for your yes "
        "in the app.");
  CHECK(v.last_say()["end_session"] == true);
  // Not dropped: the price comes, and the order waits for a yes elsewhere.
  CHECK(v.desk.ledger().find(id)->status == orders::OrderStatus::awaiting_confirmation);
  v.quote();
  CHECK(v.desk.ledger().find(id)->status == orders::OrderStatus::awaiting_confirmation);
  CHECK(v.says().size() == 1);  // the desk that asked is gone: nothing more is said
}

TEST_CASE("cancel that: the order talked about, the only one, or the hub asks which") {
  Voice v;
  v.intent("CancelOrder");
  CHECK(v.last_text() == "There is no order to cancel.");
  v.intent("Reorder", {{"item", "coffee"}});
  v.quote();
  v.intent("ConfirmOrder");
  v.intent("Reorder", {{"item", "pods"}}, "s2");
  v.quote();
  v.intent("ConfirmOrder", json::object(), "s2");
  REQUIRE(v.retailer.places.size() == 2);

  v.intent("CancelOrder", json::object(), "s3");  // a new session knows no order: asks
  CHECK(v.last_text() == "Which order? 1 x Dishwasher pods and 1 x Coffee beans?");
  CHECK(v.last_say()["expect"] == json::array({"CancelOrder"}));

  // In the session that ordered the pods, "cancel that" means them. Sent to the retailer
  // already, so the retailer is asked.
  v.intent("CancelOrder", json::object(), "s2");
  CHECK(v.last_text() == "I asked the shop to cancel the order of 1 x Dishwasher pods.");
  v.intent("CancelOrder", {{"item", "tea"}}, "s4");
  CHECK(v.last_text() == "Sorry, I don't know tea. I know coffee beans and dishwasher pods.");
}

TEST_CASE("cancel that, again: the order talked about has ended, another is left alone") {
  Voice v;
  v.intent("Reorder", {{"item", "coffee"}}, "other");
  v.quote();
  v.intent("ConfirmOrder", json::object(), "other");
  v.intent("Reorder", {{"item", "pods"}});
  v.quote();
  v.intent("DenyOrder");  // the pods are dropped: cancelled without a retailer call
  REQUIRE(v.order_of("pods") == nullptr);
  REQUIRE(v.order_of("coffee") != nullptr);
  v.intent("CancelOrder");
  CHECK(v.last_text() == "The order of 1 x Dishwasher pods is already cancelled.");
  CHECK(v.order_of("coffee")->status == orders::OrderStatus::placing);  // not the other's
}

TEST_CASE("an intent is answered the way it came: Hermes in Hermes, canonical on voice/say") {
  Voice v;
  v.config.voice.hermes = HermesConfig{};
  v.plugins.add(plugins::make_hermes(v.config));
  json hermes = {{"intent", {{"intentName", "VacationStatus"}, {"confidenceScore", 0.9}}},
                 {"siteId", "kitchen"}, {"sessionId", "h1"}, {"input", "are we away"}};
  v.plugins.on_message(Message{"hermes/intent/VacationStatus", hermes.dump(), 1, false});
  CHECK(v.bus.on("hermes/dialogueManager/endSession").size() == 1);
  CHECK(v.says().empty());
  // The same site, and then the same session id, on the canonical topic: not Hermes's.
  v.intent("VacationStatus", json::object(), "s1");
  v.intent("VacationStatus", json::object(), "h1");
  CHECK(v.says().size() == 2);
  CHECK(v.bus.on("hermes/tts/say").empty());
  CHECK(v.bus.on("hermes/dialogueManager/endSession").size() == 1);
}

TEST_CASE("an order sent to another retailer than the configured one is cancelled here only") {
  // Placed with one retailer; larderd then starts with another (its url changed): the order
  // is parked, a cancel asks nobody, and the household hears that the old shop may still
  // deliver it.
  Voice before;
  before.coffee_placed("r-1");
  const orders::Order* sent = before.order_of("coffee");
  REQUIRE(sent);
  REQUIRE(sent->status == orders::OrderStatus::placed);
  auto stored = before.store.load_orders(100, 0, 100);
  REQUIRE(stored.ok());

  Config moved = voice_config();
  moved.retailer->url = "http://127.0.0.1:9/another-shop";
  Voice after(moved);
  for (const StoredOrder& o : stored.value()) REQUIRE(after.store.save_order(o).ok());
  REQUIRE(after.desk.restore().ok());
  REQUIRE(after.order_of("coffee"));
  REQUIRE(after.desk.ledger().parked(*after.order_of("coffee")));
  after.intent("CancelOrder", {{"item", "coffee"}});
  CHECK(after.last_text() ==
        "I cancelled the order of 1 x Coffee beans here only. It went to a shop other than the "
        "one set up now, and that earlier shop may still deliver it.");
  CHECK(after.retailer.cancels.empty());
}

TEST_CASE("too late to cancel: what became of the order is said, not the ledger's words") {
  Voice v;
  v.coffee_placed("r-1");
  orders::RetailerStatus shipped;
  shipped.status = "shipped";
  REQUIRE(v.desk.retailer_status("r-1", shipped).ok());
  v.intent("CancelOrder");
  CHECK(v.last_text() == "The order of 1 x Coffee beans is already on its way.");
}

TEST_CASE("a yes answers its own session's question only") {
  Voice v;
  v.intent("Reorder", {{"item", "coffee"}}, "a");
  v.quote();
  v.intent("Reorder", {{"item", "pods"}}, "b");
  v.quote();
  v.intent("ConfirmOrder", json::object(), "a");
  CHECK(v.retailer.places.size() == 1);
  // The same yes again (heard twice, or redelivered without ts): b's order is not placed on
  // it; it is asked about again, here.
  v.intent("ConfirmOrder", json::object(), "a");
  CHECK(v.last_text().rfind("Shall I order 1 x Dishwasher pods", 0) == 0);
  CHECK(v.last_say()["end_session"] == false);
  CHECK(v.retailer.places.size() == 1);
  CHECK(v.order_of("pods")->status == orders::OrderStatus::awaiting_confirmation);
  v.intent("ConfirmOrder", json::object(), "a");
  CHECK(v.retailer.places.size() == 2);
}

TEST_CASE("a yes after someone else confirmed the order is still answered as confirmed") {
  Voice v;
  v.intent("Reorder", {{"item", "coffee"}}, "a");
  v.quote();
  const orders::Order* o = v.order_of("coffee");
  REQUIRE(o);
  REQUIRE(v.desk.confirm(o->id).ok());  // the button, or the dashboard, was quicker
  REQUIRE(v.retailer.places.size() == 1);
  v.intent("ConfirmOrder", json::object(), "a");
  CHECK(v.last_text() == "OK, ordering 1 x Coffee beans for 8 euros 99, arriving tomorrow.");
  CHECK(v.retailer.places.size() == 1);
  // and a second yes has nothing left to answer
  v.intent("ConfirmOrder", json::object(), "a");
  CHECK(v.last_text() != "OK, ordering 1 x Coffee beans for 8 euros 99, arriving tomorrow.");
  CHECK(v.retailer.places.size() == 1);
}

TEST_CASE("a yes in a new session, the one asked gone: asked again there, then placed") {
  Voice v;
  v.intent("Reorder", {{"item", "coffee"}}, "a");
  v.quote();
  // Rhasspy ended session a (the answer was not understood); the user wakes it again.
  v.intent("ConfirmOrder", json::object(), "b");
  CHECK(v.last_text().rfind("Shall I order 1 x Coffee beans", 0) == 0);
  CHECK(v.retailer.places.empty());
  // Session a's question moved to b: its timeout no longer drops the order.
  v.clock.advance(60);
  v.intent("ConfirmOrder", json::object(), "b");
  CHECK(v.retailer.places.size() == 1);
}

TEST_CASE("a quantity is a whole number as a recogniser writes it, nothing else") {
  Voice v;
  for (const char* q : {"0x2", "2e0", " 2", "+2", "2.", "2.5", "-1", "0", "21", "", "two"}) {
    CAPTURE(q);
    v.intent("Reorder", {{"item", "coffee"}, {"quantity", q}});
    CHECK(v.last_text() == "Sorry, I can order 1 to 20 packs at a time.");
    CHECK(v.order_of("coffee") == nullptr);
  }
  v.intent("Reorder", {{"item", "coffee"}, {"quantity", "2.0"}});
  v.quote();
  CHECK(v.last_text().rfind("Shall I order 2 x Coffee beans", 0) == 0);
}

TEST_CASE("items match whatever their case, also beyond ASCII") {
  Config c = voice_config();
  c.consumables[1].name = "Flüssiges Waschmittel";
  c.consumables[1].synonyms = {"Öl"};
  voice::ItemNames names(c, /*lower_case=*/true);
  CHECK(names.resolve("FLÜSSIGES WASCHMITTEL") == "pods");
  CHECK(names.resolve("flüssiges waschmittel") == "pods");
  CHECK(names.resolve("öl") == "pods");
  CHECK(names.spoken("pods") == "flüssiges waschmittel");
  CHECK(voice::ItemNames(c, /*lower_case=*/false).spoken("pods") == "Flüssiges Waschmittel");
  CHECK(utf8_lower("ÀÉÎÕÜ ÇÑ ĀĘŁŃŽ ΑΩ АЯЁ ẞ") == "àéîõü çñ āęłńž αω аяё ẞ");
}

TEST_CASE("where are my deliveries, and a refill by voice") {
  Voice v;
  v.intent("DeliveryQuery");
  CHECK(v.last_text() == "No delivery is on the way.");
  v.intent("Reorder", {{"item", "coffee"}});
  v.quote();
  v.intent("ConfirmOrder");
  REQUIRE(v.retailer.place_answers.size() == 1);
  orders::PlaceResult placed;
  placed.retailer_order_id = "r-1";
  placed.eta = kT0 + 3 * 86400 + 3600;
  v.retailer.place_answers[0](placed);
  v.intent("DeliveryQuery", {{"item", "beans"}});
  CHECK(v.last_text() == "The order of 1 x Coffee beans is arriving tomorrow.");
  v.intent("DeliveryQuery", {{"item", "pods"}});
  CHECK(v.last_text() == "No dishwasher pods order is on the way.");

  v.hub.on_message(Message{"larder/v1/consumable/pods/purchased", R"({"packs":2})", 1, false});
  REQUIRE(v.hub.consumable("pods")->on_hand == 2);
  v.intent("Refilled", {{"item", "pods"}});
  CHECK(v.last_text() == "Noted: dishwasher pods refilled.");
  CHECK(v.hub.consumable("pods")->on_hand == 1);
  v.intent("RevokeAccess");
  CHECK(v.last_text() == "No trunk access is granted at the moment.");
}

TEST_CASE("what is running low answers from the forecasts, soonest first, in days") {
  Voice v;
  v.intent("StockQuery");
  CHECK(v.last_text() == "I don't know yet: no item has enough data.");
  v.intent("StockQuery", {{"item", "coffee"}});
  CHECK(v.last_text() == "I don't know yet how fast you use coffee beans.");
  // Three weeks of readings: coffee goes 40 g a day from 1000 g, pods 2 a day from 60.
  double start = kT0 - 21 * 86400;
  // A level without a rate yet, in words that fit any number ("1 kilogram are left" did not).
  for (int h = 3; h >= 1; --h) {  // the filter takes a level from a few readings
    v.hub.on_message(Message{"larder/v1/consumable/pods/level",
                             json{{"value", 60}, {"unit", "pcs"}, {"ts", start - h * 3600}}.dump(),
                             1, false});
  }
  v.hub.tick();
  v.intent("StockQuery", {{"item", "pods"}});
  CHECK(v.last_text() ==
        "I don't know yet how fast you use dishwasher pods. The level is 60 pieces.");
  for (int h = 0; h <= 21 * 24; h += 3) {
    double ts = start + h * 3600;
    double d = h / 24.0;
    v.hub.on_message(Message{"larder/v1/consumable/coffee/level",
                             json{{"value", 1000 - 40 * d}, {"unit", "g"}, {"ts", ts}}.dump(), 1, false});
    v.hub.on_message(Message{"larder/v1/consumable/pods/level",
                             json{{"value", 60 - 2 * d}, {"unit", "pcs"}, {"ts", ts}}.dump(), 1, false});
  }
  v.hub.tick();
  const ConsumableState* coffee = v.hub.consumable("coffee");
  const ConsumableState* pods = v.hub.consumable("pods");
  REQUIRE(coffee->days_left);
  REQUIRE(pods->days_left);
  INFO("coffee " << *coffee->days_left << " pods " << *pods->days_left);
  CHECK(*coffee->days_left < *pods->days_left);
  v.intent("StockQuery");
  std::string text = v.last_text();
  // Pods last about 9 days: not low, so not named.
  CHECK(text == "Running low: coffee beans, about 4 days left.");
  v.intent("StockQuery", {{"item", "coffee"}});
  std::string one = v.last_text();
  CHECK(one.rfind("Coffee beans: 1", 0) == 0);  // what the level filter makes of ~160 g
  CHECK(one.find(" grams left, enough for about 4 days, until ") != std::string::npos);
}

TEST_CASE("vacation by voice: on until a day, asked about, off, and on until switched off") {
  Voice v;
  auto last_event = [&v] {
    auto all = v.bus.on("larder/v1/event");
    REQUIRE_FALSE(all.empty());
    return json::parse(all.back().payload);
  };
  v.intent("VacationStatus");
  CHECK(v.last_text() == "Vacation mode is off.");

  // 2025-12-24 is the day of the return: away until it starts, in the household's zone.
  v.intent("StartVacation", {{"until", "2025-12-24"}});
  CHECK(v.last_text() ==
        "Vacation mode is on until Wednesday, 24 December: automatic orders wait for your return.");
  CHECK(v.last_say()["end_session"] == true);
  auto away = v.hub.vacation();
  REQUIRE(away);
  CHECK(away->from == kT0);
  CHECK(away->until == kT0 + 24 * 86400);
  CHECK(last_event()["kind"] == "vacation_started");
  CHECK(last_event()["by"] == "voice");
  CHECK(last_event()["until"] == kT0 + 24 * 86400);
  v.intent("VacationStatus", json::object(), "s2");
  CHECK(v.last_text() == "Vacation mode is on until Wednesday, 24 December.");

  v.clock.advance(3 * 86400);
  v.intent("EndVacation");
  CHECK(v.last_text() == "Vacation mode is off. Welcome back!");
  CHECK_FALSE(v.hub.vacation());
  CHECK(last_event()["kind"] == "vacation_ended");
  CHECK(last_event()["by"] == "voice");
  v.intent("EndVacation");
  CHECK(v.last_text() == "Vacation mode is not on. Nothing was changed.");

  // Without an end date: until switched off.
  v.intent("StartVacation");
  CHECK(v.last_text() == "Vacation mode is on until you switch it off: automatic orders wait.");
  away = v.hub.vacation();
  REQUIRE(away);
  CHECK(away->from == kT0 + 3 * 86400);
  CHECK_FALSE(away->until);
  v.intent("VacationStatus");
  CHECK(v.last_text() == "Vacation mode is on until it is switched off.");
  json state = json::parse(v.bus.on("larder/v1/vacation/state").back().payload);
  CHECK(state["away"] == true);
  CHECK(state["until"].is_null());
}

TEST_CASE("a vacation date that is not a day in the future is answered and changes nothing") {
  Voice v;
  for (const char* bad : {"2025-W52", "2025-12", "2025-12-24T18:00", "24 December", "2025-02-30",
                          "2025-13-01", "next week"}) {
    CAPTURE(bad);
    v.intent("StartVacation", {{"until", bad}});
    CHECK(v.last_text() == std::string("Sorry, I did not understand the date ") + bad +
                               ". Please name a day, like the 24th of December. Nothing was changed.");
  }
  v.intent("StartVacation", {{"until", "2025-11-30"}});  // today: its start has passed
  CHECK(v.last_text() == "Sorry, Sunday, 30 November is not in the future. Nothing was changed.");
  v.intent("StartVacation", {{"until", "2025-11-01"}});
  CHECK(v.last_text() == "Sorry, Saturday, 1 November is not in the future. Nothing was changed.");
  // Slots the vacation intents do not have.
  v.intent("StartVacation", {{"item", "coffee"}});
  CHECK(v.last_text() == "Sorry, I don't know what item means in that request. Nothing was done.");
  v.intent("EndVacation", {{"until", "2025-12-24"}});
  CHECK(v.last_text() == "Sorry, I don't know what until means in that request. Nothing was done.");
  CHECK_FALSE(v.hub.vacation());
  CHECK(v.bus.on("larder/v1/vacation/state").empty());
  CHECK(v.bus.on("larder/v1/event").empty());

  // An absence in force is not changed by a bad date either.
  v.intent("StartVacation", {{"until", "2025-12-24"}});
  REQUIRE(v.hub.vacation());
  v.intent("StartVacation", {{"until", "2025-12-32"}});
  CHECK(v.last_text().rfind("Sorry, I did not understand the date 2025-12-32.", 0) == 0);
  REQUIRE(v.hub.vacation());
  CHECK(v.hub.vacation()->until == kT0 + 24 * 86400);
  CHECK(v.bus.on("larder/v1/vacation/state").size() == 1);
}
