#include "forecast/rate_model.h"

#include <algorithm>
#include <cmath>

#include "forecast/json_io.h"

namespace larder::forecast {

using nlohmann::json;

namespace {
constexpr double kPriorCv = 0.6;     // day-to-day CV assumed until days are seen
constexpr double kPriorVarDays = 5;  // how many days that assumption weighs
constexpr int kCusumFrom = 21;       // days learned before changes are watched for
constexpr int kRhythmFrom = 7;       // days learned before the weekly rhythm is
constexpr double kMaxRatio = 5;      // a day counts as at most 5 average days for it
constexpr double kMaxResidual = 3;   // CUSUM input clipped to this many deviations
constexpr double kRestartPrior = 2;  // days of the old base kept at a detected change
constexpr int kMinAbsence = 3;       // shorter runs without use are never an absence
constexpr double kMaxImputed = 0.5;  // a censored day with more of its use to impute is dropped
}  // namespace

RateModel::RateModel(double pack_size, RateParams params) : pack_(pack_size), p_(params) {
  f_raw_.fill(1);
  factor_.fill(1);
}

namespace {
// A learned variance blended with the prior of CV 0.6 until kPriorVarDays days are seen.
double with_prior(double learned, double n, double base) {
  double prior = (kPriorCv * base) * (kPriorCv * base);
  if (n >= kPriorVarDays) return learned;
  return (n * learned + (kPriorVarDays - n) * prior) / kPriorVarDays;
}
}  // namespace

double RateModel::day_var() const { return with_prior(var_, var_n_, base_); }

double RateModel::use_var() const { return with_prior(uvar_, uvar_n_, base_); }

double RateModel::base_var() const {
  double cap = (2 - p_.alpha_min) / p_.alpha_min;  // the EWMA's equivalent sample size
  return day_var() / std::max(1.0, std::min(n_eff_, cap));
}

namespace {
// The days a run without use takes to be less likely than `chance`, by the chance of a day
// without use (`p_none`).
int run_for(double chance, double p_none) {
  return static_cast<int>(std::ceil(std::log(chance) / std::log(p_none)));
}
}  // namespace

int RateModel::absence_days() const {
  double p0 = learned_ >= 7 ? std::clamp(1 - p_occ_, 0.02, 0.9) : 0.5;
  return std::clamp(run_for(p_.absence_p, p0), kMinAbsence, p_.absence_max);
}

int RateModel::notice_days() const {
  double p0 = learned_ >= 7 ? std::clamp(1 - p_occ_, 0.02, 0.9) : 0.5;
  return std::clamp(run_for(1e-4, p0), kMinAbsence, 4 * p_.absence_max);
}

double RateModel::zero_threshold() const {
  if (use_size_ > 0) return 0.5 * use_size_;
  if (learned_ < p_.min_days || base_ <= 0) return 0.005 * pack_;
  double scale = z_ > 0 ? std::min(base_, z_) : base_;
  return 0.25 * scale;
}

void RateModel::add_day(const DayTotal& in) {
  if (in.away) return;  // the household was away: nothing to learn about its appetite
  DayTotal d = in;
  if (d.censored) {
    // The container stood empty for a part of the day. The day it ran dry was, by
    // selection, a day of more use than most, so dropping it would bias the base low: the
    // use its empty hours would have had is added from the model instead. A day mostly
    // empty, or one before the rate is known, says too little and is dropped.
    if (!known() || d.empty_share > kMaxImputed) return;
    d.use += base_ * factor_[d.dow] * d.empty_share;
    d.bridged = true;  // in part the model's own guess: it teaches the mean, not the spread
                       // or the weekly rhythm
  }
  if (d.use < zero_threshold()) {
    ++run_;
    if (!absent_) {
      zeros_.push(d);
      if (run_ >= absence_days()) {
        absent_ = true;  // an absence: these days are not part of the habit
        zeros_.clear();
      }
    }
    return;
  }
  if (!absent_) {
    while (!zeros_.empty()) learn(zeros_.pop_front());
  }
  zeros_.clear();
  run_ = 0;
  absent_ = false;
  learn(d);
}

void RateModel::learn(const DayTotal& d) {
  const double thr = zero_threshold();
  ++learned_;
  const double y = d.use / factor_[d.dow];
  const double before = base_;

  // occurrence and size
  double a = std::max(p_.alpha_min, 1.0 / learned_);
  bool occurred = d.use >= thr;
  p_occ_ += a * ((occurred ? 1.0 : 0.0) - p_occ_);
  if (occurred) {
    n_z_ += 1;
    z_ += std::max(p_.alpha_min, 1.0 / n_z_) * (d.use - z_);
  }

  if (learned_ == 1) {
    base_ = y;
    n_eff_ = 1;
    return;
  }
  double sd = std::sqrt(day_var());
  bool changed = false;
  if (learned_ > kCusumFrom && sd > 0) {
    block_sum_ += y - before;
    block_n_ += 1;
    sum_pos_ += y;
    cnt_pos_ += 1;
    sum_neg_ += y;
    cnt_neg_ += 1;
    if (block_n_ >= block_days_) {
      // Winsorised: one extreme day (a party, a refill counted twice) is not a change.
      double r = std::clamp(block_sum_ / (sd * std::sqrt(block_n_)), -kMaxResidual, kMaxResidual);
      s_pos_ = std::max(0.0, s_pos_ + r - p_.cusum_k);
      s_neg_ = std::max(0.0, s_neg_ - r - p_.cusum_k);
      // The change began where the CUSUM last left zero: count from there.
      if (s_pos_ == 0) sum_pos_ = cnt_pos_ = 0;
      if (s_neg_ == 0) sum_neg_ = cnt_neg_ = 0;
      if (s_pos_ > p_.cusum_h || s_neg_ > p_.cusum_h) {
        bool up = s_pos_ > p_.cusum_h;
        double sum = up ? sum_pos_ : sum_neg_, cnt = up ? cnt_pos_ : cnt_neg_;
        if (cnt > 0) {
          // Restart from the days since the change began, with a little of the old base
          // (a short segment alone is too noisy to trust).
          base_ = (sum + kRestartPrior * base_) / (cnt + kRestartPrior);
          n_eff_ = cnt + kRestartPrior;
          changed = true;
          ++changes_;
        }
        s_pos_ = s_neg_ = sum_pos_ = sum_neg_ = cnt_pos_ = cnt_neg_ = 0;
      }
      block_sum_ = block_n_ = 0;
      block_days_ = intermittent() ? 4 : 1;
    }
  }
  if (!changed) {
    n_eff_ += 1;
    base_ += std::max(p_.alpha_min, 1.0 / n_eff_) * (y - base_);
  }
  if (!d.bridged) {
    double e = y - before;
    if (before > 0) {
      var_n_ += 1;
      var_ += std::max(p_.var_alpha, 1.0 / var_n_) * (e * e - var_);
      // (use - before * f)^2 / f: the day's squared deviation per unit of its factor
      uvar_n_ += 1;
      uvar_ += std::max(p_.var_alpha, 1.0 / uvar_n_) * (e * e * factor_[d.dow] - uvar_);
    }
    if (learned_ > kRhythmFrom && before > 0) {
      int k = d.dow;
      f_w_[k] += 1;
      double ratio = std::clamp(d.use / before, 0.0, kMaxRatio);
      f_raw_[k] += std::max(p_.dow_alpha, 1.0 / f_w_[k]) * (ratio - f_raw_[k]);
      update_factors();
    }
  }
}

void RateModel::update_factors() {
  double w_cap = 1 / p_.dow_alpha, sum = 0;
  for (int k = 0; k < 7; ++k) {
    double w = std::min(f_w_[k], w_cap);
    factor_[k] = (w * f_raw_[k] + p_.dow_prior) / (w + p_.dow_prior);
    factor_[k] = std::max(factor_[k], 0.05);
    sum += factor_[k];
  }
  for (double& f : factor_) f *= 7 / sum;
}

json RateModel::save() const {
  json zeros = json::array();
  for (std::size_t i = 0; i < zeros_.size(); ++i) zeros.push_back({zeros_[i].day, zeros_[i].use});
  return {{"learned", learned_}, {"base", base_},       {"n_eff", n_eff_},
          {"var", var_},         {"var_n", var_n_},     {"uvar", uvar_},
          {"uvar_n", uvar_n_},   {"p", p_occ_},
          {"z", z_},             {"n_z", n_z_},         {"s_pos", s_pos_},
          {"s_neg", s_neg_},     {"sum_pos", sum_pos_}, {"sum_neg", sum_neg_},
          {"cnt_pos", cnt_pos_}, {"cnt_neg", cnt_neg_}, {"block_sum", block_sum_},
          {"block_n", block_n_}, {"block_days", block_days_}, {"changes", changes_},
          {"f_raw", f_raw_},     {"f_w", f_w_},         {"zeros", zeros},
          {"run", run_},         {"absent", absent_}};
}

Status RateModel::load(const json& j) {
  JsonReader r(j, "rate");
  RateModel m = *this;
  m.learned_ = static_cast<int>(r.whole("learned", 0, JsonReader::kMaxCount));
  m.base_ = r.num("base");
  m.n_eff_ = r.num("n_eff");
  m.var_ = r.num("var");
  m.var_n_ = r.num("var_n");
  // A state saved before use_var was learned starts it from the deseasonalised variance.
  m.uvar_ = r.num_or("uvar", m.var_);
  m.uvar_n_ = r.num_or("uvar_n", m.var_n_);
  m.p_occ_ = r.num("p");
  m.z_ = r.num("z");
  m.n_z_ = r.num("n_z");
  m.s_pos_ = r.num("s_pos");
  m.s_neg_ = r.num("s_neg");
  m.sum_pos_ = r.num("sum_pos");
  m.sum_neg_ = r.num("sum_neg");
  m.cnt_pos_ = r.num("cnt_pos");
  m.cnt_neg_ = r.num("cnt_neg");
  m.block_sum_ = r.num("block_sum");
  m.block_n_ = r.num("block_n");
  m.block_days_ = r.num("block_days");
  m.changes_ = static_cast<int>(r.whole("changes", 0, JsonReader::kMaxCount));
  m.f_raw_ = r.nums<7>("f_raw");
  m.f_w_ = r.nums<7>("f_w");
  m.run_ = static_cast<int>(r.whole("run", 0, JsonReader::kMaxCount));
  m.absent_ = r.flag("absent");
  m.zeros_.clear();
  for (const auto& e : r.list("zeros", 24)) {
    if (!e.is_array() || e.size() != 2 || !e[0].is_number() || !e[1].is_number()) {
      r.fail("zeros", "holds a malformed day");
      break;
    }
    DayTotal d;
    d.day = e[0].get<std::int64_t>();
    d.dow = DailyUse::day_of_week(d.day);
    d.use = e[1].get<double>();
    m.zeros_.push(d);
  }
  if (r.ok() && (m.learned_ < 0 || m.base_ < 0 || m.var_ < 0 || m.uvar_ < 0 || m.p_occ_ < 0 ||
                 m.p_occ_ > 1 || m.block_days_ < 1 || m.run_ < 0)) {
    r.fail("base", "or another learned value is out of range");
  }
  for (double w : m.f_w_) {
    if (w < 0) r.fail("f_w", "has a negative weight");
  }
  if (!r.ok()) return Status::Error(r.error());
  m.update_factors();
  *this = m;
  return Status::Ok();
}

}  // namespace larder::forecast
