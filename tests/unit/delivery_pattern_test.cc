// The weekly pattern: time credited to local hours of the week (daylight saving included),
// gaps left unknown, old habits forgotten, its saved form read back strictly; and the
// presence pattern in use (home_outlook) and the words outlooks are told in.
#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <string>

#include "delivery/outlook.h"
#include "delivery/weekly_pattern.h"
#include "larder/texts.h"
#include "larder/time_zone.h"

using namespace larder;
using namespace larder::delivery;
using nlohmann::json;

namespace {
constexpr double kHour = 3600;
constexpr double kDay = 86400;
constexpr double kWeek = 7 * kDay;

// Seconds since the epoch of a UTC civil time (Howard Hinnant's days_from_civil).
double utc(int y, int m, int d, double h = 0) {
  y -= m <= 2;
  const int era = y / 400;
  const int yoe = y - era * 400;
  const int doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const int days = era * 146097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719468;
  return days * kDay + h * kHour;
}

TimeZone berlin() {
  auto z = TimeZone::load("Europe/Berlin");
  REQUIRE_MESSAGE(z.ok(), z.status().message());
  return *z;
}

// A wall-clock time in Berlin (not inside a skipped or repeated hour).
double local(int y, int m, int d, double h) {
  const TimeZone tz = berlin();
  const double guess = utc(y, m, d, h);
  return guess - tz.utc_offset_at(guess - tz.utc_offset_at(guess));
}

double hour_total(const WeeklyPattern& p, std::size_t hour) {
  double total = 0;
  for (std::size_t s = 0; s < p.states(); ++s) total += p.weight(hour, s);
  return total;
}

constexpr std::size_t kMon = 0, kTue = 24, kSun = 144;  // the first hour of those days
}  // namespace

TEST_CASE("hours of the week are local: Monday 00:00 in Berlin is hour 0, winter and summer") {
  WeeklyPattern p(2, berlin());
  // 2024-03-04 is a Monday: 00:00 CET is 23:00 UTC on Sunday.
  CHECK(local(2024, 3, 4, 0) == utc(2024, 3, 3, 23));
  CHECK(p.hour_of_week(local(2024, 3, 4, 0)) == 0);
  CHECK(p.hour_of_week(local(2024, 3, 4, 0) - 1) == 167);
  CHECK(p.hour_of_week(local(2024, 3, 5, 9.5)) == kTue + 9);
  // Summer (CEST): Monday 2024-07-01 00:30 is 22:30 UTC on Sunday.
  CHECK(local(2024, 7, 1, 0.5) == utc(2024, 6, 30, 22.5));
  CHECK(p.hour_of_week(local(2024, 7, 1, 0.5)) == 0);
  CHECK(p.hour_of_week(local(2024, 7, 7, 23.9)) == 167);
  // In UTC the epoch (a Thursday, 00:00) is hour 72.
  WeeklyPattern u(2, TimeZone::utc());
  CHECK(u.hour_of_week(0) == 72);
  CHECK(u.hour_of_week(-1) == 71);
  CHECK(u.hour_of_week(utc(2024, 3, 4, 13.99)) == 13);
}

