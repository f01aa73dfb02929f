// Benchmark: a button press, published to the broker, to the order accepted by the
// retailer (issue 5's figure). The real mosquitto, larderd and larder-sandbox on loopback;
// the button's undo window is zero. Each round: publish the press (QoS 1), wait for the
// order's `placed` state on MQTT, cancel it through the API (so the next press is a new
// order, not the one in flight), wait for `cancelled`, let 200 ms pass. The latency is the sandbox's
// `placed_at` (its clock is this machine's) minus the time the press was published; the
// second column adds the way back (the `placed` state seen by an MQTT client).
//
// Two runs side by side: mosquitto with its default (Nagle's algorithm on its sockets) and
// with `set_tcp_nodelay true`, which docs/orders.md recommends: on a quiet link a small
// message can otherwise wait for the peer's delayed ACK (about 40 ms on Linux).
//
// Usage: bench_order_latency [ROUNDS]   (default 200 per run; the first 10 are a warm-up)
// It prints figures and asserts nothing.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "harness.h"
#include "support/larderd.h"
#include "support/mosquitto.h"
#include "support/process.h"
#include "support/sandbox.h"
#include "support/test_client.h"

using namespace larder::test;
using namespace std::chrono_literals;
using nlohmann::json;

namespace {

constexpr const char* kAdmin = "Authorization: Bearer test-admin-token-0123456789";
constexpr int kWarmup = 10;

double epoch_now() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

double percentile(std::vector<double> v, double p) {
  std::sort(v.begin(), v.end());
  if (v.empty()) return 0;
  std::size_t i = static_cast<std::size_t>(p * static_cast<double>(v.size() - 1) + 0.5);
  return v[std::min(i, v.size() - 1)];
}

// The state of an order not seen before reaching `status`; its id, or "" after 10 s.
std::string wait_state(TestClient& w, const std::string& status, const std::set<std::string>& seen) {
  std::string found;
  w.wait_until(
      [&](const std::vector<Received>& all) {
        for (const auto& r : all) {
          if (r.topic.rfind("larder/v1/order/", 0) != 0) continue;
          auto j = json::parse(r.payload, nullptr, false);
          if (j.is_object() && j["status"] == status && !seen.count(j["order_id"])) {
            found = j["order_id"];
            return true;
          }
        }
        return false;
      },
      10s);
  return found;
}

struct Figures {
  std::vector<double> to_sandbox;  // ms
  std::vector<double> round_trip;  // ms
};

Figures run(int rounds, bool nodelay) {
  BrokerOptions bo;
  if (nodelay) bo.extra_config = {"set_tcp_nodelay true"};
  MosquittoBroker broker(bo);
  SandboxProcess sandbox({"--quote-ttl", "3600"});
  sandbox.start();
  LarderdProcess daemon(broker.url());
  daemon.set_config(default_daemon_config() + "retailer:\n  kind: sandbox\n  url: " +
                    sandbox.url() + "\n  api_key: " + SandboxProcess::kApiKey +
                    "\norders:\n  undo_window_s: {button: 0}\n  poll_interval_s: 3600\n"
                    "buttons:\n  coffee_button:\n    consumable: coffee\n    single: reorder\n");
  daemon.start();
  if (!wait_until([&] {
        return daemon.log().find("connected to the MQTT broker") != std::string::npos;
      }, 10s)) {
    throw std::runtime_error("larderd did not subscribe:\n" + daemon.log());
  }
  TestClient w(broker.url());
  w.connect();
  w.subscribe("larder/v1/order/+/state", 1, /*retained_wanted=*/false);
  TestClient button(broker.url());
  button.connect();

  std::vector<double> pressed;
  std::vector<double> seen_placed;
  std::set<std::string> done;
  for (int i = 0; i < rounds; ++i) {
    w.clear();
    // A real press comes at a random moment, not within milliseconds of the hub's last
    // message: let the previous round's traffic settle (delayed ACKs included).
    std::this_thread::sleep_for(200ms);
    double t0 = epoch_now();
    button.publish("larder/v1/button/coffee_button/press", R"({"action":"single"})");
    std::string id = wait_state(w, "placed", done);
    double t1 = epoch_now();
    if (id.empty()) throw std::runtime_error("no order was placed:\n" + daemon.log());
    pressed.push_back(t0);
    seen_placed.push_back(t1 - t0);
    HttpAnswer c = http_request(daemon.http_port(), "POST", "/api/v1/orders/" + id + "/cancel",
                                {kAdmin});
    if (c.status != 200 && c.status != 202) throw std::runtime_error("cancel: " + c.body);
    if (wait_state(w, "cancelled", done) != id) throw std::runtime_error("not cancelled");
    done.insert(id);
  }
  json orders = sandbox.orders()["orders"];
  if (orders.size() != static_cast<std::size_t>(rounds)) {
    throw std::runtime_error("the sandbox holds " + std::to_string(orders.size()) +
                             " orders, expected " + std::to_string(rounds));
  }
  Figures f;
  for (int i = kWarmup; i < rounds; ++i) {
    f.to_sandbox.push_back((orders[i]["placed_at"].get<double>() - pressed[i]) * 1000);
    f.round_trip.push_back(seen_placed[i] * 1000);
  }
  daemon.terminate();
  return f;
}

void row(const char* name, const std::vector<double>& v) {
  std::printf("%-48s %10.1f %10.1f %10.1f\n", name, percentile(v, 0.5), percentile(v, 0.99),
              *std::max_element(v.begin(), v.end()));
}

}  // namespace

int main(int argc, char** argv) {
  auto rounds_arg = argc > 1 ? larder::bench::whole_arg(argv[1], kWarmup + 1, 100000)
                             : std::optional<long>(200);
  if (argc > 2 || !rounds_arg) {
    std::cerr << "usage: bench_order_latency [ROUNDS " << kWarmup + 1 << "..100000]\n";
    return 2;
  }
  int rounds = static_cast<int>(*rounds_arg);
  try {
    Figures plain = run(rounds, false);
    Figures nodelay = run(rounds, true);
    std::printf("button press -> order accepted by larder-sandbox (undo window 0), %d presses a run\n",
                rounds - kWarmup);
    std::printf("%-48s %10s %10s %10s\n", "", "median ms", "p99 ms", "max ms");
    row("press -> sandbox placed_at (broker default)", plain.to_sandbox);
    row("press -> sandbox placed_at (set_tcp_nodelay)", nodelay.to_sandbox);
    row("press -> `placed` on MQTT (broker default)", plain.round_trip);
    row("press -> `placed` on MQTT (set_tcp_nodelay)", nodelay.round_trip);
    std::printf("target: median < 20 ms, p99 < 50 ms (press -> sandbox, undo window 0)\n");
  } catch (const std::exception& e) {
    std::cerr << "bench_order_latency: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
