#include "core/hub.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <utility>

#include <nlohmann/json.hpp>

#include "larder/log.h"
#include "larder/text.h"
#include "larder/time_zone.h"
#include "larder/timing.h"

namespace larder {

constexpr double kInfinity = std::numeric_limits<double>::infinity();  // internal linkage

using nlohmann::json;

ModelSettings Hub::model_settings(const Config& config, const TimeZone& zone) {
  ModelSettings settings;
  settings.reorder_risk = config.forecast.reorder_risk;
  settings.cancel_wait_days = config.forecast.cancel_wait_days;
  settings.zone = zone;
  return settings;
}

Hub::Hub(const Config& config, Bus& bus, Store& store, const Clock& clock, Metrics& metrics,
         HubOptions options)
    : config_(config),
      bus_(bus),
      store_(store),
      clock_(clock),
      metrics_(metrics),
      options_(options),
      root_(config.mqtt.root()),
      texts_(texts_for(config.household.locale)) {
  // The weekly rhythm and the days of use are the household's local ones, daylight-saving
  // changes included.
  if (auto loaded = TimeZone::load(config_.household.timezone)) {
    zone_ = loaded.value();
  } else {
    log_warn("days of use are counted in UTC: " + loaded.status().message());
  }
  for (const auto& c : config_.consumables) {
    ModelSettings settings = model_settings(config_, zone_);
    settings.bridge_outages = options_.bridge_outages;
    Entry e{&c, ConsumableModel(c, std::move(settings)), ConsumableState::initial(c),
            ConsumableState::initial(c)};
    // Checkpoints of models that only ticked are spread over the interval, not all at once.
    e.last_saved = clock_.now() - kCheckpointSeconds * static_cast<double>(consumables_.size()) /
                                      static_cast<double>(config_.consumables.size());
    consumables_.emplace(c.id, std::move(e));
  }
  metrics_.describe("larder_messages_received_total", "counter",
                    "Valid canonical input messages, by kind.");
  metrics_.describe("larder_messages_rejected_total", "counter",
                    "Input messages dropped as bad input, by reason.");
  metrics_.describe("larder_messages_ignored_total", "counter",
                    "Valid messages ignored by the contract's rules (retained events).");
  metrics_.describe("larder_messages_late_total", "counter",
                    "Levels up to an hour older than the newest, kept in the history only.");
  metrics_.describe("larder_state_published_total", "counter",
                    "Consumable states published (retained).");
  metrics_.describe("larder_events_total", "counter",
                    "Events published on <root>/event by the hub, by kind.");
  metrics_.describe("larder_hub_message_seconds_sum", "counter",
                    "Seconds spent on canonical messages: parse, model, state.");
  metrics_.describe("larder_hub_message_seconds_count", "counter", "Canonical messages handled.");
  metrics_.describe("larder_forecast_tick_seconds_sum", "counter",
                    "Seconds spent letting time pass for every consumable's model.");
  metrics_.describe("larder_forecast_tick_seconds_count", "counter", "Forecast ticks.");
}

std::vector<contract::Filter> Hub::subscriptions() const { return contract::input_filters(root_); }

const ConsumableState* Hub::consumable(const std::string& id) const {
  auto it = consumables_.find(id);
  return it == consumables_.end() ? nullptr : &it->second.state;
}

const ConsumableModel* Hub::model(const std::string& id) const {
  auto it = consumables_.find(id);
  return it == consumables_.end() ? nullptr : &it->second.model;
}

const VehicleFacts* Hub::vehicle(const std::string& id) const {
  auto it = vehicles_.find(id);
  return it == vehicles_.end() ? nullptr : &it->second;
}

std::optional<bool> Hub::presence(const std::string& person) const {
  auto it = presence_.find(person);
  if (it == presence_.end()) return std::nullopt;
  return it->second.home;
}

void Hub::carry_over(const Hub& old) {
  for (const auto& v : config_.vehicles) {
    if (auto it = old.vehicles_.find(v.id); it != old.vehicles_.end()) vehicles_[v.id] = it->second;
  }
  for (const auto& p : config_.people) {
    if (auto it = old.presence_.find(p.id); it != old.presence_.end()) presence_[p.id] = it->second;
  }
  // A history still coming in goes on holding the ticks of the new hub.
  for (auto& [id, e] : consumables_) {
    if (auto it = old.consumables_.find(id); it != old.consumables_.end()) {
      e.history_since = it->second.history_since;
      e.history_last = it->second.history_last;
    }
  }
}

bool Hub::on_message(const Message& m) { return on_message(m, nullptr); }

bool Hub::on_message(const Message& m, const nlohmann::json* payload) {
  return on_message(m, payload, {});
}

bool Hub::on_message(const Message& m, const nlohmann::json* payload,
                     std::string_view device_topic) {
  // Restored on the way out: handling one input may bring another (a voice answer).
  struct Restore {
    Hub* hub;
    std::string_view before;
    ~Restore() { hub->device_topic_ = before; }
  } restore{this, std::exchange(device_topic_, device_topic)};
  const std::uint64_t rejected_before = rejected_;
  // Parsing, the model's update and the state's publication, per canonical message.
  static const TimingNames kNames("larder_hub_message_seconds");
  ScopedTiming timing(metrics_, kNames);
  contract::Parsed p = contract::parse_input(root_, m, payload);
  if (!p.ok()) {
    reject(m, p.rejection);
    return false;
  }
  const contract::Input& in = *p.input;
  auto ts = contract::input_ts(in);
  if (m.retained && !(contract::retained_may_initialise(in))) {
    // A retained message is never a new event (the contract): a press, an intent, a
    // use... kept by the broker would otherwise act again at every reconnect.
    metrics_.inc("larder_messages_ignored_total", {{"reason", "retained"}});
    return true;
  }
  if (ts && *ts > clock_.now() + options_.max_future_skew) {
    reject(m, {"time", "field 'ts' is more than " +
                           std::to_string(static_cast<int>(options_.max_future_skew)) +
                           " s in the future"});
    return false;
  }
  apply(m, in);
  return rejected_ == rejected_before;  // apply() refuses through reject() too
}

Status Hub::told_refilled(const std::string& consumable, double ts) {
  const std::uint64_t before = rejected_;
  on_message(Message{root_ + "/consumable/" + consumable + "/refilled",
                     nlohmann::json{{"ts", ts}}.dump(), 1, false});
  if (rejected_ != before) return Status::Error(last_rejection_);
  return Status::Ok();
}

void Hub::reject(const Message& m, const contract::Rejection& r) {
  metrics_.inc("larder_messages_rejected_total", {{"reason", r.kind}});
  ++rejected_;
  last_rejection_ = r.reason;
  std::string topic = m.topic.substr(0, 256);
  const std::string device(device_topic_.substr(0, 256));
  double now = clock_.now();
  bad_input_log_.log(LogLevel::warn, topic,
                     "bad input on '" + topic + "'" +
                         (device.empty() ? "" : " (made of '" + device + "')") + ": " + r.reason,
                     now);
  // Reports are rate-limited too, so a flood of bad input cannot flood the broker.
  if (error_reports_.log(LogLevel::debug, topic, "reporting bad input on " + topic, now)) {
    json report = {{"topic", topic}, {"reason", r.reason}, {"ts", now}};
    if (!device.empty()) report["device_topic"] = device;
    // The topic is cut at 256 bytes, maybe inside a UTF-8 character: replace, never throw.
    bus_.publish(root_ + "/error", report.dump(-1, ' ', false, json::error_handler_t::replace),
                 /*retain=*/false, 1);
  }
}

void Hub::apply(const Message& m, const contract::Input& in) {
  double now = clock_.now();
  // Without `ts`: now; a vehicle's or person's no earlier than the last one's (docs/mqtt.md).
  double ts = contract::input_ts(in).value_or(now);
  const char* kind = contract::input_kind(in);
  // A retained location or presence older than what is known: the broker sends its copy
  // again at every subscribe, long after newer live messages. Not bad input, nothing new.
  auto ignore_retained = [this] {
    metrics_.inc("larder_messages_ignored_total", {{"reason", "retained"}});
  };

  std::string consumable_id(contract::consumable_of(in));
  if (!consumable_id.empty()) {
    auto it = consumables_.find(consumable_id);
    if (it == consumables_.end()) {
      reject(m, {"unknown_consumable", "no consumable '" + consumable_id + "' is configured"});
      return;
    }
    Entry& e = it->second;
    std::optional<std::uint64_t> key;
    if (auto st = stamp(in)) key = st->digest();
    std::vector<std::uint64_t>& recent = e.recent_stamps[contract::input_kind(in)];
    if (key && std::find(recent.begin(), recent.end(), *key) != recent.end()) {
      metrics_.inc("larder_messages_ignored_total", {{"reason", "duplicate"}});
      return;
    }
    if (!apply_consumable(m, in, e, ts)) return;
    if (key) {
      if (recent.size() >= kRecentInputs) recent.erase(recent.begin());
      recent.push_back(*key);
    }
  } else if (!known_device(m, in)) {
    return;
  } else if (auto* loc = std::get_if<contract::LocationInput>(&in)) {
    auto& v = vehicles_[loc->vehicle];
    if (m.retained && !loc->ts && v.location) return;  // only initialises an unknown value
    // The broker's retained copy of what is known already (a reload's new hub took it
    // over, Hub::carry_over) is nothing new: taken again, a tracker plugin rebuilt by the
    // reload would report its first fix as moving.
    if (m.retained && v.location && ts <= v.updated) return ignore_retained();
    if (!loc->ts) ts = std::max(ts, v.updated);
    if (v.location && ts < v.updated) {
      reject(m, {"time", "location is older than the last one"});
      return;
    }
    v.location = *loc;
    v.updated = ts;
    if (vehicle_actions_) vehicle_actions_->location(*loc, ts);
  } else if (auto* trunk = std::get_if<contract::TrunkInput>(&in)) {
    // A delayed `locked` must not overwrite a newer `open` while a carrier is at the car.
    auto& v = vehicles_[trunk->vehicle];
    if (!trunk->ts) ts = std::max(ts, v.trunk_updated);
    if (v.trunk && ts < v.trunk_updated) {
      reject(m, {"time", "trunk state is older than the last one"});
      return;
    }
    v.trunk = trunk->state;
    v.trunk_updated = ts;
    if (vehicle_actions_) vehicle_actions_->trunk(*trunk, ts);
  } else if (auto* pr = std::get_if<contract::PresenceInput>(&in)) {
    auto known = presence_.find(pr->person);
    if (known != presence_.end()) {
      if (m.retained && !pr->ts) return;  // only initialises an unknown value
      if (m.retained && ts <= known->second.updated) return ignore_retained();
      if (!pr->ts) ts = std::max(ts, known->second.updated);
      if (ts < known->second.updated) {
        reject(m, {"time", "presence is older than the last one"});
        return;
      }
    }
    presence_[pr->person] = {pr->home, ts};
    if (vehicle_actions_) vehicle_actions_->presence(*pr, ts);
  } else if (auto* vac = std::get_if<contract::VacationInput>(&in)) {
    Status st = vac->away ? start_vacation(vac->until, "mqtt") : end_vacation("mqtt");
    if (!st.ok()) {
      reject(m, {"vacation", st.message()});
      return;
    }
  } else if (auto* press = std::get_if<contract::PressInput>(&in)) {
    if (!press_button(m, *press, ts)) return;
  } else if (auto* intent = std::get_if<contract::IntentInput>(&in)) {
    if (repeated_intent(*intent)) {
      metrics_.inc("larder_messages_ignored_total", {{"reason", "duplicate"}});
      return;
    }
    if (voice_actions_) {
      voice_actions_->intent(*intent);
    } else {
      log_debug(std::string("accepted ") + kind + " on " + m.topic + "; no conversation runs");
    }
  }
  metrics_.inc("larder_messages_received_total", {{"kind", kind}});
}

bool Hub::press_button(const Message& m, const contract::PressInput& press, double ts) {
  const ButtonConfig* button = nullptr;
  for (const auto& b : config_.buttons) {
    if (b.id == press.button) button = &b;
  }
  if (!button) {
    reject(m, {"unknown_button", "no button '" + press.button + "' is configured"});
    return false;
  }
  if (press.ts) {
    PressStamp stamp{*press.ts, press.button, press.action};
    if (std::find(last_presses_.begin(), last_presses_.end(), stamp) != last_presses_.end()) {
      metrics_.inc("larder_messages_ignored_total", {{"reason", "duplicate"}});
      return false;
    }
    last_presses_.push_back(std::move(stamp));
    if (last_presses_.size() > kRecentStamps) last_presses_.pop_front();
  }
  ButtonEffect effect = press.action == "single"   ? button->single
                        : press.action == "double" ? button->double_press
                                                   : button->long_press;
  if (effect == ButtonEffect::none) {
    log_info("button '" + button->id + "': " + press.action + " press does nothing (not configured)");
    return true;
  }
  if (effect == ButtonEffect::vacation) {  // a toggle: on until switched off, or off
    Status st = vacation() ? end_vacation("button " + button->id)
                           : start_vacation(std::nullopt, "button " + button->id);
    if (!st.ok()) log_warn("button '" + button->id + "': " + st.message());
    return true;
  }
  auto it = consumables_.find(button->consumable);
  if (it == consumables_.end()) return true;  // the configuration check prevents it
  if (effect != ButtonEffect::refilled) {      // reorder, confirm, cancel: the ledger's
    if (order_actions_) {
      order_actions_->button(button->id, button->consumable, effect, ts);
    } else {
      log_info("button '" + button->id + "': " + press.action +
               " press asks for an order, and no order desk runs here");
    }
    return true;
  }
  // A new pack opened, as a `refilled {}` at the press's time.
  contract::RefilledInput refill{button->consumable, std::nullopt, std::nullopt, press.ts};
  Entry& e = it->second;
  if (!apply_consumable(m, contract::Input{refill}, e, ts)) return false;
  metrics_.inc("larder_messages_received_total", {{"kind", "refilled"}});
  return true;
}

bool Hub::known_device(const Message& m, const contract::Input& in) {
  auto configured = [](const auto& list, const std::string& id) {
    return std::any_of(list.begin(), list.end(), [&](const auto& x) { return x.id == id; });
  };
  std::string vehicle;
  if (auto* loc = std::get_if<contract::LocationInput>(&in)) vehicle = loc->vehicle;
  if (auto* trunk = std::get_if<contract::TrunkInput>(&in)) vehicle = trunk->vehicle;
  if (!vehicle.empty() && !configured(config_.vehicles, vehicle)) {
    reject(m, {"unknown_vehicle", "no vehicle '" + vehicle + "' is configured"});
    return false;
  }
  auto* pr = std::get_if<contract::PresenceInput>(&in);
  if (pr && !configured(config_.people, pr->person)) {
    reject(m, {"unknown_person", "no person '" + pr->person + "' is configured"});
    return false;
  }
  return true;
}

void Hub::report_bad_input(const Message& m, const std::string& reason_code,
                           const std::string& reason) {
  reject(m, {reason_code, reason});
}

bool Hub::apply_consumable(const Message& m, const contract::Input& in, Entry& e, double ts) {
  const ConsumableConfig& c = *e.config;
  ConsumableState& s = e.state;
  auto in_unit = [&](double v, Unit u) -> std::optional<double> {
    auto x = convert(v, u, c.unit, c.capacity);
    if (!x) {
      reject(m, {"unit", "unit '" + std::string(unit_name(u)) + "' does not fit consumable '" +
                             c.id + "' (" + std::string(dimension_name(dimension_of(c.unit))) +
                             ")"});
    }
    return x;
  };
  // What the model is given, and the store keeps.
  Reading r;
  // The model refuses what makes no sense to it (out of range, time going backwards).
  auto model_says = [&](const Status& st) {
    if (!st.ok()) {
      reject(m, {st.message().ends_with(kOlderThanLast) ? "time" : "range", st.message()});
    }
    return st.ok();
  };

  // A level a little older than the newest one (docs/mqtt.md, "Late inputs"): kept in the
  // history, but the model, which has moved on, does not take it.
  bool late = false;
  if (auto* lv = std::get_if<contract::LevelInput>(&in)) {
    if (m.retained && !lv->ts) {
      // Only initialises a value that is still unknown: no level, and no reading yet (the
      // level filter wants a few before it gives one).
      if (s.level || s.last_reading_ts > 0) return false;
      ts = clock_.now();
    } else if (ts < s.last_reading_ts) {
      if (m.retained) {  // the broker's copy of a reading already seen
        metrics_.inc("larder_messages_ignored_total", {{"reason", "retained"}});
        return false;
      }
      if (ts < s.last_reading_ts - kLateInputS) {
        reject(m, {"time", "reading at " + short_number(ts) + " is older than the last one"});
        return false;
      }
      late = true;
    }
    auto v = in_unit(lv->value, lv->unit);
    if (!v) return false;
    double tolerance = 0.05 * c.capacity;
    // A scale that sends net values reads about -tare while the container is lifted off
    // it: the model takes that as a lift (docs/forecasting.md), so it is no bad input.
    double lowest = lv->gross ? -tolerance : -(c.tare + tolerance);
    if (*v < lowest) {
      reject(m, {"range", "level " + short_number(lv->value) + " " +
                              std::string(unit_name(lv->unit)) +
                              (c.tare > 0 && !lv->gross ? " is below what the empty scale reads"
                                                        : " is negative")});
      return false;
    }
    double net = lv->gross ? *v - c.tare : *v;
    if (net > 2 * c.capacity + tolerance) {
      reject(m, {"range", "level " + short_number(lv->value) + " " +
                              std::string(unit_name(lv->unit)) +
                              " is far above the capacity of '" + c.id + "'"});
      return false;
    }
    r = Reading{c.id, ts, "level", net};
  } else if (auto* used = std::get_if<contract::UsedInput>(&in)) {
    auto v = in_unit(used->amount, used->unit);
    if (!v) return false;
    r = Reading{c.id, ts, "used", *v};
  } else if (auto* ref = std::get_if<contract::RefilledInput>(&in)) {
    std::optional<double> amount;
    if (ref->amount) {
      amount = in_unit(*ref->amount, *ref->unit);
      if (!amount) return false;
    }
    r = Reading{c.id, ts, "refilled", amount.value_or(c.pack.size)};
  } else if (auto* pu = std::get_if<contract::PurchasedInput>(&in)) {
    r = Reading{c.id, ts, "purchased", static_cast<double>(pu->packs)};
    r.best_before = pu->best_before;
    if (pu->best_before_day) {
      // Good through the printed day: past its date from the next local midnight.
      double next = *pu->best_before_day + 86400;
      r.best_before = zone_.from_local(next, next);
    }
    if (r.best_before && *r.best_before > contract::kMaxTs) {
      reject(m, {"field", "field 'best_before' must be before 2100-01-01"});
      return false;
    }
  }
  // An input no newer than the consumable's newest may be a redelivery of one stored
  // before, beyond the recent inputs' memory: a restarted broker hands its queue over
  // again, after newer live messages; after larderd's own restart the broker sends again
  // the last one whose PUBACK the kill discarded, stamped the newest time the model has.
  // Taken again, those would be stored and counted twice; the store knows. (Rare: inputs
  // come in order, and equal stamps of one consumable are few.)
  if (contract::input_ts(in) && ts <= s.updated) {
    auto same = store_.readings(c.id, r.ts, std::nextafter(r.ts, kInfinity), 16);
    if (same.ok() && std::any_of(same->begin(), same->end(), [&r](const Reading& o) {
          return o.kind == r.kind && o.value == r.value && o.best_before == r.best_before;
        })) {
      metrics_.inc("larder_messages_ignored_total", {{"reason", "duplicate"}});
      return false;
    }
  }
  if (late) {
    metrics_.inc("larder_messages_late_total", {{"kind", r.kind}});
    store_.append(std::move(r));
    return true;
  }
  if (!model_says(learn(e, r))) return false;
  note_history(e, r.ts);
  const Reading bought = r.kind == "purchased" ? r : Reading{};
  store_.append(std::move(r));
  // Before the state goes out: an order this purchase ends is no longer shown as ordered.
  if (!bought.kind.empty() && order_actions_) order_actions_->purchased(c.id, bought);
  sync(e);
  return true;
}

void Hub::note_history(Entry& e, double ts) {
  const double now = clock_.now();
  if (!options_.hold_for_history || ts >= now - kBackfillLagS) return;
  if (now - e.history_last > kBackfillSettleS) e.history_since = now;  // a new history
  e.history_last = now;
}

Status Hub::learn(Entry& e, const Reading& r) {
  Status st = Status::Ok();
  if (r.kind == "level") {
    st = e.model.level(r.ts, r.value);
    if (st.ok()) e.state.last_reading_ts = std::max(e.state.last_reading_ts, r.ts);
  } else if (r.kind == "used") {
    st = e.model.used(r.ts, r.value);
  } else if (r.kind == "refilled") {
    st = e.model.refilled(r.ts, r.value);
  } else if (r.kind == "purchased") {
    st = e.model.purchased(r.ts, static_cast<int>(r.value), r.best_before);
  } else {
    st = Status::Error("unknown kind");
  }
  if (!st.ok()) return st;
  e.state.updated = std::max(e.state.updated, r.ts);
  e.unsaved = true;
  return st;
}

void Hub::sync(Entry& e) {
  double now = clock_.now();
  Forecast f = e.model.forecast(now);
  ConsumableState& s = e.state;
  s.level = f.level;
  s.on_hand = f.on_hand;
  s.rate_per_day = f.rate_per_day;
  s.days_left = f.days_left;
  s.empty_at = f.empty_at;
  s.empty_at_low = f.empty_at_low;
  s.empty_at_high = f.empty_at_high;
  s.status = f.status;
  show_order(e);
  s.reorder = f.reorder;
  s.vetoed = f.vetoed;
  s.best_before = f.best_before;
  s.expiring = f.expiring;
  s.expiring_at = f.expiring_at;
  publish_model_events(e);
  changed(e);
}

void Hub::order_placed(const std::string& id, double ts) {
  with_entry(id, [&](Entry& e) { e.model.order_placed(ts); });
}

void Hub::order_cancelled(const std::string& id, double ts, bool by_user) {
  with_entry(id, [&](Entry& e) { e.model.order_cancelled(ts, by_user); });
}

void Hub::order_delivered(const std::string& id, double ts, int packs, double delivery_days) {
  with_entry(id, [&](Entry& e) { e.model.order_delivered(ts, packs, delivery_days); });
}

void Hub::show_order(Entry& e) {
  std::string& status = e.state.status;
  if (e.order_in_flight && (status == "ok" || status == "low")) status = "ordered";
}

void Hub::order_in_flight(const std::string& id, bool in_flight, bool show) {
  auto it = consumables_.find(id);
  if (it == consumables_.end() || it->second.order_in_flight == in_flight) return;
  it->second.order_in_flight = in_flight;
  if (show) sync(it->second);
}

void Hub::with_entry(const std::string& id, const std::function<void(Entry&)>& fn) {
  auto it = consumables_.find(id);
  if (it == consumables_.end()) return;
  fn(it->second);
  it->second.unsaved = true;
  it->second.must_save = true;  // no reading holds an order fact
  sync(it->second);
}

}  // namespace larder
