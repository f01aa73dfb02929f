// Replay's voice: the daemon's conversation (voice/conversation.h) on the replayed hub, so
// that an intent acts on the household as in larderd (a refill told, vacation on or off),
// at the intent's time. Its answers go nowhere, as every publication of replay does; and
// replay places no orders (replay.md), so an order asked for is refused in words.
// Thread rule: replay's thread only.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/hub.h"
#include "larder/clock.h"
#include "larder/config.h"
#include "larder/metrics.h"
#include "voice/conversation.h"
#include "voice/hub_household.h"

namespace larder {

class ReplayVoice final : public VoiceActions, public voice::HubHousehold {
 public:
  // Registers itself with the hub, which must outlive it.
  ReplayVoice(const Config& config, Hub& hub, const Clock& clock, Metrics& metrics);
  ~ReplayVoice() override;
  ReplayVoice(const ReplayVoice&) = delete;
  ReplayVoice& operator=(const ReplayVoice&) = delete;

  void intent(const contract::IntentInput& in) override;
  void tick() { conversation_.tick(); }

  // voice::Household: the hub answers the rest (voice::HubHousehold).
  std::vector<const orders::Order*> orders() const override { return {}; }
  const orders::Order* order(const std::string&) const override { return nullptr; }
  orders::Reply request(const std::string& consumable, int quantity,
                        bool explicit_quantity) override;
  orders::Reply confirm(const std::string& order_id) override;
  orders::Reply cancel(const std::string& order_id) override;
  int revoke_access(const std::optional<std::string>&) override { return 0; }

 private:
  voice::Conversation conversation_;
};

}  // namespace larder
