// larder-sandbox end to end: the real binary as a child process, spoken to over HTTP as
// the hub's retailer adapter will (shared/contract/retailer-v1.md), with a callback
// receiver built on the hub's own HTTP server.
#include <doctest/doctest.h>

#include <openssl/hmac.h>

#include <csignal>
#include <cstdlib>
#include <mutex>
#include <optional>
#include <thread>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <nlohmann/json.hpp>

#include "adapters/http/http_server.h"
#include "larder/metrics.h"
#include "support/larderd.h"
#include "support/sandbox.h"

using namespace larder;
using namespace larder::test;
using nlohmann::json;
using namespace std::chrono_literals;

namespace {

const char* kKey1 = "5f0c2a9e-1b7d-4e38-9c61-2d8a7f3b4e01";
const char* kKey2 = "5f0c2a9e-1b7d-4e38-9c61-2d8a7f3b4e02";
const char* kSecret = "webhook-secret-for-tests";

std::string hmac_hex(const std::string& key, const std::string& body) {
  unsigned char mac[32];
  unsigned int len = sizeof mac;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(body.data()), body.size(), mac, &len);
  std::string hex;
  char buf[3];
  for (unsigned int i = 0; i < len; ++i) {
    std::snprintf(buf, sizeof buf, "%02x", mac[i]);
    hex += buf;
  }
  return hex;
}

// Runs larder-sandbox with `args` to its end; its exit status and stderr.
std::pair<ExitStatus, std::string> run_sandbox(std::vector<std::string> args) {
  TempDir dir("larder-sandbox-args-");
  ChildOptions opts;
  opts.argv = {LARDER_SANDBOX_PATH};
  opts.argv.insert(opts.argv.end(), args.begin(), args.end());
  opts.stdout_path = opts.stderr_path = dir.file("out");
  ChildProcess child(opts);
  auto status = child.wait(10s);
  if (!status) {
    child.kill();
    FAIL("larder-sandbox did not exit");
  }
  return {*status, read_file(dir.file("out"))};
}

json parse(const HttpAnswer& a) {
  auto j = json::parse(a.body, nullptr, false);
  REQUIRE_MESSAGE(!j.is_discarded(), "not JSON: " << a.status << " " << a.body);
  return j;
}

json window_of(const json& quote, const std::string& method) {
  for (const auto& o : quote["delivery_options"]) {
    if (o["method"] == method) return o["window"];
  }
  return nullptr;
}

json trunk_order(const json& quote) {
  return {{"quote_id", quote["quote_id"]},
          {"delivery",
           {{"method", "trunk"},
            {"window", window_of(quote, "trunk")},
            {"vehicle",
             {{"make", "VW"},
              {"plate_hint", "B-LA"},
              {"parked_near", {{"lat", 52.5}, {"lon", 13.4}}}}}}}};
}

HttpAnswer place(const SandboxProcess& s, const std::string& key, const json& body) {
  return s.request("POST", "/v1/orders", body.dump(), {"Idempotency-Key: " + key});
}

json quote(const SandboxProcess& s, const std::string& sku = "COFFEE-500") {
  HttpAnswer a =
      s.request("POST", "/v1/quotes", json{{"items", {{{"sku", sku}, {"quantity", 1}}}}}.dump());
  REQUIRE_MESSAGE(a.status == 200, a.body);
  return parse(a);
}

std::string status_of(const SandboxProcess& s, const std::string& id) {
  HttpAnswer a = s.request("GET", "/v1/orders/" + id);
  REQUIRE(a.status == 200);
  return parse(a)["status"];
}

// The hub's side of the callbacks: the hub's HttpServer on its own thread.
class CallbackReceiver {
 public:
  explicit CallbackReceiver(std::optional<TlsConfig> tls = std::nullopt)
      : guard_(boost::asio::make_work_guard(ioc_)),
        server_(
            ioc_, options(std::move(tls)), [this](const HttpRequest& r) { return take(r); },
            metrics_) {
    REQUIRE(server_.start().ok());
    thread_ = std::thread([this] { ioc_.run(); });
  }
  ~CallbackReceiver() {
    boost::asio::post(ioc_, [this] {
      server_.stop();
      ioc_.stop();
    });
    thread_.join();
  }
  std::string url(const std::string& origin = "http://127.0.0.1") const {
    return origin + ":" + std::to_string(server_.port()) + "/api/v1/retailer/events";
  }
  std::vector<HttpRequest> received() {
    std::lock_guard lock(mutex_);
    return received_;
  }

