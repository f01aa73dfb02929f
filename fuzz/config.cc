// Fuzz target: the configuration loader (daemon/core/config*.cc) on any YAML text: it must
// answer with a Config or with errors, never crash or hang. `*_file` keys point under a
// folder that does not exist, so nothing outside is read.
// Input: the YAML text. Seeds: fuzz/corpus/config/ (tests/fixtures/config, config/*.yaml).
#include <cstddef>
#include <cstdint>
#include <string>

#include "larder/config.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  larder::ConfigLoad load = larder::parse_config(text, "/nonexistent-larder-fuzz/larder.yaml");
  if (!load.config && load.errors.empty()) __builtin_trap();  // refused without a reason
  for (const auto& e : load.errors) (void)e.to_string();
  return 0;
}
