// Trunk or doorstep: the choice for one order, from the retailer's delivery options and
// package facts, the user's preference, the trunk limits, and the outlooks (outlook.h) for
// the options' windows, with every reason that decided it in words a user understands, in
// the household's language (DecisionInput::texts, the catalog's delivery.reason.* messages).
//
// The rules, in order (each that applies adds a reason; the first rules that refuse the
// trunk end the choice, rule 3 listing every package fact that refuses it):
//  1. The retailer's offer: no option at all -> "doorstep" without a window. No trunk
//     option -> the doorstep option, else the first option offered. A trunk option
//     without a window cannot get a grant (one window per grant): not the trunk.
//  2. No car or place set up for the trunk (trunk_possible false), or the user prefers
//     the doorstep -> not the trunk.
//  3. The package: heavier than max_weight_kg; dimensions that do not fit (sorted sizes
//     against sorted limits, so a parcel may lie any way round); a signature needed; a
//     temperature-sensitive content; a value over max_value, or in another currency than
//     it (limits_currency) -> not the trunk. An unknown weight, size or value refuses
//     nothing.
//  4. The car: no outlook, no allowed place, or a chance below min_probability of being
//     parked inside the place for the whole window -> not the trunk.
//  5. The trunk is allowed. Preferring the trunk -> trunk. Automatic: trunk when whether
//     someone is at home is unknown or below 50% (nobody takes the parcel in), the doorstep
//     when someone is likely at home (unless the retailer offers no doorstep). A trunk
//     choice always carries the car's reason.
// "Not the trunk" means the doorstep option; without one, the first other option; without
// any, "doorstep" without a window (a reason says so).
// Pure function: no clock, no I/O. Thread rule: none needed.
#pragma once

#include <array>
#include <optional>
#include <string>
#include <vector>

#include "delivery/outlook.h"
#include "orders/order.h"

namespace larder {
class Texts;
}

namespace larder::delivery {

enum class Prefer { automatic, trunk, doorstep };

// What fits in the car's trunk (configuration delivery.limits).
struct Limits {
  double max_weight_kg = 22.7;
  std::array<double, 3> max_dims_cm{66, 53, 40};  // any order
  std::optional<double> max_value;                // in household.currency; none: no limit
};

struct DecisionInput {
  double now = 0;
  std::vector<orders::DeliveryOption> options;  // the quote's (doorstep, trunk, others)
  std::optional<orders::Package> package;       // nullopt: the retailer said nothing of it
  std::string currency;                         // the quote's: the package's value is in it
  Limits limits;
  // The currency of limits.max_value (household.currency); empty: the quote's. A value in
  // another currency cannot be compared with the limit: it keeps the package out.
  std::string limits_currency;
  Prefer prefer = Prefer::automatic;
  bool trunk_possible = false;     // a vehicle for the trunk and an allowed place are set up
  double min_probability = 0.9;    // the car must be parked in an allowed place this likely
  std::optional<CarOutlook> car;   // for the trunk option's window (the caller computes it)
  std::optional<double> someone_home;  // for the doorstep option's window; nullopt: unknown
  // The household's words (the delivery.reason.* messages, docs/languages.md); nullptr:
  // English (texts_for("en")). The caller's CarOutlook::basis is used as it comes.
  const Texts* texts = nullptr;
};

struct Decision {
  std::string method;                    // "trunk" or "doorstep" (or the only method offered)
  std::optional<orders::Window> window;  // that option's window
  std::vector<std::string> reasons;      // every rule that decided, in the household's words
  std::optional<std::string> place;      // trunk: the allowed place
  double car_probability = 0;            // the car outlook's, when there was one
};

Decision decide(const DecisionInput& in);

}  // namespace larder::delivery
