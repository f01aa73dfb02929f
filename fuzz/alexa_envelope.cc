// Fuzz target: Alexa request envelopes (daemon/adapters/alexa/alexa_envelope.cc) as the
// verifier hands them on (JSON nested at most 64 levels), and the response envelope of an
// answer that quotes the turn's slots. The response must dump (with `replace`, as the route
// does) and the turn's strings must respect the documented bounds.
// Input: the request body. Seeds: fuzz/corpus/alexa_envelope/.
#include <cstddef>
#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "adapters/alexa/alexa_envelope.h"
#include "larder/json_depth.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace larder::alexa;
  std::string body(reinterpret_cast<const char*>(data), size);
  if (larder::json_nests_deeper(body, 64)) return 0;  // the verifier's bound
  nlohmann::json envelope = nlohmann::json::parse(body, nullptr, false);
  if (envelope.is_discarded()) return 0;
  auto turn = read_turn(envelope);
  if (!turn) return 0;
  const AlexaTurn& t = turn.value();
  if (t.request_id.size() > kMaxIdBytes || t.session_id.size() > kMaxIdBytes ||
      t.locale.size() > kMaxLocale || t.intent.slots.size() > kMaxSlots) {
    __builtin_trap();
  }
  larder::VoiceSay say;
  say.session = t.session_id;
  say.site = t.intent.site;
  for (const auto& [name, value] : t.intent.slots) say.text += name + "=" + value + " ";
  say.card = larder::VoiceCard{t.alexa_intent, say.text};
  say.end_session = t.kind != AlexaTurn::Kind::intent;
  (void)response_json(say).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  (void)empty_response().dump();
  return 0;
}
