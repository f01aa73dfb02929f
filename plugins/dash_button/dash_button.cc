#include "plugins/dash_button/dash_button.h"

#include <cmath>
#include <cstddef>
#include <deque>
#include <unordered_map>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "larder/json_input.h"
#include "larder/texts.h"

namespace larder::plugins {

namespace {

using nlohmann::json;

// Like the canonical contract (core/contract.h): larger payloads are refused unparsed.

// zigbee2mqtt publishes the state message and the /action copy of one press back to back;
// a copy arriving later than this belongs to no press we still remember.
constexpr double kPairWindowS = 2.0;
// Bounds the memory a flood of unpaired reports can take.
constexpr std::size_t kMaxPending = 16;

// The topic a device source gives must be a plain topic name, usable as an exact filter.
bool plain_topic(std::string_view t) {
  return !t.empty() && t.find_first_of(std::string_view("+#\0", 3)) == std::string_view::npos;
}

enum class Role {
  z2m_state,
  z2m_action,
  z2m_availability,
  esp_state,
  esp_status,
  tasmota_result,
  tasmota_lwt
};
enum class Avail { unknown, online, offline };
// The two zigbee2mqtt channels a press arrives on; index into ButtonState::pending.
enum Channel { kStateChannel = 0, kActionChannel = 1 };

struct Report {
  std::string action;  // the device action
  double at = 0;
};

struct ButtonState {
  ButtonConfig config;
  std::string label;  // "<id> (<consumable name>)", for event texts
  std::unordered_map<std::string, double> last_press;  // canonical action -> when it counted
  std::deque<Report> pending[2];                       // zigbee reports awaiting their copy
  std::optional<bool> esp_on;                          // last known binary sensor state
  Avail z2m_avail = Avail::unknown;
  Avail esp_avail = Avail::unknown;
  Avail tasmota_avail = Avail::unknown;
};

struct Route {
  std::size_t button;
  Role role;
  std::string key;  // tasmota_result: the button's key in RESULT, "Button<n>"
};

// A device message that fits no known form.
struct Bad {
  std::string code, reason;
};

// What one message says, once understood.
struct Parsed {
  std::optional<Bad> bad;
  std::string action;  // z2m_state, z2m_action: the device action, "" for none
  bool flag = false;   // esp_state: ON; availability: online
  bool other = false;  // tasmota_result: another button's or another command's answer
};

Parsed bad(std::string code, std::string reason) {
  return Parsed{Bad{std::move(code), std::move(reason)}, {}, false, false};
}

// "action" or "click" of a zigbee2mqtt state message: absent, null and "" are no action.
std::optional<Bad> string_field(const json& obj, const char* key, std::string& out) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return std::nullopt;
  if (!it->is_string()) {
    return Bad{"shape", std::string("field '") + key + "' must be a string or null"};
  }
  out = it->get<std::string>();
  return std::nullopt;
}

// The payload as a JSON object; else `why` says what it is not (`what` names the message).
std::optional<json> json_object(const std::string& payload, const std::string& what,
                                Parsed& why) {
  std::string repeated;
  json j = parse_json_input(payload, repeated);
  if (!repeated.empty()) {
    why = bad("json", what + " is not valid JSON: " + repeated_key_message(repeated));
  } else if (j.is_discarded()) {
    why = bad("json", what + " is not valid JSON");
  } else if (!j.is_object()) {
    why = bad("json", what + " must be a JSON object");
  } else {
    return j;
  }
  return std::nullopt;
}

Parsed parse_z2m_state(const std::string& payload) {
  Parsed why;
  std::optional<json> obj = json_object(payload, "zigbee2mqtt state", why);
  if (!obj) return why;
  const json& j = *obj;
  std::string action, click;
  if (auto b = string_field(j, "action", action)) return Parsed{std::move(b), {}, false, false};
  if (auto b = string_field(j, "click", click)) return Parsed{std::move(b), {}, false, false};
  // Legacy firmware sends "click" instead of or beside "action": one press either way.
  return Parsed{std::nullopt, !action.empty() ? action : click, false, false};
}

// zigbee2mqtt: the bare word, or {"state":"online"}; ESPHome: the bare word only.
Parsed parse_availability(const std::string& payload, bool json_allowed) {
  if (payload == "online" || payload == "offline") {
    return Parsed{std::nullopt, {}, payload == "online", false};
  }
  if (!json_allowed || payload.find('{') == std::string::npos) {
    return bad("value", "availability must be 'online' or 'offline'");
  }
  std::string repeated;
  json j = parse_json_input(payload, repeated);
  if (!repeated.empty()) {
    return bad("json", "availability is not valid JSON: " + repeated_key_message(repeated));
  }
  if (j.is_discarded()) return bad("json", "availability is not valid JSON");
  if (!j.is_object()) return bad("json", "availability must be a word or a JSON object");
  auto it = j.find("state");
  if (it == j.end() || !it->is_string()) {
    return bad("shape", "availability object needs a string field 'state'");
  }
  const auto& s = it->get_ref<const std::string&>();
  if (s != "online" && s != "offline") {
    return bad("value", "availability state must be 'online' or 'offline'");
  }
  return Parsed{std::nullopt, {}, s == "online", false};
}

// Tasmota's stat/<topic>/RESULT carries every command's answer; only {"Button<n>":
// {"Action":"SINGLE"}} (buttons detached from the relays) is a press of button n. A RESULT
// without the key is some other answer, not this button's: no action.
Parsed parse_tasmota_result(const std::string& payload, const std::string& key) {
  Parsed why;
  std::optional<json> obj = json_object(payload, "Tasmota RESULT", why);
  if (!obj) return why;
  const json& j = *obj;
  auto it = j.find(key);
  if (it == j.end()) return Parsed{std::nullopt, {}, false, /*other=*/true};
  auto action = it->is_object() ? it->find("Action") : it->end();
  if (!it->is_object() || action == it->end() || !action->is_string() ||
      action->get_ref<const std::string&>().empty()) {
    return bad("shape", "Tasmota RESULT field '" + key + "' must be {\"Action\":\"<action>\"}");
  }
  return Parsed{std::nullopt, action->get<std::string>(), false, false};
}

Parsed parse(const Route& route, const std::string& payload) {
  const Role role = route.role;
  switch (role) {
    case Role::z2m_state: return parse_z2m_state(payload);
    case Role::z2m_action: return Parsed{std::nullopt, payload, false, false};
    case Role::z2m_availability: return parse_availability(payload, true);
    case Role::esp_status: return parse_availability(payload, false);
    case Role::esp_state:
      if (payload == "ON" || payload == "OFF") {
        return Parsed{std::nullopt, {}, payload == "ON", false};
      }
      return bad("value", "binary sensor state must be 'ON' or 'OFF'");
    case Role::tasmota_result: return parse_tasmota_result(payload, route.key);
    case Role::tasmota_lwt:
      if (payload == "Online" || payload == "Offline") {
        return Parsed{std::nullopt, {}, payload == "Online", false};
      }
      return bad("value", "Tasmota LWT must be 'Online' or 'Offline'");
  }
  return bad("topic", "no role");
}

class DashButton final : public Plugin {
 public:
  explicit DashButton(const Config& config)
      : texts_(texts_for(config.household.locale)), z2m_base_(config.plugins.zigbee2mqtt_base) {
    const std::string& base = z2m_base_;
    for (const ButtonConfig& b : config.buttons) {
      std::vector<std::pair<std::string, Role>> topics;
      if (b.zigbee2mqtt && plain_topic(*b.zigbee2mqtt) && plain_topic(base)) {
        const std::string t = base + "/" + *b.zigbee2mqtt;
        topics.emplace_back(t, Role::z2m_state);
        topics.emplace_back(t + "/action", Role::z2m_action);
        topics.emplace_back(t + "/availability", Role::z2m_availability);
      }
      if (b.esphome) {
        if (auto src = parse_esphome_source(*b.esphome)) {
          topics.emplace_back(src->prefix + "/binary_sensor/" + src->name + "/state",
                              Role::esp_state);
          topics.emplace_back(src->prefix + "/status", Role::esp_status);
        }
      }
      if (b.tasmota && plain_topic(*b.tasmota)) {
        topics.emplace_back("stat/" + *b.tasmota + "/RESULT", Role::tasmota_result);
        topics.emplace_back("tele/" + *b.tasmota + "/LWT", Role::tasmota_lwt);
      }
      if (topics.empty()) continue;
      for (auto& [topic, role] : topics) {
        // Live presses only on the press channels; state and availability want the
        // retained current value.
        bool retained = role != Role::z2m_state && role != Role::z2m_action &&
                        role != Role::tasmota_result;
        add_subscription(topic, retained);
        std::string key;
        if (role == Role::tasmota_result) key = "Button" + std::to_string(b.tasmota_button);
        routes_[topic].push_back({buttons_.size(), role, std::move(key)});
      }
      ButtonState state;
      state.config = b;
      // The consumable's name tells the household which button it is ("coffee" may be a
      // room's or a device's id).
      std::string consumable = b.consumable;
      for (const ConsumableConfig& c : config.consumables) {
        if (c.id == b.consumable && !c.name.empty()) consumable = c.name;
      }
      state.label = b.id + " (" + consumable + ")";
      buttons_.push_back(std::move(state));
    }
  }

