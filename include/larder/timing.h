// How long a piece of work took, as a pair of Prometheus counters: `<name>_sum` (seconds)
// and `<name>_count` (times), so a scraper derives the mean over any interval
// (rate(sum) / rate(count)). Measured with the steady clock: this is measurement only,
// never input to a decision (which takes time from the injected Clock).
// Thread rule: as Metrics (event-loop thread only).
#pragma once

#include <chrono>
#include <string>

#include "larder/metrics.h"

namespace larder {

// The names of a timing's two counters, made once (a timing may run per message).
struct TimingNames {
  explicit TimingNames(const std::string& name) : sum(name + "_sum"), count(name + "_count") {}
  std::string sum, count;
};

class ScopedTiming {
 public:
  // `names` must outlive the timing (a static or a member).
  ScopedTiming(Metrics& metrics, const TimingNames& names)
      : metrics_(metrics), names_(names), start_(std::chrono::steady_clock::now()) {}
  ~ScopedTiming() {
    const std::chrono::duration<double> took = std::chrono::steady_clock::now() - start_;
    metrics_.inc(names_.sum, {}, took.count());
    metrics_.inc(names_.count);
  }
  ScopedTiming(const ScopedTiming&) = delete;
  ScopedTiming& operator=(const ScopedTiming&) = delete;

 private:
  Metrics& metrics_;
  const TimingNames& names_;
  std::chrono::steady_clock::time_point start_;
};

}  // namespace larder