 private:
  static HttpServerOptions options(std::optional<TlsConfig> tls) {
    HttpServerOptions o;
    o.port = 0;
    o.tls = std::move(tls);
    return o;
  }
  HttpResponse take(const HttpRequest& r) {
    std::lock_guard lock(mutex_);
    received_.push_back(r);
    return HttpResponse::json(200, "{}");
  }
  boost::asio::io_context ioc_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> guard_;
  Metrics metrics_;
  HttpServer server_;
  std::thread thread_;
  std::mutex mutex_;
  std::vector<HttpRequest> received_;
};

}  // namespace

TEST_CASE("larder-sandbox refuses bad arguments with exit status 2") {
  auto [help, help_text] = run_sandbox({"--help"});
  CHECK(help.success());
  CHECK(help_text.find("--fail-rate") != std::string::npos);
  auto cases = std::vector<std::pair<std::vector<std::string>, std::string>>{
      {{}, "API key is required"},
      {{"--api-key", "k", "--speed", "0"}, "--speed"},
      {{"--api-key", "k", "--speed", "fast"}, "--speed"},
      {{"--api-key", "k", "--listen", "nowhere"}, "--listen"},
      {{"--api-key", "k", "--listen", "127.0.0.1:70000"}, "--listen"},
      {{"--api-key", "k", "--fail-rate", "2"}, "--fail-rate"},
      {{"--api-key", "k", "--callback-url", "http://127.0.0.1:1/x"}, "webhook secret"},
      {{"--api-key", "k", "--callback-url", "gopher://x", "--webhook-secret", "s"}, "http://"},
      {{"--api-key", "k", "--api-key-file", "/nonexistent"}, "once"},
      {{"--api-key-file", "/nonexistent/key"}, "cannot read"},
      {{"--api-key", "k", "--catalogue", "/nonexistent.json"}, "catalogue"},
      {{"--api-key", "k", "--bogus"}, "--bogus"},
      {{"--api-key"}, "needs a value"},
  };
  for (const auto& [args, expected] : cases) {
    auto [status, text] = run_sandbox(args);
    CHECK_MESSAGE(status.code == 2, text);
    CHECK_MESSAGE(text.find(expected) != std::string::npos, text);
  }
}

TEST_CASE("larder-sandbox wants its API key on every /v1 request") {
  SandboxProcess s;
  s.start();
  std::string body = R"({"items":[{"sku":"COFFEE-500","quantity":1}]})";
  HttpAnswer none =
      http_request(s.port(), "POST", "/v1/quotes", {"Content-Type: application/json"}, body);
  CHECK(none.status == 401);
  CHECK(parse(none)["error"]["code"] == "unauthorized");
  CHECK(none.headers.find("WWW-Authenticate: Bearer") != std::string::npos);
  HttpAnswer wrong =
      http_request(s.port(), "POST", "/v1/quotes",
                   {"Content-Type: application/json", "Authorization: Bearer nope"}, body);
  CHECK(wrong.status == 401);
  CHECK(http_request(s.port(), "GET", "/v1/orders/r-1001").status == 401);
  CHECK(http_request(s.port(), "GET", "/sandbox/orders").status == 401);
  CHECK(http_request(s.port(), "GET", "/healthz").status == 200);
  CHECK(s.request("POST", "/v1/quotes", body).status == 200);
  CHECK(s.terminate().success());
}