  bool empty() const { return buttons_.empty(); }

  // A button of the same id and consumable keeps what each of its devices said of its
  // availability while it is still read from that device (zigbee2mqtt: also the reports
  // waiting for their copy), and, when all its devices are the same, when each action last
  // counted (a radio retry across the reload is no new press). A device it did not read
  // before starts afresh.
  void carry_over(const Plugin& old) override {
    const auto* before = dynamic_cast<const DashButton*>(&old);
    if (!before) return;
    for (ButtonState& b : buttons_) {
      for (const ButtonState& o : before->buttons_) {
        if (o.config.id != b.config.id || o.config.consumable != b.config.consumable) continue;
        const bool z2m = o.config.zigbee2mqtt == b.config.zigbee2mqtt &&
                         (!b.config.zigbee2mqtt || before->z2m_base_ == z2m_base_);
        const bool esp = o.config.esphome == b.config.esphome;
        const bool tasmota = o.config.tasmota == b.config.tasmota &&
                             o.config.tasmota_button == b.config.tasmota_button;
        if (z2m) {
          b.z2m_avail = o.z2m_avail;
          b.pending[0] = o.pending[0];  // a report whose copy comes after the reload
          b.pending[1] = o.pending[1];
        }
        if (esp) b.esp_avail = o.esp_avail;
        if (o.config.tasmota == b.config.tasmota) b.tasmota_avail = o.tasmota_avail;
        if (z2m && esp && tasmota) b.last_press = o.last_press;
      }
    }
  }

