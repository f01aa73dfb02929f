// The reorder policy: when it orders (for a known rate and delivery time), that it orders
// once, the user's cancels, and the storage capacity.
#include <doctest/doctest.h>

#include <optional>
#include <utility>

#include "forecast/consumable_model.h"
#include "forecast/reorder_policy.h"

using namespace larder;
using forecast::ReorderPolicy;

namespace {

constexpr double kDay = 86400;
constexpr double kT0 = 1767571200;  // 2026-01-05 00:00 UTC, a Monday

ConsumableConfig pods(double lead_days = 3, double capacity = 80) {
  ConsumableConfig c;
  c.id = "pods";
  c.unit = Unit::pcs;
  c.capacity = capacity;
  c.lead_time_days = lead_days;
  c.pack = {"PODS-40", 40, 12.0, std::nullopt};
  return c;
}

// A household using exactly 4 pods a day (at 06, 10, 14 and 18 h), ticked hourly.
struct Household {
  explicit Household(const ConsumableConfig& c, ModelSettings s = {}) : m(c, std::move(s)) {
    REQUIRE(m.refilled(t, std::nullopt).ok());
  }
  ConsumableModel m;
  double t = kT0;
  int low_stock = 0;

  // Runs hour by hour until `until`, or until the model wants an order (returns true).
  bool run_until(double until, bool stop_on_order = true) {
    while (t < until) {
      t += 3600;
      int hour = static_cast<int>((t - kT0) / 3600) % 24;
      if (hour == 6 || hour == 10 || hour == 14 || hour == 18) {
        if (level() < 1 && m.forecast(t).on_hand > 0 && !m.refilled(t, std::nullopt).ok()) {
          FAIL_CHECK("refill");
        }
        if (level() >= 1 && !m.used(t, 1).ok()) FAIL_CHECK("use");
      }
      m.advance(t);
      for (const auto& e : m.take_events()) low_stock += e.kind == "low_stock";
      if (stop_on_order && m.forecast(t).reorder) return true;
    }
    return false;
  }
  double level() const { return m.forecast(t).level.value_or(0); }
  double supply_days() const {
    auto f = m.forecast(t);
    return (f.level.value_or(0) + 40.0 * f.on_hand) / 4;
  }
};

}  // namespace

TEST_CASE("policy state: one order in flight, reorder until the refill or purchase") {
  ReorderPolicy p(2);
  CHECK(p.may_decide(kT0));
  p.decide(kT0);
  CHECK(p.reorder());
  CHECK_FALSE(p.may_decide(kT0 + kDay));      // no second order while one waits
  auto days = p.purchased(kT0 + 3 * kDay);    // its pack came
  REQUIRE(days);
  CHECK(*days == doctest::Approx(3));
  CHECK_FALSE(p.reorder());
  CHECK(p.may_decide(kT0 + 3 * kDay));
  p.decide(kT0 + 4 * kDay);
  p.order_placed(kT0 + 4 * kDay);
  CHECK(p.placed());
  p.refilled(kT0 + 5 * kDay);                 // reorder ends at a refill (replay contract)
  CHECK_FALSE(p.reorder());
  CHECK_FALSE(p.may_decide(kT0 + 30 * kDay)); // the order is still in flight
  p.order_delivered(kT0 + 6 * kDay);
  CHECK(p.may_decide(kT0 + 6 * kDay));
  // a decision no order was ever placed for stops blocking after 14 days
  p.decide(kT0 + 10 * kDay);
  CHECK_FALSE(p.may_decide(kT0 + 23 * kDay));
  CHECK(p.may_decide(kT0 + 24.1 * kDay));
  // ... or at the next refill: the household opened a pack, that need is met
  p.decide(kT0 + 30 * kDay);
  CHECK_FALSE(p.may_decide(kT0 + 31 * kDay));
  p.refilled(kT0 + 32 * kDay);
  CHECK_FALSE(p.reorder());
  CHECK(p.may_decide(kT0 + 32 * kDay));
}

TEST_CASE("policy state: a user's cancel waits, a second waits for the next refill") {
  ReorderPolicy p(2);
  p.decide(kT0);
  p.order_placed(kT0);
  p.order_cancelled(kT0 + kDay, /*by_user=*/true);
  CHECK_FALSE(p.reorder());
  CHECK_FALSE(p.may_decide(kT0 + 2.9 * kDay));
  CHECK(p.may_decide(kT0 + 3.01 * kDay));
  p.decide(kT0 + 3.1 * kDay);
  p.order_cancelled(kT0 + 3.2 * kDay, true);
  CHECK_FALSE(p.may_decide(kT0 + 60 * kDay));
  p.refilled(kT0 + 61 * kDay);
  CHECK(p.may_decide(kT0 + 61 * kDay));
  // the retailer's cancel blocks nothing
  p.decide(kT0 + 62 * kDay);
  p.order_cancelled(kT0 + 62.5 * kDay, false);
  CHECK(p.may_decide(kT0 + 62.5 * kDay));
  ReorderPolicy q(2);
  CHECK(q.load(p.save()).ok());
  CHECK(q.save() == p.save());
}

