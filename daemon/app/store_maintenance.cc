#include "app/store_maintenance.h"

#include <chrono>
#include <cmath>
#include <string>

#include <boost/asio/post.hpp>
#include <nlohmann/json.hpp>

#include "core/hub.h"
#include "larder/log.h"

namespace larder {

namespace asio = boost::asio;

RetentionOptions retention_options(const StorageConfig& config) {
  RetentionOptions o;
  o.raw_seconds = config.raw_days * 86400.0;
  o.bucket_seconds = config.downsample_minutes * 60.0;
  o.max_bytes = static_cast<std::int64_t>(std::llround(config.max_size_mb * 1024.0 * 1024.0));
  return o;
}

StoreMaintenance::StoreMaintenance(asio::io_context& loop, const StorageConfig& config,
                                   SqliteRetention& retention, std::function<Hub&()> hub,
                                   const Clock& clock)
    : loop_(loop), config_(config), retention_(retention), hub_(std::move(hub)), clock_(clock),
      timer_(loop) {}

void StoreMaintenance::start() { arm(config_.maintenance_delay_minutes * 60.0); }

void StoreMaintenance::cancel() {
  cancelled_ = true;
  *alive_ = false;
  timer_.cancel();
}

void StoreMaintenance::arm(double seconds) {
  if (cancelled_) return;
  timer_.expires_after(std::chrono::duration_cast<asio::steady_timer::duration>(
      std::chrono::duration<double>(seconds)));
  timer_.async_wait([this](const boost::system::error_code& ec) {
    if (ec || cancelled_) return;
    begin_run();
  });
}

void StoreMaintenance::begin_run() {
  log_debug("store maintenance: starting a run");
  retention_.begin(clock_.now());
  next_step();
}

// One batch now, the next after what waits on the loop.
void StoreMaintenance::next_step() {
  if (cancelled_) return;
  auto more = retention_.step();
  if (!more.ok()) {
    log_error(more.status().message() + "; tried again in " +
              std::to_string(config_.maintenance_hours) + " h");
    hub_().publish_event("store_error", hub_().texts()("event.store_maintenance_failed"),
                       {{"reason", more.status().message()}});
    arm(config_.maintenance_hours * 3600.0);
    return;
  }
  if (*more) {
    asio::post(loop_, [this, alive = alive_] {
      if (*alive) next_step();
    });
    return;
  }
  const RetentionReport& r = retention_.report();
  log_info("store maintenance: " + std::to_string(r.downsampled) + " old levels downsampled, " +
           std::to_string(r.thinned) + " old readings removed for the size ceiling, " +
           std::to_string(r.vacuumed_pages) + " pages given back" +
           (r.full_vacuum ? " (full VACUUM)" : "") + "; " + std::to_string(r.live_bytes) +
           " bytes in use, files " + std::to_string(r.file_bytes) + " bytes" +
           (r.checkpoint_busy ? "; the WAL checkpoint was busy (a reader), tried next run" : ""));
  if (r.over_ceiling) {
    const std::string what = "the database holds " + std::to_string(r.live_bytes) +
                             " bytes, above storage.max_size_mb (" +
                             std::to_string(config_.max_size_mb) +
                             " MB), and only readings it must keep are left: raise "
                             "storage.max_size_mb or lower storage.raw_days";
    log_error("store maintenance: " + what);
    if (!over_ceiling_reported_) {
      over_ceiling_reported_ = true;
      hub_().publish_event("store_over_ceiling", hub_().texts()("event.store_over_ceiling"),
                         {{"reason", what}, {"bytes", r.live_bytes}});
    }
  } else {
    over_ceiling_reported_ = false;
  }
  arm(config_.maintenance_hours * 3600.0);
}

}  // namespace larder
