#include "delivery/geo.h"

#include <algorithm>
#include <cmath>
#include <numbers>

namespace larder::delivery {

namespace {

constexpr double kEarthRadiusM = 6371008.8;  // mean radius (IUGG)
constexpr double kMetresPerDegreeLat = 111320;

double radians(double deg) { return deg * std::numbers::pi / 180; }

}  // namespace

bool valid(GeoPoint p) {
  return std::isfinite(p.lat) && std::isfinite(p.lon) && std::abs(p.lat) <= 90 &&
         std::abs(p.lon) <= 180;
}

double distance_m(GeoPoint a, GeoPoint b) {
  if (!valid(a) || !valid(b)) return std::nan("");
  const double dlat = radians(b.lat - a.lat);
  const double dlon = radians(b.lon - a.lon);
  const double s = std::sin(dlat / 2);
  const double t = std::sin(dlon / 2);
  const double h = s * s + std::cos(radians(a.lat)) * std::cos(radians(b.lat)) * t * t;
  // Rounding can push h a hair above 1 for antipodal points; asin would give NaN.
  return 2 * kEarthRadiusM * std::asin(std::sqrt(std::min(1.0, h)));
}

bool inside(const Place& place, GeoPoint p, double accuracy_m) {
  if (!std::isfinite(accuracy_m) || !std::isfinite(place.radius_m)) return false;
  const double d = distance_m(place.at, p);
  // NaN (an invalid point) compares false: never inside.
  return d + std::max(0.0, accuracy_m) <= place.radius_m;
}

const Place* place_of(const std::vector<Place>& places, GeoPoint p, double accuracy_m) {
  for (const Place& place : places) {
    if (inside(place, p, accuracy_m)) return &place;
  }
  return nullptr;
}

GeoPoint coarse(GeoPoint p, double cell_m) {
  if (!valid(p)) return p;
  if (!std::isfinite(cell_m) || cell_m <= 0) cell_m = 100;
  const double step_lat = cell_m / kMetresPerDegreeLat;
  GeoPoint out;
  out.lat = std::clamp(std::round(p.lat / step_lat) * step_lat, -90.0, 90.0);
  // The cosine of the rounded latitude, so that every point of a cell uses the same step.
  const double c = std::cos(radians(out.lat));
  if (c < 1e-9) return out;  // at a pole every longitude is the same point
  const double step_lon = step_lat / c;
  double lon = std::round(p.lon / step_lon) * step_lon;
  if (lon > 180) lon -= 360;
  if (lon < -180) lon += 360;
  out.lon = lon;
  return out;
}

}  // namespace larder::delivery
