// The level readings every benchmark sends (contract mqtt-v1.md), apart from any MQTT
// client, so that bench_fast_publisher (Paho C's synchronous client) and the harness
// (Paho C++) share them without linking both Paho C libraries into one process.
#pragma once

#include <string>
#include <vector>

namespace larder::bench {

// "b<i>": the id of consumable i.
std::string consumable_id(int i);
// "larder/v1/consumable/b<i>/level"
std::string level_topic(int i);
// {"value":<value>,"unit":"g","ts":<ts>}; ts in Unix seconds (0: omitted).
std::string level_payload(double value, double ts = 0);
// Now, in Unix epoch seconds.
double epoch_now();

struct Outgoing {
  std::string topic;
  std::string payload;
};

// A burst of `count` level readings spread round-robin over `consumables` consumables; each
// consumable's level falls by 0.5 g a reading from 1000 (so every one is a valid, new
// reading), a consumable's readings 60 s apart from `start_ts` (use
// epoch_now() - 60.0 * count / consumables so that the last ones are about now).
std::vector<Outgoing> level_burst(int consumables, int count, double start_ts);

}  // namespace larder::bench
