// The accepted level of a scale: lifts, spikes, objects and noise never reach it; a
// refill is a lasting rise, confirmed once, with the time it began.
#include <doctest/doctest.h>

#include <cmath>
#include <random>
#include <vector>

#include "forecast/level_filter.h"

using namespace larder::forecast;

namespace {

constexpr double kT0 = 1767225600;  // a Thursday, 00:00 UTC
constexpr double kStep = 300;

struct Run {
  std::vector<LevelStep> steps;
  double min_level = 1e9, max_level = -1e9;
  int confirmed = 0;
  LevelStep last_confirm;
};

// Feeds `n` readings from `value(i)` (net values) and collects what came out.
template <typename F>
Run feed(LevelFilter& f, int n, F value, int first = 0) {
  Run r;
  for (int i = first; i < first + n; ++i) {
    LevelStep s = f.push(kT0 + i * kStep, value(i));
    if (s.accepted) {
      r.min_level = std::min(r.min_level, s.level);
      r.max_level = std::max(r.max_level, s.level);
    }
    if (s.rise_confirmed) {
      ++r.confirmed;
      r.last_confirm = s;
    }
    r.steps.push_back(s);
  }
  return r;
}

}  // namespace

TEST_CASE("a steady level with noise is accepted as its mean, within a fraction of the noise") {
  LevelFilter f(500, 350);
  std::mt19937 rng(1);
  std::normal_distribution<double> noise(0, 1.0);
  Run r = feed(f, 300, [&](int) { return 200 + noise(rng); });
  CHECK(f.has_level());
  CHECK(f.level() == doctest::Approx(200).epsilon(0.002));
  CHECK(f.noise() == doctest::Approx(1.0).epsilon(0.3));  // learned from the differences
  CHECK(r.confirmed == 0);
}

TEST_CASE("lifts (the jar off the scale: net about -tare) are dropped") {
  LevelFilter f(500, 350);
  Run r = feed(f, 200, [](int i) { return i % 7 == 3 ? -350.0 + 0.5 : 300.0; });
  CHECK(r.min_level == doctest::Approx(300));
  CHECK(r.max_level == doctest::Approx(300));
  CHECK(f.last_lift_ts() == kT0 + 199 * kStep);  // 199 = 7 * 28 + 3
  int lifts = 0;
  for (const auto& s : r.steps) lifts += s.lift;
  CHECK(lifts == 29);
}

TEST_CASE("single-reading spikes of 0.3 to 1.5 packs, up or down, never move the level") {
  LevelFilter f(500, 350);
  const double spikes[] = {150, -150, 750, -600, 400, -320};
  Run r = feed(f, 400, [&](int i) { return i % 61 == 30 ? 250 + spikes[(i / 61) % 6] : 250.0; });
  CHECK(r.min_level == doctest::Approx(250));
  CHECK(r.max_level == doctest::Approx(250));
  CHECK(r.confirmed == 0);
}

TEST_CASE("an object set on the scale for up to an hour is held and then forgotten") {
  for (int minutes : {2, 15, 45, 60}) {
    CAPTURE(minutes);
    LevelFilter f(500, 350);
    int start = 50, len = minutes * 60 / 300 + 1;
    Run r = feed(f, 200, [&](int i) { return i >= start && i < start + len ? 120 + 550.0 : 120.0; });
    CHECK(r.confirmed == 0);
    CHECK(r.max_level == doctest::Approx(120));
    CHECK_FALSE(f.rise_pending());
  }
}

TEST_CASE("two overlapping objects lasting longer together than one can are still objects") {
  LevelFilter f(500, 350);
  // object A (450 g) minutes 0..55, object B (300 g) minutes 40..100 after reading 50
  Run r = feed(f, 200, [](int i) {
    double v = 90;
    int m = (i - 50) * 5;
    if (m >= 0 && m < 55) v += 450;
    if (m >= 40 && m < 100) v += 300;
    return v;
  });
  CHECK(r.confirmed == 0);
  CHECK(r.max_level == doctest::Approx(90));
}

TEST_CASE("a refill is confirmed once, after the hold, with the time the rise began") {
  LevelFilter f(500, 350);
  std::mt19937 rng(2);
  std::normal_distribution<double> noise(0, 1.0);
  const int refill_at = 100;
  Run r = feed(f, 200, [&](int i) { return (i >= refill_at ? 520.0 : 20.0) + noise(rng); });
  REQUIRE(r.confirmed == 1);
  CHECK(r.last_confirm.rise_ts == kT0 + refill_at * kStep);
  CHECK(r.last_confirm.rise_amount == doctest::Approx(500).epsilon(0.01));
  CHECK_FALSE(r.last_confirm.rise_after_gap);
  // confirmed no sooner than the hold (75 min) and not much later
  CHECK(r.last_confirm.ts - r.last_confirm.rise_ts >= 75 * 60);
  CHECK(r.last_confirm.ts - r.last_confirm.rise_ts <= 90 * 60);
  CHECK(f.level() == doctest::Approx(520).epsilon(0.01));
}

