// Use per local day from cumulative use: level points (linear between them, gaps
// bridged), counter events, local days, censored days, the intraday profile.
#include <doctest/doctest.h>

#include <vector>

#include "forecast/daily_use.h"
#include "larder/time_zone.h"

using namespace larder::forecast;

namespace {
constexpr double kDay = 86400;
constexpr double kT0 = 1767225600;  // 2026-01-01 00:00 UTC, a Thursday

std::vector<DayTotal> drain(DailyUse& d) {
  std::vector<DayTotal> out;
  DayTotal t;
  while (d.pop(t)) out.push_back(t);
  return out;
}

// From kT0, `days` days of 3 uses at 07:30 and 1 at 19:30 (UTC).
void two_meals(DailyUse& d, int days) {
  d.close_until(kT0, false);
  for (int day = 0; day < days; ++day) {
    d.event(kT0 + day * kDay + 7.5 * 3600, 3, false);
    d.event(kT0 + day * kDay + 19.5 * 3600, 1, false);
  }
}
}  // namespace

TEST_CASE("local days and days of the week follow the UTC offset") {
  DailyUse utc(0), berlin(1), la(-8);
  CHECK(DailyUse::day_of_week(utc.local_day(kT0)) == 3);  // Thursday
  CHECK(utc.local_day(kT0 - 1) == utc.local_day(kT0) - 1);
  CHECK(berlin.local_day(kT0 - 1800) == utc.local_day(kT0));  // 00:30 in Berlin
  CHECK(la.local_day(kT0 + 3600) == utc.local_day(kT0) - 1);   // 17:00 the day before
  CHECK(berlin.local_hour(kT0) == 1);
  CHECK(berlin.day_start(berlin.local_day(kT0)) == kT0 - 3600);
}

TEST_CASE("level points: each full day gets the use between its midnights, noise cancels") {
  DailyUse d(0);
  // use 24 a day, evenly; cumulative points every 5 minutes with +-2 of noise that does
  // not accumulate (C(t) is a level, not a sum of differences)
  for (int i = 0; i <= 5 * 288; ++i) {
    double t = kT0 + 3600 + i * 300.0;
    double noise = (i % 2 ? 2.0 : -2.0);
    d.point(t, 24 * (t - kT0) / kDay + noise, false);
  }
  auto days = drain(d);
  REQUIRE(days.size() == 4);  // the first, partial day is not reported
  for (const auto& t : days) {
    CHECK(t.use == doctest::Approx(24).epsilon(0.2));
    CHECK_FALSE(t.bridged);
    CHECK_FALSE(t.censored);
  }
  CHECK(days[0].dow == 4);  // Friday
}

TEST_CASE("a data gap spreads its use evenly and marks the days it covers") {
  DailyUse d(0);
  d.point(kT0 + 10 * 3600, 0, false);
  d.point(kT0 + kDay, 10, false);                 // day 0 closes (partial: not reported)
  d.point(kT0 + 3 * kDay, 58, false);             // two days without readings: 24 each
  for (int h = 1; h <= 24; ++h) d.point(kT0 + 3 * kDay + h * 3600, 58 + 22.0 * h / 24, false);
  auto days = drain(d);
  REQUIRE(days.size() == 3);
  CHECK(days[0].use == doctest::Approx(24));
  CHECK(days[0].bridged);
  CHECK(days[1].use == doctest::Approx(24));
  CHECK(days[1].bridged);
  CHECK(days[2].use == doctest::Approx(22));
  CHECK_FALSE(days[2].bridged);
}

TEST_CASE("counter events count in their day: days close as time passes") {
  DailyUse d(0);
  d.close_until(kT0 + 3600, false);
  for (int day = 0; day < 4; ++day) {
    for (double h : {7.0, 12.5, 19.0}) d.event(kT0 + day * kDay + h * 3600, 1, false);
  }
  d.close_until(kT0 + 4 * kDay + 1, false);
  auto days = drain(d);
  REQUIRE(days.size() == 3);
  for (const auto& t : days) CHECK(t.use == doctest::Approx(3));
  // a late event (older than the last) counts in the current day
  d.event(kT0 + 4 * kDay + 3600, 1, false);
  d.event(kT0 + 3 * kDay, 2, false);
  d.close_until(kT0 + 5 * kDay, false);
  days = drain(d);
  REQUIRE(days.size() == 1);
  CHECK(days[0].use == doctest::Approx(3));
}

