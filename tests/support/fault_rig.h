// Shared pieces of the fault suite (tests/integration/fault_*_test.cc, docs/faults.md):
// a steady QoS 1 publisher of coffee levels that counts what the broker acknowledged,
// what larderd committed (read from its database, read-only, beside the running daemon),
// and its Prometheus figures.
// Thread rule: LevelPublisher runs its own thread; everything else on the test's thread.
#pragma once

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <ctime>
#include <map>
#include <mutex>
#include <limits>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "adapters/store/sqlite_store.h"
#include "larder/metrics.h"
#include "support/larderd.h"
#include "support/test_client.h"

namespace larder::test {

inline constexpr const char* kFaultRead = "Authorization: Bearer test-read-token-0123456789";
inline constexpr const char* kFaultAdmin = "Authorization: Bearer test-admin-token-0123456789";

// The default configuration at log level info (the disk-full test limits the size of every
// file larderd writes, its log included).
inline std::string fault_config() {
  std::string c = default_daemon_config();
  const std::string debug = "log_level: debug";
  c.replace(c.find(debug), debug.size(), "log_level: info");
  return c;
}

// Committed level readings of `consumable`: ts -> how many rows hold it. Empty while the
// database does not exist yet.
inline std::map<double, int> committed_levels(const std::string& state_dir,
                                              const std::string& consumable = "coffee") {
  std::map<double, int> out;
  Metrics scratch;
  SqliteStoreOptions o;
  o.read_only = true;
  auto store = open_sqlite_store(state_dir, scratch, o);
  if (!store.ok()) return out;
  auto rows = (*store)->readings(consumable, 0, 1e12, 10000000);
  if (!rows.ok()) return out;
  for (const auto& r : *rows) {
    if (r.kind == "level") ++out[r.ts];
  }
  return out;
}

// The idempotency keys of the orders larderd committed (its ledger in the store), as
// the retailer sees them: an order committed once and placed once has its key there once.
inline std::vector<std::string> committed_order_keys(const std::string& state_dir) {
  std::vector<std::string> out;
  Metrics scratch;
  SqliteStoreOptions o;
  o.read_only = true;
  auto store = open_sqlite_store(state_dir, scratch, o);
  if (!store.ok()) return out;
  const double all = -std::numeric_limits<double>::infinity();
  auto orders = (*store)->load_orders(1000000, all, 1000000);
  if (!orders.ok()) return out;
  for (const auto& stored : *orders) {
    out.push_back(nlohmann::json::parse(stored.json).at("idempotency_key").get<std::string>());
  }
  return out;
}

// A sample of larderd's /metrics (no labels), or -1 when absent or unreachable.
inline double daemon_metric(const LarderdProcess& d, const std::string& name) {
  HttpAnswer a;
  try {
    a = http_request(d.http_port(), "GET", "/metrics", {kFaultRead});
  } catch (const std::exception&) {
    return -1;
  }
  std::istringstream in(a.body);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(name + " ", 0) == 0) return std::stod(line.substr(name.size() + 1));
  }
  return -1;
}

// Publishes coffee levels at QoS 1, one at a time, each until the broker acknowledged it
// (at least once, as a sensor with a persistent session does), with ts = base + i: a
// reading is known by its ts. Through broker restarts it keeps trying (Paho reconnects).
class LevelPublisher {
 public:
  // `limit`: stop after this many readings (0: until stop()); `pace`: pause between two.
  LevelPublisher(const std::string& url, int limit, std::chrono::microseconds pace = {})
      : client_(url, options()), limit_(limit), pace_(pace) {
    base_ = static_cast<double>(std::time(nullptr)) - 200000;
    client_.connect();
    thread_ = std::thread([this] { run(); });
  }
  ~LevelPublisher() { stop(); }
  LevelPublisher(const LevelPublisher&) = delete;
  LevelPublisher& operator=(const LevelPublisher&) = delete;

  void stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }
  bool done() const { return done_; }
  int acked() const { return acked_; }
  int attempts() const { return attempts_; }
  std::vector<double> acked_ts() const {
    std::lock_guard<std::mutex> lock(mu_);
    return acked_ts_;
  }
  // The ts of reading i.
  double ts_of(int i) const { return base_ + i; }

 private:
  static TestClientOptions options() {
    TestClientOptions o;
    o.client_id = "fault-sensor-" + std::to_string(::getpid());
    o.clean_start = false;
    o.session_expiry = 3600;
    o.auto_reconnect = true;
    return o;
  }
  void run() {
    for (int i = 0; !stop_ && (limit_ == 0 || i < limit_); ++i) {
      const double ts = ts_of(i);
      // 950 g down by a milligram a reading: a slow, believable use.
      const std::string payload =
          nlohmann::json{{"value", 950 - 0.001 * i}, {"unit", "g"}, {"ts", ts}}.dump();
      while (!stop_) {
        ++attempts_;
        if (client_.try_publish("larder/v1/consumable/coffee/level", payload, 1, false,
                                std::chrono::milliseconds(3000))) {
          std::lock_guard<std::mutex> lock(mu_);
          acked_ts_.push_back(ts);
          ++acked_;
          break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
      }
      if (pace_.count() > 0) std::this_thread::sleep_for(pace_);
    }
    done_ = true;
  }

  TestClient client_;
  int limit_;
  std::chrono::microseconds pace_;
  double base_ = 0;
  std::atomic<bool> stop_{false}, done_{false};
  std::atomic<int> acked_{0}, attempts_{0};
  mutable std::mutex mu_;
  std::vector<double> acked_ts_;
  std::thread thread_;
};

// How many of `wanted` are not among `have`.
inline std::size_t missing(const std::vector<double>& wanted, const std::map<double, int>& have) {
  std::size_t n = 0;
  for (double t : wanted) n += have.count(t) ? 0 : 1;
  return n;
}

// Rows beyond the first for any ts.
inline int duplicates(const std::map<double, int>& have) {
  int n = 0;
  for (const auto& [ts, count] : have) n += count > 1 ? count - 1 : 0;
  return n;
}

}  // namespace larder::test