TEST_CASE("the time between observations goes to the earlier state, split across hours") {
  WeeklyPattern p(3, berlin());
  const double t0 = local(2024, 3, 4, 8.5);  // Monday 08:30
  CHECK(p.observe(t0, 0));
  CHECK(hour_total(p, kMon + 8) == 0);        // nothing credited before a second observation
  CHECK(p.observe(t0 + 1.75 * kHour, 1));     // 10:15: state 1 from now on
  CHECK(p.weight(kMon + 8, 0) == doctest::Approx(0.5));
  CHECK(p.weight(kMon + 9, 0) == doctest::Approx(1));
  CHECK(p.weight(kMon + 10, 0) == doctest::Approx(0.25));
  CHECK(p.weight(kMon + 10, 1) == 0);
  CHECK(hour_total(p, kMon + 7) == 0);
  CHECK(hour_total(p, kMon + 11) == 0);
  CHECK(p.observe(local(2024, 3, 4, 11), 2));
  CHECK(p.weight(kMon + 10, 1) == doctest::Approx(0.75));
  CHECK(p.weight(kMon + 10, 0) == doctest::Approx(0.25).epsilon(1e-3));  // barely decayed
  CHECK(p.last_state() == 2);
  CHECK(*p.last_ts() == local(2024, 3, 4, 11));
  // A change seen late: the state from then on, the hour before it credited to none.
  CHECK(p.observe(local(2024, 3, 4, 12), 0, /*credit=*/false));
  CHECK(hour_total(p, kMon + 11) == 0);
  CHECK(p.last_state() == 0);
  CHECK(p.observe(local(2024, 3, 4, 11.5), 1) == false);  // still none before the last

  // share: (w_state + k/states) / (w_total + k), k = kPriorHours
  constexpr double k = WeeklyPattern::kPriorHours;
  CHECK(p.share(local(2024, 3, 4, 9.5), 0) ==
        doctest::Approx((1 + k / 3) / (1 + k)).epsilon(1e-3));
  CHECK(p.share(local(2024, 3, 4, 10.5), 1) ==
        doctest::Approx((0.75 + k / 3) / (1 + k)).epsilon(1e-3));
  CHECK(p.share(local(2024, 3, 4, 10.5), 2) == doctest::Approx((k / 3) / (1 + k)).epsilon(1e-3));
  // No evidence: the prior alone.
  CHECK(p.share(local(2024, 3, 5, 3), 1) == doctest::Approx(1.0 / 3));
  CHECK(p.share(local(2024, 3, 5, 3), 3) == 0);  // out of range
  CHECK(p.share(std::nan(""), 0) == 0);

  // share_over: the smallest share of the hours touched; evidence the smallest total.
  const double mon9 = local(2024, 3, 4, 9);
  CHECK(p.share_over(mon9 - 1800, mon9 + 1800, 0) ==
        doctest::Approx((0.5 + k / 3) / (0.5 + k)).epsilon(1e-3));  // 08:xx: less evidence
  CHECK(p.evidence_hours(mon9 - 1800, mon9 + 1800) == doctest::Approx(0.5).epsilon(1e-3));
  CHECK(p.evidence_hours(mon9, mon9 + kHour) == doctest::Approx(1).epsilon(1e-3));  // 09 only
  // One second into 10:00 touches that hour too: 0.25 + 0.75.
  CHECK(p.evidence_hours(mon9, mon9 + kHour + 1) == doctest::Approx(1).epsilon(1e-3));
  CHECK(p.share_over(mon9 + 600, mon9, 0) == doctest::Approx(p.share(mon9 + 600, 0)));
  CHECK(p.evidence_hours(mon9, mon9 + 10 * kDay) == 0);   // every hour of the week
  CHECK(p.share_over(mon9, mon9 + 10 * kDay, 1) ==
        doctest::Approx((k / 3) / (1 + k)).epsilon(1e-3));  // hour 09
  CHECK(p.evidence_hours(std::nan(""), mon9) == 0);
  // Asked about next Monday, the evidence has faded by a week: 2^(-7/28).
  CHECK(p.evidence_hours(mon9 + kWeek, mon9 + kWeek + kHour) ==
        doctest::Approx(std::exp2(-0.25)).epsilon(1e-3));
  CHECK(p.share_over(mon9, HUGE_VAL, 0) == 0);
}

