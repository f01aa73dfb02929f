// The consumption model against what households really do, found by driving it with
// awkward but valid input (larderctl replay): a pack poured in two parts, a `refilled`
// pressed twice, a bag left on the jar, a refill inside a data gap, a noisy sensor near
// empty, a long supply whose interval must still end, and a counter whose learning must
// not depend on how often it is asked.
#include <doctest/doctest.h>

#include <cmath>
#include <optional>
#include <random>

#include "forecast/consumable_model.h"
#include "support/test_consumables.h"

using namespace larder;
using larder::test::coffee_jar;
using larder::test::detergent_bottle;
using larder::test::pods_box;

namespace {

constexpr double kDay = 86400;
constexpr double kT0 = 1767571200;  // 2026-01-05 00:00 UTC, a Monday

// A container on a scale or level sensor read every 5 minutes, used in three portions a
// day; `extra` is set on the scale on top of the container (an object), `off` skips
// readings (a data gap).
struct Household {
  explicit Household(const ConsumableConfig& c, double level, double noise_sd = 1)
      : m(c), level(level), sd(noise_sd) {}
  ConsumableModel m;
  double t = kT0, level, per_day = 24, extra = 0, sd;
  bool off = false;
  std::mt19937 rng{7};
  std::vector<ModelEvent> events;

  void minutes(double n) {
    std::normal_distribution<double> noise(0, sd);
    double until = t + n * 60;
    for (; t < until; t += 300) {
      int minute = static_cast<int>(std::fmod(t - kT0, kDay) / 60);
      if (minute == 7 * 60 || minute == 12 * 60 || minute == 19 * 60) {
        level = std::max(0.0, level - per_day / 3);
      }
      if (!off) {
        double v = level + extra + noise(rng);
        Status st = m.level(t, v);
        if (!st.ok() && v > 0) FAIL_CHECK(st.message());  // far below 0: refused, rightly
      }
      m.advance(t);
      for (auto& e : m.take_events()) events.push_back(e);
    }
  }
  void days(double n) { minutes(n * 1440); }
  Forecast now() const { return m.forecast(t); }
  int refills() const {
    int n = 0;
    for (const auto& e : events) n += e.kind == "refill_detected";
    return n;
  }
};

}  // namespace

TEST_CASE("a pack poured in two halves onto a nearly empty jar is one refill") {
  Household h(coffee_jar(), 480);
  REQUIRE(h.m.purchased(h.t, 1).ok());
  h.days(18);  // 480 g at 24 g a day: about 50 g left
  REQUIRE(h.now().status != "unknown");
  REQUIRE(h.now().on_hand == 1);
  h.level += 245;  // half the pack now,
  h.minutes(180);
  CHECK(h.refills() == 0);  // (a quarter pack alone is a correction)
  h.level += 245;  // the rest three hours later
  h.minutes(240);
  REQUIRE(h.refills() == 1);
  CHECK(h.events.back().amount == doctest::Approx(490).epsilon(0.02));
  CHECK(h.now().on_hand == 0);
  // and the supply is the jar, not the jar and a pack that went into it
  CHECK(*h.now().days_left == doctest::Approx(h.level / 24).epsilon(0.15));
}

TEST_CASE("a pack opened with a `refilled` press and poured in parts takes one pack") {
  Household h(coffee_jar(), 480);
  REQUIRE(h.m.purchased(h.t, 2).ok());
  h.days(18);  // about 50 g left
  REQUIRE(h.m.refilled(h.t, std::nullopt).ok());
  REQUIRE(h.now().on_hand == 1);
  h.minutes(5);
  h.level += 245;  // half the pack at once,
  h.minutes(240);
  h.level += 245;  // the rest 4 hours later, past the 6 hours that match a press
  h.minutes(480);
  CHECK(h.refills() == 0);
  CHECK(h.now().on_hand == 1);
}

TEST_CASE("a small lasting rise onto a well-filled jar stays a correction") {
  Household h(coffee_jar(), 480);
  REQUIRE(h.m.purchased(h.t, 1).ok());
  h.days(4);
  h.level += 150;  // twice, onto 380 g: not a pack opened, whatever it is
  h.minutes(240);
  h.level += 150;
  h.minutes(240);
  CHECK(h.refills() == 0);
  CHECK(h.now().on_hand == 1);
}

