#include "core/hub.h"

#include <cmath>
#include <cstdio>
#include <type_traits>

#include <nlohmann/json.hpp>

namespace larder {

using nlohmann::json;

namespace {
std::string num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.10g", v);
  return buf;
}
}  // namespace

Hub::Hub(const Config& config, Bus& bus, Store& store, const Clock& clock, Metrics& metrics,
         HubOptions options)
    : config_(config),
      bus_(bus),
      store_(store),
      clock_(clock),
      metrics_(metrics),
      options_(options),
      root_(config.mqtt.root()) {
  for (const auto& c : config_.consumables) {
    Entry e{&c, ConsumableState::initial(c), ConsumableState::initial(c)};
    consumables_.emplace(c.id, std::move(e));
  }
  metrics_.describe("larder_messages_received_total", "counter",
                    "Valid canonical input messages, by kind.");
  metrics_.describe("larder_messages_rejected_total", "counter",
                    "Input messages dropped as bad input, by reason.");
  metrics_.describe("larder_messages_ignored_total", "counter",
                    "Valid messages ignored by the contract's rules (retained events).");
  metrics_.describe("larder_state_published_total", "counter",
                    "Consumable states published (retained).");
}

Status Hub::restore() {
  auto states = store_.load_states();
  if (!states.ok()) return states.status();
  for (const auto& s : *states) {
    auto it = consumables_.find(s.consumable);
    if (it == consumables_.end()) continue;
    Entry& e = it->second;
    Status st = e.state.restore(s.json);
    if (!st.ok()) {
      log_warn("stored state of '" + s.consumable + "' ignored: " + st.message());
      continue;
    }
  }
  for (auto& [id, e] : consumables_) publish_state(e);
  return Status::Ok();
}

std::vector<contract::Filter> Hub::subscriptions() const { return contract::input_filters(root_); }

const ConsumableState* Hub::consumable(const std::string& id) const {
  auto it = consumables_.find(id);
  return it == consumables_.end() ? nullptr : &it->second.state;
}

const VehicleFacts* Hub::vehicle(const std::string& id) const {
  auto it = vehicles_.find(id);
  return it == vehicles_.end() ? nullptr : &it->second;
}

std::optional<bool> Hub::presence(const std::string& person) const {
  auto it = presence_.find(person);
  if (it == presence_.end()) return std::nullopt;
  return it->second;
}

void Hub::on_message(const Message& m) { on_message(m, nullptr); }

void Hub::on_message(const Message& m, const nlohmann::json* payload) {
  contract::Parsed p = contract::parse_input(root_, m, payload);
  if (!p.ok()) {
    reject(m, p.rejection);
    return;
  }
  const contract::Input& in = *p.input;
  auto ts = contract::input_ts(in);
  if (m.retained && !(contract::retained_may_initialise(in))) {
    // A retained message is never a new event (the contract): a press, an intent, a
    // use... kept by the broker would otherwise act again at every reconnect.
    metrics_.inc("larder_messages_ignored_total", {{"reason", "retained"}});
    return;
  }
  if (ts && *ts > clock_.now() + options_.max_future_skew) {
    reject(m, {"time", "field 'ts' is more than " +
                           std::to_string(static_cast<int>(options_.max_future_skew)) +
                           " s in the future"});
    return;
  }
  apply(m, in);
}

void Hub::reject(const Message& m, const contract::Rejection& r) {
  metrics_.inc("larder_messages_rejected_total", {{"reason", r.kind}});
  ++rejected_;
  last_rejection_ = r.reason;
  std::string topic = m.topic.substr(0, 256);
  double now = clock_.now();
  bad_input_log_.log(LogLevel::warn, topic, "bad input on '" + topic + "': " + r.reason, now);
  // Reports are rate-limited too, so a flood of bad input cannot flood the broker.
  if (error_reports_.log(LogLevel::debug, topic, "reporting bad input on " + topic, now)) {
    json report = {{"topic", topic}, {"reason", r.reason}, {"ts", now}};
    bus_.publish(root_ + "/error", report.dump(), /*retain=*/false, 1);
  }
}

void Hub::apply(const Message& m, const contract::Input& in) {
  double now = clock_.now();
  double ts = contract::input_ts(in).value_or(now);
  const char* kind = contract::input_kind(in);

  std::string consumable_id(contract::consumable_of(in));
  if (!consumable_id.empty()) {
    auto it = consumables_.find(consumable_id);
    if (it == consumables_.end()) {
      reject(m, {"unknown_consumable", "no consumable '" + consumable_id + "' is configured"});
      return;
    }
    Entry& e = it->second;
    std::string key = stamp(in);
    std::string& last = e.last_stamped[contract::input_kind(in)];
    if (!key.empty() && key == last) {
      metrics_.inc("larder_messages_ignored_total", {{"reason", "duplicate"}});
      return;
    }
    if (!apply_consumable(m, in, e, ts)) return;
    last = std::move(key);
  } else if (auto* loc = std::get_if<contract::LocationInput>(&in)) {
    auto& v = vehicles_[loc->vehicle];
    if (m.retained && !loc->ts && v.location) return;  // only initialises an unknown value
    if (v.location && ts < v.updated) {
      reject(m, {"time", "location is older than the last one"});
      return;
    }
    v.location = *loc;
    v.updated = ts;
  } else if (auto* trunk = std::get_if<contract::TrunkInput>(&in)) {
    vehicles_[trunk->vehicle].trunk = trunk->state;
  } else if (auto* pr = std::get_if<contract::PresenceInput>(&in)) {
    if (m.retained && !pr->ts && presence_.count(pr->person)) return;
    presence_[pr->person] = pr->home;
  } else {
    // Buttons and voice intents are validated here; what they do is wired by the
    // features that own them (buttons to consumables, the conversation).
    log_debug(std::string("accepted ") + kind + " on " + m.topic);
  }
  metrics_.inc("larder_messages_received_total", {{"kind", kind}});
}

