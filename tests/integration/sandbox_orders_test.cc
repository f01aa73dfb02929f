// Orders end to end: the real larderd, a real mosquitto and the real larder-sandbox. The
// consumption model's automatic order, a button's order and its duplicate, a cancel inside
// the undo window, the order endpoints of shared/contract/http.md with their access rules,
// the retailer's signed callbacks, and orders that survive a restart.
#include <doctest/doctest.h>

#include <chrono>
#include <algorithm>
#include <csignal>
#include <ctime>
#include <tuple>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>

#include <nlohmann/json.hpp>

#include "adapters/crypto/signature.h"
#include "support/larderd.h"
#include "support/order_world.h"
#include "support/mosquitto.h"
#include "support/sandbox.h"
#include "support/test_client.h"

using namespace larder::test;
using namespace std::chrono_literals;
using nlohmann::json;

namespace {

constexpr const char* kAdmin = "Authorization: Bearer test-admin-token-0123456789";
constexpr const char* kRead = "Authorization: Bearer test-read-token-0123456789";
constexpr const char* kJson = "Content-Type: application/json";

// Histories of two consumables published in the order of their times, as a household's
// devices would have sent them: pods (a box of 40 opened 4.5 days ago, 8 a day) and coffee
// (150 g a day). Both run low; the first one due finds the other in its combining window.
void publish_low_pods_and_coffee(TestClient& c) {
  const double now = static_cast<double>(std::time(nullptr));
  std::vector<std::tuple<double, std::string, std::string>> msgs;
  const double pods_start = now - 4.5 * 86400;
  msgs.emplace_back(pods_start, "pods/refilled", json{{"ts", pods_start}}.dump());
  for (int i = 1; i <= 36; ++i) {
    double t = pods_start + i * 3 * 3600.0;
    msgs.emplace_back(t, "pods/used", json{{"amount", 1}, {"unit", "pcs"}, {"ts", t}}.dump());
  }
  const double coffee_start = now - 6 * 86400;
  for (double t = coffee_start; t <= now - 60; t += 1800) {
    double level = 950 - 150 * (t - coffee_start) / 86400;
    msgs.emplace_back(t, "coffee/level", json{{"value", level}, {"unit", "g"}, {"ts", t}}.dump());
  }
  std::stable_sort(msgs.begin(), msgs.end(),
                   [](const auto& a, const auto& b) { return std::get<0>(a) < std::get<0>(b); });
  for (const auto& [t, topic, payload] : msgs) {
    c.publish("larder/v1/consumable/" + topic, payload);
  }
}

json body_of(const HttpAnswer& a) { return json::parse(a.body); }

HttpAnswer api(const LarderdProcess& d, const std::string& method, const std::string& path,
               const std::string& body = {}, const char* token = kAdmin) {
  std::vector<std::string> headers = {token};
  if (!body.empty()) headers.emplace_back(kJson);
  return http_request(d.http_port(), method, path, headers, body);
}

std::optional<Received> order_state(TestClient& w, const std::string& id, const std::string& status,
                                    std::chrono::milliseconds timeout) {
  return w.wait_for("larder/v1/order/" + id + "/state", timeout, [&](const Received& r) {
    return json::parse(r.payload)["status"] == status;
  });
}

}  // namespace

TEST_CASE("the model's own order: held for its undo window, then placed once at the sandbox") {
  World world("{sensor: 1, button: 0, api: 0}");
  auto& [broker, daemon, sandbox, w] = world;

  publish_low_coffee(w);
  auto held = w.wait_for("larder/v1/event", 60s, [](const Received& r) {
    return json::parse(r.payload)["kind"] == "order_held";
  });
  REQUIRE_MESSAGE(held, daemon.log());
  json event = json::parse(held->payload);
  CHECK(event["consumable"] == "coffee");
  const std::string id = event["order_id"];
  auto placed = order_state(w, id, "placed", 10s);
  REQUIRE_MESSAGE(placed, daemon.log());
  json st = json::parse(placed->payload);
  CHECK(st["source"] == "sensor");
  CHECK(st["sku"] == "COFFEE-500");
  CHECK(st["price"] == 8.99);
  CHECK(st["currency"] == "EUR");
  CHECK(st["delivery"]["method"] == "doorstep");

  json report = sandbox.orders();
  REQUIRE(report["orders"].size() == 1);
  CHECK(report["orders"][0]["items"][0]["sku"] == "COFFEE-500");
  // The model knows: the consumable is `ordered`, and no second order follows.
  CHECK(w.wait_for("larder/v1/consumable/coffee/state", 5s, [](const Received& r) {
    return json::parse(r.payload)["status"] == "ordered";
  }));
  std::this_thread::sleep_for(1500ms);
  CHECK(sandbox_orders(sandbox) == 1);
  HttpAnswer list = api(daemon, "GET", "/api/v1/orders", {}, kRead);
  REQUIRE(list.status == 200);
  REQUIRE(body_of(list).size() == 1);
  CHECK(body_of(list)[0]["order_id"] == id);
  CHECK(daemon.terminate().success());
}

