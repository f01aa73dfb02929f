#include "forecast/level_filter.h"

#include <algorithm>
#include <cmath>

#include "forecast/json_io.h"

namespace larder::forecast {

using nlohmann::json;

namespace {
// The median of |a - b| for a and b independent N(0, s^2) is 0.954 s.
constexpr double kMedianAbsDiff = 0.9539;
constexpr double kTrackUp = 1.0202013400267558;    // exp(0.02): the running median's step
constexpr double kTrackDown = 0.9801986733067553;  // exp(-0.02)
}  // namespace

LevelFilter::LevelFilter(double pack_size, double tare, LevelFilterParams params)
    : pack_(pack_size), tare_(tare), p_(params) {
  sigma_ = 0.002 * pack_;
  med_abs_diff_ = kMedianAbsDiff * sigma_;
}

double LevelFilter::rise_threshold() const {
  return std::max(p_.rise_fraction * pack_, p_.rise_sigmas * sigma_);
}

void LevelFilter::plateau(double& m, int& n, double x, double step, int cap) {
  if (std::fabs(x - m) > step) {  // a step: a new plateau begins
    m = x;
    n = 1;
    return;
  }
  n = std::min(n + 1, cap);
  m += (x - m) / n;
}

void LevelFilter::learn_noise(double ts, double v) {
  if (raw_.empty()) return;
  const Raw& prev = raw_.back();
  if (ts - prev.ts > p_.gap_s) return;
  double d = std::fabs(v - prev.v);
  if (d > rise_threshold()) return;  // a step or a spike, not noise
  // A running median: equal relative steps up and down settle where half of the
  // differences are above it.
  med_abs_diff_ *= d > med_abs_diff_ ? kTrackUp : kTrackDown;
  med_abs_diff_ = std::clamp(med_abs_diff_, 1e-4 * pack_ * kMedianAbsDiff, 0.05 * pack_);
  sigma_ = med_abs_diff_ / kMedianAbsDiff;
}

LevelStep LevelFilter::push(double ts, double net) {
  LevelStep out;
  last_ts_ = ts;
  if (tare_ > 0 && net < -p_.lift_fraction * tare_) {
    last_lift_ts_ = ts;
    out.lift = true;
    return out;
  }
  last_raw_ = net;
  learn_noise(ts, net);
  if (raw_.size() == 2) {
    double a = raw_[0].v, b = raw_[1].v, c = net;
    double med = std::max(std::min(a, b), std::min(std::max(a, b), c));
    process(raw_[1].ts, med, out);
  }  // with fewer than three readings there is nothing to compare with yet
  raw_.push({ts, net});
  return out;
}

void LevelFilter::start_rise(double ts, double x, double, LevelStep& out) {
  pending_ = true;
  l0_ = m_;
  t0_ = t_hold_ = ts;
  m2_ = first_ = x;
  n2_ = 1;
  pending_gap_ = ts - t_med_ > p_.gap_s;
  gap_from_ = t_acc_;
  if (ts <= expect_until_) confirm(ts, out);
}

void LevelFilter::confirm(double ts, LevelStep& out) {
  out.rise_confirmed = true;
  out.rise_ts = t0_;
  out.rise_amount = m2_ - l0_;
  out.rise_after_gap = pending_gap_;
  out.gap_from = gap_from_;
  out.first_raised = first_;
  out.level_before = l0_;
  m_ = m2_;
  n_ = n2_;
  pending_ = false;
  expect_until_ = -1e300;
  out.accepted = true;
  out.ts = ts;
  out.level = m_;
  t_acc_ = ts;
}

void LevelFilter::process(double ts, double x, LevelStep& out) {
  const double thr = rise_threshold();
  const double step = std::max(p_.step_sigmas * sigma_, 1e-4 * pack_);
  auto accept = [&] {
    out.accepted = true;
    out.ts = ts;
    out.level = m_;
    t_acc_ = ts;
  };
  if (!has_level_) {
    has_level_ = true;
    m_ = x;
    n_ = 1;
    accept();
  } else if (pending_) {
    if (x <= l0_ + thr / 2) {
      // The rise reversed: something set on the scale was taken off again.
      pending_ = false;
      plateau(m_, n_, x, step, p_.plateau_cap);
      accept();
    } else {
      double before = m2_;
      plateau(m2_, n2_, x, step, p_.plateau_cap);
      if (n2_ == 1 && std::fabs(m2_ - before) >= thr / 2) t_hold_ = ts;  // objects moved
      double hold = l0_ < p_.near_empty * pack_ ? p_.hold_s : p_.hold_full_s;
      if (p_.room > 0 && m2_ > 1.05 * p_.room) hold = std::max(hold, p_.over_hold_s);
      if (ts - t_hold_ >= hold || ts <= expect_until_) confirm(ts, out);
    }
  } else if (drop_pending_ && x >= drop_from_ - thr / 2) {
    // The level came back: the drop was two bad readings, not a use.
    drop_pending_ = false;
    m_ = drop_from_;
    if (x > m_ + thr) {
      start_rise(ts, x, thr, out);
    } else {
      plateau(m_, n_, x, step, p_.plateau_cap);
      accept();
    }
  } else if (drop_pending_) {
    if (ts - drop_t0_ >= p_.drop_hold_s) {
      drop_pending_ = false;  // a lasting large drop (not a typical use: no `drop`)
      m_ = x;
      n_ = 1;
      accept();
    }
  } else if (x < m_ - thr) {
    drop_pending_ = true;
    drop_from_ = m_;
    drop_t0_ = ts;
  } else if (x > m_ + thr) {
    start_rise(ts, x, thr, out);
  } else {
    double before = m_;
    plateau(m_, n_, x, step, p_.plateau_cap);
    if (n_ == 1 && m_ < before) out.drop = before - m_;
    accept();
  }
  t_med_ = ts;
}

json LevelFilter::save() const {
  json raw = json::array();
  for (std::size_t i = 0; i < raw_.size(); ++i) raw.push_back({raw_[i].ts, raw_[i].v});
  return {{"raw", raw},           {"last_ts", last_ts_},    {"last_raw", last_raw_},
          {"last_lift_ts", last_lift_ts_}, {"sigma", sigma_}, {"mad", med_abs_diff_},
          {"has_level", has_level_}, {"m", m_},          {"n", n_},
          {"t_acc", t_acc_},       {"t_med", t_med_},       {"pending", pending_},
          {"l0", l0_},             {"t0", t0_},             {"m2", m2_},
          {"t_hold", t_hold_},     {"first", first_},       {"gap_from", gap_from_},
          {"n2", n2_},             {"pending_gap", pending_gap_},
          {"expect_until", expect_until_}, {"drop_pending", drop_pending_},
          {"drop_from", drop_from_}, {"drop_t0", drop_t0_}};
}

Status LevelFilter::load(const json& j) {
  JsonReader r(j, "level");
  LevelFilter f = *this;
  f.raw_.clear();
  for (const auto& e : r.list("raw", 2)) {
    if (!e.is_array() || e.size() != 2 || !e[0].is_number() || !e[1].is_number()) {
      r.fail("raw", "holds a malformed reading");
      break;
    }
    f.raw_.push({e[0].get<double>(), e[1].get<double>()});
  }
  f.last_ts_ = r.num("last_ts");
  f.last_raw_ = r.num("last_raw");
  f.last_lift_ts_ = r.num("last_lift_ts");
  f.sigma_ = r.num("sigma");
  f.med_abs_diff_ = r.num("mad");
  f.has_level_ = r.flag("has_level");
  f.m_ = r.num("m");
  f.n_ = static_cast<int>(r.whole("n", 0, JsonReader::kMaxCount));
  f.t_acc_ = r.num("t_acc");
  f.t_med_ = r.num("t_med");
  f.pending_ = r.flag("pending");
  f.l0_ = r.num("l0");
  f.t0_ = r.num("t0");
  f.m2_ = r.num("m2");
  f.t_hold_ = r.num("t_hold");
  f.first_ = r.num("first");
  f.gap_from_ = r.num("gap_from");
  f.n2_ = static_cast<int>(r.whole("n2", 0, JsonReader::kMaxCount));
  f.pending_gap_ = r.flag("pending_gap");
  f.expect_until_ = r.num("expect_until");
  f.drop_pending_ = r.flag("drop_pending");
  f.drop_from_ = r.num("drop_from");
  f.drop_t0_ = r.num("drop_t0");
  if (r.ok() && (f.sigma_ <= 0 || f.med_abs_diff_ <= 0 || f.n_ < 0 || f.n2_ < 0 ||
                 f.n_ > p_.plateau_cap || f.n2_ > p_.plateau_cap)) {
    r.fail("sigma", "or a plateau count is out of range");
  }
  if (!r.ok()) return Status::Error(r.error());
  *this = f;
  return Status::Ok();
}

}  // namespace larder::forecast
