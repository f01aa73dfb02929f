// The built-in plugins, wired between the MQTT client and the hub.
//
// The host owns the plugins the configuration asks for (plugins/plugins.h), subscribes to
// the topic filters they name, and routes each message to every plugin whose filter
// matches it (MQTT wildcard rules: `+` one level, `#` the rest). What a plugin hands on
// goes where a third-party plugin's messages would go: a canonical input straight into
// Hub::on_message (as if it had come from the broker on `<root>/<suffix>`, without the
// round trip), bad device input to Hub::report_bad_input, events to Hub::publish_event,
// anything else (Home Assistant discovery) to the bus. Messages under the contract root
// are never a plugin's: the daemon hands them to the hub.
// Metrics: larder_plugin_messages_total{plugin, direction="in"|"out"|"say"}.
// Thread rule: event-loop thread only.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core/hub.h"
#include "larder/bus.h"
#include "larder/clock.h"
#include "larder/metrics.h"
#include "plugins/plugin.h"

namespace larder {

// Whether `topic` matches the MQTT topic filter `filter`.
bool topic_matches(std::string_view filter, std::string_view topic);

class PluginHost {
 public:
  PluginHost(Hub& hub, Bus& bus, const Clock& clock, Metrics& metrics, std::string root);
  ~PluginHost();
  PluginHost(const PluginHost&) = delete;
  PluginHost& operator=(const PluginHost&) = delete;

  void add(std::unique_ptr<plugins::Plugin> plugin);
  std::size_t size() const { return plugins_.size(); }
  // Every plugin's filters (one entry per distinct filter).
  std::vector<plugins::Subscription> subscriptions() const;

  // Hands `m` to the plugins whose filters match; false when none does.
  bool on_message(const Message& m);
  // Whether a plugin's filter matches `topic` (on_message would hand it on).
  bool reads(const std::string& topic) const { return !targets(topic).empty(); }
  void tick();
  void connected();
  // A reload: each plugin takes over from the one of the same name in `old`
  // (plugins::Plugin::carry_over).
  void carry_over(const PluginHost& old);
  // The plugin whose canonical input the hub is handling at this moment (the index of
  // add()'s order), if any: an intent's answer goes back the way the intent came.
  std::optional<std::size_t> feeding() const { return feeding_; }
  // Offers the hub's answer to a voice intent to the plugin `index` that brought the intent
  // (Plugin::on_say); false when it does not take it (its session and site are gone): the
  // answer then belongs on <root>/voice/say. An intent that came on <root>/voice/intent is
  // never a plugin's to answer, even when its site or session looks like one.
  bool say(const VoiceSay& say, std::size_t index);

 private:
  class HubSink;
  class Handling;
  struct Slot {
    std::unique_ptr<plugins::Plugin> plugin;
    std::unique_ptr<HubSink> sink;
  };

  // The plugins whose filters match `topic`, each once.
  std::vector<std::size_t> targets(const std::string& topic) const;
  // The device message's topic a plugin's input is made of ("" from tick() or connected()).
  std::string_view device_topic() const {
    return handling_ ? std::string_view(handling_->topic) : std::string_view();
  }

  Hub& hub_;
  Bus& bus_;
  const Clock& clock_;
  Metrics& metrics_;
  std::string root_;
  std::vector<Slot> plugins_;
  std::optional<std::size_t> feeding_;  // set while a plugin's input is in Hub::on_message
  const Message* handling_ = nullptr;   // the device message a plugin is handed meanwhile
  std::unordered_map<std::string, std::vector<std::size_t>> exact_;   // topic -> plugins
  std::vector<std::pair<std::string, std::size_t>> wildcard_;         // filter -> plugin
};

}  // namespace larder