TEST_CASE("a button orders, a second press is answered with the order in flight") {
  World world("{sensor: 300, button: 0, api: 0}");
  auto& [broker, daemon, sandbox, w] = world;

  w.publish("larder/v1/button/coffee_button/press", R"({"action":"single"})");
  auto placed = w.wait_for("larder/v1/event", 10s, [](const Received& r) {
    return json::parse(r.payload)["kind"] == "order_placed";
  });
  REQUIRE_MESSAGE(placed, daemon.log());
  const std::string id = json::parse(placed->payload)["order_id"];
  CHECK(sandbox_orders(sandbox) == 1);

  w.publish("larder/v1/button/coffee_button/press", R"({"action":"single"})");
  auto dup = w.wait_for("larder/v1/event", 5s, [](const Received& r) {
    return json::parse(r.payload)["kind"] == "order_exists";
  });
  REQUIRE_MESSAGE(dup, daemon.log());
  CHECK(json::parse(dup->payload)["order_id"] == id);
  CHECK(json::parse(dup->payload)["button"] == "coffee_button");
  CHECK(sandbox_orders(sandbox) == 1);
  // The API says the same: 200 with the order in flight.
  HttpAnswer again = api(daemon, "POST", "/api/v1/orders", R"({"consumable":"coffee","quantity":1})");
  REQUIRE_MESSAGE(again.status == 200, again.body);
  CHECK(body_of(again)["existing"] == true);
  CHECK(body_of(again)["order_id"] == id);
  // Unless the user asks for more.
  HttpAnswer more = api(daemon, "POST", "/api/v1/orders",
                        R"({"consumable":"coffee","quantity":2,"additional":true})");
  REQUIRE_MESSAGE(more.status == 201, more.body);
  CHECK(body_of(more)["quantity"] == 2);
  CHECK(wait_until([&] { return sandbox_orders(sandbox) == 2; }, 10s));
  CHECK(daemon.terminate().success());
}

TEST_CASE("a cancel inside the undo window ends the order and the retailer never gets it") {
  World world("{sensor: 300, button: 30, api: 30}");
  auto& [broker, daemon, sandbox, w] = world;

  HttpAnswer created = api(daemon, "POST", "/api/v1/orders", R"({"consumable":"pods"})");
  REQUIRE_MESSAGE(created.status == 201, created.body);
  json st = body_of(created);
  CHECK(st["status"] == "held");
  CHECK(st["source"] == "api");
  const std::string id = st["order_id"];
  REQUIRE(order_state(w, id, "held", 5s));

  // A button's cancel (its double press) ends its consumable's order in flight.
  w.publish("larder/v1/button/coffee_button/press", R"({"action":"single"})");
  auto coffee = w.wait_for("larder/v1/event", 5s, [](const Received& r) {
    auto j = json::parse(r.payload);
    return j["kind"] == "order_held" && j["consumable"] == "coffee";
  });
  REQUIRE_MESSAGE(coffee, daemon.log());
  const std::string coffee_id = json::parse(coffee->payload)["order_id"];
  w.publish("larder/v1/button/coffee_button/press", R"({"action":"double"})");
  REQUIRE(order_state(w, coffee_id, "cancelled", 5s));

  HttpAnswer cancelled = api(daemon, "POST", "/api/v1/orders/" + id + "/cancel");
  REQUIRE_MESSAGE(cancelled.status == 200, cancelled.body);
  CHECK(body_of(cancelled)["status"] == "cancelled");
  REQUIRE(order_state(w, id, "cancelled", 5s));
  CHECK(w.wait_for("larder/v1/event", 5s, [&](const Received& r) {
    auto j = json::parse(r.payload);
    return j["kind"] == "order_cancelled" && j["order_id"] == id;
  }));
  // A second cancel answers the cancelled order again; a confirm is too late.
  HttpAnswer twice = api(daemon, "POST", "/api/v1/orders/" + id + "/cancel");
  CHECK(twice.status == 200);
  CHECK(body_of(twice)["status"] == "cancelled");
  CHECK(api(daemon, "POST", "/api/v1/orders/" + id + "/confirm").status == 409);
  std::this_thread::sleep_for(500ms);
  CHECK(sandbox_orders(sandbox) == 0);
  CHECK(daemon.terminate().success());
}

