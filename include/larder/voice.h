// What the hub says to the household, as the conversation (daemon/voice/) answers an
// intent. It goes to the assistant the intent came from: the hermes plugin (its own
// sessions), the Alexa endpoint (the HTTP answer), or else `<root>/voice/say` of the
// contract (shared/contract/mqtt-v1.md) for any other assistant.
#pragma once

#include <array>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace larder {

// The voice intents of the contract (shared/contract/mqtt-v1.md), version 1, and the
// vacation intents that extend it (docs/mqtt.md, docs/vacation.md).
inline constexpr std::array<std::string_view, 11> kVoiceIntents = {
    "Reorder", "StockQuery", "CancelOrder", "ConfirmOrder", "DenyOrder", "Refilled",
    "DeliveryQuery", "RevokeAccess", "StartVacation", "EndVacation", "VacationStatus"};

struct VoiceCard {        // shown in the Alexa app for orders
  std::string title;
  std::string text;
};

struct VoiceSay {
  std::string text;
  std::string site;       // the intent's site (a room), may be empty
  std::string session;    // the intent's session, may be empty
  // false: the hub asked a question and the session stays open for the answer.
  bool end_session = true;
  // With end_session false: the intents that answer the question (Hermes' intentFilter);
  // empty: any intent (the hub asks to hear the request again).
  std::vector<std::string> expect;
  std::optional<VoiceCard> card;
};

}  // namespace larder
