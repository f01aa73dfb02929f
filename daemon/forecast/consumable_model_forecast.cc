// ConsumableModel: the reorder decision and the forecast (the inputs are in
// consumable_model.cc, save and load in consumable_model_state.cc).
#include <algorithm>
#include <cmath>

#include "forecast/consumable_model.h"
#include "forecast/risk_budget.h"
#include "forecast/stats.h"

namespace larder {

namespace {
constexpr double kDay = 86400;
constexpr double kLiftQuietS = 120;       // no decision this soon after a lift
constexpr double kBoundZ = 4.75;          // one in a million
constexpr double kZ90 = 1.6448536269514722;  // the 95% normal quantile: a 90% interval
constexpr double kDatesCheckS = 3600;     // best-before outlooks are looked at hourly
}  // namespace

// ---- the decision -----------------------------------------------------------------------

bool ConsumableModel::known() const {
  bool has_level = source_ == Source::level ? filter_.has_level() : counter_level_.has_value();
  return has_level && rate_.known();
}

double ConsumableModel::display_level() const {
  if (source_ == Source::level) return std::max(0.0, filter_.level());
  return counter_level_.value_or(0);
}

double ConsumableModel::supply() const {
  double packs = on_hand_;
  // A `refilled` message opened a pack the sensor has not seen poured yet (until its rise,
  // or kAnnounceS): it is in the household's hands, if not in the container, and a supply
  // without it would order on a refill in progress.
  if (source_ == Source::level && filter_.level_ts() <= announced_until_) packs += 1;
  return display_level() + packs * config_.pack.size;
}

double ConsumableModel::empty_level() const {
  if (source_ == Source::level) {
    // Three deviations of one reading; but the level is a plateau's mean, far steadier
    // than one reading, so a noisy sensor is not called empty with several uses left:
    // at most half a use (once uses are known).
    double noise = 3 * filter_.noise();
    if (use_sizes_ >= 5) noise = std::min(noise, 0.5 * use_size_);
    return std::max(0.01 * config_.pack.size, noise);
  }
  return 1e-9 * config_.pack.size;
}

double ConsumableModel::anchor(double now) const {
  // A level sensor's supply is known at its last accepted reading; a counter's at any
  // time (no event: no use).
  if (source_ == Source::level) return std::min(now, filter_.level_ts());
  if (settings_.bridge_outages && advance_gap_ <= kTickS && now - last_advance_ > kOutageS) {
    // The hub ticked regularly and then stopped: it is down, and uses since are unknown.
    return std::max(last_advance_, std::min(now, last_used_ts_));
  }
  return now;
}

double ConsumableModel::use_from(double now) const {
  double from = anchor(now);
  return away_at(now) ? std::max(from, away_until_) : from;
}

void ConsumableModel::ensure_projection(double from) const {
  proj_.set_supply_var(source_ == Source::counter ? level_var_ : 0.0);
  if (proj_.built() && proj_version_ == rate_version_ && proj_.anchor_day() == daily_.local_day(from)) {
    return;
  }
  forecast::UseModel m;
  m.base = rate_.base();
  for (int k = 0; k < 7; ++k) m.factor[k] = rate_.factor(k);
  m.use_var = rate_.use_var();
  m.base_var = rate_.base_var();
  m.drift = settings_.rate_drift_per_day;
  m.profile = daily_.profile();
  m.var_scale = settings_.interval_var_scale;
  proj_.build(m, daily_, from);
  proj_version_ = rate_version_;
}

double ConsumableModel::risk_limit() const {
  double pack_days =
      rate_.base() > 0 ? config_.pack.size / rate_.base() : forecast::kReferencePackDays;
  return forecast::scaled_reorder_risk(settings_.reorder_risk, pack_days);
}

double ConsumableModel::risk(double now, double from, double s) const {
  const auto& pts = delivery_.points();
  double r = 0;
  for (int i = 0; i < delivery_.size(); ++i) {
    const double arrival = now + pts[i].days * kDay;
    if (arrival > from) r += pts[i].weight * proj_.tail(from, arrival, s);
  }
  return r;
}

bool ConsumableModel::settled(double now) const {
  if (source_ != Source::level) return true;
  // A settled accepted level: not while a rise is held (an object, a refill in progress),
  // not just after a lift, not while the newest reading disagrees with it.
  if (filter_.rise_pending() || filter_.drop_pending()) return false;
  if (now - filter_.last_lift_ts() < kLiftQuietS) return false;
  return std::fabs(filter_.last_raw() - filter_.level()) <= filter_.rise_threshold();
}

bool ConsumableModel::run_out() const {
  // Ran out: a counter's level exists only after a refill (it held that much); a level
  // sensor's container must have held something once (not a sensor put under an empty
  // container, nor a lift outlasting the drop hold on a scale without a tare).
  if (source_ == Source::level ? !(filter_.has_level() && stocked_) : !counter_level_) return false;
  return supply() <= empty_level();
}

void ConsumableModel::decide(double now, bool may_order) {
  // An order wished for is placed now, whatever time the input that moved the model carries
  // (the history a sensor sends late, backdated to before the household left): whether
  // the household is away is a question of the present, the latest clock time seen.
  const double present = std::max({now, last_advance_, away_from_ < 1e299 ? away_from_ : now});
  if (!known()) {
    at_risk_ = false;
    // No use learned yet, so no risk to weigh; but a supply that is gone (the container
    // empty on a settled level, no pack on hand) needs none: it has run out, and only an
    // order brings the next pack. Not into an empty house.
    // Away, the order waits until even the quickest delivery would come after the return
    // (the rule of a known rate, below).
    const bool house_empty = away_at(present) && present + delivery_.min() * kDay < away_until_;
    if (may_order && run_out() && settled(now) && !house_empty && policy_.may_decide(now)) {
      policy_.decide(now);
      push_event("low_stock", now, display_level());
      ++version_;
    }
    return;
  }
  if (!settled(now)) return;
  if (away_at(present) && away_until_ >= 1e299) {
    // Away without an end: no use is expected, so nothing can run out.
    if (at_risk_) ++version_;
    at_risk_ = false;
    return;
  }
  bool may = may_order && policy_.may_decide(now);
  if (!policy_.may_decide(now) && policy_.reorder()) return;  // decided already
  double from = use_from(now);
  ensure_projection(from);
  double s = effective_supply();
  unsigned key = rate_version_ * 64u + static_cast<unsigned>(delivery_.count());
  if (now >= bound_until_ || key != bound_key_) {
    // The supply the use could reach, even with the longest delivery, with a chance of
    // one in a million: above it the risk needs no sum.
    auto m = proj_.moments(from, std::max(from, now + delivery_.max() * kDay + 3600));
    bound_s_ = forecast::gamma_quantile_z(m.mean, m.var, kBoundZ);
    bound_until_ = now + 3600;
    bound_key_ = key;
  }
  bool was = at_risk_;
  if (s > bound_s_) {
    at_risk_ = false;
  } else {
    // The longest delivery bounds the risk: below the threshold there, it is below.
    double worst = proj_.tail(from, std::max(from, now + delivery_.max() * kDay), s);
    double limit = risk_limit();
    at_risk_ = worst >= limit && risk(now, from, s) >= limit;
  }
  if (was != at_risk_) ++version_;
  if (!at_risk_ || !may) return;
  // Room for it: what is expected to be left when it comes, plus the pack, must fit. A
  // capacity below two packs is a container whose next pack waits on the shelf.
  double at_arrival = s - proj_.mean(from, std::max(from, now + delivery_.mean() * kDay));
  double room = std::max(config_.capacity, 2 * config_.pack.size);
  if (at_arrival + config_.pack.size > room) return;
  if (away_at(present)) {
    // Nothing arrives into an empty house: wait until even the quickest delivery would
    // come after the return.
    if (present + delivery_.min() * kDay < away_until_) return;
  }
  if (expires_unopened(now, from, s)) return;
  policy_.decide(now);
  push_event("low_stock", now, display_level());
  ++version_;
}

bool ConsumableModel::expires_unopened(double now, double from, double s) const {
  // A pack ordered now comes at the earliest with the quickest delivery and is good for
  // best_before_days from then; it is opened when the supply of today runs out (the
  // median time). Later than its date: too early to order.
  if (!config_.pack.best_before_days) return false;
  double good_until = now + (delivery_.min() + *config_.pack.best_before_days) * kDay;
  auto opened = proj_.reach(from, s, 0);
  return !opened || *opened > good_until;
}

// ---- best-before ----------------------------------------------------------------------------

void ConsumableModel::check_dates(double now, bool force) {
  if (dates_.lots().empty() && !dates_.container()) {
    if (expiring_ != 0) ++version_;
    expiring_ = 0;
    expiring_at_.reset();
    return;
  }
  if (!force && now - dates_checked_ < kDatesCheckS) return;
  dates_checked_ = now;
  double from = use_from(now);
  bool projected = known() && from < 1e299;
  if (projected) ensure_projection(from);
  auto reach = [&](double amount) -> std::optional<double> {
    if (!projected) return std::nullopt;  // no use known or expected: only past dates count
    return proj_.reach(from, amount, 0).value_or(1e300);  // beyond ten years: too late
  };
  bool has_level = source_ == Source::level ? filter_.has_level() : counter_level_.has_value();
  auto o = dates_.assess(now, has_level ? display_level() : 0.0, config_.pack.size, reach);
  if (o.expiring != expiring_ || o.expiring_at != expiring_at_ || o.newly > 0) ++version_;
  expiring_ = o.expiring;
  expiring_at_ = o.expiring_at;
  if (o.newly > 0) push_event("pack_expiring", now, o.newly, *o.newly_at);
}

// ---- the forecast -------------------------------------------------------------------------

void ConsumableModel::refresh(double now) const {
  double from = use_from(now);
  double s = effective_supply();
  bool fresh = cache_version_ == version_ && std::fabs(s - cache_supply_) <= 0.005 * config_.pack.size &&
               std::fabs(from - cache_anchor_) < 3600;
  if (fresh) return;
  cache_version_ = version_;
  cache_supply_ = s;
  cache_anchor_ = from;
  cache_.rate_per_day.reset();
  cache_.empty_at.reset();
  cache_.empty_at_low.reset();
  cache_.empty_at_high.reset();
  if (!known()) return;
  cache_.rate_per_day = rate_.base();
  if (from >= 1e299) {  // away without an end: it runs out when use starts again
    cache_risk_ = 0;
    return;
  }
  ensure_projection(from);
  cache_.empty_at = proj_.reach(from, s, 0);
  cache_.empty_at_low = proj_.reach(from, s, kZ90);
  cache_.empty_at_high = proj_.reach(from, s, -kZ90);
  cache_risk_ = s > bound_s_ ? 0.0 : risk(std::max(now, from), from, s);
}

Forecast ConsumableModel::forecast(double now) const {
  refresh(now);
  Forecast f;
  bool has_level = source_ == Source::level ? filter_.has_level() : counter_level_.has_value();
  if (has_level) f.level = display_level();
  f.on_hand = on_hand_;
  f.reorder = policy_.reorder();
  f.vetoed = now < policy_.blocked_until() || policy_.blocked_until_refill();
  f.rate_per_day = cache_.rate_per_day;
  auto clamp = [&](const std::optional<double>& t) -> std::optional<double> {
    if (!t) return std::nullopt;
    return std::max(*t, now);
  };
  f.empty_at = clamp(cache_.empty_at);
  f.empty_at_low = clamp(cache_.empty_at_low);
  f.empty_at_high = clamp(cache_.empty_at_high);
  if (!f.empty_at && run_out()) {
    // Run out before any use was learned: empty now, with no doubt about it.
    f.empty_at = f.empty_at_low = f.empty_at_high = now;
  }
  if (f.empty_at) f.days_left = (*f.empty_at - now) / kDay;
  if (known()) f.stockout_risk = cache_risk_;
  f.best_before = dates_.earliest(has_level && display_level() > empty_level());
  f.expiring = expiring_;
  f.expiring_at = expiring_at_;

  // NOLINTNEXTLINE(bugprone-branch-clone): "empty" outranks a rate not known yet
  if (!has_level) {
    f.status = "unknown";
  } else if (supply() <= empty_level()) {
    f.status = "empty";
  } else if (!known()) {
    f.status = "unknown";
  } else if (policy_.placed()) {
    f.status = "ordered";
  } else if (policy_.reorder() || at_risk_) {
    f.status = "low";
  } else {
    f.status = "ok";
  }
  return f;
}

// ---- for plots ---------------------------------------------------------------------------

std::optional<double> ConsumableModel::supply_now() const {
  bool has_level = source_ == Source::level ? filter_.has_level() : counter_level_.has_value();
  if (!has_level) return std::nullopt;
  return supply();
}

std::vector<ConsumableModel::CurvePoint> ConsumableModel::curve(double now, int points,
                                                               double max_days) const {
  std::vector<CurvePoint> out;
  if (!known() || points < 2) return out;
  refresh(now);
  double from = use_from(now);
  if (from >= 1e299) return out;  // away without an end
  ensure_projection(from);
  double s = supply();
  double end = cache_.empty_at_high.value_or(from + max_days * kDay) + kDay / 4;
  end = std::clamp(end, from + kDay, from + max_days * kDay);
  out.reserve(static_cast<std::size_t>(points));
  for (int i = 0; i < points; ++i) {
    double t = from + (end - from) * i / (points - 1);
    auto m = proj_.moments(from, t);
    auto left = [&](double z) {
      return m.var > 0 ? std::max(0.0, s - forecast::gamma_quantile_z(m.mean, m.var, z))
                       : std::max(0.0, s - m.mean);
    };
    out.push_back({t, left(0), left(kZ90), left(-kZ90)});
  }
  return out;
}

std::optional<double> ConsumableModel::reorder_point(double now) const {
  if (!known()) return std::nullopt;
  double from = use_from(now);
  if (from >= 1e299) return std::nullopt;  // away without an end: no need ahead
  ensure_projection(from);
  double t = std::max(now, from);
  double limit = risk_limit();
  // risk() falls as the supply grows: bisect for the supply where it meets the limit,
  // between nothing and the most the longest delivery could use (one in a million).
  auto m = proj_.moments(from, t + delivery_.max() * kDay + 3600);
  double lo = 0, hi = std::max(forecast::gamma_quantile_z(m.mean, m.var, kBoundZ), 1e-9);
  if (risk(t, from, hi) >= limit) return hi;
  if (risk(t, from, lo) < limit) return 0.0;
  for (int i = 0; i < 40 && hi - lo > 1e-4 * config_.pack.size; ++i) {
    double mid = (lo + hi) / 2;
    (risk(t, from, mid) >= limit ? lo : hi) = mid;
  }
  // A supply is effective_supply() plus the part of a use that cannot be had.
  return hi + (supply() - effective_supply());
}

}  // namespace larder