TEST_CASE("the order endpoints refuse bad requests and wrong rights, and change nothing") {
  World world("{sensor: 300, button: 0, api: 60}");
  auto& [broker, daemon, sandbox, w] = world;

  struct Case {
    const char* method;
    std::string path;
    std::string body;
    const char* token;
    int status;
    std::string says;
  };
  const Case cases[] = {
      {"POST", "/api/v1/orders", R"({"consumable":"coffee"})", "X-None: 1", 401, ""},
      {"POST", "/api/v1/orders", R"({"consumable":"coffee"})", kRead, 403, ""},
      {"POST", "/api/v1/orders", R"({"consumable":"tea"})", kAdmin, 400, "known: coffee, pods"},
      // What the client sent comes back cut short.
      {"POST", "/api/v1/orders", R"({"consumable":")" + std::string(20000, 't') + "\"}", kAdmin,
       400, "'" + std::string(120, 't') + "...' is configured"},
      {"POST", "/api/v1/orders", R"({"consumable":7})", kAdmin, 400, "consumable"},
      {"POST", "/api/v1/orders", R"({"consumable":"coffee","quantity":0})", kAdmin, 400, "quantity"},
      {"POST", "/api/v1/orders", R"({"consumable":"coffee","quantity":1.5})", kAdmin, 400, "quantity"},
      // The message states the real range.
      {"POST", "/api/v1/orders", R"({"consumable":"coffee","quantity":100})", kAdmin, 400,
       "from 1 to 99"},
      // A misspelt field is refused, not ignored (it would order the default quantity).
      {"POST", "/api/v1/orders", R"({"consumable":"coffee","quantitty":5})", kAdmin, 400,
       "unknown field 'quantitty'"},
      {"POST", "/api/v1/orders", R"({"consumable":"coffee","source":"sensor"})", kAdmin, 400, "source"},
      {"POST", "/api/v1/orders", R"([1,2])", kAdmin, 400, "object"},
      {"POST", "/api/v1/orders/nope/cancel", "", kAdmin, 404, "nope"},
      {"POST", "/api/v1/orders/nope/confirm", "", kAdmin, 404, "nope"},
      {"GET", "/api/v1/orders/nope", "", kRead, 404, "nope"},
      {"GET", "/api/v1/orders?status=lost", "", kRead, 400, "lost"},
      {"GET", "/api/v1/orders", "", "X-None: 1", 401, ""},
  };
  for (const Case& c : cases) {
    CAPTURE(c.path);
    CAPTURE(c.body);
    std::vector<std::string> headers = {c.token};
    if (!c.body.empty()) headers.emplace_back(kJson);
    HttpAnswer a = http_request(daemon.http_port(), c.method, c.path, headers, c.body);
    CHECK(a.status == c.status);
    CHECK(a.body.find(c.says) != std::string::npos);
    CHECK(body_of(a)["error"]["code"].is_string());
    CHECK(a.body.size() < 1000);
  }
  HttpAnswer none = api(daemon, "GET", "/api/v1/orders", {}, kRead);
  REQUIRE(none.status == 200);
  CHECK(body_of(none).empty());

  // A held order is confirmed past its window at once, and goes on to the retailer.
  HttpAnswer created = api(daemon, "POST", "/api/v1/orders", R"({"consumable":"coffee"})");
  REQUIRE(created.status == 201);
  const std::string id = body_of(created)["order_id"];
  HttpAnswer confirmed = api(daemon, "POST", "/api/v1/orders/" + id + "/confirm");
  REQUIRE_MESSAGE(confirmed.status == 200, confirmed.body);
  CHECK(wait_until([&] { return sandbox_orders(sandbox) == 1; }, 10s));
  CHECK(wait_until([&] {
    return body_of(api(daemon, "GET", "/api/v1/orders/" + id, {}, kRead))["status"] == "placed";
  }, 10s));
  // A placed order waits for no confirmation: 409, and nothing changes.
  HttpAnswer again = api(daemon, "POST", "/api/v1/orders/" + id + "/confirm");
  CHECK(again.status == 409);
  CHECK(again.body.find("waits for no confirmation: it is placed") != std::string::npos);
  HttpAnswer only_placed = api(daemon, "GET", "/api/v1/orders?status=placed", {}, kRead);
  CHECK(body_of(only_placed).size() == 1);

  // Signed callbacks for it that are malformed change nothing: 415 without the media type,
  // 400 for a field the hub reads that is not what retailer-v1.md says.
  const std::string rid = sandbox.orders()["orders"][0]["order_id"];
  const auto port = daemon.http_port();
  auto callback = [port](const std::string& body, bool typed = true) {
    std::vector<std::string> headers = {"X-Larder-Signature: " +
                                        larder::signature_header(kSecret, body)};
    if (typed) headers.emplace_back(kJson);
    return http_request(port, "POST", "/api/v1/retailer/events", headers, body);
  };
  const std::string shipped = R"({"order_id":")" + rid + R"(","status":"shipped")";
  CHECK(callback(shipped + "}", /*typed=*/false).status == 415);
  const std::pair<std::string, std::string> malformed[] = {
      {R"(,"eta":"soon"})", R"(\"eta\" must be a time)"},
      {R"(,"window":{"start":2000000000,"end":1000000000}})", "starts after it ends"},
      {R"(,"window":{"start":1000000000}})", R"(\"window\" must be)"},
      {R"(,"window":"tomorrow"})", R"(\"window\" must be)"},
      {R"(,"reason":7})", R"(\"reason\" must be a string)"},
  };
  for (const auto& m : malformed) {
    CAPTURE(m.first);
    HttpAnswer a = callback(shipped + m.first);
    CHECK(a.status == 400);
    CHECK_MESSAGE(a.body.find(m.second) != std::string::npos, a.body);
  }
  CHECK(body_of(api(daemon, "GET", "/api/v1/orders/" + id, {}, kRead))["status"] == "placed");
  // Well formed (null for what the retailer does not know yet): applied.
  HttpAnswer good = callback(shipped + R"(,"eta":null,"window":null,"delivery":{}})");
  CHECK_MESSAGE(good.status == 200, good.body);
  CHECK(body_of(api(daemon, "GET", "/api/v1/orders/" + id, {}, kRead))["status"] == "shipped");
  CHECK(body_of(api(daemon, "GET", "/api/v1/orders?status=held", {}, kRead)).empty());
  CHECK(daemon.terminate().success());
}

