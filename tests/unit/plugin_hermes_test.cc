// The hermes plugin, driven with intents as Rhasspy publishes them (shared/formats.md
// "Voice"): the intent mapping, slots, confidence, malformed messages, where the hub's
// answers go (endSession, continueSession, tts/say) and how long sessions are remembered.
#include <memory>
#include <string>
#include <vector>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "plugins/plugins.h"
#include "support/fake_sink.h"

using namespace larder;
using namespace larder::test;
using nlohmann::json;

namespace {

Config hermes_config() {
  Config c;
  HermesConfig h;
  h.intents = {{"OrderMore", "Reorder"},
               {"HowMuchLeft", "StockQuery"},
               {"Yes", "ConfirmOrder"},
               {"No", "DenyOrder"},
               {"alice:Nope", "DenyOrder"}};
  h.slots = {{"product", "item"}, {"amount", "quantity"}};
  c.voice.hermes = h;
  return c;
}

std::unique_ptr<plugins::Plugin> make() {
  auto p = plugins::make_hermes(hermes_config());
  REQUIRE(p != nullptr);
  return p;
}

Message msg(const std::string& intent_name, const std::string& payload, bool retained = false) {
  Message m;
  m.topic = "hermes/intent/" + intent_name;
  m.payload = payload;
  m.retained = retained;
  return m;
}

// An intent as Rhasspy 2.5 publishes it; `extra` replaces or adds top-level fields.
json rhasspy_intent(const std::string& name, json slots = json::array(), json extra = {}) {
  json j = {{"input", "order more coffee"},
            {"intent", {{"intentName", name}, {"confidenceScore", 0.93}}},
            {"siteId", "kitchen"},
            {"sessionId", "kitchen-session-1"},
            {"id", nullptr},
            {"slots", std::move(slots)},
            {"customData", nullptr},
            {"asrTokens", json::array()},
            {"asrConfidence", nullptr},
            {"rawInput", "order more coffee"},
            {"wakewordId", "default"},
            {"lang", nullptr}};
  if (extra.is_object()) {
    for (auto& [k, v] : extra.items()) j[k] = v;
  }
  return j;
}

json slot(const std::string& name, json value, const std::string& raw) {
  json s = {{"entity", name},
            {"slotName", name},
            {"rawValue", raw},
            {"confidence", 1.0},
            {"range", {{"start", 11}, {"end", 17}, {"rawStart", 11}, {"rawEnd", 17}}}};
  if (!value.is_null()) s["value"] = std::move(value);
  return s;
}

// Sends `j` as an intent and returns the one canonical intent it gave.
json send(plugins::Plugin& p, const json& j, double now = 1000) {
  FakeSink sink;
  std::string name = j["intent"]["intentName"].get<std::string>();
  p.on_message(msg(name, j.dump()), now, sink);
  INFO(j.dump());
  CHECK(sink.bad.empty());
  REQUIRE(sink.inputs.size() == 1);
  CHECK(sink.inputs[0].suffix == "voice/intent");
  CHECK_FALSE(sink.inputs[0].retained);
  return sink.inputs[0].payload;
}

// Sends a message that must be refused with `code`; nothing is handed on.
void expect_bad(plugins::Plugin& p, const std::string& payload, const std::string& code,
                const std::string& says) {
  FakeSink sink;
  p.on_message(msg("OrderMore", payload), 1000, sink);
  INFO(payload.substr(0, 200));
  CHECK(sink.inputs.empty());
  CHECK(sink.published.empty());
  REQUIRE(sink.bad.size() == 1);
  CHECK(sink.bad[0].topic == "hermes/intent/OrderMore");
  CHECK(sink.bad[0].code == code);
  CHECK(sink.bad[0].reason.find(says) != std::string::npos);
}

VoiceSay say_to(const std::string& session, const std::string& site, bool end = true,
                std::vector<std::string> expect = {}) {
  VoiceSay s;
  s.text = "Coffee is ordered.";
  s.session = session;
  s.site = site;
  s.end_session = end;
  s.expect = std::move(expect);
  return s;
}

}  // namespace

