// Push notifications end to end (docs/notifications.md): the real larderd and mosquitto, and
// a small HTTP receiver on a loopback port playing the ntfy server. An event reaches it as an
// ntfy POST with its headers (and as a signed webhook); with the receiver down the hub keeps serving, and the
// notification arrives once the receiver is back.
#include <doctest/doctest.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include <chrono>
#include <ctime>
#include <future>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "adapters/crypto/signature.h"
#include "adapters/http/http_server.h"
#include "larder/metrics.h"
#include "support/larderd.h"
#include "support/mosquitto.h"
#include "support/order_world.h"
#include "support/process.h"
#include "support/sandbox.h"
#include "support/test_client.h"

using namespace larder;
using namespace larder::test;
using namespace std::chrono_literals;

namespace {

constexpr const char* kToken = "tk_test_0123456789abcdef";
constexpr const char* kHookSecret = "hook-secret-0123456789abcdef";

// An HTTP server on its own thread that records every request and answers 200.
class Receiver {
 public:
  explicit Receiver(std::uint16_t port) : port_(port) {}
  ~Receiver() { stop(); }

  void start() {
    loop_ = std::make_unique<boost::asio::io_context>(1);
    HttpServerOptions options;
    options.host = "127.0.0.1";
    options.port = port_;
    server_ = std::make_unique<HttpServer>(*loop_, options,
                                           [this](const HttpRequest& r) {
                                             std::lock_guard<std::mutex> lock(mu_);
                                             requests_.push_back(r);
                                             return HttpResponse::json(200, R"({"id":"x"})");
                                           },
                                           metrics_);
    Status s = server_->start();
    REQUIRE_MESSAGE(s.ok(), s.message());
    thread_ = std::thread([this] { loop_->run(); });
  }

  void stop() {
    if (!thread_.joinable()) return;
    std::promise<void> stopped;
    boost::asio::post(*loop_, [&] {
      server_->stop();
      loop_->stop();
      stopped.set_value();
    });
    stopped.get_future().wait();
    thread_.join();
    server_.reset();
    loop_.reset();
  }

  std::vector<HttpRequest> requests() const {
    std::lock_guard<std::mutex> lock(mu_);
    return requests_;
  }

  std::optional<HttpRequest> wait_for_post(const std::string& path, std::chrono::milliseconds timeout) {
    std::optional<HttpRequest> found;
    wait_until([&] {
      for (const HttpRequest& r : requests()) {
        if (r.method == "POST" && r.path == path) {
          found = r;
          return true;
        }
      }
      return false;
    }, timeout);
    return found;
  }

 private:
  std::uint16_t port_;
  Metrics metrics_;
  std::unique_ptr<boost::asio::io_context> loop_;
  std::unique_ptr<HttpServer> server_;
  std::thread thread_;
  mutable std::mutex mu_;
  std::vector<HttpRequest> requests_;
};

std::string config_with_ntfy(std::uint16_t receiver_port) {
  return default_daemon_config() +
         "notify:\n"
         "  public_url: https://hub.example\n"
         "  ntfy:\n"
         "    url: http://127.0.0.1:" + std::to_string(receiver_port) + "/larder-test\n"
         "    token: " + kToken + "\n"
         "    priority: 2\n"
         "  events:\n"
         "    low_stock: [ntfy]\n"
         "  timeout_s: 2\n"
         "  retry_initial_s: 1\n"
         "  retry_max_s: 2\n";
}

}  // namespace