TEST_CASE("an announced refill is confirmed at once") {
  LevelFilter f(500, 350);
  feed(f, 50, [](int) { return 10.0; });
  f.expect_rise_until(kT0 + 60 * kStep);
  Run r = feed(f, 10, [](int) { return 510.0; }, 50);
  REQUIRE(r.confirmed == 1);
  CHECK(r.last_confirm.rise_amount == doctest::Approx(500));
}

TEST_CASE("a rise across a data gap is marked as such") {
  LevelFilter f(500, 350);
  feed(f, 50, [](int) { return 30.0; });
  // 20 hours without readings, then the container holds a new pack less some use
  Run r = feed(f, 40, [](int) { return 505.0; }, 50 + 240);
  REQUIRE(r.confirmed == 1);
  CHECK(r.last_confirm.rise_after_gap);
  // the last accepted point before the gap: the median of readings 48, 49 and the first
  // after the gap, at reading 49
  CHECK(r.last_confirm.gap_from == kT0 + 49 * kStep);
  CHECK(r.last_confirm.level_before == doctest::Approx(30));
}

TEST_CASE("uses are drops: accepted, reported as drops, never held") {
  LevelFilter f(500, 350);
  double level = 400;
  double dropped = 0;
  for (int i = 0; i < 300; ++i) {
    if (i % 40 == 20) level -= 8;
    LevelStep s = f.push(kT0 + i * kStep, level);
    dropped += s.drop;
  }
  CHECK(f.level() == doctest::Approx(level));
  CHECK(dropped == doctest::Approx(8 * 7));
}

TEST_CASE("save and load give the same filter") {
  LevelFilter a(500, 350);
  feed(a, 60, [](int i) { return i > 55 ? 700.0 : 100.0; });  // a rise pending at the end
  REQUIRE(a.rise_pending());
  LevelFilter b(500, 350);
  REQUIRE(b.load(a.save()).ok());
  CHECK(b.save() == a.save());
  for (int i = 60; i < 100; ++i) {
    LevelStep x = a.push(kT0 + i * kStep, 700), y = b.push(kT0 + i * kStep, 700);
    CHECK(x.accepted == y.accepted);
    CHECK(x.level == y.level);
    CHECK(x.rise_confirmed == y.rise_confirmed);
  }
  LevelFilter c(500, 350);
  auto bad = a.save();
  bad["n"] = -3;
  CHECK_FALSE(c.load(bad).ok());
  bad = a.save();
  bad.erase("m");
  CHECK_FALSE(c.load(bad).ok());
  CHECK_FALSE(c.has_level());  // nothing changed
}

TEST_CASE("two bad readings in a row (a spike next to a lift) pass for neither a use nor a refill") {
  LevelFilter f(500, 350);
  // net 474; then a spike 0.66 pack down, then a lift whose reading carries a spike up
  Run r = feed(f, 100, [](int i) {
    if (i == 50) return 474.0 - 330;
    if (i == 51) return -350.0 + 337;
    return 474.0;
  });
  CHECK(r.confirmed == 0);
  CHECK(r.min_level == doctest::Approx(474));
  CHECK(r.max_level == doctest::Approx(474));
  double dropped = 0;
  for (const auto& s : r.steps) dropped += s.drop;
  CHECK(dropped == 0);
}

TEST_CASE("a large drop that lasts is accepted after the drop hold") {
  LevelFilter f(500, 350);
  Run r = feed(f, 100, [](int i) { return i < 50 ? 450.0 : 150.0; });
  CHECK(f.level() == doctest::Approx(150));
  int held = 0;
  for (int i = 50; i < 60; ++i) held += !r.steps[i].accepted;
  CHECK(held >= 2);  // 10 minutes of 5-minute readings
  CHECK(r.confirmed == 0);
}

TEST_CASE("onto a well-filled container a rise needs a longer hold: objects back to back") {
  LevelFilter f(500, 350);
  // 500 g in the jar; two objects of about the same weight, one after the other: two
  // hours of a steady rise that is not a refill
  Run r = feed(f, 120, [](int i) { return i >= 40 && i < 64 ? 500.0 + 515 : 500.0; });
  CHECK(r.confirmed == 0);
  CHECK(r.max_level == doctest::Approx(500));
  // a real top-up onto a full container is still confirmed, after three hours
  LevelFilter g(500, 350);
  Run t = feed(g, 120, [](int i) { return i >= 40 ? 400.0 + 500 : 400.0; });
  REQUIRE(t.confirmed == 1);
  CHECK(t.last_confirm.ts - t.last_confirm.rise_ts >= 180 * 60);
}