std::string Hub::stamp(const contract::Input& in) {
  if (!contract::input_ts(in)) return {};  // without ts two equal messages are two events
  auto number = [](const auto& x) -> json {
    if constexpr (std::is_arithmetic_v<std::decay_t<decltype(x)>>) {
      return x;
    } else {
      return x ? json(*x) : json();
    }
  };
  return std::visit(
      [&](const auto& v) {
        json j = {{"k", contract::input_kind(in)}, {"t", *v.ts}};
        if constexpr (requires { v.value; }) j["v"] = number(v.value);
        if constexpr (requires { v.amount; }) j["a"] = number(v.amount);
        if constexpr (requires { v.packs; }) j["p"] = v.packs;
        if constexpr (requires { v.gross; }) j["g"] = v.gross;
        return j.dump();
      },
      in);
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

  if (auto* lv = std::get_if<contract::LevelInput>(&in)) {
    if (m.retained && !lv->ts) {
      if (s.level) return false;  // only initialises a value that is still unknown
      ts = clock_.now();
    } else if (ts < s.last_reading_ts) {
      if (m.retained) return false;  // the broker's copy of a reading already seen
      reject(m, {"time", "reading at " + num(ts) + " is older than the last one"});
      return false;
    }
    auto v = in_unit(lv->value, lv->unit);
    if (!v) return false;
    double tolerance = 0.05 * c.capacity;
    if (*v < -tolerance) {
      reject(m, {"range", "level " + num(lv->value) + " " +
                              std::string(unit_name(lv->unit)) + " is negative"});
      return false;
    }
    double net = lv->gross ? *v - c.tare : *v;
    if (net > 2 * c.capacity + tolerance) {
      reject(m, {"range", "level " + num(lv->value) + " " +
                              std::string(unit_name(lv->unit)) +
                              " is far above the capacity of '" + c.id + "'"});
      return false;
    }
    s.level = std::max(0.0, net);
    s.last_reading_ts = ts;
    store_.append({c.id, ts, "level", net});
  } else if (auto* used = std::get_if<contract::UsedInput>(&in)) {
    auto v = in_unit(used->amount, used->unit);
    if (!v) return false;
    if (s.level) s.level = std::max(0.0, *s.level - *v);
    store_.append({c.id, ts, "used", *v});
  } else if (auto* ref = std::get_if<contract::RefilledInput>(&in)) {
    double amount = c.pack.size;
    if (ref->amount) {
      auto v = in_unit(*ref->amount, *ref->unit);
      if (!v) return false;
      amount = *v;
    }
    if (s.on_hand > 0) --s.on_hand;
    s.level = s.level.value_or(0) + amount;
    store_.append({c.id, ts, "refilled", amount});
  } else if (auto* pu = std::get_if<contract::PurchasedInput>(&in)) {
    s.on_hand += pu->packs;
    store_.append({c.id, ts, "purchased", static_cast<double>(pu->packs)});
  }
  s.updated = std::max(s.updated, ts);
  changed(e);
  return true;
}

void Hub::changed(Entry& e) {
  e.unsaved = true;
  if (e.ever_published && !meaningful_change(e.published, e.state)) return;
  if (clock_.now() - e.last_publish >= options_.min_publish_interval) {
    publish_state(e);
  } else {
    e.dirty = true;
  }
}

void Hub::persist() {
  for (auto& [id, e] : consumables_) {
    if (!e.unsaved) continue;
    store_.put_state(id, e.state.to_json(), e.state.updated);
    e.unsaved = false;
  }
}

void Hub::tick() {
  double now = clock_.now();
  for (auto& [id, e] : consumables_) {
    if (e.dirty && now - e.last_publish >= options_.min_publish_interval) publish_state(e);
  }
}

void Hub::publish_state(Entry& e) {
  bus_.publish(root_ + "/consumable/" + e.state.id + "/state", e.state.to_json(),
               /*retain=*/true, 1);
  metrics_.inc("larder_state_published_total");
  e.published = e.state;
  e.ever_published = true;
  e.dirty = false;
  e.last_publish = clock_.now();
}

}  // namespace larder
