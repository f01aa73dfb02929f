#include "forecast/consumable_model.h"

#include <algorithm>
#include <cmath>
#include <optional>
#include <utility>
#include <cstdio>

namespace larder {

using forecast::DayTotal;
using forecast::LevelStep;

namespace {
constexpr double kDay = 86400;
constexpr double kAnnounceS = 6 * 3600;   // a `refilled` message and the sensor's rise match
constexpr double kRepeatS = 15 * 60;      // a second `refilled` this soon, with nothing seen
                                          // in between, is the same refill told twice
constexpr double kPartsS = 24 * 3600;     // a pack poured in parts: the parts within this
constexpr std::size_t kMaxEvents = 32;
constexpr double kUseSizeAlpha = 0.02;    // memory of the use size: ~50 uses
constexpr double kLastUse = 0.5;          // of a use: the supply is gone at the use that
                                          // finds less than this left (continuity)

// What one use or one refill can be at most: the container, or one pack when the capacity
// names only the container a pack waits beside.
double room(const ConsumableConfig& c) { return std::max(c.capacity, c.pack.size); }

forecast::LevelFilter make_filter(const ConsumableConfig& c) {
  const double pack = c.pack.size > 0 ? c.pack.size : 1;
  forecast::LevelFilterParams p;
  p.room = std::max(room(c), pack);
  return forecast::LevelFilter(pack, c.tare, p);
}

std::string num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.12g", v);  // epoch seconds in full: 1764460800
  return buf;
}
}  // namespace

Status ConsumableModel::check_amount(const char* what, double ts, double amount) const {
  const std::string w(what);
  if (!std::isfinite(ts)) return Status::Error(w + " time is not a finite number");
  if (!std::isfinite(amount)) return Status::Error(w + " amount is too large to be a number");
  if (amount <= 0) return Status::Error(w + " amount " + num(amount) + " is not positive");
  // One use, or one refill, fits in room(), with the level's tolerance of 5%.
  const double holds = room(config_);
  if (amount > 1.05 * holds) {
    return Status::Error(w + " amount " + num(amount) + " is more than the container holds (" +
                         num(holds) + ")");
  }
  return Status::Ok();
}

ConsumableModel::ConsumableModel(const ConsumableConfig& config, ModelSettings settings)
    : config_(config),
      settings_(std::move(settings)),
      filter_(make_filter(config)),
      daily_(settings_.zone),
      rate_(config.pack.size > 0 ? config.pack.size : 1),
      delivery_(config.lead_time_days),
      policy_(settings_.cancel_wait_days) {
  if (!(config_.pack.size > 0)) config_.pack.size = 1;
  if (!(config_.capacity > 0)) config_.capacity = config_.pack.size;
}

// ---- inputs -------------------------------------------------------------------------

Status ConsumableModel::level(double ts, double net) {
  if (!std::isfinite(ts) || !std::isfinite(net)) {
    return Status::Error("level reading is not a finite number");
  }
  if (ts < filter_.last_ts()) {
    return Status::Error("level reading at " + num(ts) + std::string(kOlderThanLast));
  }
  double tolerance = 0.05 * config_.capacity;
  if (net < -(config_.tare + tolerance)) {
    return Status::Error("level " + num(net) + " is below what an empty scale reads");
  }
  if (net > 2 * config_.capacity + tolerance) {
    return Status::Error("level " + num(net) + " is far above the capacity " +
                         num(config_.capacity));
  }
  // A counted level stands until the readings confirm one of their own (the filter's
  // median of three, from readings within a data gap of each other): one reading (a
  // typed-in correction, a stray message) neither wipes what was counted nor stops the
  // count, nor do three corrections months apart. A sensor that keeps reporting takes over.
  if (source_ == Source::counter && !filter_.has_level() &&
      ts - filter_.last_ts() > forecast::LevelFilterParams{}.gap_s) {
    filter_ = make_filter(config_);
  }
  LevelStep st = filter_.push(ts, net);
  if (source_ != Source::level) {
    if (source_ == Source::counter && !st.accepted && !filter_.has_level()) {
      decide(ts);
      return Status::Ok();
    }
    daily_.restart();  // use was learned from another source until now
    source_ = Source::level;
  }
  if (st.rise_confirmed) on_rise(st);
  if (st.accepted) on_point(st.ts, st.level);
  if (st.drop > 0) learn_use_size(st.drop);
  decide(ts);
  return Status::Ok();
}