TEST_CASE("`refilled` pressed twice in a minute opens one pack") {
  SUBCASE("a counter") {
    ConsumableModel m(pods_box());
    double t = kT0;
    REQUIRE(m.purchased(t, 2).ok());
    REQUIRE(m.refilled(t, std::nullopt).ok());
    for (int d = 0; d < 10; ++d) REQUIRE(m.used(t += kDay / 3, 1).ok());
    REQUIRE(m.forecast(t).on_hand == 1);
    REQUIRE(m.refilled(t + 60, std::nullopt).ok());
    REQUIRE(m.refilled(t + 68, std::nullopt).ok());  // the button bounced, or said twice
    CHECK(m.forecast(t + 68).on_hand == 0);
    CHECK(*m.forecast(t + 68).level == doctest::Approx(40));
    // a use in between makes the next one a refill of its own
    ConsumableModel n(pods_box());
    REQUIRE(n.purchased(t, 2).ok());
    REQUIRE(n.refilled(t, std::nullopt).ok());
    REQUIRE(n.used(t + 30, 1).ok());
    REQUIRE(n.refilled(t + 60, std::nullopt).ok());
    CHECK(n.forecast(t + 60).on_hand == 0);
  }
  SUBCASE("a level sensor, before the pack is poured") {
    Household h(detergent_bottle(), 100, 5);
    h.per_day = 50;
    REQUIRE(h.m.purchased(h.t, 2).ok());
    h.days(1);
    REQUIRE(h.m.refilled(h.t, std::nullopt).ok());
    REQUIRE(h.m.refilled(h.t + 8, std::nullopt).ok());
    CHECK(h.now().on_hand == 1);
    h.level += 1500;
    h.minutes(60);
    CHECK(h.now().on_hand == 1);
    CHECK(h.refills() == 0);  // announced
  }
}

TEST_CASE("a bag left on the jar for hours is no refill, and taking it off is no use") {
  Household h(coffee_jar(), 480);
  REQUIRE(h.m.purchased(h.t, 1).ok());
  h.days(7);
  REQUIRE(h.now().rate_per_day);
  double rate = *h.now().rate_per_day;
  h.extra = 1000;  // a kilo of sugar set on the jar (310 g): above what the jar holds
  h.minutes(600);
  h.extra = 0;
  h.days(2);
  CHECK(h.refills() == 0);
  CHECK(h.now().on_hand == 1);
  CHECK(*h.now().rate_per_day == doctest::Approx(rate).epsilon(0.2));
  CHECK(*h.now().level == doctest::Approx(h.level).epsilon(0.02));
}

TEST_CASE("a refill of less than a pack inside a data gap is not booked as a pack") {
  Household h(coffee_jar(), 480);
  h.days(7);  // about 310 g left, the rate known
  REQUIRE(h.now().rate_per_day);
  double rate = *h.now().rate_per_day;
  h.off = true;
  h.minutes(360);
  h.level += 300;  // 300 g poured during a 12-hour gap
  h.minutes(360);
  h.off = false;
  h.days(3);
  REQUIRE(h.refills() == 1);
  CHECK(h.events.back().amount == doctest::Approx(300).epsilon(0.05));  // not 500
  CHECK(*h.now().rate_per_day == doctest::Approx(rate).epsilon(0.25));
}

TEST_CASE("a noisy level sensor near empty is not empty with several uses left") {
  Household h(detergent_bottle(), 1400, 60);  // 60 ml of noise, uses of about 60 ml
  h.per_day = 180;
  h.days(7);  // about 140 ml left
  REQUIRE(h.level > 100);
  CHECK(h.now().status != "empty");
  h.days(1);  // none left
  CHECK(h.now().status == "empty");
}

TEST_CASE("a supply of months still has the late end of its 90% interval") {
  ConsumableModel m(pods_box());
  double t = kT0;
  REQUIRE(m.purchased(t, 6).ok());
  REQUIRE(m.refilled(t, std::nullopt).ok());
  for (int i = 0; i < 28; ++i) {  // two pods a day for two weeks
    REQUIRE(m.used(t += kDay / 2, 1).ok());
    m.advance(t);
  }
  Forecast f = m.forecast(t);
  REQUIRE(f.empty_at);
  CHECK(*f.days_left > 100);  // 5 packs and 12 pods at 2 a day: about 106 days
  REQUIRE(f.empty_at_low);
  REQUIRE(f.empty_at_high);
  CHECK(*f.empty_at_low < *f.empty_at);
  CHECK(*f.empty_at < *f.empty_at_high);
  CHECK((*f.empty_at_high - t) / kDay < 3 * *f.days_left);
}

TEST_CASE("a counter learns the same whether it is asked hourly or never") {
  // The hub ticks the model; replay ticks it only at its input lines. What the rate
  // learns must not depend on the ticks: an empty box's time is closed at the refill.
  auto run = [](bool ticks) {
    ModelSettings replay;
    replay.bridge_outages = false;
    ConsumableModel m(pods_box(), replay);
    double t = kT0;
    REQUIRE(m.purchased(t, 9).ok());
    REQUIRE(m.refilled(t, std::nullopt).ok());
    for (int d = 0; d < 60; ++d) {
      for (int k = 0; k < 3; ++k) {
        double u = t + d * kDay + (7 + 6 * k) * 3600;
        REQUIRE(m.used(u, 1).ok());
      }
      if (d % 16 == 15) REQUIRE(m.refilled(t + d * kDay + 23 * 3600, std::nullopt).ok());
      if (ticks) {
        for (int hr = 0; hr < 24; ++hr) m.advance(t + d * kDay + hr * 3600 + 1800);
      }
    }
    auto rate = m.forecast(t + 60 * kDay).rate_per_day;
    REQUIRE(rate);
    return *rate;
  };
  CHECK(run(true) == doctest::Approx(run(false)).epsilon(1e-9));
}
