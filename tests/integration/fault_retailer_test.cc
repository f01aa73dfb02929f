// Fault: the retailer (the real larder-sandbox) down, slow, or failing with 5xx for a
// while. The order waits, retried with its one idempotency key, and then goes through
// exactly once, counted at the sandbox (docs/faults.md).
#include <doctest/doctest.h>

#include <chrono>
#include <string>
#include <thread>

#include <nlohmann/json.hpp>

#include "support/fault_rig.h"
#include "support/larderd.h"
#include "support/mosquitto.h"
#include "support/order_world.h"
#include "support/sandbox.h"

using namespace larder::test;
using namespace std::chrono_literals;
using nlohmann::json;

namespace {

// larderd ordering from `sandbox` at once (no undo window), retrying fast (0.2 s to 1 s),
// giving up on an answer after 5 s (the shortest the configuration allows).
struct RetailerRig {
  explicit RetailerRig(std::vector<std::string> sandbox_args = {})
      : daemon(broker.url()), sandbox(std::move(sandbox_args)) {
    sandbox.start();
    daemon.set_config(fault_config() + "retailer:\n  kind: sandbox\n  url: " + sandbox.url() +
                      "\n  api_key: " + SandboxProcess::kApiKey +
                      "\norders:\n  undo_window_s: {api: 0}\n"
                      "  retry: {initial_s: 0.2, max_s: 1}\n"
                      "  request_timeout_s: 5\n  poll_interval_s: 3600\n");
    daemon.start();
  }
  // POST /api/v1/orders for one extra pack of coffee; the order's id.
  std::string order() {
    HttpAnswer a = http_request(daemon.http_port(), "POST", "/api/v1/orders",
                                {kFaultAdmin, "Content-Type: application/json"},
                                R"({"consumable":"coffee","additional":true})");
    REQUIRE_MESSAGE(a.status == 201, a.body);
    return json::parse(a.body)["order_id"].get<std::string>();
  }
  std::string status(const std::string& id) {
    HttpAnswer a = http_request(daemon.http_port(), "GET", "/api/v1/orders", {kFaultRead});
    REQUIRE(a.status == 200);
    for (const auto& o : json::parse(a.body)) {
      if (o["order_id"] == id) return o["status"].get<std::string>();
    }
    return "";
  }
  bool placed(const std::string& id) { return status(id) == "placed"; }

  MosquittoBroker broker;
  LarderdProcess daemon;
  SandboxProcess sandbox;
};

// The sandbox holds exactly one order, asked for `presented` times under one key.
void check_exactly_once(const SandboxProcess& s, int min_presented) {
  // A late retry would show within a few retry intervals.
  std::this_thread::sleep_for(1500ms);
  json orders = s.orders()["orders"];
  REQUIRE(orders.size() == 1);
  MESSAGE("placements asked under the order's key: ", orders[0]["presented"]);
  CHECK(orders[0]["presented"].get<int>() >= min_presented);
}

}  // namespace

TEST_CASE("the retailer down for a while: the order waits, then is placed once") {
  RetailerRig rig;
  const std::string port = std::to_string(rig.sandbox.port());
  rig.sandbox.kill();  // connection refused from now on
  const std::string id = rig.order();
  // Several retries fail meanwhile; the order stays in the air.
  const std::string failed = "orders: quote for " + id + " failed";
  REQUIRE_MESSAGE(wait_until([&] {
    const std::string log = rig.daemon.log();
    const auto first = log.find(failed);
    return first != std::string::npos && log.find(failed, first + 1) != std::string::npos;
  }, 20s), rig.daemon.log());
  const std::string waiting = rig.status(id);
  CHECK((waiting == "held" || waiting == "placing"));
  // The retailer comes back on the same address (with none of the old one's orders).
  SandboxProcess back({"--listen", "127.0.0.1:" + port});
  back.start();
  REQUIRE_MESSAGE(wait_until([&] { return rig.placed(id); }, 30s), rig.daemon.log());
  check_exactly_once(back, 1);
  CHECK(rig.daemon.terminate().success());
}

TEST_CASE("the retailer failing with 5xx for a while: the order is placed once") {
  RetailerRig rig;
  // Quotes refused three times; placements refused three times, then twice carried out
  // with the answer lost (502): the order exists at the retailer, the hub does not know.
  rig.sandbox.add_faults(json{{"faults", json::array({
      {{"kind", "error"}, {"status", 503}, {"route", "quotes"}, {"count", 3}},
      {{"kind", "error"}, {"status", 500}, {"route", "orders"}, {"count", 3}},
      {{"kind", "error"}, {"status", 502}, {"route", "orders"}, {"after", true}, {"count", 2}},
  })}});
  const std::string id = rig.order();
  REQUIRE_MESSAGE(wait_until([&] { return rig.placed(id); }, 30s), rig.daemon.log());
  check_exactly_once(rig.sandbox, 6);
  CHECK(rig.sandbox.request("GET", "/sandbox/faults").body.find("\"scripted\":[]") !=
        std::string::npos);
  CHECK(rig.daemon.terminate().success());
}

TEST_CASE("the retailer too slow to answer: the hub gives up, asks again, places once") {
  RetailerRig rig;
  // The first placement is carried out but answered after 6 s, past the hub's 5 s; the
  // next one is slow (1.5 s) and answered.
  rig.sandbox.add_faults(json{{"faults", json::array({
      {{"kind", "hang"}, {"delay_ms", 6000}, {"route", "orders"}, {"after", true}},
      {{"kind", "slow"}, {"delay_ms", 1500}, {"route", "orders"}},
  })}});
  const std::string id = rig.order();
  REQUIRE_MESSAGE(wait_until([&] { return rig.placed(id); }, 40s), rig.daemon.log());
  check_exactly_once(rig.sandbox, 2);
  CHECK(rig.daemon.terminate().success());
}

TEST_CASE("a cancel while the retailer is asked answers 202 with cancel_requested") {
  RetailerRig rig;
  const std::string id = rig.order();
  REQUIRE_MESSAGE(wait_until([&] { return rig.placed(id); }, 20s), rig.daemon.log());
  // The hub cannot end a placed order itself: it asks the retailer and answers at once.
  HttpAnswer a =
      http_request(rig.daemon.http_port(), "POST", "/api/v1/orders/" + id + "/cancel",
                   {kFaultAdmin});
  INFO(a.body);
  REQUIRE(a.status == 202);
  json pending = json::parse(a.body);
  CHECK(pending["status"] == "placed");
  CHECK(pending["cancel_requested"] == true);
  REQUIRE_MESSAGE(wait_until([&] { return rig.status(id) == "cancelled"; }, 20s),
                  rig.daemon.log());
  HttpAnswer done = http_request(rig.daemon.http_port(), "GET", "/api/v1/orders/" + id,
                                 {kFaultRead});
  REQUIRE(done.status == 200);
  CHECK_FALSE(json::parse(done.body).contains("cancel_requested"));
  CHECK(rig.daemon.terminate().success());
}