TEST_CASE("hermes: runs only with voice.hermes, on every intent, retained not wanted") {
  Config none;
  CHECK(plugins::make_hermes(none) == nullptr);
  for (const auto& p : plugins::make_plugins(none)) CHECK(std::string(p->name()) != "hermes");

  Config empty;
  empty.voice.hermes = HermesConfig{};
  auto p = plugins::make_hermes(empty);
  REQUIRE(p != nullptr);
  CHECK(std::string(p->name()) == "hermes");
  auto subs = p->subscriptions();
  REQUIRE(subs.size() == 2);
  CHECK(subs[0].filter == "hermes/intent/#");
  CHECK_FALSE(subs[0].retained_wanted);
  CHECK(subs[1].filter == "hermes/dialogueManager/sessionEnded");
  CHECK_FALSE(subs[1].retained_wanted);
  bool listed = false;
  for (const auto& q : plugins::make_plugins(empty)) listed |= std::string(q->name()) == "hermes";
  CHECK(listed);
}

TEST_CASE("hermes: a configured intent becomes the canonical one with its slots") {
  auto p = make();
  json got = send(*p, rhasspy_intent("OrderMore",
                                     json::array({slot("product",
                                                       {{"kind", "Unknown"}, {"value", "coffee"}},
                                                       "coffee beans")})));
  CHECK(got == json{{"intent", "Reorder"},
                    {"slots", {{"item", "coffee"}}},
                    {"text", "order more coffee"},
                    {"site", "kitchen"},
                    {"session", "kitchen-session-1"},
                    {"confidence", 0.93}});
}

TEST_CASE("hermes: canonical names map to themselves, also after a Snips user prefix") {
  auto p = make();
  CHECK(send(*p, rhasspy_intent("StockQuery"))["intent"] == "StockQuery");
  CHECK(send(*p, rhasspy_intent("HowMuchLeft"))["intent"] == "StockQuery");
  CHECK(send(*p, rhasspy_intent("alice:OrderMore"))["intent"] == "Reorder");
  CHECK(send(*p, rhasspy_intent("bob:Refilled"))["intent"] == "Refilled");
  CHECK(send(*p, rhasspy_intent("StartVacation"))["intent"] == "StartVacation");  // an extension
  // A full configured name wins over its part after ':'.
  CHECK(send(*p, rhasspy_intent("alice:Nope"))["intent"] == "DenyOrder");
  // Names match exactly.
  for (const char* theirs : {"reorder", "GetTime", "alice:GetWeather", "ordermore", ":",
                             "alice:", "Reorder:alice", ""}) {
    FakeSink sink;
    json j = rhasspy_intent(theirs, json::array(), {{"sessionId", "weather-1"}});
    p->on_message(msg(theirs, j.dump()), 1000, sink);
    INFO(theirs);
    CHECK(sink.inputs.empty());
    CHECK(sink.bad.empty());  // another skill's intent is not bad input
    CHECK(sink.published.empty());
  }
  // Their sessions are not ours: the hub's answer to them is not claimed.
  FakeSink sink;
  CHECK_FALSE(p->on_say(say_to("weather-1", ""), 1000, sink));
  CHECK(sink.published.empty());
}

TEST_CASE("hermes: slot values, numbers, rawValue and the slot mapping") {
  auto p = make();
  json got = send(
      *p, rhasspy_intent("OrderMore",
                         json::array({slot("product", {{"kind", "Unknown"}, {"value", "milk"}},
                                           "oat milk"),
                                      slot("amount", {{"kind", "Number"}, {"value", 2}}, "two"),
                                      slot("room", {{"kind", "Unknown"}, {"value", "kitchen"}},
                                           "kitchen"),
                                      // a second value of one slot: the first counts
                                      slot("product", {{"kind", "Unknown"}, {"value", "tea"}},
                                           "tea")})));
  CHECK(got["slots"] == json{{"item", "milk"}, {"quantity", "2"}, {"room", "kitchen"}});

  // A decimal number keeps its JSON text.
  got = send(*p, rhasspy_intent("OrderMore", json::array({slot(
                                                 "amount", {{"kind", "Number"}, {"value", 1.5}},
                                                 "one and a half")})));
  CHECK(got["slots"] == json{{"quantity", "1.5"}});

  // Without value.value (a Duration, or no value at all) the raw value is used.
  got = send(*p, rhasspy_intent("OrderMore",
                                json::array({slot("product", {{"kind", "Duration"}, {"days", 1}},
                                                  "a day"),
                                             slot("amount", nullptr, "three")})));
  CHECK(got["slots"] == json{{"item", "a day"}, {"quantity", "three"}});

  // No slots, or null: an empty object.
  json none = rhasspy_intent("StockQuery");
  none.erase("slots");
  CHECK(send(*p, none)["slots"] == json::object());
  CHECK(send(*p, rhasspy_intent("StockQuery", nullptr))["slots"] == json::object());
}

