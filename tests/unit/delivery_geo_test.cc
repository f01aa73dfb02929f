// Distances, places with an accuracy circle, and the coarse position a carrier sees.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <numbers>
#include <vector>

#include "delivery/geo.h"

using namespace larder::delivery;

namespace {
constexpr double kR = 6371008.8;
constexpr double kMetresPerDegree = kR * std::numbers::pi / 180;  // on the sphere: 111195.08

double rad(double deg) { return deg * std::numbers::pi / 180; }

// An independent formula for checking: the spherical law of cosines (fine at long range).
double law_of_cosines(GeoPoint a, GeoPoint b) {
  return kR * std::acos(std::sin(rad(a.lat)) * std::sin(rad(b.lat)) +
                        std::cos(rad(a.lat)) * std::cos(rad(b.lat)) * std::cos(rad(b.lon - a.lon)));
}
// Another one for short range: a flat map at the mean latitude.
double flat(GeoPoint a, GeoPoint b) {
  const double dy = (b.lat - a.lat) * kMetresPerDegree;
  const double dx = (b.lon - a.lon) * kMetresPerDegree * std::cos(rad((a.lat + b.lat) / 2));
  return std::hypot(dx, dy);
}

// A point `north` and `east` metres from p (flat approximation, fine for some hundred metres).
GeoPoint offset(GeoPoint p, double north, double east) {
  return {p.lat + north / kMetresPerDegree,
          p.lon + east / (kMetresPerDegree * std::cos(rad(p.lat)))};
}

const GeoPoint kMarienplatz{48.137154, 11.576124};
const GeoPoint kFrauenkirche{48.138631, 11.573477};
}  // namespace

TEST_CASE("distances on the sphere of the mean Earth radius") {
  CHECK(distance_m({0, 0}, {1, 0}) == doctest::Approx(kMetresPerDegree).epsilon(1e-9));
  CHECK(distance_m({0, 0}, {0, 1}) == doctest::Approx(kMetresPerDegree).epsilon(1e-9));
  CHECK(distance_m({0, 0}, {90, 0}) == doctest::Approx(kR * std::numbers::pi / 2).epsilon(1e-9));
  CHECK(distance_m({0, 0}, {0, 180}) == doctest::Approx(kR * std::numbers::pi).epsilon(1e-9));
  // Haversine is ill-conditioned at the antipodes: centimetres of rounding there.
  CHECK(distance_m({10, 20}, {-10, -160}) == doctest::Approx(kR * std::numbers::pi).epsilon(1e-7));
  CHECK(distance_m(kMarienplatz, kMarienplatz) == 0);
  // Munich Marienplatz to the Frauenkirche: about 256 m (the two formulas agree within 0.1%).
  const double d = distance_m(kMarienplatz, kFrauenkirche);
  CHECK(d == doctest::Approx(256).epsilon(0.01));
  CHECK(d == doctest::Approx(flat(kMarienplatz, kFrauenkirche)).epsilon(0.001));
  CHECK(distance_m(kFrauenkirche, kMarienplatz) == doctest::Approx(d));
  // Munich to Berlin, about 504 km.
  const GeoPoint berlin{52.520008, 13.404954};
  CHECK(distance_m(kMarienplatz, berlin) ==
        doctest::Approx(law_of_cosines(kMarienplatz, berlin)).epsilon(1e-6));
  CHECK(distance_m(kMarienplatz, berlin) == doctest::Approx(504e3).epsilon(0.01));
  // Across the date line: two points 0.2 degrees of longitude apart at the equator.
  CHECK(distance_m({0, 179.9}, {0, -179.9}) == doctest::Approx(0.2 * kMetresPerDegree));
}

TEST_CASE("invalid points have no distance and are inside nothing") {
  CHECK(valid({48, 11}));
  CHECK(valid({-90, 180}));
  CHECK_FALSE(valid({90.01, 0}));
  CHECK_FALSE(valid({0, -180.01}));
  CHECK_FALSE(valid({std::nan(""), 0}));
  CHECK_FALSE(valid({0, HUGE_VAL}));
  CHECK(std::isnan(distance_m({91, 0}, {0, 0})));
  CHECK(std::isnan(distance_m({0, 0}, {0, std::nan("")})));
  const Place home{"home", kMarienplatz, 200};
  CHECK_FALSE(inside(home, {std::nan(""), 11.576124}));
  CHECK_FALSE(inside(home, kMarienplatz, std::nan("")));
  CHECK_FALSE(inside(home, kMarienplatz, HUGE_VAL));
  const Place broken{"broken", {100, 0}, 200};
  CHECK_FALSE(inside(broken, {100, 0}));
}

