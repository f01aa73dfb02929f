#include "harness.h"

#include "support/tempdir.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <mqtt/async_client.h>
#include <mutex>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace larder::bench {
namespace {

std::atomic<int> g_clients{0};

std::string unique_id(const std::string& prefix) {
  return prefix + "-" + std::to_string(getpid()) + "-" + std::to_string(++g_clients);
}

// Paho C buffers at most this many publishes that are not yet written (its default is
// 100; a publish beyond it fails at once with MQTTASYNC_MAX_BUFFERED_MESSAGES, -12).
constexpr int kMaxBuffered = 4000;

std::unique_ptr<mqtt::async_client> make_client(const std::string& url, const std::string& id) {
  mqtt::create_options create(MQTTVERSION_3_1_1, kMaxBuffered);
  return std::make_unique<mqtt::async_client>(url, id, create,
                                              static_cast<mqtt::iclient_persistence*>(nullptr));
}

void connect(mqtt::async_client& cli, int max_inflight) {
  mqtt::connect_options o;
  o.set_clean_session(true);
  o.set_mqtt_version(MQTTVERSION_3_1_1);
  o.set_keep_alive_interval(60);
  o.set_connect_timeout(5);
  o.set_max_inflight(max_inflight);
  try {
    if (!cli.connect(o)->wait_for(std::chrono::seconds(5))) throw std::runtime_error("timed out");
  } catch (const std::exception& e) {
    throw std::runtime_error("bench client " + cli.get_client_id() + ": connect to " +
                             cli.get_server_uri() + " failed: " + e.what());
  }
}

}  // namespace

std::string bench_config(int n, const std::string& extra) {
  std::string s = R"(mqtt:
  url: @MQTT_URL@
  client_id: larder-bench
state_dir: @STATE_DIR@
http:
  listen: 127.0.0.1:@HTTP_PORT@
  admin_token: bench-admin-token-0123456789
log_level: warn
consumables:
)";
  for (int i = 0; i < n; ++i) {
    s += "  " + consumable_id(i) + ":\n    unit: g\n    capacity: 1000\n    pack: {sku: SKU-" +
         std::to_string(i) + ", size: 500}\n";
  }
  return s + extra;
}

std::chrono::milliseconds start_larderd(LarderdProcess& d, const std::string& mqtt_url,
                                        std::chrono::milliseconds timeout) {
  auto end = std::chrono::steady_clock::now() + timeout;
  auto ready = d.start(timeout);
  Publisher probe(mqtt_url);
  while (metric(d.http_port(), "larder_messages_received_total", "kind=\"level\"") < 1) {
    if (std::chrono::steady_clock::now() > end) {
      throw std::runtime_error("larderd did not read the broker:\n" + d.log());
    }
    probe.publish_one(level_topic(0), level_payload(1000, epoch_now() - 2 * 365 * 86400.0), 1);
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  return ready;
}

// ---- Publisher -------------------------------------------------------------------------

struct Publisher::Impl : mqtt::iaction_listener {
  std::unique_ptr<mqtt::async_client> cli;
  int window = 64;
  std::mutex mu;
  std::condition_variable cv;
  long outstanding = 0;
  long done = 0;
  long failed = 0;

  void on_success(const mqtt::token&) override { finish(false); }
  void on_failure(const mqtt::token&) override { finish(true); }
  void finish(bool fail) {
    std::lock_guard<std::mutex> lock(mu);
    --outstanding;
    if (fail) {
      ++failed;
    } else {
      ++done;
    }
    cv.notify_all();
  }

  // Publishes one message once fewer than `limit` are outstanding.
  bool send(const Outgoing& m, int qos, long limit, std::chrono::steady_clock::time_point end) {
    {
      std::unique_lock<std::mutex> lock(mu);
      if (!cv.wait_until(lock, end, [&] { return outstanding < limit; })) return false;
      ++outstanding;
    }
    try {
      auto msg = mqtt::make_message(m.topic, m.payload, qos, false);
      cli->publish(msg, nullptr, *this);
    } catch (const std::exception&) {
      finish(true);
    }
    return true;
  }

  bool drain(std::chrono::steady_clock::time_point end) {
    std::unique_lock<std::mutex> lock(mu);
    return cv.wait_until(lock, end, [&] { return outstanding == 0; });
  }

  void reset() {
    std::lock_guard<std::mutex> lock(mu);
    done = 0;
    failed = 0;
  }

  // QoS 0: kMaxBuffered / 2 in flight (more does not publish faster: about 40,000 a
  // second from one Paho client on the 2-core development machine).
  long limit(int qos) const { return qos == 0 ? kMaxBuffered / 2 : window; }
};

Publisher::Publisher(const std::string& url, std::string client_id, int window)
    : impl_(std::make_unique<Impl>()) {
  impl_->window = std::max(1, window);
  impl_->cli = make_client(url, client_id.empty() ? unique_id("bench-pub") : client_id);
  connect(*impl_->cli, std::max(impl_->window, 10) + 10);
}

Publisher::~Publisher() {
  try {
    impl_->drain(std::chrono::steady_clock::now() + std::chrono::seconds(5));
    if (impl_->cli->is_connected()) impl_->cli->disconnect(0)->wait_for(std::chrono::seconds(2));
  } catch (...) {
  }
  impl_->cli.reset();
}

PublishResult Publisher::burst(const std::vector<Outgoing>& msgs, int qos,
                               std::chrono::milliseconds timeout) {
  impl_->reset();
  auto t0 = std::chrono::steady_clock::now();
  auto end = t0 + timeout;
  for (const auto& m : msgs) {
    if (!impl_->send(m, qos, impl_->limit(qos), end)) break;
  }
  impl_->drain(end);
  PublishResult r;
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::lock_guard<std::mutex> lock(impl_->mu);
  r.sent = impl_->done;
  r.failed = impl_->failed;
  return r;
}

PublishResult Publisher::paced(const std::vector<Outgoing>& msgs, int qos, double per_second,
                               double seconds) {
  impl_->reset();
  if (msgs.empty() || per_second <= 0) return {};
  auto t0 = std::chrono::steady_clock::now();
  auto end = t0 + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                      std::chrono::duration<double>(seconds + 30));
  long total = static_cast<long>(per_second * seconds);
  long i = 0;
  const auto slice = std::chrono::milliseconds(2);
  while (i < total) {
    auto now = std::chrono::steady_clock::now();
    double elapsed = std::chrono::duration<double>(now - t0).count();
    long due = std::min(total, static_cast<long>(elapsed * per_second) + 1);
    for (; i < due; ++i) {
      const auto& m = msgs[static_cast<std::size_t>(i) % msgs.size()];
      if (!impl_->send(m, qos, impl_->limit(qos), end)) break;
    }
    std::this_thread::sleep_for(slice);
  }
  impl_->drain(end);
  PublishResult r;
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::lock_guard<std::mutex> lock(impl_->mu);
  r.sent = impl_->done;
  r.failed = impl_->failed;
  return r;
}

