#include "app/voice_desk.h"

#include <cstddef>
#include <exception>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "larder/log.h"

namespace larder {

VoiceDesk::VoiceDesk(const Config& config, Hub& hub, OrderDesk& desk, PluginHost& plugins,
                     Bus& bus, const Clock& clock, Metrics& metrics)
    : HubHousehold(hub), desk_(desk), plugins_(plugins), bus_(bus),
      root_(config.mqtt.root()), conversation_(config, *this, clock, metrics) {
  metrics.describe("larder_voice_intents_total", "counter", "Voice intents answered, by intent.");
  metrics.describe("larder_voice_unsure_total", "counter",
                   "Voice intents below the confidence floor: asked again, not acted on.");
  hub_.set_voice_actions(this);
  desk_.set_listener("voice", [this](const std::string& id) { conversation_.on_order_changed(id); });
}

VoiceDesk::~VoiceDesk() {
  hub_.set_voice_actions(nullptr);
  desk_.set_listener("voice", nullptr);
  // A reload replaces this desk: what an assistant waits for is answered, not dropped.
  // (At a stop the answers find the server and the broker gone: nothing is said.)
  try {
    conversation_.answer_waiting_now();
  } catch (const std::exception& e) {
    log_error(std::string("voice: the answers still waiting could not be given: ") + e.what());
  }
}

void VoiceDesk::intent(const contract::IntentInput& in) {
  // The answer goes back the way the intent came: to the plugin that made it (a Hermes
  // session), else on <root>/voice/say, as for an intent published there.
  const std::optional<std::size_t> from = plugins_.feeding();
  conversation_.on_intent(in, [this, from](const VoiceSay& say) {
    if (!from || !plugins_.say(say, *from)) publish(say);
  });
}

void VoiceDesk::ask(const contract::IntentInput& in, voice::Conversation::Answer answer) {
  conversation_.on_intent(in, std::move(answer));
}

void VoiceDesk::end_session(const std::string& session, const std::string& site) {
  conversation_.end_session(session, site);
}

void VoiceDesk::turn(voice::Conversation::Turn turn, const std::string& session,
                     const std::string& site, voice::Conversation::Answer answer) {
  conversation_.on_turn(turn, session, site, std::move(answer));
}

void VoiceDesk::tick() { conversation_.tick(); }

void VoiceDesk::publish(const VoiceSay& say) {
  nlohmann::json j = {{"text", say.text}, {"site", say.site}, {"session", say.session},
                      {"end_session", say.end_session}};
  if (!say.expect.empty()) j["expect"] = say.expect;  // an extension: the answers awaited
  bus_.publish(root_ + "/voice/say", j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace),
                false, 1);
}

std::vector<const orders::Order*> VoiceDesk::orders() const { return desk_.ledger().orders(); }

const orders::Order* VoiceDesk::order(const std::string& order_id) const {
  return desk_.ledger().find(order_id);
}

orders::Reply VoiceDesk::request(const std::string& consumable, int quantity,
                                 bool explicit_quantity) {
  auto r = desk_.make_request(consumable, quantity, orders::Source::voice, explicit_quantity);
  if (!r) {
    orders::Reply refused;
    refused.code = orders::Code::not_found;
    refused.status = Status::Error("no consumable '" + consumable + "' is configured");
    return refused;
  }
  return desk_.request(*r);
}

orders::Reply VoiceDesk::confirm(const std::string& order_id) { return desk_.confirm(order_id); }

orders::Reply VoiceDesk::cancel(const std::string& order_id) {
  return desk_.cancel(order_id, /*by_user=*/true);
}

int VoiceDesk::revoke_access(const std::optional<std::string>& consumable) {
  if (!delivery_) return 0;
  if (!consumable) return delivery_->revoke_all("voice");
  int n = 0;
  for (const orders::Order* o : desk_.ledger().orders()) {
    if (orders::finished(o->status)) continue;
    bool concerns = false;
    for (const auto& i : o->items) concerns = concerns || i.consumable == *consumable;
    if (concerns && delivery_->revoke(o->id, "voice").ok()) ++n;
  }
  return n;
}

}  // namespace larder
