// Use ahead: the expected use follows the weekly rhythm and the intraday profile; the
// interval widens with the horizon and covers what a simulated household does.
#include <doctest/doctest.h>

#include <cmath>
#include <random>

#include "forecast/use_projection.h"

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
