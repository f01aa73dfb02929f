#include "plugins/consumable_sensor/consumable_sensor.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "larder/json_input.h"
#include "larder/log.h"
#include "larder/texts.h"
#include "larder/time_zone.h"

namespace larder::plugins {
namespace {

using nlohmann::json;


// What a topic is to the sensors that read it.
enum class Role { tasmota_tele, tasmota_status, tasmota_lwt, esphome_state, esphome_status };

bool is_json_role(Role r) { return r == Role::tasmota_tele || r == Role::tasmota_status; }

// The outcome of reading one message for one sensor.
struct Reading {
  enum Kind { ignore, bad, number } kind = ignore;
  double value = 0;          // kind == number: the device's number, before calibration
  std::string code, reason;  // kind == bad
};

Reading bad(std::string code, std::string reason) {
  return {Reading::bad, 0, std::move(code), std::move(reason)};
}
Reading number(double v) { return {Reading::number, v, {}, {}}; }

struct Sensor {
  SensorConfig cfg;
  std::string label;     // "<id> (<consumable name>)", for event texts
  Unit unit = Unit::kg;  // of the emitted level
  double capacity = 0;   // the consumable's, in its unit
  enum class Avail { unknown, online, offline } avail = Avail::unknown;
  bool offline = false;          // sensor_offline raised and no sensor_online since
  std::optional<double> heard;   // the silence clock: when it last (re)started
};

struct Route {
  std::size_t sensor;
  Role role;
};

// ESPHome's prefix and object name from "<prefix>/<name>" (the prefix may hold '/').
std::pair<std::string, std::string> split_esphome(const std::string& topic) {
  auto slash = topic.rfind('/');
  if (slash == std::string::npos) return {"", ""};
  return {topic.substr(0, slash), topic.substr(slash + 1)};
}

// An ESPHome state payload: a plain decimal number, white space around it allowed.
Reading parse_esphome(std::string_view text) {
  constexpr std::string_view kSpace = " \t\r\n";
  auto first = text.find_first_not_of(kSpace);
  if (first == std::string_view::npos) return bad("value", "payload is empty, not a number");
  text = text.substr(first, text.find_last_not_of(kSpace) - first + 1);
  std::string lower(text);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  // `nan` is ESPHome's failed reading; `None` the same with publish_nan_as_none.
  if (lower == "nan" || lower == "-nan" || lower == "none") {
    return bad("value", "the device reports a failed reading ('" + std::string(text) + "')");
  }
  double v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  bool plain = !text.empty() && (std::isdigit(static_cast<unsigned char>(text[0])) ||
                                 text[0] == '-' || text[0] == '.');
  if (!plain || ec != std::errc() || end != text.data() + text.size() || !std::isfinite(v)) {
    std::string shown(text.substr(0, 32));
    return bad("value", "payload '" + shown + "' is not a finite number");
  }
  return number(v);
}

// This sensor's number in a Tasmota telemetry object (the top of tele/<topic>/SENSOR or the
// StatusSNS of a status reply).
Reading read_tasmota(const json& tele, SensorKind kind) {
  const char* field = kind == SensorKind::tasmota_hx711 ? "Weight" : "Distance";
  static const std::vector<std::string> kHx711 = {"HX711"};
  // A device with one SR04 writes "SR04"; with several, "SR04-1" or "SR04_1" (SetOption64)
  // for the first, which is the one a sensor without an index means.
  static const std::vector<std::string> kSr04 = {"SR04", "SR04-1", "SR04_1"};
  for (const std::string& name : kind == SensorKind::tasmota_hx711 ? kHx711 : kSr04) {
    auto it = tele.find(name);
    if (it == tele.end()) continue;
    if (!it->is_object()) return bad("shape", "'" + name + "' is not an object");
    auto f = it->find(field);
    if (f == it->end()) return bad("shape", "'" + name + "' has no '" + field + "'");
    if (!f->is_number()) return bad("shape", "'" + name + "." + field + "' is not a number");
    if (!std::isfinite(f->get<double>())) {
      return bad("value", "'" + name + "." + field + "' is not a finite number");
    }
    return number(f->get<double>());
  }
  return {};  // other sensors only: not for us
}

// How far a device's clock may be from the hub's for its time to be used: a Tasmota that
// has not reached its time server yet counts from 1970, and one that lost it drifts.
constexpr double kDeviceTimeFuture = 300;     // s ahead of the hub's clock
constexpr double kDeviceTimePast = 7 * 86400;  // s behind (a retained SENSOR may be old)
// A live message was measured just now (Tasmota keeps no backlog): its Time may only be
// the device's drift or delivery delay behind. More means a clock in another zone (the
// default firmware's fixed UTC+1 without summer time is an hour off in summer), and then
// the receive time is right and the device's wrong.
constexpr double kLiveTimePast = 300;

// The instant of a Tasmota "Time" (local time without a zone, in the household's zone),
// when there is one and it is plausible; otherwise the hub's receive time rules.
std::optional<double> tasmota_time(const json& tele, const TimeZone& zone, double now,
                                   bool retained) {
  auto it = tele.find("Time");
  if (it == tele.end() || !it->is_string()) return std::nullopt;
  auto local = parse_local_time(it->get_ref<const std::string&>());
  if (!local) return std::nullopt;
  double ts = zone.from_local(*local, now);
  const double past = retained ? kDeviceTimePast : kLiveTimePast;
  if (ts > now + kDeviceTimeFuture || ts < now - past) return std::nullopt;
  // A clock a little ahead is the device's drift, not a reading from the future: taken as
  // now, or the hub would refuse every reading without a time (another plugin's, a
  // person's) as older than this one until the hub's clock caught up.
  return std::min(ts, now);
}

class ConsumableSensorPlugin final : public Plugin {
 public:
  ConsumableSensorPlugin(std::vector<Sensor> sensors, const Texts& texts, const TimeZone& zone)
      : texts_(texts), sensors_(std::move(sensors)), zone_(zone) {
    for (std::size_t i = 0; i < sensors_.size(); ++i) {
      const std::string& t = sensors_[i].cfg.topic;
      if (sensors_[i].cfg.kind == SensorKind::esphome) {
        auto [prefix, name] = split_esphome(t);
        routes_[prefix + "/sensor/" + name + "/state"].push_back({i, Role::esphome_state});
        routes_[prefix + "/status"].push_back({i, Role::esphome_status});
      } else {
        routes_["tele/" + t + "/SENSOR"].push_back({i, Role::tasmota_tele});
        routes_["stat/" + t + "/STATUS10"].push_back({i, Role::tasmota_status});
        routes_["stat/" + t + "/STATUS8"].push_back({i, Role::tasmota_status});  // before 9.0
        routes_["tele/" + t + "/LWT"].push_back({i, Role::tasmota_lwt});
      }
    }
  }

