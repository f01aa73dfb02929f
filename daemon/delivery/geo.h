// Points on the Earth, distances between them, and the places (home, work) where trunk
// delivery is allowed: a centre and a radius.
//
// A position report carries an accuracy (the radius of its 68% circle, in metres); the
// tests here are conservative: a point is inside a place only if its whole accuracy circle
// is. Distances use the haversine formula on a sphere of the mean Earth radius, which is
// within about 0.5% of the ellipsoid: plenty for radii of some hundred metres.
// A coordinate that is not finite, or a latitude beyond +-90, is never inside anything.
// Thread rule: plain values and pure functions.
#pragma once

#include <string>
#include <vector>

namespace larder::delivery {

struct GeoPoint {
  double lat = 0;  // degrees, -90 to 90
  double lon = 0;  // degrees, -180 to 180
};

// Finite, latitude within [-90, 90] and longitude within [-180, 180].
bool valid(GeoPoint p);

// Great-circle distance in metres (haversine, mean Earth radius 6371008.8 m). NaN when a
// point is not valid.
double distance_m(GeoPoint a, GeoPoint b);

struct Place {
  std::string name;
  GeoPoint at;
  double radius_m = 200;
};

// True when the whole accuracy circle around p lies inside the place:
// distance + accuracy_m <= radius_m. A negative accuracy counts as 0; a non-finite one or
// an invalid point is never inside.
bool inside(const Place& place, GeoPoint p, double accuracy_m = 0);

// The first place (in the given order) that holds p by inside(), or nullptr.
const Place* place_of(const std::vector<Place>& places, GeoPoint p, double accuracy_m);

// p rounded to the nearest point of a grid about cell_m x cell_m metres, for showing a
// carrier where the car is without giving its exact position (http.md: "rounded to about
// 100 m"). The latitude is rounded to multiples of cell_m / 111320 degrees; the longitude to
// multiples of that divided by the cosine of the rounded latitude (so that a cell is about
// as wide as it is high), then wrapped into [-180, 180]. Each coordinate moves by at most
// about half a cell (50 m for the default, so under 71 m in all), and points in one cell map
// to the same point. An invalid point is returned unchanged; a cell_m that is not a positive
// finite number counts as 100.
GeoPoint coarse(GeoPoint p, double cell_m = 100);

}  // namespace larder::delivery
