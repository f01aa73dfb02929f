// The consumption model's contract: inputs, bad input refused with nothing changed,
// status, counters (outages bridged), an announced refill on a level sensor, save/load,
// bounded memory (speed is measured by bench_replay).
#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <optional>
#include <random>
#include <vector>

#include <nlohmann/json.hpp>

#include "forecast/consumable_model.h"
#include "support/test_consumables.h"

using namespace larder;

namespace {

constexpr double kDay = 86400;
constexpr double kT0 = 1767571200;  // 2026-01-05 00:00 UTC, a Monday

// A scale read every 5 minutes; `grams_per_day` used in three even portions.
struct Scale {
  ConsumableModel m{test::coffee_jar()};
  double t = kT0, jar = 480, per_day = 24;
  std::mt19937 rng{1};

  void days(double n) {
    std::normal_distribution<double> noise(0, 1);
    double until = t + n * kDay;
    for (; t < until; t += 300) {
      int minute = static_cast<int>(std::fmod(t - kT0, kDay) / 60);
      if (minute == 7 * 60 || minute == 12 * 60 || minute == 19 * 60) {
        jar = std::max(0.0, jar - per_day / 3);
      }
      if (Status st = m.level(t, jar + noise(rng)); !st.ok()) FAIL_CHECK(st.message());
      m.advance(t);
    }
  }
};

}  // namespace

TEST_CASE("status: unknown until three days of use, then ok, low, ordered, empty") {
  Scale s;
  CHECK(s.m.forecast(s.t).status == "unknown");
  CHECK_FALSE(s.m.forecast(s.t).level);
  s.days(1);
  Forecast f = s.m.forecast(s.t);
  CHECK(f.status == "unknown");
  REQUIRE(f.level);
  CHECK(*f.level == doctest::Approx(s.jar).epsilon(0.01));
  CHECK_FALSE(f.empty_at);
  s.days(4);
  f = s.m.forecast(s.t);
  CHECK(f.status == "ok");
  REQUIRE(f.rate_per_day);
  CHECK(*f.rate_per_day == doctest::Approx(24).epsilon(0.05));
  REQUIRE(f.empty_at);
  CHECK(*f.days_left == doctest::Approx(s.jar / 24).epsilon(0.1));
  CHECK(*f.empty_at_low < *f.empty_at);
  CHECK(*f.empty_at < *f.empty_at_high);
  s.days(10);
  f = s.m.forecast(s.t);
  CHECK(f.status == "low");  // about 8 days left, no pack on hand
  CHECK(f.reorder);
  auto events = s.m.take_events();
  REQUIRE(events.size() == 1);
  CHECK(events[0].kind == "low_stock");
  s.m.order_placed(s.t);
  CHECK(s.m.forecast(s.t).status == "ordered");
  s.days(10);
  CHECK(s.m.forecast(s.t).status == "empty");
  CHECK(s.m.forecast(s.t).days_left == doctest::Approx(0));
}

TEST_CASE("a delivery or a purchase that ends the risk shows at once: not low until a tick") {
  for (bool delivered : {true, false}) {
    CAPTURE(delivered);
    Scale s;
    s.days(15);
    REQUIRE(s.m.forecast(s.t).status == "low");
    s.m.order_placed(s.t);
    REQUIRE(s.m.forecast(s.t).status == "ordered");
    if (delivered) {
      s.m.order_delivered(s.t, 2, 2.5);
    } else {
      s.m.order_cancelled(s.t, /*by_user=*/false);
      REQUIRE(s.m.purchased(s.t, 2).ok());
    }
    Forecast f = s.m.forecast(s.t);  // no advance() between
    CHECK(f.on_hand == 2);
    CHECK(f.status == "ok");
    CHECK_FALSE(f.reorder);
  }
}

