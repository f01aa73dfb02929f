// Best-before dates (docs/best-before.md): the dates of the packs held (PackDates), the packs
// flagged because they pass their date before they are used up, and a reorder policy that
// never orders so early that the new pack expires unopened.
#include <doctest/doctest.h>

#include <limits>
#include <optional>
#include <vector>

#include "forecast/consumable_model.h"
#include "forecast/pack_dates.h"

using namespace larder;
using forecast::PackDates;

namespace {

constexpr double kDay = 86400;
constexpr double kT0 = 1767571200;  // 2026-01-05 00:00 UTC, a Monday

// Use is a straight line of `per_day` from `now`: the median time it reaches an amount.
auto line(double now, double per_day) {
  return [=](double amount) -> std::optional<double> { return now + amount / per_day * kDay; };
}

ConsumableConfig milk(std::optional<double> shelf_days) {
  ConsumableConfig c;
  c.id = "milk";
  c.unit = Unit::pcs;
  c.capacity = 40;
  c.lead_time_days = 3;
  c.pack = {"MILK-6", 6, 5.0, shelf_days};
  return c;
}

// 4 cartons a day at 06, 10, 14 and 18 h, ticked hourly, from a full fridge of 40. The
// household opens a pack when the container is empty, and buys what the policy decides three
// days after the decision.
struct Household {
  explicit Household(std::optional<double> shelf_days) : m(milk(shelf_days)) {
    REQUIRE(m.refilled(t, 40).ok());
  }
  ConsumableModel m;
  double t = kT0;
  std::optional<double> decided_at, delivered_at, opened_at;
  std::vector<ModelEvent> events;

  void run_until(double until) {
    while (t < until) {
      t += 3600;
      int hour = static_cast<int>((t - kT0) / 3600) % 24;
      if (hour == 6 || hour == 10 || hour == 14 || hour == 18) {
        auto f = m.forecast(t);
        if (f.level.value_or(0) < 1 && f.on_hand > 0) {
          REQUIRE(m.refilled(t, std::nullopt).ok());
          if (delivered_at && !opened_at) opened_at = t;
        }
        if (m.forecast(t).level.value_or(0) >= 1) REQUIRE(m.used(t, 1).ok());
      }
      if (decided_at && !delivered_at && t >= *decided_at + 3 * kDay) {
        REQUIRE(m.purchased(t, 1).ok());
        delivered_at = t;
      }
      m.advance(t);
      for (auto& e : m.take_events()) events.push_back(e);
      if (!decided_at && m.forecast(t).reorder) decided_at = t;
    }
  }
  int expiring_events() const {
    int n = 0;
    for (const auto& e : events) n += e.kind == "pack_expiring";
    return n;
  }
};

}  // namespace

TEST_CASE("pack dates: the earliest date is opened first, undated packs last") {
  PackDates d;
  d.add(2, kT0 + 30 * kDay);
  d.add(1, kT0 + 10 * kDay);
  d.add(3, std::nullopt);  // undated: nothing to keep
  CHECK(d.dated() == 3);
  CHECK(d.earliest(false) == kT0 + 10 * kDay);
  d.open();
  CHECK(d.container() == kT0 + 10 * kDay);
  CHECK(d.earliest(true) == kT0 + 10 * kDay);
  CHECK(d.earliest(false) == kT0 + 30 * kDay);
  d.open();
  d.open();
  CHECK(d.container() == kT0 + 30 * kDay);
  CHECK(d.dated() == 0);
  d.open();  // an undated pack
  CHECK_FALSE(d.container());
  d.add(1, kT0 + 5 * kDay);
  d.open_unknown();  // a pack from outside the count
  CHECK_FALSE(d.container());
  CHECK(d.dated() == 1);
}

TEST_CASE("pack dates: memory stays bounded and a joined lot keeps the earlier date") {
  PackDates d;
  for (int i = 0; i < 40; ++i) d.add(1, kT0 + i * kDay);
  CHECK(d.lots().size() == PackDates::kMaxLots);
  CHECK(d.dated() == 40);
  CHECK(d.earliest(false) == kT0);
  double prev = -1;
  for (const auto& l : d.lots()) {
    CHECK(l.best_before > prev);
    prev = l.best_before;
  }
  // No date is later than the truth: the latest lot's date is at most the latest added.
  CHECK(d.lots().back().best_before <= kT0 + 39 * kDay);
  d.trim(5);  // the count fell: the latest-dated go first
  CHECK(d.dated() == 5);
  CHECK(d.earliest(false) == kT0);
}

TEST_CASE("pack dates: the packs used up after their date are counted once") {
  PackDates d;
  d.add(4, kT0 + 25 * kDay);  // 10 a day: the container lasts 5 days, each pack 10
  d.open();
  // Container: 50, gone on day 5 (fine). Packs: gone on days 15, 25 (on its date: fine), 35.
  auto o = d.assess(kT0, 50, 100, line(kT0, 10));
  CHECK(o.expiring == 1);
  CHECK(o.expiring_at == kT0 + 25 * kDay);
  CHECK(o.newly == 1);
  auto again = d.assess(kT0 + 3600, 50, 100, line(kT0, 10));
  CHECK(again.expiring == 1);
  CHECK(again.newly == 0);  // warned already
  // Twice the use: nothing is late.
  CHECK(d.assess(kT0, 50, 100, line(kT0, 20)).expiring == 0);
  // A container past its date counts, even with no use known.
  auto none = [](double) -> std::optional<double> { return std::nullopt; };
  auto past = d.assess(kT0 + 26 * kDay, 50, 100, none);
  CHECK(past.expiring == 4);  // the container and the three packs
  CHECK(past.newly == 1);     // only the container was not warned of before
}