TEST_CASE("hermes: confidence, text, site and session") {
  auto p = make();
  json j = rhasspy_intent("Yes");
  j["intent"].erase("confidenceScore");
  json got = send(*p, j);
  CHECK(got["confidence"] == 1);
  j["intent"]["confidenceScore"] = 0;
  CHECK(send(*p, j)["confidence"] == 0);
  j["intent"]["confidenceScore"] = 0.25;
  CHECK(send(*p, j)["confidence"] == 0.25);

  json bare = {{"intent", {{"intentName", "Refilled"}}}};
  got = send(*p, bare);
  CHECK(got == json{{"intent", "Refilled"},
                    {"slots", json::object()},
                    {"text", ""},
                    {"site", "default"},
                    {"session", ""},
                    {"confidence", 1}});
  // The default site is a site seen: the hub may speak there.
  FakeSink sink;
  CHECK(p->on_say(say_to("", "default"), 1000, sink));
}

TEST_CASE("hermes: malformed messages are bad input and change nothing") {
  auto p = make();
  expect_bad(*p, "order more coffee", "json", "not valid JSON");
  expect_bad(*p, "[1,2]", "json", "must be a JSON object");
  expect_bad(*p, "{\"input\":\"x\",\"siteId\":\"attic\",\"sessionId\":\"s\"}", "shape",
             "field 'intent' is missing");
  expect_bad(*p, "{\"intent\":\"OrderMore\"}", "shape", "field 'intent' must be an object");
  expect_bad(*p, "{\"intent\":{}}", "shape", "field 'intent.intentName' is missing");
  expect_bad(*p, "{\"intent\":{\"intentName\":5}}", "shape",
             "field 'intent.intentName' must be a string");
  expect_bad(*p, "{\"intent\":{\"intentName\":[\"OrderMore\"]}}", "shape", "must be a string");

  auto with = [](json extra) {
    return rhasspy_intent("OrderMore", json::array(), std::move(extra)).dump();
  };
  expect_bad(*p, with({{"slots", {{"product", "coffee"}}}}), "shape",
             "field 'slots' must be an array");
  expect_bad(*p, with({{"slots", json::array({"coffee"})}}), "shape",
             "each slot must be an object");
  expect_bad(*p, with({{"slots", json::array({{{"rawValue", "coffee"}}})}}), "shape",
             "a slot has no slotName");
  expect_bad(*p, with({{"slots", json::array({{{"slotName", 3}, {"rawValue", "x"}}})}}),
             "shape", "a slot has no slotName");
  expect_bad(*p, with({{"slots", json::array({{{"slotName", ""}, {"rawValue", "x"}}})}}),
             "shape", "a slot has no slotName");
  expect_bad(*p, with({{"slots", json::array({{{"slotName", "product"}}})}}), "shape",
             "slot 'product' has neither value.value nor rawValue");
  expect_bad(*p,
             with({{"slots", json::array({{{"slotName", "product"},
                                           {"value", {{"value", true}}},
                                           {"rawValue", "x"}}})}}),
             "shape", "slot 'product': value.value must be a string or a number");
  expect_bad(*p,
             with({{"slots", json::array({{{"slotName", "product"}, {"value", "coffee"}}})}}),
             "shape", "slot 'product': value must be an object");
  expect_bad(*p, with({{"slots", json::array({{{"slotName", "product"}, {"rawValue", 5}}})}}),
             "shape", "slot 'product': rawValue must be a string");
  // A long slot name is shortened in the reason, never inside a UTF-8 character.
  std::string long_name = "x";  // then byte 64 is inside a character
  for (int i = 0; i < 40; ++i) long_name += "\xC3\xA9";  // e acute
  {
    FakeSink sink;
    p->on_message(msg("OrderMore", with({{"slots", json::array({{{"slotName", long_name}}})}})),
                  1000, sink);
    REQUIRE(sink.bad.size() == 1);
    CHECK(sink.bad[0].reason.find("...") != std::string::npos);
    CHECK(sink.bad[0].reason.size() < 150);
    CHECK_NOTHROW((void)json(sink.bad[0].reason).dump());
  }
  expect_bad(*p,
             "{\"intent\":{\"intentName\":\"OrderMore\"},\"slots\":[{\"slotName\":\"amount\","
             "\"value\":{\"value\":1e999}}]}",
             "json", "not valid JSON");  // a number beyond a double never reaches a slot

  json c = rhasspy_intent("OrderMore");
  c["intent"]["confidenceScore"] = 1.2;
  expect_bad(*p, c.dump(), "value", "field 'intent.confidenceScore' must be 0..1");
  c["intent"]["confidenceScore"] = -0.1;
  expect_bad(*p, c.dump(), "value", "must be 0..1");
  c["intent"]["confidenceScore"] = "high";
  expect_bad(*p, c.dump(), "shape", "field 'intent.confidenceScore' must be a number");

  expect_bad(*p, with({{"siteId", 7}}), "shape", "field 'siteId' must be a string");
  expect_bad(*p, with({{"sessionId", json::object()}}), "shape",
             "field 'sessionId' must be a string");
  expect_bad(*p, with({{"input", false}}), "shape", "field 'input' must be a string");
  expect_bad(*p, with({{"siteId", std::string(65, 's')}}), "value",
             "field 'siteId' is longer than 64 bytes");
  expect_bad(*p, with({{"sessionId", std::string(257, 's')}}), "value",
             "field 'sessionId' is longer than 256 bytes");

  // Larger than the contract's bound: refused before it is parsed.
  std::string big = rhasspy_intent("OrderMore", json::array(),
                                   {{"input", std::string(plugins::kMaxPayload, 'x')}})
                        .dump();
  expect_bad(*p, big, "too_large", "larger than 64 KiB");

  // None of them was remembered: their sessions and sites are unknown.
  FakeSink sink;
  for (const char* session : {"s", "kitchen-session-1"}) {
    CHECK_FALSE(p->on_say(say_to(session, "attic"), 1000, sink));
    CHECK_FALSE(p->on_say(say_to(session, "kitchen"), 1000, sink));
  }
  CHECK(sink.published.empty());

  // An empty payload (a cleared retained message) and a retained intent are nothing.
  FakeSink quiet;
  p->on_message(msg("OrderMore", ""), 1000, quiet);
  p->on_message(msg("OrderMore", rhasspy_intent("OrderMore").dump(), /*retained=*/true), 1000,
                quiet);
  CHECK(quiet.inputs.empty());
  CHECK(quiet.bad.empty());
  CHECK_FALSE(p->on_say(say_to("kitchen-session-1", "kitchen"), 1000, quiet));
}

