// The evaluator's oracle (eval/oracle.h): a subject that knows the scenario's true use
// model. These tests pin what it knows and that its answers are those of that model.
#include <doctest/doctest.h>

#include <cmath>

#include "eval/evaluator.h"
#include "eval/experiment.h"
#include "eval/oracle.h"
#include "forecast/stats.h"

using namespace larder::eval;

namespace {

// A counter item of steady use: 100 uses of exactly 1 a day, weekends alike.
ItemSpec steady_item() {
  ItemSpec i;
  i.id = "steady";
  i.name = "Steady";
  i.index = 7;
  i.sensor = Sensor::counter;
  i.unit = larder::Unit::pcs;
  i.capacity = 4000;
  i.pack = 1000;
  i.uses_per_day = 100;
  i.use_mean = i.use_min = i.use_max = 1;
  i.use_sd = 0;
  i.weekend_factor = 1.0;
  return i;
}

// Nothing but the item: no vacation, no change of habit, no outage.
Scenario quiet(const ItemSpec& item, double days = 100) {
  Scenario s;
  s.item = &item;
  s.seed = 3;
  s.days = days;
  s.t_end = s.t0 + days * kDay;
  s.vacation = {0, 0, 0};
  return s;
}

TrueState holding(const Scenario& s, double level, int on_hand) {
  TrueState t;
  t.scenario = &s;
  t.level = level;
  t.on_hand = on_hand;
  return t;
}

Query ask(OracleSubject& o, const TrueState& t, double now) {
  o.see_truth(t);
  return o.query(now);
}

double days(double seconds) { return seconds / kDay; }

}  // namespace

TEST_CASE("The oracle knows the mean number of uses of every day") {
  ItemSpec item = steady_item();
  Scenario s = quiet(item);
  OracleSubject o(item);
  o.see_truth(holding(s, 500, 0));
  CHECK(o.expected_uses(s.t0, s.t0, s.t0 + 7 * kDay) == doctest::Approx(700).epsilon(1e-9));
  // The peaks: 45% of a day's uses by mid-morning, all of them by the end of the day.
  CHECK(o.expected_uses(s.t0, s.t0, s.t0 + 10 * 3600) == doctest::Approx(45).epsilon(1e-3));
  CHECK(o.expected_uses(s.t0, s.t0, s.t0 + 3 * 3600) < 0.01);

  // The protocol's weekend factor: a Saturday holds 1.3 weekdays of use.
  const ItemSpec& pods = *find_item("pods");
  Scenario p = quiet(pods);
  OracleSubject op(pods);
  op.see_truth(holding(p, 40, 0));
  double saturday = p.t0 + 5 * kDay;
  CHECK(op.expected_uses(p.t0, saturday, saturday + kDay) == doctest::Approx(2.2 * 1.3).epsilon(1e-9));
  CHECK(op.expected_uses(p.t0, p.t0, p.t0 + kDay) == doctest::Approx(2.2).epsilon(1e-9));
}

TEST_CASE("The reach probability is the Poisson tail of the uses needed") {
  ItemSpec item = steady_item();
  Scenario s = quiet(item);
  OracleSubject o(item);
  o.see_truth(holding(s, 3, 0));
  // Three uses of 1 empty a supply of 3: P(N >= 3) = 1 - e^-l (1 + l + l^2/2).
  double l = 2.5;
  CHECK(o.reach_probability(l, 3) == doctest::Approx(1 - std::exp(-l) * (1 + l + l * l / 2)).epsilon(1e-9));
  CHECK(o.reach_probability(l, 0) == 1);
  CHECK(o.reach_probability(0, 3) == 0);
  // Coffee: one scoop is N(8, 1.5), n scoops reach S with probability
  // 1 - Phi((S - 8n) / (1.5 sqrt n)); mixed over a Poisson number of mean 10 (the values
  // computed apart, in double precision, from that sum).
  const ItemSpec& coffee = *find_item("coffee");
  OracleSubject oc(coffee);
  oc.see_truth(holding(s, 80, 0));
  CHECK(oc.reach_probability(10, 20) == doctest::Approx(0.9968295).epsilon(1e-4));
  CHECK(oc.reach_probability(10, 80) == doctest::Approx(0.4780133).epsilon(1e-4));
  CHECK(oc.reach_probability(10, 200) == doctest::Approx(4.31017e-5).epsilon(1e-4));
}

