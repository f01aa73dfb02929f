// The Node-RED side of bench_vs_nodered (docs/benchmarks.md): Node-RED 4 running the flow
// in bench/nodered (level readings in, an EWMA rate and days left per consumable out), and
// a subscriber that reads the forecasts it publishes. The rest (broker, larderd, publisher,
// /proc figures) is bench/harness.h. Errors throw std::runtime_error with the reason.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <memory>
#include <string>

#include "support/process.h"
#include "support/tempdir.h"

namespace larder::bench {

// The forecast topic filter of the flow: nodered/v1/consumable/<id>/forecast, retained,
// payload {"level":..,"rate_per_day":..,"days_left":..,"readings":n,"processed_ms":..}
// where `readings` counts the level readings of <id> processed so far and `processed_ms`
// is the epoch time (ms) the last of them was processed.
inline constexpr const char* kNodeRedForecasts = "nodered/v1/consumable/+/forecast";

// True when `dir` (bench/nodered) holds an installed Node-RED (`npm ci` was run there).
bool nodered_installed(const std::string& dir);

// Keeps the latest forecast of every consumable whose id starts with `prefix`.
class ForecastWatcher {
 public:
  ForecastWatcher(const std::string& broker_url, std::string prefix);
  ~ForecastWatcher();
  ForecastWatcher(const ForecastWatcher&) = delete;
  ForecastWatcher& operator=(const ForecastWatcher&) = delete;

  // The sum of `readings` over the consumables' latest forecasts.
  double readings() const;
  // The latest `processed_ms` seen, in epoch seconds (0: none yet).
  double last_processed() const;
  // How many consumables have published a forecast.
  long consumables() const;
  // The latest payload for `id` (empty: none).
  std::string payload(const std::string& id) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

class NodeRedProcess {
 public:
  // Does not start Node-RED; `dir` is bench/nodered (flows.json, settings.js, node_modules).
  NodeRedProcess(std::string dir, std::string broker_url);
  ~NodeRedProcess();
  NodeRedProcess(const NodeRedProcess&) = delete;
  NodeRedProcess& operator=(const NodeRedProcess&) = delete;

  // Starts `node red.js --settings settings.js` and waits until the flow answers: a level
  // reading of the probe consumable "nrprobe" (sent every 250 ms) comes back as a
  // forecast. Returns the time from spawn to that forecast; throws with the log on failure.
  std::chrono::milliseconds start(std::chrono::milliseconds timeout = std::chrono::seconds(60));
  void terminate();
  pid_t pid() const { return child_.pid(); }
  std::string log() const;

 private:
  std::string dir_;
  std::string broker_url_;
  larder::test::TempDir tmp_;
  larder::test::ChildProcess child_;
};

}  // namespace larder::bench
