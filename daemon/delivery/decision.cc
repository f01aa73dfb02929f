#include "delivery/decision.h"

#include <algorithm>
#include <cmath>
#include <functional>

#include "larder/texts.h"

namespace larder::delivery {

namespace {

using orders::DeliveryOption;

// A size as people write it: "40", "40.5" (at most one decimal, the catalog's separator).
std::string dims(const Texts& t, const std::array<double, 3>& d) {
  return t("delivery.size", {Texts::arg("a", t.number(d[0], 1)),
                             Texts::arg("b", t.number(d[1], 1)),
                             Texts::arg("c", t.number(d[2], 1))});
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
Decision not_trunk(const DecisionInput& in, const Texts& t, Decision d) {
  if (const DeliveryOption* door = find(in.options, "doorstep")) {
    take(d, *door);
    return d;
  }
  for (const DeliveryOption& o : in.options) {
    if (o.method == "trunk") continue;
    d.reasons.push_back(t("delivery.reason.no_doorstep_other", {Texts::arg("method", o.method)}));
    take(d, o);
    return d;
  }
  d.reasons.push_back(t("delivery.reason.only_trunk"));
  d.method = "doorstep";
  d.window.reset();
  return d;
}

// Every package fact that keeps it out of the trunk.
std::vector<std::string> package_reasons(const DecisionInput& in, const Texts& t) {
  std::vector<std::string> out;
  if (!in.package) return out;
  const orders::Package& p = *in.package;
  const Limits& l = in.limits;
  if (p.weight_kg && *p.weight_kg > l.max_weight_kg) {
    out.push_back(t("delivery.reason.too_heavy",
                    {Texts::arg("weight", t.fixed(*p.weight_kg, 1)),
                     Texts::arg("limit", t.fixed(l.max_weight_kg, 1))}));
  }
  if (p.dims_cm) {
    std::array<double, 3> have = *p.dims_cm, room = l.max_dims_cm;
    std::sort(have.begin(), have.end(), std::greater<>());
    std::sort(room.begin(), room.end(), std::greater<>());
    bool fits = true;
    for (std::size_t i = 0; i < 3; ++i) fits = fits && !(have[i] > room[i]);
    if (!fits) {
      out.push_back(t("delivery.reason.too_large",
                      {Texts::arg("size", dims(t, have)), Texts::arg("limit", dims(t, room))}));
    }
  }
  if (p.signature_required) {
    out.push_back(t("delivery.reason.signature"));
  }
  if (p.temperature_sensitive) {
    out.push_back(t("delivery.reason.temperature"));
  }
  const std::string& limit_currency = in.limits_currency.empty() ? in.currency
                                                                  : in.limits_currency;
  if (p.value && l.max_value && limit_currency != in.currency) {
    out.push_back(t("delivery.reason.value_other_currency",
                    {Texts::arg("value", t.money(*p.value, in.currency)),
                     Texts::arg("limit", t.money(*l.max_value, limit_currency))}));
  } else if (p.value && l.max_value && *p.value > *l.max_value) {
    out.push_back(t("delivery.reason.too_valuable",
                    {Texts::arg("value", t.money(*p.value, in.currency)),
                     Texts::arg("limit", t.money(*l.max_value, limit_currency))}));
  }
  return out;
}

std::string with_basis(const Texts& t, const std::string& text, const std::string& basis) {
  if (basis.empty()) return text;
  return t("delivery.reason.with_basis", {Texts::arg("reason", text), Texts::arg("basis", basis)});
}

}  // namespace

Decision decide(const DecisionInput& in) {
  const Texts& t = in.texts ? *in.texts : texts_for("en");
  Decision d;
  if (in.car) d.car_probability = in.car->probability;

  // 1. What the retailer offers.
  if (in.options.empty()) {
    d.method = "doorstep";
    d.reasons.push_back(t("delivery.reason.no_options"));
    return d;
  }
  const DeliveryOption* trunk = find(in.options, "trunk");
  if (!trunk) {
    d.reasons.push_back(t("delivery.reason.no_trunk_offered"));
    if (const DeliveryOption* door = find(in.options, "doorstep")) {
      take(d, *door);
    } else {
      take(d, in.options.front());
      d.reasons.push_back(t("delivery.reason.no_doorstep_either",
                            {Texts::arg("method", in.options.front().method)}));
    }
    return d;
  }
  if (!trunk->window) {
    d.reasons.push_back(t("delivery.reason.trunk_no_window"));
    return not_trunk(in, t, std::move(d));
  }

  // 2. Set-up and preference.
  if (!in.trunk_possible) d.reasons.push_back(t("delivery.reason.not_set_up"));
  if (in.prefer == Prefer::doorstep) d.reasons.push_back(t("delivery.reason.prefer_doorstep"));
  if (!d.reasons.empty()) return not_trunk(in, t, std::move(d));

  // 3. The package.
  d.reasons = package_reasons(in, t);
  if (!d.reasons.empty()) return not_trunk(in, t, std::move(d));

  // 4. The car. A NaN anywhere compares false and so refuses.
  const TextArg needed = Texts::arg("needed", format_percent(t, in.min_probability));
  const TextArg chance = Texts::arg("chance", format_percent(t, in.car ? in.car->probability : 0));
  if (!in.car) {
    d.reasons.push_back(t("delivery.reason.car_unknown"));
    return not_trunk(in, t, std::move(d));
  }
  const CarOutlook& car = *in.car;
  if (car.place.empty() || !(car.probability > 0)) {
    d.reasons.push_back(with_basis(t, t("delivery.reason.car_nowhere", {chance, needed}), car.basis));
    return not_trunk(in, t, std::move(d));
  }
  if (!(car.probability >= in.min_probability)) {
    d.reasons.push_back(with_basis(
        t, t("delivery.reason.car_unlikely", {Texts::arg("place", car.place), chance, needed}),
        car.basis));
    return not_trunk(in, t, std::move(d));
  }

  // 5. The trunk is allowed.
  Decision to_trunk = d;
  take(to_trunk, *trunk);
  to_trunk.place = car.place;
  to_trunk.reasons.push_back(with_basis(
      t, t("delivery.reason.car_likely", {Texts::arg("place", car.place), chance}), car.basis));
  if (in.prefer == Prefer::trunk) {
    to_trunk.reasons.push_back(t("delivery.reason.prefer_trunk"));
    return to_trunk;
  }
  const std::optional<double> home =
      in.someone_home && std::isfinite(*in.someone_home) ? in.someone_home : std::nullopt;
  if (!home) {
    to_trunk.reasons.push_back(t("delivery.reason.nobody_known_home"));
    return to_trunk;
  }
  if (*home < 0.5) {
    to_trunk.reasons.push_back(
        t("delivery.reason.nobody_likely_home", {Texts::arg("chance", format_percent(t, *home))}));
    return to_trunk;
  }
  const TextArg at_home = Texts::arg("chance", format_percent(t, *home));
  if (const DeliveryOption* door = find(in.options, "doorstep")) {
    d.reasons.push_back(t("delivery.reason.someone_home_doorstep", {at_home}));
    take(d, *door);
    return d;
  }
  to_trunk.reasons.push_back(t("delivery.reason.someone_home_no_doorstep", {at_home}));
  return to_trunk;
}

}  // namespace larder::delivery
