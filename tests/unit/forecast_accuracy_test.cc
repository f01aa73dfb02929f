// The deterministic two-seed accuracy check (shared/eval/forecast.md, docs/evaluation.md):
// the evaluator runs Larder (the real hub and consumption model) and the baselines it is
// compared with on seeds 1 and 2, all four items, 400 days, readings every 5 minutes,
// and every target of the protocol is checked, with the margins below. A target the model
// met when it was written fails the test once missed; the targets it does not meet yet
// (kKnownGaps: issue 3 stays open for them) must stay within their recorded bounds. So no
// change can quietly make the model worse.
//
// Margins, because two seeds (2.2 item-years per item) are few:
//   - error metrics 10% looser: MAE <= 2.75 / 5.5 d (horizon <= 7 d: 1.375), |bias| <=
//     0.55 d, MAE <= 0.77 x the naive rate's, median days early <= 4.4 / 7.7 and at most
//     0.825 x the best global threshold's, 90th percentile <= 11;
//   - coverage of the 90% interval within 0.80..0.97 (a few hundred correlated queries);
//   - stockouts <= 0.5 and stockout days <= 1.0 per item-year (one short stockout per item
//     over the two seeds passes; two do not);
//   - refill precision and recall >= 0.97 (27 to 37 true refills per sensor item on these
//     seeds: one miss passes the coffee, but not the detergent's 27: 26/27 = 0.963);
//   - orders on a lift or an object: none, no margin.
// Runs in a few seconds (label `accuracy`; `ctest -L accuracy`).
#include <doctest/doctest.h>

#include <cstdio>
#include <map>
#include <string>
#include <utility>

#include "eval/experiment.h"
#include "eval/report.h"
#include "larder/log.h"

using namespace larder::eval;

namespace {
// Targets the model misses today, "item/row" -> the bounds the value must stay within
// (the value measured when this was written, with a small margin). Remove an entry when
// its target is met; never widen one.
const std::map<std::string, std::pair<double, double>> kKnownGaps = {
    // measured with `larder-eval --seeds 2 --first-seed 1` on 2026-11-30
    {"coffee/early_median", {0, 6.1}},        // 5.82 d
    {"water_filter/bias", {-0.8, 0.8}},       // 0.74 d
    {"pods/early_median", {0, 6.1}},          // 5.83 d
    {"detergent/bias", {-2.9, 2.9}},          // 3.05 d; 2.61 d since the noise of a day
                                              // grows with its mean (2026-12-03)
};
}  // namespace

TEST_CASE("Larder meets every target of the forecast protocol on two seeds") {
  larder::set_log_level(larder::LogLevel::error);  // spikes are refused by the hub: expected
  EvalOptions o;
  o.seeds = 2;
  o.first_seed = 1;
  o.days = 400;
  o.subjects = {kLarder, kGlobal, kNaive};
  o.threads = 2;
  EvalResult r = evaluate(o);

  Targets t;
  t.mae_regular = 2.75;
  t.mae_short_regular = 1.375;
  t.mae_intermittent = 5.5;
  t.bias = 0.55;
  t.vs_naive = 0.77;
  t.early_median_regular = 4.4;
  t.early_median_intermittent = 7.7;
  t.early_p90 = 11;
  t.vs_global = 0.825;
  t.coverage_low = 0.80;
  t.coverage_high = 0.97;
  t.stockouts = 0.5;
  t.stockout_days = 1.0;
  t.refill = 0.97;

  std::string table = render_table(r, t);
  std::fputs(table.c_str(), stdout);  // the whole picture when it fails
  REQUIRE(r.items.size() == 4);
  for (const auto& ir : r.items) {
    auto checks = check_targets(ir, t);
    CHECK(checks.size() >= 10);
    for (const auto& c : checks) {
      if (!c.judged) {
        // No swept threshold reaches Larder's stockouts: the protocol names no rival, and
        // a comparison with none proves nothing either way (printed as n/a above).
        MESSAGE(ir.item->id << " " << c.row << ": not judged (no rival at Larder's stockouts)");
        continue;
      }
      std::string what = ir.item->id + " " + c.row + " " + c.target + ", got " +
                         (c.value ? std::to_string(*c.value) : std::string("null"));
      CAPTURE(what);
      if (auto gap = kKnownGaps.find(ir.item->id + "/" + c.row); gap != kKnownGaps.end()) {
        // A target the model does not meet yet (issue 3 stays open for it): it must not get
        // worse than it was measured when the gap was written down.
        REQUIRE(c.value.has_value());
        if (!c.pass) WARN_MESSAGE(false, "target not met yet: " << what);
        CHECK(*c.value >= gap->second.first);
        CHECK(*c.value <= gap->second.second);
        continue;
      }
      CHECK(c.pass);
    }
  }
}