TEST_CASE("a scale that reads the same for days: use_stopped is told once an episode") {
  Scale s;
  s.days(10);  // a week learned: three days without coffee are then unusual
  (void)s.m.take_events();
  auto stopped = [&] {
    std::vector<ModelEvent> out;
    for (ModelEvent& e : s.m.take_events()) {
      if (e.kind == "use_stopped") out.push_back(e);
    }
    return out;
  };
  // The scale goes on reporting, but the level no longer moves (stuck, or nobody home).
  s.per_day = 0;
  s.days(2);
  CHECK(stopped().empty());  // two days without coffee: chance allows it
  s.days(4);
  auto told = stopped();
  REQUIRE(told.size() == 1);  // once, not every day of it
  CHECK(told[0].amount >= 3);
  CHECK(std::fmod(told[0].ts - kT0, kDay) == 0);  // dated at the end of the day it became one
  CHECK(told[0].ts <= s.t);
  // Use comes back, then stops again: a new episode, told again.
  s.per_day = 24;
  s.days(3);
  CHECK(stopped().empty());
  s.per_day = 0;
  s.days(6);
  CHECK(stopped().size() == 1);
}

TEST_CASE("use_stopped: the days before a declared trip and after it are not one run") {
  Scale s;
  s.days(10);
  (void)s.m.take_events();
  s.per_day = 0;
  s.days(2);  // packing: no coffee
  s.m.set_away(s.t, s.t + 2 * kDay);
  s.days(2);
  s.days(2);  // back, and still no coffee for two days: four quiet days, not one run
  for (const ModelEvent& e : s.m.take_events()) CHECK(e.kind != "use_stopped");
  s.days(2);  // now three days after the return: told
  int told = 0;
  for (const ModelEvent& e : s.m.take_events()) told += e.kind == "use_stopped";
  CHECK(told == 1);
}

TEST_CASE("use_stopped: a scale back after a silent week tells the whole run once") {
  Scale s;
  s.days(10);
  (void)s.m.take_events();
  // Ten days without a reading, nothing used (the scale was off, the jar untouched).
  for (const double until = s.t + 10 * kDay; s.t < until; s.t += 3600) s.m.advance(s.t);
  s.per_day = 0;
  s.days(1);
  std::vector<ModelEvent> told;
  for (ModelEvent& e : s.m.take_events()) {
    if (e.kind == "use_stopped") told.push_back(e);
  }
  REQUIRE(told.size() == 1);
  CHECK(told[0].amount >= 10);
}

TEST_CASE("use_stopped: a run goes on across a save and a load, also of an older state") {
  Scale s;
  s.days(10);
  s.per_day = 0;
  s.days(2);
  (void)s.m.take_events();
  nlohmann::json saved = s.m.save();
  Scale again = s;  // the same readings ahead
  REQUIRE(again.m.load(saved).ok());
  Scale older = s;
  saved.erase("quiet_days");  // saved before the count existed
  REQUIRE(older.m.load(saved).ok());
  for (Scale* x : {&s, &again, &older}) {
    x->days(2);
    int told = 0;
    for (const ModelEvent& e : x->m.take_events()) told += e.kind == "use_stopped";
    CHECK(told == 1);
  }
}

TEST_CASE("use_stopped waits for the rate: a new scale left alone says nothing") {
  Scale s;
  s.per_day = 0;
  s.days(30);  // longer than any notice (14 days while under a week is learned)
  for (const ModelEvent& e : s.m.take_events()) CHECK(e.kind != "use_stopped");
}

