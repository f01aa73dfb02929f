// A world for end-to-end tests of orders: mosquitto, the real larder-sandbox and larderd
// configured to order from it (sandbox_orders_test.cc, larderctl_orders_test.cc,
// voice_hermes_test.cc).
#pragma once

#include <chrono>
#include <ctime>
#include <string>
#include <utility>
#include <vector>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "support/larderd.h"
#include "support/mosquitto.h"
#include "support/process.h"
#include "support/sandbox.h"
#include "support/test_client.h"

namespace larder::test {

inline constexpr const char* kSecret = "callback-secret-for-tests";

// `orders_extra`: more keys of the orders section, each line indented by two spaces.
inline std::string orders_config(const SandboxProcess& sandbox, const std::string& windows,
                                 const std::string& orders_extra = "") {
  return default_daemon_config() + "retailer:\n  kind: sandbox\n  url: " + sandbox.url() +
         "\n  api_key: " + SandboxProcess::kApiKey + "\n  webhook_secret: " + kSecret +
         "\norders:\n  undo_window_s: " + windows +
         "\n  poll_interval_s: 10\n  request_timeout_s: 10\n" + orders_extra +
         "buttons:\n  coffee_button:\n    consumable: coffee\n    single: reorder\n"
         "    double: cancel\n    long: confirm\n";
}

inline std::string callback_url(const LarderdProcess& d) {
  return "http://127.0.0.1:" + std::to_string(d.http_port()) + "/api/v1/retailer/events";
}

// How many orders the sandbox holds.
inline std::size_t sandbox_orders(const SandboxProcess& s) { return s.orders()["orders"].size(); }

// larderd has subscribed (it logs the connect once every SUBACK came back).
inline void wait_subscribed(const LarderdProcess& d) {
  REQUIRE_MESSAGE(wait_until([&] {
    return d.log().find("connected to the MQTT broker") != std::string::npos;
  }, std::chrono::seconds(10)), d.log());
}

// Six days of coffee going at 150 g a day, ending at 50 g: low, with a forecast, so the
// model wants an order.
inline void publish_low_coffee(TestClient& c) {
  const double now = static_cast<double>(std::time(nullptr));
  const double start = now - 6 * 86400;
  for (double t = start; t <= now - 60; t += 1800) {
    const double level = 950 - 150 * (t - start) / 86400;
    c.publish("larder/v1/consumable/coffee/level",
              nlohmann::json{{"value", level}, {"unit", "g"}, {"ts", t}}.dump());
  }
}

// mosquitto, larder-sandbox (with `sandbox_args`; with `callbacks` it signs its status
// callbacks to this larderd), larderd on orders_config() with the undo `windows`, and `w`
// watching everything under larder/v1 once larderd has subscribed. `more_config`: further
// top-level sections of the configuration.
struct World {
  explicit World(const std::string& windows, std::vector<std::string> sandbox_args = {},
                 bool callbacks = false, const std::string& orders_extra = "",
                 const std::string& more_config = "")
      : daemon(broker.url()), sandbox(with_callbacks(std::move(sandbox_args), callbacks)) {
    sandbox.start();
    daemon.set_config(orders_config(sandbox, windows, orders_extra) + more_config);
    daemon.start();
    wait_subscribed(daemon);
    w.connect();
    w.subscribe("larder/v1/#");
  }
  std::vector<std::string> with_callbacks(std::vector<std::string> args, bool callbacks) const {
    if (callbacks) {
      args.insert(args.end(), {"--callback-url", callback_url(daemon), "--webhook-secret",
                               std::string(kSecret)});
    }
    return args;
  }
  MosquittoBroker broker;
  LarderdProcess daemon;
  SandboxProcess sandbox;
  TestClient w{broker.url()};
};

}  // namespace larder::test
