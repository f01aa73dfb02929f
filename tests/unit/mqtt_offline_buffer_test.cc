#include "adapters/mqtt/offline_buffer.h"

#include <doctest/doctest.h>

#include <vector>

using larder::Message;
using larder::OfflineBuffer;

namespace {
Message event(const std::string& topic, const std::string& payload) { return {topic, payload, 1, false}; }
Message state(const std::string& topic, const std::string& payload) { return {topic, payload, 1, true}; }
}  // namespace

TEST_CASE("offline buffer keeps the latest retained message per topic") {
  OfflineBuffer b(10, 10);
  CHECK(b.keep(state("s/a", "1")) == 0);
  CHECK(b.keep(state("s/a", "2")) == 0);
  CHECK(b.keep(state("s/b", "x")) == 0);
  CHECK(b.size() == 2);
  CHECK(b.has_retained("s/a"));
  std::vector<Message> sent;
  b.drain([&](const Message& m) { sent.push_back(m); return true; });
  REQUIRE(sent.size() == 2);
  CHECK(sent[0].topic == "s/a");
  CHECK(sent[0].payload == "2");
  CHECK(sent[0].retained);
  CHECK(b.empty());
}

TEST_CASE("offline buffer drops the oldest event when full and counts it") {
  OfflineBuffer b(3, 10);
  for (int i = 0; i < 3; ++i) CHECK(b.keep(event("e", std::to_string(i))) == 0);
  CHECK(b.keep(event("e", "3")) == 1);
  CHECK(b.keep(event("e", "4")) == 1);
  std::vector<std::string> sent;
  b.drain([&](const Message& m) { sent.push_back(m.payload); return true; });
  CHECK(sent == std::vector<std::string>{"2", "3", "4"});
}

TEST_CASE("offline buffer refuses new retained topics beyond its bound") {
  OfflineBuffer b(10, 2);
  CHECK(b.keep(state("a", "1")) == 0);
  CHECK(b.keep(state("b", "1")) == 0);
  CHECK(b.keep(state("c", "1")) == 1);
  CHECK(b.keep(state("a", "2")) == 0);  // known topics are still replaced
  CHECK(b.size() == 2);
  CHECK_FALSE(b.has_retained("c"));
}

TEST_CASE("offline buffer drain sends state first then events in order and stops on refusal") {
  OfflineBuffer b(10, 10);
  b.keep(event("e", "1"));
  b.keep(state("s", "x"));
  b.keep(event("e", "2"));
  std::vector<std::string> sent;
  int budget = 2;
  b.drain([&](const Message& m) {
    if (budget == 0) return false;
    --budget;
    sent.push_back(m.topic + "=" + m.payload);
    return true;
  });
  CHECK(sent == std::vector<std::string>{"s=x", "e=1"});
  CHECK(b.size() == 1);  // the refused one stays
  CHECK(b.has_queued());
  budget = 5;
  b.drain([&](const Message& m) { sent.push_back(m.topic + "=" + m.payload); return true; });
  CHECK(sent.back() == "e=2");
  CHECK(b.clear() == 0);
}

TEST_CASE("offline buffer forgets one topic's retained message, nothing else") {
  // The client's kept `online` before a new connect: the SUBACKs bring a new one.
  OfflineBuffer b(10, 10);
  b.keep(state("larder/v1/status", "online"));
  b.keep(state("larder/v1/consumable/coffee/state", "{}"));
  b.keep(event("larder/v1/status", "not retained"));
  CHECK(b.forget_retained("larder/v1/status"));
  CHECK_FALSE(b.forget_retained("larder/v1/status"));
  CHECK_FALSE(b.has_retained("larder/v1/status"));
  CHECK(b.has_retained("larder/v1/consumable/coffee/state"));
  CHECK(b.size() == 2);
}

TEST_CASE("offline buffer clear reports how many messages it forgot") {
  OfflineBuffer b(10, 10);
  b.keep(event("e", "1"));
  b.keep(state("s", "1"));
  CHECK(b.clear() == 2);
  CHECK(b.empty());
}

TEST_CASE("offline buffer puts unacknowledged messages back without hiding newer ones") {
  OfflineBuffer b(2, 10);
  b.keep(state("s/a", "new"));
  b.keep(event("e", "3"));
  CHECK(b.keep_older(state("s/a", "old")) == 0);  // the newer state wins
  CHECK(b.keep_older(state("s/b", "old")) == 0);  // no newer one: kept
  CHECK(b.keep_older(event("e", "2")) == 0);      // ahead of the newer event
  CHECK(b.keep_older(event("e", "1")) == 1);      // full: the newer events keep their room
  std::vector<std::string> sent;
  b.drain([&](const Message& m) { sent.push_back(m.topic + "=" + m.payload); return true; });
  CHECK(sent == std::vector<std::string>{"s/a=new", "s/b=old", "e=2", "e=3"});
}
