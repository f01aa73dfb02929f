// The dash_button plugin: translates the presses of physical buttons (zigbee2mqtt, ESPHome
// binary sensors and Tasmota buttons; shared/formats.md "Buttons") into canonical presses on
// <root>/button/<id>/press with {"action":"single"|"double"|"long"}, and the buttons'
// availability into sensor_offline / sensor_online events.
//
// Per configured button (ButtonConfig) with a device source it subscribes exact topics:
//   zigbee2mqtt: <base>/<name>, <base>/<name>/action, <base>/<name>/availability
//   ESPHome:     <prefix>/binary_sensor/<name>/state, <prefix>/status
//   Tasmota:     stat/<topic>/RESULT, tele/<topic>/LWT
// Exact topics (no wildcards) keep friendly names that contain '/' unambiguous.
//
// Rules (each tested in tests/unit/plugin_dash_button_test.cc):
//   - A zigbee2mqtt state message is a JSON object; its "action" (or the legacy "click"
//     beside or instead of it) names the device action. "", null or absence is no press.
//     The plain-string <name>/action topic repeats the same press: one report on each
//     channel is paired and counted once, in either order.
//   - An ESPHome binary sensor presses on its rising edge only (OFF->ON, or a live ON
//     while the state is unknown); a retained ON is the current state, not a press.
//   - A Tasmota RESULT presses with {"Button<n>":{"Action":"<action>"}} (SetOption73 1:
//     buttons detached from the relays; n = ButtonConfig::tasmota_button). A RESULT
//     without that key is another command's answer and is ignored; a malformed one, or
//     one that is not a JSON object, is bad input. LWT is "Online" / "Offline".
//   - Device actions map to canonical ones by canonical_button_action().
//   - Debounce on the leading edge: the first report counts, repeats of the same
//     canonical action of the same button within debounce_s of it are dropped.
//   - Retained messages are never presses. An empty payload (a cleared retained message)
//     is ignored. Anything else that fits no documented form is Sink::bad_input.
// Thread rule: like every plugin, called on the event-loop thread only.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "larder/config.h"
#include "plugins/plugin.h"

namespace larder::plugins {

// ButtonConfig::esphome, "<prefix>/<name>", split at its last '/' (the prefix may hold
// '/', an ESPHome object id does not). nullopt when a part is empty or holds an MQTT
// wildcard ('+', '#'): such a source gives no topic. The configuration reader may use it
// to refuse the value.
struct EsphomeSource {
  std::string prefix;
  std::string name;
};
std::optional<EsphomeSource> parse_esphome_source(std::string_view value);

// The canonical action for a device action: button.actions first (a value "single",
// "double", "long"; "ignore" or any other value ignores it), else the defaults of
// formats.md: single, on, toggle, ON (ESPHome), SINGLE (Tasmota) -> single; double,
// DOUBLE -> double; hold, long, HOLD -> long; anything else (release, off, brightness_*,
// triple, TRIPLE, ...) ignored. Returns
// "single", "double", "long", or "" when ignored. Matching is exact (case-sensitive).
std::string_view canonical_button_action(const ButtonConfig& button,
                                         std::string_view device_action);

// nullptr when no configured button has a usable device source.
std::unique_ptr<Plugin> make_dash_button(const Config& config);

}  // namespace larder::plugins
