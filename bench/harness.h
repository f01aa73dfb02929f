// The benchmark harness (issue 9, docs/benchmarks.md): the pieces every `bench_*` program
// shares. Link the CMake target `larder_bench_harness` and `#include "harness.h"` (the
// bench/ folder is on its include path); namespace larder::bench.
//
// What is here:
// - Broker: a private mosquitto on a free 127.0.0.1 port (tests/support/mosquitto.h;
//   `larder::test::MosquittoBroker broker; broker.url(), broker.port()`).
// - bench_config(n): a larderd configuration with n consumables b0..b<n-1> (unit g,
//   capacity 1000), storage (state_dir) and forecasting on, as a template for
//   `larder::test::LarderdProcess` (tests/support/larderd.h), which starts larderd, waits
//   for READY=1 and returns the time it took.
// - level_topic(i) / level_payload(...): the canonical level reading of consumable b<i>
//   (contract mqtt-v1.md: larder/v1/consumable/<id>/level).
// - Publisher: a fast Paho async publisher (MQTT 3.1.1, QoS 0 or 1). burst() publishes a
//   list of messages as fast as the window of unacknowledged QoS 1 publishes allows and
//   returns when all were delivered (QoS 1: PUBACK) or handed to the socket (QoS 0);
//   paced() publishes at a fixed rate.
// - CountingSubscriber: a bare Paho subscriber that only counts what arrives (the
//   "bare broker path" reference).
// - proc_stats(pid): VmRSS / VmHWM (KiB) from /proc/PID/status and the CPU time
//   (utime + stime, seconds) from /proc/PID/stat.
// - metric(port, name, labels): one value of larderd's GET /metrics (admin token of
//   bench_config).
// - Stats: median / p99 / max / min of a list of figures.
// Errors throw std::runtime_error with the reason. Nothing here asserts on speed.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "burst.h"
#include "support/larderd.h"
#include "support/mosquitto.h"
#include "support/process.h"

namespace mqtt {
class async_client;
}

namespace larder::bench {

using larder::test::LarderdProcess;
using larder::test::MosquittoBroker;

// The bearer header for GET /metrics and the API of a larderd run with bench_config.
inline constexpr const char* kAdminHeader = "Authorization: Bearer bench-admin-token-0123456789";

// A larderd configuration template (placeholders @MQTT_URL@, @HTTP_PORT@, @STATE_DIR@, as
// LarderdProcess replaces them) with n consumables b0..b<n-1>: unit g, capacity 1000, a
// pack; log_level warn (a benchmark measures work, not logging). `extra` is appended.
std::string bench_config(int n, const std::string& extra = {});
// Starts larderd (LarderdProcess::start: spawn to READY=1, returned) and then waits until
// it reads the broker: it publishes an old level reading for b0 (QoS 1) every 200 ms until
// larder_messages_received_total{kind="level"} counts it. Throws after `timeout`.
std::chrono::milliseconds start_larderd(LarderdProcess& d, const std::string& mqtt_url,
                                        std::chrono::milliseconds timeout);
struct PublishResult {
  long sent = 0;         // messages completed (QoS 1: acknowledged)
  long failed = 0;       // publishes Paho reported as failed
  double seconds = 0;    // from the first publish to the last completion
  double rate() const { return seconds > 0 ? static_cast<double>(sent) / seconds : 0; }
};

// A QoS 0 burst, level_burst(consumables, count, start_ts), from bench_fast_publisher
// (bench/fast_publisher.cc: Paho C's synchronous client, in a process of its own, found
// next to the running program): about three times what one Paho C++ Publisher offers.
struct FastBurst {
  long sent = 0;
  long failed = 0;
  std::chrono::steady_clock::time_point t0;  // its first publish
};
FastBurst fast_burst(const std::string& url, int consumables, int count, double start_ts);

class Publisher {
 public:
  // Connects (clean session) to `url` as `client_id` (empty: a unique one); throws on
  // failure. `window`: at most this many QoS 1 publishes unacknowledged at once.
  explicit Publisher(const std::string& url, std::string client_id = {}, int window = 64);
  ~Publisher();  // disconnects
  Publisher(const Publisher&) = delete;
  Publisher& operator=(const Publisher&) = delete;