TEST_CASE("orders once, when the supply covers about the delivery time's tail") {
  Household h(pods(3));
  REQUIRE(h.m.purchased(h.t, 1).ok());  // a pack on the shelf: 80 pods, 20 days
  CHECK(h.run_until(kT0 + 40 * kDay));
  double days = h.supply_days();
  // Deliveries take 3 days on average (prior: CV 0.5); the 99th percentile is near 7.
  // The order must come before that much supply is left, not weeks early.
  CHECK(days > 4.5);
  CHECK(days < 9.5);
  CHECK(h.low_stock == 1);
  auto f = h.m.forecast(h.t);
  CHECK(f.status == "low");
  CHECK(f.stockout_risk.value_or(0) > 0);
  // it stays true (one order), no second event, until the household opens a pack
  h.run_until(h.t + 1.5 * kDay, false);
  CHECK(h.m.forecast(h.t).reorder);
  CHECK(h.low_stock == 1);
  REQUIRE(h.m.purchased(h.t, 1).ok());
  CHECK_FALSE(h.m.forecast(h.t).reorder);
}

TEST_CASE("a longer delivery time orders earlier, by about the difference") {
  Household fast(pods(2)), slow(pods(6));
  REQUIRE(fast.m.purchased(fast.t, 2).ok());
  REQUIRE(slow.m.purchased(slow.t, 2).ok());
  REQUIRE(fast.run_until(kT0 + 60 * kDay));
  REQUIRE(slow.run_until(kT0 + 60 * kDay));
  double gap = slow.supply_days() - fast.supply_days();
  CHECK(gap > 3);
  CHECK(gap < 12);
}

TEST_CASE("learned deliveries replace the prior: quick ones let it order later") {
  Household learned(pods(6)), prior(pods(6));
  for (int i = 0; i < 30; ++i) learned.m.order_delivered(learned.t, 0, 1.5);
  REQUIRE(learned.m.purchased(learned.t, 2).ok());
  REQUIRE(prior.m.purchased(prior.t, 2).ok());
  REQUIRE(learned.run_until(kT0 + 60 * kDay));
  REQUIRE(prior.run_until(kT0 + 60 * kDay));
  CHECK(learned.supply_days() < prior.supply_days() - 2);
}

TEST_CASE("a refill ends a decision no order was placed for: the next need is decided again") {
  // No retailer (or replay): the decision is a reminder. The household buys a pack
  // elsewhere and opens it when the box is empty; Larder hears only of the refill.
  Household h(pods(3));
  REQUIRE(h.run_until(kT0 + 20 * kDay));
  const double first = h.t;
  h.run_until(first + 12 * kDay, /*stop_on_order=*/false);  // the box runs empty
  REQUIRE(h.level() < 1);
  REQUIRE(h.m.forecast(h.t).reorder);
  REQUIRE(h.m.refilled(h.t, std::nullopt).ok());
  CHECK_FALSE(h.m.forecast(h.t).reorder);
  const double refill = h.t;
  // The new pack's need is decided in time (more than the 3 days' lead left), not held
  // back until 14 days after the first decision.
  REQUIRE(h.run_until(refill + 10 * kDay));
  CHECK(h.supply_days() > 3);
  CHECK(h.t < first + 14 * kDay);
}

TEST_CASE("after a user's cancel no order for cancel_wait_days: after a second, none until a refill") {
  // 3.5 days, not the default 2: the configured wait is the one kept.
  ModelSettings s;
  s.cancel_wait_days = 3.5;
  Household h(pods(3), s);
  REQUIRE(h.m.purchased(h.t, 1).ok());
  REQUIRE(h.run_until(kT0 + 40 * kDay));
  h.m.order_placed(h.t);
  CHECK(h.m.forecast(h.t).status == "ordered");
  double cancelled = h.t;
  h.m.order_cancelled(h.t, /*by_user=*/true);
  CHECK_FALSE(h.m.forecast(h.t).reorder);
  // still at risk, but it waits three and a half days
  CHECK_FALSE(h.run_until(cancelled + 3.5 * kDay - 3600));
  CHECK(h.m.forecast(h.t).status == "low");
  CHECK(h.run_until(cancelled + 5 * kDay));
  CHECK(h.t >= cancelled + 3.5 * kDay);
  // second cancel: nothing more until the household opens a pack
  h.m.order_cancelled(h.t, true);
  CHECK_FALSE(h.run_until(h.t + 10 * kDay));
  CHECK(h.m.forecast(h.t).status == "empty");
  REQUIRE(h.m.refilled(h.t, std::nullopt).ok());
  CHECK(h.run_until(h.t + 10 * kDay));  // a new cycle may order again
}

TEST_CASE("no order that would not fit: expected stock at arrival plus a pack above capacity") {
  // One delivery in three takes a month: the risk asks for an order while plenty is left.
  // With room for 200 pods it comes at once; with room for 80 it waits until what is
  // expected to be left at the (expected) arrival, plus the pack, fits.
  auto run = [](double capacity) {
    Household h(pods(3, capacity));
    for (int i = 0; i < 30; ++i) h.m.order_delivered(h.t, 0, i % 3 == 0 ? 30 : 1);
    REQUIRE(h.m.purchased(h.t, 2).ok());  // 120 pods
    REQUIRE(h.run_until(kT0 + 40 * kDay));
    return h.level() + 40.0 * h.m.forecast(h.t).on_hand;
  };
  double roomy = run(200), tight = run(80);
  CHECK(roomy >= 100);  // as soon as the rate is known (three days of use)
  // mean delivery ~10.7 days of 4 pods: at most 80 - 40 + 43 left when it orders
  CHECK(tight <= 84);
  CHECK(tight >= 70);
}
