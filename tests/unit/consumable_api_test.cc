// The consumables and events on the HTTP API (api/consumable_routes.h): the router with
// real access checks, the hub on a fake bus behind the event log, an in-memory store.
#include <doctest/doctest.h>

#include <cstddef>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "api/consumable_routes.h"
#include "api/http_types.h"
#include "core/hub.h"
#include "support/test_consumables.h"
#include "support/fake_bus.h"

using namespace larder;
using nlohmann::json;

namespace {

constexpr double kT0 = 1767571200;  // 2026-01-05 00:00 UTC
const char* kRead = "read-token-for-tests";

Config api_config() {
  Config c;
  c.state_dir = "/nonexistent";
  c.http.read_token = kRead;
  c.http.admin_token = "admin-token-for-tests";
  c.consumables = {test::coffee_beans(), test::coffee_pods()};
  return c;
}

// The in-memory store, whose readings can be made unreadable (a locked database).
class FlakyStore final : public Store {
 public:
  bool fail_reads = false;
  void append(Reading r) override { store_.append(std::move(r)); }
  void put_state(const std::string& consumable, std::string json, double updated) override {
    store_.put_state(consumable, std::move(json), updated);
  }
  Status flush() override { return store_.flush(); }
  std::size_t pending() const override { return store_.pending(); }
  Result<std::vector<StoredState>> load_states() override { return store_.load_states(); }
  Result<std::vector<Reading>> readings_after_states() override {
    return store_.readings_after_states();
  }
  Result<std::vector<Reading>> readings(const std::string& consumable, double since,
                                        double until, std::size_t limit) override {
    if (fail_reads) return Status::Error("database is locked");
    return store_.readings(consumable, since, until, limit);
  }
  Status save_order(const StoredOrder& order) override { return store_.save_order(order); }
  Result<std::vector<StoredOrder>> load_orders(std::size_t finished_limit, double finished_since,
                                               std::size_t finished_max) override {
    return store_.load_orders(finished_limit, finished_since, finished_max);
  }

 private:
  MemoryStore store_;
};

struct World {
  Config config = api_config();
  test::FakeBus mqtt;
  EventLog bus{mqtt, "larder/v1", 50};
  FlakyStore store;
  ManualClock clock{kT0};
  Metrics metrics;
  Hub hub{config, bus, store, clock, metrics};
  ConsumableView view{config, hub, store, clock};
  Access access{config.http, clock, metrics};
  Router router{access};

  World() { REQUIRE(add_consumable_routes(router, view, bus).ok()); }

  void send(const std::string& topic, const std::string& payload) {
    hub.on_message(Message{"larder/v1/" + topic, payload, 1, false});
  }
  // Coffee on a scale: 24 g a day in three portions, read every 5 minutes, for `days`.
  void coffee_days(double days, double& jar) {
    const double until = clock.now() + days * 86400;
    while (clock.now() < until) {
      auto minute = static_cast<long>(clock.now() - kT0) % 86400 / 60;
      if (minute == 7 * 60 || minute == 12 * 60 || minute == 19 * 60) jar -= 8;
      send("consumable/coffee/level", "{\"value\":" + std::to_string(jar) + ",\"unit\":\"g\",\"ts\":" +
                                          std::to_string(static_cast<long>(clock.now())) + "}");
      hub.tick();
      clock.advance(300);
    }
    REQUIRE(store.flush().ok());
  }
  HttpResponse get(const std::string& target, const std::string& token = kRead) {
    HttpRequest r;
    r.method = "GET";
    r.target = target;
    REQUIRE(parse_target(target, r).ok());
    if (!token.empty()) r.headers["authorization"] = "Bearer " + token;
    return router.handle(r);
  }
};

std::string error_code(const HttpResponse& r) {
  json j = json::parse(r.body);
  CHECK_FALSE(j["error"]["message"].get<std::string>().empty());
  return j["error"]["code"].get<std::string>();
}

}  // namespace

