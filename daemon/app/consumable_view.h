// What the API and the dashboard show of the consumables (`GET /api/v1/consumables` and
// `GET /api/v1/consumables/<id>`, docs/http.md): each one's retained state with its id and
// name; and for one, its level history from the store, downsampled, the forecast of the
// whole supply with its 90% band, and the reorder point.
//
// History: level readings as stored (net, in the consumable's unit). A consumable
// without a level sensor has its container level rebuilt from its events: a refill sets
// it (to the amount, or a pack), a use takes from it. At most `max_points` points: the
// readings' span is cut into that many equal slices and each keeps its last reading, so steps
// (refills) stay steps.
// Thread rule: event-loop thread only (reads the hub and the store).
#pragma once

#include <cstddef>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "core/hub.h"
#include "larder/clock.h"
#include "larder/config.h"
#include "larder/status.h"
#include "larder/store.h"

namespace larder {

class ConsumableView {
 public:
  ConsumableView(const Config& config, const Hub& hub, Store& store, const Clock& clock)
      : config_(config), hub_(hub), store_(store), clock_(clock) {}

  static constexpr double kDefaultSpanS = 30 * 86400.0;
  static constexpr std::size_t kMaxReadings = 400000;  // read at most this many rows

  // Every configured consumable, in the configuration's order.
  nlohmann::json list() const;
  // One consumable in detail, or nothing for an unknown id. since/until default to the
  // last 30 days; the caller checked since < until. An error: the store cannot be read.
  Result<std::optional<nlohmann::json>> detail(const std::string& id, std::optional<double> since,
                                              std::optional<double> until,
                                              std::size_t max_points = 500) const;

 private:
  nlohmann::json summary(const ConsumableConfig& c) const;

  const Config& config_;
  const Hub& hub_;
  Store& store_;
  const Clock& clock_;
};

}  // namespace larder