TEST_CASE("an empty container makes a day censored") {
  DailyUse d(0);
  d.close_until(kT0 + 100, false);
  d.close_until(kT0 + kDay + 6 * 3600, false);
  d.close_until(kT0 + kDay + 12 * 3600, true);  // empty for six hours
  d.close_until(kT0 + 3 * kDay, false);
  auto days = drain(d);
  REQUIRE(days.size() == 2);
  CHECK(days[0].censored);
  CHECK(days[0].empty_share == doctest::Approx(6.0 / 24));  // the flat profile's six hours
  CHECK_FALSE(days[1].censored);
  CHECK(days[1].empty_share == 0);
}

TEST_CASE("a censored day's empty share weighs its empty hours by the intraday profile") {
  DailyUse d(0);
  two_meals(d, 90);  // the morning hour holds about 3/4 of a day
  d.close_until(kT0 + 90 * kDay, false);
  drain(d);
  const double morning = d.profile()[7], evening = d.profile()[19];
  // day 90: empty from 05:00 to 09:00 (over the morning use), then used in the evening
  d.close_until(kT0 + 90 * kDay + 5 * 3600, false);
  d.close_until(kT0 + 90 * kDay + 9 * 3600, true);
  d.event(kT0 + 90 * kDay + 19.5 * 3600, 1, false);
  // day 91: empty from 18:00 until the next morning, 02:00 on day 92
  d.close_until(kT0 + 91 * kDay + 7.5 * 3600, false);
  d.event(kT0 + 91 * kDay + 7.5 * 3600, 3, false);
  d.close_until(kT0 + 91 * kDay + 18 * 3600, false);
  d.close_until(kT0 + 92 * kDay + 2 * 3600, true);
  d.close_until(kT0 + 93 * kDay, false);
  auto days = drain(d);
  REQUIRE(days.size() == 3);
  CHECK(days[0].censored);
  CHECK(days[0].empty_share == doctest::Approx(morning).epsilon(0.02));
  CHECK(days[0].empty_share > 0.7);
  CHECK(days[1].censored);
  CHECK(days[1].empty_share == doctest::Approx(evening).epsilon(0.05));
  CHECK(days[1].empty_share < 0.3);
  CHECK(days[2].censored);  // two hours after midnight
  CHECK(days[2].empty_share < 0.01);
  // an hour and a half empty, across an hour's boundary, counts only that time
  DailyUse e(0);
  e.close_until(kT0, false);
  e.close_until(kT0 + kDay + 10.5 * 3600, false);
  e.close_until(kT0 + kDay + 12 * 3600, true);
  e.close_until(kT0 + 3 * kDay, false);
  days = drain(e);
  REQUIRE(days.size() == 2);
  CHECK(days[0].censored);
  CHECK(days[0].empty_share == doctest::Approx(1.5 / 24));
}

TEST_CASE("the intraday profile learns where in the day the use falls") {
  DailyUse d(0);
  two_meals(d, 90);
  d.close_until(kT0 + 91 * kDay, false);
  const auto& p = d.profile();
  double sum = 0;
  for (double x : p) sum += x;
  CHECK(sum == doctest::Approx(1));
  CHECK(p[7] == doctest::Approx(0.75).epsilon(0.05));
  CHECK(p[19] == doctest::Approx(0.25).epsilon(0.1));
  CHECK(p[3] < 0.01);
}

TEST_CASE("save and load round-trip: a bad saved state changes nothing") {
  DailyUse a(1);
  a.close_until(kT0, false);
  for (int i = 0; i < 50; ++i) a.event(kT0 + i * 7000.0, 2, false);
  DailyUse b(1);
  REQUIRE(b.load(a.save()).ok());
  CHECK(b.save() == a.save());
  auto bad = a.save();
  bad["profile"][0] = 5;  // no longer sums to 1
  DailyUse c(1);
  CHECK_FALSE(c.load(bad).ok());
  CHECK(c.save() == DailyUse(1).save());
  bad = a.save();
  bad["empty_hours"][3] = -1;
  CHECK_FALSE(c.load(bad).ok());
  CHECK(c.save() == DailyUse(1).save());
}