TEST_CASE("daylight saving: 23 hours on the spring day, 25 in autumn, none lost or doubled") {
  // Someone is at home (state 1) from Saturday 23:00 to Monday 00:00, observed every
  // 30 minutes; 2024-03-31 and 2024-10-27 are the Sundays of the changes in Berlin.
  for (const bool spring : {true, false}) {
    CAPTURE(spring);
    WeeklyPattern p(2, berlin(), 3650);  // a long half-life: hours stay whole numbers
    const int month = spring ? 3 : 10;
    const int sunday = spring ? 31 : 27;
    const double from = local(2024, month, sunday - 1, 23);
    const double to = spring ? local(2024, 4, 1, 0) : local(2024, 10, 28, 0);
    CHECK((to - from) / kHour == (spring ? 24 : 26));
    for (double t = from; t <= to; t += 1800) REQUIRE(p.observe(t, 1));
    double sunday_hours = 0;
    for (std::size_t h = kSun; h < kSun + 24; ++h) sunday_hours += p.weight(h, 1);
    CHECK(sunday_hours == doctest::Approx(spring ? 23 : 25).epsilon(1e-3));
    CHECK(p.weight(kSun - 1, 1) == doctest::Approx(1).epsilon(1e-3));  // Saturday 23:00
    CHECK(p.weight(kSun + 1, 1) == doctest::Approx(1).epsilon(1e-3));
    CHECK(p.weight(kSun + 2, 1) == doctest::Approx(spring ? 0 : 2).epsilon(1e-3));  // 02:00-03:00
    CHECK(p.weight(kSun + 3, 1) == doctest::Approx(1).epsilon(1e-3));
    CHECK(p.weight(kSun + 23, 1) == doctest::Approx(1).epsilon(1e-3));
    CHECK(hour_total(p, kMon) == 0);
  }
  // One observation spanning the spring change: 00:30 to 05:30 local is 4 real hours.
  WeeklyPattern p(2, berlin(), 3650);
  CHECK(p.observe(local(2024, 3, 31, 0.5), 1));
  CHECK(p.observe(local(2024, 3, 31, 5.5), 0));
  CHECK(p.weight(kSun + 0, 1) == doctest::Approx(0.5));
  CHECK(p.weight(kSun + 1, 1) == doctest::Approx(1).epsilon(1e-3));
  CHECK(p.weight(kSun + 2, 1) == 0);
  CHECK(p.weight(kSun + 3, 1) == doctest::Approx(1).epsilon(1e-3));
  CHECK(p.weight(kSun + 4, 1) == doctest::Approx(1));
  CHECK(p.weight(kSun + 5, 1) == doctest::Approx(0.5));
  // The skipped hour is never touched by a window either: 01:30-03:30 is 01 and 03.
  CHECK(p.evidence_hours(local(2024, 3, 31, 1.5), local(2024, 3, 31, 3.5)) == doctest::Approx(1));
}

TEST_CASE("a change of offset between two local hours ends the hour's piece exactly there") {
  // A zone whose summer time begins at 02:30 standard time (last Sunday of March): the
  // local hour 02:00-03:00 lasts only 30 minutes, then 03:30 follows. A footer-only TZif.
  auto be32 = [](std::uint32_t v) {
    return std::string{static_cast<char>(v >> 24), static_cast<char>(v >> 16),
                       static_cast<char>(v >> 8), static_cast<char>(v)};
  };
  const std::string header =
      std::string("TZif2") + std::string(15, '\0') + be32(0) + be32(0) + be32(0) + be32(0) +
      be32(1) + be32(4);
  const std::string block = be32(0) + std::string(2, '\0') + std::string("UTC\0", 4);
  const std::string footer = "\nXST-1XDT,M3.5.0/2:30,M10.5.0/3\n";
  auto zone = TimeZone::parse(header + block + header + block + footer, "test");
  REQUIRE_MESSAGE(zone.ok(), zone.status().message());
  REQUIRE(zone->utc_offset_at(utc(2024, 3, 31, 1.5) - 1) == 3600);
  REQUIRE(zone->utc_offset_at(utc(2024, 3, 31, 1.5)) == 7200);
  WeeklyPattern p(2, *zone, 3650);
  CHECK(p.observe(utc(2024, 3, 31, 1), 1));  // 02:00 standard time
  CHECK(p.observe(utc(2024, 3, 31, 2), 0));  // 04:00 summer time
  CHECK(p.weight(kSun + 2, 1) == doctest::Approx(0.5).epsilon(1e-3));  // 02:00-02:30
  CHECK(p.weight(kSun + 3, 1) == doctest::Approx(0.5).epsilon(1e-3));  // 03:30-04:00
  CHECK(hour_total(p, kSun + 4) == 0);
}

TEST_CASE("a gap longer than max_gap_s is unknown: nothing is credited for it") {
  WeeklyPattern p(2, TimeZone::utc(), 28, 6 * kHour);
  const double t0 = utc(2024, 3, 4, 0);  // Monday 00:00 UTC
  CHECK(p.observe(t0, 1));
  CHECK(p.observe(t0 + 6 * kHour + 1, 0));   // one second too long
  for (std::size_t h = 0; h < WeeklyPattern::kHours; ++h) REQUIRE(hour_total(p, h) == 0);
  CHECK(p.observe(t0 + 12 * kHour + 1, 1));  // exactly max_gap_s: credited to state 0
  double credited = 0;
  for (std::size_t h = 0; h < WeeklyPattern::kHours; ++h) credited += p.weight(h, 0);
  CHECK(credited == doctest::Approx(6));
  CHECK(p.weight(kMon + 6, 0) == doctest::Approx(1.0 - 1.0 / 3600));
  CHECK(p.weight(kMon + 12, 0) == doctest::Approx(1.0 / 3600));
  CHECK(p.max_gap_s() == 6 * kHour);
  // A gap of more than a week never counts as known, whatever was configured.
  CHECK(WeeklyPattern(2, TimeZone::utc(), 28, 30 * kDay).max_gap_s() == kWeek);
  CHECK(WeeklyPattern(2, TimeZone::utc(), 28, -1).max_gap_s() == 6 * kHour);
  CHECK(WeeklyPattern(2, TimeZone::utc(), std::nan("")).half_life_days() == 28);
  CHECK(WeeklyPattern(0, TimeZone::utc()).states() == 1);
}

