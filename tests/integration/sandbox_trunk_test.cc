// The built larder-sandbox as the family car and the retailer's carrier (docs/sandbox.md,
// "The car and the carrier"): a real mosquitto, and a stand-in hub made of the hub's own
// MqttClient and HttpServer on this thread's io_context. The car's topics, a command it
// ignores, moving it, and one trunk delivery from the access to the relock; the code
// reaches the hub only in the carrier's Authorization header.
#include <doctest/doctest.h>

#include <chrono>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <nlohmann/json.hpp>

#include "adapters/http/http_server.h"
#include "adapters/mqtt/mqtt_client.h"
#include "larder/metrics.h"
#include "support/mosquitto.h"
#include "support/sandbox.h"
#include "support/sandbox_fixtures.h"

using namespace larder;
using namespace larder::test;
using nlohmann::json;
using namespace std::chrono_literals;
namespace asio = boost::asio;

namespace {

const char* kCode = "Zm9vYmFyLXRydW5rLWNvZGUtNDcxMQ";
const std::string kRoot = "larder/v1/vehicle/family-car/";

json body_of(const HttpAnswer& a) {
  INFO(a.body);
  REQUIRE(a.status >= 200);
  REQUIRE(a.status < 300);
  return json::parse(a.body);
}

}  // namespace

TEST_CASE("the sandbox's carrier and car deliver into the trunk over mosquitto and HTTP") {
  MosquittoBroker broker;
  SandboxProcess sandbox({"--speed", "10", "--mqtt", broker.url(), "--car-at", "48.1371,11.5754",
                          "--car-report-s", "3600"});
  sandbox.start();
  asio::io_context io;
  auto wait_for = [&](const std::function<bool()>& done) {
    auto deadline = std::chrono::steady_clock::now() + 20s;
    while (!done() && std::chrono::steady_clock::now() < deadline) {
      io.restart();
      io.run_for(20ms);
    }
    return done();
  };

  // The hub's side of MQTT: what the car publishes, and the commands.
  Metrics metrics;
  MqttConfig mc;
  mc.url = broker.url();
  mc.client_id = "stand-in-hub";
  std::vector<Message> seen;
  MqttClient mqtt(io, mc, "", metrics);
  mqtt.set_subscriptions({{kRoot + "location", true}, {kRoot + "trunk", true}});
  mqtt.set_handlers({[&](Message m) { seen.push_back(std::move(m)); }, nullptr, nullptr});
  REQUIRE(mqtt.start().ok());
  auto on = [&](const std::string& leaf) {
    std::vector<json> out;
    for (const auto& m : seen) {
      if (m.topic == kRoot + leaf) out.push_back(json::parse(m.payload));
    }
    return out;
  };
  auto trunk_states = [&] {
    std::vector<std::string> out;
    for (const auto& j : on("trunk")) out.push_back(j["state"]);
    return out;
  };
  REQUIRE(wait_for([&] { return !on("location").empty() && !on("trunk").empty(); }));
  CHECK(on("location")[0]["lat"] == 48.1371);
  CHECK(on("location")[0]["acc"] == 10);
  CHECK(on("location")[0]["moving"] == false);
  CHECK(trunk_states() == std::vector<std::string>{"locked"});
  CHECK(body_of(sandbox.request("GET", "/sandbox/car"))["trunk"] == "locked");

  // A command that is not one is ignored (once the car has subscribed: it logs that it is
  // connected after the broker acknowledged its subscription); moving publishes the
  // position at once.
  REQUIRE(wait_for([&] { return sandbox.log().find("car: connected") != std::string::npos; }));
  mqtt.publish(kRoot + "command", "{not json", false);
  CHECK(body_of(sandbox.request("POST", "/sandbox/car", R"({"lat":48.2,"lon":11.6})"))["lat"] ==
        48.2);
  REQUIRE(wait_for([&] { return on("location").size() == 2; }));
  CHECK(on("location")[1]["lat"] == 48.2);
  body_of(sandbox.request("POST", "/sandbox/car", R"({"lat":48.1371,"lon":11.5754})"));
  CHECK(sandbox.request("POST", "/sandbox/car", R"({"lat":"x","lon":1})").status == 400);

  // The hub's carrier API: the right code gets the window, then the unlock, which sends
  // unlock_trunk to the car.
  std::vector<HttpRequest> asked;
  HttpServerOptions ho;
  ho.host = "127.0.0.1";
  ho.port = 0;
  HttpServer hub(
      io, ho,
      [&](const HttpRequest& r) {
        asked.push_back(r);
        if (r.header("authorization") != std::string("Bearer ") + kCode)
          return HttpResponse::error(401, "unauthorized", "wrong code");
        if (r.method == "GET") return HttpResponse::json(200, R"({"window":{"start":1,"end":2}})");
        json unlock = {{"command", "unlock_trunk"}, {"grant", "g-1"}};
        mqtt.publish(kRoot + "command", unlock.dump(), false);
        return HttpResponse::json(202, R"({"status":"unlocking"})");
      },
      metrics);
  REQUIRE(hub.start().ok());
  std::string api =
      "http://127.0.0.1:" + std::to_string(hub.port()) + "/api/v1/carrier/deliveries/o-1";

  json quote = body_of(sandbox.request("POST", "/v1/quotes",
                                       R"({"items":[{"sku":"COFFEE-500","quantity":1}]})"));
  json order = body_of(sandbox.request("POST", "/v1/orders", sandbox::order_body(quote).dump(),
                                       {std::string("Idempotency-Key: ") + sandbox::kKey1}));
  std::string id = order["order_id"];
  sandbox.advance(361);  // shipped (an hour at speed 10)
  json access = {{"method", "trunk"}, {"access", {{"code", kCode}, {"carrier_api", api}}}};
  body_of(sandbox.request("PUT", "/v1/orders/" + id + "/delivery", access.dump()));
  sandbox.advance(4321 + 720);  // out for delivery, and the window has begun
  INFO("the sandbox's log: " << sandbox.log());
  REQUIRE(wait_for([&] { return trunk_states().size() >= 4; }));
  CHECK(trunk_states() == std::vector<std::string>{"locked", "open", "closed", "locked"});
  REQUIRE(asked.size() == 2);
  CHECK(asked[0].method == "GET");
  CHECK(asked[0].path == "/api/v1/carrier/deliveries/o-1");
  CHECK(asked[1].method == "POST");
  CHECK(asked[1].path == "/api/v1/carrier/deliveries/o-1/unlock");

  json report = sandbox.orders();
  REQUIRE(report["orders"].size() == 1);
  const json& o = report["orders"][0];
  CHECK(o["status"] == "delivered");
  CHECK(o["carrier"]["state"] == "delivered");
  CHECK(o["carrier"]["ask_status"] == 200);
  CHECK(o["carrier"]["unlock_status"] == 202);
  CHECK(o["carrier"]["trunk_opened"] == true);
  json car = body_of(sandbox.request("GET", "/sandbox/car"));
  CHECK(car["trunk"] == "locked");
  CHECK(car["refused_commands"] == 1);
  CHECK(car["unlocks"] == 1);
  CHECK(car["autolocks"] == 1);
  // The code went to the hub in the header only.
  CHECK(report.dump().find(kCode) == std::string::npos);
  CHECK(sandbox.log().find(kCode) == std::string::npos);
  for (const auto& m : seen) CHECK(m.payload.find(kCode) == std::string::npos);

  bool stopped = false;
  mqtt.stop([&] { stopped = true; });
  wait_for([&] { return stopped; });
  CHECK(sandbox.terminate().code == 0);
}