TEST_CASE("an event reaches the ntfy server as a POST with its headers, and the webhook signed") {
  MosquittoBroker broker;
  const std::uint16_t port = free_loopback_port();
  Receiver receiver(port);
  receiver.start();
  LarderdProcess daemon(broker.url());
  std::string config = config_with_ntfy(port);
  config.replace(config.find("    low_stock: [ntfy]\n"), 22, "    low_stock: [ntfy, webhook]\n");
  config += "  webhook:\n"
            "    url: http://127.0.0.1:" + std::to_string(port) + "/hooks/larder\n"
            "    secret: " + kHookSecret + "\n";
  daemon.set_config(config);
  daemon.start();
  wait_subscribed(daemon);
  TestClient w(broker.url());
  w.connect();
  w.subscribe("larder/v1/#");

  publish_low_coffee(w);
  // Every event still goes to MQTT as before.
  auto mqtt_event = w.wait_for("larder/v1/event", 30s, [](const Received& r) {
    return nlohmann::json::parse(r.payload, nullptr, false).value("kind", "") == "low_stock";
  });
  REQUIRE_MESSAGE(mqtt_event.has_value(), daemon.log());

  auto post = receiver.wait_for_post("/larder-test", 30s);
  REQUIRE_MESSAGE(post.has_value(), daemon.log());
  CHECK(post->header("title") == "Running low");
  CHECK(post->header("priority") == "2");
  CHECK(post->header("tags") == "shopping_cart,larder,low_stock");
  CHECK(post->header("click") == "https://hub.example/");
  CHECK(post->header("authorization") == std::string("Bearer ") + kToken);
  CHECK(post->header("content-type").rfind("text/plain", 0) == 0);
  CHECK(post->body.find("Running low: Coffee beans") == 0);

  auto hook = receiver.wait_for_post("/hooks/larder", 30s);
  REQUIRE_MESSAGE(hook.has_value(), daemon.log());
  CHECK(hook->header("content-type").rfind("application/json", 0) == 0);
  CHECK(verify_signature(kHookSecret, hook->body, hook->header("x-larder-signature")));
  CHECK(hook->header("authorization").empty());
  auto body = nlohmann::json::parse(hook->body);
  CHECK(body["kind"] == "low_stock");
  CHECK(body["title"] == "Running low");
  CHECK(body["consumable"] == "coffee");
  CHECK(body["click"] == "https://hub.example/");
  CHECK(body["actions"].empty());
  // The token and the secret never reach the log.
  CHECK(daemon.log().find(kToken) == std::string::npos);
  CHECK(daemon.log().find(kHookSecret) == std::string::npos);
  CHECK(daemon.terminate().code == 0);
}

TEST_CASE("with the ntfy server down the hub keeps serving, and delivers once it is back") {
  MosquittoBroker broker;
  const std::uint16_t port = free_loopback_port();
  Receiver receiver(port);  // not started: nothing listens on the port
  LarderdProcess daemon(broker.url());
  daemon.set_config(config_with_ntfy(port));
  daemon.start();
  wait_subscribed(daemon);
  TestClient w(broker.url());
  w.connect();
  w.subscribe("larder/v1/#");

  publish_low_coffee(w);
  REQUIRE_MESSAGE(w.wait_for("larder/v1/event", 30s, [](const Received& r) {
    return nlohmann::json::parse(r.payload, nullptr, false).value("kind", "") == "low_stock";
  }).has_value(), daemon.log());
  // The delivery fails and is retried (the log says so) ...
  REQUIRE_MESSAGE(wait_until([&] {
    return daemon.log().find("notify: ntfy: low_stock not delivered") != std::string::npos;
  }, 30s), daemon.log());
  // ... while the hub goes on: it answers HTTP and turns readings into state.
  HttpAnswer health = http_request(daemon.http_port(), "GET", "/healthz");
  CHECK(health.status == 200);
  w.clear();
  w.publish("larder/v1/consumable/coffee/level",
            nlohmann::json{{"value", 380}, {"unit", "g"}, {"ts", std::time(nullptr)}}.dump());
  CHECK(w.wait_for("larder/v1/consumable/coffee/state", 30s).has_value());
  HttpAnswer metrics = http_request(daemon.http_port(), "GET", "/metrics",
                                    {"Authorization: Bearer test-read-token-0123456789"});
  CHECK(metrics.status == 200);
  CHECK(metrics.body.find("larder_notify_failures_total{channel=\"ntfy\"}") != std::string::npos);

  // The server comes back: the held notification arrives, once.
  receiver.start();
  auto post = receiver.wait_for_post("/larder-test", 30s);
  REQUIRE_MESSAGE(post.has_value(), daemon.log());
  CHECK(post->header("title") == "Running low");
  CHECK(post->header("authorization") == std::string("Bearer ") + kToken);
  CHECK(wait_until([&] { return daemon.log().find("notify: ntfy: delivering again") != std::string::npos; },
                   10s));
  CHECK(daemon.log().find(kToken) == std::string::npos);
  CHECK(daemon.terminate().code == 0);
}

