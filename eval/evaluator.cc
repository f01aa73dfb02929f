#include "eval/evaluator.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

namespace larder::eval {

namespace {

// The state of the household, the shelf and the order in flight during one run.
class Loop {
 public:
  Loop(const Scenario& s, Subject& subject)
      : s_(s),
        item_(*s.item),
        subject_(subject),
        deliveries_(s.delivery_seed),
        openings_(s.opening_seed),
        topups_(s.topup_seed),
        counter_(s.item->sensor == Sensor::counter),
        eps_(1e-9 * s.item->pack) {
    tr_.t0 = s.t0;
    tr_.t_end = s.t_end;
    tr_.pack = item_.pack;
    tr_.sensor_refills = !counter_;
    tr_.use_t.reserve(s.uses.size());
    tr_.cum.reserve(s.uses.size());
  }

  RunTrace run() {
    // Day 0: a full container and one pack on the shelf, known to the hub.
    level_ = item_.pack;
    on_hand_ = 1;
    if (counter_) send(InputKind::refilled, s_.t0, std::numeric_limits<double>::quiet_NaN());
    send(InputKind::purchased, s_.t0, 1);

    const auto per_query = static_cast<std::size_t>(kQueryInterval / kReadingInterval);
    for (std::size_t k = 0; k < s_.readings; ++k) {
      double t = s_.reading_time(k);
      events_until(t);
      bool up = online(t);
      if (up && !deferred_.empty()) {  // back from an outage: what waited, in its order
        for (const auto& d : deferred_) {
          if (d.press) {
            subject_.input({InputKind::refilled, d.ts, std::numeric_limits<double>::quiet_NaN(), t});
          } else {
            subject_.delivered(t, d.ts, d.days);
          }
        }
        deferred_.clear();
      }
      if (up && has_readings(item_)) {
        last_reading_ = t;
        seen_lift_ = item_.sensor == Sensor::scale && s_.in_lift(t);
        seen_object_ = item_.sensor == Sensor::scale && s_.object_weight(t) > 0;
        subject_.input({InputKind::level, t, reading(k, t), t});
      }
      if (up) {
        subject_.tick(t);
        check_reorder(t);
      }
      if (k % per_query == 0) {
        subject_.see_truth(truth());
        tr_.queries.push_back({t, level_ + on_hand_ * item_.pack, subject_.query(t)});
      }
    }
    if (stockout_start_) tr_.stockouts.push_back({*stockout_start_, s_.t_end, 0});
    subject_.take_refills(tr_.detected);
    return std::move(tr_);
  }

 private:
  // A delivery's facts, or the household's `refilled` press, held while the hub is down.
  struct Deferred {
    double ts, days;
    bool press;
  };

  bool online(double t) {
    while (outage_ < s_.outages.size() && s_.outages[outage_].end <= t) ++outage_;
    return !(outage_ < s_.outages.size() && s_.outages[outage_].contains(t));
  }

  // Sends a message if the hub is up; then the subject may want to order.
  void send(InputKind kind, double t, double value) {
    if (!online(t)) return;
    subject_.input({kind, t, value, t});
    check_reorder(t);
  }

  double reading(std::size_t k, double t) const {
    double v = s_.offsets[k];
    if (item_.sensor == Sensor::scale) {
      if (!s_.in_lift(t)) v += item_.tare + level_;
      v += s_.object_weight(t);
    } else {
      v += level_;
    }
    return v;
  }

  void events_until(double t) {
    for (;;) {
      double next = std::numeric_limits<double>::infinity();
      int which = -1;
      if (use_ < s_.uses.size() && s_.uses[use_].t < next) next = s_.uses[use_].t, which = 0;
      if (in_flight_ && arrival_ < next) next = arrival_, which = 1;
      if (opening_at_ && *opening_at_ < next) next = *opening_at_, which = 2;
      if (which < 0 || next > t) return;
      if (which == 0) {
        use(s_.uses[use_++]);
      } else if (which == 1) {
        arrive(next);
      } else {
        open_pack(next);
      }
    }
  }

  void use(const Use& u) {
    if (level_ <= 0) return;  // nothing in the container: demand not met
    double take = std::min(u.amount, level_);
    level_ -= take;
    if (level_ < eps_) level_ = 0;
    cum_ += take;
    tr_.use_t.push_back(u.t);
    tr_.cum.push_back(cum_);
    if (counter_) send(InputKind::used, u.t, take);
    if (level_ == 0) {
      if (on_hand_ > 0) {
        if (!opening_at_) {
          opening_from_ = u.t;
          opening_at_ = u.t + draw_opening_delay(openings_);
        }
      } else {
        stockout_start_ = u.t;
      }
    } else {
      maybe_top_up(u.t);
    }
  }

  // Once per container, when less than 10% of a pack is left and a pack is on hand:
  // 5% of the time the household tops up right away (after the lift of that use).
  void maybe_top_up(double t) {
    if (opening_at_ || topup_drawn_ || on_hand_ == 0 || level_ <= 0) return;
    if (level_ >= kTopUpBelow * item_.pack) return;
    topup_drawn_ = true;
    if (topups_.bernoulli(kTopUpChance)) {
      opening_from_ = t;
      opening_at_ = t + 150;
    }
  }

