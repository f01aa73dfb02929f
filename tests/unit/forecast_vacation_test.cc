// Vacation mode in the consumption model (ConsumableModel::set_away): the days away teach
// the rate nothing, nothing is ordered that would arrive into an empty house, and the order
// the absence delayed is decided in time for the return.
#include <doctest/doctest.h>

#include <algorithm>
#include <optional>
#include <vector>

#include "forecast/consumable_model.h"

using namespace larder;

namespace {

constexpr double kDay = 86400;
constexpr double kT0 = 1767571200;  // 2026-01-05 00:00 UTC, a Monday

ConsumableConfig pods() {
  ConsumableConfig c;
  c.id = "pods";
  c.unit = Unit::pcs;
  c.capacity = 80;
  c.lead_time_days = 3;
  c.pack = {"PODS-40", 40, 12.0, std::nullopt};
  return c;
}

// 4 pods a day at 06, 10, 14 and 18 h while at home, ticked hourly; none while away.
struct Household {
  Household() : m(pods()) { REQUIRE(m.refilled(t, std::nullopt).ok()); }
  ConsumableModel m;
  double t = kT0;
  double away_from = 1e300, away_until = 1e300;
  std::optional<double> ordered_at;
  std::vector<ModelEvent> events;

  void run_until(double until) {
    while (t < until) {
      t += 3600;
      const bool away = t >= away_from && t < away_until;
      int hour = static_cast<int>((t - kT0) / 3600) % 24;
      if (!away && (hour == 6 || hour == 10 || hour == 14 || hour == 18)) {
        auto f = m.forecast(t);
        if (f.level.value_or(0) < 1 && f.on_hand > 0) REQUIRE(m.refilled(t, std::nullopt).ok());
        if (m.forecast(t).level.value_or(0) >= 1) REQUIRE(m.used(t, 1).ok());
      }
      m.advance(t);
      for (ModelEvent& e : m.take_events()) events.push_back(std::move(e));
      if (!ordered_at && m.forecast(t).reorder) ordered_at = t;
    }
  }
  double supply() const {
    auto f = m.forecast(t);
    return f.level.value_or(0) + 40.0 * f.on_hand;
  }
};

int count(const std::vector<ModelEvent>& events, const char* kind) {
  return static_cast<int>(std::count_if(events.begin(), events.end(),
                                        [&](const ModelEvent& e) { return e.kind == kind; }));
}

}  // namespace

TEST_CASE("vacation: a declared absence is quiet, an undeclared one is told once") {
  Household declared;
  REQUIRE(declared.m.purchased(declared.t, 2).ok());
  declared.run_until(kT0 + 14 * kDay);
  declared.away_from = declared.t;
  declared.away_until = declared.t + 10 * kDay;
  declared.m.set_away(declared.away_from, declared.away_until);
  declared.run_until(declared.away_until + 3 * kDay);
  CHECK(count(declared.events, "use_stopped") == 0);

  // The same trip without vacation mode: the pod counter falls silent.
  Household h;
  REQUIRE(h.m.purchased(h.t, 2).ok());
  h.run_until(kT0 + 14 * kDay);
  h.away_from = h.t;
  h.away_until = h.t + 10 * kDay;
  h.run_until(h.away_until + 3 * kDay);
  CHECK(count(h.events, "use_stopped") == 1);
}

TEST_CASE("vacation: the days away teach no false low rate") {
  Household h;
  REQUIRE(h.m.purchased(h.t, 2).ok());
  h.run_until(kT0 + 14 * kDay);
  const double before = h.m.forecast(h.t).rate_per_day.value_or(0);
  CHECK(before == doctest::Approx(4).epsilon(0.1));
  // Away for 12 days from 09:00, declared.
  h.away_from = h.t + 9 * 3600;
  h.away_until = h.away_from + 12 * kDay;
  h.run_until(h.away_from);
  h.m.set_away(h.away_from, h.away_until);
  h.run_until(h.away_until + 5 * kDay);
  CHECK(h.m.forecast(h.t).rate_per_day.value_or(0) == doctest::Approx(4).epsilon(0.1));
}

