// The `delivery:` section (docs/delivery.md): trunk or doorstep, where trunk delivery is
// allowed, the package limits, and the rules of trunk access. Every key is optional; with
// no `places` there is no trunk delivery at all. Read after `vehicles` (it names one) and
// `orders` (whose older `delivery_method` it supersedes).
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "core/config_checks.h"
#include "core/config_sections.h"

namespace larder::config {
namespace {

void read_place(Section& s, TrunkPlaceConfig& out) {
  if (auto v = s.number("lat", Need::required, Range{-90.0, 90.0, false, false})) out.lat = *v;
  if (auto v = s.number("lon", Need::required, Range{-180.0, 180.0, false, false})) out.lon = *v;
  if (auto v = s.number("radius_m", Need::optional, Range{20.0, 5000.0, false, false})) {
    out.radius_m = *v;
  }
}

// max_dims_cm: three sizes in centimetres, each (0, 500], in any order.
void read_dims(Section& s, std::array<double, 3>& out) {
  auto sizes = s.number_list("max_dims_cm", Need::optional, Range{0.0, 500.0, true, false});
  if (!sizes) return;
  if (sizes->size() != 3) {
    s.error("max_dims_cm", "must be three sizes in cm, like [66, 53, 40]");
    return;
  }
  for (std::size_t i = 0; i < 3; ++i) out[i] = (*sizes)[i];
}

void read_limits(Section& s, DeliveryLimitsConfig& out) {
  if (auto v = s.number("max_weight_kg", Need::optional, Range{0.0, 1000.0, true, false})) {
    out.max_weight_kg = *v;
  }
  read_dims(s, out.max_dims_cm);
  if (auto v = s.number("max_value", Need::optional, Range::positive())) out.max_value = *v;
}

// The hub's address for carriers: an http(s) URL (check_http_url refuses a query or a
// fragment); a trailing '/' is dropped.
std::string check_carrier_url(std::string_view v) {
  std::string bad = check_http_url(v);
  if (!bad.empty()) return bad;
  return check_max_length(v, 512);
}

}  // namespace

void read_delivery(Section& s, DeliveryConfig& out, const std::vector<VehicleConfig>& vehicles,
                   const OrdersSettings& orders) {
  auto prefer = s.string("prefer", Need::optional, [](std::string_view v) {
    return check_one_of(v, {"auto", "trunk", "doorstep"});
  });
  if (prefer) {
    out.prefer = *prefer == "trunk"      ? DeliveryPrefer::trunk
                 : *prefer == "doorstep" ? DeliveryPrefer::doorstep
                                         : DeliveryPrefer::automatic;
  } else if (orders.delivery_method_set) {
    out.prefer = orders.delivery_method == "trunk" ? DeliveryPrefer::trunk
                                                   : DeliveryPrefer::doorstep;
  }
  auto vehicle = s.string("vehicle", Need::optional, [&](std::string_view v) -> std::string {
    for (const auto& c : vehicles) {
      if (c.id == v) return "";
    }
    return "must name a vehicle of the `vehicles` section";
  });
  s.section("places", Need::optional, [&](Section& ps) {
    read_named(ps, "place", [&](const std::string& name, Section& p) {
      TrunkPlaceConfig place;
      place.name = name;
      read_place(p, place);
      out.places.push_back(std::move(place));
    });
  });
  s.section("limits", Need::optional, [&](Section& l) { read_limits(l, out.limits); });
  if (auto v = s.number("min_probability", Need::optional, Range{0.5, 1.0, false, false})) {
    out.min_probability = *v;
  }
  if (auto v = s.number("lock_timeout_s", Need::optional, Range{10.0, 3600.0, false, false})) {
    out.lock_timeout_s = *v;
  }
  if (auto v = s.whole("max_wrong_codes", Need::optional, 1, 20)) out.max_wrong_codes = *v;
  if (auto v = s.string("carrier_url", Need::optional, check_carrier_url)) {
    out.carrier_url = *v;
    while (!out.carrier_url.empty() && out.carrier_url.back() == '/') out.carrier_url.pop_back();
  }

  if (vehicle) {
    out.vehicle = *vehicle;
  } else if (vehicles.size() == 1) {
    out.vehicle = vehicles.front().id;
  } else if (!out.places.empty() && vehicles.size() > 1) {
    s.error("vehicle", "must say which vehicle takes trunk deliveries: there are " +
                           std::to_string(vehicles.size()) + " in `vehicles`");
  }
  if (!out.places.empty() && vehicles.empty()) {
    s.error("places", "trunk delivery needs a car: add it to the `vehicles` section");
  }
  if (out.prefer == DeliveryPrefer::trunk && out.places.empty() && s.has("prefer")) {
    s.error("prefer", "is trunk, but no `places` allow trunk delivery");
  }
}

}  // namespace larder::config
