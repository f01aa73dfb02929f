// Answers and events in the household's language (household.locale, locales/*.json) and
// money in its currency, end to end: intents into the real hub, voice desk, order desk and
// ledger with a manual clock, answers out on larder/v1/voice/say and events on
// larder/v1/event. English wording itself is tests/unit/voice_conversation_test.cc's.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "app/order_desk.h"
#include "app/plugin_host.h"
#include "app/voice_desk.h"
#include "support/fake_bus.h"
#include "support/recording_retailer.h"

using namespace larder;
using nlohmann::json;

namespace {

constexpr double kT0 = 1764460800;  // 2025-11-30 00:00 UTC, a Sunday

Config household(const std::string& locale, const std::string& currency) {
  Config c;
  c.state_dir = "/nonexistent";
  c.household.locale = locale;
  c.household.currency = currency;
  ConsumableConfig coffee;
  coffee.id = "coffee";
  coffee.name = "Kaffeebohnen";
  coffee.unit = Unit::g;
  coffee.capacity = 1000;
  coffee.synonyms = {"bohnen"};
  coffee.pack = {"COFFEE-500", 500, 8.99, std::nullopt};
  c.consumables = {coffee};
  c.orders.request_timeout_s = 30;
  c.retailer = RetailerConfig{};
  c.voice.answer_timeout_s = 6;
  c.voice.question_timeout_s = 120;
  return c;
}

struct Household {
  explicit Household(Config c) : config(std::move(c)) {}
  Config config;
  test::FakeBus bus;
  MemoryStore store;
  ManualClock clock{kT0};
  Metrics metrics;
  Hub hub{config, bus, store, clock, metrics};
  test::FixedRandom random;
  test::RecordingRetailer retailer;
  OrderDesk desk{config, random, store, bus, hub, config.retailer ? &retailer : nullptr,
                 clock, metrics};
  PluginHost plugins{hub, bus, clock, metrics, "larder/v1"};
  VoiceDesk voice{config, hub, desk, plugins, bus, clock, metrics};

  void intent(const std::string& name, json slots = json::object()) {
    json j = {{"intent", name}, {"slots", slots}, {"site", "kitchen"}, {"session", "s1"}};
    hub.on_message(Message{"larder/v1/voice/intent", j.dump(), 1, false});
  }
  std::string last_text() const {
    auto says = bus.on("larder/v1/voice/say");
    REQUIRE_FALSE(says.empty());
    return json::parse(says.back().payload)["text"].get<std::string>();
  }
  // The retailer's newest quote request answered, in `currency`.
  void quote(const std::string& currency) {
    REQUIRE_FALSE(retailer.quote_answers.empty());
    auto answer = retailer.quote_answers.back();
    retailer.quote_answers.pop_back();
    orders::Quote q = test::quote_for(retailer.quotes.back(), clock.now());
    q.currency = currency;
    answer({q, false, ""});
  }
  // The text of the last event of `kind`; empty when there is none.
  std::string event_text(const std::string& kind) const {
    std::string text;
    for (const auto& m : bus.on("larder/v1/event")) {
      json e = json::parse(m.payload);
      if (e["kind"] == kind) text = e["text"].get<std::string>();
    }
    return text;
  }
  // Three weeks of readings: 40 g a day from 1000 g.
  void three_weeks() {
    double start = kT0 - 21 * 86400;
    for (int h = 0; h <= 21 * 24; h += 3) {
      double ts = start + h * 3600;
      hub.on_message(Message{"larder/v1/consumable/coffee/level",
                             json{{"value", 1000 - 40 * h / 24.0}, {"unit", "g"}, {"ts", ts}}.dump(), 1,
                             false});
    }
    hub.tick();
  }
};

}  // namespace