  void open_pack(double t) {
    opening_at_.reset();
    if (on_hand_ == 0) return;
    --on_hand_;
    level_ += item_.pack;
    topup_drawn_ = false;
    if (counter_) {
      // The household's button press is not lost in an outage: it reaches the hub when
      // the hub is back, with its own time (unlike a counter's `used` telemetry).
      if (online(t)) {
        send(InputKind::refilled, t, std::numeric_limits<double>::quiet_NaN());
      } else {
        deferred_.push_back({t, 0, true});
      }
    } else {
      tr_.opened.push_back(t);
    }
  }

  void arrive(double t) {
    in_flight_ = false;
    tr_.arrivals.push_back({t, level_ + on_hand_ * item_.pack});
    ++on_hand_;
    if (stockout_start_) {
      tr_.stockouts.push_back({*stockout_start_, t, 0});
      stockout_start_.reset();
    }
    if (level_ <= 0) {
      if (!opening_at_) {
        opening_from_ = t;
        opening_at_ = t + draw_opening_delay(openings_);
      }
    } else {
      maybe_top_up(t);
    }
    if (online(t)) {
      subject_.delivered(t, t, delay_days_);
      check_reorder(t);
    } else {
      deferred_.push_back({t, delay_days_, false});
    }
  }

  TrueState truth() const {
    TrueState st;
    st.scenario = &s_;
    st.level = level_;
    st.on_hand = on_hand_;
    st.opening = opening_at_.has_value() && level_ <= 0;
    st.topping_up = opening_at_.has_value() && level_ > 0;
    st.opening_from = opening_from_;
    return st;
  }

  void check_reorder(double t) {
    subject_.see_truth(truth());
    bool want = subject_.query(t).reorder;
    if (want && !prev_reorder_ && in_flight_) ++tr_.duplicates;
    if (want && !in_flight_) {
      in_flight_ = true;
      delay_days_ = draw_delivery_days(deliveries_);
      arrival_ = t + delay_days_ * kDay;
      tr_.orders.push_back(t);
      // Placed within 60 s of a reading that showed the jar lifted, or an object.
      if (t - last_reading_ <= kLiftOrderWindow) {
        if (seen_lift_) ++tr_.lift_orders;
        if (seen_object_) ++tr_.object_orders;
      }
      subject_.order_placed(t);
    }
    prev_reorder_ = want;
  }

