// A plugin Sink that records what a plugin hands on, for tests of plugins without a hub.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "plugins/plugin.h"

namespace larder::test {

class FakeSink final : public plugins::Sink {
 public:
  struct Input {
    std::string suffix;                      // e.g. consumable/coffee/level
    nlohmann::json payload;                  // parsed (plugins must emit JSON objects)
    bool retained = false;
  };
  struct Bad {
    std::string topic, code, reason;
  };
  struct Event {
    std::string kind, text;
    nlohmann::json fields;
  };

  // Records the input; answers as `refuse` says (by default every input is taken).
  bool input(const std::string& suffix, std::string payload, bool retained) override {
    inputs.push_back({suffix, nlohmann::json::parse(payload), retained});
    return !(refuse && refuse(inputs.back()));
  }
  void bad_input(const Message& m, const std::string& code, const std::string& reason) override {
    bad.push_back({m.topic, code, reason});
  }
  void event(const std::string& kind, const std::string& text, nlohmann::json fields) override {
    events.push_back({kind, text, std::move(fields)});
  }
  void publish(const std::string& topic, std::string payload, bool retain) override {
    published.push_back({topic, std::move(payload), 1, retain});
  }
  void clear() {
    inputs.clear();
    bad.clear();
    events.clear();
    published.clear();
  }

  std::function<bool(const Input&)> refuse;  // the hub's verdict, as a test wants it
  std::vector<Input> inputs;
  std::vector<Bad> bad;
  std::vector<Event> events;
  std::vector<Message> published;
};

}  // namespace larder::test
