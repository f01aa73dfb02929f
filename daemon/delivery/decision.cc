#include "delivery/decision.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <functional>

namespace larder::delivery {

namespace {

using orders::DeliveryOption;

std::string fixed(double v, int decimals) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

// A size as people write it: "40", "40.5".
std::string size(double v) { return fixed(v, std::abs(v - std::round(v)) < 0.05 ? 0 : 1); }

std::string dims(const std::array<double, 3>& d) {
  return size(d[0]) + " x " + size(d[1]) + " x " + size(d[2]) + " cm";
}

std::string money(double v, const std::string& currency) {
  return fixed(v, 2) + (currency.empty() ? "" : " " + currency);
}

const DeliveryOption* find(const std::vector<DeliveryOption>& options, const std::string& m) {
  for (const DeliveryOption& o : options) {
    if (o.method == m) return &o;
  }
  return nullptr;
}

void take(Decision& d, const DeliveryOption& o) {
  d.method = o.method;
  d.window = o.window;
}

// The trunk is out: the doorstep, else another option, else a doorstep without a window.
Decision not_trunk(const DecisionInput& in, Decision d) {
  if (const DeliveryOption* door = find(in.options, "doorstep")) {
    take(d, *door);
    return d;
  }
  for (const DeliveryOption& o : in.options) {
    if (o.method == "trunk") continue;
    d.reasons.push_back("the retailer offers no doorstep delivery, so its " + o.method +
                        " option is taken");
    take(d, o);
    return d;
  }
  d.reasons.push_back("the retailer offers only trunk delivery, so the doorstep is asked for "
                      "without a window");
  d.method = "doorstep";
  d.window.reset();
  return d;
}

// Every package fact that keeps it out of the trunk.
std::vector<std::string> package_reasons(const DecisionInput& in) {
  std::vector<std::string> out;
  if (!in.package) return out;
  const orders::Package& p = *in.package;
  const Limits& l = in.limits;
  if (p.weight_kg && *p.weight_kg > l.max_weight_kg) {
    out.push_back("the package weighs " + fixed(*p.weight_kg, 1) +
                  " kg, more than the trunk limit of " + fixed(l.max_weight_kg, 1) + " kg");
  }
  if (p.dims_cm) {
    std::array<double, 3> have = *p.dims_cm, room = l.max_dims_cm;
    std::sort(have.begin(), have.end(), std::greater<>());
    std::sort(room.begin(), room.end(), std::greater<>());
    bool fits = true;
    for (std::size_t i = 0; i < 3; ++i) fits = fits && !(have[i] > room[i]);
    if (!fits) {
      out.push_back("the package measures " + dims(have) + ", too large for the trunk limit of " +
                    dims(room));
    }
  }
  if (p.signature_required) {
    out.push_back("the package needs a signature, which nobody can give at a parked car");
  }
  if (p.temperature_sensitive) {
    out.push_back("the package is temperature sensitive, and a parked car gets too hot or cold");
  }
  if (p.value && l.max_value && *p.value > *l.max_value) {
    out.push_back("the package is worth " + money(*p.value, in.currency) +
                  ", more than the trunk limit of " + money(*l.max_value, in.currency));
  }
  return out;
}

std::string with_basis(const std::string& text, const std::string& basis) {
  return basis.empty() ? text : text + ": " + basis;
}

}  // namespace

Decision decide(const DecisionInput& in) {
  Decision d;
  if (in.car) d.car_probability = in.car->probability;

  // 1. What the retailer offers.
  if (in.options.empty()) {
    d.method = "doorstep";
    d.reasons.push_back("the retailer offers no delivery options, so the doorstep is asked for "
                        "without a window");
    return d;
  }
  const DeliveryOption* trunk = find(in.options, "trunk");
  if (!trunk) {
    d.reasons.push_back("the retailer offers no trunk delivery");
    if (const DeliveryOption* door = find(in.options, "doorstep")) {
      take(d, *door);
    } else {
      take(d, in.options.front());
      d.reasons.push_back("the retailer offers no doorstep delivery either, so its first "
                          "option, " + in.options.front().method + ", is taken");
    }
    return d;
  }
  if (!trunk->window) {
    d.reasons.push_back("the retailer's trunk delivery has no time window, and a trunk is "
                        "opened only within one");
    return not_trunk(in, std::move(d));
  }

  // 2. Set-up and preference.
  if (!in.trunk_possible) d.reasons.push_back("no car or place is set up for trunk delivery");
  if (in.prefer == Prefer::doorstep) d.reasons.push_back("you prefer the doorstep");
  if (!d.reasons.empty()) return not_trunk(in, std::move(d));

  // 3. The package.
  d.reasons = package_reasons(in);
  if (!d.reasons.empty()) return not_trunk(in, std::move(d));

  // 4. The car. A NaN anywhere compares false and so refuses.
  const std::string needed = format_percent(in.min_probability) + " needed";
  if (!in.car) {
    d.reasons.push_back("where the car will be during the window is unknown");
    return not_trunk(in, std::move(d));
  }
  const CarOutlook& car = *in.car;
  if (car.place.empty() || !(car.probability > 0)) {
    d.reasons.push_back(with_basis("the car is unlikely to be parked at an allowed place during "
                                   "the window (" + format_percent(car.probability) + ", " +
                                   needed + ")", car.basis));
    return not_trunk(in, std::move(d));
  }
  if (!(car.probability >= in.min_probability)) {
    d.reasons.push_back(with_basis("the car will be parked at " + car.place +
                                   " for the whole window with a chance of only " +
                                   format_percent(car.probability) + " (" + needed + ")",
                                   car.basis));
    return not_trunk(in, std::move(d));
  }

  // 5. The trunk is allowed.
  Decision to_trunk = d;
  take(to_trunk, *trunk);
  to_trunk.place = car.place;
  to_trunk.reasons.push_back(with_basis("the car is very likely parked at " + car.place +
                                        " during the window (" +
                                        format_percent(car.probability) + ")",
                                        car.basis));
  if (in.prefer == Prefer::trunk) {
    to_trunk.reasons.push_back("you prefer the trunk");
    return to_trunk;
  }
  const std::optional<double> home =
      in.someone_home && std::isfinite(*in.someone_home) ? in.someone_home : std::nullopt;
  if (!home) {
    to_trunk.reasons.push_back("nobody is known to be at home during the window");
    return to_trunk;
  }
  if (*home < 0.5) {
    to_trunk.reasons.push_back("nobody is likely to be at home for the whole window (" +
                               format_percent(*home) + " that someone is)");
    return to_trunk;
  }
  const std::string someone =
      "someone is likely at home during the window (" + format_percent(*home) + ")";
  if (const DeliveryOption* door = find(in.options, "doorstep")) {
    d.reasons.push_back(someone + ", so the doorstep is fine");
    take(d, *door);
    return d;
  }
  to_trunk.reasons.push_back(someone + ", but the retailer offers no doorstep delivery");
  return to_trunk;
}

}  // namespace larder::delivery
