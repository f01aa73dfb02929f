// Fuzz target: `larderctl replay` input (daemon/replay/replay.cc): JSON lines of messages
// and queries driving the whole core (contract, hub, forecaster, reorder policy) on the
// fuzz configuration (fuzz_support.cc), with a clock that follows the lines' `ts`.
// Input: the JSONL text. Seeds: fuzz/corpus/replay/.
#include <cstddef>
#include <cstdint>
#include <sstream>
#include <string>

#include "fuzz_support.h"
#include "replay/replay.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::istringstream in(std::string(reinterpret_cast<const char*>(data), size));
  std::ostringstream out, errors;
  larder::ReplayResult r = larder::replay(larder::fuzz::config(), in, out, errors);
  if (r.messages + r.queries + r.bad_lines > r.lines) __builtin_trap();
  return 0;
}