TEST_CASE("On a steady scenario the oracle's answers are near exact") {
  ItemSpec item = steady_item();
  Scenario s = quiet(item);
  OracleSubject o(item);
  const double now = s.t0;  // a query time (every 4 hours from t0)
  Query q = ask(o, holding(s, 500, 0), now);
  REQUIRE(q.empty_at);
  REQUIRE(q.empty_at_low);
  REQUIRE(q.empty_at_high);
  // 500 uses at 100 a day: gone on the evening of the fifth day, give or take hours.
  CHECK(days(*q.empty_at - now) == doctest::Approx(5).epsilon(0.06));
  CHECK(*q.empty_at_low < *q.empty_at);
  CHECK(*q.empty_at < *q.empty_at_high);
  CHECK(days(*q.empty_at_high - *q.empty_at_low) < 1.2);
  // Each answer is the quantile it names: P(empty by then) = P(uses reach the supply).
  auto p = [&](double t) { return o.reach_probability(o.expected_uses(now, now, t), 500); };
  CHECK(p(*q.empty_at) == doctest::Approx(0.5).epsilon(0.01));
  CHECK(p(*q.empty_at_low) == doctest::Approx(0.05).epsilon(0.01));
  CHECK(p(*q.empty_at_high) == doctest::Approx(0.95).epsilon(0.01));
  // An empty supply is empty now.
  Query e = ask(o, holding(s, 0, 0), now + 4 * 3600);
  REQUIRE(e.empty_at);
  CHECK(*e.empty_at == now + 4 * 3600);
}

TEST_CASE("A pack to open on the way costs the household's opening delay") {
  ItemSpec item = steady_item();
  Scenario s = quiet(item);
  OracleSubject one(item), two(item);
  const double now = s.t0;
  // The same 1450 uses (gone around noon: not in a night, where the median is any time
  // between the last use of one day and the first of the next), in one container or in a
  // container and a pack on the shelf. With the pack, the household opens it 0 to 12
  // hours after the container runs dry and the uses in between are lost: the supply
  // lasts longer.
  Query a = ask(one, holding(s, 1450, 0), now);
  Query b = ask(two, holding(s, 450, 1), now);
  REQUIRE(a.empty_at);
  REQUIRE(b.empty_at);
  double later = days(*b.empty_at - *a.empty_at);
  CHECK(later > 0.1);
  CHECK(later < 0.6);
  // The simulated futures agree with the exact answer where they must: a pack already
  // waiting with nothing lost (a top-up in progress) is one container.
  TrueState topping = holding(s, 450, 1);
  topping.topping_up = true;
  Query c = ask(two, topping, now + 4 * 3600);
  Query d = ask(one, holding(s, 1450, 0), now + 4 * 3600);
  REQUIRE(c.empty_at);
  REQUIRE(d.empty_at);
  CHECK(std::fabs(days(*c.empty_at - *d.empty_at)) < 0.1);
  // The same question twice (same time, same truth) gets the same answer.
  OracleSubject again(item);
  Query b2 = ask(again, holding(s, 450, 1), now);
  REQUIRE(b2.empty_at);
  CHECK(*b2.empty_at == *b.empty_at);
}

