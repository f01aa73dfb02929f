// Larder against the same job in Node-RED (issue 9 item 2, docs/benchmarks.md): the same
// N consumables and the same burst of level readings to larderd and to Node-RED 4 running
// bench/nodered/flows.json (an EWMA rate and a retained days-left forecast per consumable),
// each on its own private broker, both running all along. The bursts go to the two in
// turns, R rounds (one burst's rate moves by a third between runs on a shared machine; in
// turns a slow minute hits both). Prints throughput (the median of the rounds, and the
// median of the rounds' ratios), CPU per reading and resident size side by side with the
// ratios and the targets; asserts nothing.
//   build/bench_vs_nodered [--consumables N] [--readings M] [--qos 0|1] [--rounds R]
//                          [--dir bench/nodered] [--md FILE]  (appends the table as markdown)
// Memory: RSS, and the private memory (Private_Dirty) without the shared libraries' pages.
// Completion: larderd's larder_messages_received_total{kind="level"} (counted after the
// reading is handled); Node-RED's forecasts, which carry how many readings they include and
// when the last one was processed.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "harness.h"
#include "nodered_runner.h"

namespace lb = larder::bench;
using namespace std::chrono_literals;

namespace {

struct Options {
  int consumables = 100;
  int readings = 50000;
  int qos = 1;
  int rounds = 3;       // bursts to each subject, in turns
  std::string dir = LARDER_SOURCE_DIR "/bench/nodered";
  std::string md;  // append the table to this markdown file
};

constexpr auto kSettle = 2s;  // before the idle figure, and after a burst (trailing work)

double mib(long kib) { return static_cast<double>(kib) / 1024.0; }

// What a subject exposes to the measurement.
struct Subject {
  const char* name = "";
  pid_t pid = 0;
  std::string url;                     // its broker
  std::function<double()> processed;   // readings handled so far (cumulative)
  // The end of the work from the last progress step: its steady time, and for a subject
  // that stamps its own completion, the epoch time (0: use the steady time).
  std::function<double()> finished_epoch;
};

// One burst to one subject.
struct Burst {
  double processed = 0;
  double seconds = 0;
  double cpu_s = 0;  // over the burst and the settling after it
  bool complete = false;
  double rate() const { return seconds > 0 ? processed / seconds : 0; }
};

Burst burst_to(const Subject& s, const std::vector<lb::Outgoing>& burst, double start_ts,
               const Options& o) {
  Burst b;
  lb::ProcStats before_stats = lb::proc_stats(s.pid);
  double before = s.processed();
  auto t0 = std::chrono::steady_clock::now();
  double e0 = lb::epoch_now();
  // QoS 0 from bench_fast_publisher (the same burst), QoS 1 from the harness's Publisher.
  lb::PublishResult sent;
  if (o.qos == 0) {
    lb::FastBurst fb =
        lb::fast_burst(s.url, o.consumables, static_cast<int>(burst.size()), start_ts);
    e0 += std::chrono::duration<double>(fb.t0 - t0).count();  // its start-up is not the run
    t0 = fb.t0;
    sent.sent = fb.sent;
    sent.failed = fb.failed;
    sent.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  } else {
    lb::Publisher pub(s.url);
    sent = pub.burst(burst, o.qos);
  }
  double target = before + static_cast<double>(sent.sent);
  lb::Progress p = lb::wait_progress(s.processed, target, 5s, 300s);
  b.complete = p.reached && sent.sent == static_cast<long>(burst.size());
  b.processed = p.value - before;
  double stamped = s.finished_epoch ? s.finished_epoch() : 0;
  b.seconds = stamped > 0 ? stamped - e0 : std::chrono::duration<double>(p.at - t0).count();
  std::this_thread::sleep_for(kSettle);
  b.cpu_s = lb::proc_stats(s.pid).cpu_s - before_stats.cpu_s;
  std::printf("  %-8s %.0f of %zu readings handled in %.2f s: %.0f/s (publisher: %.0f/s)%s\n",
              s.name, b.processed, burst.size(), b.seconds, b.rate(), sent.rate(),
              b.complete ? "" : "  ** INCOMPLETE **");
  return b;
}

// A subject's figures over all rounds.
struct Figures {
  double ready_ms = 0;
  double idle_rss_mib = 0, after_rss_mib = 0, peak_rss_mib = 0;
  double idle_private_mib = 0, after_private_mib = 0;
  std::vector<double> rates;
  double processed = 0, cpu_s = 0;
  bool complete = true;
  void idle(pid_t pid) {
    lb::ProcStats st = lb::proc_stats(pid);
    idle_rss_mib = mib(st.rss_kib);
    idle_private_mib = mib(st.private_kib);
  }
  void add(const Burst& b) {
    rates.push_back(b.rate());
    processed += b.processed;
    cpu_s += b.cpu_s;
    complete = complete && b.complete;
  }
  void after(pid_t pid) {
    lb::ProcStats st = lb::proc_stats(pid);
    after_rss_mib = mib(st.rss_kib);
    peak_rss_mib = mib(st.hwm_kib);
    after_private_mib = mib(st.private_kib);
  }
  double rate() const { return lb::stats(rates).median; }
  double cpu_us() const { return processed > 0 ? cpu_s * 1e6 / processed : 0; }
};

std::string machine() {
  char host[256] = "?";
  gethostname(host, sizeof host - 1);
  std::string cpu = "?";
  if (FILE* f = std::fopen("/proc/cpuinfo", "r")) {
    char line[512];
    while (std::fgets(line, sizeof line, f)) {
      std::string l = line;
      if (l.rfind("model name", 0) == 0) {
        cpu = l.substr(l.find(':') + 2);
        if (!cpu.empty() && cpu.back() == '\n') cpu.pop_back();
        break;
      }
    }
    std::fclose(f);
  }
  return cpu + ", " + std::to_string(sysconf(_SC_NPROCESSORS_ONLN)) + " cores";
}

// `ratio`: the one to print when it is not a / b (a median of ratios); < 0: a / b.
std::string row(const char* name, double a, double b, const char* fmt, const char* target,
                bool ok, double ratio = -1) {
  char fa[32], fb[32], line[200];
  std::snprintf(fa, sizeof fa, fmt, a);
  std::snprintf(fb, sizeof fb, fmt, b);
  if (ratio < 0) ratio = b > 0 ? a / b : 0.0;
  std::snprintf(line, sizeof line, "| %-26s | %12s | %12s | %8.3fx | %-7s | %-3s |\n", name, fa,
                fb, ratio, target, target[0] ? (ok ? "met" : "NOT") : "");
  return line;
}

bool parse(int argc, char** argv, Options& o) {
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (i + 1 >= argc) return false;
    std::string v = argv[++i];
    auto whole = [&v](int& into) {
      auto x = lb::whole_arg(v, 0, 1000000);
      into = x ? static_cast<int>(*x) : -1;  // refused below
    };
    if (a == "--consumables") {
      whole(o.consumables);
    } else if (a == "--readings") {
      whole(o.readings);
    } else if (a == "--qos") {
      whole(o.qos);
    } else if (a == "--rounds") {
      whole(o.rounds);
    } else if (a == "--dir") {
      o.dir = v;
    } else if (a == "--md") {
      o.md = v;
    } else {
      return false;
    }
  }
  return o.consumables > 0 && o.consumables <= 100000 && o.readings > 0 &&
         o.readings <= 90000 && (o.qos == 0 || o.qos == 1) && o.rounds >= 1 &&
         o.rounds <= 20;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  if (!parse(argc, argv, o)) {
    std::fprintf(stderr,
                 "usage: bench_vs_nodered [--consumables N (1..100000, 100)] "
                 "[--readings M (1..90000, 50000)] [--qos 0|1 (1)] [--rounds R (1..20, 3)] "
                 "[--dir bench/nodered] "
                 "[--md FILE]\n");
    return 2;
  }
  if (!lb::nodered_installed(o.dir)) {
    std::fprintf(stderr,
                 "bench_vs_nodered: Node-RED is not installed in %s; run "
                 "npm ci --prefix bench/nodered --no-audit --no-fund\n",
                 o.dir.c_str());
    return 3;
  }
  try {
    std::printf("bench_vs_nodered: %d consumables, %d rounds of a burst of %d level readings "
                "at QoS %d\n",
                o.consumables, o.rounds, o.readings, o.qos);
    std::printf("machine: %s\n", machine().c_str());
    // Each round's burst continues the history: readings 60 s apart per consumable.
    const int per = o.readings / o.consumables + 1;  // readings of one consumable
    const double span = 60.0 * per;
    double ts = lb::epoch_now() - span * o.rounds;

    lb::MosquittoBroker larderd_broker;
    lb::LarderdProcess larderd(larderd_broker.url(), lb::bench_config(o.consumables));
    Figures l, n;
    // Both to the same point, ready and connected: larderd's READY=1 comes before its
    // MQTT connection, Node-RED's figure is its first reading processed.
    const auto spawned = std::chrono::steady_clock::now();
    larderd.start(30s);
    // Its gauge, not its log: bench_config logs at warn, and "connected" is info.
    const auto connected =
        lb::wait_metric(larderd.http_port(), "larder_mqtt_connected", "", 1, 30s);
    if (connected == std::chrono::steady_clock::time_point{}) {
      throw std::runtime_error("larderd did not connect to the broker\n" + larderd.log());
    }
    l.ready_ms = std::chrono::duration<double, std::milli>(connected - spawned).count();
    std::uint16_t port = larderd.http_port();
    Subject ls{"larderd", larderd.pid(), larderd_broker.url(),
               [port] {
                 return lb::metric(port, "larder_messages_received_total", "kind=\"level\"");
               },
               {}};

    lb::MosquittoBroker nodered_broker;
    lb::NodeRedProcess nodered(o.dir, nodered_broker.url());
    n.ready_ms = static_cast<double>(nodered.start().count());
    lb::ForecastWatcher watch(nodered_broker.url(), "b");
    Subject ns{"Node-RED", nodered.pid(), nodered_broker.url(),
               [&watch] { return watch.readings(); },
               [&watch] { return watch.last_processed(); }};

    std::this_thread::sleep_for(kSettle);
    l.idle(ls.pid);
    n.idle(ns.pid);
    // The two take turns, the first of a round alternating: a slow minute of the shared
    // machine hits both, and the ratio is each round's.
    std::vector<double> ratios;
    for (int r = 0; r < o.rounds; ++r) {
      std::printf("round %d:\n", r + 1);
      auto burst = lb::level_burst(o.consumables, o.readings, ts);
      Burst lb_, nb;
      if (r % 2 == 0) {
        lb_ = burst_to(ls, burst, ts, o);
        nb = burst_to(ns, burst, ts, o);
      } else {
        nb = burst_to(ns, burst, ts, o);
        lb_ = burst_to(ls, burst, ts, o);
      }
      l.add(lb_);
      n.add(nb);
      ratios.push_back(nb.rate() > 0 ? lb_.rate() / nb.rate() : 0);
      ts += span;
    }
    l.after(ls.pid);
    n.after(ns.pid);
    double rejected = lb::metric(port, "larder_messages_rejected_total", "");
    if (rejected > 0) std::printf("  larderd rejected %.0f messages\n", rejected);
    std::printf("  Node-RED: forecasts from %ld consumables; b0: %s\n", watch.consumables(),
                watch.payload("b0").c_str());
    lb::Stats rs = lb::stats(ratios);
    char head[800];
    std::snprintf(head, sizeof head,
                  "%d consumables, %d rounds of the same burst of %d level readings at QoS %d "
                  "to each in turns (larderd %s, Node-RED %s); throughput: the median of the "
                  "rounds, its ratio the median of the rounds' ratios (%.2fx - %.2fx); CPU over "
                  "all rounds; memory idle before the first and after the last round\n\n| %-26s | %12s | %12s | %9s | %-7s | %-3s |\n"
                  "|---|--:|--:|--:|---|---|\n",
                  o.consumables, o.rounds, o.readings, o.qos,
                  l.complete ? "complete" : "INCOMPLETE", n.complete ? "complete" : "INCOMPLETE",
                  rs.min, rs.max, "figure", "larderd", "Node-RED",
                  "ratio", "target", "");
    std::string out = head;
    out += row("start to ready and connected (ms)", l.ready_ms, n.ready_ms, "%.0f", "", true);
    out += row("throughput (readings/s)", l.rate(), n.rate(), "%.0f", ">= 3x", rs.median >= 3,
               rs.median);
    out += row("CPU per reading (us)", l.cpu_us(), n.cpu_us(), "%.1f", "", true);
    out += row("RSS idle (MiB)", l.idle_rss_mib, n.idle_rss_mib, "%.1f", "<= 0.1x",
               l.idle_rss_mib <= 0.1 * n.idle_rss_mib);
    out += row("RSS after burst (MiB)", l.after_rss_mib, n.after_rss_mib, "%.1f", "<= 0.1x",
               l.after_rss_mib <= 0.1 * n.after_rss_mib);
    out += row("peak RSS (MiB)", l.peak_rss_mib, n.peak_rss_mib, "%.1f", "", true);
    out += row("private memory idle (MiB)", l.idle_private_mib, n.idle_private_mib, "%.1f",
               "<= 0.1x", l.idle_private_mib <= 0.1 * n.idle_private_mib);
    out += row("private after burst (MiB)", l.after_private_mib, n.after_private_mib, "%.1f",
               "<= 0.1x", l.after_private_mib <= 0.1 * n.after_private_mib);
    std::printf("\n%s", out.c_str());
    if (!o.md.empty()) {
      FILE* f = std::fopen(o.md.c_str(), "a");
      if (!f) throw std::runtime_error("cannot append to " + o.md);
      std::fputs(out.c_str(), f);
      std::fclose(f);
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_vs_nodered: %s\n", e.what());
    return 1;
  }
  return 0;
}
