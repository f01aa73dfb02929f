// Use ahead: the expected use follows the weekly rhythm and the intraday profile; the
// interval widens with the horizon and covers what a simulated household does.
#include <doctest/doctest.h>

#include <cmath>
#include <random>

#include "forecast/use_projection.h"
#include "larder/time_zone.h"

using namespace larder::forecast;

namespace {
constexpr double kDay = 86400;
constexpr double kMonday = 1767571200;  // 2026-01-05 00:00 UTC, a Monday
constexpr double kZ90 = 1.6448536269514722;

UseModel flat(double base, double use_var) {
  UseModel m;
  m.base = base;
  m.factor.fill(1);
  m.profile.fill(1.0 / 24);
  m.use_var = use_var;
  m.base_var = 0;
  return m;
}
}  // namespace

TEST_CASE("expected use: base per day, weekly factors, intraday profile") {
  DailyUse cal(0);
  UseModel m = flat(24, 100);
  m.factor = {0.9, 0.9, 0.9, 0.9, 0.9, 1.25, 1.25};
  m.profile.fill(0);
  m.profile[7] = 0.5;
  m.profile[19] = 0.5;
  UseProjection p;
  p.build(m, cal, kMonday);
  CHECK(p.mean(kMonday, kMonday + kDay) == doctest::Approx(24 * 0.9));
  CHECK(p.mean(kMonday, kMonday + 7 * kDay) == doctest::Approx(24 * 7));
  CHECK(p.mean(kMonday + 5 * kDay, kMonday + 6 * kDay) == doctest::Approx(30));
  // nothing is used at night, half the day's use by 08:00
  CHECK(p.mean(kMonday, kMonday + 6 * 3600) == doctest::Approx(0));
  CHECK(p.mean(kMonday, kMonday + 8 * 3600) == doctest::Approx(24 * 0.9 / 2));
  // beyond the 70-day calendar: the average day
  CHECK(p.mean(kMonday, kMonday + 140 * kDay) == doctest::Approx(24 * 140).epsilon(0.001));
}

TEST_CASE("day-to-day noise grows with the expected use, not with its square") {
  DailyUse cal(0);
  UseModel m = flat(24, 100);
  m.factor = {0.8, 0.8, 0.8, 0.8, 0.8, 1.5, 1.5};
  UseProjection p;
  p.build(m, cal, kMonday);
  const double sat = kMonday + 5 * kDay;
  // a Saturday's use is 1.875 Mondays', and so is its variance
  CHECK(p.var(kMonday, kMonday + kDay) == doctest::Approx(100 * 0.8));
  CHECK(p.var(sat, sat + kDay) == doctest::Approx(100 * 1.5));
  CHECK(p.var(kMonday, kMonday + 7 * kDay) == doctest::Approx(700));
  // half a day of the profile's use is half a day's variance
  CHECK(p.var(kMonday, kMonday + kDay / 2) == doctest::Approx(40));
}

TEST_CASE("the empty time: the median lands where the expected use meets the supply") {
  DailyUse cal(0);
  UseProjection p;
  p.build(flat(10, 1e-9), cal, kMonday);  // no noise: exact
  auto t = p.reach(kMonday, 100, 0);
  REQUIRE(t);
  CHECK((*t - kMonday) / kDay == doctest::Approx(10).epsilon(0.001));
  CHECK(p.reach(kMonday, 0, 0) == kMonday);
  UseModel none = flat(0, 0);
  p.build(none, cal, kMonday);
  CHECK_FALSE(p.reach(kMonday, 100, 0));  // nothing is used: never
}

TEST_CASE("the interval widens with the horizon, in days too") {
  DailyUse cal(0);
  UseModel m = flat(24, 199);
  m.base_var = 199.0 / 59;
  m.drift = 0.003;
  UseProjection p;
  p.build(m, cal, kMonday);
  double last_width = 0;
  for (double supply : {24.0, 72.0, 168.0, 336.0, 480.0}) {
    auto lo = p.reach(kMonday, supply, kZ90), mid = p.reach(kMonday, supply, 0),
         hi = p.reach(kMonday, supply, -kZ90);
    REQUIRE(lo);
    REQUIRE(hi);
    CHECK(*lo < *mid);
    CHECK(*mid < *hi);
    double width = (*hi - *lo) / kDay;
    CHECK(width > last_width);
    last_width = width;
  }
}

