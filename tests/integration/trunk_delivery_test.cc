// Delivery end to end: the real larderd, a real mosquitto and the real larder-sandbox,
// which plays the retailer, its carrier and the family car (docs/sandbox.md). The trunk
// path from the order to the relock; the doorstep when the car is away; the car driving
// away before the window; and the carrier refused with a wrong code.
#include <doctest/doctest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "support/larderctl_run.h"
#include "support/larderd.h"
#include "support/mosquitto.h"
#include "support/order_world.h"
#include "support/sandbox.h"
#include "support/test_client.h"

using namespace larder::test;
using namespace std::chrono_literals;
using nlohmann::json;

namespace {

constexpr const char* kAdmin = "Authorization: Bearer test-admin-token-0123456789";
constexpr const char* kJson = "Content-Type: application/json";
constexpr const char* kHome = "48.1371,11.5754";
constexpr const char* kAway = "48.3000,11.9000";  // about 30 km from home

const std::string kDelivery =
    "vehicles:\n"
    "  family-car:\n"
    "    make: VW Golf\n"
    "    plate_hint: M-LR\n"
    "delivery:\n"
    "  places:\n"
    "    home: {lat: 48.1371, lon: 11.5754}\n"
    "  lock_timeout_s: 10\n";

// mosquitto; larder-sandbox at 1800 simulated seconds a second by default (shipping 2 s,
// out for delivery 2 s later, windows from 6 s after the quote, the trunk's 8 s wide), signing its
// callbacks to larderd, with the car parked at `car_at`; larderd with the car and its home.
struct TrunkWorld {
  // `speed`: simulated seconds a second (slower leaves more time between the steps).
  explicit TrunkWorld(const std::string& car_at, std::string speed = "1800",
                      std::vector<std::string> more_args = {})
      : daemon(broker.url()), sandbox(args(car_at, std::move(speed), std::move(more_args))) {
    sandbox.start();
    daemon.set_config(orders_config(sandbox, "{api: 0}") + kDelivery);
    daemon.start();
    wait_subscribed(daemon);
    w.connect();
    w.subscribe("larder/v1/#");
  }
  std::vector<std::string> args(const std::string& car_at, std::string speed,
                                std::vector<std::string> more) const {
    std::vector<std::string> a = {"--speed",         speed,          "--ship-after",  "3600",
                                  "--out-after",     "3600",          "--deliver-after", "3600",
                                  "--quote-ttl",     "36000",         "--mqtt",        broker.url(),
                                  "--car-at",        car_at,          "--car-report-s", "2",
                                  "--callback-url",  callback_url(daemon), "--webhook-secret",
                                  std::string(kSecret)};
    a.insert(a.end(), more.begin(), more.end());
    return a;
  }

  HttpAnswer api(const std::string& method, const std::string& path, const std::string& body = {}) {
    std::vector<std::string> headers = {kAdmin};
    if (!body.empty()) headers.emplace_back(kJson);
    return http_request(daemon.http_port(), method, path, headers, body);
  }
  std::string order_coffee() {
    HttpAnswer a = api("POST", "/api/v1/orders", R"({"consumable":"coffee"})");
    REQUIRE_MESSAGE(a.status == 201, a.body);
    return json::parse(a.body)["order_id"].get<std::string>();
  }
  // The order's first published state that satisfies `pred`.
  json state(const std::string& id, const std::function<bool(const json&)>& pred,
             std::chrono::milliseconds timeout = 15s) {
    auto r = w.wait_for("larder/v1/order/" + id + "/state", timeout,
                        [&](const Received& m) { return pred(json::parse(m.payload)); });
    REQUIRE_MESSAGE(r.has_value(), std::string(daemon.log() + "\n--- sandbox ---\n" + sandbox.log()));
    return json::parse(r->payload);
  }
  json event(const std::string& kind, std::chrono::milliseconds timeout = 20s) {
    auto r = w.wait_for("larder/v1/event", timeout, [&](const Received& m) {
      return json::parse(m.payload)["kind"] == kind;
    });
    REQUIRE_MESSAGE(r.has_value(), std::string("no " + kind + " event\n" + daemon.log() +
                                                "\n--- sandbox ---\n" + sandbox.log()));
    return json::parse(r->payload);
  }
  int events(const std::string& kind) {
    int n = 0;
    for (const auto& m : w.messages("larder/v1/event")) n += json::parse(m.payload)["kind"] == kind;
    return n;
  }