  const char* name() const override { return "consumable_sensor"; }

  std::vector<Subscription> subscriptions() const override {
    std::vector<Subscription> subs;
    for (const auto& [topic, routes] : routes_) {
      // Retained messages: availability is a state; ESPHome retains its states by default
      // and Tasmota SENSOR is retained with SensorRetain. Status replies are never retained.
      subs.push_back({topic, routes.front().role != Role::tasmota_status});
    }
    return subs;
  }

  void on_message(const Message& m, double now, Sink& out) override {
    auto it = routes_.find(m.topic);
    if (it == routes_.end()) return;
    // An empty payload clears a retained message (a device renamed or removed, a broker
    // tidied up); it says nothing about the sensor.
    if (m.payload.empty()) return;
    for (const Route& r : it->second) {
      if (!sensors_[r.sensor].heard) sensors_[r.sensor].heard = now;
    }
    if (!within_bound(m, out)) return;
    bool reported = false;  // one bad_input per message
    auto report = [&](const std::string& code, const std::string& reason) {
      if (!reported) out.bad_input(m, code, reason);
      reported = true;
    };
    json parsed;
    const json* tele = nullptr;  // the telemetry object, for Tasmota readings
    std::optional<double> device_ts;
    if (is_json_role(it->second.front().role)) {
      auto object = json_object(m, out);
      if (!object) return;
      parsed = std::move(*object);
      tele = &parsed;
    }
    for (const Route& r : it->second) {
      Sensor& s = sensors_[r.sensor];
      Reading reading;
      switch (r.role) {
        case Role::tasmota_lwt:
          if (m.payload == "Online" || m.payload == "Offline") {
            availability(s, m.payload == "Online", now, out);
          } else {
            report("value", "LWT payload must be 'Online' or 'Offline'");
          }
          continue;
        case Role::esphome_status:
          if (m.payload == "online" || m.payload == "offline") {
            availability(s, m.payload == "online", now, out);
          } else {
            report("value", "status payload must be 'online' or 'offline'");
          }
          continue;
        case Role::tasmota_status: {
          auto sns = tele->find("StatusSNS");
          if (sns == tele->end() || !sns->is_object()) {
            reading = bad("shape", "status reply has no 'StatusSNS' object");
          } else {
            reading = read_tasmota(*sns, s.cfg.kind);
            device_ts = tasmota_time(*sns, zone_, now, m.retained);
          }
          break;
        }
        case Role::tasmota_tele:
          reading = read_tasmota(*tele, s.cfg.kind);
          device_ts = tasmota_time(*tele, zone_, now, m.retained);
          break;
        case Role::esphome_state: reading = parse_esphome(m.payload); break;
      }
      if (reading.kind == Reading::bad) report(reading.code, reading.reason);
      if (reading.kind != Reading::number) continue;
      if (s.cfg.kind == SensorKind::tasmota_sr04 && !(reading.value > 0)) {
        // Tasmota's SR04 reports 0 when no echo came back; below 0 is no distance at all.
        report("value", reading.value == 0 ? "the SR04 distance is 0 cm: no echo came back"
                                            : "the SR04 distance " + json(reading.value).dump() +
                                                  " cm is below 0");
        continue;
      }
      if (auto level = calibrate(s, reading.value)) {
        emit(s, m, *level, device_ts, now, out);
      } else {
        report("value", "the calibrated value of " + json(reading.value).dump() +
                            " is not a finite number");
      }
    }
  }