TEST_CASE("an order runs its whole life at high speed, with signed callbacks") {
  CallbackReceiver hub;
  // At speed 3600 an hour passes in a second: shipped after 0.5 s, out for delivery after
  // 4.5 s, delivered after 5 s; quotes hold 10 s.
  SandboxProcess s({"--speed", "3600", "--ship-after", "1800", "--out-after", "14400",
                    "--deliver-after", "1800", "--quote-ttl", "36000", "--callback-url", hub.url(),
                    "--webhook-secret", kSecret});
  s.start();
  json q = quote(s);
  CHECK(q["items"][0]["unit_price"] == 8.99);
  HttpAnswer placed = place(s, kKey1, trunk_order(q));
  REQUIRE_MESSAGE(placed.status == 201, placed.body);
  json order = parse(placed);
  std::string id = order["order_id"];
  CHECK(order["status"] == "placed");
  CHECK(order["window"] == window_of(q, "trunk"));

  // Trunk access goes only after shipping.
  json access = {{"method", "trunk"},
                 {"access",
                  {{"code", "TRUNK-CODE-93817"},
                   {"carrier_api", "https://hub.example/api/v1/carrier/deliveries/" + id}}}};
  HttpAnswer early = s.request("PUT", "/v1/orders/" + id + "/delivery", access.dump());
  if (status_of(s, id) == "placed") CHECK(early.status == 409);
  REQUIRE(wait_until([&] { return status_of(s, id) != "placed"; }, 5s));
  REQUIRE(status_of(s, id) == "shipped");
  HttpAnswer given = s.request("PUT", "/v1/orders/" + id + "/delivery", access.dump());
  REQUIRE_MESSAGE(given.status == 200, given.body);
  CHECK(parse(given)["delivery"]["access_given"] == true);
  CHECK(s.request("POST", "/v1/orders/" + id + "/cancel").status == 409);

  REQUIRE(wait_until([&] { return status_of(s, id) == "delivered"; }, 15s));
  HttpAnswer late = s.request("PUT", "/v1/orders/" + id + "/delivery", R"({"method":"doorstep"})");
  CHECK(late.status == 409);

  REQUIRE(wait_until([&] { return hub.received().size() >= 4; }, 5s));
  auto callbacks = hub.received();
  std::vector<std::string> statuses;
  for (const auto& r : callbacks) {
    CHECK(r.method == "POST");
    CHECK(r.path == "/api/v1/retailer/events");
    CHECK(r.header("content-type") == "application/json");
    CHECK(r.header("x-larder-signature") == "sha256=" + hmac_hex(kSecret, r.body));
    json body = json::parse(r.body);
    CHECK(body["order_id"] == id);
    statuses.push_back(body["status"]);
  }
  CHECK(statuses == std::vector<std::string>{"placed", "shipped", "out_for_delivery", "delivered"});

  json report = s.orders();
  REQUIRE(report["orders"].size() == 1);
  CHECK(report["orders"][0]["presented"] == 1);
  CHECK(report["callbacks"]["sent"] == 4);
  // The access code went nowhere: not into the report, the callbacks or the log.
  CHECK(report.dump().find("TRUNK-CODE-93817") == std::string::npos);
  for (const auto& r : callbacks) CHECK(r.body.find("TRUNK-CODE-93817") == std::string::npos);
  CHECK(s.log().find("TRUNK-CODE-93817") == std::string::npos);
  CHECK(s.terminate().success());
}

TEST_CASE("callbacks over https verify the hub's certificate") {
  TempDir dir("larder-sandbox-tls-");
  std::string cert = dir.file("cert.pem");
  std::string key = dir.file("key.pem");
  std::string cmd =
      "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2"
      " -subj /CN=localhost -addext subjectAltName=DNS:localhost,IP:127.0.0.1"
      " -keyout " +
      key + " -out " + cert + " 2>/dev/null";
  REQUIRE(std::system(cmd.c_str()) == 0);
  CallbackReceiver hub(TlsConfig{"", cert, key});

  SandboxProcess trusting({"--callback-url", hub.url("https://localhost"), "--webhook-secret",
                           kSecret, "--callback-ca", cert});
  trusting.start();
  REQUIRE(place(trusting, kKey1, trunk_order(quote(trusting))).status == 201);
  REQUIRE(wait_until([&] { return hub.received().size() == 1; }, 5s));
  auto r = hub.received().front();
  CHECK(r.header("x-larder-signature") == "sha256=" + hmac_hex(kSecret, r.body));
  CHECK(json::parse(r.body)["status"] == "placed");
  CHECK(trusting.terminate().success());

  // Without the CA the self-signed certificate is refused: nothing arrives.
  SandboxProcess doubting(
      {"--callback-url", hub.url("https://localhost"), "--webhook-secret", kSecret});
  doubting.start();
  REQUIRE(place(doubting, kKey1, trunk_order(quote(doubting))).status == 201);
  REQUIRE(wait_until([&] { return doubting.orders()["callbacks"]["failed"] == 1; }, 10s));
  CHECK(hub.received().size() == 1);
  CHECK(doubting.log().find("TLS handshake failed") != std::string::npos);
  CHECK(doubting.terminate().success());
}

