// Alexa envelopes in the hub's terms (adapters/alexa/alexa_envelope.h): read_turn for each
// request type and intent mapping, slots, malformed envelopes; and the response shapes.
#include "adapters/alexa/alexa_envelope.h"

#include <doctest/doctest.h>

#include <string>

#include <nlohmann/json.hpp>

using namespace larder;
using namespace larder::alexa;
using nlohmann::json;
using Kind = AlexaTurn::Kind;

namespace {

// An envelope as Alexa sends it (shape of the ASK request reference).
json envelope(json request) {
  json app = {{"applicationId", "amzn1.ask.skill.1"}};
  request["requestId"] = "amzn1.echo-api.request.1";
  request["timestamp"] = "2026-11-30T12:00:00Z";
  request["locale"] = "en-GB";
  return {{"version", "1.0"},
          {"session",
           {{"new", false},
            {"sessionId", "amzn1.echo-api.session.1"},
            {"application", app},
            {"user", {{"userId", "amzn1.ask.account.1"}}}}},
          {"context",
           {{"System",
             {{"application", app},
              {"device", {{"deviceId", "amzn1.ask.device.kitchen"}}},
              {"apiEndpoint", "https://api.eu.amazonalexa.com"}}}}},
          {"request", std::move(request)}};
}

json intent_request(const std::string& name, json slots = json::object()) {
  return envelope({{"type", "IntentRequest"},
                   {"dialogState", "COMPLETED"},
                   {"intent", {{"name", name}, {"confirmationStatus", "NONE"}, {"slots", slots}}}});
}

AlexaTurn read_ok(const json& e) {
  auto t = read_turn(e);
  REQUIRE_MESSAGE(t.ok(), t.status().message());
  return *t;
}

void check_error(const json& e, const std::string& words) {
  auto t = read_turn(e);
  REQUIRE_FALSE(t.ok());
  INFO("message: " << t.status().message());
  CHECK(t.status().message().find(words) != std::string::npos);
}

}  // namespace

TEST_CASE("read_turn: LaunchRequest and SessionEndedRequest") {
  AlexaTurn launch = read_ok(envelope({{"type", "LaunchRequest"}}));
  CHECK(launch.kind == Kind::launch);
  CHECK(launch.request_id == "amzn1.echo-api.request.1");
  CHECK(launch.session_id == "amzn1.echo-api.session.1");
  CHECK_FALSE(launch.new_session);
  CHECK(launch.locale == "en-GB");
  CHECK(launch.intent.session == "amzn1.echo-api.session.1");
  CHECK(launch.intent.site == "amzn1.ask.device.kitchen");
  CHECK(launch.intent.intent.empty());
  CHECK(launch.alexa_intent.empty());

  json ended_env = envelope({{"type", "SessionEndedRequest"}, {"reason", "USER_INITIATED"}});
  ended_env["session"]["new"] = true;
  AlexaTurn ended = read_ok(ended_env);
  CHECK(ended.kind == Kind::session_ended);
  CHECK(ended.new_session);
}

TEST_CASE("read_turn: canonical intents map to themselves with their slots") {
  for (const char* name : {"Reorder", "StockQuery", "CancelOrder", "ConfirmOrder", "DenyOrder",
                           "Refilled", "DeliveryQuery", "RevokeAccess", "StartVacation",
                           "EndVacation", "VacationStatus"}) {
    INFO(name);
    AlexaTurn t = read_ok(intent_request(name));
    CHECK(t.kind == Kind::intent);
    CHECK(t.intent.intent == name);
    CHECK(t.alexa_intent == name);
    CHECK(t.intent.slots.empty());
    CHECK(t.intent.session == "amzn1.echo-api.session.1");
    CHECK(t.intent.site == "amzn1.ask.device.kitchen");
    CHECK(t.intent.text.empty());
    CHECK_FALSE(t.intent.ts.has_value());
    CHECK_FALSE(t.intent.confidence.has_value());
  }
  json slots = {{"item", {{"name", "item"}, {"value", "coffee beans"},
                          {"confirmationStatus", "NONE"}, {"source", "USER"}}},
                {"count", {{"name", "count"}, {"confirmationStatus", "NONE"}}},
                {"empty", {{"name", "empty"}, {"value", ""}}},
                {"nothing", {{"name", "nothing"}, {"value", nullptr}}}};
  AlexaTurn t = read_ok(intent_request("Reorder", slots));
  CHECK(t.intent.slots == std::map<std::string, std::string>{{"item", "coffee beans"}});
  // An AMAZON.DATE slot comes as Alexa resolved it; the conversation reads the date.
  json until = {{"until", {{"name", "until"}, {"value", "2026-12-24"}, {"confirmationStatus", "NONE"}}}};
  AlexaTurn away = read_ok(intent_request("StartVacation", until));
  CHECK(away.intent.intent == "StartVacation");
  CHECK(away.intent.slots == std::map<std::string, std::string>{{"until", "2026-12-24"}});
}