  // A sensor that still reads the same device for the same consumable keeps its episode
  // (offline or not), its silence clock and the device's availability. One that now reads
  // another device, or for another consumable, starts afresh: what was said of the old one
  // is not news of the new.
  void carry_over(const Plugin& old) override {
    const auto* before = dynamic_cast<const ConsumableSensorPlugin*>(&old);
    if (!before) return;
    for (Sensor& s : sensors_) {
      for (const Sensor& o : before->sensors_) {
        if (o.cfg.id != s.cfg.id || o.cfg.kind != s.cfg.kind || o.cfg.topic != s.cfg.topic ||
            o.cfg.consumable != s.cfg.consumable) {
          continue;
        }
        s.offline = o.offline;
        s.heard = o.heard;
        s.avail = o.avail;
      }
    }
  }

  void tick(double now, Sink& out) override {
    for (Sensor& s : sensors_) {
      if (!s.heard) s.heard = now;
      if (!s.offline && now - *s.heard > s.cfg.offline_after_s) set_offline(s, out);
    }
  }

 private:
  // The level in the sensor's unit from the device's number; nothing when not finite.
  static std::optional<double> calibrate(const Sensor& s, double device) {
    double v = device * s.cfg.factor + s.cfg.offset;
    if (s.cfg.kind == SensorKind::tasmota_sr04) {
      // v is the corrected distance to the surface; the geometry turns it into contents.
      v = s.capacity * (s.cfg.empty_cm - v) / (s.cfg.empty_cm - s.cfg.full_cm);
      if (std::isfinite(v)) v = std::clamp(v, 0.0, s.capacity);
    }
    if (!std::isfinite(v)) return std::nullopt;
    return v;
  }

