#include "nodered_runner.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <map>
#include <mqtt/async_client.h>
#include <mutex>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "harness.h"

namespace larder::bench {
namespace {

// The number after "\"key\":" in a flat JSON object (0 when absent).
double json_number(const std::string& s, const std::string& key) {
  auto at = s.find("\"" + key + "\":");
  if (at == std::string::npos) return 0;
  return std::strtod(s.c_str() + at + key.size() + 3, nullptr);
}

std::string read_all(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

}  // namespace

bool nodered_installed(const std::string& dir) {
  return access((dir + "/node_modules/node-red/red.js").c_str(), R_OK) == 0 &&
         access((dir + "/flows.json").c_str(), R_OK) == 0 &&
         access((dir + "/settings.js").c_str(), R_OK) == 0;
}

// ---- ForecastWatcher -------------------------------------------------------------------

struct ForecastWatcher::Impl {
  std::string prefix;
  std::unique_ptr<mqtt::async_client> cli;
  mutable std::mutex mu;
  std::map<std::string, std::string> latest;  // id -> payload
  double readings = 0;
  double last_ms = 0;
};

ForecastWatcher::ForecastWatcher(const std::string& broker_url, std::string prefix)
    : impl_(std::make_unique<Impl>()) {
  impl_->prefix = std::move(prefix);
  mqtt::create_options create(MQTTVERSION_3_1_1);
  impl_->cli = std::make_unique<mqtt::async_client>(
      broker_url, "bench-nr-watch-" + std::to_string(getpid()), create,
      static_cast<mqtt::iclient_persistence*>(nullptr));
  Impl* p = impl_.get();
  impl_->cli->set_message_callback([p](mqtt::const_message_ptr m) {
    if (!m) return;
    // nodered/v1/consumable/<id>/forecast
    const std::string& t = m->get_topic();
    const std::string head = "nodered/v1/consumable/";
    auto end = t.rfind("/forecast");
    if (t.compare(0, head.size(), head) != 0 || end == std::string::npos || end < head.size())
      return;
    std::string id = t.substr(head.size(), end - head.size());
    if (id.compare(0, p->prefix.size(), p->prefix) != 0) return;
    std::string payload = m->to_string();
    std::lock_guard<std::mutex> lock(p->mu);
    std::string& old = p->latest[id];
    p->readings += json_number(payload, "readings") - json_number(old, "readings");
    p->last_ms = std::max(p->last_ms, json_number(payload, "processed_ms"));
    old = std::move(payload);
  });
  mqtt::connect_options o;
  o.set_clean_session(true);
  o.set_mqtt_version(MQTTVERSION_3_1_1);
  o.set_connect_timeout(5);
  try {
    if (!impl_->cli->connect(o)->wait_for(std::chrono::seconds(5)) ||
        !impl_->cli->subscribe(kNodeRedForecasts, 1)->wait_for(std::chrono::seconds(5)))
      throw std::runtime_error("timed out");
  } catch (const std::exception& e) {
    throw std::runtime_error("forecast watcher on " + broker_url + ": " + e.what());
  }
}

ForecastWatcher::~ForecastWatcher() {
  try {
    if (impl_->cli->is_connected()) impl_->cli->disconnect(0)->wait_for(std::chrono::seconds(2));
  } catch (...) {
  }
}

double ForecastWatcher::readings() const {
  std::lock_guard<std::mutex> lock(impl_->mu);
  return impl_->readings;
}

double ForecastWatcher::last_processed() const {
  std::lock_guard<std::mutex> lock(impl_->mu);
  return impl_->last_ms / 1000.0;
}

long ForecastWatcher::consumables() const {
  std::lock_guard<std::mutex> lock(impl_->mu);
  return static_cast<long>(impl_->latest.size());
}

std::string ForecastWatcher::payload(const std::string& id) const {
  std::lock_guard<std::mutex> lock(impl_->mu);
  auto it = impl_->latest.find(id);
  return it == impl_->latest.end() ? std::string() : it->second;
}

// ---- NodeRedProcess --------------------------------------------------------------------

NodeRedProcess::NodeRedProcess(std::string dir, std::string broker_url)
    : dir_(std::move(dir)), broker_url_(std::move(broker_url)), tmp_("larder-nodered-") {}

NodeRedProcess::~NodeRedProcess() { terminate(); }

std::string NodeRedProcess::log() const { return read_all(tmp_.file("node-red.log")); }

void NodeRedProcess::terminate() {
  if (child_.pid() != 0 && !child_.status()) child_.terminate(std::chrono::seconds(10));
}

std::chrono::milliseconds NodeRedProcess::start(std::chrono::milliseconds timeout) {
  if (!nodered_installed(dir_)) {
    throw std::runtime_error("Node-RED is not installed in " + dir_ +
                             " (run: npm ci --prefix bench/nodered --no-audit --no-fund)");
  }
  auto t0 = std::chrono::steady_clock::now();
  const double t0_epoch = std::chrono::duration<double>(
                              std::chrono::system_clock::now().time_since_epoch())
                              .count();
  larder::test::ChildOptions o;
  o.argv = {"node", dir_ + "/node_modules/node-red/red.js", "--settings", dir_ + "/settings.js"};
  o.env = {{"LARDER_NR_BROKER_URL", broker_url_}, {"LARDER_NR_USER_DIR", tmp_.path()}};
  o.stdout_path = o.stderr_path = tmp_.file("node-red.log");
  o.cwd = tmp_.path();
  child_ = larder::test::ChildProcess(o);

  ForecastWatcher watch(broker_url_, "nrprobe");
  Publisher pub(broker_url_);
  auto end = t0 + timeout;
  while (std::chrono::steady_clock::now() < end) {
    if (!child_.running()) {
      throw std::runtime_error("node-red exited (" + child_.status()->describe() + ")\n" + log());
    }
    pub.publish_one("larder/v1/consumable/nrprobe/level", level_payload(500), 1);
    if (larder::test::wait_until([&] { return watch.readings() > 0; },
                                 std::chrono::milliseconds(250))) {
      // Ready when it processed the probe (the forecast's processed_ms), not when the
      // forecast came out: the flow holds each forecast back for LARDER_NR_FORECAST_MS
      // (1 s), a rate limit that is no part of starting.
      const double processed = watch.last_processed();
      if (processed > t0_epoch) {
        return std::chrono::milliseconds(
            static_cast<long long>(std::llround((processed - t0_epoch) * 1000)));
      }
      return std::chrono::duration_cast<std::chrono::milliseconds>(
          std::chrono::steady_clock::now() - t0);
    }
  }
  throw std::runtime_error("node-red did not answer within " +
                           std::to_string(timeout.count()) + " ms\n" + log());
}

}  // namespace larder::bench