TEST_CASE("vacation: no order arrives into the empty house, the delayed one comes in time") {
  // At home, the policy orders at some hour: find it.
  Household home;
  REQUIRE(home.m.purchased(home.t, 1).ok());  // 80 pods: 20 days
  home.run_until(kT0 + 30 * kDay);
  REQUIRE(home.ordered_at);
  // The same household leaves for ten days two hours before that order was due.
  Household h;
  REQUIRE(h.m.purchased(h.t, 1).ok());
  h.run_until(*home.ordered_at - 2 * 3600);
  REQUIRE_FALSE(h.ordered_at);
  const double supply_at_leaving = h.supply();
  h.away_from = h.t;
  h.away_until = h.t + 10 * kDay;
  h.m.set_away(h.away_from, h.away_until);
  h.run_until(h.away_until + 3 * kDay);
  REQUIRE(h.ordered_at);
  // Nothing is ordered while away (no use: the supply lasts), and the order comes right
  // after the return, when use brings the supply to the point where it ordered at home.
  CHECK(*h.ordered_at > h.away_until - 2 * kDay);
  CHECK(*h.ordered_at < h.away_until + kDay);
  CHECK(h.supply() > 0);
  CHECK(supply_at_leaving > 0);
}

TEST_CASE("vacation: open-ended, nothing runs out and nothing is ordered until it ends") {
  Household h;
  REQUIRE(h.m.purchased(h.t, 1).ok());
  while (h.supply() > 44) h.run_until(h.t + 3600);
  REQUIRE_FALSE(h.ordered_at);
  h.away_from = h.t;
  h.m.set_away(h.t, std::nullopt);
  h.run_until(h.t + 20 * kDay);
  CHECK_FALSE(h.ordered_at);
  auto f = h.m.forecast(h.t);
  CHECK_FALSE(f.empty_at);
  CHECK(f.status == "ok");
  CHECK_FALSE(h.m.reorder_point(h.t));
  // Back: use starts again and the order follows within days (11 days of supply).
  h.away_until = h.t;
  h.m.end_away(h.t);
  CHECK(h.m.forecast(h.t).empty_at);
  h.run_until(h.t + 8 * kDay);
  CHECK(h.ordered_at);
}

TEST_CASE("vacation: history sent late, from before the household left, orders nothing") {
  // The uses of nine days (4 a day: a pack of 40 nearly gone), sent only now that the
  // household has been away since day 10, until day 16: an order wished for now would be
  // placed now, and arrive into the empty house.
  auto feed = [](ConsumableModel& m) {
    for (int day = 0; day < 9; ++day) {
      for (int use = 0; use < 4; ++use) {
        REQUIRE(m.used(kT0 + day * kDay + (6 + 4 * use) * 3600.0, 1).ok());
      }
    }
  };
  ConsumableModel home(pods());
  REQUIRE(home.refilled(kT0, std::nullopt).ok());
  feed(home);
  REQUIRE(home.forecast(kT0 + 9 * kDay).reorder);  // at home, these uses would order

  ConsumableModel away(pods());
  REQUIRE(away.refilled(kT0, std::nullopt).ok());
  away.set_away(kT0 + 10 * kDay, kT0 + 16 * kDay);
  feed(away);
  CHECK_FALSE(away.forecast(kT0 + 10 * kDay).reorder);
  // Once even the quickest delivery comes after the return, the order is decided.
  double t = kT0 + 10 * kDay;
  while (t < kT0 + 16 * kDay && !away.forecast(t).reorder) {
    t += 3600;
    away.advance(t);
  }
  CHECK(away.forecast(t).reorder);
  CHECK(t > kT0 + 12 * kDay);
}
