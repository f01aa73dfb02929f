#include "plugins/vehicle_tracker/vehicle_tracker.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <map>
#include <numbers>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "larder/json_input.h"
#include "larder/log.h"

namespace larder::plugins {
namespace {

using nlohmann::json;

// The contract's bound on payloads; OwnTracks messages are a few hundred bytes.
// Below this a phone's or a tracker's GPS jitters even when it reports a better accuracy.
constexpr double kMinStillRadiusM = 20;
// Above this speed (km/h, as OwnTracks reports "vel") the car is driving, whatever the fixes.
constexpr double kMovingVelKmh = 5;

double haversine_m(double lat1, double lon1, double lat2, double lon2) {
  constexpr double kEarthRadiusM = 6371008.8;  // mean radius
  constexpr double kRad = std::numbers::pi / 180;
  double dlat = (lat2 - lat1) * kRad;
  double dlon = (lon2 - lon1) * kRad;
  double sin_dlat = std::sin(dlat / 2), sin_dlon = std::sin(dlon / 2);
  double a = sin_dlat * sin_dlat +
             std::cos(lat1 * kRad) * std::cos(lat2 * kRad) * sin_dlon * sin_dlon;
  return 2 * kEarthRadiusM * std::asin(std::min(1.0, std::sqrt(a)));
}

// Whole numbers stay whole in the output (epoch seconds, metres), as OwnTracks sent them.
json plain(double x) {
  if (std::floor(x) == x && std::fabs(x) < 9e15) return static_cast<std::int64_t>(x);
  return x;
}

// ---- Reading OwnTracks payloads ---------------------------------------------------------

struct Problem {
  std::string code;    // too_large, json, shape, value, time
  std::string reason;
};

// Reads fields of one JSON object; the first problem found wins. An optional field that is
// null counts as absent; a required one that is null counts as missing.
struct Reader {
  const json& obj;
  std::optional<Problem> problem;

  void fail(const char* code, std::string reason) {
    if (!problem) problem = Problem{code, std::move(reason)};
  }

  const json* find(const char* key, bool required) {
    auto it = obj.find(key);
    if (it == obj.end() || it->is_null()) {
      if (required) fail("shape", std::string("field '") + key + "' is missing");
      return nullptr;
    }
    return &*it;
  }

  std::optional<double> number(const char* key, bool required) {
    const json* v = find(key, required);
    if (!v) return std::nullopt;
    if (!v->is_number()) {
      fail("shape", std::string("field '") + key + "' must be a number");
      return std::nullopt;
    }
    double d = v->get<double>();
    if (!std::isfinite(d)) {
      fail("value", std::string("field '") + key + "' must be a finite number");
      return std::nullopt;
    }
    return d;
  }

  std::optional<std::string> string(const char* key, bool required) {
    const json* v = find(key, required);
    if (!v) return std::nullopt;
    if (!v->is_string()) {
      fail("shape", std::string("field '") + key + "' must be a string");
      return std::nullopt;
    }
    return v->get<std::string>();
  }

