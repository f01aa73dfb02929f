// The small distributions (normal, gamma through Wilson-Hilferty) and the ring buffer.
#include <doctest/doctest.h>

#include <cmath>
#include <random>

#include "forecast/ring.h"
#include "forecast/stats.h"

using namespace larder::forecast;

TEST_CASE("the normal distribution and its quantile are inverse to each other") {
  CHECK(normal_cdf(0) == doctest::Approx(0.5));
  CHECK(normal_cdf(1.6448536269514722) == doctest::Approx(0.95).epsilon(1e-9));
  for (double p : {1e-6, 0.01, 0.05, 0.3, 0.5, 0.77, 0.95, 0.999}) {
    CAPTURE(p);
    CHECK(normal_cdf(normal_quantile(p)) == doctest::Approx(p).epsilon(1e-8));
  }
  CHECK(std::isfinite(normal_quantile(0)));  // clamped, not infinite
  CHECK(std::isfinite(normal_quantile(1)));
}

TEST_CASE("the gamma tail matches sampling within a percent") {
  std::mt19937 rng(7);
  for (double shape : {2.0, 5.0, 30.0}) {
    CAPTURE(shape);
    double scale = 3.0, mean = shape * scale, var = shape * scale * scale;
    std::gamma_distribution<double> g(shape, scale);
    const int n = 200000;
    double x95 = gamma_quantile_z(mean, var, 1.6448536269514722);
    double x05 = gamma_quantile_z(mean, var, -1.6448536269514722);
    int above95 = 0, below05 = 0;
    for (int i = 0; i < n; ++i) {
      double x = g(rng);
      above95 += x > x95;
      below05 += x < x05;
    }
    CHECK(above95 / double(n) == doctest::Approx(0.05).epsilon(0.15));
    CHECK(below05 / double(n) == doctest::Approx(0.05).epsilon(0.15));
    CHECK(gamma_tail(mean, var, x95) == doctest::Approx(0.05).epsilon(1e-6));
  }
}

TEST_CASE("the gamma's edge cases are plain") {
  CHECK(gamma_tail(0, 1, 5) == 0);       // nothing is used
  CHECK(gamma_tail(0, 1, 0) == 1);
  CHECK(gamma_tail(10, 0, 9) == 1);      // exactly 10
  CHECK(gamma_tail(10, 0, 11) == 0);
  CHECK(gamma_tail(10, 4, -1) == 1);
  CHECK(gamma_quantile_z(10, 0, 3) == 10);
  CHECK(gamma_quantile_z(0, 5, 3) == 0);
  CHECK(gamma_quantile_z(1, 100, -3) == 0);  // never negative
  // the median lies below the mean (skewed right) and the tail falls with the supply
  CHECK(gamma_quantile_z(10, 20, 0) < 10);
  CHECK(gamma_tail(10, 20, 15) > gamma_tail(10, 20, 20));
}

TEST_CASE("a ring keeps the newest values, oldest first, and never grows") {
  Ring<int, 3> r;
  CHECK(r.empty());
  for (int i = 1; i <= 5; ++i) r.push(i);
  CHECK(r.size() == 3);
  CHECK(r.full());
  CHECK(r[0] == 3);
  CHECK(r[2] == 5);
  CHECK(r.back() == 5);
  CHECK(r.pop_front() == 3);
  CHECK(r.size() == 2);
  r.push(6);
  CHECK(r[0] == 4);
  CHECK(r[2] == 6);
  r.clear();
  CHECK(r.empty());
  static_assert(sizeof(Ring<double, 64>) <= 64 * sizeof(double) + 2 * sizeof(std::size_t));
}
