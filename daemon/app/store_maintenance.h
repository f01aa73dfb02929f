// The store's maintenance on the event loop (docs/storage.md): every
// storage.maintenance_hours (the first run storage.maintenance_delay_minutes after start), a
// retention run (adapters/store/sqlite_retention.h) in bounded batches, one batch per turn of
// the loop (asio::post), so readings, HTTP and timers are handled between two batches.
// A run that ends above storage.max_size_mb logs an error, publishes the event
// `store_over_ceiling` (once until a run ends under it again) and larderd runs on; a run
// that fails is logged and published as `store_error` with the reason, and tried again at the
// next interval.
// Thread rule: event-loop thread only.
#pragma once

#include <memory>

#include <boost/asio/io_context.hpp>
#include <functional>

#include <boost/asio/steady_timer.hpp>

#include "adapters/store/sqlite_retention.h"
#include "larder/clock.h"
#include "larder/config.h"

namespace larder {

class Hub;

class StoreMaintenance {
 public:
  // `hub` gives the running hub, for events (a reload replaces it, app/services.h).
  StoreMaintenance(boost::asio::io_context& loop, const StorageConfig& config,
                   SqliteRetention& retention, std::function<Hub&()> hub, const Clock& clock);
  // Arms the first run.
  void start();
  // Stops the timer and any run under way (what its batches committed stays).
  void cancel();

 private:
  void arm(double seconds);
  void begin_run();
  void next_step();

  boost::asio::io_context& loop_;
  const StorageConfig& config_;
  SqliteRetention& retention_;
  std::function<Hub&()> hub_;
  const Clock& clock_;
  boost::asio::steady_timer timer_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
  bool cancelled_ = false;
  bool over_ceiling_reported_ = false;
};

// The retention options of the configuration.
RetentionOptions retention_options(const StorageConfig& config);

}  // namespace larder
