// Alexa custom-skill envelopes (shared/formats.md, "Voice") in the hub's terms: a verified
// request envelope becomes an AlexaTurn (which intent, which slots, which session), and
// the hub's answer, a VoiceSay, becomes the response envelope.
//
// Intent names: the canonical ones of shared/contract/mqtt-v1.md map to themselves;
// AMAZON.YesIntent to ConfirmOrder and AMAZON.NoIntent to DenyOrder; AMAZON.CancelIntent
// and AMAZON.StopIntent end the conversation (Kind::stop); AMAZON.HelpIntent asks for
// help (Kind::help); AMAZON.FallbackIntent and any other name are Kind::unknown_intent, a
// well-formed request the hub answers with "sorry".
// Thread rule: pure functions.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "core/contract.h"
#include "larder/status.h"
#include "larder/voice.h"

namespace larder::alexa {

struct AlexaTurn {
  enum class Kind {
    launch,          // LaunchRequest: the skill was opened without a request
    intent,          // IntentRequest for a canonical intent: see `intent`
    session_ended,   // SessionEndedRequest: Alexa closed the session; answer empty_response()
    stop,            // AMAZON.CancelIntent / StopIntent: end the conversation, drop a question
    help,            // AMAZON.HelpIntent
    unknown_intent,  // AMAZON.FallbackIntent or a name the hub does not know
  };
  Kind kind = Kind::launch;
  std::string request_id;   // request.requestId, for the log
  std::string session_id;   // session.sessionId ("" without a session)
  bool new_session = false; // session.new
  std::string locale;       // request.locale, may be empty
  // For Kind::intent: the canonical intent and its slots. For every kind: session (the
  // session id) and site (context.System.device.deviceId, may be empty); text is empty and
  // ts unset (the request's time is the verifier's business).
  contract::IntentInput intent;
  std::string alexa_intent; // IntentRequest: intent.name as Alexa sent it
};

// Size bounds (bytes) of what read_turn keeps; longer strings are errors.
inline constexpr std::size_t kMaxSlotValue = 256;   // as contract.cc's slots
inline constexpr std::size_t kMaxSlotName = 64;
inline constexpr std::size_t kMaxSlots = 32;
inline constexpr std::size_t kMaxIdBytes = 256;     // requestId, sessionId, intent name
inline constexpr std::size_t kMaxDeviceId = 512;    // Alexa device ids run to ~250 bytes
inline constexpr std::size_t kMaxLocale = 32;

// The turn a (verified) request envelope asks for, or why the envelope is malformed.
// Slots: intent.slots.<name>.value, a string; a slot without a value (absent, null or "")
// is left out.
Result<AlexaTurn> read_turn(const nlohmann::json& envelope);

// {"version":"1.0","response":{"outputSpeech":{"type":"PlainText","text":..},
// "shouldEndSession":..}}, with a Simple card when say.card and a reprompt (the same
// text) when the session stays open. Dump it with error_handler_t::replace: the text is
// the hub's, but may quote what people named.
nlohmann::json response_json(const VoiceSay& say);

// {"version":"1.0","response":{}}: the answer to a SessionEndedRequest.
nlohmann::json empty_response();

}  // namespace larder::alexa
