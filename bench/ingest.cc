// Benchmark: ingest (issue 9 item 1, docs/benchmarks.md). N consumables, a burst of level
// readings from one fast Paho publisher at QoS 0 (bench_fast_publisher: Paho C's
// synchronous client) and at QoS 1 (Paho C++, 64 unacknowledged at most):
// - the bare broker path: the same publisher and burst to a subscriber that only counts, in
//   a process of its own (mosquitto on loopback, no larderd), readings a second until the
//   last one arrived;
// - larderd (storage and forecasting on, on a broker of its own, so that it does not see
//   the bare path's bursts): readings a second until its own counter
//   larder_messages_received_total{kind="level"} (GET /metrics) counted the last one;
// - the ratio of the two. The machine is shared and one burst's rate moves by a third from
//   run to run, so the two paths take turns, ROUNDS times (bare, larderd, bare, larderd...),
//   and the table gives the median of each and the median of the rounds' ratios, with
//   their range: a slow minute hits both paths, not one;
// - then the CPU time larderd spends per reading at a fixed offered load (QoS 0), from
//   utime+stime in /proc/<pid>/stat, and its resident size.
// Every rate is taken from the first publish to the end of the work; a reading that is
// lost (QoS 0 may drop under overload) is reported as such.
//
// Usage: bench_ingest [N=100] [BURST=100000] [RATE=10000] [SECONDS=5] [ROUNDS=3]
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

// The rounds of one QoS: each round's rates and ratio, and the readings over all rounds.
struct Turns {
  std::vector<double> bare, larderd, ratio;
  Rate bare_total, larderd_total;  // done / offered / refused summed
  void add(const Rate& b, const Rate& l) {
    bare.push_back(b.per_s);
    larderd.push_back(l.per_s);
    ratio.push_back(b.per_s > 0 ? l.per_s / b.per_s : 0);
    for (auto [sum, one] : {std::pair{&bare_total, &b}, std::pair{&larderd_total, &l}}) {
      sum->done += one->done;
      sum->offered += one->offered;
      sum->refused += one->refused;
    }
  }
};

// "median (lowest - highest)", each with `fmt`; the median alone for one round.
std::string range(const std::vector<double>& v, const char* fmt) {
  Stats st = stats(v);
  auto f = [fmt](double x) {
    char b[32];
    std::snprintf(b, sizeof b, fmt, x);
    return std::string(b);
  };
  if (v.size() < 2) return f(st.median);
  return f(st.median) + " (" + f(st.min) + " - " + f(st.max) + ")";
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
  auto usage = [](const std::string& why) {
    std::cerr << "bench_ingest: " << why << "\n"
              << "usage: bench_ingest [N 1..100000] [BURST N..10000000] [RATE 1..1000000] "
                 "[SECONDS 0.1..600] [ROUNDS 1..99] [--md FILE]\n";
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
  if (args.size() > 5) return usage("at most 5 numbers, got " + std::to_string(args.size()));
  auto arg = [&](std::size_t i, double dflt, double lo, double hi) -> std::optional<double> {
    return i < args.size() ? number_arg(args[i], lo, hi) : dflt;
  };
  auto n_arg = arg(0, 100, 1, 100000);
  auto burst_arg = arg(1, 100000, 1, 10000000);
  auto rate_arg = arg(2, 10000, 1, 1000000);
  auto secs_arg = arg(3, 5, 0.1, 600);
  auto rounds_arg = arg(4, 3, 1, 99);
  if (!n_arg || !burst_arg || !rate_arg || !secs_arg || !rounds_arg) {
    return usage("a number is not one, or out of its range");
  }
  int n = static_cast<int>(*n_arg);
  int burst = static_cast<int>(*burst_arg);
  double rate = *rate_arg;
  double secs = *secs_arg;
  int rounds = static_cast<int>(*rounds_arg);
  if (burst < n) return usage("BURST must be at least N");
  try {
    MosquittoBroker bare_broker;
    MosquittoBroker broker;  // larderd's
    const std::string self = larder::test::self_exe();
    LarderdProcess d(broker.url(), bench_config(n));
    auto ready = start_larderd(d, broker.url(), 120s);
    // The history of each burst: a consumable's readings 60 s apart, each later burst and
    // then the fixed load continuing it, so that the fixed load ends about now (larderd
    // refuses a reading more than 300 s ahead of its clock).
    int per = burst / n + 1;
    int per_fixed = static_cast<int>(rate * secs) / n + 1;
    double ts = epoch_now() - 60.0 * (per * 2 * rounds + per_fixed);
    Turns qos0, qos1;
    for (int r = 0; r < rounds; ++r) {
      qos0.add(bare_path(self, bare_broker.url(), n, burst, 0),
               larderd_path(broker.url(), d, n, burst, 0, ts));
      ts += 60.0 * per;
      qos1.add(bare_path(self, bare_broker.url(), n, burst, 1),
               larderd_path(broker.url(), d, n, burst, 1, ts));
      ts += 60.0 * per;
    }

    // A fixed offered load at QoS 0: larderd's CPU time per reading.
    double base = metric(d.http_port(), kLevel, kLevelLabel);
    ProcStats before = proc_stats(d.pid());
    Publisher pub(broker.url());
    auto msgs = level_burst(n, static_cast<int>(rate * secs), ts);
    const auto load_start = std::chrono::steady_clock::now();
    PublishResult pr = pub.paced(msgs, 0, rate, secs);
    Progress p = wait_progress([&] { return metric(d.http_port(), kLevel, kLevelLabel) - base; },
                               static_cast<double>(pr.sent));
    ProcStats after = proc_stats(d.pid());
    const double load_s =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - load_start).count();
    double cpu_us = (after.cpu_s - before.cpu_s) * 1e6 / std::max(1.0, p.value);
    double offered = static_cast<double>(pr.sent) / pr.seconds;
    // Over the whole load, its tail (the last readings still being handled) included.
    double cpu_share = (after.cpu_s - before.cpu_s) / load_s * 100;

    std::string out;
    appendf(out,
            "ingest: %d consumables, bursts of %d level readings, one Paho publisher; the two "
            "paths in turns, %d rounds: median (lowest - highest)\n",
            n, burst, rounds);
    appendf(out, "| figure | QoS 0 | QoS 1 |\n|---|---|---|\n");
    appendf(out, "| bare broker path, readings/s | %s%s | %s%s |\n",
            range(qos0.bare, "%.0f").c_str(), lost(qos0.bare_total).c_str(),
            range(qos1.bare, "%.0f").c_str(), lost(qos1.bare_total).c_str());
    appendf(out, "| larderd (storage, forecasting), readings/s | %s%s | %s%s |\n",
            range(qos0.larderd, "%.0f").c_str(), lost(qos0.larderd_total).c_str(),
            range(qos1.larderd, "%.0f").c_str(), lost(qos1.larderd_total).c_str());
    appendf(out, "| ratio larderd / bare broker, each round's | %s | %s |\n",
            range(qos0.ratio, "%.2f").c_str(), range(qos1.ratio, "%.2f").c_str());
    appendf(out, "| target (on the medians) | >= 50000/s and >= 0.80 | >= 0.80 |\n");
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
    if (!md.empty()) append_markdown(md, "\n" + out);
    d.terminate();
  } catch (const std::exception& e) {
    std::cerr << "bench_ingest: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
