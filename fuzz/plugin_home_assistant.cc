// Fuzz target: the home_assistant plugin on Home Assistant's status announcements.
// Input: "<topic>\n<payload>" (fuzz_support.h). Seeds: fuzz/corpus/plugin_home_assistant/.
#include <cstddef>
#include <cstdint>
#include <memory>

#include "fuzz_support.h"
#include "plugins/plugins.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  // A fresh plugin per input: a plugin's state (debounce, sessions) must not carry over.
  std::unique_ptr<larder::plugins::Plugin> plugin =
      larder::plugins::make_home_assistant(larder::fuzz::config());
  if (!plugin) __builtin_trap();
  larder::fuzz::run_plugin(*plugin, data, size);
  return 0;
}