TEST_CASE("run out before any use was learned: empty now, and one order, not into an empty house") {
  // A counter: two pods poured in and both used within a minute. No rate can be known
  // yet, but nothing is left and nothing is on hand: the need is certain.
  ConsumableModel m(test::pods_box());
  REQUIRE(m.refilled(kT0, 2.0).ok());
  Forecast f = m.forecast(kT0 + 30);
  CHECK(f.status == "unknown");
  CHECK_FALSE(f.empty_at);
  CHECK_FALSE(f.reorder);
  REQUIRE(m.used(kT0 + 60, 2).ok());
  m.advance(kT0 + 5 * kDay);
  f = m.forecast(kT0 + 5 * kDay);
  CHECK(f.status == "empty");
  CHECK_FALSE(f.rate_per_day);
  REQUIRE(f.empty_at);
  CHECK(*f.empty_at == kT0 + 5 * kDay);
  CHECK(*f.empty_at_low == *f.empty_at);
  CHECK(*f.empty_at_high == *f.empty_at);
  CHECK(*f.days_left == 0);
  CHECK(f.reorder);
  auto events = m.take_events();
  REQUIRE(events.size() == 1);
  CHECK(events[0].kind == "low_stock");
  m.advance(kT0 + 6 * kDay);
  CHECK(m.take_events().empty());  // decided once

  // A pack on hand is no run-out: the household opens it.
  ConsumableModel shelf(test::pods_box());
  REQUIRE(shelf.refilled(kT0, 2.0).ok());
  REQUIRE(shelf.purchased(kT0 + 10, 1).ok());
  REQUIRE(shelf.used(kT0 + 60, 2).ok());
  shelf.advance(kT0 + kDay);
  CHECK_FALSE(shelf.forecast(kT0 + kDay).reorder);
  CHECK(shelf.take_events().empty());

  // Away: nothing is ordered into the empty house; the order comes with the return.
  ConsumableModel away(test::pods_box());
  away.set_away(kT0, kT0 + 10 * kDay);
  REQUIRE(away.refilled(kT0 + 10, 2.0).ok());
  REQUIRE(away.used(kT0 + 60, 2).ok());
  away.advance(kT0 + 5 * kDay);
  CHECK_FALSE(away.forecast(kT0 + 5 * kDay).reorder);
  away.advance(kT0 + 10 * kDay + 900);
  CHECK(away.forecast(kT0 + 10 * kDay + 900).reorder);

  // A scale whose jar stands empty on it: a settled empty level orders; a lift (the jar
  // off for a minute, reading below the tare) does not.
  ConsumableModel jar(test::coffee_jar());
  double t = kT0;
  for (; t < kT0 + 3600; t += 300) REQUIRE(jar.level(t, 120).ok());
  REQUIRE(jar.level(t, -350).ok());  // lifted
  jar.advance(t + 60);
  CHECK_FALSE(jar.forecast(t + 60).reorder);
  for (t += 300; t < kT0 + 3 * 3600; t += 300) REQUIRE(jar.level(t, 0.5).ok());
  jar.advance(t);
  Forecast e = jar.forecast(t);
  CHECK(e.status == "empty");
  CHECK(e.reorder);

  // A scale set up under an empty jar never saw it hold anything: nothing ran out, and
  // nothing is ordered (the household is still filling it, or not using it yet).
  ConsumableModel fresh(test::coffee_jar());
  for (t = kT0; t < kT0 + 6 * 3600; t += 300) REQUIRE(fresh.level(t, 0.5).ok());
  fresh.advance(t);
  CHECK(fresh.forecast(t).status == "empty");
  CHECK_FALSE(fresh.forecast(t).reorder);
  CHECK(fresh.take_events().empty());
}

TEST_CASE("the supply counts the packs on hand: empty_at moves by a pack's days") {
  Scale s;
  s.days(8);
  Forecast a = s.m.forecast(s.t);
  REQUIRE(s.m.purchased(s.t, 1).ok());
  Forecast b = s.m.forecast(s.t);
  CHECK(b.on_hand == 1);
  CHECK((*b.empty_at - *a.empty_at) / kDay == doctest::Approx(500.0 / 24).epsilon(0.05));
  s.m.order_delivered(s.t, 2, 2.5);
  CHECK(s.m.forecast(s.t).on_hand == 3);
}