  MosquittoBroker broker;
  LarderdProcess daemon;
  SandboxProcess sandbox;
  TestClient w{broker.url()};
};

std::string reasons(const json& state) { return state["delivery"]["reasons"].dump(); }

// The state's delivery method; "" before the order has one.
std::string method(const json& state) {
  const json& d = state.value("delivery", json());
  return d.is_object() ? d.value("method", "") : "";
}

}  // namespace

TEST_CASE("trunk delivery: from the order to the relock, through the sandbox's carrier and car") {
  // The sandbox shows the code it received, so that the test can look for it everywhere
  // larderd writes.
  TrunkWorld t(kHome, "1800", {"--reveal-access-codes"});
  // The car's position reached the hub before the order.
  REQUIRE(t.w.wait_for("larder/v1/vehicle/family-car/location", 10s).has_value());
  std::string id = t.order_coffee();
  json placed = t.state(id, [](const json& s) { return s["status"] == "placed"; });
  INFO(reasons(placed));
  CHECK(placed["delivery"]["method"] == "trunk");
  CHECK(placed["delivery"]["place"] == "home");
  CHECK(placed["delivery"]["reasons"].size() >= 2);
  CHECK(t.event("delivery_planned")["order_id"] == id);

  // Shipped: the grant's code goes to the retailer, never over MQTT.
  CHECK(t.event("grant_issued")["order_id"] == id);
  std::string code;
  wait_until([&] {
    const json report = t.sandbox.orders();  // (a temporary would die before the loop)
    for (const auto& o : report["orders"]) {
      const json d = o.value("delivery", json());
      if (d.is_object() && d.contains("access_code")) code = d["access_code"].get<std::string>();
    }
    return !code.empty();
  }, 10s, 20ms);
  REQUIRE_MESSAGE(code.size() >= 22, t.sandbox.orders().dump());  // 128 bits or more
  // The carrier unlocks in the window; the car opens, closes and locks its trunk.
  t.event("trunk_unlocked", 30s);
  auto cmd = t.w.wait_for("larder/v1/vehicle/family-car/command", 5s);
  REQUIRE(cmd.has_value());
  json c = json::parse(cmd->payload);
  CHECK(c["command"] == "unlock_trunk");
  CHECK(c["grant"].is_string());
  t.event("trunk_relocked", 30s);
  json delivered = t.state(id, [](const json& s) { return s["status"] == "delivered"; }, 30s);
  CHECK(delivered["delivery"]["method"] == "trunk");

  // The deliveries list and the audit log tell the story; the chain verifies.
  HttpAnswer list = t.api("GET", "/api/v1/deliveries");
  REQUIRE(list.status == 200);
  json d = json::parse(list.body);
  REQUIRE(d.size() == 1);
  CHECK(d[0]["method"] == "trunk");
  CHECK(d[0]["access"]["state"] == "revoked");
  CHECK(d[0]["access"]["end_reason"] == "relocked");
  HttpAnswer audit = t.api("GET", "/api/v1/audit");
  REQUIRE(audit.status == 200);
  json a = json::parse(audit.body);
  CHECK(a["verified"]["ok"] == true);
  std::string kinds;
  for (const auto& e : a["entries"]) kinds += e["event"].get<std::string>() + " ";
  CHECK(kinds.find("issued") != std::string::npos);
  CHECK(kinds.find("used") != std::string::npos);
  CHECK(kinds.find("revoked") != std::string::npos);
  // The code is nowhere larderd writes: no MQTT message (nor anything named like a code),
  // not its log, not a file of its state directory (the database, its WAL, the patterns).
  for (const auto& m : t.w.messages()) {
    CHECK(m.payload.find("\"code\"") == std::string::npos);
    CHECK(m.payload.find(code) == std::string::npos);
  }
  CHECK(t.daemon.log().find(code) == std::string::npos);
  CHECK(t.daemon.log().find("delivery: sent unlock_trunk") != std::string::npos);  // a real log
  int files = 0;
  for (const auto& f : std::filesystem::recursive_directory_iterator(t.daemon.state_dir())) {
    if (!f.is_regular_file()) continue;
    std::ifstream in(f.path(), std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    INFO(f.path().string());
    CHECK(bytes.find(code) == std::string::npos);
    ++files;
  }
  CHECK(files >= 1);
}

TEST_CASE("trunk delivery: the car away from home means the doorstep, with its reason") {
  TrunkWorld t(kAway);
  REQUIRE(t.w.wait_for("larder/v1/vehicle/family-car/location", 10s).has_value());
  std::string id = t.order_coffee();
  json placed = t.state(id, [](const json& s) { return s["status"] == "placed"; });
  INFO(reasons(placed));
  CHECK(placed["delivery"]["method"] == "doorstep");
  CHECK(reasons(placed).find("car") != std::string::npos);
  t.state(id, [](const json& s) { return s["status"] == "delivered"; }, 30s);
  CHECK(t.events("grant_issued") == 0);
  CHECK(t.w.messages("larder/v1/vehicle/family-car/command").empty());
}

TEST_CASE("trunk delivery: the car driving away before the window sends the order to the doorstep") {
  TrunkWorld t(kHome);
  REQUIRE(t.w.wait_for("larder/v1/vehicle/family-car/location", 10s).has_value());
  std::string id = t.order_coffee();
  json placed = t.state(id, [](const json& s) { return s["status"] == "placed"; });
  REQUIRE(placed["delivery"]["method"] == "trunk");
  // The car leaves home (the sandbox publishes its new position at once).
  HttpAnswer moved = t.sandbox.request("POST", "/sandbox/car",
                                       R"({"lat":48.2,"lon":11.7,"moving":true})");
  REQUIRE_MESSAGE(moved.status == 200, moved.body);
  json again = t.state(id, [](const json& s) { return method(s) == "doorstep"; });
  INFO(reasons(again));
  CHECK(t.event("delivery_replanned")["order_id"] == id);
  // The retailer was told: its order now goes to the doorstep.
  bool told = wait_until([&] {
    const json report = t.sandbox.orders();
    for (const auto& o : report["orders"]) {
      const json& d = o.value("delivery", json());
      if (d.is_object() && d.value("method", "") == "doorstep") return true;
    }
    return false;
  }, 10s);
  CHECK_MESSAGE(told, t.sandbox.orders().dump());
  t.state(id, [](const json& s) { return s["status"] == "delivered"; }, 30s);
  CHECK(t.events("grant_issued") == 0);
}

TEST_CASE("trunk delivery: the carrier API refuses a wrong code, a missing one and an unknown order") {
  TrunkWorld t(kHome);
  REQUIRE(t.w.wait_for("larder/v1/vehicle/family-car/location", 10s).has_value());
  std::string id = t.order_coffee();
  t.event("grant_issued");
  const std::string path = "/api/v1/carrier/deliveries/" + id;
  // No code at all guesses nothing: refused, and never counted toward the lockout (five
  // wrong codes), or anyone who saw the order id on the events could withdraw the access.
  for (int i = 0; i < 6; ++i) {
    HttpAnswer none = http_request(t.daemon.http_port(), i % 2 ? "POST" : "GET",
                                   path + (i % 2 ? "/unlock" : ""), {}, {});
    CHECK(none.status == 401);
    CHECK(none.body.find("send the delivery's access code") != std::string::npos);
  }
  HttpAnswer empty =
      http_request(t.daemon.http_port(), "GET", path, {"Authorization: Bearer "}, {});
  CHECK(empty.status == 401);
  HttpAnswer wrong = http_request(t.daemon.http_port(), "POST", path + "/unlock",
                                  {"Authorization: Bearer AAAAAAAAAAAAAAAAAAAAAAAAAAA"}, {});
  CHECK(wrong.status == 401);
  // The admin token is no carrier code.
  HttpAnswer admin = http_request(t.daemon.http_port(), "GET", path, {kAdmin}, {});
  CHECK(admin.status == 401);
  HttpAnswer unknown = http_request(t.daemon.http_port(), "GET",
                                    "/api/v1/carrier/deliveries/no-such-order",
                                    {"Authorization: Bearer AAAAAAAAAAAAAAAAAAAAAAAAAAA"}, {});
  CHECK(unknown.status == 401);
  // Each refusal about the live grant is in the audit log (the wrong code and the admin
  // token); the unknown order's is only counted, since anyone may ask about no grant.
  json a = json::parse(t.api("GET", "/api/v1/audit").body);
  int refused = 0;
  for (const auto& e : a["entries"]) {
    refused += e["event"] == "refused";
    CHECK(e["order_id"] != "no-such-order");
  }
  CHECK(refused == 2);
  CHECK(t.api("GET", "/metrics").body.find(
            "larder_carrier_refused_total{verdict=\"no_grant\"} 1\n") != std::string::npos);
  CHECK(a["verified"]["ok"] == true);
  // The real carrier still delivers: two wrong codes for it are below the lockout.
  t.state(id, [](const json& s) { return s["status"] == "delivered"; }, 30s);
}

TEST_CASE("trunk delivery: larderctl lists the deliveries and revokes the trunk access") {
  TrunkWorld t(kHome, "600");  // shipped after 6 s, out for delivery 6 s later
  REQUIRE(t.w.wait_for("larder/v1/vehicle/family-car/location", 10s).has_value());
  std::string id = t.order_coffee();
  t.event("grant_issued");
  CtlRun list = larderctl({"deliveries", "--config", t.daemon.config_path()});
  CHECK_MESSAGE(list.status.code == 0, list.err);
  CHECK(list.out.find(id) != std::string::npos);
  CHECK(list.out.find("trunk") != std::string::npos);
  CtlRun revoke = larderctl({"revoke", id, "--config", t.daemon.config_path()});
  CHECK_MESSAGE(revoke.status.code == 0, revoke.err);
  CHECK(revoke.out.find("revoked trunk access for order " + id) != std::string::npos);
  CHECK(t.event("access_revoked")["order_id"] == id);
  json door = t.state(id, [](const json& s) { return method(s) == "doorstep"; });
  CHECK(reasons(door).find("revoked") != std::string::npos);
  // The carrier is refused from now on and the parcel goes to the doorstep.
  t.state(id, [](const json& s) { return s["status"] == "delivered"; }, 30s);
  CHECK(t.events("trunk_unlocked") == 0);
  // Revoking again: the order is no longer for the trunk.
  CtlRun again = larderctl({"revoke", id, "--config", t.daemon.config_path()});
  CHECK(again.status.code == 1);
}

TEST_CASE("trunk delivery: a trunk left closed but unlocked gets a lock command and an alert") {
  // The car does not lock itself; lock_timeout_s is 10 in kDelivery.
  TrunkWorld t(kHome, "1800", {"--car-no-autolock"});
  REQUIRE(t.w.wait_for("larder/v1/vehicle/family-car/location", 10s).has_value());
  std::string id = t.order_coffee();
  t.event("trunk_unlocked", 30s);
  json alert = t.event("trunk_not_locked", 40s);
  CHECK(alert["order_id"] == id);
  auto lock = t.w.wait_for("larder/v1/vehicle/family-car/command", 5s, [](const Received& m) {
    return json::parse(m.payload)["command"] == "lock";
  });
  REQUIRE(lock.has_value());
  // The car obeys; the relock ends the grant and the order is delivered.
  t.event("trunk_relocked", 20s);
  t.state(id, [](const json& s) { return s["status"] == "delivered"; }, 20s);
  CHECK(t.events("trunk_not_locked") == 1);
}