TEST_CASE("hermes: an answer inside a session ends it") {
  auto p = make();
  send(*p, rhasspy_intent("OrderMore"));
  FakeSink sink;
  REQUIRE(p->on_say(say_to("kitchen-session-1", "kitchen"), 1001, sink));
  REQUIRE(sink.published.size() == 1);
  CHECK(sink.published[0].topic == "hermes/dialogueManager/endSession");
  CHECK_FALSE(sink.published[0].retained);
  CHECK(json::parse(sink.published[0].payload) ==
        json{{"sessionId", "kitchen-session-1"}, {"text", "Coffee is ordered."}});

  // The session is over: a later say for it is spoken on its site, or not claimed at all.
  sink.clear();
  CHECK_FALSE(p->on_say(say_to("kitchen-session-1", ""), 1002, sink));
  CHECK(sink.published.empty());
  REQUIRE(p->on_say(say_to("kitchen-session-1", "kitchen"), 1002, sink));
  REQUIRE(sink.published.size() == 1);
  CHECK(sink.published[0].topic == "hermes/tts/say");
}

TEST_CASE("hermes: a session whose intent the hub refused is not Larder's") {
  auto p = make();
  FakeSink refusing;
  refusing.refuse = [](const FakeSink::Input&) { return true; };
  p->on_message(msg("OrderMore", rhasspy_intent("OrderMore").dump()), 1000, refusing);
  REQUIRE(refusing.inputs.size() == 1);
  // No answer of the hub can belong to it: only its site may hear one.
  FakeSink sink;
  CHECK_FALSE(p->on_say(say_to("kitchen-session-1", ""), 1001, sink));
  REQUIRE(p->on_say(say_to("kitchen-session-1", "kitchen"), 1001, sink));
  REQUIRE(sink.published.size() == 1);
  CHECK(sink.published[0].topic == "hermes/tts/say");

  // A session the hub took stays Larder's when a later intent in it is refused.
  send(*p, rhasspy_intent("OrderMore"));
  p->on_message(msg("Yes", rhasspy_intent("Yes").dump()), 1002, refusing);
  sink.clear();
  REQUIRE(p->on_say(say_to("kitchen-session-1", "kitchen"), 1003, sink));
  REQUIRE(sink.published.size() == 1);
  CHECK(sink.published[0].topic == "hermes/dialogueManager/endSession");
}

