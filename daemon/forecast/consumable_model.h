// The consumption model of one consumable: what is left, how fast it goes, when it runs
// out (with a 90% interval), and whether to reorder now.
//
// Fed by canonical inputs already validated and converted into the consumable's unit by
// the hub (level readings net of tare, uses, refills, purchases), by the facts the order
// ledger reports (placed, cancelled, delivered), and by the passing of time (advance).
// Everything is in epoch seconds from the injected clock: no wall clock, no I/O, so the
// daemon, `larderctl replay` and the evaluator run exactly this code.
//
// What it does (docs/forecasting.md has the reasoning and the numbers):
//   - level sensors (level_filter.h): lifts and single spikes never reach the level (a
//     median of three), noise is averaged per plateau, a rise is held until it has
//     lasted longer than an object can stay on the scale (a refill lasts), a large drop
//     until it lasts 20 minutes; a confirmed refill is a `refill_detected` event with the
//     time the rise began (within a data gap: estimated) and takes one pack from on_hand;
//   - use as cumulative use (daily_use.h): refills minus the level, or the sum of a
//     counter's uses, never a sum of noisy differences; per local day, data gaps spread
//     evenly, days with an empty container left out;
//   - counters: a `refilled` message sets the level to the new pack; an outage of the hub
//     (its regular advance() stops for over an hour) is bridged with the expected use,
//     and uses told late from inside it are not counted twice;
//   - the rate (rate_model.h): weekly average with day-of-week factors, a CUSUM for
//     lasting changes, intermittent use (TSB's occurrence and size), absences (a run of
//     days without use longer than chance allows) not learned;
//   - the forecast (use_projection.h): use ahead as a gamma with a day-to-day, a rate and
//     a drift part; empty_at is its median crossing of the whole supply (container +
//     packs on hand, less half a use), the 90% interval its 5% and 95% crossings;
//   - best-before dates (pack_dates.h): each pack's date, from its purchase or the
//     configured shelf life; packs projected to pass their date before they are used up
//     are counted (`expiring`) and announced once (`pack_expiring`);
//   - the reorder policy (reorder_policy.h, delivery_model.h): order when
//     P(supply runs out before a pack ordered now arrives), averaged over the learned
//     delivery-time distribution, passes `reorder_risk` scaled by how long a pack lasts
//     (a stockout budget per year: x0.5 for a pack lasting 10 days, x2 for 6 weeks);
//     never on a held rise or drop, just after a lift, or while the newest reading
//     disagrees with the level; not while an order or an unplaced decision waits; not
//     if the stock expected at arrival plus a pack exceeds the room (capacity, at least
//     two packs); not so early that the new pack, come by the quickest delivery, would
//     pass its date (`pack.best_before_days`) before the median time it is opened; after
//     a user's cancel wait `cancel_wait_days`, after a second until the next refill.
// Time comes only from the inputs (epoch seconds). forecast() is const and cheap: the
// heavy part is cached and recomputed when the supply moves by half a percent of a pack,
// the rate learns, or an hour passes. Memory is bounded: fixed numbers and rings.
// Thread rule: plain value; one thread at a time.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "forecast/daily_use.h"
#include "forecast/delivery_model.h"
#include "forecast/level_filter.h"
#include "forecast/pack_dates.h"
#include "forecast/rate_model.h"
#include "forecast/reorder_policy.h"
#include "forecast/use_projection.h"
#include "larder/config.h"
#include "larder/status.h"
#include "larder/time_zone.h"