TEST_CASE("injected 503s and lost answers leave exactly one order per key") {
  SandboxProcess s;
  s.start();
  json q = quote(s);
  json body = trunk_order(q);
  s.add_faults({{"faults",
                 {{{"kind", "error"}, {"status", 503}, {"route", "orders"}, {"retry_after", 1}},
                  {{"kind", "error"}, {"status", 502}, {"route", "orders"}, {"after", true}}}}});
  HttpAnswer refused = place(s, kKey1, body);
  CHECK(refused.status == 503);
  CHECK(parse(refused)["error"]["code"] == "unavailable");
  CHECK(refused.headers.find("Retry-After: 1") != std::string::npos);
  CHECK(place(s, kKey1, body).status == 502);  // placed, answer lost
  HttpAnswer retried = place(s, kKey1, body);
  CHECK(retried.status == 200);
  json report = s.orders();
  REQUIRE(report["orders"].size() == 1);
  CHECK(report["orders"][0]["order_id"] == parse(retried)["order_id"]);
  CHECK(report["orders"][0]["presented"] == 3);
  // Another key for the same quote does not order twice.
  CHECK(place(s, kKey2, body).status == 409);
  CHECK(s.orders()["orders"].size() == 1);
  s.advance(3600);
  CHECK(status_of(s, report["orders"][0]["order_id"]) == "shipped");
  CHECK(s.terminate().success());

  SandboxProcess always({"--fail-rate", "1", "--seed", "7"});
  always.start();
  for (int i = 0; i < 3; ++i) {
    int code = always.request("POST", "/v1/quotes", R"({"items":[{"sku":"MILK-1L","quantity":1}]})")
                   .status;
    CHECK((code == 500 || code == 502 || code == 503));
  }
  CHECK(always.request("GET", "/sandbox/orders").status == 200);
  CHECK(always.terminate().success());
}

TEST_CASE("bad bodies: 400 for malformed JSON and shapes, 413 above 64 KiB, 415 for other types") {
  SandboxProcess s;
  s.start();
  auto code_of = [](const HttpAnswer& a) { return parse(a)["error"]["code"].get<std::string>(); };
  HttpAnswer broken = s.request("POST", "/v1/quotes", R"({"items":[)");
  CHECK(broken.status == 400);
  CHECK(code_of(broken) == "bad_request");
  CHECK(s.request("POST", "/v1/quotes", R"({"items":{"sku":"COFFEE-500"}})").status == 400);
  CHECK(s.request("POST", "/v1/quotes", R"({"items":[{"sku":"COFFEE-500","quantity":"one"}]})")
            .status == 400);
  CHECK(s.request("POST", "/v1/quotes", R"(["COFFEE-500"])").status == 400);
  HttpAnswer unknown =
      s.request("POST", "/v1/quotes", R"({"items":[{"sku":"CAVIAR","quantity":1}]})");
  CHECK(unknown.status == 422);
  CHECK(code_of(unknown) == "unknown_sku");
  CHECK(s.request("POST", "/v1/orders", R"({"quote_id":"q1"})",
                  {"Idempotency-Key: " + std::string(kKey1)})
            .status == 400);
  std::string big = R"({"items":[{"sku":")" + std::string(70 * 1024, 'A') + R"(","quantity":1}]})";
  HttpAnswer large = s.request("POST", "/v1/quotes", big);
  CHECK(large.status == 413);
  HttpAnswer text = http_request(
      s.port(), "POST", "/v1/quotes",
      {"Content-Type: text/plain", std::string("Authorization: Bearer ") + SandboxProcess::kApiKey},
      R"({"items":[]})");
  CHECK(text.status == 415);
  CHECK(s.request("GET", "/v1/orders/r-404").status == 404);
  CHECK(s.terminate().success());
}

TEST_CASE("a hanging answer makes the client time out, and SIGTERM still stops the sandbox") {
  SandboxProcess s;
  s.start();
  s.add_faults({{"kind", "hang"}, {"delay_ms", 60000}, {"route", "quotes"}});
  auto before = std::chrono::steady_clock::now();
  HttpAnswer hung =
      s.request("POST", "/v1/quotes", R"({"items":[{"sku":"COFFEE-500","quantity":1}]})");
  CHECK(hung.status == 0);  // http_request gives up after 5 s without an answer
  CHECK(std::chrono::steady_clock::now() - before >= 4s);
  auto stopping = std::chrono::steady_clock::now();
  ExitStatus st = s.terminate(10s);
  CHECK_MESSAGE(st.success(), st.describe() << "\n" << s.log());
  CHECK(std::chrono::steady_clock::now() - stopping < 3s);
}