TEST_CASE("out-of-order, non-finite and out-of-range observations are refused and change nothing") {
  WeeklyPattern p(3, TimeZone::utc());
  const double t0 = utc(2024, 3, 4, 9);
  CHECK(p.observe(t0, 1));
  CHECK(p.observe(t0 + kHour, 2));
  const json before = p.to_json();
  CHECK_FALSE(p.observe(t0 + kHour - 1, 0));    // older than the last one
  CHECK_FALSE(p.observe(t0 + 2 * kHour, 3));    // no such state
  CHECK_FALSE(p.observe(std::nan(""), 0));
  CHECK_FALSE(p.observe(HUGE_VAL, 0));
  CHECK(p.to_json() == before);
  CHECK(p.last_state() == 2);
  // The same instant again only changes the state from now on.
  CHECK(p.observe(t0 + kHour, 0));
  CHECK(p.observe(t0 + 2 * kHour, 0));
  CHECK(p.weight(kMon + 10, 0) == doctest::Approx(1));
  CHECK(p.weight(kMon + 10, 2) == 0);
}

TEST_CASE("forgetting: weights halve per half-life, and a lasting change of habit wins") {
  WeeklyPattern p(2, TimeZone::utc(), 28);
  const double t0 = utc(2024, 3, 4, 9);  // Monday 09:00 UTC
  CHECK(p.observe(t0, 1));
  CHECK(p.observe(t0 + kHour, 0));
  CHECK(p.weight(kMon + 9, 1) == doctest::Approx(1));
  // 28 days later (a gap: nothing credited), the hour weighs half.
  CHECK(p.observe(t0 + kHour + 28 * kDay, 0));
  CHECK(p.weight(kMon + 9, 1) == doctest::Approx(0.5));
  // Queries about a later instant see the evidence faded further.
  const double later = t0 + kHour + 56 * kDay;
  CHECK(p.evidence_hours(later, later + 60) == 0);  // Monday 10:00: never seen
  const double mon9 = t0 + 56 * kDay;
  CHECK(p.evidence_hours(mon9, mon9 + 60) == doctest::Approx(0.25).epsilon(1e-3));
  CHECK(p.share(mon9, 1) ==
        doctest::Approx((0.25 + WeeklyPattern::kPriorHours / 2) / (0.25 + WeeklyPattern::kPriorHours))
            .epsilon(1e-3));

  // Twenty weeks of Mondays 09-10 in state 1, then state 0 instead.
  WeeklyPattern habit(2, TimeZone::utc(), 28);
  auto week = [&](int k, std::size_t state) {
    const double start = t0 + k * kWeek;
    REQUIRE(habit.observe(start, state));
    REQUIRE(habit.observe(start + kHour, state == 0 ? 1 : 0));
  };
  for (int k = 0; k < 20; ++k) week(k, 1);
  const double next = t0 + 20 * kWeek;
  CHECK(habit.share(next, 1) > 0.8);
  week(20, 0);
  CHECK(habit.share(next + kWeek, 1) > 0.6);  // one week of change does not undo a habit
  for (int k = 21; k < 24; ++k) week(k, 0);
  CHECK(habit.share(t0 + 24 * kWeek, 0) > 0.5);  // after four weeks (one half-life) it wins
  for (int k = 24; k < 32; ++k) week(k, 0);
  CHECK(habit.share(t0 + 32 * kWeek, 0) > 0.8);  // after three half-lives it is the habit
  CHECK(habit.weight(kMon + 9, 0) > 6 * habit.weight(kMon + 9, 1));
  // The sum of the weights is bounded by the half-life: 1 / (1 - 2^(-7/28)) = 6.29 hours.
  CHECK(hour_total(habit, kMon + 9) < 6.3);
  CHECK(hour_total(habit, kMon + 9) > 5);
}

