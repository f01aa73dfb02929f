// bench_fast_publisher: the fast QoS 0 publisher of bench_ingest (docs/benchmarks.md).
//
//   bench_fast_publisher URL CONSUMABLES COUNT START_TS
//
// Publishes level_burst(CONSUMABLES, COUNT, START_TS) at QoS 0 with Paho C's synchronous
// client (MQTTClient), which writes each publish to the socket in the calling thread:
// about three times what one Paho C++ async client offers (its every publish crosses a
// command queue and a thread). A process of its own, because libpaho-mqtt3c and the
// libpaho-mqtt3as under Paho C++ share internal symbol names and must not be loaded
// together. Prints one line: "<sent> <failed> <first> <last>", the last two the
// CLOCK_MONOTONIC nanoseconds (std::chrono::steady_clock) of the first and the last publish.
// Exit status 2 on bad arguments, 1 when it cannot connect.
#include <MQTTClient.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "burst.h"

namespace {

bool parse_int(const char* s, long lo, long hi, long& out) {
  char* end = nullptr;
  long v = std::strtol(s, &end, 10);
  if (end == s || *end != '\0' || v < lo || v > hi) return false;
  out = v;
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  long consumables = 0;
  long count = 0;
  char* end = nullptr;
  const double start_ts = argc == 5 ? std::strtod(argv[4], &end) : 0;
  if (argc != 5 || !parse_int(argv[2], 1, 1000000, consumables) ||
      !parse_int(argv[3], 1, 100000000, count) || end == argv[4] || *end != '\0') {
    std::fprintf(stderr, "usage: bench_fast_publisher URL CONSUMABLES COUNT START_TS\n");
    return 2;
  }
  const auto msgs = larder::bench::level_burst(static_cast<int>(consumables),
                                               static_cast<int>(count), start_ts);
  MQTTClient client = nullptr;
  const std::string id = "bench-fast-pub-" + std::to_string(::getpid());
  if (MQTTClient_create(&client, argv[1], id.c_str(), MQTTCLIENT_PERSISTENCE_NONE, nullptr) !=
      MQTTCLIENT_SUCCESS) {
    std::fprintf(stderr, "bench_fast_publisher: cannot create a client for %s\n", argv[1]);
    return 1;
  }
  MQTTClient_connectOptions options = MQTTClient_connectOptions_initializer;
  options.cleansession = 1;
  options.keepAliveInterval = 60;
  if (int rc = MQTTClient_connect(client, &options); rc != MQTTCLIENT_SUCCESS) {
    std::fprintf(stderr, "bench_fast_publisher: connect to %s failed (%d)\n", argv[1], rc);
    MQTTClient_destroy(&client);
    return 1;
  }
  long sent = 0;
  long failed = 0;
  const auto first = std::chrono::steady_clock::now();
  for (const auto& m : msgs) {
    int rc = MQTTClient_publish(client, m.topic.c_str(), static_cast<int>(m.payload.size()),
                                m.payload.data(), 0, 0, nullptr);
    if (rc == MQTTCLIENT_SUCCESS) {
      ++sent;
    } else {
      ++failed;
    }
  }
  const auto last = std::chrono::steady_clock::now();
  MQTTClient_disconnect(client, 5000);  // QoS 0: what is written is on its way
  MQTTClient_destroy(&client);
  std::printf("%ld %ld %lld %lld\n", sent, failed,
              static_cast<long long>(first.time_since_epoch().count()),
              static_cast<long long>(last.time_since_epoch().count()));
  return 0;
}