TEST_CASE("the event log keeps the newest events, numbered, and passes everything on") {
  test::FakeBus mqtt;
  EventLog log(mqtt, "larder/v1", 3);
  for (int i = 1; i <= 5; ++i) {
    log.publish("larder/v1/event", json{{"kind", "k" + std::to_string(i)}, {"ts", 100 * i}}.dump(), false);
  }
  log.publish("larder/v1/consumable/coffee/state", "{}", true);
  log.publish("larder/v1/event", "not json", false);  // passed on, not kept
  CHECK(mqtt.sent.size() == 7);
  CHECK(log.size() == 3);
  json all = log.recent({});
  REQUIRE(all["events"].size() == 3);
  CHECK(all["events"][0]["kind"] == "k3");
  CHECK(all["events"][0]["seq"] == 3);
  CHECK(all["events"][2]["kind"] == "k5");
  CHECK(all["next"] == 5);
  CHECK(log.recent({std::nullopt, 4, 200})["events"].size() == 1);
  CHECK(log.recent({std::nullopt, 5, 200})["events"].empty());
  CHECK(log.recent({400.0, std::nullopt, 200})["events"].size() == 2);
  json newest = log.recent({std::nullopt, std::nullopt, 1});
  REQUIRE(newest["events"].size() == 1);
  CHECK(newest["events"][0]["kind"] == "k5");
}

TEST_CASE("a poller that fell behind by more than the limit gets every event, in turn") {
  test::FakeBus mqtt;
  EventLog log(mqtt, "larder/v1", 1000);
  for (int i = 1; i <= 7; ++i) {
    json event = {{"kind", "k" + std::to_string(i)}, {"ts", 100 * i}};
    log.publish("larder/v1/event", event.dump(), false);
  }
  // Polled after seq 1 with a limit of 3: 2, 3, 4, then 5, 6, 7, then nothing.
  std::vector<int> seen;
  std::uint64_t after = 1;
  for (int poll = 0; poll < 4; ++poll) {
    json page = log.recent({std::nullopt, after, 3});
    for (const auto& e : page["events"]) seen.push_back(e["seq"].get<int>());
    after = page["next"].get<std::uint64_t>();
  }
  CHECK(seen == std::vector<int>{2, 3, 4, 5, 6, 7});
  CHECK(after == 7);
  // With `since` as well: the events it leaves out are passed over, not returned later.
  json page = log.recent({450.0, 1, 2});
  REQUIRE(page["events"].size() == 2);
  CHECK(page["events"][0]["seq"] == 5);
  CHECK(page["events"][1]["seq"] == 6);
  CHECK(page["next"] == 6);
}

TEST_CASE("GET /api/v1/consumables lists every consumable with its state, and needs a token") {
  World w;
  double jar = 480;
  w.coffee_days(0.1, jar);
  HttpResponse r = w.get("/api/v1/consumables");
  REQUIRE(r.status == 200);
  json list = json::parse(r.body);
  REQUIRE(list.size() == 2);
  CHECK(list[0]["id"] == "coffee");
  CHECK(list[0]["name"] == "Coffee beans");
  CHECK(list[0]["level"].get<double>() == doctest::Approx(472).epsilon(0.02));
  CHECK(list[0]["unit"] == "g");
  CHECK(list[1]["id"] == "pods");
  CHECK(list[1]["level"].is_null());
  CHECK(list[1]["status"] == "unknown");
  CHECK(w.get("/api/v1/consumables", "").status == 401);
  CHECK(w.get("/api/v1/consumables", "wrong").status == 401);
}

TEST_CASE("a consumable's detail: history downsampled, the forecast band, the reorder point") {
  World w;
  double jar = 480;
  w.coffee_days(6, jar);
  HttpResponse r = w.get("/api/v1/consumables/coffee");
  REQUIRE(r.status == 200);
  json d = json::parse(r.body);
  CHECK(d["id"] == "coffee");
  CHECK(d["pack_size"] == 500);
  REQUIRE(d["supply"].is_number());
  CHECK(d["supply"].get<double>() == doctest::Approx(jar).epsilon(0.02));
  REQUIRE(d["reorder_point"].is_number());
  CHECK(d["reorder_point"].get<double>() < d["supply"].get<double>());
  // 6 days of 5-minute readings are 1728: at most 500 points, oldest first, in range.
  const json& h = d["history"];
  REQUIRE(h.size() == 500);
  CHECK(h.front()[0].get<double>() >= kT0);
  for (std::size_t i = 1; i < h.size(); ++i) CHECK(h[i][0].get<double>() > h[i - 1][0].get<double>());
  CHECK(h.back()[1].get<double>() == doctest::Approx(jar).epsilon(0.02));
  CHECK(h.front()[1].get<double>() > 460);
  const json& f = d["forecast"];
  REQUIRE(f.size() == 100);
  for (const auto& p : f) {
    CHECK(p[2].get<double>() <= p[1].get<double>());
    CHECK(p[1].get<double>() <= p[3].get<double>());
  }
  CHECK(f.back()[0].get<double>() >= d["empty_at_high"].get<double>());

  // A window of the history: only readings inside it.
  const double since = kT0 + 86400, until = kT0 + 86400 + 3600;
  json part = json::parse(w.get("/api/v1/consumables/coffee?since=" + std::to_string(since) +
                                "&until=" + std::to_string(until)).body);
  REQUIRE(part["history"].size() == 12);
  for (const auto& p : part["history"]) {
    CHECK(p[0].get<double>() >= since);
    CHECK(p[0].get<double>() < until);
  }
}

