// larder-sandbox's car (tools/larder-sandbox/car_sim.h): the vehicle topics of
// shared/contract/mqtt-v1.md on a FakeBus and a ManualClock: what it publishes, the hub's
// commands, the carrier's hands, autolock and moving.
#include "car_sim.h"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "support/fake_bus.h"
#include "support/sandbox_fixtures.h"

using namespace larder;
using namespace larder::sandbox;
using nlohmann::json;
using larder::test::sandbox::kStart;

namespace {

const std::string kLocation = "larder/v1/vehicle/family-car/location";
const std::string kTrunk = "larder/v1/vehicle/family-car/trunk";
const std::string kCommand = "larder/v1/vehicle/family-car/command";

struct Car {
  ManualClock clock{kStart};
  test::FakeBus bus;
  CarOptions options;
  std::unique_ptr<CarSim> car;

  explicit Car(bool autolock = true) {
    options.lat = 48.1371;
    options.lon = 11.5754;
    options.autolock = autolock;
    REQUIRE(check_car_options(options).ok());
    car = std::make_unique<CarSim>(clock, bus, options);
    car->start();
  }
  CarSim* operator->() { return car.get(); }

  // The trunk states published so far, oldest first.
  std::vector<std::string> trunk_states() const {
    std::vector<std::string> out;
    for (const auto& m : bus.on(kTrunk)) out.push_back(json::parse(m.payload)["state"]);
    return out;
  }
  void command(const json& j, bool retained = false) { car->on_command(j.dump(), retained); }
  json unlock() { return {{"command", "unlock_trunk"}, {"grant", "g-17"}, {"ts", kStart}}; }
};

}  // namespace

TEST_CASE("the car publishes its position and a locked trunk at start, retained") {
  Car c;
  CHECK(c->command_topic() == kCommand);
  auto location = c.bus.on(kLocation);
  REQUIRE(location.size() == 1);
  CHECK(location[0].retained);
  CHECK(location[0].qos == 1);
  CHECK(json::parse(location[0].payload) ==
        json{{"lat", 48.1371}, {"lon", 11.5754}, {"acc", 10}, {"moving", false}, {"ts", kStart}});
  auto trunk = c.bus.on(kTrunk);
  REQUIRE(trunk.size() == 1);
  CHECK(trunk[0].retained);
  CHECK(json::parse(trunk[0].payload) == json{{"state", "locked"}, {"ts", kStart}});
  CHECK(c.bus.sent.size() == 2);
}

TEST_CASE("the car reports its position every interval") {
  Car c;
  REQUIRE(c->next_change());
  CHECK(*c->next_change() == kStart + 30);
  c.clock.advance(29);
  c->tick();
  CHECK(c.bus.on(kLocation).size() == 1);
  c.clock.advance(1);
  c->tick();
  REQUIRE(c.bus.on(kLocation).size() == 2);
  CHECK(json::parse(c.bus.on(kLocation)[1].payload)["ts"] == kStart + 30);
  CHECK(*c->next_change() == kStart + 60);
}

TEST_CASE("unlock_trunk unlocks silently, the carrier opens and closes, the car locks itself") {
  Car c;
  CHECK_FALSE(c->open_trunk());  // locked: the carrier cannot open it
  c.command(c.unlock());
  CHECK(c->unlocked());
  CHECK(c.trunk_states() == std::vector<std::string>{"locked"});  // nothing until opened
  CHECK(c->report()["last_grant"] == "g-17");
  CHECK(c->report()["unlocks"] == 1);

  REQUIRE(c->open_trunk());
  CHECK_FALSE(c->open_trunk());
  c.clock.advance(20);
  REQUIRE(c->close_trunk());
  CHECK_FALSE(c->close_trunk());
  CHECK(c.trunk_states() == std::vector<std::string>{"locked", "open", "closed"});
  CHECK(json::parse(c.bus.on(kTrunk)[2].payload)["ts"] == kStart + 20);

  // A few seconds later it locks by itself.
  REQUIRE(c->next_change());
  CHECK(*c->next_change() == kStart + 25);
  c.clock.advance(4);
  c->tick();
  CHECK(c.trunk_states().size() == 3);
  c.clock.advance(1);
  c->tick();
  CHECK(c.trunk_states() == std::vector<std::string>{"locked", "open", "closed", "locked"});
  CHECK(c->trunk() == CarSim::Trunk::locked);
  CHECK(c->report()["autolocks"] == 1);
  CHECK(c->report()["opens"] == 1);
}

