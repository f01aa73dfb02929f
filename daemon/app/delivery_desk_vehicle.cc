// The delivery desk's inputs of the car and the household (delivery_desk.h): where the car
// is and its trunk, who is home, as the hub passes them on; the patterns learned from them.
#include <algorithm>
#include <cmath>
#include <utility>

#include "app/delivery_desk.h"

namespace larder {

// ---- The vehicle, presence ---------------------------------------------------------------

void DeliveryDesk::location(const contract::LocationInput& in, double ts) {
  if (in.vehicle != config_.delivery.vehicle) return;
  delivery::CarNow car{{in.lat, in.lon}, in.acc.value_or(0), in.moving.value_or(false), ts};
  if (parking_.observe(ts, parking_state(car))) dirty_ = true;
  // A position from before car_stale_s (a retained fix the broker hands a restarted hub, a
  // tracker's late backlog) teaches the parking habits, but says nothing of where the car
  // is now: it neither ends a grant nor sends an order to the doorstep.
  if (now() - ts > options_.car_stale_s) return;
  grants::Effects fx;
  grants_.on_location(in.vehicle, grants::VehicleNow{car.at, car.accuracy_m, car.moving, ts}, now(),
                      fx);
  run(fx);
  replan_after_move(now());
}

void DeliveryDesk::trunk(const contract::TrunkInput& in, double ts) {
  grants::Effects fx;
  grants_.on_trunk(in.vehicle, in.state, ts, now(), fx);
  run(fx);
}

// The person's presence itself is the hub's (it keeps it across a reload).
// The household's state changes with anyone's report, so no earlier than the last
// observation (DeliveryDeskOptions::presence_behind_s).
void DeliveryDesk::presence(const contract::PresenceInput& /*in*/, double ts) {
  const double last = presence_.last_ts().value_or(ts);
  const std::size_t state = someone_home_now().value_or(false) ? 1 : 0;
  // Seen late: the state holds from now, and the time since the last observation is unknown.
  const bool late = last - ts > options_.presence_behind_s;
  if (presence_.observe(late ? std::max(last, now()) : std::max(ts, last), state, !late)) {
    dirty_ = true;
  }
}

std::optional<delivery::CarNow> DeliveryDesk::car_now(double t) const {
  const VehicleFacts* v = hub_.vehicle(config_.delivery.vehicle);
  if (!v || !v->location) return std::nullopt;
  const auto& l = *v->location;
  double ts = l.ts.value_or(v->updated);
  if (t - ts > options_.car_stale_s) return std::nullopt;
  return delivery::CarNow{{l.lat, l.lon}, l.acc.value_or(0), l.moving.value_or(false), ts};
}

std::optional<bool> DeliveryDesk::someone_home_now() const {
  // What the hub knows (it keeps it across a reload, Hub::carry_over).
  std::optional<bool> anyone;
  for (const auto& p : config_.people) {
    if (auto home = hub_.presence(p.id)) anyone = anyone.value_or(false) || *home;
  }
  return anyone;
}

const delivery::Place* DeliveryDesk::place_named(const std::optional<std::string>& name) const {
  for (const auto& p : places_) {
    if (name && p.name == *name) return &p;
  }
  return nullptr;
}

std::size_t DeliveryDesk::parking_state(const delivery::CarNow& car) const {
  if (car.moving) return places_.size() + 1;
  for (std::size_t i = 0; i < places_.size(); ++i) {
    if (delivery::inside(places_[i], car.at, car.accuracy_m)) return i;
  }
  return places_.size();
}

}  // namespace larder