TEST_CASE("to_json and from_json: a round trip, and every refusal") {
  const TimeZone tz = berlin();
  WeeklyPattern p(4, tz, 21, 3 * kHour);
  double t = local(2024, 3, 4, 0);
  for (int i = 0; i < 14 * 24 * 12; ++i, t += 300) {
    REQUIRE(p.observe(t, static_cast<std::size_t>(i / 7) % 4));
  }
  const json j = p.to_json();
  CHECK(j["weights"].size() == 168);
  CHECK(j["weights"][0].size() == 4);
  CHECK(j["time_zone"] == "Europe/Berlin");
  // Through text and back: the same pattern, learning on the same way.
  auto q = WeeklyPattern::from_json(json::parse(j.dump()), 4, tz);
  REQUIRE_MESSAGE(q.ok(), q.status().message());
  CHECK(q->half_life_days() == 21);
  CHECK(q->max_gap_s() == 3 * kHour);
  CHECK(*q->last_ts() == *p.last_ts());
  CHECK(q->last_state() == p.last_state());
  for (std::size_t h = 0; h < WeeklyPattern::kHours; ++h) {
    for (std::size_t s = 0; s < 4; ++s) REQUIRE(q->weight(h, s) == doctest::Approx(p.weight(h, s)));
  }
  const double ahead = t + 3 * kDay;
  CHECK(q->share_over(ahead, ahead + 3 * kHour, 2) ==
        doctest::Approx(p.share_over(ahead, ahead + 3 * kHour, 2)));
  CHECK(q->evidence_hours(ahead, ahead + 3 * kHour) ==
        doctest::Approx(p.evidence_hours(ahead, ahead + 3 * kHour)));
  REQUIRE(p.observe(t + 2 * kHour, 1));
  REQUIRE(q->observe(t + 2 * kHour, 1));
  for (std::size_t h = 0; h < WeeklyPattern::kHours; ++h) {
    for (std::size_t s = 0; s < 4; ++s) REQUIRE(q->weight(h, s) == doctest::Approx(p.weight(h, s)));
  }
  // A fresh pattern round-trips too.
  const WeeklyPattern fresh(2, tz);
  CHECK(fresh.to_json()["last"].is_null());
  CHECK(WeeklyPattern::from_json(fresh.to_json(), 2, tz).ok());

  auto refused = [&](json bad, const std::string& words, std::size_t states = 4,
                     const TimeZone& zone = berlin()) {
    CAPTURE(bad.dump().substr(0, 200));
    Result<WeeklyPattern> r = Status::Error("not run");
    CHECK_NOTHROW(r = WeeklyPattern::from_json(bad, states, zone));
    REQUIRE_FALSE(r.ok());
    CHECK_MESSAGE(r.status().message().find(words) != std::string::npos, r.status().message());
  };
  refused(json::array(), "not an object");
  refused(j, "states is not 3", 3);
  refused(j, "number of states", 0);
  refused(j, "time zone Europe/Berlin, not UTC", 4, TimeZone::utc());
  json b = j;
  b.erase("time_zone");
  refused(b, "time_zone");
  b = j, b["states"] = "4";
  refused(b, "states");
  b = j, b["half_life_days"] = 0;
  refused(b, "half_life_days");
  b = j, b.erase("max_gap_s");
  refused(b, "max_gap_s is missing");
  b = j, b["max_gap_s"] = 30 * kDay;
  refused(b, "max_gap_s");
  b = j, b["weights"].erase(167);
  refused(b, "weights is not an array of 168");
  b = j, b["weights"] = "many";
  refused(b, "weights is not an array");
  b = j, b["weights"][5].push_back(0.5);
  refused(b, "weights[5] is not an array of 4");
  b = j, b["weights"][7][2] = -0.1;
  refused(b, "weights[7][2]");
  b = j, b["weights"][7][2] = std::nan("");
  refused(b, "weights[7][2]");
  b = j, b["weights"][7][2] = HUGE_VAL;
  refused(b, "weights[7][2]");
  b = j, b["weights"][7][2] = "1";
  refused(b, "weights[7][2]");
  b = j, b.erase("last");
  refused(b, "last is missing");
  b = j, b["last"] = nullptr;
  refused(b, "no last observation");
  b = j, b["last"] = 5;
  refused(b, "last is not null or an object");
  b = j, b["last"]["ts"] = std::nan("");
  refused(b, "last.ts");
  b = j, b["last"].erase("ts");
  refused(b, "last.ts");
  b = j, b["last"]["state"] = 4;
  refused(b, "last.state");
  b = j, b["last"]["state"] = -1;
  refused(b, "last.state");
  b = j, b["last"]["state"] = 1.5;
  refused(b, "last.state");
}

