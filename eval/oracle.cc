#include "eval/oracle.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <numbers>
#include <vector>

#include "eval/evaluator.h"
#include "forecast/risk_budget.h"
#include "forecast/stats.h"

namespace larder::eval {

namespace {

constexpr double kMaxDays = 90;             // futures are followed this far
constexpr int kPaths = 1000;                // simulated futures when a pack opens on the way
constexpr double kEmptyEps = 1e-6;          // x pack: as exhausted_at (evaluator.cc)
constexpr double kLevelEps = 1e-9;          // x pack: the loop's empty container
constexpr double kZ = 1.6448536269514722;   // 90% interval: the 5% and 95% quantiles
constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr std::uint64_t kOracleStream = 1000;  // its own streams, apart from the scenario's

// Share of a day's uses before `x` seconds after midnight (the scenario clamps the time
// of a use into the day: the tails beyond are a few 1e-12).
double day_share(double x) {
  if (x <= 0) return 0;
  if (x >= kDay - 1) return 1;
  double g = 0;
  for (const auto& p : kUsePeaks) g += p.share * forecast::normal_cdf((x - p.at) / kUsePeakSd);
  return g;
}

// ln(n!) from a table (computed once; lgamma is not thread-safe everywhere).
double log_factorial(int n) {
  static const std::vector<double> table = [] {
    std::vector<double> t(20001);
    for (std::size_t i = 1; i < t.size(); ++i) t[i] = t[i - 1] + std::log(static_cast<double>(i));
    return t;
  }();
  if (n < static_cast<int>(table.size())) return table[static_cast<std::size_t>(n)];
  double x = n + 1.0;  // Stirling for ln Gamma(x)
  return (x - 0.5) * std::log(x) - x + 0.5 * std::log(2 * std::numbers::pi) + 1 / (12 * x);
}

// The protocol's delivery delay (scenario.cc: draw_delivery_days) as weighted points:
// quantiles at the middle of probability bins, finer in the tail where a 1% risk lies.
struct DeliveryPoints {
  std::vector<double> days, weight;
};

double delivery_cdf(double d) {
  auto erlang = [](double x) {  // Gamma with a whole shape: 1 - e^-y sum_{i<k} y^i / i!
    if (x <= 0) return 0.0;
    const double y = x / kDeliveryScaleDays;
    double term = 1, sum = 0;
    for (int i = 0; i < kDeliveryShape; ++i) {
      sum += term;
      term *= y / (i + 1);
    }
    return 1 - std::exp(-y) * sum;
  };
  const double base = kDeliveryBaseDays;
  return (1 - kLateDeliveryChance) * erlang(d - base) +
         kLateDeliveryChance * erlang(d - base - kLateDeliveryDays);
}

const DeliveryPoints& delivery_points() {
  static const DeliveryPoints pts = [] {
    std::vector<double> edges;
    for (int i = 0; i <= 18; ++i) edges.push_back(0.05 * i);           // 0 .. 0.9
    for (int i = 1; i <= 18; ++i) edges.push_back(0.9 + 0.005 * i);    // .. 0.99
    for (int i = 1; i <= 10; ++i) edges.push_back(0.99 + 0.001 * i);   // .. 1
    edges.back() = 1;
    DeliveryPoints p;
    for (std::size_t i = 0; i + 1 < edges.size(); ++i) {
      double q = 0.5 * (edges[i] + edges[i + 1]);
      double lo = 1, hi = 60;
      for (int k = 0; k < 60; ++k) {
        double mid = 0.5 * (lo + hi);
        (delivery_cdf(mid) < q ? lo : hi) = mid;
      }
      p.days.push_back(0.5 * (lo + hi));
      p.weight.push_back(edges[i + 1] - edges[i]);
    }
    return p;
  }();
  return pts;
}

// The q-quantile (linear interpolation) of sorted samples; nothing if it is beyond them.
std::optional<double> sample_quantile(const std::vector<double>& v, double q) {
  if (v.empty()) return std::nullopt;
  double pos = q * static_cast<double>(v.size() - 1);
  auto lo = static_cast<std::size_t>(std::floor(pos));
  auto hi = std::min(lo + 1, v.size() - 1);
  if (!std::isfinite(v[hi])) return std::nullopt;
  return v[lo] + (v[hi] - v[lo]) * (pos - static_cast<double>(lo));
}

}  // namespace

OracleSubject::OracleSubject(const ItemSpec& item, double reorder_risk)
    : item_(item), reorder_risk_(reorder_risk) {}

double OracleSubject::change_factor(double now) const {
  const Scenario& s = *truth_.scenario;
  bool happened = s.change_day >= 0 && now >= s.t0 + s.change_day * kDay;
  return happened ? s.change_factor : 1.0;
}

bool OracleSubject::in_vacation(double now, double t) const {
  const Interval& v = truth_.scenario->vacation;
  return v.contains(now) && t < v.end;  // known once it has begun
}

double OracleSubject::expected_uses(double now, double a, double b) const {
  const Scenario& s = *truth_.scenario;
  const Interval& v = s.vacation;
  if (v.contains(now)) a = std::max(a, v.end);
  if (!(b > a)) return 0;
  const double per_day = item_.uses_per_day * change_factor(now);
  double total = 0;
  for (auto d = static_cast<long long>(std::floor((a - s.t0) / kDay));; ++d) {
    double start = s.t0 + static_cast<double>(d) * kDay;
    if (start >= b) break;
    double share = day_share(std::min(b, start + kDay) - start) - day_share(std::max(a, start) - start);
    total += per_day * (is_weekend(start) ? item_.weekend_factor : 1.0) * share;
  }
  return total;
}

double OracleSubject::reach_probability(double lambda, double supply) const {
  const double need = supply - kEmptyEps * item_.pack;
  if (need <= 0) return 1;
  if (lambda <= 0) return 0;
  if (item_.use_sd <= 0) {
    // Every use takes the same amount: the n-th use empties it.
    const double n = std::ceil(need / item_.use_mean);
    // P(N >= n) = 1 - P(N < n): the lower terms, from where they matter.
    double cdf = 0;
    auto hi = static_cast<int>(n) - 1;
    int lo = std::max(0, static_cast<int>(std::floor(lambda - 14 * std::sqrt(lambda) - 10)));
    if (hi < lo) return 1;
    double p = std::exp(lo * std::log(lambda) - lambda - log_factorial(lo));
    for (int j = lo; j <= hi; ++j) {
      if (j > lo) p *= lambda / j;
      cdf += p;
    }
    return std::clamp(1 - cdf, 0.0, 1.0);
  }
  // One use is N(mean, sd) (its clamping is beyond 3 sd): n uses reach `need` with
  // probability 1 - Phi((need - n mean) / (sd sqrt n)).
  const double mu = item_.use_mean, sd = item_.use_sd;
  int lo = std::max(1, static_cast<int>(std::floor(lambda - 14 * std::sqrt(lambda) - 10)));
  int hi = static_cast<int>(std::ceil(lambda + 14 * std::sqrt(lambda) + 10));
  double p = std::exp(lo * std::log(lambda) - lambda - log_factorial(lo));
  double sum = 0;
  for (int j = lo; j <= hi; ++j) {
    if (j > lo) p *= lambda / j;
    double z = (need - j * mu) / (sd * std::sqrt(static_cast<double>(j)));
    if (z > 9) continue;
    sum += p * (z < -9 ? 1.0 : 1 - forecast::normal_cdf(z));
  }
  return std::clamp(sum, 0.0, 1.0);
}

double OracleSubject::stockout_risk(double now, double supply) const {
  const auto& d = delivery_points();
  double r = 0;
  for (std::size_t i = 0; i < d.days.size(); ++i) {
    r += d.weight[i] * reach_probability(expected_uses(now, now, now + d.days[i] * kDay), supply);
  }
  return r;
}

double OracleSubject::risk_limit(double now) const {
  // Larder's rule (forecast/risk_budget.h), with the pack's days at the true weekly mean.
  double week = item_.uses_per_day * (5 + 2 * item_.weekend_factor) / 7;
  double rate = week * change_factor(now) * item_.use_mean;
  return forecast::scaled_reorder_risk(reorder_risk_, item_.pack / rate);
}

std::optional<double> OracleSubject::empty_quantile(double now, double p) const {
  if (!truth_.scenario) return std::nullopt;
  if (truth_.on_hand > 0 || truth_.opening || truth_.topping_up) {
    // The simulated answer holds only three quantiles.
    Answer a = simulate(now);
    if (std::fabs(p - 0.5) < 1e-12) return a.median;
    if (std::fabs(p - forecast::normal_cdf(-kZ)) < 1e-9) return a.low;
    if (std::fabs(p - forecast::normal_cdf(kZ)) < 1e-9) return a.high;
    return std::nullopt;
  }
  const double supply = truth_.level;
  if (supply - kEmptyEps * item_.pack <= 0) return now;
  // The uses needed: the lambda at which P(reach) = p, then the time the expected uses
  // from now reach it.
  double lo = 0, hi = supply / item_.use_mean + 10;
  for (int i = 0; i < 60 && reach_probability(hi, supply) < p; ++i) hi *= 2;
  for (int i = 0; i < 60; ++i) {
    double mid = 0.5 * (lo + hi);
    (reach_probability(mid, supply) < p ? lo : hi) = mid;
  }
  const double lambda = hi;
  const double cap = now + kMaxDays * kDay;
  double t = now, acc = 0;
  for (;;) {  // whole days (to the next midnight), then bisection in the day
    double next = truth_.scenario->t0 + (std::floor((t - truth_.scenario->t0) / kDay) + 1) * kDay;
    double add = expected_uses(now, t, next);
    if (acc + add >= lambda) {
      double a = t, b = next;
      for (int i = 0; i < 50; ++i) {
        double mid = 0.5 * (a + b);
        (acc + expected_uses(now, t, mid) < lambda ? a : b) = mid;
      }
      return b;
    }
    acc += add;
    t = next;
    if (t >= cap) return std::nullopt;
  }
}

OracleSubject::Answer OracleSubject::forecast(double now) const {
  if (truth_.on_hand > 0 || truth_.opening || truth_.topping_up) return simulate(now);
  return {empty_quantile(now, 0.5), empty_quantile(now, forecast::normal_cdf(-kZ)),
          empty_quantile(now, forecast::normal_cdf(kZ))};
}

OracleSubject::Answer OracleSubject::simulate(double now) const {
  const Scenario& s = *truth_.scenario;
  const double pack = item_.pack;
  const double supply = truth_.level + truth_.on_hand * pack;
  if (supply - kEmptyEps * pack <= 0) return {now, now, now};
  Rng rng(stream_seed(s.seed, kOracleStream + static_cast<std::uint64_t>(item_.index),
                      static_cast<std::uint64_t>(std::llround(now - s.t0))));
  const double per_day = item_.uses_per_day * change_factor(now);
  const double cap = now + kMaxDays * kDay;
  const double open_max = kOpenDelayMaxHours * 3600;
  std::vector<double> ends;
  ends.reserve(kPaths);
  std::vector<double> day;
  for (int path = 0; path < kPaths; ++path) {
    double c = truth_.level, used = 0, end = kInf;
    int k = truth_.on_hand;
    bool waiting = false;
    double open_at = 0;
    if (truth_.topping_up && k > 0) {  // the pack joins the container in a moment
      c += pack;
      --k;
    }
    // Whether this container's top-up coin was drawn: it is, once less than 10% of a pack
    // is left with a pack on hand (at that use, or at the pack's arrival).
    bool drawn = c < kTopUpBelow * pack;
    if (truth_.opening && k > 0) {  // the opening delay, given that it has not ended yet
      waiting = true;
      double from = std::max(now, truth_.opening_from);
      open_at = rng.uniform(from, std::max(from, truth_.opening_from + open_max));
    }
    for (auto d = static_cast<long long>(std::floor((now - s.t0) / kDay)); end == kInf; ++d) {
      double start = s.t0 + static_cast<double>(d) * kDay;
      if (start >= cap) break;
      int n = rng.poisson(per_day * (is_weekend(start) ? item_.weekend_factor : 1.0));
      day.clear();
      for (int i = 0; i < n; ++i) {
        double u = rng.uniform();
        double peak = u < kUsePeaks[0].share ? kUsePeaks[0].at
                      : u < kUsePeaks[0].share + kUsePeaks[1].share ? kUsePeaks[1].at
                                                                    : kUsePeaks[2].at;
        double t = start + std::clamp(peak + rng.normal(0, kUsePeakSd), 0.0, kDay - 1);
        if (t > now && !in_vacation(now, t)) day.push_back(t);
      }
      std::sort(day.begin(), day.end());
      for (double t : day) {
        double amount = item_.use_sd > 0
                            ? std::clamp(rng.normal(item_.use_mean, item_.use_sd), item_.use_min, item_.use_max)
                            : item_.use_mean;
        if (waiting) {
          if (t < open_at) continue;  // the container is empty: this use is lost
          waiting = false;
          c = pack;
          --k;
          drawn = false;
        }
        double take = std::min(amount, c);
        c -= take;
        if (c < kLevelEps * pack) c = 0;
        used += take;
        if (used >= supply - kEmptyEps * pack) {
          end = t;
          break;
        }
        if (c == 0) {
          if (k > 0) {
            waiting = true;
            open_at = t + rng.uniform(0, open_max);
          }
        } else if (!drawn && k > 0 && c < kTopUpBelow * pack) {
          drawn = true;
          if (rng.bernoulli(kTopUpChance)) {  // topped up at once
            c += pack;
            --k;
            drawn = false;
          }
        }
      }
    }
    ends.push_back(end);
  }
  std::sort(ends.begin(), ends.end());
  return {sample_quantile(ends, 0.5), sample_quantile(ends, forecast::normal_cdf(-kZ)),
          sample_quantile(ends, forecast::normal_cdf(kZ))};
}

Query OracleSubject::query(double now) {
  if (!truth_.scenario) return last_;
  const Scenario& s = *truth_.scenario;
  // The forecast at the protocol's query times (every 4 hours from t0): the ones judged.
  if (now != answered_at_ && std::fmod(now - s.t0, kQueryInterval) == 0) {
    Answer a = forecast(now);
    last_.empty_at = a.median;
    last_.empty_at_low = a.low;
    last_.empty_at_high = a.high;
    answered_at_ = now;
  }
  if (in_flight_) {
    last_.reorder = true;  // it keeps wanting its order until the pack comes
  } else {
    double supply = truth_.level + truth_.on_hand * item_.pack;
    double limit = risk_limit(now);
    const double longest = delivery_points().days.back();
    // The longest delivery bounds the risk: below the limit there, it is below.
    double worst = reach_probability(expected_uses(now, now, now + longest * kDay), supply);
    last_.reorder = worst >= limit && stockout_risk(now, supply) >= limit;
  }
  return last_;
}

}  // namespace larder::eval