  const char* name() const override { return "dash_button"; }

  std::vector<Subscription> subscriptions() const override { return subscriptions_; }

  void on_message(const Message& m, double now, Sink& out) override {
    auto it = routes_.find(m.topic);
    if (it == routes_.end()) return;
    if (!within_bound(m, out)) return;
    // An empty payload clears a retained message (zigbee2mqtt does so when a device is
    // renamed or removed); it says nothing about the button.
    if (m.payload.empty()) return;
    // A topic may serve several buttons and, with odd friendly names, several roles: the
    // message is bad only when no role understands it.
    std::optional<Bad> first_bad;
    bool understood = false;
    for (const Route& r : it->second) {
      Parsed p = parse(r, m.payload);
      if (p.bad) {
        if (!first_bad) first_bad = std::move(p.bad);
        continue;
      }
      if (p.other) continue;  // not this route's message: neither good nor bad
      understood = true;
      apply(buttons_[r.button], r.role, p, m.retained, now, out);
    }
    if (!understood && first_bad) out.bad_input(m, first_bad->code, first_bad->reason);
  }

 private:
  void add_subscription(const std::string& topic, bool retained) {
    for (Subscription& s : subscriptions_) {
      if (s.filter == topic) {
        s.retained_wanted = s.retained_wanted || retained;
        return;
      }
    }
    subscriptions_.push_back({topic, retained});
  }

  void apply(ButtonState& b, Role role, const Parsed& p, bool retained, double now,
             Sink& out) {
    switch (role) {
      case Role::z2m_state:
      case Role::z2m_action:
        // A retained message is an old state, never a new press.
        if (retained || p.action.empty()) return;
        zigbee_report(b, role == Role::z2m_state ? kStateChannel : kActionChannel, p.action,
                      now, out);
        return;
      case Role::esp_state: {
        std::optional<bool> before = b.esp_on;
        b.esp_on = p.flag;
        // The rising edge only; a retained ON is the state at subscribe time.
        if (p.flag && !retained && before != true) press(b, "ON", now, out);
        return;
      }
      case Role::tasmota_result:
        if (retained || p.action.empty()) return;
        press(b, p.action, now, out);
        return;
      case Role::z2m_availability: availability(b, b.z2m_avail, p.flag, out); return;
      case Role::esp_status: availability(b, b.esp_avail, p.flag, out); return;
      case Role::tasmota_lwt: availability(b, b.tasmota_avail, p.flag, out); return;
    }
  }