Status ConsumableModel::used(double ts, double amount) {
  if (Status st = check_amount("use", ts, amount); !st.ok()) return st;
  if (ts < last_used_ts_ - kLateInputS) {
    return Status::Error("use at " + num(ts) + std::string(kOlderThanLast));
  }
  const double sent_at = ts;  // a late use is counted at the newest use's time
  ts = std::max(ts, last_used_ts_);
  last_used_ts_ = ts;
  // A level sensor already sees every use; counting it again would count it twice.
  if (source_ == Source::level) return Status::Ok();
  source_ = Source::counter;
  if (credit_ > 0 && sent_at >= credit_from_ && sent_at <= credit_to_) {
    // A use from inside an outage, delivered late: its share was assumed already.
    double take = std::min(credit_, amount);
    credit_ -= take;
    amount -= take;
    if (amount <= 0) return Status::Ok();
  }
  bool was_empty = counter_level_ && *counter_level_ <= empty_level();
  refill_quiet_ = false;
  learn_use_size(amount);
  used_total_ += amount;
  if (counter_level_) counter_level_ = std::max(0.0, *counter_level_ - amount);
  daily_.event(ts, amount, was_empty);
  drain_days();
  ++version_;
  decide(ts);
  return Status::Ok();
}

Status ConsumableModel::refilled(double ts, std::optional<double> amount) {
  double a = amount.value_or(config_.pack.size);
  if (Status st = check_amount("refill", ts, a); !st.ok()) return st;
  if (ts < last_refill_ts_) {
    return Status::Error("refill at " + num(ts) + std::string(kOlderThanLast));
  }
  // Pressed twice, or said twice: no use and no rise since the last `refilled`, minutes
  // ago. A second pack opened on top of a fresh one has nowhere to go (a counter's level
  // is set to the pack, not added to); a level sensor would see a real one rise anyway.
  if (refill_quiet_ && ts - last_refill_ts_ <= kRepeatS) return Status::Ok();
  if (source_ == Source::counter) {
    // The container stood empty until now, or not: close the day's record up to the
    // refill, as a use would, so that the empty time does not depend on the ticks.
    daily_.close_until(ts, counter_level_ && *counter_level_ <= empty_level());
    drain_days();
  }
  last_refill_ts_ = ts;
  refill_quiet_ = true;
  ++version_;
  if (source_ == Source::level) {
    if (!detected_claimed_ && ts - detected_ts_ <= kAnnounceS && ts >= detected_ts_ - kAnnounceS) {
      detected_claimed_ = true;  // the sensor saw this refill already and took its pack
      return Status::Ok();
    }
    open_pack();
    policy_.refilled(ts);
    announced_until_ = ts + kAnnounceS;
    filter_.expect_rise_until(ts + kAnnounceS);
    return Status::Ok();
  }
  open_pack();
  policy_.refilled(ts);
  // A household opens the next pack when the container is empty (a filter cartridge is
  // replaced, pods are poured into an empty box): the level is the new pack. A counter
  // that believed something was left has missed uses (an outage, a lost message), and
  // carrying that belief over would let the error grow from pack to pack.
  double level = a;
  level_var_ = 0;
  if (credit_to_ > credit_from_ && ts >= credit_from_ && ts < credit_to_ && rate_.known()) {
    // Told late, from inside an outage whose use was assumed: the new pack has served the
    // rest of the outage.
    ensure_projection(ts);
    auto served = proj_.moments(ts, credit_to_);
    level = std::max(0.0, level - served.mean);
    level_var_ = served.var;
  }
  counter_level_ = level;
  was_empty_ = false;
  decide(ts);
  check_dates(ts, true);
  return Status::Ok();
}

Status ConsumableModel::purchased(double ts, int packs, std::optional<double> best_before) {
  if (!std::isfinite(ts)) return Status::Error("purchase time is not a finite number");
  if (packs < 1 || packs > 10000) return Status::Error("purchase of " + std::to_string(packs) + " packs");
  if (ts < last_purchase_ts_ - kLateInputS) {
    return Status::Error("purchase at " + num(ts) + std::string(kOlderThanLast));
  }
  if (best_before && !std::isfinite(*best_before)) {
    return Status::Error("best-before date is not a finite number");
  }
  ts = std::max(ts, last_purchase_ts_);  // a late purchase is counted at the newest one's time
  last_purchase_ts_ = ts;
  on_hand_ += packs;
  dates_.add(packs, best_before ? best_before : shelf_date(ts));
  if (auto days = policy_.purchased(ts)) delivery_.observe(*days);
  ++version_;
  check_dates(ts, true);
  decide(ts);  // the new packs may end the risk: the status says so at once
  return Status::Ok();
}

