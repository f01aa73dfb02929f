// The built-in plugins (docs/plugins.md). make_plugins builds those the configuration
// gives something to do; the daemon's plugin host (daemon/app/plugin_host.h) runs them.
// Thread rule: make_plugins is pure; the plugins live on the event-loop thread.
#pragma once

#include <memory>
#include <vector>

#include "larder/config.h"
#include "plugins/plugin.h"

namespace larder::plugins {

std::unique_ptr<Plugin> make_dash_button(const Config& config);        // dash_button/
std::unique_ptr<Plugin> make_consumable_sensor(const Config& config);  // consumable_sensor/
std::unique_ptr<Plugin> make_vehicle_tracker(const Config& config);    // vehicle_tracker/
std::unique_ptr<Plugin> make_home_assistant(const Config& config);     // home_assistant/
std::unique_ptr<Plugin> make_hermes(const Config& config);             // hermes/

std::vector<std::unique_ptr<Plugin>> make_plugins(const Config& config);

}  // namespace larder::plugins