TEST_CASE("the 90% interval covers about 90% of a simulated household's empty times") {
  // Poisson(3) uses a day of N(8, 1.5), uniform in the day; the projection is told the
  // true rate and day-to-day variance (what the rate model learns).
  std::mt19937 rng(11);
  DailyUse cal(0);
  UseModel m = flat(24, 3 * (64 + 2.25));
  UseProjection p;
  p.build(m, cal, kMonday);
  int covered = 0, n = 0, early = 0;
  for (double supply : {50.0, 120.0, 250.0, 400.0}) {
    for (int k = 0; k < 500; ++k) {
      double used = 0, t = kMonday;
      std::exponential_distribution<double> gap(3.0 / kDay);
      std::normal_distribution<double> size(8, 1.5);
      while (used < supply) {
        t += gap(rng);
        used += std::max(0.5, size(rng));
      }
      auto lo = p.reach(kMonday, supply, kZ90), hi = p.reach(kMonday, supply, -kZ90),
           mid = p.reach(kMonday, supply, 0);
      covered += t >= *lo && t <= *hi;
      early += t < *mid;
      ++n;
    }
  }
  CHECK(covered / double(n) == doctest::Approx(0.9).epsilon(0.04));
  CHECK(early / double(n) == doctest::Approx(0.5).epsilon(0.12));
}

TEST_CASE("the stockout tail: P(use by t >= supply) grows with t and falls with supply") {
  DailyUse cal(0);
  UseProjection p;
  p.build(flat(24, 199), cal, kMonday);
  CHECK(p.tail(kMonday, kMonday + 3 * kDay, 200) < p.tail(kMonday, kMonday + 6 * kDay, 200));
  CHECK(p.tail(kMonday, kMonday + 6 * kDay, 200) > p.tail(kMonday, kMonday + 6 * kDay, 250));
  CHECK(p.tail(kMonday, kMonday + 10 * kDay, 240) == doctest::Approx(0.5).epsilon(0.15));
  CHECK(p.tail(kMonday, kMonday + kDay, 0) == 1);
  // an uncertain supply makes running out likelier early, less likely late
  double sure = p.tail(kMonday, kMonday + 2 * kDay, 100);
  p.set_supply_var(400);
  CHECK(p.tail(kMonday, kMonday + 2 * kDay, 100) > sure);
}

TEST_CASE("after a change of summer time the use comes at its local hour, on its local day") {
  // An audit (2026-12-05): the projection counted every day after the anchor as 24 h, so
  // a forecast made before Europe/Berlin's change to summer time (2026-03-29) put the use
  // an hour late and a run-out at 23:20 on the next day.
  auto berlin = larder::TimeZone::load("Europe/Berlin");
  REQUIRE(berlin.ok());
  DailyUse cal(*berlin);
  UseModel m = flat(10, 4);
  m.profile.fill(0);
  m.profile[23] = 1;  // all of a day's use between 23:00 and 24:00 local
  const double anchor = 1774350000;  // 2026-03-24 12:00 +01:00
  UseProjection p;
  p.build(m, cal, anchor);
  const double mar30 = 1774821600;  // 2026-03-30 00:00 +02:00 (summer time)
  // Nothing by 23:00 local on the 30th, that day's use by its midnight: six days in all.
  CHECK(p.mean(anchor, mar30 + 23 * 3600) == doctest::Approx(60));
  CHECK(p.mean(anchor, mar30 + 24 * 3600) == doctest::Approx(70));
  // 65 is reached halfway through 23:00 - 24:00 local on the 30th, not after midnight.
  auto empty = p.reach(anchor, 65, 0);
  REQUIRE(empty);
  CHECK(*empty == doctest::Approx(mar30 + 23.5 * 3600).epsilon(1e-6));
  // The day of the change has 23 hours: its use still comes in its last local hour.
  const double mar29 = 1774738800;  // 2026-03-29 00:00 +01:00
  CHECK(p.mean(anchor, mar29 + 22 * 3600) == doctest::Approx(50));  // 23:00 CEST
  CHECK(p.mean(anchor, mar30) == doctest::Approx(60));
  // And after the change back (2026-10-25, 25 hours) in a projection anchored before it.
  p.build(m, cal, 1792663200);       // 2026-10-22 12:00 +02:00
  const double oct26 = 1792969200;   // 2026-10-26 00:00 +01:00
  CHECK(p.mean(1792663200, oct26 + 23 * 3600) == doctest::Approx(40));
  CHECK(p.mean(1792663200, oct26 + 24 * 3600) == doctest::Approx(50));
}