TEST_CASE("the sandbox's car options are checked before it starts") {
  using Args = std::vector<std::string>;
  const std::string mqtt = "tcp://127.0.0.1:1";
  for (const auto& [args, expected] : std::vector<std::pair<Args, std::string>>{
           {{"--car-at", "48.1,11.5"}, "--car-at needs --mqtt"},
           {{"--mqtt", mqtt}, "--mqtt needs --car-at"},
           {{"--vehicle", "van"}, "--vehicle needs --car-at"},
           {{"--car-no-autolock"}, "--car-no-autolock needs --car-at"},
           {{"--mqtt", mqtt, "--car-at", "91,11.5"}, "lat from -90 to 90"},
           {{"--mqtt", mqtt, "--car-at", "48.1"}, "--car-at needs LAT,LON"},
           {{"--mqtt", mqtt, "--car-at", "1,2", "--vehicle", "Van"}, "vehicle id"},
           {{"--mqtt", mqtt, "--car-at", "1,2", "--mqtt-prefix", "a/#"}, "MQTT prefix"},
           {{"--mqtt", mqtt, "--car-at", "1,2", "--car-report-s", "0"}, "--car-report-s"},
           {{"--mqtt", mqtt, "--car-at", "1,2", "--callback-ca", "/nonexistent.pem"},
            "cannot read the CA file"}}) {
    SandboxProcess s(args);
    CHECK_THROWS(s.start(std::chrono::seconds(5)));
    CHECK(s.terminate().code == 2);
    CHECK_MESSAGE(s.log().find(expected) != std::string::npos, s.log());
  }
}
