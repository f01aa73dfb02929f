// A Bus that records what the core publishes, for tests of the core without a broker.
#pragma once

#include <string>
#include <vector>

#include "larder/bus.h"

namespace larder::test {

class FakeBus final : public Bus {
 public:
  void publish(const std::string& topic, std::string payload, bool retain, int qos) override {
    sent.push_back({topic, std::move(payload), qos, retain});
  }
  // Messages published on `topic`, oldest first.
  std::vector<Message> on(const std::string& topic) const {
    std::vector<Message> out;
    for (const auto& m : sent) {
      if (m.topic == topic) out.push_back(m);
    }
    return out;
  }
  std::vector<Message> sent;
};

}  // namespace larder::test