void ConsumableModel::order_placed(double ts) {
  policy_.order_placed(ts);
  ++version_;
}

void ConsumableModel::order_cancelled(double ts, bool by_user) {
  policy_.order_cancelled(ts, by_user);
  ++version_;
}

void ConsumableModel::order_delivered(double ts, int packs, double delivery_days) {
  on_hand_ += std::max(0, packs);
  dates_.add(packs, shelf_date(ts));
  delivery_.observe(delivery_days);
  policy_.order_delivered(ts);
  ++version_;
  check_dates(ts, true);
  // The packs end the risk that ordered them: the status is `ok` at once, not at the next
  // tick. No new order from here (the ledger is telling its news); the tick decides.
  decide(ts, /*may_order=*/false);
}

void ConsumableModel::advance(double now) {
  if (!std::isfinite(now) || now < last_advance_) return;
  double gap = now - last_advance_;
  if (settings_.bridge_outages && source_ == Source::counter && advance_gap_ <= kTickS &&
      gap > kOutageS && known()) {
    // The hub was down (it ticks regularly and was silent): the counter's uses in that
    // time were lost or come late. Assume the expected use, spread over the outage.
    double from = std::max(last_advance_, last_used_ts_);
    if (now > from) {
      ensure_projection(from);
      double expected = proj_.mean(from, now);
      daily_.spread(from, now, expected);
      used_total_ += expected;
      // A refill told during the outage (with its own, earlier time) reset the container:
      // only the use since then came out of it.
      auto from_container = last_refill_ts_ > from ? proj_.moments(last_refill_ts_, now)
                                                   : proj_.moments(from, now);
      if (counter_level_) counter_level_ = std::max(0.0, *counter_level_ - from_container.mean);
      level_var_ += from_container.var;
      credit_ = expected;
      credit_from_ = from;
      credit_to_ = now;
      drain_days();
      ++version_;
    }
  }
  advance_gap_ = gap;
  last_advance_ = now;
  if (source_ == Source::counter) {
    daily_.close_until(now, counter_level_ && *counter_level_ <= empty_level());
    drain_days();
  }
  decide(now);
  check_dates(now, false);
}

std::vector<ModelEvent> ConsumableModel::take_events() {
  std::vector<ModelEvent> out;
  out.swap(events_);
  return out;
}

// ---- what the inputs do -----------------------------------------------------------------

void ConsumableModel::push_event(std::string kind, double ts, double amount, double at) {
  if (events_.size() >= kMaxEvents) events_.erase(events_.begin());
  events_.push_back({std::move(kind), ts, amount, at});
}

void ConsumableModel::open_pack() {
  if (on_hand_ > 0) {
    --on_hand_;
    dates_.open();
  } else {
    dates_.open_unknown();  // a pack from outside the count: its date is unknown
  }
}

std::optional<double> ConsumableModel::shelf_date(double ts) const {
  if (!config_.pack.best_before_days) return std::nullopt;
  return ts + *config_.pack.best_before_days * kDay;
}

void ConsumableModel::learn_use_size(double amount) {
  use_sizes_ += 1;
  use_size_ += std::max(kUseSizeAlpha, 1 / use_sizes_) * (amount - use_size_);
  if (use_sizes_ >= 5) rate_.set_use_size(use_size_);
}

double ConsumableModel::effective_supply() const {
  // Supply runs out at the use that finds less than it needs: on average half a use
  // before the last unit is gone (uses come in steps, the projection is continuous).
  return std::max(0.0, supply() - kLastUse * use_size_);
}

