// Benchmark: memory and scale (issue 9 items 4 and 5, docs/benchmarks.md). For each size N
// (default 10, 100, 1000, 10000 consumables): a fresh mosquitto and larderd (storage and
// forecasting on); the time from spawn to READY=1; the resident size idle (2 s after
// READY); a QoS 0 burst of max(20000, 10 N) level readings (every consumable at least ten
// times), its rate until larderd's counter saw the last one, larderd's CPU time per
// reading in it, and the resident size after it (VmRSS, and the peak VmHWM); the mean
// time of one forecast tick (every consumable's model advanced; larder_forecast_tick_*).
//
// Usage: bench_scale [N...] [--md FILE]   Prints one row per size. Asserts nothing.
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

#include "harness.h"

using namespace larder::bench;
using namespace std::chrono_literals;

namespace {

const std::string kLevel = "larder_messages_received_total";
const std::string kLevelLabel = "kind=\"level\"";

std::string row(int n) {
  MosquittoBroker broker;
  LarderdProcess d(broker.url(), bench_config(n));
  auto ready = start_larderd(d, broker.url(), 300s);
  std::this_thread::sleep_for(2s);
  ProcStats idle = proc_stats(d.pid());
  int burst = std::max(20000, 10 * n);
  double base = metric(d.http_port(), kLevel, kLevelLabel);
  // bench_fast_publisher, as bench_ingest: the in-process Paho C++ publisher offers about
  // a third of that, so the rate would be the publisher's, flat from 10 to 10,000.
  FastBurst f = fast_burst(broker.url(), n, burst, epoch_now() - 60.0 * (burst / n + 1));
  Progress p = wait_progress([&] { return metric(d.http_port(), kLevel, kLevelLabel) - base; },
                             static_cast<double>(f.sent), 5s, 300s);
  ProcStats loaded = proc_stats(d.pid());
  double secs = std::chrono::duration<double>(p.at - f.t0).count();
  double cpu_us = (loaded.cpu_s - idle.cpu_s) * 1e6 / std::max(1.0, p.value);
  double ticks = metric(d.http_port(), "larder_forecast_tick_seconds_count");
  double tick_ms = ticks > 0
                       ? metric(d.http_port(), "larder_forecast_tick_seconds_sum") * 1000 / ticks
                       : 0;
  char buf[512];
  std::snprintf(buf, sizeof buf,
                "| %d | %lld | %ld | %d | %.0f%s | %.1f | %ld | %ld | %.2f |\n", n,
                static_cast<long long>(ready.count()), idle.rss_kib, burst, p.value / secs,
                (f.failed > 0 ? " (" + std::to_string(f.failed) + " not sent: publisher)"
                 : p.reached  ? std::string()
                              : " (" + std::to_string(f.sent - static_cast<long>(p.value)) +
                                   " lost)")
                    .c_str(),
                cpu_us, loaded.rss_kib, loaded.hwm_kib, tick_ms);
  d.terminate();
  return buf;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<int> sizes;
  std::string md;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--md" && i + 1 < argc) {
      md = argv[++i];
    } else if (auto size = whole_arg(a, 1, 100000)) {
      sizes.push_back(static_cast<int>(*size));
    } else {
      std::cerr << "bench_scale: '" << a << "' is not a size (1..100000) nor --md FILE\n"
                << "usage: bench_scale [N...] [--md FILE]\n";
      return 2;
    }
  }
  if (sizes.empty()) sizes = {10, 100, 1000, 10000};
  std::string head =
      "| consumables | start to READY ms | RSS idle KiB | burst (QoS 0) | readings/s | "
      "CPU us/reading | RSS after KiB | peak RSS KiB | forecast tick ms |\n"
      "|---|---|---|---|---|---|---|---|---|\n";
  std::fputs(head.c_str(), stdout);
  std::string out = head;
  try {
    for (int n : sizes) {
      std::string r = row(n);
      std::fputs(r.c_str(), stdout);
      std::fflush(stdout);
      out += r;
    }
  } catch (const std::exception& e) {
    std::cerr << "bench_scale: " << e.what() << "\n";
    return 1;
  }
  if (!md.empty()) {
    try {
      append_markdown(md, out);
    } catch (const std::exception& e) {
      std::cerr << "bench_scale: " << e.what() << "\n";
      return 1;
    }
  }
  return 0;
}