  // One zigbee2mqtt press arrives as a state message and, with the Home Assistant option,
  // as a plain /action message too, in either order. Each report on one channel pairs
  // with one unpaired report of the same action on the other: the second of a pair is a
  // copy. The debounce alone would also drop it, but not with a debounce_s near 0.
  void zigbee_report(ButtonState& b, Channel ch, const std::string& action, double now,
                     Sink& out) {
    for (auto& q : b.pending) {
      while (!q.empty() && std::abs(now - q.front().at) > kPairWindowS) q.pop_front();
    }
    auto& other = b.pending[1 - ch];
    for (auto it = other.begin(); it != other.end(); ++it) {
      if (it->action == action) {
        other.erase(it);
        return;
      }
    }
    auto& mine = b.pending[ch];
    if (mine.size() >= kMaxPending) mine.pop_front();
    mine.push_back({action, now});
    press(b, action, now, out);
  }

  // Leading-edge debounce: the first report counts; the same canonical action again
  // within debounce_s of it is a repeat (radio retries). |now - last| so that a clock
  // stepped back does not silence the button.
  void press(ButtonState& b, std::string_view device_action, double now, Sink& out) {
    std::string_view action = canonical_button_action(b.config, device_action);
    if (action.empty()) return;
    auto [it, inserted] = b.last_press.try_emplace(std::string(action), now);
    if (!inserted) {
      if (std::abs(now - it->second) < b.config.debounce_s) return;
      it->second = now;
    }
    out.input("button/" + b.config.id + "/press", json{{"action", action}}.dump(), false);
  }

  void availability(ButtonState& b, Avail& avail, bool online, Sink& out) {
    const Avail before = avail;
    avail = online ? Avail::online : Avail::offline;
    json fields{{"button", b.config.id}, {"consumable", b.config.consumable}};
    if (!online && before != Avail::offline) {
      out.event("sensor_offline", texts_("event.button_offline", {Texts::arg("name", b.label)}),
                std::move(fields));
    } else if (online && before == Avail::offline) {
      out.event("sensor_online", texts_("event.button_online", {Texts::arg("name", b.label)}),
                std::move(fields));
    }
  }

  const Texts& texts_;  // household.locale's words for the events
  std::string z2m_base_;  // plugins.zigbee2mqtt_base
  std::vector<ButtonState> buttons_;
  std::unordered_map<std::string, std::vector<Route>> routes_;
  std::vector<Subscription> subscriptions_;
};

}  // namespace

std::optional<EsphomeSource> parse_esphome_source(std::string_view value) {
  const std::size_t slash = value.rfind('/');
  if (slash == std::string_view::npos) return std::nullopt;
  EsphomeSource s{std::string(value.substr(0, slash)), std::string(value.substr(slash + 1))};
  if (!plain_topic(s.prefix) || !plain_topic(s.name)) return std::nullopt;
  return s;
}

std::string_view canonical_button_action(const ButtonConfig& button,
                                         std::string_view device_action) {
  if (auto it = button.actions.find(std::string(device_action)); it != button.actions.end()) {
    const std::string& v = it->second;
    if (v == "single") return "single";
    if (v == "double") return "double";
    if (v == "long") return "long";
    return "";
  }
  if (device_action == "single" || device_action == "on" || device_action == "toggle" ||
      device_action == "ON" || device_action == "SINGLE") {
    return "single";
  }
  if (device_action == "double" || device_action == "DOUBLE") return "double";
  if (device_action == "hold" || device_action == "long" || device_action == "HOLD") {
    return "long";
  }
  return "";
}

std::unique_ptr<Plugin> make_dash_button(const Config& config) {
  auto plugin = std::make_unique<DashButton>(config);
  if (plugin->empty()) return nullptr;
  return plugin;
}

}  // namespace larder::plugins