TEST_CASE("German with euros: the order is asked, confirmed and announced in German") {
  Household h(household("de-DE", "EUR"));
  h.intent("Reorder", {{"item", "Bohnen"}});
  h.quote("EUR");
  CHECK(h.last_text() == "Soll ich 1 x Kaffeebohnen für 8 Euro 99 bestellen, Ankunft morgen?");
  CHECK(h.event_text("order_awaiting_confirmation") == "Soll ich 1 x Kaffeebohnen für 8,99 € bestellen?");
  h.intent("ConfirmOrder");
  CHECK(h.last_text() == "OK, ich bestelle 1 x Kaffeebohnen für 8 Euro 99, Ankunft morgen.");
  REQUIRE(h.retailer.place_answers.size() == 1);
  orders::PlaceResult placed;
  placed.retailer_order_id = "r-1";
  placed.eta = kT0 + 3 * 86400 + 3600;
  h.retailer.place_answers[0](placed);
  CHECK(h.event_text("order_placed") == "1 x Kaffeebohnen für 8,99 € bestellt, Ankunft in etwa 3 Tagen.");
  h.intent("DeliveryQuery");
  CHECK(h.last_text() == "Die Bestellung von 1 x Kaffeebohnen: Ankunft morgen.");
  h.intent("CancelOrder");
  CHECK(h.last_text() == "Ich habe den Laden gebeten, die Bestellung von 1 x Kaffeebohnen zu stornieren.");
}

TEST_CASE("German answers to questions, unknown items and help") {
  Household h(household("de-AT", "EUR"));
  h.intent("StockQuery");
  CHECK(h.last_text() == "Das weiß ich noch nicht: kein Artikel hat genug Daten.");
  h.intent("Reorder", {{"item", "Tee"}});
  CHECK(h.last_text() == "Entschuldigung, Tee kenne ich nicht. Ich kenne Kaffeebohnen.");
  h.intent("Reorder", {{"item", "Bohnen"}, {"quantity", "50"}});
  CHECK(h.last_text() == "Entschuldigung, ich kann 1 bis 20 Packungen auf einmal bestellen.");
  h.intent("DenyOrder");
  CHECK(h.last_text() == "Es wartet nichts auf eine Antwort.");
  h.three_weeks();
  CHECK(h.event_text("low_stock") == "Vorrat knapp: Kaffeebohnen, etwa 4 Tage übrig.");
  h.intent("StockQuery");
  CHECK(h.last_text() == "Zur Neige gehen: Kaffeebohnen, noch etwa 4 Tage.");
  h.intent("StockQuery", {{"item", "kaffeebohnen"}});
  std::string one = h.last_text();
  INFO(one);
  CHECK(one.rfind("Kaffeebohnen: noch 1", 0) == 0);
  CHECK(one.find(" Gramm, genug für etwa 4 Tage, bis ") != std::string::npos);
}

TEST_CASE("German: a level without a rate yet") {
  Household h(household("de-DE", "EUR"));
  h.intent("StockQuery", {{"item", "kaffeebohnen"}});
  CHECK(h.last_text() == "Ich weiß noch nicht, wie schnell du Kaffeebohnen verbrauchst.");
  for (int n = 3; n >= 1; --n) {  // the filter takes a level from a few readings
    json reading = {{"value", 1}, {"unit", "kg"}, {"ts", kT0 - n * 3600}};
    h.hub.on_message(Message{"larder/v1/consumable/coffee/level", reading.dump(), 1, false});
  }
  h.hub.tick();
  h.intent("StockQuery", {{"item", "kaffeebohnen"}});
  CHECK(h.last_text() ==
        "Ich weiß noch nicht, wie schnell du Kaffeebohnen verbrauchst. Der Füllstand liegt bei "
        "1.000 Gramm.");
}