TEST_CASE("signed callbacks carry the order to delivered, unsigned ones are refused") {
  // An hour a second: shipped after 0.5 s, delivered about 2 s after placing.
  World world("{sensor: 300, button: 0, api: 0}",
              {"--speed", "3600", "--ship-after", "1800", "--out-after", "3600",
               "--deliver-after", "1800", "--quote-ttl", "36000"},
              /*callbacks=*/true);
  auto& [broker, daemon, sandbox, w] = world;

  HttpAnswer created = api(daemon, "POST", "/api/v1/orders", R"({"consumable":"coffee"})");
  REQUIRE_MESSAGE(created.status == 201, created.body);
  const std::string id = body_of(created)["order_id"];
  REQUIRE_MESSAGE(order_state(w, id, "shipped", 10s), daemon.log());
  auto delivered = order_state(w, id, "delivered", 10s);
  REQUIRE_MESSAGE(delivered, daemon.log() << sandbox.log());
  CHECK(w.wait_for("larder/v1/event", 5s, [&](const Received& r) {
    auto j = json::parse(r.payload);
    return j["kind"] == "order_delivered" && j["order_id"] == id;
  }));
  // The delivery put a pack on the shelf.
  CHECK(w.wait_for("larder/v1/consumable/coffee/state", 5s, [](const Received& r) {
    return json::parse(r.payload)["on_hand"] == 1;
  }));
  // The callbacks did it (the poll comes only every 10 s).
  CHECK(sandbox.orders()["callbacks"]["sent"].get<int>() >= 3);

  const std::string body = R"({"order_id":"r-1","status":"delivered"})";
  const std::string good = "X-Larder-Signature: " + larder::signature_header(kSecret, body);
  CHECK(http_request(daemon.http_port(), "POST", "/api/v1/retailer/events",
                     {kJson, "X-Larder-Signature: sha256=00"}, body).status == 401);
  CHECK(http_request(daemon.http_port(), "POST", "/api/v1/retailer/events", {kJson}, body).status ==
        401);
  // Signed, but for an order the hub does not know.
  HttpAnswer unknown = http_request(daemon.http_port(), "POST", "/api/v1/retailer/events",
                                    {kJson, good}, body);
  CHECK(unknown.status == 404);
  CHECK(daemon.terminate().success());
}

