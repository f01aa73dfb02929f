// How fast a consumable goes: learned from completed days of use (daily_use.h).
//
// The model of a day's use is base * factor[day of week] + noise:
//   - base: the weekly average use per day. A running mean over the days so far that
//     turns into an exponential average with a memory of about 1/alpha_min days. A CUSUM
//     on the standardised residuals watches for a lasting change of habit; on an alarm the
//     base restarts from the mean of the days since the change began (the CUSUM's last
//     zero; with two days' weight of the old base), so a change is followed within days,
//     not weeks, while the steady state keeps a long, quiet memory. Residuals are clipped
//     at 3 deviations, so a single extreme day cannot raise an alarm. For intermittent items the CUSUM runs on 4-day blocks, where a
//     normal run of days without use is not mistaken for a change.
//   - factor: the weekly rhythm, one factor per day of the week (mean 1), learned slowly
//     (about 12 weeks) and shrunk toward 1 (as if `dow_prior` weeks without rhythm had been
//     seen), so that noise does not pass for a rhythm.
//   - occurrence p and size z (Teunter-Syntetos-Babai): the share of days with use and the
//     mean use on such a day. The mean rate is estimated on the daily totals (the same as
//     TSB's p*z when sizes are steady, and with a single smoothing of the product); p and z
//     decide whether the item is intermittent and what counts as an absence.
//   - absence: a day with less than half a use (or, with the use size unknown, a quarter
//     of an average day) had no use. A run of days without use is held back, not learned;
//     if it grows longer
//     than chance allows (probability (1-p)^n below absence_p, and at least 3 days: 3 days
//     for a daily item, about a week for one used every other day) it is an absence (a
//     vacation) and is
//     dropped; otherwise it is learned when use returns. A censored day (the container was
//     empty for a part of it) is learned with the use of its empty hours added from the
//     model (base * factor * the day's empty share), for the mean only (like a bridged
//     day), unless it was mostly empty; days away are never learned.
//   - day_var: the variance of a deseasonalised day's use around base (an exponential
//     average of squared residuals over ~60 days, from a prior of CV 0.6 until 5 days
//     are seen); it scales the CUSUM and the uncertainty of base.
//   - use_var: the variance of a day's use per unit of its weekday factor, learned the
//     same way. A day's use is a count of uses, whose variance grows with its mean (as a
//     Poisson count's does), not with its square: a weekend day of twice the use varies
//     twice as much, not four times. The forecast's day-to-day noise is use_var * factor.
// Thread rule: plain value.
#pragma once

#include <array>

#include <nlohmann/json.hpp>

#include "forecast/daily_use.h"
#include "forecast/ring.h"
#include "larder/status.h"

namespace larder::forecast {

struct RateParams {
  double alpha_min = 1.0 / 30;  // slowest learning rate of base (~30 days of memory)
  double cusum_k = 0.35;        // CUSUM allowance, in standard deviations
  double cusum_h = 7;           // CUSUM alarm threshold
  double dow_alpha = 1.0 / 12;  // learning rate of a day-of-week factor, per week
  double dow_prior = 4;         // weeks without rhythm the factors are shrunk toward
  double var_alpha = 1.0 / 60;  // learning rate of the day-to-day variance
  double absence_p = 0.01;      // a run of zero days less likely than this is an absence
  int absence_max = 21;         // the longest run that can still be ordinary
  int min_days = 3;             // days to learn before the rate is known
};

class RateModel {
 public:
  explicit RateModel(double pack_size, RateParams params = {});

  // Learns from one completed day (days come in order).
  void add_day(const DayTotal& d);
  // The mean size of one use (a scoop, a pod, a wash), when the caller knows it: a day
  // with less than half of one had no use.
  void set_use_size(double size) { use_size_ = size; }

  bool known() const { return learned_ >= p_.min_days && base_ > 0; }
  int days_learned() const { return learned_; }
  double base() const { return base_; }
  double factor(int dow) const { return factor_[dow]; }
  double day_var() const;       // variance of one deseasonalised day around base
  double use_var() const;       // variance of a day's use per unit of its weekday factor
  double base_var() const;      // variance of the estimate of base
  double occurrence() const { return p_occ_; }
  double size() const { return z_; }
  bool intermittent() const { return learned_ >= 7 && p_occ_ < 0.7; }
  int zero_run() const { return run_; }
  bool absent() const { return absent_; }
  int absence_days() const;
  // The run of days without use worth telling the household about (ConsumableModel's
  // use_stopped): one that chance gives less than once in ten thousand days of use, for
  // the same occurrence; a notification must be rarer than a decision not to learn.
  int notice_days() const;
  int changes() const { return changes_; }
  double zero_threshold() const;

  nlohmann::json save() const;
  Status load(const nlohmann::json& j);

 private:
  void learn(const DayTotal& d);
  void cusum(double y, double sd);
  void update_factors();

  double pack_;
  RateParams p_;
  double use_size_ = 0;
  int learned_ = 0;
  double base_ = 0, n_eff_ = 0;
  double var_ = 0, var_n_ = 0;
  double uvar_ = 0, uvar_n_ = 0;
  double p_occ_ = 0.5, z_ = 0, n_z_ = 0;
  // CUSUM (on blocks of block_days_ days)
  double s_pos_ = 0, s_neg_ = 0, sum_pos_ = 0, sum_neg_ = 0, cnt_pos_ = 0, cnt_neg_ = 0;
  double block_sum_ = 0, block_n_ = 0, block_days_ = 1;
  int changes_ = 0;
  // the weekly rhythm
  std::array<double, 7> f_raw_{}, f_w_{}, factor_{};
  // the run of zero days not learned yet
  Ring<DayTotal, 24> zeros_;
  int run_ = 0;
  bool absent_ = false;
};

}  // namespace larder::forecast