TEST_CASE("hermes: a question keeps the session open and filters the answers") {
  auto p = make();
  send(*p, rhasspy_intent("OrderMore"));
  FakeSink sink;
  VoiceSay q = say_to("kitchen-session-1", "kitchen", /*end=*/false, {"ConfirmOrder", "DenyOrder"});
  q.text = "Order one pack of Coffee beans for 8.99 EUR?";
  REQUIRE(p->on_say(q, 1001, sink));
  REQUIRE(sink.published.size() == 1);
  CHECK(sink.published[0].topic == "hermes/dialogueManager/continueSession");
  CHECK_FALSE(sink.published[0].retained);
  // The configured names of each expected intent (in the mapping's order) and the name itself.
  CHECK(json::parse(sink.published[0].payload) ==
        json{{"sessionId", "kitchen-session-1"},
             {"text", "Order one pack of Coffee beans for 8.99 EUR?"},
             {"intentFilter", {"Yes", "ConfirmOrder", "No", "alice:Nope", "DenyOrder"}},
             {"sendIntentNotRecognized", false}});

  // The answer comes in the same session; asked again without expectations: no filter.
  json answer = send(*p, rhasspy_intent("Yes"), 1005);
  CHECK(answer["intent"] == "ConfirmOrder");
  CHECK(answer["session"] == "kitchen-session-1");
  sink.clear();
  REQUIRE(p->on_say(say_to("kitchen-session-1", "kitchen", /*end=*/false), 1006, sink));
  REQUIRE(sink.published.size() == 1);
  json again = json::parse(sink.published[0].payload);
  CHECK_FALSE(again.contains("intentFilter"));
  CHECK(again["sendIntentNotRecognized"] == false);

  // A canonical name configured to another intent does not answer for itself.
  Config c;
  c.voice.hermes = HermesConfig{{{"Refilled", "ConfirmOrder"}}, {}};
  auto odd = plugins::make_hermes(c);
  send(*odd, rhasspy_intent("Refilled"));
  sink.clear();
  REQUIRE(odd->on_say(say_to("kitchen-session-1", "", false, {"ConfirmOrder", "Refilled"}), 1001,
                      sink));
  REQUIRE(sink.published.size() == 1);
  CHECK(json::parse(sink.published[0].payload)["intentFilter"] ==
        json{"Refilled", "ConfirmOrder"});
}

TEST_CASE("hermes: after a Snips-named intent the filter names the answers so too") {
  auto p = make();
  json asked = rhasspy_intent("alice:OrderMore");
  asked["sessionId"] = "snips-1";
  CHECK(send(*p, asked)["intent"] == "Reorder");
  FakeSink sink;
  REQUIRE(p->on_say(say_to("snips-1", "kitchen", /*end=*/false, {"ConfirmOrder", "DenyOrder"}),
                    1001, sink));
  REQUIRE(sink.published.size() == 1);
  // Each name bare and with the session's "alice:" (a configured name with a user of its own
  // stays as it is): the assistant answers "yes" as alice:ConfirmOrder or alice:Yes.
  CHECK(json::parse(sink.published[0].payload)["intentFilter"] ==
        json{"Yes", "alice:Yes", "ConfirmOrder", "alice:ConfirmOrder", "No", "alice:No",
             "alice:Nope", "DenyOrder", "alice:DenyOrder"});
  json yes = rhasspy_intent("alice:ConfirmOrder");
  yes["sessionId"] = "snips-1";
  CHECK(send(*p, yes, 1002)["intent"] == "ConfirmOrder");
}