TEST_CASE("A vacation is known once it has begun, a change of habit once it has happened") {
  ItemSpec item = steady_item();
  Scenario plain = quiet(item);
  Scenario away = quiet(item);
  away.vacation = {away.t0 + 1 * kDay, away.t0 + 4 * kDay, 0};
  OracleSubject o(item);
  Query steady = ask(o, holding(plain, 500, 0), plain.t0);
  REQUIRE(steady.empty_at);
  // Before it begins the vacation is not foreseen: the same answer as without it.
  OracleSubject before(item);
  Query b = ask(before, holding(away, 500, 0), away.t0);
  REQUIRE(b.empty_at);
  CHECK(*b.empty_at == doctest::Approx(*steady.empty_at).epsilon(1e-12));
  // On its first day: no use for three days, then the same five days of use.
  OracleSubject during(item);
  Query d = ask(during, holding(away, 500, 0), away.t0 + kDay);
  REQUIRE(d.empty_at);
  CHECK(days(*d.empty_at - *steady.empty_at) == doctest::Approx(4).epsilon(1e-6));

  Scenario change = quiet(item);
  change.change_day = 2;
  change.change_factor = 0.5;
  OracleSubject c(item);
  c.see_truth(holding(change, 500, 0));
  const double day1 = change.t0 + kDay, day2 = change.t0 + 2 * kDay;
  CHECK(c.expected_uses(day1, day1, day1 + 3 * kDay) == doctest::Approx(300).epsilon(1e-9));
  CHECK(c.expected_uses(day2, day2, day2 + 3 * kDay) == doctest::Approx(150).epsilon(1e-9));
  // A pack lasts 10 days, then 20: the risk per order is 0.01 x 10 / 21 clamped to
  // x0.5, then 0.01 x 20 / 21.
  CHECK(c.risk_limit(day1) == doctest::Approx(0.005).epsilon(1e-9));
  CHECK(c.risk_limit(day2) == doctest::Approx(0.01 * 20 / 21).epsilon(1e-9));
}

TEST_CASE("The oracle orders by Larder's risk rule and keeps its order until it comes") {
  const ItemSpec& pods = *find_item("pods");
  Scenario s = quiet(pods);
  OracleSubject o(pods);
  o.see_truth(holding(s, 40, 0));
  // A pack of 40 lasts 40 / (2.2 x 7.6 / 7) = 16.7 days: 0.01 x 16.7 / 21.
  double pack_days = 40 / (2.2 * (5 + 2 * 1.3) / 7);
  CHECK(o.risk_limit(s.t0) == doctest::Approx(0.01 * pack_days / 21).epsilon(1e-9));
  // The risk falls as the supply grows; a delivery takes at least a day.
  double last = 1;
  for (int n = 0; n <= 30; n += 2) {
    double r = o.stockout_risk(s.t0, n);
    CHECK(r <= last + 1e-12);
    last = r;
  }
  CHECK(o.stockout_risk(s.t0, 0) == doctest::Approx(1));
  CHECK(o.stockout_risk(s.t0, 40) < 1e-4);
  // A 1.2-pod use in a day and a delivery of 1 to 12 days: 5 pods are far too few.
  double t = s.t0 + 3 * 3600;
  CHECK_FALSE(ask(o, holding(s, 40, 0), t).reorder);
  CHECK(ask(o, holding(s, 5, 0), t + 300).reorder);
  o.order_placed(t + 300);
  CHECK(ask(o, holding(s, 40, 0), t + 600).reorder);  // in flight: still wanted
  o.delivered(t + 900, t + 900, 3);
  CHECK_FALSE(ask(o, holding(s, 40, 0), t + 900).reorder);
}

TEST_CASE("The oracle runs in the closed loop and is never judged against the targets") {
  EvalOptions opt;
  opt.seeds = 1;
  opt.days = 120;
  opt.items = {"pods"};
  opt.subjects = {kLarder, kOracle};
  EvalResult r = evaluate(opt);
  REQUIRE(r.items.size() == 1);
  const auto& m = r.items[0].subjects.at(kOracle);
  REQUIRE(m.mae);
  REQUIRE(m.coverage);
  CHECK(m.answered == m.counted);
  CHECK(*m.coverage > 0.8);
  CHECK(*m.mae < 2.5);
  CHECK(m.orders > 0);
  // The targets judge Larder only: without the oracle's column they come out the same.
  ItemResult without = r.items[0];
  without.subjects.erase(kOracle);
  const auto judged = check_targets(r.items[0], Targets{});
  const auto alone = check_targets(without, Targets{});
  REQUIRE_FALSE(judged.empty());
  REQUIRE(judged.size() == alone.size());
  for (std::size_t i = 0; i < judged.size(); ++i) {
    INFO(judged[i].row);
    CHECK(judged[i].value == alone[i].value);
    CHECK(judged[i].pass == alone[i].pass);
  }
  // By default (no subject named) every subject runs but the oracle.
  EvalOptions all;
  all.seeds = 1;
  all.days = 30;
  all.items = {"pods"};
  EvalResult r2 = evaluate(all);
  CHECK(r2.items[0].subjects.count(kLarder) == 1);
  CHECK(r2.items[0].subjects.count(kOracle) == 0);
}