namespace larder {

// How every input whose time goes backwards is refused ("use at 1764460800 is older than
// the last one"): the hub counts these as `time`, every other refusal as `range`.
inline constexpr std::string_view kOlderThanLast = " is older than the last one";

// How far behind the newest input of its kind a use, purchase or level may come and still
// be taken as late rather than refused (docs/mqtt.md, "Late inputs"). QoS 1 keeps no order
// across a broker restart: mosquitto can hand over newer live messages before the older
// ones it queued for larderd while it was away. A late use or purchase is counted at the
// newest time of its kind; a late level goes into the history only (the hub).
inline constexpr double kLateInputS = 3600;

struct ModelSettings {
  double reorder_risk = 0.01;           // chance of a stockout before arrival that orders
  double cancel_wait_days = 2;          // after a user's cancel, no new order for this long
  TimeZone zone;                        // the household's: days and the weekly rhythm
  // Calibration of the forecast's uncertainty (docs/forecasting.md); tests may change them.
  double interval_var_scale = 1.0;      // scales the whole variance of use ahead
  double rate_drift_per_day = 0.003;    // relative variance the rate gains per day ahead
  // Whether a silence of advance() after regular calls is an outage of the hub, whose
  // counter uses are bridged (the daemon). False where the hub is up for the whole input
  // and the time between calls is only time passing (`larderctl replay`).
  bool bridge_outages = true;
};

struct Forecast {
  std::optional<double> level;          // the open container, in unit
  int on_hand = 0;                      // unopened packs
  std::optional<double> rate_per_day;   // expected use per day now
  std::optional<double> days_left;      // (empty_at - now) / 86400
  std::optional<double> empty_at, empty_at_low, empty_at_high;
  std::string status = "unknown";       // unknown, ok, low, ordered, empty
  bool reorder = false;                 // the policy wants an order now (or has one in flight)
  bool vetoed = false;                  // a user's cancel keeps orders away (the cancel wait,
                                        // or until the next refill after a second cancel)
  std::optional<double> stockout_risk;  // P(supply runs out before a pack ordered now arrives)
  // Best-before (docs/best-before.md): the earliest date of what is held, and the packs
  // (the open container counts as one) projected to pass their date before they are used
  // up, with the earliest of their dates.
  std::optional<double> best_before;
  int expiring = 0;
  std::optional<double> expiring_at;
};

// Something worth an event on `<root>/event` (mqtt-v1: low_stock, refill_detected; and
// pack_expiring, whose amount is a number of packs and `at` their earliest date; and
// use_stopped, whose amount is the days of a run without use far longer than chance allows).
struct ModelEvent {
  std::string kind;
  double ts = 0;
  double amount = 0;
  double at = 0;
};

class ConsumableModel {
 public:
  ConsumableModel(const ConsumableConfig& config, ModelSettings settings = {});

  // Inputs. An error means the input was refused and nothing changed (its message is fit
  // for `larder/v1/error`): a reading going backwards in time, out of physical range.
  // The time of the newest level reading the model was given (lifts included); 0 for none.
  double last_level_ts() const { return filter_.last_ts() > 0 ? filter_.last_ts() : 0; }
  Status level(double ts, double net_value);
  Status used(double ts, double amount);
  Status refilled(double ts, std::optional<double> amount);  // nullopt: one pack
  // `best_before`: the packs' date (nothing: pack.best_before_days after ts, if set).
  Status purchased(double ts, int packs, std::optional<double> best_before = std::nullopt);

  // Facts from the order ledger.
  void order_placed(double ts);
  void order_cancelled(double ts, bool by_user);
  void order_delivered(double ts, int packs, double delivery_days);

  // Time passes with no input (the hub's tick); decisions may change.
  void advance(double now);

  // The household is away (vacation mode) from `from` until `until` (nothing: open-ended).
  // No use is expected then: the days it touches teach the rate nothing, the forecast
  // counts use from `until` on (none while open-ended), and no automatic order is decided
  // that could arrive before `until` (docs/vacation.md). end_away(now) ends it at `now`.
  // Only the latest absence is kept.
  void set_away(double from, std::optional<double> until);
  void end_away(double now);

  Forecast forecast(double now) const;
  std::vector<ModelEvent> take_events();

  // The whole supply ahead (container + packs on hand), for plots: at each of `points`
  // times from the last known supply to the end of the forecast's 90% band (at least a
  // day, at most `max_days`), its median and 5% and 95% quantiles. Empty while the model
  // knows too little to forecast.
  struct CurvePoint {
    double ts = 0, median = 0, low = 0, high = 0;
  };
  std::vector<CurvePoint> curve(double now, int points = 100, double max_days = 60) const;
  // The supply at or below which the policy orders now (its risk reaches the limit), or
  // nothing while the model knows too little.
  std::optional<double> reorder_point(double now) const;
  // The container plus the packs on hand, or nothing before the first level.
  std::optional<double> supply_now() const;

  // Persistence: everything learned, as JSON; load() refuses what it cannot read and
  // then changes nothing.
  nlohmann::json save() const;
  Status load(const nlohmann::json& j);
  // Changes whenever what the forecast rests on changes (an input, a fact, a decision):
  // the hub saves a model whose version moved.
  unsigned version() const { return version_; }

 private:
  // (Implemented in consumable_model.cc: the inputs; consumable_model_forecast.cc: the
  // decision and the forecast; consumable_model_state.cc: save and load.)
  enum class Source { none, counter, level };  // where use is learned from
  static constexpr double kTickS = 15 * 60;    // advance() this often: the hub is running
  static constexpr double kOutageS = 3600;     // and a longer silence was an outage