TEST_CASE("bad input is refused and changes nothing") {
  Scale s;
  s.days(6);
  const auto before = s.m.save();
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  CHECK_FALSE(s.m.level(s.t, nan).ok());
  CHECK_FALSE(s.m.level(nan, 100).ok());
  CHECK_FALSE(s.m.level(s.t, inf).ok());
  CHECK_FALSE(s.m.level(s.t, -500).ok());          // below an empty scale (-tare - 5%)
  CHECK_FALSE(s.m.level(s.t, 2100).ok());          // far above the capacity
  CHECK_FALSE(s.m.level(s.t - 600, 100).ok());     // older than the last reading
  CHECK_FALSE(s.m.used(s.t, -1).ok());
  CHECK_FALSE(s.m.used(s.t, 0).ok());
  CHECK_FALSE(s.m.used(s.t, nan).ok());
  CHECK_FALSE(s.m.used(s.t, 1e6).ok());
  CHECK_FALSE(s.m.used(s.t, 1060).ok());           // one use above the capacity (1000) + 5%
  CHECK_FALSE(s.m.refilled(s.t, 1060.0).ok());     // and one refill
  CHECK_FALSE(s.m.refilled(s.t, -5.0).ok());
  CHECK_FALSE(s.m.refilled(s.t, inf).ok());
  CHECK_FALSE(s.m.refilled(nan, std::nullopt).ok());
  CHECK_FALSE(s.m.purchased(s.t, 0).ok());
  CHECK_FALSE(s.m.purchased(s.t, -2).ok());
  CHECK_FALSE(s.m.purchased(nan, 1).ok());
  Status st = s.m.level(s.t - 600, 100);
  CHECK(st.message().find("older") != std::string::npos);
  CHECK(s.m.refilled(s.t, 1060.0).message() ==
        "refill amount 1060 is more than the container holds (1000)");
  CHECK(s.m.save() == before);
  REQUIRE(s.m.used(s.t, 8).ok());  // (a scale sees every use: only its time is kept)
  st = s.m.used(s.t - 86400, 8);   // the time in full, not 1.76757e+09
  CHECK(st.message() == "use at " + std::to_string(static_cast<long long>(s.t - 86400)) +
                            " is older than the last one");
  // a lift reading (net about -tare) is not bad input
  CHECK(s.m.level(s.t + 1, -349).ok());
}

TEST_CASE("counters: the rate from uses, the level from refills: an outage is bridged") {
  ConsumableModel m(test::pods_box());
  double t = kT0;
  REQUIRE(m.refilled(t, std::nullopt).ok());
  CHECK(*m.forecast(t).level == 40);
  auto tick_hours = [&](int hours, bool use) {  // the hub ticks every 5 minutes
    for (int i = 0; i < hours * 12; ++i) {
      t += 300;
      int minute = static_cast<int>(std::fmod(t - kT0, kDay) / 60);
      if (use && (minute == 8 * 60 || minute == 20 * 60) && !m.used(t, 1).ok()) FAIL_CHECK("use");
      if (m.forecast(t).level.value_or(0) < 2 && !m.refilled(t, std::nullopt).ok()) {
        FAIL_CHECK("refill");
      }
      m.advance(t);
    }
  };
  tick_hours(24 * 10, true);
  Forecast f = m.forecast(t);
  CHECK(*f.rate_per_day == doctest::Approx(2).epsilon(0.05));
  double level = *f.level;
  // the hub is down for 30 hours: no ticks, uses lost; when it is back, the expected
  // use over the outage (about 2.5 pods) is taken from the level
  t += 30 * 3600;
  m.advance(t);
  f = m.forecast(t);
  CHECK(*f.level == doctest::Approx(level - 2.5).epsilon(0.03));
  CHECK(*f.rate_per_day == doctest::Approx(2).epsilon(0.1));
  // a use from inside the outage, delivered late, was counted already
  double l2 = *f.level;
  REQUIRE(m.used(t - 10 * 3600, 1).ok());
  CHECK(*m.forecast(t).level == doctest::Approx(l2));
}