TEST_CASE("hermes: outside a session the hub speaks on a site it has seen, else not at all") {
  auto p = make();
  send(*p, rhasspy_intent("StockQuery"));
  FakeSink sink;
  // No session, or another assistant's session, on a known site: tts/say.
  for (const char* session : {"", "alexa-session-9"}) {
    sink.clear();
    REQUIRE(p->on_say(say_to(session, "kitchen"), 1001, sink));
    REQUIRE(sink.published.size() == 1);
    CHECK(sink.published[0].topic == "hermes/tts/say");
    CHECK_FALSE(sink.published[0].retained);
    CHECK(json::parse(sink.published[0].payload) ==
          json{{"text", "Coffee is ordered."}, {"siteId", "kitchen"}});
  }
  // A site never seen, or none: left to others (the contract's voice/say).
  sink.clear();
  CHECK_FALSE(p->on_say(say_to("", "garage"), 1001, sink));
  CHECK_FALSE(p->on_say(say_to("alexa-session-9", ""), 1001, sink));
  CHECK_FALSE(p->on_say(say_to("", ""), 1001, sink));
  CHECK(sink.published.empty());
}

TEST_CASE("hermes: sessions expire after ten minutes and at most 256 are kept") {
  auto p = make();
  FakeSink sink;
  for (const char* id : {"old", "edge", "asked"}) {
    send(*p, rhasspy_intent("OrderMore", json::array(), {{"sessionId", id}}), 1000);
  }
  // A question restarts its session's clock.
  REQUIRE(p->on_say(say_to("asked", "", false), 1300, sink));
  p->tick(1600, sink);  // exactly ten minutes: still there
  REQUIRE(p->on_say(say_to("edge", ""), 1600, sink));
  p->tick(1600.5, sink);
  sink.clear();
  CHECK_FALSE(p->on_say(say_to("old", ""), 1601, sink));
  CHECK(sink.published.empty());
  // Its site is still known: the answer is spoken there instead.
  REQUIRE(p->on_say(say_to("old", "kitchen"), 1601, sink));
  CHECK(sink.published.at(0).topic == "hermes/tts/say");
  sink.clear();
  REQUIRE(p->on_say(say_to("asked", ""), 1601, sink));
  CHECK(sink.published.at(0).topic == "hermes/dialogueManager/endSession");

  // A flood of sessions drops the least recently used first.
  auto q = make();
  for (int i = 0; i <= 256; ++i) {
    send(*q, rhasspy_intent("StockQuery", json::array(), {{"sessionId", "s" + std::to_string(i)}}),
         2000 + i);
  }
  sink.clear();
  CHECK_FALSE(q->on_say(say_to("s0", ""), 2300, sink));
  CHECK(q->on_say(say_to("s1", ""), 2300, sink));
  CHECK(q->on_say(say_to("s256", ""), 2300, sink));
  CHECK(sink.published.size() == 2);
}

TEST_CASE("hermes: a session the dialogue manager ended is spoken to on its site") {
  // A question nobody answered times out in Rhasspy's dialogue manager; an endSession for
  // it would be dropped there, so the hub's later words go out with tts/say.
  auto p = make();
  send(*p, rhasspy_intent("OrderMore"));
  FakeSink sink;
  REQUIRE(p->on_say(say_to("kitchen-session-1", "kitchen", false, {"ConfirmOrder"}), 1001, sink));
  auto ended = [](const std::string& payload) {
    Message m;
    m.topic = "hermes/dialogueManager/sessionEnded";
    m.payload = payload;
    return m;
  };
  sink.clear();
  p->on_message(ended(R"({"sessionId":"other-skill","siteId":"kitchen",)"
                      R"("termination":{"reason":"nominal"}})"),
                1010, sink);
  p->on_message(ended(R"({"sessionId":"kitchen-session-1","siteId":"kitchen",)"
                      R"("termination":{"reason":"timeout"}})"),
                1010, sink);
  CHECK(sink.bad.empty());
  CHECK(sink.inputs.empty());
  REQUIRE(p->on_say(say_to("kitchen-session-1", "kitchen"), 1011, sink));
  REQUIRE(sink.published.size() == 1);
  CHECK(sink.published[0].topic == "hermes/tts/say");
  CHECK(json::parse(sink.published[0].payload) ==
        json{{"text", "Coffee is ordered."}, {"siteId", "kitchen"}});

  for (const char* bad : {R"({"siteId":"kitchen"})", R"({"sessionId":7})", "[1]", "{"}) {
    CAPTURE(bad);
    sink.clear();
    p->on_message(ended(bad), 1012, sink);
    REQUIRE(sink.bad.size() == 1);
    CHECK(sink.bad[0].topic == "hermes/dialogueManager/sessionEnded");
  }
}
