// `larderctl replay`: the core driven by a file (docs/replay.md).
//
// Runs the same Hub and plugins the daemon runs, with a ManualClock that follows the
// input's `ts`, a bus that only listens, and a store that keeps nothing: no broker, no
// database, no network. Input: one JSON object per line, in time order: a message
// {"ts","topic","payload"} (payload a JSON value or a string holding the raw MQTT
// payload; a topic outside the contract's root goes to the plugins, so device formats
// replay too) or a query {"ts","query":"<id>"|"*"}. Output: one JSON object per query and
// consumable, in order; for "*" in the order of the configuration; `ts` as the input gave it.
// A malformed line (not JSON, missing fields, both a query and a message, a `ts` outside
// 0..contract::kMaxTs or going backwards, an unknown consumable in a query, a topic no
// plugin reads; other fields are ignored) and a message the hub or a plugin refuses are
// reported on `errors` with the line number and skipped, the time included (its `ts` does
// not become the replay's); the run then fails (exit status 1) after the whole input.
// What a line held is quoted safely on `errors`: no control character reaches it.
// Thread rule: runs on the calling thread.
#pragma once

#include <cstddef>
#include <istream>
#include <ostream>

#include "larder/config.h"

namespace larder {

struct ReplayResult {
  std::size_t lines = 0;
  std::size_t messages = 0;
  std::size_t queries = 0;
  std::size_t bad_lines = 0;
};

ReplayResult replay(const Config& config, std::istream& input, std::ostream& output,
                    std::ostream& errors);

}  // namespace larder
