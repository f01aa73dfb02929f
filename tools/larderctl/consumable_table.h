// The consumables as larderctl shows them (consumables and status): the states of
// GET /api/v1/consumables in a table, times in the household's zone. Defined in
// consumable_commands.cc.
// Thread rule: plain functions; larderctl has one thread.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "larder/time_zone.h"

namespace larderctl {

// One row per consumable state of `list` (an array): id, status, level with its unit,
// packs on hand, days left, the expected empty time and its 90% interval.
std::string consumable_table(const nlohmann::json& list, const larder::TimeZone& zone);

}  // namespace larderctl
