// The hermes plugin: Rhasspy and other assistants that speak the Hermes protocol
// (shared/formats.md "Voice"; docs/plugins.md). A thin translator, no conversation of its own:
//   - hermes/intent/<name> becomes a canonical <root>/voice/intent when <name> is one of
//     ours (voice.hermes.intents, a canonical intent's own name, or either after a Snips
//     "user:" prefix); any other intent is another skill's and is left alone, because an
//     answer to it would end that skill's session.
//   - The hub's answer (on_say) goes back into the Hermes session the intent came from
//     (dialogueManager endSession / continueSession), or is spoken with tts/say on a site
//     an intent came from when the session is gone: ended by the hub, timed out here, or
//     ended by the dialogue manager (hermes/dialogueManager/sessionEnded: a question
//     nobody answered, a user who cancelled), after which an endSession would be lost.
// Sessions are remembered for kSessionTtlS at most and kMaxSessions at once: Rhasspy times
// out a session long before, and a flood of made-up session ids must not grow memory.
// Thread rule: as every plugin (plugins/plugin.h).
#include <algorithm>
#include <cstddef>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "larder/json_input.h"
#include "larder/log.h"
#include "larder/voice.h"
#include "plugins/plugins.h"

namespace larder::plugins {
namespace {

using nlohmann::json;

constexpr std::string_view kSessionEnded = "hermes/dialogueManager/sessionEnded";
constexpr std::size_t kMaxSessions = 256;
constexpr double kSessionTtlS = 600;
constexpr std::size_t kMaxSites = 256;
// The canonical contract's bounds for `site` and `session` (core/contract.cc): a longer one
// would be refused by the hub anyway, and must not be remembered.
constexpr std::size_t kMaxSiteBytes = 64;
constexpr std::size_t kMaxSessionBytes = 256;

bool canonical(std::string_view name) {
  return std::find(kVoiceIntents.begin(), kVoiceIntents.end(), name) != kVoiceIntents.end();
}

// At most `max` bytes of `s`, cut before a UTF-8 sequence rather than inside one: reasons
// end up in JSON (<root>/error), whose writer refuses broken UTF-8.
std::string prefix(const std::string& s, std::size_t max) {
  if (s.size() <= max) return s;
  std::size_t n = max;
  while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) --n;
  return s.substr(0, n) + "...";
}

// Why a message fits no known form.
struct Problem {
  std::string code, reason;
};

// A slot's value: value.value (a string, or a number as its JSON text), else rawValue.
// Hermes gives some kinds (Duration) no value.value; rawValue is what was heard.
std::optional<std::string> slot_value(const json& slot, const std::string& name,
                                      std::optional<Problem>& problem) {
  if (auto v = slot.find("value"); v != slot.end() && v->is_object()) {
    if (auto inner = v->find("value"); inner != v->end() && !inner->is_null()) {
      if (inner->is_string()) return inner->get<std::string>();
      // The parser refuses numbers beyond a double (1e999): every number here is finite.
      if (inner->is_number()) return inner->dump();
      problem = Problem{"shape", "slot '" + name + "': value.value must be a string or a number"};
      return std::nullopt;
    }
  } else if (v != slot.end() && !v->is_null()) {
    problem = Problem{"shape", "slot '" + name + "': value must be an object"};
    return std::nullopt;
  }
  if (auto raw = slot.find("rawValue"); raw != slot.end() && !raw->is_null()) {
    if (raw->is_string()) return raw->get<std::string>();
    problem = Problem{"shape", "slot '" + name + "': rawValue must be a string"};
    return std::nullopt;
  }
  problem = Problem{"shape", "slot '" + name + "' has neither value.value nor rawValue"};
  return std::nullopt;
}

// An optional string field of the message; `problem` is set when it is not a string.
std::optional<std::string> optional_string(const json& obj, const char* key,
                                           std::optional<Problem>& problem) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return std::nullopt;
  if (!it->is_string()) {
    problem = Problem{"shape", std::string("field '") + key + "' must be a string"};
    return std::nullopt;
  }
  return it->get<std::string>();
}

class Hermes final : public Plugin {
 public:
  explicit Hermes(HermesConfig config) : config_(std::move(config)) {}

  const char* name() const override { return "hermes"; }

  std::vector<Subscription> subscriptions() const override {
    // An intent kept by the broker is something said long ago, not a request.
    return {{"hermes/intent/#", false}, {std::string(kSessionEnded), false}};
  }