TEST_CASE("pack dates: save and load keep the lots, and refuse what they cannot read") {
  PackDates d;
  d.add(2, kT0 + 7 * kDay);
  d.add(1, kT0 + 9 * kDay);
  d.open();
  (void)d.assess(kT0, 10, 10, line(kT0, 0.1));
  PackDates e;
  REQUIRE(e.load(d.save()).ok());
  CHECK(e.save() == d.save());
  CHECK(e.dated() == 2);
  CHECK(e.container() == kT0 + 7 * kDay);
  PackDates f = e;
  auto bad = d.save();
  bad["lots"] = nlohmann::json::array({nlohmann::json::array({kT0, 0, false})});
  CHECK_FALSE(f.load(bad).ok());
  bad["lots"] = nlohmann::json::array(
      {nlohmann::json::array({kT0 + 9 * kDay, 1, false}), nlohmann::json::array({kT0, 1, false})});
  CHECK_FALSE(f.load(bad).ok());
  CHECK(f.save() == e.save());  // a refused load changes nothing
  CHECK(f.load(nlohmann::json()).ok());  // a state from before dates: none
  CHECK(f.dated() == 0);
}

TEST_CASE("best-before: a purchase's date flags the pack that will not be used in time") {
  Household h(std::nullopt);
  h.run_until(kT0 + 6 * kDay);
  auto f = h.m.forecast(h.t);
  REQUIRE(f.rate_per_day);
  CHECK(*f.rate_per_day == doctest::Approx(4).epsilon(0.1));
  CHECK_FALSE(f.best_before);
  CHECK(f.expiring == 0);
  // Two packs of 6 at 4 a day: the first is gone 1.5 days after what is held now, the
  // second 3 days after. Dated 2.25 days after the supply of now runs out: the second is late.
  const double held = f.level.value_or(0) + 6.0 * f.on_hand;
  const double date = h.t + (held / 4 + 2.25) * kDay;
  REQUIRE(h.m.purchased(h.t, 2, date).ok());
  f = h.m.forecast(h.t);
  CHECK(f.best_before == date);
  CHECK(f.expiring == 1);
  CHECK(f.expiring_at == date);
  auto events = h.m.take_events();
  INFO("the first event: ", events.empty() ? "" : events[0].kind);
  // A purchase is weighed at once like any input: two packs of six do not end the risk.
  std::erase_if(events, [](const ModelEvent& e) { return e.kind == "low_stock"; });
  REQUIRE(events.size() == 1);
  CHECK(events[0].kind == "pack_expiring");
  CHECK(events[0].amount == 1);
  CHECK(events[0].at == date);
  // The hours go by: the same pack is not announced again.
  h.run_until(h.t + 2 * kDay);
  CHECK(h.expiring_events() == 0);
  CHECK(h.m.forecast(h.t).expiring == 1);
  // What is saved keeps the dates and the warning.
  ConsumableModel copy(milk(std::nullopt));
  REQUIRE(copy.load(h.m.save()).ok());
  CHECK(copy.forecast(h.t).expiring == 1);
  CHECK(copy.forecast(h.t).best_before == date);
  copy.advance(h.t + 7200);
  CHECK(copy.take_events().empty());
}

TEST_CASE("best-before: a bad date is refused and changes nothing") {
  Household h(std::nullopt);
  const auto before = h.m.save();
  CHECK_FALSE(h.m.purchased(h.t, 1, std::numeric_limits<double>::infinity()).ok());
  CHECK(h.m.save() == before);
}

TEST_CASE("best-before: the policy does not order so early that the new pack expires unopened") {
  // Milk keeps two days after delivery. Without a date the policy orders early enough
  // (a delivery may take a week) that the delivered pack waits in the fridge for days.
  Household plain(std::nullopt);
  plain.run_until(kT0 + 20 * kDay);
  REQUIRE(plain.decided_at);
  REQUIRE(plain.opened_at);
  CHECK(*plain.opened_at > *plain.delivered_at + 2 * kDay);

  Household fresh(2);
  fresh.run_until(kT0 + 20 * kDay);
  REQUIRE(fresh.decided_at);
  REQUIRE(fresh.opened_at);
  CHECK(*fresh.decided_at > *plain.decided_at);
  // Opened before its date (the delivery plus two days).
  CHECK(*fresh.opened_at <= *fresh.delivered_at + 2 * kDay);
}

TEST_CASE("best-before: a delivery is dated by the configured shelf life") {
  ConsumableModel m(milk(2));
  double t = kT0;
  REQUIRE(m.refilled(t, 6).ok());
  for (int h = 1; h <= 10 * 24; ++h) {  // 4 a day, a new pack whenever the last is gone
    t = kT0 + h * 3600.0;
    if (h % 6 == 0) {
      if (m.forecast(t).level.value_or(0) < 1) REQUIRE(m.refilled(t, std::nullopt).ok());
      REQUIRE(m.used(t, 1).ok());
    }
    m.advance(t);
  }
  (void)m.take_events();
  REQUIRE(m.forecast(t).rate_per_day);
  // Three packs of 6 last four and a half days, longer than the two they keep.
  m.order_delivered(t, 3, 2.5);
  auto f = m.forecast(t);
  CHECK(f.on_hand == 3);
  REQUIRE(f.best_before);
  CHECK(*f.best_before == doctest::Approx(t + 2 * kDay));
  CHECK(f.expiring >= 1);
  CHECK(f.expiring <= 3);
  bool announced = false;
  for (const auto& e : m.take_events()) announced |= e.kind == "pack_expiring";
  CHECK(announced);
}