TEST_CASE("a counter's level stands until level readings confirm one; uses go on counting") {
  ConsumableModel m(test::pods_box());
  double t = kT0;
  REQUIRE(m.refilled(t, std::nullopt).ok());
  REQUIRE(m.used(t += 60, 5).ok());
  CHECK(m.forecast(t).level == 35);
  // One reading (a correction typed in, a stray message) once left the level unknown and
  // every later use ignored.
  REQUIRE(m.level(t += 60, 35).ok());
  CHECK(m.forecast(t).level == 35);
  REQUIRE(m.used(t += 60, 2).ok());
  CHECK(m.forecast(t).level == 33);
  // Corrections far apart never add up to a sensor: the count goes on.
  REQUIRE(m.level(t += 86400, 33).ok());
  REQUIRE(m.level(t += 86400, 33).ok());
  CHECK(m.forecast(t).level == 33);
  REQUIRE(m.used(t += 60, 1).ok());
  CHECK(m.forecast(t).level == 32);
  // A sensor that keeps reporting takes over once its readings agree.
  for (int i = 0; i < 3; ++i) REQUIRE(m.level(t += 300, 30).ok());
  CHECK(m.forecast(t).level == 30);
  REQUIRE(m.used(t += 60, 2).ok());  // the sensor sees the use: not counted twice
  CHECK(m.forecast(t).level == 30);
}

TEST_CASE("a level sensor: an announced refill is confirmed at once and takes one pack") {
  ConsumableModel m(test::detergent_bottle());
  double t = kT0;
  REQUIRE(m.purchased(t, 2).ok());
  for (int i = 0; i < 100; ++i, t += 300) (void)m.level(t, 100);
  REQUIRE(m.refilled(t, std::nullopt).ok());
  CHECK(m.forecast(t).on_hand == 1);
  for (int i = 0; i < 5; ++i, t += 300) (void)m.level(t, 1600);
  CHECK(*m.forecast(t).level == doctest::Approx(1600));
  CHECK(m.forecast(t).on_hand == 1);
  CHECK(m.take_events().empty());  // announced: no refill_detected
  // an unannounced one is found after the hold, reported, and takes a pack
  for (int i = 0; i < 100; ++i, t += 300) (void)m.level(t, i < 50 ? 200 : 1700);
  auto events = m.take_events();
  REQUIRE(events.size() == 1);
  CHECK(events[0].kind == "refill_detected");
  CHECK(events[0].amount == doctest::Approx(1500));
  CHECK(m.forecast(t).on_hand == 0);
  // and the `refilled` message that names it afterwards takes nothing more
  REQUIRE(m.refilled(t, std::nullopt).ok());
  CHECK(m.forecast(t).on_hand == 0);
}

TEST_CASE("a refill announced before it is poured: no order while its rise is awaited") {
  // A `refilled` message (a button) takes the pack from on_hand at once; the scale sees
  // it poured minutes later. Meanwhile the pack is still there: the supply must not
  // look like the near-empty jar alone, or the policy would order on a refill in progress.
  Scale s;
  s.jar = 130;
  REQUIRE(s.m.purchased(s.t, 1).ok());
  s.days(5);  // 130 g, 24 g a day: 10 g left, and the pack on hand
  REQUIRE(s.m.forecast(s.t).status == "ok");  // the rate is known
  REQUIRE_FALSE(s.m.forecast(s.t).reorder);
  REQUIRE(s.m.refilled(s.t, std::nullopt).ok());
  CHECK(s.m.forecast(s.t).on_hand == 0);
  for (int i = 0; i < 6; ++i, s.t += 300) {  // half an hour before it is poured
    REQUIRE(s.m.level(s.t, s.jar).ok());
    s.m.advance(s.t);
    CHECK_FALSE(s.m.forecast(s.t).reorder);
  }
  CHECK(s.m.forecast(s.t).status == "ok");
  s.jar += 500;
  s.days(1);
  CHECK_FALSE(s.m.forecast(s.t).reorder);
  CHECK(*s.m.forecast(s.t).level == doctest::Approx(s.jar).epsilon(0.02));
  CHECK(s.m.forecast(s.t).on_hand == 0);  // the one pack, taken once
}

