// The kinds of event the hub publishes on `<root>/event`: those of shared/contract/mqtt-v1.md
// (version 1) and the hub's own additions (`order_exists`, `order_uncertain`, `use_stopped`,
// the store's, the configuration reload's, vacation mode's and best-before's).
// `notify.events` (docs/notifications.md) routes them by these names.
// Thread rule: constants.
#pragma once

#include <array>
#include <string_view>

namespace larder {

inline constexpr std::array<std::string_view, 30> kEventKinds = {
    "low_stock",          "refill_detected",   "sensor_offline",
    "sensor_online",      "order_held",        "order_awaiting_confirmation",
    "order_placed",       "order_shipped",     "order_delivered",
    "order_cancelled",    "order_failed",      "order_exists",
    "delivery_planned",   "delivery_replanned", "grant_issued",
    "grant_refused",      "trunk_unlocked",    "trunk_relocked",
    "trunk_not_locked",   "access_revoked",    "store_error",
    "store_recovered",    "store_over_ceiling", "config_reloaded",
    "config_refused",     "vacation_started",  "vacation_ended",
    "pack_expiring",      "order_uncertain",   "use_stopped"};

// The kinds that reach a person at once even in quiet hours unless the configuration says
// otherwise (`notify.quiet_hours.break_through`): the trunk and its grants, where a late
// answer is a car open in the street or a stranger's code that keeps working.
inline constexpr std::array<std::string_view, 4> kDefaultBreakThrough = {
    "trunk_unlocked", "trunk_not_locked", "grant_refused", "access_revoked"};

}  // namespace larder
