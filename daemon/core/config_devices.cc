// The device sections (docs/plugins.md): buttons, sensors, vehicles, people and plugins.
// Read after `consumables`, so that a device naming an unknown consumable is reported with
// both names.
#include <algorithm>
#include <map>
#include <set>
#include <string_view>
#include <utility>

#include "core/config_checks.h"
#include "core/config_sections.h"

namespace larder::config {

void DeviceClaims::claim(Section& s, std::string_view key, const std::string& topic,
                         const std::string& who) {
  auto [it, fresh] = owner_.emplace(topic, who);
  if (!fresh && it->second != who) {
    s.error(key, "\"" + topic + "\" is already the device of " + it->second);
  }
}

namespace {

// `consumable: <id>` of a device: required, and configured.
std::string read_consumable_ref(Section& s, const std::string& device, std::string_view kind,
                                const std::vector<ConsumableConfig>& consumables) {
  auto id = s.string("consumable", Need::required);
  if (!id) return {};
  for (const auto& c : consumables) {
    if (c.id == *id) return *id;
  }
  s.error("consumable", "names consumable '" + *id + "', which is not configured (" +
                            std::string(kind) + " '" + device + "')");
  return {};
}

std::optional<ButtonEffect> read_effect(Section& s, std::string_view key) {
  static constexpr std::pair<std::string_view, ButtonEffect> kEffects[] = {
      {"refilled", ButtonEffect::refilled}, {"reorder", ButtonEffect::reorder},
      {"confirm", ButtonEffect::confirm},   {"cancel", ButtonEffect::cancel},
      {"vacation", ButtonEffect::vacation}, {"none", ButtonEffect::none},
  };
  auto v = s.string(key, Need::optional, [](std::string_view v) {
    return check_one_of(v, {"refilled", "reorder", "confirm", "cancel", "vacation", "none"});
  });
  if (!v) return std::nullopt;
  for (const auto& [name, effect] : kEffects) {
    if (name == *v) return effect;
  }
  return std::nullopt;  // not reached: the check allows only the names above
}

void read_button(Section& s, ButtonConfig& b, const std::vector<ConsumableConfig>& consumables,
                 DeviceClaims& claims) {
  b.consumable = read_consumable_ref(s, b.id, "button", consumables);
  if (auto e = read_effect(s, "single")) b.single = *e;
  if (auto e = read_effect(s, "double")) b.double_press = *e;
  if (auto e = read_effect(s, "long")) b.long_press = *e;
  auto topic = [](std::string_view v) { return check_device_topic(v); };
  if (auto z = s.string("zigbee2mqtt", Need::optional, topic)) {
    b.zigbee2mqtt = *z;
    claims.claim(s, "zigbee2mqtt", "zigbee2mqtt " + *z, "button '" + b.id + "'");
  }
  if (auto e = s.string("esphome", Need::optional,
                        [](std::string_view v) { return check_esphome_topic(v); })) {
    b.esphome = *e;
    claims.claim(s, "esphome", "esphome " + *e, "button '" + b.id + "'");
  }
  if (auto n = s.whole("tasmota_button", Need::optional, 1, 32)) b.tasmota_button = *n;
  if (s.has("tasmota_button") && !s.has("tasmota")) {
    s.error("tasmota_button", "needs `tasmota`, the device the button is on");
  }
  if (auto t = s.string("tasmota", Need::optional,
                        [](std::string_view v) { return check_device_topic(v, 1); })) {
    b.tasmota = *t;
    claims.claim(s, "tasmota", "tasmota " + *t + " Button" + std::to_string(b.tasmota_button),
                 "button '" + b.id + "'");
  }
  s.section("actions", Need::optional, [&](Section& a) {
    for (const Field& f : a.entries()) {
      auto v = a.string(f.key, Need::required, [](std::string_view v) {
        return check_one_of(v, {"single", "double", "long", "ignore"});
      });
      if (v) b.actions[f.key] = *v;
    }
  });
  if (auto d = s.number("debounce_s", Need::optional, Range{0.0, 60.0, false, false})) {
    b.debounce_s = *d;
  }
}

void read_sensor(Section& s, SensorConfig& out, const std::vector<ConsumableConfig>& consumables,
                 DeviceClaims& claims) {
  out.consumable = read_consumable_ref(s, out.id, "sensor", consumables);
  const ConsumableConfig* c = nullptr;
  for (const auto& x : consumables) {
    if (x.id == out.consumable) c = &x;
  }
  auto kind = s.string("kind", Need::required, [](std::string_view v) {
    return check_one_of(v, {"tasmota_hx711", "tasmota_sr04", "esphome"});
  });
  if (kind) {
    out.kind = *kind == "tasmota_hx711"  ? SensorKind::tasmota_hx711
               : *kind == "tasmota_sr04" ? SensorKind::tasmota_sr04
                                         : SensorKind::esphome;
  }
  const bool esphome = kind && out.kind == SensorKind::esphome;
  const bool sr04 = kind && out.kind == SensorKind::tasmota_sr04;
  auto topic = s.string("topic", Need::required, [esphome](std::string_view v) {
    if (esphome) return check_esphome_topic(v);
    return check_device_topic(v, 1);
  });
  if (topic) {
    out.topic = *topic;
    claims.claim(s, "topic", (esphome ? "esphome " : "tasmota ") + *topic, "sensor '" + out.id + "'");
  }
  if (auto f = s.number("factor", Need::optional)) {
    if (*f == 0) {
      s.error("factor", "must not be 0 (every reading would be 0)");
    } else {
      out.factor = *f;
    }
  }
  if (auto o = s.number("offset", Need::optional)) out.offset = *o;
  if (kind && out.kind == SensorKind::tasmota_hx711) {
    out.unit = Unit::kg;  // Tasmota reports kilograms
    out.gross = true;     // a scale weighs the container too
  }
  if (auto u = s.string("unit", Need::optional, [&](std::string_view v) -> std::string {
        if (sr04) return "is not used by tasmota_sr04 (the level is in the consumable's unit)";
        auto unit = parse_unit(v);
        if (!unit) return "must be g, kg, ml, l, pcs or %";
        if (c && *unit != Unit::percent && dimension_of(*unit) != dimension_of(c->unit)) {
          return "does not fit consumable '" + c->id + "' (" + std::string(unit_name(c->unit)) + ")";
        }
        return "";
      })) {
    out.unit = parse_unit(*u);
  } else if (kind && out.kind == SensorKind::tasmota_hx711 && c && !s.has("unit") &&
             out.unit && dimension_of(*out.unit) != dimension_of(c->unit)) {
    // Checked as a written unit is: every reading would be refused at run time.
    s.error("kind", "tasmota_hx711 reports kg, which does not fit consumable '" + c->id +
                        "' (" + std::string(unit_name(c->unit)) +
                        "): give the unit its readings are in after factor, unit: " +
                        std::string(unit_name(c->unit)));
  }
  if (auto g = s.boolean("gross", Need::optional)) out.gross = *g;
  if (sr04) {
    auto full = s.number("full_cm", Need::required, Range::non_negative());
    auto empty = s.number("empty_cm", Need::required, Range::positive());
    if (full) out.full_cm = *full;
    if (empty) out.empty_cm = *empty;
    if (full && empty && *empty <= *full) {
      s.error("empty_cm", "must be greater than full_cm (the surface is further away when empty)");
    }
  } else {
    for (const char* k : {"full_cm", "empty_cm"}) {
      if (s.has(k)) {
        s.number(k, Need::optional);
        s.error(k, "is only for kind tasmota_sr04");
      }
    }
  }
  if (auto t = s.number("offline_after_s", Need::optional, Range{60.0, 30 * 86400.0, false, false})) {
    out.offline_after_s = *t;
  }
}

}  // namespace

void read_buttons(Section& s, std::vector<ButtonConfig>& out,
                  const std::vector<ConsumableConfig>& consumables) {
  DeviceClaims claims;
  read_named(s, "button", [&](const std::string& id, Section& b) {
    ButtonConfig button;
    button.id = id;
    read_button(b, button, consumables, claims);
    out.push_back(std::move(button));
  });
}

void read_sensors(Section& s, std::vector<SensorConfig>& out,
                  const std::vector<ConsumableConfig>& consumables) {
  DeviceClaims claims;
  read_named(s, "sensor", [&](const std::string& id, Section& b) {
    SensorConfig sensor;
    sensor.id = id;
    read_sensor(b, sensor, consumables, claims);
    out.push_back(std::move(sensor));
  });
}

void read_vehicles(Section& s, std::vector<VehicleConfig>& out, DeviceClaims& owntracks) {
  read_named(s, "vehicle", [&](const std::string& id, Section& vs) {
    VehicleConfig v;
    v.id = id;
    if (auto o = vs.string("owntracks", Need::optional,
                           [](std::string_view t) { return check_device_topic(t, 2); })) {
      v.owntracks = *o;
      owntracks.claim(vs, "owntracks", *o, "vehicle '" + id + "'");
    }
    if (auto t = vs.number("parked_after_s", Need::optional, Range{10.0, 86400.0, false, false})) {
      v.parked_after_s = *t;
    }
    auto text = [](std::string_view t) { return check_max_length(t, 64); };
    if (auto m = vs.string("make", Need::optional, text)) v.make = *m;
    if (auto p = vs.string("plate_hint", Need::optional, text)) v.plate_hint = *p;
    out.push_back(std::move(v));
  });
}

void read_people(Section& s, std::vector<PersonConfig>& out, DeviceClaims& owntracks) {
  read_named(s, "person", [&](const std::string& id, Section& ps) {
    PersonConfig p;
    p.id = id;
    if (auto o = ps.string("owntracks", Need::optional,
                           [](std::string_view t) { return check_device_topic(t, 2); })) {
      p.owntracks = *o;
      owntracks.claim(ps, "owntracks", *o, "person '" + id + "'");
    }
    if (auto r = ps.string("home_region", Need::optional,
                           [](std::string_view v) { return check_max_length(v, 200); })) {
      p.home_region = *r;
    }
    out.push_back(std::move(p));
  });
}

void read_plugins(Section& s, PluginsConfig& out) {
  auto base = [](std::string_view v) { return check_device_topic(v); };
  if (auto b = s.string("zigbee2mqtt_base", Need::optional, base)) out.zigbee2mqtt_base = *b;
  if (auto b = s.string("owntracks_base", Need::optional, base)) out.owntracks_base = *b;
  if (auto h = s.boolean("home_assistant", Need::optional)) out.home_assistant = *h;
  if (auto p = s.string("home_assistant_prefix", Need::optional, base)) {
    out.home_assistant_prefix = *p;
  }
  auto node = [](std::string_view v) -> std::string {
    bool ok = !v.empty() && v.size() <= 64 && std::all_of(v.begin(), v.end(), [](char c) {
      return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
             c == '_' || c == '-';
    });
    return ok ? "" : "must be 1 to 64 of A-Z, a-z, 0-9, '_' and '-' (a discovery node id)";
  };
  if (auto n = s.string("home_assistant_node", Need::optional, node)) {
    out.home_assistant_node = *n;
  }
}

}  // namespace larder::config
