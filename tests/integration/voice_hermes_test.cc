// Voice end to end: Hermes conversations through a real mosquitto, the real larderd and
// the real larder-sandbox. The test plays Rhasspy: it publishes intents on hermes/intent/...
// and listens for the hub's answers on hermes/dialogueManager/... and hermes/tts/say. A
// third-party assistant uses the canonical larder/v1/voice/intent and voice/say.
#include <doctest/doctest.h>

#include <chrono>
#include <ctime>
#include <set>
#include <string>

#include <nlohmann/json.hpp>

#include "support/order_world.h"

using namespace larder::test;
using namespace std::chrono_literals;
using nlohmann::json;

namespace {

const std::string kVoiceConfig =
    "voice:\n  hermes:\n    intents: {OrderMore: Reorder, HowMuchLeft: StockQuery}\n"
    "    slots: {product: item}\n";

// An intent as Rhasspy publishes it (formats.md). `session` empty: none.
json hermes_intent(const std::string& name, const std::string& session, const std::string& product = "",
                   double confidence = 0.93) {
  json j = {{"input", "order more " + product},
            {"intent", {{"intentName", name}, {"confidenceScore", confidence}}},
            {"slots", json::array()},
            {"siteId", "kitchen"}};
  if (!session.empty()) j["sessionId"] = session;
  if (!product.empty()) {
    j["slots"].push_back({{"slotName", "product"},
                          {"entity", "product"},
                          {"rawValue", product},
                          {"value", {{"kind", "Unknown"}, {"value", product}}}});
  }
  return j;
}

struct VoiceWorld : World {
  VoiceWorld() : World("{sensor: 0, button: 0, api: 0}", {}, false, "", kVoiceConfig) {
    w.subscribe("hermes/#");
  }
  void say(const std::string& name, const std::string& session, const std::string& product = "",
           double confidence = 0.93) {
    w.publish("hermes/intent/" + name, hermes_intent(name, session, product, confidence).dump());
  }
  // The hub's first reply on `topic` in `session` whose text starts with `prefix`.
  json reply(const std::string& topic, const std::string& session, const std::string& prefix = "") {
    auto r = w.wait_for(topic, 15s, [&](const Received& m) {
      json j = json::parse(m.payload);
      return j.value("sessionId", "") == session && j.value("text", "").rfind(prefix, 0) == 0;
    });
    REQUIRE_MESSAGE(r, "no " << topic << " for session " << session << "\n" << daemon.log());
    return json::parse(r->payload);
  }
};

}  // namespace

TEST_CASE("a voice order through Hermes: asked with the sandbox's price, yes places it once") {
  VoiceWorld v;
  v.say("OrderMore", "sess-1", "coffee beans");
  json ask = v.reply("hermes/dialogueManager/continueSession", "sess-1");
  std::string text = ask["text"];
  CHECK(text.rfind("Shall I order 1 x Coffee beans for ", 0) == 0);
  CHECK(text.find(" euro") != std::string::npos);  // the price spoken: "8 euros 99"
  CHECK(text.find(", arriving ") != std::string::npos);
  std::set<std::string> filter(ask["intentFilter"].begin(), ask["intentFilter"].end());
  CHECK(filter == std::set<std::string>{"ConfirmOrder", "DenyOrder"});
  CHECK(sandbox_orders(v.sandbox) == 0);  // only a quote so far

  v.say("ConfirmOrder", "sess-1");
  json done = v.reply("hermes/dialogueManager/endSession", "sess-1");
  CHECK(std::string(done["text"]).rfind("OK, ordering 1 x Coffee beans for ", 0) == 0);
  auto placed = v.w.wait_for("larder/v1/event", 15s, [](const Received& m) {
    return json::parse(m.payload)["kind"] == "order_placed";
  });
  REQUIRE_MESSAGE(placed, v.daemon.log());
  CHECK(json::parse(placed->payload)["consumable"] == "coffee");
  CHECK(sandbox_orders(v.sandbox) == 1);

  // Asked again in a new session: reported, not ordered twice.
  v.say("OrderMore", "sess-2", "Coffee");
  json again = v.reply("hermes/dialogueManager/endSession", "sess-2");
  CHECK(std::string(again["text"]).rfind("Coffee beans: already ordered and placed", 0) == 0);
  CHECK(sandbox_orders(v.sandbox) == 1);
  // Hermes sessions are answered in Hermes, not also on the canonical voice/say.
  CHECK(v.w.messages("larder/v1/voice/say").empty());
}

