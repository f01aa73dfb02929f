#include "voice/hub_household.h"

namespace larder::voice {

const ConsumableState* HubHousehold::consumable(const std::string& id) const {
  return hub_.consumable(id);
}

Status HubHousehold::refilled(const std::string& consumable, double ts) {
  return hub_.told_refilled(consumable, ts);
}

std::optional<Household::Away> HubHousehold::away() const {
  auto v = hub_.vacation();
  if (!v) return std::nullopt;
  return Away{v->from, v->until};
}

Status HubHousehold::start_vacation(std::optional<double> until) {
  return hub_.start_vacation(until, "voice");
}

Status HubHousehold::end_vacation() { return hub_.end_vacation("voice"); }

}  // namespace larder::voice
