// A built-in plugin: a translator between a real device format (shared/formats.md) and the
// canonical contract (shared/contract/mqtt-v1.md). It holds no business logic: what a
// button press or a reading means is the core's business.
//
// The plugin host (plugins/host.h) subscribes to the topic filters a plugin asks for and
// hands it each message; the plugin answers through a Sink:
//   - input(): a canonical input, exactly as if published on <root>/<suffix>; the hub
//     validates and applies it like one from any third-party plugin (a unit that does
//     not fit, a non-finite number... are the hub's to refuse) and says whether it took it;
//   - bad_input(): a device message that fits no known form: dropped, counted in
//     larder_messages_rejected_total{reason}, logged (rate-limited) and reported on
//     <root>/error; nothing else changes;
//   - event(): an event on <root>/event (sensor_offline, sensor_online);
//   - publish(): a message as it is (Home Assistant discovery configs).
// on_say() hands a voice plugin the hub's answer to an intent it sent (see there).
// tick() lets time pass (silence timeouts, the parked state); connected() is called after
// every (re)connect to the broker, after the subscriptions are in place. carry_over() hands
// a plugin built for a reloaded configuration the one it replaces, before any message.
// Thread rule: every call on the event-loop thread; a plugin is a plain value otherwise.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "larder/bus.h"
#include "larder/config.h"
#include "larder/voice.h"

namespace larder::plugins {

// The contract's bound for any payload (mqtt-v1.md): a larger device message is refused
// (reason `too_large`) before it is parsed.
inline constexpr std::size_t kMaxPayload = std::size_t{64} * 1024;

class Sink;

// The guards a device message passes first, each reporting it to `out` (bad_input) when it
// fails. within_bound: a payload over kMaxPayload is refused (`too_large`) before it is
// parsed. json_object: the payload as a JSON object, or nullopt when it is no valid JSON (a
// key named twice included) or not an object (`json`).
bool within_bound(const Message& m, Sink& out);
std::optional<nlohmann::json> json_object(const Message& m, Sink& out);

class Sink {
 public:
  virtual ~Sink() = default;
  // A canonical input on <root>/<suffix>, e.g. suffix "consumable/coffee/level". Returns
  // false when the hub refused it (and reported why): a plugin that keeps state about
  // what it sent (the newest time, a still period) keeps it only for what was taken, so a
  // refused message cannot block the ones after it.
  virtual bool input(const std::string& suffix, std::string payload, bool retained) = 0;
  // The same, with the payload already a JSON object (a plugin that builds one saves the
  // hub a second parse of its text); by default its text goes to input().
  virtual bool input_json(const std::string& suffix, nlohmann::json payload, bool retained) {
    return input(suffix, payload.dump(), retained);
  }
  // `reason_code` labels the metric (json, shape, value, unit, ...); `reason` is for people.
  virtual void bad_input(const Message& m, const std::string& reason_code,
                         const std::string& reason) = 0;
  // An event of the contract; `fields` holds the ids it concerns (e.g. {"sensor": id,
  // "consumable": id}); `text` is fit to be read to a person.
  virtual void event(const std::string& kind, const std::string& text, nlohmann::json fields) = 0;
  virtual void publish(const std::string& topic, std::string payload, bool retain) = 0;
};

struct Subscription {
  std::string filter;     // an MQTT topic filter (+ and # allowed)
  bool retained_wanted;   // deliver retained messages (availability, ESPHome states)
};

class Plugin {
 public:
  virtual ~Plugin() = default;
  virtual const char* name() const = 0;
  virtual std::vector<Subscription> subscriptions() const = 0;
  // A message on one of its filters, received at `now` (epoch seconds).
  virtual void on_message(const Message& m, double now, Sink& out) = 0;
  virtual void tick(double now, Sink& out) {
    (void)now;
    (void)out;
  }
  virtual void connected(double now, Sink& out) {
    (void)now;
    (void)out;
  }
  // A reload: `old` is the plugin of the same name() it replaces. What the devices said
  // that is still true (which are offline) is taken over, so that the retained messages
  // the new subscriptions bring again raise no event twice.
  virtual void carry_over(const Plugin& old) { (void)old; }
  // What the hub says in answer to a voice intent. A voice plugin speaks it and answers
  // true when the say is for one of its sessions or sites; the first plugin that does
  // claims it. Unclaimed says go to <root>/voice/say.
  virtual bool on_say(const VoiceSay& say, double now, Sink& out) {
    (void)say;
    (void)now;
    (void)out;
    return false;
  }
};

}  // namespace larder::plugins