  void on_message(const Message& m, double now, Sink& out) override {
    if (m.payload.empty()) return;  // a cleared retained message
    if (m.retained) {
      log_debug("hermes: retained intent on " + m.topic + " ignored");
      return;
    }
    if (!within_bound(m, out)) return;
    auto object = json_object(m, out);
    if (!object) return;
    const json& obj = *object;
    if (m.topic == kSessionEnded) return session_ended(m, obj, out);

    auto intent = obj.find("intent");
    if (intent == obj.end() || intent->is_null()) {
      return out.bad_input(m, "shape", "field 'intent' is missing");
    }
    if (!intent->is_object()) return out.bad_input(m, "shape", "field 'intent' must be an object");
    auto name = intent->find("intentName");
    if (name == intent->end() || name->is_null()) {
      return out.bad_input(m, "shape", "field 'intent.intentName' is missing");
    }
    if (!name->is_string()) {
      return out.bad_input(m, "shape", "field 'intent.intentName' must be a string");
    }
    const std::string& hermes_name = name->get_ref<const std::string&>();
    std::string target = map_intent(hermes_name);
    if (target.empty()) {
      // Rhasspy sends every skill's intents here; answering would end their sessions.
      log_debug("hermes: intent '" + prefix(hermes_name, 128) + "' is not ours: ignored");
      return;
    }

    double confidence = 1;
    if (auto c = intent->find("confidenceScore"); c != intent->end() && !c->is_null()) {
      if (!c->is_number()) {
        return out.bad_input(m, "shape", "field 'intent.confidenceScore' must be a number");
      }
      confidence = c->get<double>();
      if (!(confidence >= 0 && confidence <= 1)) {
        return out.bad_input(m, "value", "field 'intent.confidenceScore' must be 0..1");
      }
    }

    json slots = json::object();
    if (auto s = obj.find("slots"); s != obj.end() && !s->is_null()) {
      if (!s->is_array()) return out.bad_input(m, "shape", "field 'slots' must be an array");
      for (const json& slot : *s) {
        if (!slot.is_object()) return out.bad_input(m, "shape", "each slot must be an object");
        auto sn = slot.find("slotName");
        if (sn == slot.end() || !sn->is_string() || sn->get_ref<const std::string&>().empty()) {
          return out.bad_input(m, "shape", "a slot has no slotName (a non-empty string)");
        }
        const std::string& slot_name = sn->get_ref<const std::string&>();
        std::optional<Problem> problem;
        auto value = slot_value(slot, prefix(slot_name, 64), problem);
        if (!value) return out.bad_input(m, problem->code, problem->reason);
        auto mapped = config_.slots.find(slot_name);
        const std::string& key = mapped == config_.slots.end() ? slot_name : mapped->second;
        // Several values of one slot: the first heard counts (the contract has one each).
        if (!slots.contains(key)) slots[key] = std::move(*value);
      }
    }

    std::optional<Problem> problem;
    std::string text = optional_string(obj, "input", problem).value_or("");
    std::string site = optional_string(obj, "siteId", problem).value_or("default");
    std::string session = optional_string(obj, "sessionId", problem).value_or("");
    if (problem) return out.bad_input(m, problem->code, problem->reason);
    if (site.size() > kMaxSiteBytes) {
      return out.bad_input(m, "value", "field 'siteId' is longer than 64 bytes");
    }
    if (session.size() > kMaxSessionBytes) {
      return out.bad_input(m, "value", "field 'sessionId' is longer than 256 bytes");
    }

    remember_site(site, now);
    // Known before the hub sees the intent: its answer may come back within input().
    const bool fresh = !session.empty() && sessions_.count(session) == 0;
    if (!session.empty()) remember_session(session, site, snips_user(hermes_name), now);
    json payload = {{"intent", target}, {"slots", std::move(slots)}, {"text", text},
                    {"site", site},     {"session", session},        {"confidence", confidence}};
    // A session the hub refused the intent of is none of Larder's: it is not kept.
    if (!out.input("voice/intent", payload.dump(), false) && fresh) sessions_.erase(session);
  }

  void tick(double now, Sink& out) override {
    (void)out;
    for (auto it = sessions_.begin(); it != sessions_.end();) {
      if (now - it->second.seen > kSessionTtlS) {
        it = sessions_.erase(it);
      } else {
        ++it;
      }
    }
  }

