// Benchmark: ingest (issue 9 item 1, docs/benchmarks.md). N consumables, a burst of level
// readings from one fast Paho publisher at QoS 0 (bench_fast_publisher: Paho C's
// synchronous client) and at QoS 1 (Paho C++, 64 unacknowledged at most):
// - the bare broker path: the same publisher and burst to a subscriber that only counts, in
//   a process of its own (mosquitto on loopback, no larderd), readings a second until the
//   last one arrived;
// - larderd (storage and forecasting on): readings a second until its own counter
//   larder_messages_received_total{kind="level"} (GET /metrics) counted the last one;
// - the ratio of the two; then the CPU time larderd spends per reading at a fixed offered
//   load (QoS 0), from utime+stime in /proc/<pid>/stat, and its resident size.
// Every rate is taken from the first publish to the end of the work; a reading that is
// lost (QoS 0 may drop under overload) is reported as such.
//
// Usage: bench_ingest [N=100] [BURST=100000] [RATE=10000] [SECONDS=5]
// Prints a table and, with --md FILE, appends the same rows as markdown. Asserts nothing.
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <MQTTAsync.h>

#include "harness.h"
#include "support/process.h"
#include "support/tempdir.h"

using namespace larder::bench;
using namespace std::chrono_literals;

namespace {

const std::string kLevel = "larder_messages_received_total";
const std::string kLevelLabel = "kind=\"level\"";

struct Rate {
  double per_s = 0;
  long done = 0;     // readings that arrived (bare) or were processed (larderd)
  long offered = 0;  // publishes the publisher completed
  long refused = 0;  // publishes the publisher's Paho client failed (never sent)
};

double seconds_since(std::chrono::steady_clock::time_point t0,
                     std::chrono::steady_clock::time_point t1) {
  return std::chrono::duration<double>(t1 - t0).count();
}

// The bare subscriber runs in a process of its own, as larderd does (in this one it would
// share the publisher's process): `bench_ingest --subscriber URL QOS FILE`. It writes
// "ready" to FILE once subscribed, then, once no message came for 2 s, the count and the
// steady clock (CLOCK_MONOTONIC, the same in every process) of the last message.
int subscriber_main(const std::string& url, int qos, const std::string& file) {
  MQTTAsync_setTraceLevel(MQTTASYNC_TRACE_ERROR);  // as larderd: no trace ring buffer
  CountingSubscriber sub(url, "larder/v1/consumable/+/level", qos);
  { std::ofstream(file) << "ready\n"; }
  Progress p = wait_progress([&] { return static_cast<double>(sub.count()); }, 1e18,
                             std::chrono::seconds(2), std::chrono::seconds(300));
  std::ofstream(file + ".tmp") << static_cast<long>(p.value) << " "
                               << p.at.time_since_epoch().count() << "\n";
  std::filesystem::rename(file + ".tmp", file);
  return 0;
}

// A burst sent: how many, and when the first publish started (steady clock).
struct Sent {
  long sent = 0;
  long failed = 0;
  std::chrono::steady_clock::time_point t0;
};

// QoS 0: bench_fast_publisher (Paho C's synchronous client, next to this program); QoS 1:
// the harness's Paho C++ publisher, 64 publishes unacknowledged at most.
Sent send_burst(const std::string& url, int n, int burst, int qos, double start_ts) {
  if (qos == 1) {
    Publisher pub(url);
    auto msgs = level_burst(n, burst, start_ts);
    Sent s;
    s.t0 = std::chrono::steady_clock::now();
    PublishResult pr = pub.burst(msgs, qos);
    s.sent = pr.sent;
    s.failed = pr.failed;
    return s;
  }
  FastBurst f = fast_burst(url, n, burst, start_ts);
  return {f.sent, f.failed, f.t0};
}

Rate bare_path(const std::string& self, const std::string& url, int n, int burst, int qos) {
  larder::test::TempDir dir;
  const std::string file = dir.file("count");
  larder::test::ChildOptions o;
  o.argv = {self, "--subscriber", url, std::to_string(qos), file};
  larder::test::ChildProcess sub(o);
  auto read = [&] {
    std::ifstream in(file);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    return text;
  };
  if (!larder::test::wait_until([&] { return read() == "ready\n"; }, 20s)) {
    throw std::runtime_error("the bare subscriber did not subscribe");
  }
  Sent pr = send_burst(url, n, burst, qos, epoch_now() - 60.0 * burst / n);
  auto st = sub.wait(std::chrono::seconds(310));
  if (!st || !st->success()) throw std::runtime_error("the bare subscriber failed");
  std::istringstream in(read());
  long got = 0;
  std::chrono::steady_clock::rep last = 0;
  if (!(in >> got >> last)) throw std::runtime_error("the bare subscriber wrote no count");
  auto at = std::chrono::steady_clock::time_point(std::chrono::steady_clock::duration(last));
  return {static_cast<double>(got) / seconds_since(pr.t0, at), got, pr.sent, pr.failed};
}

Rate larderd_path(const std::string& url, LarderdProcess& d, int n, int burst, int qos,
                  double start_ts) {
  double base = metric(d.http_port(), kLevel, kLevelLabel);
  Sent pr = send_burst(url, n, burst, qos, start_ts);
  Progress p = wait_progress([&] { return metric(d.http_port(), kLevel, kLevelLabel) - base; },
                             static_cast<double>(pr.sent));
  return {p.value / seconds_since(pr.t0, p.at), static_cast<long>(p.value), pr.sent, pr.failed};
}

std::string lost(const Rate& r) {
  std::string s;
  if (r.done < r.offered) s += " (" + std::to_string(r.offered - r.done) + " lost)";
  if (r.refused > 0) s += " (" + std::to_string(r.refused) + " not sent: publisher)";
  return s;
}

// printf into `out`, checked by the compiler like printf.
__attribute__((format(printf, 2, 3))) void appendf(std::string& out, const char* fmt, ...) {
  char buf[4096];
  va_list ap;
  va_start(ap, fmt);
  std::vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  out += buf;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 5 && std::string(argv[1]) == "--subscriber") {
    try {
      return subscriber_main(argv[2], std::atoi(argv[3]), argv[4]);
    } catch (const std::exception& e) {
      std::cerr << "bench_ingest --subscriber: " << e.what() << "\n";
      return 1;
    }
  }
  std::vector<std::string> args;
  std::string md;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--md" && i + 1 < argc) {
      md = argv[++i];
    } else {
      args.push_back(a);
    }
  }
  auto arg = [&](std::size_t i, double dflt) {
    return i < args.size() ? std::atof(args[i].c_str()) : dflt;
  };
  int n = static_cast<int>(arg(0, 100));
  int burst = static_cast<int>(arg(1, 100000));
  double rate = arg(2, 10000);
  double secs = arg(3, 5);
  if (n < 1 || burst < n || rate <= 0 || secs <= 0) {
    std::cerr << "usage: bench_ingest [N>=1] [BURST>=N] [RATE>0] [SECONDS>0]\n";
    return 2;
  }
  try {
    MosquittoBroker broker;
    const std::string self = larder::test::self_exe();
    Rate bare0 = bare_path(self, broker.url(), n, burst, 0);
    Rate bare1 = bare_path(self, broker.url(), n, burst, 1);

    LarderdProcess d(broker.url(), bench_config(n));
    auto ready = start_larderd(d, broker.url(), 120s);
    // The history of each burst: a consumable's readings 60 s apart, ending about now; the
    // later bursts continue it.
    int per = burst / n + 1;
    double ts = epoch_now() - 60.0 * per * 3;
    Rate l0 = larderd_path(broker.url(), d, n, burst, 0, ts);
    Rate l1 = larderd_path(broker.url(), d, n, burst, 1, ts + 60.0 * per);

    // A fixed offered load at QoS 0: larderd's CPU time per reading.
    double base = metric(d.http_port(), kLevel, kLevelLabel);
    ProcStats before = proc_stats(d.pid());
    Publisher pub(broker.url());
    auto msgs = level_burst(n, static_cast<int>(rate * secs), ts + 2 * 60.0 * per);
    PublishResult pr = pub.paced(msgs, 0, rate, secs);
    Progress p = wait_progress([&] { return metric(d.http_port(), kLevel, kLevelLabel) - base; },
                               static_cast<double>(pr.sent));
    ProcStats after = proc_stats(d.pid());
    double cpu_us = (after.cpu_s - before.cpu_s) * 1e6 / std::max(1.0, p.value);
    double offered = static_cast<double>(pr.sent) / pr.seconds;
    double cpu_share = (after.cpu_s - before.cpu_s) / secs * 100;

    std::string out;
    appendf(out, "ingest: %d consumables, bursts of %d level readings, one Paho publisher\n", n,
            burst);
    appendf(out, "| figure | QoS 0 | QoS 1 |\n|---|---|---|\n");
    appendf(out, "| bare broker path, readings/s | %.0f%s | %.0f%s |\n", bare0.per_s,
            lost(bare0).c_str(), bare1.per_s, lost(bare1).c_str());
    appendf(out, "| larderd (storage, forecasting), readings/s | %.0f%s | %.0f%s |\n", l0.per_s,
            lost(l0).c_str(), l1.per_s, lost(l1).c_str());
    appendf(out, "| ratio larderd / bare broker | %.2f | %.2f |\n", l0.per_s / bare0.per_s,
            l1.per_s / bare1.per_s);
    appendf(out, "| target | >= 50000/s and >= 0.80 | >= 0.80 |\n");
    appendf(out, "\nfixed load: %.0f readings/s offered at QoS 0 for %.0f s (%.0f/s achieved)\n",
            rate, secs, offered);
    appendf(out, "| figure | value |\n|---|---|\n");
    appendf(out, "| larderd CPU per reading | %.1f us |\n", cpu_us);
    appendf(out, "| larderd CPU share at that load | %.0f%% of one core |\n", cpu_share);
    appendf(out, "| readings processed / offered | %.0f / %ld |\n", p.value, pr.sent);
    appendf(out, "| start to READY (%d consumables) | %lld ms |\n", n,
            static_cast<long long>(ready.count()));
    appendf(out, "| larderd RSS after the load / peak | %ld / %ld KiB |\n", after.rss_kib,
            after.hwm_kib);
    std::fputs(out.c_str(), stdout);
    if (!md.empty()) {
      if (FILE* f = std::fopen(md.c_str(), "a")) {
        std::fputs(("\n" + out).c_str(), f);
        std::fclose(f);
      }
    }
    d.terminate();
  } catch (const std::exception& e) {
    std::cerr << "bench_ingest: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