TEST_CASE("a state saved before the empty hours were kept still loads") {
  DailyUse a(0);
  a.close_until(kT0, false);
  a.close_until(kT0 + kDay + 6 * 3600, false);
  a.close_until(kT0 + kDay + 12 * 3600, true);
  a.close_until(kT0 + 3 * kDay, false);
  a.close_until(kT0 + 3 * kDay + 6 * 3600, true);  // the day under way: empty hours
  auto saved = a.save();
  REQUIRE(saved["done"].size() == 2);
  CHECK(saved["done"][0][4] == doctest::Approx(0.25));
  // the older form: the day's empty time as one sum, and days of four fields
  saved.erase("empty_hours");
  saved["empty_s"] = 6 * 3600;
  for (auto& day : saved["done"]) day.erase(4);
  DailyUse b(0);
  REQUIRE(b.load(saved).ok());
  auto days = drain(b);
  REQUIRE(days.size() == 2);
  CHECK(days[0].censored);
  CHECK(days[0].empty_share == 1);  // unknown: counted as wholly empty
  CHECK_FALSE(days[1].censored);
  CHECK(days[1].empty_share == 0);
  // the day under way keeps its six empty hours (placed before its last point, 06:00)
  b.close_until(kT0 + 4 * kDay, false);
  days = drain(b);
  REQUIRE(days.size() == 1);
  CHECK(days[0].censored);
  CHECK(days[0].empty_share == doctest::Approx(0.25));
  saved["done"][0].push_back(1.5);  // a share outside 0..1
  DailyUse c(0);
  CHECK_FALSE(c.load(saved).ok());
}

TEST_CASE("time jumping far ahead keeps the days the ring holds, as if each day was closed") {
  // Found by fuzzing (docs/fuzzing.md): close_until walked a jump of millions of days one
  // day at a time. Whole days without use (or bridged by a gap) are now skipped at once.
  const double far = 1e9 * kDay;  // a billion days
  DailyUse d(0);
  d.close_until(kT0 + 3600, false);
  d.event(kT0 + 7200, 2, false);
  d.close_until(kT0 + far + 3600, false);
  auto days = drain(d);
  REQUIRE(days.size() == 64);  // the ring's capacity: older days are dropped, as before
  CHECK(days.back().day == d.local_day(kT0 + far) - 1);
  for (std::size_t i = 1; i < days.size(); ++i) CHECK(days[i].day == days[i - 1].day + 1);
  for (const auto& t : days) {
    CHECK(t.use == 0);
    CHECK(t.dow == DailyUse::day_of_week(t.day));
  }
  // The day after the jump goes on normally.
  d.event(kT0 + far + 7200, 1, false);
  d.close_until(kT0 + far + kDay + 1, false);
  days = drain(d);
  REQUIRE(days.size() == 1);
  CHECK(days[0].use == doctest::Approx(1));

  // A gap spread over many days: each kept day holds its even share, marked bridged.
  DailyUse g(0);
  g.close_until(kT0, false);
  g.spread(kT0, kT0 + 1000 * kDay, 1000);
  days = drain(g);
  REQUIRE(days.size() == 64);
  CHECK(days.back().day == g.local_day(kT0) + 999);
  for (const auto& t : days) {
    CHECK(t.use == doctest::Approx(1));
    CHECK(t.bridged);
  }
  // A level series restarting far ahead reports none of the days in between.
  DailyUse p(0);
  p.point(kT0, 100, false);
  p.restart();
  p.point(kT0 + far, 50, false);
  CHECK(drain(p).empty());
}

namespace {
// 2026 in Berlin: summer time from 2026-03-29 01:00 UTC to 2026-10-25 01:00 UTC.
constexpr double kSpring = 1774746000;  // 2026-03-29T01:00:00Z
constexpr double kAutumn = 1792890000;  // 2026-10-25T01:00:00Z

larder::TimeZone berlin() {
  auto z = larder::TimeZone::load("Europe/Berlin");
  REQUIRE_MESSAGE(z.ok(), z.status().message());
  return z.value();
}
}  // namespace