  bool on_say(const VoiceSay& say, double now, Sink& out) override {
    if (!say.session.empty()) {
      if (auto it = sessions_.find(say.session); it != sessions_.end()) {
        if (say.end_session) {
          json p = {{"sessionId", say.session}, {"text", say.text}};
          out.publish("hermes/dialogueManager/endSession", p.dump(), false);
          sessions_.erase(it);
        } else {
          json p = {{"sessionId", say.session},
                    {"text", say.text},
                    {"sendIntentNotRecognized", false}};
          if (!say.expect.empty()) p["intentFilter"] = intent_filter(say.expect, it->second.user);
          out.publish("hermes/dialogueManager/continueSession", p.dump(), false);
          it->second.seen = now;  // the session goes on: its clock starts again
        }
        return true;
      }
    }
    if (!say.site.empty() && sites_.count(say.site)) {
      json p = {{"text", say.text}, {"siteId", say.site}};
      out.publish("hermes/tts/say", p.dump(), false);
      return true;
    }
    return false;
  }

 private:
  // Any skill's session ends here; one of ours is forgotten, so the hub's next words for
  // it go out with tts/say on its site.
  void session_ended(const Message& m, const json& obj, Sink& out) {
    std::optional<Problem> problem;
    auto session = optional_string(obj, "sessionId", problem);
    if (problem) return out.bad_input(m, problem->code, problem->reason);
    if (!session) return out.bad_input(m, "shape", "field 'sessionId' is missing");
    if (sessions_.erase(*session) > 0) {
      log_debug("hermes: session " + prefix(*session, 64) + " ended by the dialogue manager");
    }
  }

  struct Session {
    std::string site;
    std::string user;  // the Snips "<user>:" of its last intent ("" without one)
    double seen = 0;   // the last intent or question in it
  };

  // "alice:" of "alice:Reorder": the assistant names the answers to a question so too.
  static std::string snips_user(const std::string& hermes_name) {
    const auto colon = hermes_name.find(':');
    return colon == std::string::npos ? std::string() : hermes_name.substr(0, colon + 1);
  }

  // The canonical intent of a Hermes intent name, or "" when it is another skill's.
  std::string map_intent(const std::string& hermes_name) const {
    auto direct = [&](std::string_view n) -> std::string {
      if (auto it = config_.intents.find(std::string(n)); it != config_.intents.end()) {
        return it->second;
      }
      if (canonical(n)) return std::string(n);
      return {};
    };
    std::string t = direct(hermes_name);
    if (!t.empty()) return t;
    // Snips names intents "<user>:<Name>".
    if (auto colon = hermes_name.find(':'); colon != std::string::npos) {
      return direct(std::string_view(hermes_name).substr(colon + 1));
    }
    return {};
  }

  // The Hermes intent names that answer a question expecting `expect` (canonical names), in
  // a session whose intents carry the Snips prefix `user` ("alice:"): each name bare and
  // with that prefix, as the assistant may name them either way.
  json intent_filter(const std::vector<std::string>& expect, const std::string& user) const {
    json names = json::array();
    auto add_one = [&](const std::string& n, const std::string& want) {
      if (map_intent(n) == want && std::find(names.begin(), names.end(), n) == names.end()) {
        names.push_back(n);
      }
    };
    auto add = [&](const std::string& n, const std::string& want) {
      add_one(n, want);
      if (!user.empty() && n.find(':') == std::string::npos) add_one(user + n, want);
    };
    for (const std::string& want : expect) {
      for (const auto& entry : config_.intents) add(entry.first, want);
      add(want, want);
    }
    return names;
  }

  void remember_session(const std::string& id, const std::string& site, std::string user,
                        double now) {
    auto it = sessions_.find(id);
    if (it == sessions_.end() && sessions_.size() >= kMaxSessions) {
      sessions_.erase(oldest(sessions_, [](const Session& s) { return s.seen; }));
    }
    sessions_[id] = Session{site, std::move(user), now};
  }

  void remember_site(const std::string& site, double now) {
    if (!sites_.count(site) && sites_.size() >= kMaxSites) {
      sites_.erase(oldest(sites_, [](double seen) { return seen; }));
    }
    sites_[site] = now;
  }

  template <typename Map, typename When>
  static typename Map::iterator oldest(Map& m, When when) {
    return std::min_element(m.begin(), m.end(), [&](const auto& a, const auto& b) {
      return when(a.second) < when(b.second);
    });
  }

  HermesConfig config_;
  std::map<std::string, Session> sessions_;  // session id -> its site and last use
  std::map<std::string, double> sites_;      // site id -> when an intent last came from it
};

}  // namespace

std::unique_ptr<Plugin> make_hermes(const Config& config) {
  if (!config.voice.hermes) return nullptr;
  return std::make_unique<Hermes>(*config.voice.hermes);
}

}  // namespace larder::plugins