// ---- the presence pattern in use (outlook.h) ------------------------------------------

TEST_CASE("home_outlook: someone at home for the whole window, from now and from the pattern") {
  const double kMonday = local(2024, 3, 4, 0);
  const WeeklyPattern none(2, berlin());
  const double now = kMonday + 10 * kHour;
  const orders::Window soon{now + 600, now + 3 * kHour};
  const orders::Window far{now + 3 * kDay, now + 3 * kDay + 3 * kHour};
  CHECK_FALSE(home_outlook(none, std::nullopt, soon, now).has_value());
  CHECK(*home_outlook(none, true, soon, now) == doctest::Approx(std::exp(-600.0 / 7200)));
  CHECK(*home_outlook(none, false, soon, now) == 0);
  CHECK(*home_outlook(none, true, far, now) < 0.001);  // no history is no promise
  CHECK_FALSE(home_outlook(none, true, {now, now - 1}, now).has_value());

  // Three weeks: nobody at home on weekdays 08:00-18:00, someone at home otherwise.
  WeeklyPattern presence(2, berlin());
  for (double t = kMonday; t < kMonday + 21 * kDay; t += 300) {
    const double hour = std::fmod(t - kMonday, kDay) / kHour;
    const bool weekday = std::fmod(t - kMonday, 7 * kDay) < 5 * kDay;
    REQUIRE(presence.observe(t, weekday && hour >= 8 && hour < 18 ? 0 : 1));
  }
  const double mon = kMonday + 21 * kDay;
  const orders::Window tuesday{mon + kDay + 9 * kHour, mon + kDay + 12 * kHour};
  const orders::Window sunday{mon + 6 * kDay + 8 * kHour, mon + 6 * kDay + 11 * kHour};
  OutlookOptions four_hours;  // 2.1 h of evidence is too little for a stricter threshold
  four_hours.min_evidence_hours = 4;
  CHECK_FALSE(home_outlook(presence, std::nullopt, tuesday, mon, four_hours).has_value());
  OutlookOptions two_hours;  // the default
  CHECK(*home_outlook(presence, std::nullopt, tuesday, mon, two_hours) < 0.2);
  CHECK(*home_outlook(presence, std::nullopt, sunday, mon, two_hours) > 0.75);
  // Someone at home now weighs for a window about to begin, not for one next Sunday.
  CHECK(*home_outlook(presence, true, {mon + 600, mon + kHour}, mon, two_hours) > 0.9);
  CHECK(*home_outlook(presence, false, {mon + 600, mon + kHour}, mon, two_hours) < 0.1);
  CHECK(*home_outlook(presence, false, sunday, mon, two_hours) > 0.75);
  // The whole window counts: Tuesday 16:00-20:00 has nobody at home until 18:00.
  const orders::Window evening{mon + kDay + 16 * kHour, mon + kDay + 20 * kHour};
  CHECK(*home_outlook(presence, std::nullopt, evening, mon, two_hours) < 0.2);
}

TEST_CASE("format_percent rounds down, format_window speaks local time") {
  const double kMonday = local(2024, 3, 4, 0);
  const Texts& en = texts_for("en");
  CHECK(format_percent(en, 0.897) == "89%");
  CHECK(format_percent(en, 0.29) == "29%");
  CHECK(format_percent(en, 0.9) == "90%");
  CHECK(format_percent(en, 1) == "100%");
  CHECK(format_percent(en, -1) == "0%");
  CHECK(format_percent(en, std::nan("")) == "unknown");
  const TimeZone tz = berlin();
  CHECK(format_window(en, tz, {kMonday + 9 * kHour, kMonday + 12.5 * kHour}) == "Mon 09:00-12:30");
  CHECK(format_window(en, tz, {kMonday + 22 * kHour, kMonday + 26 * kHour}) == "Mon 22:00-Tue 02:00");
  CHECK(format_window(en, tz, {kMonday, kMonday + 7 * kDay}) == "Mon 00:00-Mon 00:00 (7 days)");
  CHECK(format_window(en, tz, {kMonday, kMonday - 1}) == "an invalid window");
}
