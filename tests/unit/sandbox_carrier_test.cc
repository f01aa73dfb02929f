// larder-sandbox's carrier (tools/larder-sandbox/carrier_sim.h) with the real RetailerSim
// and CarSim on one ManualClock, a FakeBus for the car and a hub that the test answers
// through the carrier's HTTP port: when the carrier comes, what it asks, what it does on
// the hub's refusals, retries and the end of the window, and that the access code shows
// nowhere but in the requests' Authorization. The real HTTP path (HttpClient against
// larderd) is covered by the hub's integration test.
#include "carrier_sim.h"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "support/fake_bus.h"
#include "support/sandbox_fixtures.h"

using namespace larder;
using namespace larder::sandbox;
using nlohmann::json;
using namespace larder::test::sandbox;

namespace {

const char* kCode = "secret-trunk-code-4711";
const char* kApi = "https://hub.example/api/v1/carrier/deliveries/o-1";

// The hub as the carrier sees it: requests are kept, the test answers them.
struct FakeHub {
  std::vector<CarrierRequest> requests;
  std::vector<std::function<void(CarrierReply)>> pending;
  CarrierHttp port() {
    return [this](CarrierRequest r, std::function<void(CarrierReply)> done) {
      requests.push_back(std::move(r));
      pending.push_back(std::move(done));
    };
  }
  void answer(int status, const json& body = json::object()) {
    REQUIRE_FALSE(pending.empty());
    auto done = std::move(pending.front());
    pending.erase(pending.begin());
    done(CarrierReply{status, body.dump(), status == 0 ? "timed out" : ""});
  }
};

json error(const std::string& code) {
  return {{"error", {{"code", code}, {"message", "no"}}}};
}

struct World {
  ManualClock clock{kStart};
  SimOptions options;
  std::unique_ptr<RetailerSim> sim;
  test::FakeBus bus;
  std::unique_ptr<CarSim> car;
  FakeHub hub;
  std::unique_ptr<CarrierSim> carrier;

  explicit World(bool with_car = true) {
    options.carrier = true;
    sim = std::make_unique<RetailerSim>(clock, options);
    CarOptions o;
    o.lat = 52.52;
    o.lon = 13.405;
    car = std::make_unique<CarSim>(clock, bus, o);
    car->start();
    carrier = std::make_unique<CarrierSim>(*sim, with_car ? car.get() : nullptr, hub.port());
  }

  // A trunk order r-1001 that has shipped and has its access; its window opens at
  // kStart + 15 h and ends at kStart + 19 h.
  void shipped_with_access() {
    SimReply q = sim->quote({{"items", {{{"sku", "COFFEE-500"}, {"quantity", 1}}}}});
    REQUIRE(sim->place(kKey1, order_body(q.body, "trunk")).status == 201);
    advance(3600);
    json access = {{"method", "trunk"}, {"access", {{"code", kCode}, {"carrier_api", kApi}}}};
    SimReply given = sim->change_delivery("r-1001", access);
    REQUIRE_MESSAGE(given.status == 200, given.body.dump());
  }
  // The clock moves on and everything ticks, as larder-sandbox's pump does.
  void advance(double s) {
    clock.advance(s);
    tick();
  }
  void tick() {
    sim->tick();
    car->tick();
    carrier->tick();
  }
  std::string status() { return sim->order("r-1001").body["status"]; }
  json visit() { return carrier->report("r-1001"); }
  // Everything the sandbox shows or publishes: the code must be in none of it.
  std::string everything() {
    std::string all = sim->report().dump() + visit().dump() + sim->order("r-1001").body.dump() +
                      car->report().dump();
    for (const auto& m : bus.sent) all += m.topic + m.payload;
    for (const auto& cb : sim->take_callbacks()) all += cb.body;
    return all;
  }
};

}  // namespace

