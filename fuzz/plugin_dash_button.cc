// Fuzz target: the dash_button plugin on zigbee2mqtt, ESPHome and Tasmota button messages
// (actions, clicks, availability).
// Input: "<topic>\n<payload>" (fuzz_support.h). Seeds: fuzz/corpus/plugin_dash_button/.
#include <cstddef>
#include <cstdint>
#include <memory>

#include "fuzz_support.h"
#include "plugins/plugins.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  // A fresh plugin per input: a plugin's state (debounce, sessions) must not carry over.
  std::unique_ptr<larder::plugins::Plugin> plugin =
      larder::plugins::make_dash_button(larder::fuzz::config());
  if (!plugin) __builtin_trap();
  larder::fuzz::run_plugin(*plugin, data, size);
  return 0;
}