TEST_CASE("inside is conservative: the whole accuracy circle must lie inside the place") {
  const Place home{"home", kMarienplatz, 200};
  CHECK(inside(home, kMarienplatz));
  CHECK(inside(home, kMarienplatz, 200));            // exactly the radius: still inside
  CHECK_FALSE(inside(home, kMarienplatz, 201));
  const GeoPoint p150 = offset(kMarienplatz, 150, 0);
  REQUIRE(distance_m(kMarienplatz, p150) == doctest::Approx(150).epsilon(1e-3));
  CHECK(inside(home, p150));
  CHECK(inside(home, p150, 49));
  CHECK_FALSE(inside(home, p150, 51));
  CHECK(inside(home, p150, -30));                    // a negative accuracy counts as 0
  CHECK_FALSE(inside(home, offset(kMarienplatz, 0, 201)));
  CHECK(inside(home, offset(kMarienplatz, 0, 199)));
  CHECK_FALSE(inside(home, kFrauenkirche));          // 256 m away
  CHECK(inside(Place{"square", kMarienplatz, 300}, kFrauenkirche, 40));
  CHECK_FALSE(inside(Place{"square", kMarienplatz, 300}, kFrauenkirche, 50));
}

TEST_CASE("place_of: the first place that surely holds the point, in the given order") {
  const GeoPoint centre = kMarienplatz;
  const std::vector<Place> places = {
      {"home", centre, 200},
      {"street", offset(centre, 0, 150), 300},  // overlaps home
      {"work", offset(centre, 3000, 0), 200},
  };
  REQUIRE(place_of(places, centre, 10) != nullptr);
  CHECK(place_of(places, centre, 10)->name == "home");
  // Inside both home and street: the first one named wins.
  CHECK(place_of(places, offset(centre, 0, 100), 20)->name == "home");
  // Too inaccurate for home (100 + 150 > 200) but inside street (50 + 150 <= 300).
  CHECK(place_of(places, offset(centre, 0, 100), 150)->name == "street");
  CHECK(place_of(places, offset(centre, 2950, 0), 10)->name == "work");
  CHECK(place_of(places, offset(centre, 1500, 0), 10) == nullptr);
  CHECK(place_of(places, centre, 1000) == nullptr);   // nothing is sure
  CHECK(place_of({}, centre, 0) == nullptr);
  // The pointer is into the vector given.
  CHECK(place_of(places, centre, 0) == &places[0]);
}

TEST_CASE("coarse: a grid of about 100 m, every point moved by at most half a cell per axis") {
  double worst_north = 0, worst_east = 0, worst = 0;
  for (int i = 0; i < 400; ++i) {
    // A spiral of points around Munich, and some far north and south.
    const double lat = (i % 4 == 3 ? -60 : i % 4 == 2 ? 65 : 48.137) + 0.0007 * (i % 37);
    const GeoPoint p{lat, 11.576 + 0.00093 * (i % 41)};
    const GeoPoint c = coarse(p);
    REQUIRE(valid(c));
    worst_north = std::max(worst_north, std::abs(c.lat - p.lat) * kMetresPerDegree);
    worst_east = std::max(worst_east, std::abs(c.lon - p.lon) * kMetresPerDegree *
                                          std::cos(rad(p.lat)));
    worst = std::max(worst, distance_m(p, c));
    // The grid point is a fixed point: coarse twice is coarse once.
    CHECK(coarse(c).lat == doctest::Approx(c.lat).epsilon(1e-12));
    CHECK(coarse(c).lon == doctest::Approx(c.lon).epsilon(1e-12));
  }
  // Half a cell of 111320 m per degree is 50.0 m, and 49.9 m on the sphere.
  CHECK(worst_north <= 50.0);
  CHECK(worst_east <= 50.1);
  CHECK(worst < 71);
  CHECK(worst > 30);  // it does move points: the position is not given away

  // Nearby points in one cell map to the same point; a cell away maps elsewhere.
  const double step = 100.0 / 111320;
  const GeoPoint cell{std::round(48.137 / step) * step, 0};  // a grid latitude
  const double lon_step = step / std::cos(rad(cell.lat));
  const GeoPoint a{cell.lat + 0.3 * step, (std::round(11.576 / lon_step) + 0.2) * lon_step};
  const GeoPoint b{cell.lat - 0.4 * step, (std::round(11.576 / lon_step) - 0.3) * lon_step};
  CHECK(distance_m(a, b) > 60);
  CHECK(coarse(a).lat == coarse(b).lat);
  CHECK(coarse(a).lon == coarse(b).lon);
  const GeoPoint far{a.lat + step, a.lon};
  CHECK(coarse(far).lat != coarse(a).lat);

  // A coarser grid, and bad cell sizes fall back to 100 m.
  CHECK(distance_m(kMarienplatz, coarse(kMarienplatz, 1000)) < 710);
  CHECK(coarse(kMarienplatz, 0).lat == coarse(kMarienplatz).lat);
  CHECK(coarse(kMarienplatz, -5).lon == coarse(kMarienplatz).lon);
  CHECK(coarse(kMarienplatz, std::nan("")).lat == coarse(kMarienplatz).lat);
}

TEST_CASE("coarse at the edges: the date line, the poles, invalid points") {
  const GeoPoint east = coarse({10, 179.9999});
  CHECK(east.lon <= 180);
  CHECK(east.lon >= -180);
  CHECK(distance_m({10, 179.9999}, east) < 71);
  const GeoPoint pole = coarse({89.99999, 42});
  CHECK(valid(pole));
  CHECK(distance_m({89.99999, 42}, pole) < 71);
  const GeoPoint bad{std::nan(""), 3};
  CHECK(std::isnan(coarse(bad).lat));
  CHECK(coarse(bad).lon == 3);
}
