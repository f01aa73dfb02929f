// The consumable_sensor plugin: scales and level sensors on Tasmota (HX711 load cell, SR04
// ultrasonic) and ESPHome, translated into canonical level readings (shared/formats.md,
// "Consumable sensors"; docs/plugins.md).
//
// Per configured sensor (Config::sensors) it reads:
//   tasmota_hx711  tele/<topic>/SENSOR   {"Time":..,"HX711":{"Weight":0.412,...}}, Weight in kg;
//                  stat/<topic>/STATUS10 (and the legacy STATUS8) {"StatusSNS":{...the same}};
//                  the level is Weight * factor + offset in `unit` (default kg).
//   tasmota_sr04   the same topics with {"SR04":{"Distance":16.754}} in cm (also "SR04-1" /
//                  "SR04_1", which Tasmota writes when a device has several SR04); with
//                  d = Distance * factor + offset the level is
//                  capacity * (empty_cm - d) / (empty_cm - full_cm), clamped to 0..capacity,
//                  in the consumable's unit.
//   esphome        <prefix>/sensor/<name>/state, a bare number as text; the level is
//                  number * factor + offset in `unit` (default the consumable's unit).
// and hands each reading on as Sink::input("consumable/<consumable>/level",
// {"value":..,"unit":..[,"gross":true][,"ts":..]}, retained as received). Tasmota's "Time"
// is a local time without a zone: it is read in the household's zone (household.timezone;
// the hour repeated when the clocks go back is the one nearer the hub's clock) and given as
// "ts" when it lies at most 5 minutes ahead of the hub's clock (then as the hub's time) and
// at most 5 minutes behind it, or 7 days for a retained message (a device that has not
// synced its clock reports 1970); otherwise, and for ESPHome, whose states carry no time,
// the hub's receive time rules. A Tasmota telemetry object without this
// sensor's object (other sensors only) is not for it and is ignored without a word.
//
// Bad device messages go to Sink::bad_input with the codes:
//   too_large  payload larger than 64 KiB (refused before parsing);
//   json       not JSON, or not a JSON object;
//   shape      the sensor's object (or StatusSNS) is not an object, or lacks its number;
//   value      no finite number where one belongs: a string, null, ESPHome's `nan` /
//              `None` (a failed reading), text that is no number, a calibrated value that
//              overflows; an availability payload other than the documented ones.
// (A JSON number beyond a double's range, e.g. 1e400, is already refused as "json".)
// At most one bad_input per message, however many sensors read its topic.
//
// ESPHome numbers: what strtod reads in plain decimal form ("0.42", "-1", "12", "1e3",
// ".5"), with surrounding ASCII white space allowed (" 12 ", "12\n" from a hand-fed
// publish); no leading '+', no hex, no inf.
//
// Availability (Tasmota tele/<topic>/LWT Online/Offline; ESPHome <prefix>/status
// online/offline, exact spellings) and silence (no live valid reading for longer than
// offline_after_s, checked in tick()) raise Sink::event("sensor_offline") once; the next
// live valid reading, or the availability turning online, raises "sensor_online" once.
// Only a change of the availability state counts, so a retained availability message seen
// again after a reconnect changes nothing, nor after a reload (carry_over()). A retained
// reading is passed on (the hub only initialises an unknown level with it) but proves nothing
// about the device now: it neither brings a sensor back online nor resets its silence clock.
// The silence clock starts at the sensor's first message or at the first tick, whichever
// comes first.
//
// Thread rule: as every plugin, all calls on the event-loop thread.
#pragma once

#include <memory>

#include "larder/config.h"
#include "plugins/plugin.h"

namespace larder::plugins {

// The plugin for the sensors of `config`, as the configuration reader validated them
// (daemon/core/config_devices.cc); nullptr when there is none. A sensor the plugin could
// not compute a level for without undefined behaviour is skipped: one whose consumable is
// not configured, and a tasmota_sr04 whose full_cm equals its empty_cm or whose
// consumable's capacity is negative.
std::unique_ptr<Plugin> make_consumable_sensor(const Config& config);

}  // namespace larder::plugins