void ConsumableModel::on_rise(const LevelStep& st) {
  double amount = st.rise_amount;
  const double pack = config_.pack.size;
  // Across a data gap the rise hides the use during the gap: add back what the rate says
  // was used in it (a pack at most; a pack when the rate is not known yet).
  if (st.rise_after_gap && amount >= 0.5 * pack && amount < pack) {
    double gap_use = rate_.known() ? rate_.base() * (st.rise_ts - st.gap_from) / kDay : pack;
    amount = std::min(pack, amount + std::max(0.0, gap_use));
  }
  refilled_total_ += amount;
  ++version_;
  double when = st.rise_ts;
  bool in_parts = false;
  if (amount < 0.5 * pack) {
    // A lasting small rise: a correction, or a part of a pack poured in parts onto a nearly
    // empty container. Parts within kPartsS add up; half a pack of them is a refill.
    if (st.ts <= announced_until_ && st.level_before < forecast::kNearEmptyOfPack * pack) {
      // The first part of the pack a `refilled` message opened (and took) already: the
      // rest of it is no refill of its own.
      announced_until_ = -1e300;
      parts_amount_ = 0;
      return;
    }
    if (parts_amount_ > 0 && st.ts - parts_ts_ <= kPartsS) {
      parts_amount_ += amount;
    } else {
      parts_amount_ = st.level_before < forecast::kNearEmptyOfPack * pack ? amount : 0;
      parts_ts_ = st.rise_ts;
    }
    if (parts_amount_ < 0.5 * pack) return;
    amount = parts_amount_;
    when = parts_ts_;
    in_parts = true;
  }
  parts_amount_ = 0;
  if (st.ts <= announced_until_) {
    announced_until_ = -1e300;  // the refill a `refilled` message announced
    return;
  }
  if (st.rise_after_gap && rate_.known() && !in_parts) {
    // Somewhere in the gap. Two estimates: when the level before the gap would have run
    // out (a household refills when empty), and how long the use since the refill took
    // (a pack minus the level after the gap). Their mean, inside the gap.
    double per_s = rate_.base() / kDay;
    double emptied = st.gap_from + std::max(0.0, st.level_before) / per_s;
    double opened = st.rise_ts - std::max(0.0, amount - st.first_raised) / per_s;
    when = std::clamp(0.5 * (emptied + opened), st.gap_from, st.rise_ts);
  }
  refill_quiet_ = false;  // a refill no message told of: a `refilled` now is another
  push_event("refill_detected", when, amount);
  open_pack();
  policy_.refilled(when);
  detected_ts_ = st.ts;
  detected_claimed_ = false;
  check_dates(st.ts, true);
}

void ConsumableModel::on_point(double ts, double level) {
  bool empty = level <= empty_level();
  if (!empty) stocked_ = true;
  daily_.point(ts, refilled_total_ - level, empty && was_empty_);
  was_empty_ = empty;
  drain_days();
}

void ConsumableModel::set_away(double from, std::optional<double> until) {
  away_from_ = from;
  away_until_ = until.value_or(1e300);
  bound_until_ = -1e300;  // the bound on use ahead changes with it
  ++version_;
}

void ConsumableModel::end_away(double now) {
  if (!away_at(now)) return;
  away_until_ = now;
  bound_until_ = -1e300;
  ++version_;
}

void ConsumableModel::drain_days() {
  DayTotal d;
  bool any = false;
  std::optional<double> noticed;  // the end of the day the quiet run became worth telling
  while (daily_.pop(d)) {
    // A day the household was away for (a part of) says nothing about its appetite.
    if (daily_.day_start(d.day) < away_until_ && daily_.day_start(d.day + 1) > away_from_) {
      d.away = true;
    }
    const int run_before = rate_.zero_run();
    rate_.add_day(d);
    any = true;
    // Use stopped with nobody declared away: a stuck sensor, a dead counter, or a trip
    // without vacation mode. The forecast goes on as for an absence (the rate model's
    // rule); the household is told once a run, when it is far longer than chance allows.
    // A day away ends the run here (the days before a trip and after it are not one).
    if (d.away || rate_.zero_run() == 0) {
      quiet_days_ = 0;
    } else if (rate_.zero_run() > run_before) {
      ++quiet_days_;
      if (rate_.known() && quiet_days_ == rate_.notice_days()) {
        noticed = daily_.day_start(d.day + 1);
      }
    }
  }
  // Days that come together (a sensor back after a gap) are told once, with the whole run,
  // and not at all if use came back among them.
  if (noticed && quiet_days_ >= rate_.notice_days()) {
    push_event("use_stopped", *noticed, quiet_days_);
  }
  if (any) {
    ++rate_version_;
    ++version_;
  }
}

}  // namespace larder