TEST_CASE("intermittent use on a level sensor: washes of 60 ml, 0.6 a day, weekends x2") {
  ConsumableModel m(test::detergent_bottle());
  std::mt19937 rng(3);
  std::normal_distribution<double> noise(0, 15);
  double t = kT0, level = 1500, recent = 0;  // what the last 60 days really used
  for (int d = 0; d < 120; ++d) {
    int dow = d % 7;
    int washes = std::poisson_distribution<int>(dow >= 5 ? 1.2 : 0.6)(rng);
    if (d >= 60) recent += 60.0 * washes / 60;
    for (int i = 0; i < 288; ++i, t += 300) {
      if (i == 120 && washes > 0) level -= 60.0 * washes;
      if (level < 100) level += 1500;
      if (!m.level(t, level + noise(rng)).ok()) FAIL_CHECK("reading");
      m.advance(t);
    }
  }
  Forecast f = m.forecast(t);
  REQUIRE(f.rate_per_day);
  // the household's mean is 60 * 0.6 * 9/7 = 46 ml a day, but this sample used more
  CHECK(recent > 55);
  CHECK(*f.rate_per_day == doctest::Approx(recent).epsilon(0.2));
}

TEST_CASE("save and load: the same forecast, and the same future") {
  Scale a;
  a.days(20);
  REQUIRE(a.m.purchased(a.t, 1).ok());
  auto saved = a.m.save();
  ConsumableModel b(test::coffee_jar());
  REQUIRE(b.load(saved).ok());
  Forecast fa = a.m.forecast(a.t), fb = b.forecast(a.t);
  CHECK(fa.level == fb.level);
  CHECK(fa.on_hand == fb.on_hand);
  CHECK(fa.rate_per_day == fb.rate_per_day);
  CHECK(fa.empty_at == fb.empty_at);
  CHECK(fa.empty_at_low == fb.empty_at_low);
  CHECK(fa.empty_at_high == fb.empty_at_high);
  CHECK(fa.status == fb.status);
  CHECK(fa.reorder == fb.reorder);
  // the same readings afterwards give the same answers
  for (int i = 0; i < 600; ++i) {
    double t = a.t + i * 300;
    double v = 200 - i * 0.05;
    if (!a.m.level(t, v).ok() || !b.level(t, v).ok()) FAIL_CHECK("reading");
  }
  CHECK(a.m.save() == b.save());
  // something it cannot read is refused and changes nothing
  ConsumableModel c(test::coffee_jar());
  auto before = c.save();
  auto bad = saved;
  bad["rate"]["base"] = "fast";
  CHECK_FALSE(c.load(bad).ok());
  bad = saved;
  bad["format"] = 99;
  CHECK_FALSE(c.load(bad).ok());
  CHECK_FALSE(c.load(nlohmann::json::array()).ok());
  // a count or a day that no integer holds (a cast would be undefined), or a fraction
  for (const auto& [part, key] : std::vector<std::pair<std::string, std::string>>{
           {"rate", "learned"}, {"rate", "changes"}, {"rate", "run"}, {"policy", "user_cancels"},
           {"level", "n"}, {"level", "n2"}, {"daily", "day"}}) {
    for (const double v : {1e300, -1e300, 2.5}) {
      CAPTURE(part);
      CAPTURE(key);
      CAPTURE(v);
      bad = saved;
      REQUIRE(bad[part].contains(key));
      bad[part][key] = v;
      const auto st = c.load(bad);
      CHECK_FALSE(st.ok());
      CHECK(st.message().find(key) != std::string::npos);
    }
  }
  CHECK(c.save() == before);
}