  // Epoch seconds: a number, not negative.
  std::optional<double> epoch(const char* key) {
    auto t = number(key, true);
    if (t && *t < 0) fail("value", std::string("field '") + key + "' must not be negative");
    return t;
  }
};

struct Location {
  double lat = 0, lon = 0, tst = 0;
  std::optional<double> acc;                           // metres
  std::optional<double> vel;                           // km/h
  std::optional<std::vector<std::string>> inregions;   // read only where a person listens
};

std::optional<Location> read_location(Reader& r, bool with_regions) {
  Location loc;
  loc.lat = r.number("lat", true).value_or(0);
  loc.lon = r.number("lon", true).value_or(0);
  loc.tst = r.epoch("tst").value_or(0);
  loc.acc = r.number("acc", false);
  loc.vel = r.number("vel", false);
  if (r.problem) return std::nullopt;
  if (loc.lat < -90 || loc.lat > 90) r.fail("value", "field 'lat' must be -90..90");
  if (loc.lon < -180 || loc.lon > 180) r.fail("value", "field 'lon' must be -180..180");
  if (loc.acc && *loc.acc < 0) r.fail("value", "field 'acc' must not be negative");
  if (with_regions) {
    if (const json* regions = r.find("inregions", false)) {
      bool strings = regions->is_array() &&
                     std::all_of(regions->begin(), regions->end(),
                                 [](const json& e) { return e.is_string(); });
      if (!strings) {
        r.fail("shape", "field 'inregions' must be a list of strings");
      } else {
        loc.inregions = regions->get<std::vector<std::string>>();
      }
    }
  }
  if (r.problem) return std::nullopt;
  return loc;
}

struct Transition {
  bool enter = false;
  std::string desc;
  double tst = 0;
};

std::optional<Transition> read_transition(Reader& r) {
  auto event = r.string("event", true);
  // `desc` is optional in OwnTracks (a beacon's transition can come without it): such a
  // transition names no region, so it matches no home region and changes nothing.
  auto desc = r.string("desc", false);
  auto tst = r.epoch("tst");
  if (r.problem) return std::nullopt;
  if (*event != "enter" && *event != "leave") {
    r.fail("value", "field 'event' must be enter or leave, got '" + event->substr(0, 32) + "'");
    return std::nullopt;
  }
  return Transition{*event == "enter", desc.value_or(""), *tst};
}

// ---- State --------------------------------------------------------------------------------

struct Fix {
  double lat = 0, lon = 0, tst = 0;
  std::optional<double> acc;
};

struct Vehicle {
  std::string id;
  double parked_after_s = 300;
  std::optional<Fix> anchor;  // the first fix of the current still period
  std::optional<Fix> last;    // the newest fix
  bool parked_told = false;   // moving:false was reported in this still period
  double last_out_ts = -std::numeric_limits<double>::infinity();
};

struct Person {
  std::string id;
  std::string home_region;
  std::optional<double> presence_ts;  // the ts of the last presence reported
};

// One OwnTracks device (<user>/<device>) and who listens to it.
struct Device {
  std::string name;                  // <user>/<device>
  std::string location_topic, event_topic;
  std::vector<std::size_t> vehicles, people;
  std::optional<double> newest_tst;  // the newest location fix's tst
};

class VehicleTracker final : public Plugin {
 public:
  explicit VehicleTracker(const Config& config) {
    const std::string& base = config.plugins.owntracks_base;
    auto device = [&](const std::optional<std::string>& name, const std::string& who) -> Device* {
      if (!name) return nullptr;
      if (!valid_device(*name)) {
        log_warn("vehicle_tracker: " + who + ": owntracks '" + *name +
                 "' is not <user>/<device>; ignored");
        return nullptr;
      }
      for (auto& d : devices_) {
        if (d.name == *name) return &d;
      }
      Device& d = devices_.emplace_back();
      d.name = *name;
      d.location_topic = base + "/" + *name;
      d.event_topic = d.location_topic + "/event";
      return &d;
    };
    for (const auto& v : config.vehicles) {
      if (Device* d = device(v.owntracks, "vehicle " + v.id)) {
        d->vehicles.push_back(vehicles_.size());
        vehicles_.push_back(Vehicle{v.id, v.parked_after_s, {}, {}, false,
                                    -std::numeric_limits<double>::infinity()});
      }
    }
    for (const auto& p : config.people) {
      if (Device* d = device(p.owntracks, "person " + p.id)) {
        d->people.push_back(people_.size());
        people_.push_back(Person{p.id, p.home_region, {}});
      }
    }
    for (std::size_t i = 0; i < devices_.size(); ++i) {
      topics_[devices_[i].location_topic] = i;
      topics_[devices_[i].event_topic] = i;
    }
  }

  bool empty() const { return devices_.empty(); }

  const char* name() const override { return "vehicle_tracker"; }

  std::vector<Subscription> subscriptions() const override {
    std::vector<Subscription> subs;
    for (const auto& d : devices_) {
      subs.push_back({d.location_topic, true});  // the retained last fix tells where it is
      subs.push_back({d.event_topic, false});    // transitions are never retained
    }
    return subs;
  }

  void on_message(const Message& m, double now, Sink& out) override {
    (void)now;  // OwnTracks stamps every fix; the time of arrival says nothing more
    auto it = topics_.find(m.topic);
    if (it == topics_.end()) return;  // not ours (the host routes by our filters)
    Device& d = devices_[it->second];
    // An empty payload clears a retained fix (OwnTracks' own "clear" of a device); it says
    // nothing about where anyone is.
    if (m.payload.empty()) return;

    if (!within_bound(m, out)) return;
    auto object = json_object(m, out);
    if (!object) return;
    const json& obj = *object;
    Reader r{obj, {}};
    auto type = r.string("_type", true);
    if (!type) return out.bad_input(m, r.problem->code, r.problem->reason);

    if (*type == "location") {
      auto loc = read_location(r, !d.people.empty());
      if (!loc) return out.bad_input(m, r.problem->code, r.problem->reason);
      on_location(d, m, *loc, out);
    } else if (*type == "transition") {
      if (d.people.empty()) return;  // presence is for people; a car's regions mean nothing
      auto tr = read_transition(r);
      if (!tr) return out.bad_input(m, r.problem->code, r.problem->reason);
      on_transition(d, m, *tr, out);
    } else if (*type == "lwt") {
      log_info("vehicle_tracker: OwnTracks " + d.name + " lost its connection to the broker");
    }
    // Every other _type (waypoint, card, cmd, status, steps, beacon, ...) says nothing here.
  }

  void tick(double now, Sink& out) override {
    for (auto& v : vehicles_) {
      if (!v.anchor || v.parked_told) continue;
      double parked_at = v.anchor->tst + v.parked_after_s;
      if (now < parked_at) continue;
      // No fix since: OwnTracks is silent while nothing moves, so the car stands still.
      send_location(v, *v.last, false, parked_at, /*retained=*/false, out);
      v.parked_told = true;
    }
  }