  bool known() const;                  // a level and a learned rate
  // Refuses a use or refill ("use", "refill") whose time or amount cannot be.
  Status check_amount(const char* what, double ts, double amount) const;
  double supply() const;               // the container + the packs on hand (+ one announced)
  double effective_supply() const;     // less the part of a use that cannot be had
  void learn_use_size(double amount);
  void open_pack();                    // the next pack on hand becomes the container
  std::optional<double> shelf_date(double ts) const;  // ts + pack.best_before_days
  // Counts the packs that pass their date before they are used up (an event for those
  // newly found); cheap when nothing is dated, and at most hourly unless forced.
  void check_dates(double now, bool force);
  bool expires_unopened(double now, double from, double s) const;  // a pack ordered now
  double display_level() const;
  double anchor(double now) const;     // the time supply() is known at
  // anchor(now), or the end of an absence in force at `now` (use starts again then).
  double use_from(double now) const;
  bool away_at(double t) const { return t >= away_from_ && t < away_until_; }
  double empty_level() const;
  void on_rise(const forecast::LevelStep& st);
  void on_point(double ts, double level);
  void drain_days();
  // Weighs the risk now (at_risk_, which the status shows) and, unless `may_order` is
  // false, decides an order when it passes the limit.
  void decide(double now, bool may_order = true);
  bool settled(double now) const;      // a level sensor's level may be decided on now
  bool run_out() const;                // a known level, and the supply at the empty level
  double risk(double now, double from, double s) const;
  double risk_limit() const;           // reorder_risk, scaled by how long a pack lasts
  void ensure_projection(double from) const;
  void refresh(double now) const;
  void push_event(std::string kind, double ts, double amount, double at = 0);

  ConsumableConfig config_;
  ModelSettings settings_;
  forecast::LevelFilter filter_;
  forecast::DailyUse daily_;
  forecast::RateModel rate_;
  forecast::DeliveryModel delivery_;
  forecast::ReorderPolicy policy_;
  Source source_ = Source::none;
  std::optional<double> counter_level_;  // counters: what the container holds
  double level_var_ = 0;                 // counters: its variance (uses assumed, not seen)
  int on_hand_ = 0;
  double refilled_total_ = 0;            // level sensors: the sum of the refills (for C(t))
  double used_total_ = 0;                // counters: the sum of the uses
  bool was_empty_ = false;               // the container was empty at the last point
  bool stocked_ = false;                 // a level sensor's container held something once
  double last_used_ts_ = -1e300, last_refill_ts_ = -1e300, last_purchase_ts_ = -1e300;
  double last_advance_ = -1e300;
  double advance_gap_ = 1e300;           // the interval between the last two advance() calls
  // Counters: use assumed during the last outage of the hub, and the outage; uses that
  // come late with a time inside it are matched against this instead of counted again.
  double credit_ = 0, credit_from_ = 0, credit_to_ = 0;
  double announced_until_ = -1e300;      // a `refilled` message waits for its rise
  double detected_ts_ = -1e300;          // the last refill found by the sensor
  bool detected_claimed_ = true;         // ... and whether a `refilled` message named it
  bool refill_quiet_ = false;            // no use and no rise since the last `refilled`
  double parts_amount_ = 0, parts_ts_ = 0;  // small lasting rises onto a nearly empty
                                            // container since parts_ts_ (a pack in parts)
  bool at_risk_ = false;                 // the risk passed reorder_risk at the last look
  int quiet_days_ = 0;                   // days without use since the last use or day away
  double away_from_ = 1e300, away_until_ = 1e300;  // the latest absence (set_away)
  double use_size_ = 0;                  // the mean size of one use (0: none seen yet)
  double use_sizes_ = 0;                 // how many uses it has seen
  forecast::PackDates dates_;
  int expiring_ = 0;                     // the last check_dates()'s findings
  std::optional<double> expiring_at_;
  double dates_checked_ = -1e300;
  std::vector<ModelEvent> events_;       // at most kMaxEvents wait
  unsigned version_ = 0;                 // bumps when what the forecast rests on changes
  unsigned rate_version_ = 0;            // bumps when the rate model learns

  // Caches (forecast() is const and cheap).
  mutable forecast::UseProjection proj_;
  mutable unsigned proj_version_ = ~0u;
  mutable Forecast cache_;
  mutable unsigned cache_version_ = ~0u;
  mutable double cache_supply_ = 0, cache_anchor_ = 0, cache_risk_ = 0;
  // Above this supply the stockout risk is negligible (recomputed hourly).
  double bound_s_ = -1, bound_until_ = -1e300;
  unsigned bound_key_ = ~0u;
};

}  // namespace larder
