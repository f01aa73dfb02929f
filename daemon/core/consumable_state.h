// What the hub knows about one consumable, and its retained MQTT state
// (`<root>/consumable/<id>/state`, shared/contract/mqtt-v1.md).
//
// The forecast fields stay empty (published as null) and the status `unknown` until the
// consumption model fills them. `meaningful_change` is the contract's rule for when a
// new state is worth publishing.
// Thread rule: plain values.
#pragma once

#include <optional>
#include <string>

#include "larder/config.h"
#include "larder/status.h"

namespace larder {

struct ConsumableState {
  std::string id;
  Unit unit = Unit::g;
  double capacity = 0;
  std::optional<double> level;            // what the open container holds, in unit
  int on_hand = 0;                        // unopened packs
  std::optional<double> rate_per_day;
  std::optional<double> days_left;
  std::optional<double> empty_at, empty_at_low, empty_at_high;
  std::string status = "unknown";         // unknown, ok, low, ordered, empty
  bool reorder = false;                   // the policy wants an order (not published)
  bool vetoed = false;                    // a user's cancel keeps orders away (not published)
  // Best-before (docs/best-before.md): the earliest date of what is held, and the packs
  // that pass their date before they are used up, with the earliest of theirs.
  std::optional<double> best_before;
  int expiring = 0;
  std::optional<double> expiring_at;
  double updated = 0;                     // epoch seconds of the newest input
  double last_reading_ts = 0;             // newest accepted level reading (0: none; not
                                          // published: restored from the model's own)

  static ConsumableState initial(const ConsumableConfig& c);
  // The retained state payload, as published.
  std::string to_json() const;
  // Restores the fields of a published state into `*this` (unit and capacity stay those
  // of the configuration, and a level in another unit is converted or dropped).
  Status restore(const std::string& json);
};

// Whether `next` differs from `published` enough to publish it: the status, on_hand,
// the level by at least 1% of capacity, empty_at by at least an hour, or the best-before
// outlook (best_before, expiring).
bool meaningful_change(const ConsumableState& published, const ConsumableState& next);

}  // namespace larder