TEST_CASE("through Hermes: no drops the order, low confidence asks again, other skills are left alone") {
  VoiceWorld v;
  v.say("OrderMore", "sess-1", "coffee", 0.2);
  json again = v.reply("hermes/dialogueManager/continueSession", "sess-1");
  CHECK(again["text"] == "Sorry, I did not catch that. Please say it again.");
  CHECK_FALSE(again.contains("intentFilter"));

  v.say("GetWeather", "weather-1");  // another skill's intent
  v.say("OrderMore", "sess-1", "coffee");
  v.reply("hermes/dialogueManager/continueSession", "sess-1", "Shall I order");  // after the quote
  v.say("DenyOrder", "sess-1");
  json no = v.reply("hermes/dialogueManager/endSession", "sess-1");
  CHECK(no["text"] == "OK, nothing is ordered.");
  auto cancelled = v.w.wait_for("larder/v1/event", 15s, [](const Received& m) {
    return json::parse(m.payload)["kind"] == "order_cancelled";
  });
  CHECK(cancelled);
  CHECK(sandbox_orders(v.sandbox) == 0);
  // Nothing answered the weather: intents are handled in order, so an answer would be here.
  for (const auto& m : v.w.messages()) {
    if (m.topic.rfind("hermes/dialogueManager/", 0) == 0 || m.topic == "hermes/tts/say") {
      CHECK(json::parse(m.payload).value("sessionId", "") != "weather-1");
    }
  }
  // An unknown item is answered with what is known.
  v.say("OrderMore", "sess-2", "tea");
  json unknown = v.reply("hermes/dialogueManager/endSession", "sess-2");
  CHECK(unknown["text"] == "Sorry, I don't know tea. I know coffee beans and pods.");
}

TEST_CASE("outside a session Hermes hears tts/say, other assistants use larder/v1/voice/say") {
  VoiceWorld v;
  v.say("HowMuchLeft", "", "coffee");
  auto tts = v.w.wait_for("hermes/tts/say", 15s);
  REQUIRE_MESSAGE(tts, v.daemon.log());
  json t = json::parse(tts->payload);
  CHECK(t["siteId"] == "kitchen");
  CHECK(t["text"] == "I don't know yet how fast you use coffee beans.");

  v.w.publish("larder/v1/voice/intent",
              R"({"intent":"StockQuery","site":"hall","session":"third-party-1"})");
  auto say = v.w.wait_for("larder/v1/voice/say", 15s);
  REQUIRE_MESSAGE(say, v.daemon.log());
  json s = json::parse(say->payload);
  CHECK(s["text"] == "I don't know yet: no item has enough data.");
  CHECK(s["site"] == "hall");
  CHECK(s["session"] == "third-party-1");
  CHECK(s["end_session"] == true);

  // A malformed canonical intent is refused on larder/v1/error and answered by nobody.
  v.w.publish("larder/v1/voice/intent", R"({"intent":"Dance","session":"third-party-2"})");
  auto err = v.w.wait_for("larder/v1/error", 15s);
  REQUIRE(err);
  CHECK(json::parse(err->payload)["topic"] == "larder/v1/voice/intent");
}

TEST_CASE("vacation through Hermes: on until a day in the until slot, then off") {
  VoiceWorld v;
  // A day a month ahead, as a Rhasspy slot substitution would give it.
  auto ahead = std::time(nullptr) + std::time_t{30} * 86400;
  std::tm d{};
  gmtime_r(&ahead, &d);
  char day[16];
  REQUIRE(std::strftime(day, sizeof day, "%Y-%m-%d", &d) == 10);
  json on = hermes_intent("StartVacation", "vac-1");
  on["input"] = "we are away until christmas eve";
  on["slots"].push_back({{"slotName", "until"},
                         {"entity", "larder_dates"},
                         {"rawValue", "christmas eve"},
                         {"value", {{"kind", "Unknown"}, {"value", day}}}});
  v.w.publish("hermes/intent/StartVacation", on.dump());
  json said = v.reply("hermes/dialogueManager/endSession", "vac-1");
  CHECK(std::string(said["text"]).rfind("Vacation mode is on until ", 0) == 0);
  auto state = v.w.wait_for("larder/v1/vacation/state", 15s, [](const Received& m) {
    return json::parse(m.payload).value("away", false);
  });
  REQUIRE_MESSAGE(state, v.daemon.log());
  json s = json::parse(state->payload);
  CHECK(s["until"].is_number());
  CHECK(s["until"].get<double>() > static_cast<double>(std::time(nullptr)) + 29 * 86400);

  v.say("EndVacation", "vac-2");
  json off = v.reply("hermes/dialogueManager/endSession", "vac-2");
  CHECK(off["text"] == "Vacation mode is off. Welcome back!");
  auto ended = v.w.wait_for("larder/v1/event", 15s, [](const Received& m) {
    json e = json::parse(m.payload);
    return e["kind"] == "vacation_ended" && e["by"] == "voice";
  });
  CHECK_MESSAGE(ended, v.daemon.log());
}