TEST_CASE("read_turn: Amazon's built-in intents") {
  AlexaTurn yes = read_ok(intent_request("AMAZON.YesIntent"));
  CHECK(yes.kind == Kind::intent);
  CHECK(yes.intent.intent == "ConfirmOrder");
  CHECK(yes.alexa_intent == "AMAZON.YesIntent");
  AlexaTurn no = read_ok(intent_request("AMAZON.NoIntent"));
  CHECK(no.kind == Kind::intent);
  CHECK(no.intent.intent == "DenyOrder");
  for (const char* stop : {"AMAZON.CancelIntent", "AMAZON.StopIntent"}) {
    AlexaTurn t = read_ok(intent_request(stop));
    CHECK(t.kind == Kind::stop);
    CHECK(t.intent.intent.empty());
    CHECK(t.alexa_intent == stop);
    CHECK(t.intent.session == "amzn1.echo-api.session.1");
  }
  CHECK(read_ok(intent_request("AMAZON.HelpIntent")).kind == Kind::help);
  for (const char* other : {"AMAZON.FallbackIntent", "AMAZON.NavigateHomeIntent", "OrderPizza",
                            "reorder"}) {
    INFO(other);
    AlexaTurn t = read_ok(intent_request(other, {{"x", {{"name", "x"}, {"value", "y"}}}}));
    CHECK(t.kind == Kind::unknown_intent);
    CHECK(t.alexa_intent == other);
    CHECK(t.intent.intent.empty());
    CHECK(t.intent.slots.empty());
  }
}

TEST_CASE("read_turn: a request without session or device still reads") {
  json e = envelope({{"type", "LaunchRequest"}});
  e.erase("session");
  e["context"]["System"].erase("device");
  e["request"].erase("locale");
  AlexaTurn t = read_ok(e);
  CHECK(t.session_id.empty());
  CHECK(t.intent.site.empty());
  CHECK(t.locale.empty());
}