TEST_CASE("the carrier comes in the window, asks, unlocks, and delivers into the trunk") {
  World w;
  w.shipped_with_access();
  w.advance(12 * 3600);
  REQUIRE(w.status() == "out_for_delivery");
  CHECK(w.hub.requests.empty());  // out for delivery, but the window has not begun
  CHECK(w.visit().is_null());

  w.advance(2 * 3600 + 60);
  // The timeline would have delivered by now: the order waits for the carrier instead.
  CHECK(w.status() == "out_for_delivery");
  REQUIRE(w.hub.requests.size() == 1);
  CHECK(w.hub.requests[0].method == "GET");
  CHECK(w.hub.requests[0].url == kApi);
  CHECK(w.hub.requests[0].code == kCode);
  CHECK(w.visit()["state"] == "asking");
  CHECK(w.visit()["arrived"] == kStart + 15 * 3600 + 60);

  w.hub.answer(200, {{"window", {{"start", 1}, {"end", 2}}}, {"vehicle", {{"lat", 52.5}}}});
  REQUIRE(w.hub.requests.size() == 2);
  CHECK(w.hub.requests[1].method == "POST");
  CHECK(w.hub.requests[1].url == std::string(kApi) + "/unlock");
  CHECK(w.hub.requests[1].code == kCode);
  CHECK(w.visit()["window"] == json{{"start", 1}, {"end", 2}});
  w.hub.answer(202);
  CHECK(w.visit()["state"] == "waiting_for_car");
  CHECK(w.visit()["unlocked"] == true);

  // The car is still locked until the hub's unlock_trunk reaches it.
  w.advance(30);
  CHECK(w.visit()["state"] == "waiting_for_car");
  CHECK(w.car->trunk() == CarSim::Trunk::locked);
  w.car->on_command(json{{"command", "unlock_trunk"}, {"grant", "g-1"}}.dump(), false);
  w.tick();
  CHECK(w.car->trunk() == CarSim::Trunk::open);
  CHECK(w.visit()["trunk_opened"] == true);
  REQUIRE(w.carrier->next_change());
  CHECK(*w.carrier->next_change() == doctest::Approx(w.sim->now() + 20));
  w.advance(20);
  CHECK(w.car->trunk() == CarSim::Trunk::closed);
  CHECK(w.visit()["state"] == "delivered");
  CHECK(w.status() == "delivered");
  w.advance(5);
  CHECK(w.car->trunk() == CarSim::Trunk::locked);
  std::vector<std::string> states;
  for (const auto& m : w.bus.on("larder/v1/vehicle/family-car/trunk"))
    states.push_back(json::parse(m.payload)["state"]);
  CHECK(states == std::vector<std::string>{"locked", "open", "closed", "locked"});

  CHECK(w.hub.requests.size() == 2);  // once only
  CHECK(w.everything().find(kCode) == std::string::npos);
}

TEST_CASE("a wrong code (401) is a refusal: no unlock, the order fails trunk_refused") {
  World w;
  w.shipped_with_access();
  w.advance(14 * 3600 + 1);
  REQUIRE(w.hub.requests.size() == 1);
  w.hub.answer(401, error("unauthorized"));
  CHECK(w.hub.requests.size() == 1);
  json v = w.visit();
  CHECK(v["state"] == "refused");
  CHECK(v["ask_status"] == 401);
  CHECK(v["refusal"] == json{{"step", "ask"}, {"status", 401}, {"code", "unauthorized"}});
  CHECK(v["unlocked"] == false);
  json o = w.sim->order("r-1001").body;
  CHECK(o["status"] == "failed");
  CHECK(o["reason"] == "trunk_refused");
  w.advance(3600);
  CHECK(w.hub.requests.size() == 1);  // it does not come back
  CHECK(w.car->report()["opens"] == 0);
  CHECK(w.everything().find(kCode) == std::string::npos);
}

