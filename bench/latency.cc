// Benchmark: a level reading to the published state (issue 9 item 3, docs/benchmarks.md).
// mosquitto and larderd (N consumables, storage and forecasting on) on loopback. Each round
// publishes one level reading (QoS 1) for the next consumable and waits for that
// consumable's retained state carrying the new level on larder/v1/consumable/<id>/state;
// the figure is the time from the publish call to the state's arrival at an MQTT client.
// Rounds visit the consumables in turn and are spaced so that one consumable is revisited
// only after the hub's minimum interval between two of its states (2 s), and every
// reading changes the level by 2% of capacity (a "meaningful change", contract mqtt-v1.md):
// the figure is the hub's path, not its deliberate rate limit.
// (Button press to order accepted by the sandbox: bench_order_latency.)
//
// Twice: with mosquitto's default, and with `set_tcp_nodelay true` (config/mosquitto): with
// the default, a state that follows another within the client's delayed ACK waits for it
// (Nagle on the broker's socket: about 40 ms on Linux).
// Usage: bench_latency [N=100] [ROUNDS=300] [--md FILE]   (the first 10 rounds warm up)
// Prints median, p99 and max. Asserts nothing.
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "harness.h"
#include "support/test_client.h"

using namespace larder::bench;
using namespace std::chrono_literals;

namespace {

// One run on a fresh broker (mosquitto's default, or with set_tcp_nodelay) and larderd.
Stats run(int n, int rounds, int warmup, std::chrono::duration<double> spacing, bool nodelay) {
  larder::test::BrokerOptions bo;
  if (nodelay) bo.extra_config = {"set_tcp_nodelay true"};
  MosquittoBroker broker(bo);
  LarderdProcess d(broker.url(), bench_config(n));
  start_larderd(d, broker.url(), 120s);
  larder::test::TestClient watch(broker.url());
  watch.connect();
  watch.subscribe("larder/v1/consumable/+/state", 1, /*retained_wanted=*/false);
  Publisher pub(broker.url());
  // Every consumable starts full: three readings make its first level.
  const double start = epoch_now() - 60;
  for (int c = 0; c < n; ++c) {
    for (int k = 0; k < 3; ++k) pub.publish_one(level_topic(c), level_payload(1000, start + k), 1);
  }
  // The states larderd publishes at start (every consumable's first) pass first.
  std::this_thread::sleep_for(2500ms);
  std::vector<double> ms;
  for (int r = 0; r < rounds; ++r) {
    int c = r % n;
    double value = 1000 - 20.0 * (r / n % 45 + 1);
    watch.clear();
    auto next = std::chrono::steady_clock::now() + spacing;
    std::string topic = "larder/v1/consumable/" + consumable_id(c) + "/state";
    // The model takes a level as the median of the last three readings: a new level shows
    // once a second reading confirms it. The first goes out untimed; the time runs from
    // the confirming one (sent after the first was acknowledged: in order, QoS 1).
    const double now = epoch_now();
    pub.publish_one(level_topic(c), level_payload(value, now - 1), 1);
    auto t0 = std::chrono::steady_clock::now();
    pub.publish_one(level_topic(c), level_payload(value, now), 1);
    // The state's level is the model's filtered level, not the raw reading: any new
    // state of that consumable after the publish is the answer.
    auto got = watch.wait_for(topic, 10s, [&](const larder::test::Received& m) {
      auto j = nlohmann::json::parse(m.payload, nullptr, false);
      return j.is_object() && j.contains("level");
    });
    auto t1 = std::chrono::steady_clock::now();
    if (!got) throw std::runtime_error("no state for " + topic + " within 10 s:\n" + d.log());
    if (r >= warmup) ms.push_back(std::chrono::duration<double, std::milli>(t1 - t0).count());
    std::this_thread::sleep_until(next);
  }
  d.terminate();
  return stats(ms);
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args;
  std::string md;
  constexpr int kWarmup = 10;
  auto usage = [](const std::string& why) {
    std::cerr << "bench_latency: " << why << "\nusage: bench_latency [N 1..100000] [ROUNDS "
              << kWarmup + 1 << "..1000000] [--md FILE]\n";
    return 2;
  };
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--md") {
      if (i + 1 >= argc) return usage("--md needs a FILE");
      md = argv[++i];
    } else if (a.starts_with("-")) {
      return usage("unknown option '" + a + "'");
    } else {
      args.push_back(a);
    }
  }
  if (args.size() > 2) return usage("at most 2 numbers, got " + std::to_string(args.size()));
  auto n_arg = args.empty() ? std::optional<long>(100) : whole_arg(args[0], 1, 100000);
  auto rounds_arg =
      args.size() < 2 ? std::optional<long>(300) : whole_arg(args[1], kWarmup + 1, 1000000);
  if (!n_arg || !rounds_arg) return usage("a number is not one, or out of its range");
  int n = static_cast<int>(*n_arg);
  int rounds = static_cast<int>(*rounds_arg);
  // One consumable comes back after 2.2 s at the earliest.
  auto spacing = std::chrono::duration<double>(std::max(0.02, 2.2 / n));
  try {
    std::string rows;
    for (bool nodelay : {false, true}) {
      Stats st = run(n, rounds, kWarmup, spacing, nodelay);
      char buf[512];
      std::snprintf(buf, sizeof buf,
                    "| level reading -> retained state on MQTT (%d consumables, %d readings, %s) "
                    "| %.2f | %.2f | %.2f |\n",
                    n, rounds - kWarmup, nodelay ? "set_tcp_nodelay" : "broker default",
                    st.median, st.p99, st.max);
      std::printf("%s", buf);
      rows += buf;
    }
    if (!md.empty()) append_markdown(md, rows);
  } catch (const std::exception& e) {
    std::cerr << "bench_latency: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