TEST_CASE("without autolock the trunk stays unlocked until the hub sends lock") {
  Car c(false);
  c.command(c.unlock());
  REQUIRE(c->open_trunk());
  // An open trunk cannot be locked.
  c.command({{"command", "lock"}, {"ts", kStart}});
  CHECK(c->trunk() == CarSim::Trunk::open);
  CHECK(c->report()["refused_commands"] == 1);
  REQUIRE(c->close_trunk());
  c.clock.advance(3600);
  c->tick();
  CHECK(c->trunk() == CarSim::Trunk::closed);
  CHECK(c.trunk_states() == std::vector<std::string>{"locked", "open", "closed"});

  c.command({{"command", "lock"}, {"ts", kStart + 3600}});
  CHECK(c->trunk() == CarSim::Trunk::locked);
  CHECK(c.trunk_states() == std::vector<std::string>{"locked", "open", "closed", "locked"});
  // Lock again: the answer is "locked" again, nothing else changes.
  c.command({{"command", "lock"}});
  CHECK(c.trunk_states().back() == "locked");
  CHECK(c->report()["locks"] == 2);
  CHECK(c->report()["autolocks"] == 0);
}

TEST_CASE("a lock before the carrier came locks an unlocked trunk again") {
  Car c;
  c.command(c.unlock());
  c.command({{"command", "lock"}, {"ts", kStart}});
  CHECK(c->trunk() == CarSim::Trunk::locked);
  CHECK_FALSE(c->open_trunk());
}

TEST_CASE("malformed, grantless and retained commands change nothing") {
  Car c;
  c->on_command("not json", false);
  c->on_command("[1,2]", false);
  c.command({{"grant", "g-1"}});                                    // no command
  c.command({{"command", 7}});                                      // not a string
  c.command({{"command", "unlock_trunk"}});                         // no grant
  c.command({{"command", "unlock_trunk"}, {"grant", ""}});          // empty grant
  c.command({{"command", "unlock_trunk"}, {"grant", 17}});          // wrong type
  c.command({{"command", "unlock_trunk"}, {"grant", "g"}, {"ts", "now"}});
  c.command({{"command", "open_sesame"}, {"grant", "g-1"}});
  c.command(c.unlock(), true);  // a stale unlock the broker kept
  CHECK(c->trunk() == CarSim::Trunk::locked);
  CHECK_FALSE(c->unlocked());
  CHECK(c->report()["refused_commands"] == 10);
  CHECK(c->report()["unlocks"] == 0);
  CHECK(c.bus.sent.size() == 2);  // only what start() published
}

TEST_CASE("moving the car publishes its position at once, a bad position changes nothing") {
  Car c;
  c.clock.advance(7);
  SimReply moved = c->move({{"lat", 48.2}, {"lon", 11.6}, {"moving", true}});
  REQUIRE_MESSAGE(moved.status == 200, moved.body.dump());
  CHECK(moved.body["lat"] == 48.2);
  CHECK(moved.body["moving"] == true);
  auto location = c.bus.on(kLocation);
  REQUIRE(location.size() == 2);
  CHECK(json::parse(location[1].payload) ==
        json{{"lat", 48.2}, {"lon", 11.6}, {"acc", 10}, {"moving", true}, {"ts", kStart + 7}});
  CHECK(*c->next_change() == kStart + 37);  // the interval starts again

  for (const json& bad : {json{{"lat", 91}, {"lon", 0}}, json{{"lat", 1}},
                          json{{"lat", 1}, {"lon", 2}, {"moving", "yes"}},
                          json{{"lat", 1}, {"lon", 2}, {"speed", 3}}, json::array(),
                          json{{"lat", "1"}, {"lon", 2}}}) {
    SimReply r = c->move(bad);
    CHECK_MESSAGE(r.status == 400, bad.dump());
    CHECK(r.body["error"]["code"] == "bad_request");
  }
  CHECK(c.bus.on(kLocation).size() == 2);
  CHECK(c->report()["lat"] == 48.2);
  // Parked again.
  REQUIRE(c->move({{"lat", 48.1371}, {"lon", 11.5754}}).status == 200);
  CHECK(json::parse(c.bus.on(kLocation).back().payload)["moving"] == false);
}

TEST_CASE("car options are checked") {
  CarOptions o;
  CHECK(check_car_options(o).ok());
  o.vehicle = "Family Car";
  CHECK_FALSE(check_car_options(o).ok());
  o = {};
  o.vehicle = "-car";
  CHECK_FALSE(check_car_options(o).ok());
  o = {};
  for (const char* prefix : {"", "a/#", "a/+/b", "/a", "a/", "a//b"}) {
    o.prefix = prefix;
    CHECK_FALSE_MESSAGE(check_car_options(o).ok(), prefix);
  }
  o = {};
  o.prefix = "home/larder";
  CHECK(check_car_options(o).ok());
  o.lat = 95;
  CHECK_FALSE(check_car_options(o).ok());
  o = {};
  o.report_every = 0;
  CHECK_FALSE(check_car_options(o).ok());
}
