// Exactly once, whatever crashes: larderd is killed with SIGKILL at random moments while it
// places orders, many times over, with a retailer that loses some of its answers; after
// each restart the hub finishes what it had committed. In the end every order the hub
// knows was placed at the sandbox exactly once, and the sandbox holds no order the hub
// does not know.
#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <random>
#include <set>
#include <string>
#include <thread>

#include <nlohmann/json.hpp>

#include "support/larderd.h"
#include "support/mosquitto.h"
#include "support/sandbox.h"

using namespace larder::test;
using namespace std::chrono_literals;
using nlohmann::json;

namespace {

constexpr const char* kAdmin = "Authorization: Bearer test-admin-token-0123456789";

json orders_of(const LarderdProcess& d) {
  HttpAnswer a = http_request(d.http_port(), "GET", "/api/v1/orders", {kAdmin});
  REQUIRE(a.status == 200);
  return json::parse(a.body);
}

// Every order the hub holds has reached `placed` (the retailer has it).
bool all_placed(const LarderdProcess& d) {
  for (const auto& o : orders_of(d)) {
    if (o["status"] != "placed") return false;
  }
  return true;
}

}  // namespace

TEST_CASE("SIGKILL during placement, many times: every order reaches the retailer exactly once") {
  MosquittoBroker broker;
  // A fifth of the answers to placements are lost after the order was made: the hub must
  // ask again with the same key and get the same order.
  SandboxProcess sandbox({"--lost-answer-rate", "0.2", "--seed", "7"});
  sandbox.start();
  LarderdProcess daemon(broker.url());
  daemon.set_config(default_daemon_config() + "retailer:\n  kind: sandbox\n  url: " +
                    sandbox.url() + "\n  api_key: " + SandboxProcess::kApiKey +
                    "\norders:\n  undo_window_s: {api: 0}\n  retry: {initial_s: 0.05, max_s: 0.2}\n"
                    "  request_timeout_s: 5\n  poll_interval_s: 3600\n");
  std::mt19937 rng(20261130);
  std::uniform_int_distribution<int> delay_us(0, 30000);
  constexpr int kRounds = 40;
  int answered = 0;
  for (int round = 0; round < kRounds; ++round) {
    CAPTURE(round);
    daemon.start();
    // What the last life committed is finished by this one.
    REQUIRE_MESSAGE(wait_until([&] { return all_placed(daemon); }, 20s), daemon.log());
    std::atomic<bool> got{false};
    std::thread client([&] {
      try {
        HttpAnswer a = http_request(daemon.http_port(), "POST", "/api/v1/orders",
                                    {kAdmin, "Content-Type: application/json"},
                                    R"({"consumable":"coffee","additional":true})");
        got = a.status == 201;
      } catch (const std::exception&) {
        // killed before it answered
      }
    });
    std::this_thread::sleep_for(std::chrono::microseconds(delay_us(rng)));
    daemon.kill();
    client.join();
    answered += got ? 1 : 0;
  }
  daemon.start();
  REQUIRE_MESSAGE(wait_until([&] { return all_placed(daemon); }, 20s), daemon.log());
  json hub = orders_of(daemon);
  json placed = sandbox.orders()["orders"];
  MESSAGE("rounds: ", kRounds, ", answered 201: ", answered, ", orders the hub committed: ",
          hub.size(), ", orders at the sandbox: ", placed.size());
  // Every answered order was committed; an order killed before its commit never existed.
  CHECK(hub.size() >= static_cast<std::size_t>(answered));
  CHECK(hub.size() <= static_cast<std::size_t>(kRounds));
  // Exactly once: one retailer order per hub order, one key each.
  CHECK(placed.size() == hub.size());
  std::set<std::string> keys;
  int retried = 0;  // keys presented more than once: a lost answer or a restart in between
  for (const auto& o : placed) {
    keys.insert(o["idempotency_key"].get<std::string>());
    retried += o["presented"].get<int>() > 1 ? 1 : 0;
  }
  MESSAGE("orders whose placement was asked more than once (same key): ", retried);
  CHECK(retried > 0);  // the faults and kills did hit placements
  CHECK(keys.size() == placed.size());
  CHECK(daemon.terminate().success());
}