TEST_CASE("orders survive a restart of larderd, and are not placed again") {
  World world("{sensor: 300, button: 0, api: 0}");
  auto& [broker, daemon, sandbox, w] = world;
  HttpAnswer created = api(daemon, "POST", "/api/v1/orders", R"({"consumable":"coffee"})");
  REQUIRE(created.status == 201);
  const std::string id = body_of(created)["order_id"];
  REQUIRE(wait_until([&] {
    return body_of(api(daemon, "GET", "/api/v1/orders/" + id, {}, kRead))["status"] == "placed";
  }, 10s));
  CHECK(daemon.terminate().success());

  daemon.start();
  HttpAnswer after = api(daemon, "GET", "/api/v1/orders/" + id, {}, kRead);
  REQUIRE(after.status == 200);
  CHECK(body_of(after)["status"] == "placed");
  HttpAnswer again = api(daemon, "POST", "/api/v1/orders", R"({"consumable":"coffee"})");
  CHECK(again.status == 200);
  CHECK(body_of(again)["existing"] == true);
  std::this_thread::sleep_for(500ms);
  CHECK(sandbox_orders(sandbox) == 1);
  CHECK(daemon.terminate().success());
}

TEST_CASE("two consumables due together go in one order, followed by polling to delivery") {
  // No callbacks: the poll (every 10 s) alone sees the order through. An hour a second.
  World world("{sensor: 0, button: 0, api: 0}",
              {"--speed", "3600", "--ship-after", "1800", "--out-after", "3600",
               "--deliver-after", "1800", "--quote-ttl", "36000"},
              /*callbacks=*/false, "  combine_within_days: 3\n");
  auto& [broker, daemon, sandbox, w] = world;
  // Both histories are learned first by a larderd without a retailer (it orders nothing),
  // so that the order is decided with both consumables due, whatever the timing.
  daemon.terminate();
  daemon.set_config(default_daemon_config());
  daemon.start();
  wait_subscribed(daemon);
  publish_low_pods_and_coffee(w);
  for (const char* c : {"coffee", "pods"}) {
    CAPTURE(c);
    // Generous: under the sanitizers the models learn the 335 readings slowly.
    REQUIRE_MESSAGE(w.wait_for(std::string("larder/v1/consumable/") + c + "/state", 90s,
                               [](const Received& r) {
                                 return json::parse(r.payload)["status"] == "low";
                               }),
                    daemon.log());
  }
  CHECK(daemon.terminate().success());  // the models are in the store
  daemon.set_config(orders_config(sandbox, "{sensor: 0, button: 0, api: 0}",
                                  "  combine_within_days: 3\n"));
  daemon.start();
  auto placed = w.wait_for("larder/v1/event", 15s, [](const Received& r) {
    return json::parse(r.payload)["kind"] == "order_placed";
  });
  REQUIRE_MESSAGE(placed, daemon.log());
  const std::string id = json::parse(placed->payload)["order_id"];
  json report = sandbox.orders();
  REQUIRE(report["orders"].size() == 1);
  std::set<std::string> skus;
  for (const auto& i : report["orders"][0]["items"]) skus.insert(i["sku"].get<std::string>());
  CHECK(skus == std::set<std::string>{"COFFEE-500", "PODS-40"});
  auto order = w.wait_for("larder/v1/order/" + id + "/state", 10s);
  REQUIRE_MESSAGE(order, daemon.log());
  CHECK(json::parse(order->payload)["items"].size() == 2);

  // The sandbox delivers 2 s after the placement; the hub polls every 10 s. Under load a
  // poll can come a period late.
  REQUIRE_MESSAGE(order_state(w, id, "delivered", 40s), daemon.log());
  // Each item put its pack on the shelf.
  for (const char* c : {"coffee", "pods"}) {
    CAPTURE(c);
    CHECK(w.wait_for(std::string("larder/v1/consumable/") + c + "/state", 5s, [](const Received& r) {
      return json::parse(r.payload)["on_hand"] == 1;
    }));
  }
  CHECK(sandbox.orders()["callbacks"]["sent"] == 0);
  CHECK(sandbox_orders(sandbox) == 1);
}

