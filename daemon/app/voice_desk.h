// The voice desk: the conversation (voice/conversation.h) wired to the daemon.
//
// Intents come from the hub (<root>/voice/intent, or a voice plugin's canonical input) and
// from the Alexa endpoint (api/alexa_routes.h). The conversation acts on the household
// through this class: the consumables' states from the hub, orders through the order desk
// (source `voice`), a refill as the canonical `refilled {}` input. Its answers go back the
// way the intent came: to the plugin whose session it is (PluginHost::say), else on
// <root>/voice/say (QoS 1, not retained) as the contract says, or, for Alexa, into the
// HTTP answer.
// Thread rule: event-loop thread only.
#pragma once

#include <string>
#include <vector>

#include "app/delivery_desk.h"
#include "app/order_desk.h"
#include "app/plugin_host.h"
#include "core/hub.h"
#include "larder/bus.h"
#include "larder/clock.h"
#include "larder/config.h"
#include "larder/metrics.h"
#include "voice/conversation.h"
#include "voice/hub_household.h"

namespace larder {

class VoiceDesk final : public VoiceActions, public voice::HubHousehold {
 public:
  // Registers itself with the hub (intents) and the desk (order changes); both outlive it
  // only if the daemon stops them first, as it does.
  VoiceDesk(const Config& config, Hub& hub, OrderDesk& desk, PluginHost& plugins, Bus& bus,
            const Clock& clock, Metrics& metrics);
  ~VoiceDesk() override;
  VoiceDesk(const VoiceDesk&) = delete;
  VoiceDesk& operator=(const VoiceDesk&) = delete;

  // VoiceActions: an intent from MQTT; the answer goes to a plugin or <root>/voice/say.
  void intent(const contract::IntentInput& in) override;
  // An intent whose answer goes to `answer` (the Alexa endpoint).
  void ask(const contract::IntentInput& in, voice::Conversation::Answer answer);
  void end_session(const std::string& session, const std::string& site);
  void turn(voice::Conversation::Turn turn, const std::string& session, const std::string& site,
            voice::Conversation::Answer answer);
  void tick();

  // voice::Household: the hub answers the rest (voice::HubHousehold).
  std::vector<const orders::Order*> orders() const override;
  const orders::Order* order(const std::string& order_id) const override;
  orders::Reply request(const std::string& consumable, int quantity,
                        bool explicit_quantity) override;
  orders::Reply confirm(const std::string& order_id) override;
  orders::Reply cancel(const std::string& order_id) override;
  int revoke_access(const std::optional<std::string>& consumable) override;

  // Where RevokeAccess goes; without it there is never access to revoke.
  void set_delivery(DeliveryDesk* delivery) { delivery_ = delivery; }

 private:
  void publish(const VoiceSay& say);

  OrderDesk& desk_;
  DeliveryDesk* delivery_ = nullptr;
  PluginHost& plugins_;
  Bus& bus_;
  std::string root_;
  voice::Conversation conversation_;
};

}  // namespace larder
