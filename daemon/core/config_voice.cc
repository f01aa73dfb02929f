// The `voice:` section (docs/configuration.md): the conversation's timings, the hermes
// plugin's name mapping (Rhasspy and other Hermes assistants) and the Alexa skill.
// Every key is optional; `hermes` and `alexa` switch their assistant on by being there.
#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>

#include "core/config_checks.h"
#include "core/config_sections.h"
#include "larder/voice.h"

namespace larder::config {
namespace {

// The voice intents of the contract (shared/contract/mqtt-v1.md), the targets of a mapping.
std::string check_canonical_intent(std::string_view v) {
  return check_one_of(v, kVoiceIntents);
}

// A Hermes intent name is the last level of hermes/intent/<name>, and Rhasspy puts it in
// the intentFilter of a continueSession: it cannot hold an MQTT separator or wildcard.
std::string check_hermes_intent(std::string_view v) {
  if (v.empty() || v.size() > 128 || v.find_first_of("/+#") != std::string_view::npos ||
      has_control(v)) {
    return "is not a Hermes intent name: 1 to 128 bytes without '/', '+', '#' or control "
           "characters";
  }
  return "";
}

std::string check_hermes_slot(std::string_view v) {
  if (v.empty() || v.size() > 128 || has_control(v)) {
    return "is not a Hermes slot name: 1 to 128 bytes without control characters";
  }
  return "";
}

// Alexa application ids look like amzn1.ask.skill.<uuid>; the check only keeps out what
// cannot be one, so that a typo is not silently compared against every request.
std::string check_skill_id(std::string_view v) {
  if (v.size() > 256) return "must be at most 256 bytes";
  for (unsigned char c : v) {
    if (c == ' ' || c == '\t') return "must not contain whitespace";
  }
  return "";
}

// Name -> value maps whose keys are the user's (intent and slot names).
void read_name_map(Section& s, std::map<std::string, std::string>& out,
                   std::string (*check_key)(std::string_view), const TextCheck& check_value) {
  for (const Field& f : s.entries()) {
    std::string bad_key = check_key(f.key);
    auto v = s.string(f.key, Need::required, check_value);
    if (!bad_key.empty()) {
      s.error(f.key, bad_key);
    } else if (v) {
      out[f.key] = *v;
    }
  }
}

void read_hermes(Section& s, HermesConfig& out) {
  s.section("intents", Need::optional, [&](Section& m) {
    read_name_map(m, out.intents, check_hermes_intent, check_canonical_intent);
  });
  s.section("slots", Need::optional, [&](Section& m) {
    read_name_map(m, out.slots, check_hermes_slot,
                  [](std::string_view v) { return check_one_of(v, {"item", "quantity"}); });
  });
}

void read_alexa(Section& s, AlexaConfig& out) {
  out.skill_id = s.string("skill_id", Need::required, check_skill_id).value_or("");
  auto store = s.path("trust_store", Need::optional);
  if (!store) return;
  // A PEM bundle or a hashed certificate folder (OpenSSL reads either); checked now so that
  // a wrong path fails at start-up, not at the first request.
  std::error_code ec;
  auto st = std::filesystem::status(*store, ec);
  if (ec || !std::filesystem::exists(st)) {
    s.error("trust_store", "\"" + *store + "\" does not exist");
  } else if (!std::filesystem::is_regular_file(st) && !std::filesystem::is_directory(st)) {
    s.error("trust_store", "\"" + *store + "\" must be a file of certificates or a folder");
  } else if (std::filesystem::is_directory(st) ||
             check_pem_certificates(s, "trust_store", *store)) {
    out.trust_store = *store;
  }
}

}  // namespace

void read_voice(Section& s, VoiceConfig& out) {
  auto closed = [](double min, double max) { return Range{min, max, false, false}; };
  if (auto v = s.number("confidence_floor", Need::optional, closed(0, 1))) {
    out.confidence_floor = *v;
  }
  if (auto v = s.number("answer_timeout_s", Need::optional, closed(1, 30))) {
    out.answer_timeout_s = *v;
  }
  if (auto v = s.number("question_timeout_s", Need::optional, closed(10, 3600))) {
    out.question_timeout_s = *v;
  }
  s.section("hermes", Need::optional, [&](Section& h) {
    HermesConfig hermes;
    read_hermes(h, hermes);
    out.hermes = std::move(hermes);
  });
  s.section("alexa", Need::optional, [&](Section& a) {
    AlexaConfig alexa;
    read_alexa(a, alexa);
    out.alexa = std::move(alexa);
  });
}

}  // namespace larder::config
