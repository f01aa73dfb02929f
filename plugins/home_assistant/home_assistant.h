// Home Assistant MQTT discovery: the hub as a producer (issue 4; shared/formats.md).
//
// Each configured consumable becomes a Home Assistant device with four sensors (level, days
// left, empty date, status) that read the hub's retained state on
// <root>/consumable/<id>/state and are available while <root>/status is `online`. Their
// configs are retained on <prefix>/sensor/<node>/<id>_<what>/config and published after
// every (re)connect and whenever Home Assistant announces `online` on <prefix>/status
// (it forgets discovered entities it was not told about again after a restart, and its
// birth message may come long after ours). Configs under the hub's node id that belong to
// no configured consumable (one removed from the configuration) are removed with an empty
// retained payload when the broker hands them back as retained messages. The node id is
// plugins.home_assistant_node ("larder"): two hubs on one broker need two.
// Thread rule: as every plugin (plugins/plugin.h).
#pragma once

#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "larder/config.h"
#include "plugins/plugin.h"

namespace larder::plugins {

class HomeAssistant final : public Plugin {
 public:
  explicit HomeAssistant(const Config& config);

  const char* name() const override { return "home_assistant"; }
  std::vector<Subscription> subscriptions() const override;
  void on_message(const Message& m, double now, Sink& out) override;
  void connected(double now, Sink& out) override;

  // Every discovery config as (topic, JSON payload), in the order of the consumables.
  const std::vector<std::pair<std::string, std::string>>& configs() const { return configs_; }

 private:
  void publish_all(Sink& out) const;

  std::string status_topic_;        // <prefix>/status
  std::string config_prefix_;       // <prefix>/sensor/<node>/
  std::vector<std::pair<std::string, std::string>> configs_;
  std::set<std::string> object_ids_;  // <id>_<what> of every configured sensor
};

// The sensor config Home Assistant reads for `what` (level, days_left, empty_at, status)
// of consumable `c`; `root` is the contract root (config.mqtt.root()), `node` the
// discovery node id.
nlohmann::json discovery_config(const ConsumableConfig& c, const std::string& what,
                                const std::string& root, const std::string& node);

// nullptr unless plugins.home_assistant is set. With no consumables it still removes the
// configs of consumables that are gone.
std::unique_ptr<Plugin> make_home_assistant(const Config& config);

}  // namespace larder::plugins
