// Shared by the libFuzzer targets (docs/fuzzing.md): the configuration they run with and
// a plugin Sink that checks what a plugin hands on.
// Thread rule: libFuzzer calls the targets on one thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "larder/bus.h"
#include "larder/config.h"
#include "core/null_store.h"
#include "larder/store.h"
#include "orders/random.h"
#include "plugins/plugin.h"

namespace larder::fuzz {

// A configuration with every plugin and device kind (fuzz_support.cc): two consumables,
// zigbee2mqtt and ESPHome buttons, Tasmota HX711, Tasmota SR04 and ESPHome sensors, a
// vehicle and a person on OwnTracks, Home Assistant discovery and Hermes. Parsed once.
const Config& config();
// config() with a sandbox retailer (and its callback secret), a delivery place and an
// Alexa skill: what the HTTP routes of orders, deliveries and Alexa need. Parsed once.
const Config& http_config();

// The fuzzer's bytes as one MQTT message: up to the first '\n' the topic, after it the
// payload. A topic line starting with "R " is a retained message (the rest the topic).
Message message(const std::uint8_t* data, std::size_t size);

// Traps (a finding) when a plugin breaks its contract (plugins/plugin.h): an input that is
// not a JSON object, or a reason, event text or field that is not valid UTF-8 (every one of
// them ends up in JSON). Inputs also go through the canonical parser.
class CheckingSink final : public plugins::Sink {
 public:
  bool input(const std::string& suffix, std::string payload, bool retained) override;
  void bad_input(const Message& m, const std::string& code, const std::string& reason) override;
  void event(const std::string& kind, const std::string& text, nlohmann::json fields) override;
  void publish(const std::string& topic, std::string payload, bool retain) override;
  std::size_t intents = 0;  // voice/intent inputs seen
};

// Random bytes that are the same on every run (ids, keys, codes): a finding must replay.
class CountingRandom final : public orders::Random {
 public:
  bool fill(unsigned char* out, std::size_t n) override {
    for (std::size_t i = 0; i < n; ++i) out[i] = static_cast<unsigned char>(next_++ * 151 + 7);
    return true;
  }

 private:
  unsigned next_ = 0;
};

// Runs `plugin` on the message of the fuzzer's bytes, then lets time pass (tick) and, for
// a voice plugin that passed an intent on, hands it an answer (on_say) for that session.
void run_plugin(plugins::Plugin& plugin, const std::uint8_t* data, std::size_t size);

}  // namespace larder::fuzz