TEST_CASE("a question arrives with Confirm and Cancel links that work without a token") {
  MosquittoBroker broker;
  const std::uint16_t port = free_loopback_port();
  Receiver receiver(port);
  receiver.start();
  SandboxProcess sandbox;
  sandbox.start();
  LarderdProcess daemon(broker.url());
  // A budget below one pack: every order waits for the household's confirmation.
  daemon.set_config(orders_config(sandbox, "{sensor: 0, button: 0, api: 0}",
                                  "  monthly_budget: 1\n") +
                    "notify:\n"
                    "  public_url: https://hub.example\n"
                    "  ntfy: {url: \"http://127.0.0.1:" + std::to_string(port) + "/larder-test\"}\n"
                    "  events: {order_awaiting_confirmation: [ntfy]}\n");
  daemon.start();
  wait_subscribed(daemon);

  HttpAnswer placed = http_request(daemon.http_port(), "POST", "/api/v1/orders",
                                   {"Authorization: Bearer test-admin-token-0123456789",
                                    "Content-Type: application/json"},
                                   R"({"consumable":"coffee"})");
  REQUIRE_MESSAGE(placed.status == 201, placed.body);
  const std::string id = nlohmann::json::parse(placed.body)["order_id"];

  auto post = receiver.wait_for_post("/larder-test", 30s);
  REQUIRE_MESSAGE(post.has_value(), daemon.log());
  CHECK(post->header("title") == "Order needs your confirmation");
  const std::string actions = post->header("actions");
  INFO("Actions: " << actions);
  const nlohmann::json answers = nlohmann::json::parse(actions, nullptr, false);
  REQUIRE(answers.is_array());
  REQUIRE(answers.size() == 2);
  CHECK(answers[0]["label"] == "Confirm");
  CHECK(answers[0]["method"] == "POST");
  const std::string prefix = "https://hub.example/api/v1/orders/" + id + "/confirm/";
  const std::string confirm_url = answers[0]["url"];
  REQUIRE(confirm_url.rfind(prefix, 0) == 0);
  CHECK(answers[1]["label"] == "Cancel");
  CHECK(answers[1]["url"].get<std::string>().rfind(
            "https://hub.example/api/v1/orders/" + id + "/cancel/", 0) == 0);
  CHECK(actions.find("test-admin-token") == std::string::npos);
  const std::string code = confirm_url.substr(prefix.size());
  CHECK(code.size() == 64);

  const std::string path = "/api/v1/orders/" + id + "/confirm/";
  // A wrong code, or the confirm code used to cancel, does nothing.
  std::string wrong = code;
  wrong[0] = wrong[0] == 'a' ? 'b' : 'a';
  CHECK(http_request(daemon.http_port(), "POST", path + wrong).status == 403);
  CHECK(http_request(daemon.http_port(), "POST", "/api/v1/orders/" + id + "/cancel/" + code).status ==
        403);
  // The link itself, as the phone sends it: no token.
  HttpAnswer confirmed = http_request(daemon.http_port(), "POST", path + code);
  INFO(confirmed.body);
  CHECK(confirmed.status == 200);
  CHECK(nlohmann::json::parse(confirmed.body)["status"] != "awaiting_confirmation");
  // Used again (a second tap) it changes nothing: still the one order.
  CHECK(http_request(daemon.http_port(), "POST", path + code).status == 200);
  HttpAnswer list = http_request(daemon.http_port(), "GET", "/api/v1/orders",
                                 {"Authorization: Bearer test-read-token-0123456789"});
  REQUIRE(list.status == 200);
  CHECK(nlohmann::json::parse(list.body).size() == 1);
  CHECK(daemon.terminate().code == 0);
}