TEST_CASE("an unlock the hub refuses (403, 409) ends the visit without opening the car") {
  for (int refusal : {403, 409, 404}) {
    CAPTURE(refusal);
    World w;
    w.shipped_with_access();
    w.advance(14 * 3600 + 1);
    w.hub.answer(200, {{"window", {{"start", 1}, {"end", 2}}}});
    REQUIRE(w.hub.requests.size() == 2);
    w.hub.answer(refusal, error("car_not_parked"));
    json v = w.visit();
    CHECK(v["state"] == "refused");
    CHECK(v["unlock_status"] == refusal);
    CHECK(v["refusal"]["step"] == "unlock");
    CHECK(v["refusal"]["code"] == "car_not_parked");
    CHECK(w.status() == "failed");
    // Even if the car were unlocked now, the carrier has left.
    w.car->on_command(json{{"command", "unlock_trunk"}, {"grant", "g-1"}}.dump(), false);
    w.advance(60);
    CHECK(w.car->report()["opens"] == 0);
  }
}

TEST_CASE("no answer, 429 and 5xx are asked again later, within the window") {
  World w;
  w.shipped_with_access();
  w.advance(14 * 3600 + 1);
  w.hub.answer(503, error("unavailable"));
  CHECK(w.visit()["state"] == "asking");
  CHECK(w.visit()["error"] == "HTTP 503 unavailable");
  REQUIRE(w.carrier->next_change());
  CHECK(*w.carrier->next_change() == doctest::Approx(w.sim->now() + 60));
  w.advance(59);
  CHECK(w.hub.requests.size() == 1);
  w.advance(1);
  REQUIRE(w.hub.requests.size() == 2);
  CHECK(w.hub.requests[1].method == "GET");
  w.hub.answer(200);
  w.hub.answer(0);  // the unlock's answer was lost
  CHECK(w.visit()["error"] == "no answer");
  w.advance(60);
  REQUIRE(w.hub.requests.size() == 4);
  CHECK(w.hub.requests[3].method == "POST");
  w.hub.answer(200);
  CHECK(w.visit()["state"] == "waiting_for_car");
  CHECK(w.visit()["asked"] == 2);
  CHECK(w.visit()["unlock_requests"] == 2);
  CHECK_FALSE(w.visit().contains("error"));
}

TEST_CASE("a car that never unlocks: the window ends and the order fails trunk_not_opened") {
  World w;
  w.shipped_with_access();
  w.advance(14 * 3600 + 1);
  w.hub.answer(200);
  w.hub.answer(200);
  w.advance(2 * 3600);
  CHECK(w.visit()["state"] == "waiting_for_car");
  CHECK(w.status() == "out_for_delivery");
  w.advance(2 * 3600);  // past the window's end
  CHECK(w.visit()["state"] == "ended");
  json o = w.sim->order("r-1001").body;
  CHECK(o["status"] == "failed");
  CHECK(o["reason"] == "trunk_not_opened");
  CHECK(w.car->report()["opens"] == 0);
}

TEST_CASE("without a simulated car the carrier delivers once the hub unlocked") {
  World w(false);
  w.shipped_with_access();
  w.advance(14 * 3600 + 1);
  w.hub.answer(200);
  w.hub.answer(200);
  CHECK(w.visit()["state"] == "delivered");
  CHECK(w.status() == "delivered");
}

TEST_CASE("the carrier leaves doorstep orders and trunk orders without access alone") {
  World w;
  SimReply q = w.sim->quote({{"items", {{{"sku", "COFFEE-500"}, {"quantity", 1}}}}});
  REQUIRE(w.sim->place(kKey1, order_body(q.body, "doorstep")).status == 201);
  SimReply q2 = w.sim->quote({{"items", {{{"sku", "COFFEE-500"}, {"quantity", 1}}}}});
  REQUIRE(w.sim->place(kKey2, order_body(q2.body, "trunk")).status == 201);
  w.advance(20 * 3600);
  CHECK(w.hub.requests.empty());
  CHECK(w.sim->order("r-1001").body["status"] == "delivered");
  CHECK(w.sim->order("r-1002").body["reason"] == "trunk_access_missing");
}
