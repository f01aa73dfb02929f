#include "adapters/alexa/alexa_envelope.h"

#include <initializer_list>
#include <optional>
#include <string_view>
#include <utility>

namespace larder::alexa {
namespace {

using nlohmann::json;
using Path = std::initializer_list<const char*>;

Status bad(const std::string& why) { return Status::Error("Alexa envelope: " + why); }

std::string dotted(Path path) {
  std::string s;
  for (const char* key : path) s += (s.empty() ? "" : ".") + std::string(key);
  return s;
}

// The value at `path` through nested objects: nullptr when it (or an object on the way)
// is absent or null, an error when something on the way is not an object, or when a
// required value is absent.
Result<const json*> value_at(const json& root, Path path, bool required) {
  const json* at = &root;
  std::string where;
  for (const char* key : path) {
    if (!at->is_object()) {
      return bad((where.empty() ? "the envelope" : where) + " is not an object");
    }
    where += (where.empty() ? "" : ".") + std::string(key);
    auto it = at->find(key);
    if (it == at->end() || it->is_null()) {
      if (required) return bad(where + " is missing");
      return static_cast<const json*>(nullptr);
    }
    at = &*it;
  }
  return at;
}

Result<std::optional<std::string>> string_at(const json& root, Path path, std::size_t max,
                                             bool required) {
  auto v = value_at(root, path, required);
  if (!v.ok()) return v.status();
  if (*v == nullptr) return std::optional<std::string>{};
  if (!(*v)->is_string()) return bad(dotted(path) + " is not a string");
  const auto& s = (*v)->get_ref<const std::string&>();
  if (s.size() > max) {
    return bad(dotted(path) + " is longer than " + std::to_string(max) + " bytes");
  }
  return std::optional<std::string>(s);
}

struct Mapping {
  std::string_view alexa;
  AlexaTurn::Kind kind;
  std::string_view canonical;  // for Kind::intent
};

constexpr Mapping kMappings[] = {
    {"Reorder", AlexaTurn::Kind::intent, "Reorder"},
    {"StockQuery", AlexaTurn::Kind::intent, "StockQuery"},
    {"CancelOrder", AlexaTurn::Kind::intent, "CancelOrder"},
    {"ConfirmOrder", AlexaTurn::Kind::intent, "ConfirmOrder"},
    {"DenyOrder", AlexaTurn::Kind::intent, "DenyOrder"},
    {"Refilled", AlexaTurn::Kind::intent, "Refilled"},
    {"DeliveryQuery", AlexaTurn::Kind::intent, "DeliveryQuery"},
    {"RevokeAccess", AlexaTurn::Kind::intent, "RevokeAccess"},
    {"StartVacation", AlexaTurn::Kind::intent, "StartVacation"},
    {"EndVacation", AlexaTurn::Kind::intent, "EndVacation"},
    {"VacationStatus", AlexaTurn::Kind::intent, "VacationStatus"},
    {"AMAZON.YesIntent", AlexaTurn::Kind::intent, "ConfirmOrder"},
    {"AMAZON.NoIntent", AlexaTurn::Kind::intent, "DenyOrder"},
    {"AMAZON.CancelIntent", AlexaTurn::Kind::stop, ""},
    {"AMAZON.StopIntent", AlexaTurn::Kind::stop, ""},
    {"AMAZON.HelpIntent", AlexaTurn::Kind::help, ""},
    {"AMAZON.FallbackIntent", AlexaTurn::Kind::unknown_intent, ""},
};

// intent.slots into `slots`.
Status read_slots(const json& envelope, std::map<std::string, std::string>& slots) {
  auto v = value_at(envelope, {"request", "intent", "slots"}, false);
  if (!v.ok()) return v.status();
  if (*v == nullptr) return Status::Ok();
  const json& all = **v;
  if (!all.is_object()) return bad("request.intent.slots is not an object");
  if (all.size() > kMaxSlots) {
    return bad("request.intent.slots has more than " + std::to_string(kMaxSlots) + " slots");
  }
  for (const auto& [name, slot] : all.items()) {
    std::string where = "slot '" + name.substr(0, kMaxSlotName) + "'";
    if (name.empty() || name.size() > kMaxSlotName) {
      return bad("a slot name is empty or longer than " + std::to_string(kMaxSlotName) +
                 " bytes");
    }
    if (slot.is_null()) continue;
    if (!slot.is_object()) return bad(where + " is not an object");
    auto it = slot.find("value");
    if (it == slot.end() || it->is_null()) continue;  // not filled
    if (!it->is_string()) return bad(where + " has a value that is not a string");
    const auto& value = it->get_ref<const std::string&>();
    if (value.size() > kMaxSlotValue) {
      return bad(where + " has a value longer than " + std::to_string(kMaxSlotValue) + " bytes");
    }
    if (!value.empty()) slots[name] = value;
  }
  return Status::Ok();
}

json speech(const std::string& text) { return {{"type", "PlainText"}, {"text", text}}; }

}  // namespace

Result<AlexaTurn> read_turn(const json& envelope) {
  if (!envelope.is_object()) return bad("the envelope is not an object");
  AlexaTurn turn;
  auto type = string_at(envelope, {"request", "type"}, kMaxIdBytes, true);
  if (!type.ok()) return type.status();
  auto request_id = string_at(envelope, {"request", "requestId"}, kMaxIdBytes, true);
  if (!request_id.ok()) return request_id.status();
  turn.request_id = **request_id;
  if (turn.request_id.empty()) return bad("request.requestId is empty");
  auto locale = string_at(envelope, {"request", "locale"}, kMaxLocale, false);
  if (!locale.ok()) return locale.status();
  turn.locale = locale->value_or("");

  auto session_id = string_at(envelope, {"session", "sessionId"}, kMaxIdBytes, false);
  if (!session_id.ok()) return session_id.status();
  turn.session_id = session_id->value_or("");
  auto is_new = value_at(envelope, {"session", "new"}, false);
  if (!is_new.ok()) return is_new.status();
  if (*is_new != nullptr) {
    if (!(*is_new)->is_boolean()) return bad("session.new is not true or false");
    turn.new_session = (*is_new)->get<bool>();
  }
  auto device = string_at(envelope, {"context", "System", "device", "deviceId"}, kMaxDeviceId,
                          false);
  if (!device.ok()) return device.status();
  turn.intent.session = turn.session_id;
  turn.intent.site = device->value_or("");

  const std::string& t = **type;
  if (t == "LaunchRequest") {
    turn.kind = AlexaTurn::Kind::launch;
    return turn;
  }
  if (t == "SessionEndedRequest") {
    turn.kind = AlexaTurn::Kind::session_ended;
    return turn;
  }
  if (t != "IntentRequest") {
    return bad("request type '" + t.substr(0, 64) +
               "' is not LaunchRequest, IntentRequest or SessionEndedRequest");
  }
  auto name = string_at(envelope, {"request", "intent", "name"}, kMaxIdBytes, true);
  if (!name.ok()) return name.status();
  turn.alexa_intent = **name;
  if (turn.alexa_intent.empty()) return bad("request.intent.name is empty");
  turn.kind = AlexaTurn::Kind::unknown_intent;
  for (const Mapping& m : kMappings) {
    if (m.alexa != turn.alexa_intent) continue;
    turn.kind = m.kind;
    turn.intent.intent = std::string(m.canonical);
    break;
  }
  // Slots are checked whatever the intent (a malformed envelope is refused as such), but
  // kept only for the canonical ones.
  std::map<std::string, std::string> slots;
  if (Status s = read_slots(envelope, slots); !s.ok()) return s;
  if (turn.kind == AlexaTurn::Kind::intent) turn.intent.slots = std::move(slots);
  return turn;
}

json response_json(const VoiceSay& say) {
  json response = {{"outputSpeech", speech(say.text)}, {"shouldEndSession", say.end_session}};
  if (say.card) {
    response["card"] = {{"type", "Simple"}, {"title", say.card->title},
                        {"content", say.card->text}};
  }
  if (!say.end_session) response["reprompt"] = {{"outputSpeech", speech(say.text)}};
  return {{"version", "1.0"}, {"response", std::move(response)}};
}

json empty_response() { return {{"version", "1.0"}, {"response", json::object()}}; }

}  // namespace larder::alexa
