// The message bus as the core sees it: MQTT without MQTT.
//
// Inbound messages reach the core as `Message` values on the event-loop thread.
// Outbound, the core calls `Bus::publish`; the MQTT adapter (daemon/adapters/mqtt)
// implements it with Paho, tests with a recording fake (tests/support/fake_bus.h).
// Thread rule: publish is called on the event-loop thread only and never blocks.
#pragma once

#include <string>
#include <vector>

namespace larder {

struct Message {
  std::string topic;
  std::string payload;
  int qos = 1;
  bool retained = false;
};

class Bus {
 public:
  virtual ~Bus() = default;
  // Queues a message for publication. Never throws and never blocks: while the broker
  // is unreachable, retained state is kept and sent after the next connect, and other
  // messages are buffered up to a bound (the oldest dropped first).
  virtual void publish(const std::string& topic, std::string payload, bool retain, int qos = 1) = 0;
};

}  // namespace larder