 private:
  static bool valid_device(const std::string& name) {
    auto slash = name.find('/');
    return slash != std::string::npos && slash > 0 && slash + 1 < name.size() &&
           name.find('/', slash + 1) == std::string::npos &&
           name.find_first_of("+#") == std::string::npos;
  }

  void on_location(Device& d, const Message& m, const Location& loc, Sink& out) {
    if (d.newest_tst && loc.tst < *d.newest_tst && m.retained) {
      // The broker's retained copy of an older fix (the app retained one once, newer ones
      // came live), sent again at every subscribe: nothing new, and no bad input.
      log_debug("vehicle_tracker: retained fix of " + d.name + " older than the last one");
      return;
    }
    if (d.newest_tst && loc.tst < *d.newest_tst) {
      return out.bad_input(m, "time",
                           "fix at " + plain(loc.tst).dump() + " is older than the last one at " +
                               plain(*d.newest_tst).dump());
    }
    if (d.newest_tst && loc.tst == *d.newest_tst) {
      log_debug("vehicle_tracker: duplicate fix from " + d.name + " dropped");
      return;
    }
    // What the hub refuses (a tst too far ahead of its clock, say) leaves every state here
    // as it was: it must not make the good fixes after it look old.
    bool taken = true;
    Fix fix{loc.lat, loc.lon, loc.tst, loc.acc};
    for (std::size_t i : d.vehicles) taken &= locate(vehicles_[i], fix, loc.vel, m.retained, out);
    if (loc.inregions) {
      for (std::size_t i : d.people) {
        Person& p = people_[i];
        bool home = std::find(loc.inregions->begin(), loc.inregions->end(), p.home_region) !=
                    loc.inregions->end();
        taken &= present(p, home, loc.tst, m.retained, out);
      }
    }
    if (taken) d.newest_tst = loc.tst;
  }

  void on_transition(Device& d, const Message& m, const Transition& tr, Sink& out) {
    for (std::size_t i : d.people) {
      Person& p = people_[i];
      if (!tr.desc.empty() && tr.desc == p.home_region) {
        present(p, tr.enter, tr.tst, m.retained, out);
      }
    }
  }

  // Moves the vehicle's still period along with a new fix and reports it; false when the
  // hub refused the report, and then the vehicle's state is as it was.
  bool locate(Vehicle& v, const Fix& fix, std::optional<double> vel, bool retained, Sink& out) {
    const Vehicle before = v;
    bool taken = locate_unchecked(v, fix, vel, retained, out);
    if (!taken) v = before;
    return taken;
  }

  bool locate_unchecked(Vehicle& v, const Fix& fix, std::optional<double> vel, bool retained,
                        Sink& out) {
    bool fast = vel && *vel > kMovingVelKmh;
    bool moved = !v.anchor || fast ||
                 haversine_m(v.anchor->lat, v.anchor->lon, fix.lat, fix.lon) >
                     std::max({v.anchor->acc.value_or(0), fix.acc.value_or(0), kMinStillRadiusM});
    v.last = fix;
    if (moved) {
      v.anchor = fix;
      v.parked_told = false;
      // A late fix (older than tick()'s parked claim) that shows movement corrects the claim
      // at the claim's ts: an older ts would be refused by the hub.
      return send_location(v, fix, true, std::max(fix.tst, v.last_out_ts), retained, out);
    }
    if (fix.tst < v.last_out_ts) return true;  // older than tick()'s claim, no news against it
    bool parked = fix.tst - v.anchor->tst >= v.parked_after_s;
    if (parked) v.parked_told = true;
    return send_location(v, fix, !parked, fix.tst, retained, out);
  }

  // Reports a location; its ts counts as told only when the hub took it.
  static bool send_location(Vehicle& v, const Fix& fix, bool moving, double ts, bool retained,
                            Sink& out) {
    json p = {{"lat", plain(fix.lat)}, {"lon", plain(fix.lon)}};
    if (fix.acc) p["acc"] = plain(*fix.acc);
    p["moving"] = moving;
    p["ts"] = plain(ts);
    if (!out.input("vehicle/" + v.id + "/location", p.dump(), retained)) return false;
    v.last_out_ts = std::max(v.last_out_ts, ts);
    return true;
  }

  // Reports where a person is; false when the hub refused it (and then nothing changes).
  static bool present(Person& p, bool home, double ts, bool retained, Sink& out) {
    if (p.presence_ts && ts < *p.presence_ts) {
      log_debug("vehicle_tracker: presence of " + p.id + " older than the last one dropped");
      return true;
    }
    json payload = {{"home", home}, {"ts", plain(ts)}};
    if (!out.input("presence/" + p.id, payload.dump(), retained)) return false;
    p.presence_ts = ts;
    return true;
  }

  std::vector<Vehicle> vehicles_;
  std::vector<Person> people_;
  std::vector<Device> devices_;
  std::map<std::string, std::size_t> topics_;  // location and event topics to devices_
};

}  // namespace

std::unique_ptr<Plugin> make_vehicle_tracker(const Config& config) {
  auto plugin = std::make_unique<VehicleTracker>(config);
  if (plugin->empty()) return nullptr;
  return plugin;
}

}  // namespace larder::plugins