TEST_CASE("a counter's history is its container rebuilt from refills and uses") {
  World w;
  w.send("consumable/pods/refilled", "{\"amount\":40,\"unit\":\"pcs\",\"ts\":" +
                                         std::to_string(static_cast<long>(kT0 - 7200)) + "}");
  for (int i = 0; i < 3; ++i) {
    w.send("consumable/pods/used", "{\"amount\":2,\"unit\":\"pcs\",\"ts\":" +
                                       std::to_string(static_cast<long>(kT0 - 3600 + 600 * i)) + "}");
  }
  REQUIRE(w.store.flush().ok());
  json d = json::parse(w.get("/api/v1/consumables/pods").body);
  REQUIRE(d["history"].size() == 4);
  CHECK(d["history"][0][1] == 40);
  CHECK(d["history"][3][1] == 34);
  CHECK(d["forecast"].empty());  // three uses teach no rate yet
  CHECK(d["reorder_point"].is_null());
  // A window after the refill still starts from it: the level at the first use is 38.
  json part = json::parse(
      w.get("/api/v1/consumables/pods?since=" + std::to_string(static_cast<long>(kT0 - 3700))).body);
  REQUIRE(part["history"].size() == 3);
  CHECK(part["history"][0][1] == 38);
}

TEST_CASE("bad queries and unknown consumables are refused with what was wrong") {
  World w;
  HttpResponse r = w.get("/api/v1/consumables/tea");
  CHECK(r.status == 404);
  CHECK(error_code(r) == "not_found");
  // What the client sent is shown cut short: the message stays small whatever the path.
  HttpResponse long_id = w.get("/api/v1/consumables/" + std::string(4000, 't'));
  CHECK(long_id.status == 404);
  CHECK(long_id.body.size() < 400);
  CHECK(long_id.body.find("no consumable 'ttt") != std::string::npos);
  for (const char* q : {"?since=abc", "?until=1e999", "?since=10&until=5", "?since=", "?since=5x"}) {
    CAPTURE(q);
    HttpResponse b = w.get(std::string("/api/v1/consumables/coffee") + q);
    CHECK(b.status == 400);
    CHECK(error_code(b) == "bad_request");
  }
  for (const char* q : {"?after=-1", "?after=1.5", "?limit=0", "?limit=1001", "?since=x"}) {
    CAPTURE(q);
    CHECK(w.get(std::string("/api/v1/events") + q).status == 400);
  }
  // A history the database will not give is not a bug (500): 503, and the next try works.
  w.store.fail_reads = true;
  HttpResponse down = w.get("/api/v1/consumables/coffee");
  CHECK(down.status == 503);
  CHECK(error_code(down) == "unavailable");
  CHECK(down.body.find("database is locked") != std::string::npos);
  CHECK(down.body.find("try again") != std::string::npos);
  w.store.fail_reads = false;
  CHECK(w.get("/api/v1/consumables/coffee").status == 200);
}

TEST_CASE("GET /api/v1/events: the hub's events, polled with after") {
  World w;
  w.hub.publish_event("refill_detected", "Coffee beans refilled", {{"consumable", "coffee"}}, kT0);
  json first = json::parse(w.get("/api/v1/events").body);
  REQUIRE(first["events"].size() == 1);
  CHECK(first["events"][0]["kind"] == "refill_detected");
  CHECK(first["events"][0]["consumable"] == "coffee");
  const auto next = first["next"].get<std::uint64_t>();
  CHECK(json::parse(w.get("/api/v1/events?after=" + std::to_string(next)).body)["events"].empty());
  w.hub.publish_event("low_stock", "Coffee beans are low", {{"consumable", "coffee"}}, kT0 + 10);
  json more = json::parse(w.get("/api/v1/events?after=" + std::to_string(next)).body);
  REQUIRE(more["events"].size() == 1);
  CHECK(more["events"][0]["kind"] == "low_stock");
  // And the same events went out on MQTT.
  CHECK(w.mqtt.on("larder/v1/event").size() == 2);
}