TEST_CASE("read_turn: malformed envelopes are errors with clear messages") {
  check_error(json::array(), "the envelope is not an object");
  check_error(json("text"), "the envelope is not an object");
  json e = envelope({{"type", "LaunchRequest"}});

  json no_request = e;
  no_request.erase("request");
  check_error(no_request, "request is missing");
  json request_string = e;
  request_string["request"] = "LaunchRequest";
  check_error(request_string, "request is not an object");
  json no_type = e;
  no_type["request"].erase("type");
  check_error(no_type, "request.type is missing");
  json type_number = e;
  type_number["request"]["type"] = 3;
  check_error(type_number, "request.type is not a string");
  json no_id = e;
  no_id["request"].erase("requestId");
  check_error(no_id, "request.requestId is missing");
  json empty_id = e;
  empty_id["request"]["requestId"] = "";
  check_error(empty_id, "request.requestId is empty");
  json other_type = e;
  other_type["request"]["type"] = "CanFulfillIntentRequest";
  check_error(other_type, "'CanFulfillIntentRequest' is not LaunchRequest");
  json session_string = e;
  session_string["session"] = "s";
  check_error(session_string, "session is not an object");
  json session_id_number = e;
  session_id_number["session"]["sessionId"] = 5;
  check_error(session_id_number, "session.sessionId is not a string");
  json new_string = e;
  new_string["session"]["new"] = "true";
  check_error(new_string, "session.new is not true or false");
  json device_number = e;
  device_number["context"]["System"]["device"]["deviceId"] = 1;
  check_error(device_number, "context.System.device.deviceId is not a string");
  json long_device = e;
  long_device["context"]["System"]["device"]["deviceId"] = std::string(kMaxDeviceId + 1, 'd');
  check_error(long_device, "longer than 512 bytes");
  json long_locale = e;
  long_locale["request"]["locale"] = std::string(33, 'l');
  check_error(long_locale, "request.locale is longer than 32 bytes");

  check_error(envelope({{"type", "IntentRequest"}}), "request.intent is missing");
  check_error(envelope({{"type", "IntentRequest"}, {"intent", "Reorder"}}),
              "request.intent is not an object");
  check_error(envelope({{"type", "IntentRequest"}, {"intent", {{"slots", json::object()}}}}),
              "request.intent.name is missing");
  check_error(envelope({{"type", "IntentRequest"}, {"intent", {{"name", 1}}}}),
              "request.intent.name is not a string");
  check_error(intent_request(""), "request.intent.name is empty");
  check_error(intent_request("Reorder", json::array()), "request.intent.slots is not an object");
  check_error(intent_request("Reorder", {{"item", "coffee"}}), "slot 'item' is not an object");
  check_error(intent_request("Reorder", {{"item", {{"value", 3}}}}),
              "slot 'item' has a value that is not a string");
  check_error(intent_request("Reorder", {{"item", {{"value", std::string(257, 'x')}}}}),
              "longer than 256 bytes");
  CHECK(read_turn(intent_request("Reorder", {{"item", {{"value", std::string(256, 'x')}}}})).ok());
  check_error(intent_request("Reorder", {{std::string(65, 's'), {{"value", "x"}}}}),
              "slot name is empty or longer than 64 bytes");
  json many = json::object();
  for (int i = 0; i < 33; ++i) many["s" + std::to_string(i)] = {{"value", "x"}};
  check_error(intent_request("Reorder", many), "more than 32 slots");
  // A malformed slot is an error whatever the intent.
  check_error(intent_request("AMAZON.FallbackIntent", {{"x", 1}}), "slot 'x' is not an object");
}

TEST_CASE("response_json: a statement ends the session") {
  VoiceSay say;
  say.text = "You have about 3 days of coffee left.";
  json r = response_json(say);
  CHECK(r == json::parse(R"({"version":"1.0","response":{
      "outputSpeech":{"type":"PlainText","text":"You have about 3 days of coffee left."},
      "shouldEndSession":true}})"));
}

TEST_CASE("response_json: a question keeps the session open with a reprompt and a card") {
  VoiceSay say;
  say.text = "Order 2 packs of coffee for 9.80 pounds?";
  say.end_session = false;
  say.expect = {"ConfirmOrder", "DenyOrder"};
  say.card = VoiceCard{"Coffee order", "2 x Coffee beans 1 kg, 9.80 GBP"};
  json r = response_json(say);
  CHECK(r == json::parse(R"({"version":"1.0","response":{
      "outputSpeech":{"type":"PlainText","text":"Order 2 packs of coffee for 9.80 pounds?"},
      "reprompt":{"outputSpeech":{"type":"PlainText",
                                  "text":"Order 2 packs of coffee for 9.80 pounds?"}},
      "card":{"type":"Simple","title":"Coffee order","content":"2 x Coffee beans 1 kg, 9.80 GBP"},
      "shouldEndSession":false}})"));
}

TEST_CASE("empty_response is the answer to SessionEndedRequest") {
  CHECK(empty_response() == json::parse(R"({"version":"1.0","response":{}})"));
  CHECK(empty_response().dump() == R"({"response":{},"version":"1.0"})");
}
