#include "plugins/plugins.h"

namespace larder::plugins {

std::vector<std::unique_ptr<Plugin>> make_plugins(const Config& config) {
  std::vector<std::unique_ptr<Plugin>> out;
  for (auto make : {make_dash_button, make_consumable_sensor, make_vehicle_tracker,
                    make_home_assistant, make_hermes}) {
    if (auto p = make(config)) out.push_back(std::move(p));
  }
  return out;
}

}  // namespace larder::plugins