TEST_CASE("daylight saving: local days of 23 and 25 hours, no hour of use lost or doubled") {
  for (double change : {kSpring, kAutumn}) {
    CAPTURE(change);
    // Counter events of 1 every hour on the hour, for four days around the change.
    DailyUse counter(berlin());
    // Level points every 5 minutes, one unit of use an hour, over the same days.
    DailyUse level(berlin());
    const double from = change - 2 * kDay, to = change + 2 * kDay;
    counter.close_until(from - 1, false);
    for (double t = from; t <= to; t += 3600) counter.event(t, 1, false);
    counter.close_until(to + kDay, false);
    for (double t = from; t <= to + kDay; t += 300) level.point(t, (t - from) / 3600, false);
    for (DailyUse* d : {&counter, &level}) {
      std::vector<DayTotal> days = drain(*d);
      REQUIRE(days.size() >= 4);
      const std::int64_t change_day = d->local_day(change);
      bool seen = false;
      for (const DayTotal& day : days) {
        if (d->day_start(day.day) < from || d->day_start(day.day + 1) > to) continue;
        // Each local day holds as many hours of use as it has hours.
        double hours = (d->day_start(day.day + 1) - d->day_start(day.day)) / 3600;
        CHECK(day.use == doctest::Approx(hours));
        if (day.day == change_day) {
          seen = true;
          CHECK(hours == (change == kSpring ? 23 : 25));
        } else {
          CHECK(hours == 24);
        }
      }
      CHECK(seen);
    }
  }
}

TEST_CASE("daylight saving: midnights, hours and days of the week stay local") {
  DailyUse d(berlin());
  const std::int64_t day = d.local_day(kSpring);
  CHECK(d.day_start(day) == kSpring - 2 * 3600);   // 00:00 CET = 23:00 UTC the day before
  CHECK(d.day_start(day + 1) == kSpring + 21 * 3600);           // 00:00 CEST = 22:00 UTC
  CHECK(DailyUse::day_of_week(day) == 6);                       // a Sunday
  CHECK(d.local_hour(kSpring - 1) == 1);
  CHECK(d.local_hour(kSpring) == 3);  // 02:00 is skipped
  CHECK(d.local_hour(kAutumn - 1) == 2);
  CHECK(d.local_hour(kAutumn) == 2);  // 02:00 to 03:00 comes twice
  CHECK(d.local_day(d.day_start(day + 1) - 1) == day);
  CHECK(d.local_day(d.day_start(day + 1)) == day + 1);
}

TEST_CASE("daylight saving: the empty share of a day of 23 or 25 hours stays within 0..1") {
  for (double change : {kSpring, kAutumn}) {
    CAPTURE(change);
    DailyUse d(berlin());
    const std::int64_t day = d.local_day(change);
    // empty over the whole local day of the change (23 or 25 hours), and for its first
    // half only on the day after
    d.close_until(d.day_start(day - 1) + 3600, false);
    d.close_until(d.day_start(day), false);
    d.close_until(d.day_start(day + 1), true);
    d.close_until(d.day_start(day + 1) + 12 * 3600, true);
    d.close_until(d.day_start(day + 3), false);
    std::vector<DayTotal> days = drain(d);
    REQUIRE(days.size() == 3);  // the first, partial day is not reported
    CHECK(days[0].day == day);
    CHECK(days[0].censored);
    // spring: the skipped hour had no use to lose (23 of the flat profile's 24 hours);
    // autumn: the repeated hour counts once, and the share is at most 1
    CHECK(days[0].empty_share == doctest::Approx(change == kSpring ? 23.0 / 24 : 1));
    CHECK(days[1].empty_share == doctest::Approx(0.5));  // twelve of the flat profile's 24
    CHECK(days[2].empty_share == 0);
  }
  // Saved while the repeated hour is counted twice (7200 s in one local hour), it loads.
  DailyUse a(berlin());
  const std::int64_t day = a.local_day(kAutumn);
  a.close_until(a.day_start(day), false);
  for (double t = a.day_start(day) + 300; t <= kAutumn + 2 * 3600; t += 300) a.close_until(t, true);
  DailyUse b(berlin());
  auto saved = a.save();
  CHECK(saved["empty_hours"][2] == doctest::Approx(7200));
  REQUIRE(b.load(saved).ok());
  CHECK(b.save() == saved);
}