FastBurst fast_burst(const std::string& url, int consumables, int count, double start_ts) {
  larder::test::TempDir dir;
  larder::test::ChildOptions o;
  char ts[32];
  std::snprintf(ts, sizeof ts, "%.3f", start_ts);
  o.argv = {std::filesystem::path(larder::test::self_exe()).parent_path() / "bench_fast_publisher",
            url, std::to_string(consumables), std::to_string(count), ts};
  o.stdout_path = dir.file("out");
  larder::test::ChildProcess pub(o);
  auto st = pub.wait(std::chrono::seconds(300));
  std::ifstream out(dir.file("out"));
  FastBurst f;
  std::chrono::steady_clock::rep first = 0;
  std::chrono::steady_clock::rep last = 0;
  if (!st || !st->success() || !(out >> f.sent >> f.failed >> first >> last)) {
    throw std::runtime_error("bench_fast_publisher failed (" +
                             (st ? st->describe() : std::string("timed out")) + ")");
  }
  f.t0 = std::chrono::steady_clock::time_point(std::chrono::steady_clock::duration(first));
  return f;
}

void Publisher::publish_one(const std::string& topic, const std::string& payload, int qos) {
  auto end = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  if (!impl_->send({topic, payload}, qos, impl_->limit(qos), end) || !impl_->drain(end)) {
    throw std::runtime_error("bench publisher: '" + topic + "' not completed within 10 s");
  }
}

// ---- CountingSubscriber ----------------------------------------------------------------

struct CountingSubscriber::Impl {
  std::unique_ptr<mqtt::async_client> cli;
  std::mutex mu;
  std::condition_variable cv;
  long count = 0;
  long wanted = -1;
  std::chrono::steady_clock::time_point reached{};
};

CountingSubscriber::CountingSubscriber(const std::string& url, const std::string& filter,
                                       int qos)
    : impl_(std::make_unique<Impl>()) {
  impl_->cli = make_client(url, unique_id("bench-sub"));
  Impl* p = impl_.get();
  impl_->cli->set_message_callback([p](const mqtt::const_message_ptr& m) {
    if (!m || m->is_retained()) return;
    std::lock_guard<std::mutex> lock(p->mu);
    ++p->count;
    if (p->wanted >= 0 && p->count >= p->wanted && p->reached == decltype(p->reached){}) {
      p->reached = std::chrono::steady_clock::now();
      p->cv.notify_all();
    }
  });
  connect(*impl_->cli, 65535);
  try {
    if (!impl_->cli->subscribe(filter, qos)->wait_for(std::chrono::seconds(5)))
      throw std::runtime_error("timed out");
  } catch (const std::exception& e) {
    throw std::runtime_error("bench subscriber: subscribe to '" + filter + "': " + e.what());
  }
}

CountingSubscriber::~CountingSubscriber() {
  try {
    if (impl_->cli->is_connected()) impl_->cli->disconnect(0)->wait_for(std::chrono::seconds(2));
  } catch (...) {
  }
  impl_->cli.reset();
}

long CountingSubscriber::count() const {
  std::lock_guard<std::mutex> lock(impl_->mu);
  return impl_->count;
}