TEST_CASE("Swiss francs and pounds: spoken by name, written with the code or the symbol") {
  Household chf(household("de-DE", "CHF"));
  chf.intent("Reorder", {{"item", "Bohnen"}});
  chf.quote("CHF");
  CHECK(chf.last_text() == "Soll ich 1 x Kaffeebohnen für 8 Franken 99 bestellen, Ankunft morgen?");
  CHECK(chf.event_text("order_awaiting_confirmation") == "Soll ich 1 x Kaffeebohnen für 8,99 CHF bestellen?");

  Household gbp(household("en-GB", "GBP"));
  gbp.intent("Reorder", {{"item", "coffee"}});
  gbp.quote("GBP");
  CHECK(gbp.last_text() == "Shall I order 1 x Kaffeebohnen for 8 pounds 99, arriving tomorrow?");
  CHECK(gbp.event_text("order_awaiting_confirmation") == "Shall I order 1 x Kaffeebohnen for £8.99?");
  gbp.intent("DenyOrder");
  CHECK(gbp.last_text() == "OK, nothing is ordered.");
  CHECK(gbp.event_text("order_cancelled") == "The order of 1 x Kaffeebohnen is cancelled.");
}

TEST_CASE("German vacation answers, with the date in the household's zone") {
  Config c = household("de-DE", "EUR");
  c.household.timezone = "Europe/Berlin";
  Household h(c);
  h.intent("VacationStatus");
  CHECK(h.last_text() == "Der Urlaubsmodus ist aus.");
  h.intent("StartVacation", {{"until", "morgen"}});
  CHECK(h.last_text() == "Entschuldigung, das Datum morgen habe ich nicht verstanden. Nenne bitte einen "
                         "Tag, zum Beispiel den 24. Dezember. Es wurde nichts geändert.");
  CHECK_FALSE(h.hub.vacation());
  h.intent("StartVacation", {{"until", "2025-12-24"}});
  CHECK(h.last_text() ==
        "Der Urlaubsmodus ist bis Mittwoch, 24. Dezember an: automatische Bestellungen warten auf die "
        "Rückkehr.");
  REQUIRE(h.hub.vacation());
  CHECK(h.hub.vacation()->until == kT0 + 24 * 86400 - 3600);  // midnight in Berlin (CET)
  CHECK(h.event_text("vacation_started") ==
        "Der Urlaubsmodus ist an: automatische Bestellungen warten auf die Rückkehr.");
  h.intent("VacationStatus");
  CHECK(h.last_text() == "Der Urlaubsmodus ist bis Mittwoch, 24. Dezember an.");
  h.intent("EndVacation");
  CHECK(h.last_text() == "Der Urlaubsmodus ist aus. Willkommen zurück!");
  h.intent("EndVacation");
  CHECK(h.last_text() == "Der Urlaubsmodus ist nicht an. Es wurde nichts geändert.");
  h.intent("StartVacation");
  CHECK(h.last_text() ==
        "Der Urlaubsmodus ist an, bis du ihn ausschaltest: automatische Bestellungen warten.");
  h.intent("VacationStatus");
  CHECK(h.last_text() == "Der Urlaubsmodus ist an, bis er ausgeschaltet wird.");
}

TEST_CASE("a refusal is said in the household's language, its English reason only logged") {
  Config c = household("de-DE", "EUR");
  c.retailer.reset();  // no shop: every order is refused
  Household h(c);
  h.intent("Reorder", {{"item", "Kaffeebohnen"}});
  CHECK(h.last_text() ==
        "Entschuldigung, es ist kein Laden eingerichtet, darum kann ich nicht bestellen.");
}

TEST_CASE("an order that failed is said in German, larderd's reason too") {
  Household h(household("de-DE", "EUR"));
  h.intent("Reorder", {{"item", "Bohnen"}});
  REQUIRE(h.retailer.quote_answers.size() == 1);
  h.retailer.quote_answers[0]({std::nullopt, false, ""});  // refused, without a word
  CHECK(h.last_text() ==
        "Entschuldigung, 1 x Kaffeebohnen konnte nicht bestellt werden: der Händler hat kein "
        "Angebot gemacht.");
  CHECK(h.event_text("order_failed") ==
        "Die Bestellung von 1 x Kaffeebohnen ist fehlgeschlagen: der Händler hat kein Angebot "
        "gemacht.");
}