TEST_CASE("another retailer while orders are open: a reload is refused, a start parks them") {
  World world("{sensor: 300, button: 0, api: 0}");
  auto& [broker, daemon, sandbox, w] = world;
  HttpAnswer created = api(daemon, "POST", "/api/v1/orders", R"({"consumable":"coffee"})");
  REQUIRE(created.status == 201);
  const std::string id = body_of(created)["order_id"];
  REQUIRE(wait_until([&] {
    return body_of(api(daemon, "GET", "/api/v1/orders/" + id, {}, kRead))["status"] == "placed";
  }, 10s));
  // The same file with another retailer's address: refused, the order stays followed.
  std::string moved = orders_config(sandbox, "{sensor: 300, button: 0, api: 0}");
  moved.replace(moved.find(sandbox.url()), sandbox.url().size(), "http://127.0.0.1:9");
  daemon.set_config(moved);
  REQUIRE(::kill(daemon.pid(), SIGHUP) == 0);
  auto refused = w.wait_for("larder/v1/event", 10s, [](const Received& r) {
    return json::parse(r.payload).value("kind", "") == "config_refused";
  });
  REQUIRE_MESSAGE(refused, daemon.log());
  CHECK(json::parse(refused->payload)["first"].get<std::string>().find(
            "the retailer changes while 1 order(s) sent to the current one are not finished") !=
        std::string::npos);
  CHECK(refused->payload.find(sandbox.url()) == std::string::npos);  // a url may hold a secret
  CHECK(body_of(api(daemon, "GET", "/api/v1/orders/" + id, {}, kRead))["status"] == "placed");
  CHECK(daemon.terminate().success());

  // A start with another retailer (a second sandbox, which answers 404 for an order it
  // does not know) parks the order: before, its polls there failed it after three 404s
  // while the first sandbox still delivered, and the need was ordered again.
  SandboxProcess other;
  other.start();
  daemon.set_config(orders_config(other, "{sensor: 300, button: 0, api: 0}"));
  daemon.start();
  CHECK(daemon.log().find("orders: order " + id + " is placed at another retailer (sandbox) "
                          "than the configured one") != std::string::npos);
  CHECK(daemon.log().find(sandbox.url()) == std::string::npos);
  // More than a poll interval (10 s): never asked at the second sandbox, still placed.
  std::this_thread::sleep_for(12s);
  CHECK_MESSAGE(daemon.log().find("orders: status of " + id) == std::string::npos, daemon.log());
  CHECK(body_of(api(daemon, "GET", "/api/v1/orders/" + id, {}, kRead))["status"] == "placed");
  // A cancel ends it here only; neither sandbox is asked.
  HttpAnswer cancelled = api(daemon, "POST", "/api/v1/orders/" + id + "/cancel");
  CHECK_MESSAGE(cancelled.status == 200, cancelled.body);
  json o = body_of(api(daemon, "GET", "/api/v1/orders/" + id, {}, kRead));
  CHECK(o["status"] == "cancelled");
  CHECK(sandbox.orders()["orders"][0]["status"] != "cancelled");
  CHECK(sandbox_orders(other) == 0);
  CHECK(daemon.terminate().success());
}