void CountingSubscriber::reset() {
  std::lock_guard<std::mutex> lock(impl_->mu);
  impl_->count = 0;
  impl_->wanted = -1;
  impl_->reached = {};
}

std::chrono::steady_clock::time_point CountingSubscriber::wait_count(
    long n, std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> lock(impl_->mu);
  if (impl_->count >= n) return std::chrono::steady_clock::now();
  impl_->wanted = n;
  impl_->reached = {};
  impl_->cv.wait_for(lock, timeout, [&] { return impl_->count >= n; });
  auto at = impl_->reached;
  impl_->wanted = -1;
  return at;
}

// ---- /proc and /metrics ----------------------------------------------------------------

ProcStats proc_stats(pid_t pid) {
  ProcStats s;
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) s.rss_kib = std::atol(line.c_str() + 6);
    if (line.rfind("VmHWM:", 0) == 0) s.hwm_kib = std::atol(line.c_str() + 6);
  }
  std::ifstream rollup("/proc/" + std::to_string(pid) + "/smaps_rollup");
  while (std::getline(rollup, line)) {
    if (line.rfind("Private_Dirty:", 0) == 0) s.private_kib = std::atol(line.c_str() + 14);
  }
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string all((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
  auto close = all.rfind(')');  // the command name may hold spaces
  if (close == std::string::npos) return s;
  std::istringstream in(all.substr(close + 2));
  std::string field;
  unsigned long long utime = 0, stime = 0;
  // Fields after the name start at field 3 (state); utime is 14, stime 15.
  for (int f = 3; f <= 15 && (in >> field); ++f) {
    if (f == 14) utime = std::stoull(field);
    if (f == 15) stime = std::stoull(field);
  }
  s.cpu_s = static_cast<double>(utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
  return s;
}

double metric(std::uint16_t port, const std::string& name, const std::string& labels) {
  auto a = larder::test::http_request(port, "GET", "/metrics", {kAdminHeader});
  if (a.status != 200) {
    throw std::runtime_error("GET /metrics answered " + std::to_string(a.status) + ": " + a.body);
  }
  std::string key = labels.empty() ? name + " " : name + "{" + labels + "} ";
  std::istringstream in(a.body);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(key, 0) == 0) return std::stod(line.substr(key.size()));
  }
  return 0;
}

std::chrono::steady_clock::time_point wait_metric(std::uint16_t port, const std::string& name,
                                                  const std::string& labels, double target,
                                                  std::chrono::milliseconds timeout) {
  auto end = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < end) {
    if (metric(port, name, labels) >= target) return std::chrono::steady_clock::now();
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return {};
}

Progress wait_progress(const std::function<double()>& read, double target,
                       std::chrono::milliseconds stall, std::chrono::milliseconds timeout) {
  auto start = std::chrono::steady_clock::now();
  Progress p;
  p.value = read();
  p.at = start;
  while (p.value < target) {
    auto now = std::chrono::steady_clock::now();
    if (now - p.at > stall || now - start > timeout) return p;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    double v = read();
    if (v != p.value) {
      p.value = v;
      p.at = std::chrono::steady_clock::now();
    }
  }
  p.reached = true;
  return p;
}

std::optional<long> whole_arg(const std::string& text, long lo, long hi) {
  if (text.empty() || text.size() > 18 ||
      text.find_first_not_of("0123456789") != std::string::npos) {
    return std::nullopt;
  }
  long v = std::stol(text);
  if (v < lo || v > hi) return std::nullopt;
  return v;
}

std::optional<double> number_arg(const std::string& text, double lo, double hi) {
  if (text.empty() || text.find_first_not_of("0123456789.") != std::string::npos) {
    return std::nullopt;
  }
  char* end = nullptr;
  double v = std::strtod(text.c_str(), &end);
  if (end != text.c_str() + text.size() || !std::isfinite(v) || v < lo || v > hi) {
    return std::nullopt;
  }
  return v;
}

void append_markdown(const std::string& path, const std::string& text) {
  FILE* f = std::fopen(path.c_str(), "a");
  if (!f) throw std::runtime_error("cannot write " + path + ": " + std::strerror(errno));
  bool ok = std::fputs(text.c_str(), f) >= 0;
  ok = std::fclose(f) == 0 && ok;
  if (!ok) throw std::runtime_error("writing " + path + " failed: " + std::strerror(errno));
}

Stats stats(std::vector<double> v) {
  Stats s;
  if (v.empty()) return s;
  std::sort(v.begin(), v.end());
  auto at = [&](double p) {
    auto i = static_cast<std::size_t>(p * static_cast<double>(v.size() - 1) + 0.5);
    return v[std::min(i, v.size() - 1)];
  };
  // The median of an even count is the mean of the two middle values: the upper one alone
  // made the median of two rounds their best.
  const std::size_t n = v.size();
  s.median = n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
  // The 99th percentile by nearest rank: of fewer than 100 samples, it is the maximum.
  s.p99 = at(0.99);
  s.max = v.back();
  s.min = v.front();
  return s;
}

}  // namespace larder::bench
