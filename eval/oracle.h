// The oracle: a subject that knows the scenario's true use model, to show which targets
// of the forecast protocol are floors of the protocol itself (docs/evaluation.md). It is
// judged beside Larder and the baselines but is never a rival of Larder's targets.
//
// What it knows (from the closed loop's TrueState, eval/subject.h, given before every
// query):
//   - the true supply: what the container holds and the packs on hand, whether a pack is
//     waiting to be opened (and since when) or is being topped up;
//   - the true mean rate at each moment: uses a day (weekday, weekend factor), the
//     intraday peaks, the amount of one use; the lasting change of habit once it has
//     happened (not before); a vacation once it has begun, with its end (not before);
//   - the household's rules: a pack is opened 0 to 12 h after the container empties
//     (uses in between are lost, as is the part of a use the container could not give),
//     a top-up with 5% chance when less than 10% of a pack is left;
//   - the protocol's true delivery-delay distribution, 1 + Gamma(4, 0.5) days plus 3 days
//     with probability 5% (as Larder would know it after many deliveries).
// What it does not know: the future random draws (when and how much each use takes, the
// opening delays, the top-up coins) and the delivery delays of its orders.
//
// Its answers:
//   - empty_at, empty_at_low/high: the median and the 5%/95% quantiles of the time the
//     supply runs out under that process. With no pack to open on the way (the usual
//     case) this is exact: the uses are a Poisson process with a known mean, so
//     P(empty by t) = P(demand in (now, t] >= supply), a Poisson mixture over the number
//     of uses (one use's amount is N(mean, sd): the sum of n is normal). With a pack to
//     open on the way, the quantiles come from 1000 simulated futures of that process
//     (at most 90 days ahead; a quantile beyond is not given). The forecast is computed
//     at the protocol's 4-hourly query times (the ones judged); polls in between read the
//     reorder wish only.
//   - reorder: Larder's rule: order when P(the supply runs out before a pack ordered now
//     arrives), averaged over the delivery delays, reaches reorder_risk (0.01) scaled by
//     how long a pack lasts (x pack_days / 21, clamped to 0.5..2; pack_days at the true
//     weekly mean rate); then it keeps wanting that order until its pack arrives. The
//     risk counts the whole supply as if it were one container (with a pack on hand the
//     risk is negligible anyway).
// Thread rule: plain value; one thread at a time.
#pragma once

#include <optional>

#include "eval/subject.h"

namespace larder::eval {

class OracleSubject final : public Subject {
 public:
  explicit OracleSubject(const ItemSpec& item, double reorder_risk = 0.01);

  void input(const Input&) override {}
  void tick(double) override {}
  Query query(double now) override;
  void order_placed(double) override { in_flight_ = true; }
  void delivered(double, double, double) override { in_flight_ = false; }
  void see_truth(const TrueState& truth) override { truth_ = truth; }
  bool forecasts() const override { return true; }
  bool intervals() const override { return true; }

  // The building blocks, public for the tests. All are "as known at `now`" (the change
  // of habit and a vacation only once they have begun).
  // Expected number of uses in [a, b] (now <= a <= b).
  double expected_uses(double now, double a, double b) const;
  // P(demand of the uses in a Poisson number with mean `lambda` reaches `supply`).
  double reach_probability(double lambda, double supply) const;
  // P(the supply, held in one container, runs out before a pack ordered now arrives).
  double stockout_risk(double now, double supply) const;
  double risk_limit(double now) const;
  // The p-quantile of the time the true supply runs out, or nothing beyond 90 days.
  std::optional<double> empty_quantile(double now, double p) const;

 private:
  struct Answer {
    std::optional<double> median, low, high;
  };
  Answer forecast(double now) const;
  Answer simulate(double now) const;  // a pack to open on the way: simulated futures
  double change_factor(double now) const;
  bool in_vacation(double now, double t) const;

  const ItemSpec& item_;
  double reorder_risk_;
  TrueState truth_;
  bool in_flight_ = false;
  double answered_at_ = -1;
  Query last_;
};

}  // namespace larder::eval
