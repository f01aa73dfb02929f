// The delivery-time distribution: a prior around the configured lead time, replaced by
// what deliveries teach, the tail included.
#include <doctest/doctest.h>

#include <random>

#include "forecast/delivery_model.h"

using namespace larder::forecast;

TEST_CASE("with no delivery seen, the prior: mean the lead time, spread about half of it") {
  DeliveryModel d(3);
  CHECK(d.count() == 0);
  CHECK(d.size() == DeliveryModel::kPriorPoints);
  CHECK(d.mean() == doctest::Approx(3).epsilon(0.1));
  CHECK(d.max() > 5);
  CHECK(d.max() < 9);
  double w = 0;
  for (int i = 0; i < d.size(); ++i) w += d.points()[i].weight;
  CHECK(w == doctest::Approx(1));
}

TEST_CASE("deliveries teach the distribution, its heavy tail included: the last 30 count") {
  DeliveryModel d(2);  // configured too short
  std::mt19937 rng(3);
  std::gamma_distribution<double> g(4, 0.5);
  std::uniform_real_distribution<double> u(0, 1);
  for (int i = 0; i < 100; ++i) d.observe(1 + g(rng) + (i % 10 == 7 ? 3 : 0));
  CHECK(d.count() == 30);
  CHECK(d.mean() == doctest::Approx(3.3).epsilon(0.15));
  CHECK(d.max() > 5.5);  // late ones are among the last 30
  double w = 0, tail = 0;
  for (int i = 0; i < d.size(); ++i) {
    w += d.points()[i].weight;
    if (d.points()[i].days > 5) tail += d.points()[i].weight;
  }
  CHECK(w == doctest::Approx(1));
  CHECK(tail > 0.06);
}

TEST_CASE("implausible delivery times are not learned: save and load round-trip") {
  DeliveryModel d(3);
  CHECK_FALSE(d.observe(-1));
  CHECK_FALSE(d.observe(0));
  CHECK_FALSE(d.observe(400));
  CHECK_FALSE(d.observe(std::nan("")));
  CHECK(d.observe(2.5));
  CHECK(d.count() == 1);
  DeliveryModel e(3);
  REQUIRE(e.load(d.save()).ok());
  CHECK(e.count() == 1);
  CHECK(e.mean() == doctest::Approx(d.mean()));
  auto bad = d.save();
  bad["seen"].push_back(-2);
  DeliveryModel f(3);
  CHECK_FALSE(f.load(bad).ok());
  CHECK(f.count() == 0);
}