TEST_CASE("memory is bounded: the saved state after two years is about that after two months") {
  Scale s;
  s.per_day = 24;
  auto size_at = [&](double days) {
    while ((s.t - kT0) / kDay < days) {
      s.days(1);
      if (s.jar < 30) {
        REQUIRE(s.m.purchased(s.t, 1).ok());
        s.jar += 500;
      }
    }
    (void)s.m.take_events();  // as the hub does after every input
    return s.m.save().dump().size();
  };
  // Every part is a fixed set of numbers or a ring with a fixed capacity; the rings fill
  // (the last 30 deliveries, 64 days waiting, 24 days without use, 32 events), then stop.
  std::size_t two_months = size_at(60), two_years = size_at(730), four_years = size_at(1460);
  MESSAGE("saved state: " << two_months << " bytes after 2 months, " << two_years
                          << " after 2 years, " << four_years << " after 4");
  CHECK(two_years < two_months + 1024);
  CHECK(four_years < two_years * 1.05);
  CHECK(four_years < 16 * 1024);
}

TEST_CASE("the plot's curve: the supply ahead with its band, reaching empty near empty_at") {
  Scale s;
  s.days(1);
  CHECK(s.m.curve(s.t).empty());  // too little known: nothing to draw
  CHECK_FALSE(s.m.reorder_point(s.t));
  REQUIRE(s.m.supply_now());
  s.days(4);
  Forecast f = s.m.forecast(s.t);
  REQUIRE(f.empty_at);
  REQUIRE(f.empty_at_high);
  auto c = s.m.curve(s.t, 50);
  REQUIRE(c.size() == 50);
  CHECK(c.front().median == doctest::Approx(*s.m.supply_now()).epsilon(0.01));
  CHECK(c.back().ts >= *f.empty_at_high);
  for (std::size_t i = 0; i < c.size(); ++i) {
    CHECK(c[i].low <= c[i].median);
    CHECK(c[i].median <= c[i].high);
    if (i) {
      CHECK(c[i].ts > c[i - 1].ts);
      CHECK(c[i].median <= c[i - 1].median + 1e-9);  // use only takes
    }
  }
  // The median supply is near empty at empty_at (half a use is left: nothing usable).
  for (std::size_t i = 1; i < c.size(); ++i) {
    if (c[i - 1].ts <= *f.empty_at && *f.empty_at < c[i].ts) {
      CHECK(c[i].median < 0.1 * s.jar);
      CHECK(c[i - 1].median > 0);
    }
  }
}

TEST_CASE("the reorder point: the supply at which the policy orders") {
  Scale s;
  s.days(5);
  auto point = s.m.reorder_point(s.t);
  REQUIRE(point);
  // Above it the model is not worried yet; it orders once the supply falls to it.
  CHECK(*s.m.supply_now() > *point);
  CHECK_FALSE(s.m.forecast(s.t).reorder);
  // A lead time of 3 days at 24 g a day: the point covers the lead time and then some.
  CHECK(*point > 3 * 24);
  CHECK(*point < 480);
  // Hour by hour: the decision comes when the supply has just fallen to the point.
  double before_supply = *s.m.supply_now(), before_point = *point;
  while (!s.m.forecast(s.t).reorder && s.t < kT0 + 30 * kDay) {
    before_supply = *s.m.supply_now();
    before_point = *s.m.reorder_point(s.t);
    s.days(1.0 / 24);
  }
  REQUIRE(s.m.forecast(s.t).reorder);
  CHECK(before_supply > before_point - 2);   // an hour earlier it was above (noise: 1 g)
  CHECK(*s.m.supply_now() <= *s.m.reorder_point(s.t) + 2);
}