  // Publishes every message (QoS 0 or 1, not retained) as fast as possible; returns when
  // all completed or `timeout` passed (then `sent` is what completed).
  PublishResult burst(const std::vector<Outgoing>& msgs, int qos,
                      std::chrono::milliseconds timeout = std::chrono::seconds(120));
  // Publishes msgs[i % size] at `per_second` for `seconds` (evenly spaced, in small
  // batches); returns what was sent and the time taken.
  PublishResult paced(const std::vector<Outgoing>& msgs, int qos, double per_second,
                      double seconds);
  // One message, waiting for its completion (PUBACK for QoS 1).
  void publish_one(const std::string& topic, const std::string& payload, int qos = 1);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

class CountingSubscriber {
 public:
  // Connects and subscribes to `filter` at `qos` (retained messages not wanted); counts
  // every message that arrives and does nothing else.
  CountingSubscriber(const std::string& url, const std::string& filter, int qos);
  ~CountingSubscriber();
  CountingSubscriber(const CountingSubscriber&) = delete;
  CountingSubscriber& operator=(const CountingSubscriber&) = delete;

  long count() const;
  void reset();
  // Waits until count() >= n or `timeout` passes; the steady-clock time when the n-th
  // message arrived (or nullopt-equivalent: time_point{} on timeout).
  std::chrono::steady_clock::time_point wait_count(long n, std::chrono::milliseconds timeout);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

struct ProcStats {
  long rss_kib = 0;      // VmRSS
  long hwm_kib = 0;      // VmHWM (peak resident size)
  // Private_Dirty (smaps_rollup): the pages only this process holds and the kernel cannot
  // drop (its heap, stacks, written data), without the shared libraries' code that RSS
  // also counts and that every process using them shares.
  long private_kib = 0;
  double cpu_s = 0;      // utime + stime of the process (all threads), seconds
};
// Reads /proc/<pid>/status, smaps_rollup and stat; zeros when the process is gone.
ProcStats proc_stats(pid_t pid);

// One value from larderd's GET /metrics on 127.0.0.1:port, e.g.
// metric(port, "larder_messages_received_total", "kind=\"level\""); labels is the text
// between the braces, empty for none. 0 when the family or series is absent; throws when
// the request fails.
double metric(std::uint16_t port, const std::string& name, const std::string& labels = {});
// Polls metric() every 5 ms until it reaches `target` or `timeout` passes; the
// steady-clock time when it was first seen at or above target (time_point{} on timeout).
std::chrono::steady_clock::time_point wait_metric(std::uint16_t port, const std::string& name,
                                                  const std::string& labels, double target,
                                                  std::chrono::milliseconds timeout);

// Polls read() every 5 ms until it returns >= target, or it has not changed for `stall`
// (messages were lost, or the reader is stuck), or `timeout` passes. Returns the last value
// read and the steady-clock time it was first seen (the end of the work).
struct Progress {
  double value = 0;
  std::chrono::steady_clock::time_point at{};
  bool reached = false;
};
Progress wait_progress(const std::function<double()>& read, double target,
                       std::chrono::milliseconds stall = std::chrono::seconds(3),
                       std::chrono::milliseconds timeout = std::chrono::seconds(120));

struct Stats {
  double median = 0, p99 = 0, max = 0, min = 0;
};
// Command-line values, strictly: the whole text a number, within [lo, hi]; nothing else
// ("10x", "", "1e400" are refused).
std::optional<long> whole_arg(const std::string& text, long lo, long hi);
std::optional<double> number_arg(const std::string& text, double lo, double hi);
// Appends `text` to the markdown file `path` (made if missing); throws when it cannot be
// written, so that a bench never loses its table silently.
void append_markdown(const std::string& path, const std::string& text);

// The median (the mean of the two middle values for an even count), the 99th percentile by
// nearest rank (the maximum for fewer than 100 samples), the maximum and the minimum.
Stats stats(std::vector<double> v);

}  // namespace larder::bench
