#include "app/plugin_host.h"

#include <algorithm>

namespace larder {

bool topic_matches(std::string_view filter, std::string_view topic) {
  // Topics beginning with '$' are not matched by a leading wildcard (MQTT 4.7.2).
  if (!topic.empty() && topic[0] == '$' && !filter.empty() && (filter[0] == '+' || filter[0] == '#')) {
    return false;
  }
  while (true) {
    auto fs = filter.find('/');
    auto ts = topic.find('/');
    std::string_view f = filter.substr(0, fs);
    std::string_view t = topic.substr(0, ts);
    if (f == "#") return true;
    if (f != "+" && f != t) return false;
    if (fs == std::string_view::npos || ts == std::string_view::npos) {
      // Both end here, or the filter's next level is a '#' that also matches the parent.
      if (fs == std::string_view::npos && ts == std::string_view::npos) return true;
      return ts == std::string_view::npos && filter.substr(fs + 1) == "#";
    }
    filter.remove_prefix(fs + 1);
    topic.remove_prefix(ts + 1);
  }
}

class PluginHost::HubSink final : public plugins::Sink {
 public:
  HubSink(PluginHost& host, std::string name, std::size_t index)
      : host_(host), name_(std::move(name)), index_(index) {}

  bool input(const std::string& suffix, std::string payload, bool retained) override {
    host_.metrics_.inc("larder_plugin_messages_total", {{"plugin", name_}, {"direction", "out"}});
    Feeding f(host_, index_);
    return host_.hub_.on_message(
        Message{host_.root_ + "/" + suffix, std::move(payload), 1, retained}, nullptr,
        host_.device_topic());
  }
  bool input_json(const std::string& suffix, nlohmann::json payload, bool retained) override {
    host_.metrics_.inc("larder_plugin_messages_total", {{"plugin", name_}, {"direction", "out"}});
    Feeding f(host_, index_);
    return host_.hub_.on_message(Message{host_.root_ + "/" + suffix, {}, 1, retained}, &payload,
                                 host_.device_topic());
  }
  void bad_input(const Message& m, const std::string& reason_code,
                 const std::string& reason) override {
    host_.hub_.report_bad_input(m, reason_code, reason);
  }
  void event(const std::string& kind, const std::string& text, nlohmann::json fields) override {
    host_.hub_.publish_event(kind, text, std::move(fields));
  }
  void publish(const std::string& topic, std::string payload, bool retain) override {
    host_.bus_.publish(topic, std::move(payload), retain, 1);
  }

 private:
  // Marks the plugin as the source of what the hub handles meanwhile (PluginHost::feeding).
  class Feeding {
   public:
    Feeding(PluginHost& host, std::size_t index) : host_(host), before_(host.feeding_) {
      host_.feeding_ = index;
    }
    ~Feeding() { host_.feeding_ = before_; }
    Feeding(const Feeding&) = delete;
    Feeding& operator=(const Feeding&) = delete;

   private:
    PluginHost& host_;
    std::optional<std::size_t> before_;
  };

  PluginHost& host_;
  std::string name_;
  std::size_t index_;
};

PluginHost::PluginHost(Hub& hub, Bus& bus, const Clock& clock, Metrics& metrics, std::string root)
    : hub_(hub), bus_(bus), clock_(clock), metrics_(metrics), root_(std::move(root)) {
  metrics_.describe("larder_plugin_messages_total", "counter",
                    "Device messages a plugin received (in) and canonical inputs it made (out).");
}

PluginHost::~PluginHost() = default;

void PluginHost::add(std::unique_ptr<plugins::Plugin> plugin) {
  if (!plugin) return;
  std::size_t index = plugins_.size();
  auto sink = std::make_unique<HubSink>(*this, plugin->name(), index);
  for (const auto& s : plugin->subscriptions()) {
    if (s.filter.find_first_of("+#") == std::string::npos) {
      exact_[s.filter].push_back(index);
    } else {
      wildcard_.emplace_back(s.filter, index);
    }
  }
  plugins_.push_back({std::move(plugin), std::move(sink)});
}

std::vector<plugins::Subscription> PluginHost::subscriptions() const {
  std::vector<plugins::Subscription> out;
  for (const auto& slot : plugins_) {
    for (const auto& s : slot.plugin->subscriptions()) {
      auto same = std::find_if(out.begin(), out.end(),
                               [&](const plugins::Subscription& o) { return o.filter == s.filter; });
      if (same == out.end()) {
        out.push_back(s);
      } else {
        same->retained_wanted = same->retained_wanted || s.retained_wanted;
      }
    }
  }
  return out;
}

std::vector<std::size_t> PluginHost::targets(const std::string& topic) const {
  std::vector<std::size_t> out;
  if (auto it = exact_.find(topic); it != exact_.end()) out = it->second;
  for (const auto& [filter, index] : wildcard_) {
    if (topic_matches(filter, topic) && std::find(out.begin(), out.end(), index) == out.end()) {
      out.push_back(index);
    }
  }
  return out;
}

// Sets the device message plugins are handling for a scope (nullptr: none), then restores
// the one before, however the scope ends.
class PluginHost::Handling {
 public:
  Handling(PluginHost& host, const Message* m)
      : host_(host), before_(std::exchange(host.handling_, m)) {}
  ~Handling() { host_.handling_ = before_; }
  Handling(const Handling&) = delete;
  Handling& operator=(const Handling&) = delete;

 private:
  PluginHost& host_;
  const Message* before_;
};

bool PluginHost::on_message(const Message& m) {
  const std::vector<std::size_t> targets = this->targets(m.topic);
  double now = clock_.now();
  for (std::size_t i : targets) {
    Slot& slot = plugins_[i];
    metrics_.inc("larder_plugin_messages_total", {{"plugin", slot.plugin->name()}, {"direction", "in"}});
    Handling handling(*this, &m);
    slot.plugin->on_message(m, now, *slot.sink);
  }
  return !targets.empty();
}

void PluginHost::tick() {
  double now = clock_.now();
  for (auto& slot : plugins_) slot.plugin->tick(now, *slot.sink);
}

bool PluginHost::say(const VoiceSay& say, std::size_t index) {
  if (index >= plugins_.size()) return false;
  Slot& slot = plugins_[index];
  Handling handling(*this, nullptr);  // what a plugin makes of an answer is no device's
  if (!slot.plugin->on_say(say, clock_.now(), *slot.sink)) return false;
  metrics_.inc("larder_plugin_messages_total",
               {{"plugin", slot.plugin->name()}, {"direction", "say"}});
  return true;
}

void PluginHost::carry_over(const PluginHost& old) {
  for (auto& slot : plugins_) {
    for (const auto& before : old.plugins_) {
      if (std::string_view(before.plugin->name()) == slot.plugin->name()) {
        slot.plugin->carry_over(*before.plugin);
      }
    }
  }
}

void PluginHost::connected() {
  double now = clock_.now();
  for (auto& slot : plugins_) slot.plugin->connected(now, *slot.sink);
}

}  // namespace larder