  void emit(Sensor& s, const Message& m, double level, std::optional<double> ts, double now,
            Sink& out) {
    json p = {{"value", level}, {"unit", unit_name(s.unit)}};
    if (s.cfg.gross) p["gross"] = true;
    if (ts) p["ts"] = *ts;
    const bool taken =
        out.input_json("consumable/" + s.cfg.consumable + "/level", std::move(p), m.retained);
    if (taken && !m.retained) {
      // A live reading the hub took proves the device works now; a retained one may be
      // hours old, and one the hub refused (far above capacity...) proves nothing.
      if (s.offline) set_online(s, out);
      s.heard = now;
    }
  }

  void availability(Sensor& s, bool online, double now, Sink& out) {
    auto state = online ? Sensor::Avail::online : Sensor::Avail::offline;
    if (state == s.avail) return;  // e.g. the retained state again after a reconnect
    s.avail = state;
    if (!online) return set_offline(s, out);
    if (s.offline) set_online(s, out);
    s.heard = now;  // a device just back gets the whole silence allowance to report
  }

  static json fields(const Sensor& s) {
    return {{"sensor", s.cfg.id}, {"consumable", s.cfg.consumable}};
  }
  void set_offline(Sensor& s, Sink& out) {
    if (s.offline) return;
    s.offline = true;
    out.event("sensor_offline", texts_("event.sensor_offline", {Texts::arg("name", s.label)}),
              fields(s));
  }
  void set_online(Sensor& s, Sink& out) {
    s.offline = false;
    out.event("sensor_online", texts_("event.sensor_online", {Texts::arg("name", s.label)}),
              fields(s));
  }

  const Texts& texts_;  // household.locale's words for the events
  std::vector<Sensor> sensors_;
  TimeZone zone_;  // the household's: Tasmota's times are local
  std::map<std::string, std::vector<Route>> routes_;  // exact topic -> its readers
};

}  // namespace

std::unique_ptr<Plugin> make_consumable_sensor(const Config& config) {
  // The configuration reader has validated every sensor (daemon/core/config_devices.cc):
  // its topic, calibration, geometry and silence allowance are trusted here. Only what would
  // be undefined behaviour in this plugin is guarded, for a Config built by other means.
  std::vector<Sensor> sensors;
  for (const SensorConfig& sc : config.sensors) {
    const ConsumableConfig* c = config.consumable(sc.consumable);
    if (!c) continue;  // guard: the label and the unit below dereference it
    if (sc.kind == SensorKind::tasmota_sr04 && (sc.full_cm == sc.empty_cm || c->capacity < 0)) {
      continue;  // guard: calibrate() divides by empty_cm - full_cm and clamps to 0..capacity
    }
    Sensor s;
    s.cfg = sc;
    s.label = sc.id + " (" + (c->name.empty() ? c->id : c->name) + ")";
    switch (sc.kind) {
      case SensorKind::tasmota_hx711: s.unit = sc.unit.value_or(Unit::kg); break;
      case SensorKind::tasmota_sr04: s.unit = c->unit; break;  // the geometry's unit
      case SensorKind::esphome: s.unit = sc.unit.value_or(c->unit); break;
    }
    s.capacity = c->capacity;
    sensors.push_back(std::move(s));
  }
  if (sensors.empty()) return nullptr;
  TimeZone zone;
  if (auto loaded = TimeZone::load(config.household.timezone)) {
    zone = loaded.value();
  } else {
    log_warn("consumable_sensor: Tasmota times are read as UTC: " + loaded.status().message());
  }
  return std::make_unique<ConsumableSensorPlugin>(std::move(sensors),
                                                  texts_for(config.household.locale), zone);
}

}  // namespace larder::plugins
