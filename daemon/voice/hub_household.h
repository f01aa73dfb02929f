// The part of the conversation's household (conversation.h) that the hub answers: the
// consumables' states, a refill told, vacation mode (by "voice"). Orders are the rest: the
// daemon's order desk (app/voice_desk.h), or none in replay (replay/replay_voice.h).
// Thread rule: the hub's thread only.
#pragma once

#include <optional>
#include <string>

#include "core/hub.h"
#include "voice/conversation.h"

namespace larder::voice {

class HubHousehold : public Household {
 public:
  explicit HubHousehold(Hub& hub) : hub_(hub) {}

  const ConsumableState* consumable(const std::string& id) const override;
  Status refilled(const std::string& consumable, double ts) override;
  std::optional<Away> away() const override;
  Status start_vacation(std::optional<double> until) override;
  Status end_vacation() override;

 protected:
  Hub& hub_;
};

}  // namespace larder::voice