  const Scenario& s_;
  const ItemSpec& item_;
  Subject& subject_;
  Rng deliveries_, openings_, topups_;
  bool counter_;
  double eps_;
  RunTrace tr_;
  double level_ = 0;
  int on_hand_ = 0;
  double cum_ = 0;
  std::size_t use_ = 0, outage_ = 0;
  std::optional<double> opening_at_;
  double opening_from_ = 0;
  bool topup_drawn_ = false;
  bool in_flight_ = false;
  double arrival_ = 0, delay_days_ = 0;
  std::optional<double> stockout_start_;
  bool prev_reorder_ = false;
  std::vector<Deferred> deferred_;
  double last_reading_ = -1e300;
  bool seen_lift_ = false, seen_object_ = false;
};

double mean(const std::vector<double>& v) {
  return std::accumulate(v.begin(), v.end(), 0.0) / static_cast<double>(v.size());
}

}  // namespace

RunTrace run_closed_loop(const Scenario& s, Subject& subject) { return Loop(s, subject).run(); }

std::optional<double> exhausted_at(const RunTrace& tr, double t, double supply) {
  double eps = 1e-6 * tr.pack;
  if (supply <= eps) return t;
  auto i = static_cast<std::size_t>(std::upper_bound(tr.use_t.begin(), tr.use_t.end(), t) -
                                    tr.use_t.begin());
  double before = i ? tr.cum[i - 1] : 0;
  auto j = std::lower_bound(tr.cum.begin() + static_cast<std::ptrdiff_t>(i), tr.cum.end(),
                            before + supply - eps);
  if (j == tr.cum.end()) return std::nullopt;
  return tr.use_t[static_cast<std::size_t>(j - tr.cum.begin())];
}

RunStats summarize(const RunTrace& tr) {
  RunStats r;
  r.years = (tr.t_end - tr.t0) / kDay / 365;
  for (const auto& q : tr.queries) {
    if (q.t < tr.t0 + kWarmupDays * kDay) continue;
    auto truth = exhausted_at(tr, q.t, q.supply);
    if (!truth) continue;
    double h = (*truth - q.t) / kDay;
    if (h > kMaxHorizonDays) continue;
    QueryError e;
    e.horizon_days = h;
    if (q.answer.empty_at) {
      e.answered = true;
      e.error_days = (*q.answer.empty_at - *truth) / kDay;
    }
    e.covered = q.answer.empty_at_low && q.answer.empty_at_high &&
                *q.answer.empty_at_low <= *truth && *truth <= *q.answer.empty_at_high;
    r.queries.push_back(e);
  }
  r.stockouts = static_cast<int>(tr.stockouts.size());
  for (const auto& s : tr.stockouts) r.stockout_days += (s.end - s.start) / kDay;
  for (const auto& a : tr.arrivals) {
    auto need = exhausted_at(tr, a.t, a.supply_before);
    if (need) r.days_early.push_back((*need - a.t) / kDay);
  }
  r.orders = static_cast<int>(tr.orders.size());
  r.duplicates = tr.duplicates;
  r.lift_orders = tr.lift_orders;
  r.object_orders = tr.object_orders;
  if (tr.sensor_refills) {
    // Pairs within the window, closest first; each true refill and detection used once.
    r.true_refills = static_cast<int>(tr.opened.size());
    r.detections = static_cast<int>(tr.detected.size());
    struct Pair {
      double gap;
      std::size_t truth, det;
    };
    std::vector<Pair> pairs;
    for (std::size_t i = 0; i < tr.opened.size(); ++i) {
      for (std::size_t j = 0; j < tr.detected.size(); ++j) {
        double gap = std::fabs(tr.detected[j].ts - tr.opened[i]);
        if (gap <= kRefillMatchDays * kDay) pairs.push_back({gap, i, j});
      }
    }
    std::sort(pairs.begin(), pairs.end(), [](const Pair& a, const Pair& b) {
      return a.gap != b.gap ? a.gap < b.gap : a.truth != b.truth ? a.truth < b.truth : a.det < b.det;
    });
    std::vector<char> used_t(tr.opened.size()), used_d(tr.detected.size());
    for (const auto& p : pairs) {
      if (used_t[p.truth] || used_d[p.det]) continue;
      used_t[p.truth] = used_d[p.det] = 1;
      ++r.matched;
      r.refill_delays_h.push_back((tr.detected[p.det].seen_at - tr.opened[p.truth]) / 3600);
      r.refill_ts_errors_h.push_back(p.gap / 3600);
    }
  }
  return r;
}

std::optional<double> quantile(std::vector<double> v, double q) {
  if (v.empty()) return std::nullopt;
  std::sort(v.begin(), v.end());
  double pos = q * static_cast<double>(v.size() - 1);
  auto lo = static_cast<std::size_t>(std::floor(pos));
  auto hi = std::min(lo + 1, v.size() - 1);
  return v[lo] + (v[hi] - v[lo]) * (pos - static_cast<double>(lo));
}

ItemMetrics pool(const std::vector<RunStats>& runs, bool forecasts, bool intervals,
                 bool sensor_refills) {
  ItemMetrics m;
  m.forecasts = forecasts;
  m.intervals = intervals;
  m.sensor_refills = sensor_refills;
  m.runs = static_cast<int>(runs.size());
  std::vector<double> abs_err, err, abs_short, early, delays, ts_errors;
  std::size_t covered = 0;
  int matched = 0;
  for (const auto& r : runs) {
    m.item_years += r.years;
    for (const auto& q : r.queries) {
      ++m.counted;
      if (q.covered) ++covered;
      if (!q.answered) continue;
      ++m.answered;
      err.push_back(q.error_days);
      abs_err.push_back(std::fabs(q.error_days));
      if (q.horizon_days <= kShortHorizonDays) abs_short.push_back(std::fabs(q.error_days));
    }
    m.stockout_count += r.stockouts;
    m.stockout_days += r.stockout_days;
    early.insert(early.end(), r.days_early.begin(), r.days_early.end());
    m.orders += r.orders;
    m.duplicates += r.duplicates;
    m.lift_orders += r.lift_orders;
    m.object_orders += r.object_orders;
    m.true_refills += r.true_refills;
    m.detections += r.detections;
    matched += r.matched;
    delays.insert(delays.end(), r.refill_delays_h.begin(), r.refill_delays_h.end());
    ts_errors.insert(ts_errors.end(), r.refill_ts_errors_h.begin(), r.refill_ts_errors_h.end());
  }
  if (m.item_years > 0) {
    m.stockouts = m.stockout_count / m.item_years;
    m.stockout_days /= m.item_years;
    m.orders_per_year = m.orders / m.item_years;
  }
  if (forecasts && !abs_err.empty()) {
    m.mae = mean(abs_err);
    m.bias = mean(err);
  }
  if (forecasts && !abs_short.empty()) m.mae_short = mean(abs_short);
  if (intervals && m.counted > 0) {
    m.coverage = static_cast<double>(covered) / static_cast<double>(m.counted);
  }
  m.packs = early.size();
  m.early_median = quantile(early, 0.5);
  m.early_p90 = quantile(early, 0.9);
  if (sensor_refills) {
    if (m.detections > 0) m.refill_precision = static_cast<double>(matched) / m.detections;
    if (m.true_refills > 0) m.refill_recall = static_cast<double>(matched) / m.true_refills;
    m.refill_delay_h = quantile(delays, 0.5);
    m.refill_ts_error_h = quantile(ts_errors, 0.5);
  }
  return m;
}

}  // namespace larder::eval
