// The vehicle_tracker plugin: OwnTracks locations, transitions and the rest (payloads as in
// shared/formats.md and OwnTracks' JSON documentation), the parked derivation, presence,
// and malformed messages.
#include "plugins/vehicle_tracker/vehicle_tracker.h"

#include <string>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "support/fake_sink.h"

using namespace larder;
using nlohmann::json;

namespace {

constexpr double kLat = 48.1371, kLon = 11.5754;
constexpr double kT0 = 1707057574;
// Metres per degree of latitude on the plugin's sphere (mean radius 6371008.8 m).
constexpr double kMetresPerDegree = 111195.08;

double north(double metres) { return kLat + metres / kMetresPerDegree; }

Config config_of(double parked_after_s = 300) {
  Config c;
  VehicleConfig car;
  car.id = "car";
  car.owntracks = "jane/car";
  car.parked_after_s = parked_after_s;
  c.vehicles.push_back(car);
  PersonConfig anna;
  anna.id = "anna";
  anna.owntracks = "anna/phone";
  c.people.push_back(anna);  // home_region "Home"
  return c;
}

struct Rig {
  explicit Rig(const Config& c = config_of()) : plugin(plugins::make_vehicle_tracker(c)) {
    REQUIRE(plugin != nullptr);
  }
  void send(const std::string& topic, const std::string& payload, bool retained = false) {
    plugin->on_message(Message{topic, payload, 1, retained}, kT0, sink);
  }
  void car(const std::string& payload, bool retained = false) {
    send("owntracks/jane/car", payload, retained);
  }
  void anna(const std::string& payload) { send("owntracks/anna/phone", payload); }
  void anna_event(const std::string& payload) { send("owntracks/anna/phone/event", payload); }
  // A car fix `metres` north of the start, `dt` seconds after kT0.
  void car_at(double metres, double dt, const std::string& extra = "") {
    json j = {{"_type", "location"}, {"lat", north(metres)}, {"lon", kLon}, {"tst", kT0 + dt}};
    if (!extra.empty()) j.update(json::parse(extra));
    car(j.dump());
  }
  // The single input since the last take(), cleared.
  test::FakeSink::Input take() {
    REQUIRE(sink.inputs.size() == 1);
    auto in = sink.inputs.front();
    sink.clear();
    return in;
  }
  bool moving() { return take().payload.at("moving").get<bool>(); }

  std::unique_ptr<plugins::Plugin> plugin;
  test::FakeSink sink;
};

}  // namespace

TEST_CASE("nothing to do without an OwnTracks device, topics per device otherwise") {
  Config none;
  none.vehicles.push_back(VehicleConfig{"car", std::nullopt, 300, "", ""});
  none.people.push_back(PersonConfig{"anna", std::nullopt, "Home"});
  CHECK(plugins::make_vehicle_tracker(none) == nullptr);
  none.vehicles[0].owntracks = "not-a-device";  // not <user>/<device>: ignored
  none.people[0].owntracks = "anna/+";
  CHECK(plugins::make_vehicle_tracker(none) == nullptr);

  Config c = config_of();
  c.plugins.owntracks_base = "ot";
  c.people.push_back(PersonConfig{"ben", "jane/car", "Home"});  // shares the car's device
  auto p = plugins::make_vehicle_tracker(c);
  REQUIRE(p != nullptr);
  CHECK(std::string(p->name()) == "vehicle_tracker");
  auto subs = p->subscriptions();
  REQUIRE(subs.size() == 4);
  CHECK(subs[0].filter == "ot/jane/car");
  CHECK(subs[0].retained_wanted);
  CHECK(subs[1].filter == "ot/jane/car/event");
  CHECK_FALSE(subs[1].retained_wanted);
  CHECK(subs[2].filter == "ot/anna/phone");
  CHECK(subs[3].filter == "ot/anna/phone/event");
}

TEST_CASE("documented location payloads become vehicle locations") {
  Rig rig;
  // OwnTracks' JSON documentation (placeholders filled in): integer acc, vel in km/h.
  rig.car(R"({"_type":"location","acc":75,"alt":13,"batt":88,"cog":270,"lat":48.137154,)"
          R"("lon":11.576124,"rad":50,"t":"u","tid":"YY","tst":1376715317,"vac":10,"vel":54,)"
          R"("p":99.8,"conn":"w"})");
  auto in = rig.take();
  CHECK(in.suffix == "vehicle/car/location");
  CHECK(in.payload == json::parse(R"({"lat":48.137154,"lon":11.576124,"acc":75,
                                      "moving":true,"ts":1376715317})"));
  CHECK_FALSE(in.retained);
  CHECK(rig.sink.bad.empty());

  // formats.md: acc as a float, batt, vel, inregions, tid, conn; a retained copy. (Within
  // 75 m of the fix above and years later: the car has been parked all along.)
  rig.car(R"({"_type":"location","acc":8.5,"alt":520,"batt":87,"bs":1,"conn":"m",)"
          R"("created_at":1707057580,"inregions":["Garage"],"lat":48.1371,"lon":11.5754,)"
          R"("m":1,"tid":"j1","tst":1707057574,"vac":3,"vel":0,"SSID":"x","BSSID":"y"})",
          /*retained=*/true);
  in = rig.take();
  CHECK(in.payload == json::parse(R"({"lat":48.1371,"lon":11.5754,"acc":8.5,"moving":false,
                                      "ts":1707057574})"));
  CHECK(in.retained);

  // The smallest location: no acc, so none is reported.
  rig.car(R"({"_type":"location","lat":51.5,"lon":-0.1,"tst":1707060000})");
  in = rig.take();
  CHECK_FALSE(in.payload.contains("acc"));
  CHECK(in.payload.at("ts") == 1707060000);
}

TEST_CASE("lwt, waypoint and the other types are ignored without complaint") {
  Rig rig;
  for (const char* p : {
           R"({"_type":"lwt","tst":1707057000})",
           R"({"_type":"waypoint","desc":"Paris is lovely","lat":"48.858330","lon":"2.295130",)"
           R"("rad":"50","tst":"1385997757","rid":"f7676c"})",
           R"({"_type":"waypoints","waypoints":[{"_type":"waypoint","desc":"Home","tst":1}]})",
           R"({"_type":"card","name":"Jane","face":"iVBORw0KGgo="})",
           R"({"_type":"cmd","action":"reportLocation"})",
           R"({"_type":"status","android":{"hib":1}})",
           R"({"_type":"steps","tst":1707057000,"steps":1024,"from":1,"to":2})",
           R"({"_type":"beacon","uuid":"x","major":1,"minor":2,"tst":1707057000})",
           R"({"_type":"configuration","mode":0})",
           R"({"_type":"encrypted","data":"abc"})",
           R"({"_type":"something_new"})",
       }) {
    rig.car(p);
    rig.anna(p);
  }
  // A transition heard on a device only the car uses: presence is for people.
  rig.send("owntracks/jane/car/event",
           R"({"_type":"transition","event":"enter","desc":"Home","tst":1707057574})");
  rig.send("owntracks/jane/car/event", R"({"_type":"transition","event":"bogus"})");
  CHECK(rig.sink.inputs.empty());
  CHECK(rig.sink.bad.empty());
  CHECK(rig.sink.events.empty());
  CHECK(rig.sink.published.empty());
}

TEST_CASE("a car is moving until it has stood still for parked_after_s") {
  Rig rig;
  rig.car_at(0, 0, R"({"acc":30})");
  CHECK(rig.moving());  // the first fix: never claimed parked before it was seen still
  rig.car_at(25, 100, R"({"acc":10})");  // within the anchor's 30 m: jitter
  CHECK(rig.moving());                   // but not yet still for 300 s
  rig.car_at(-20, 300, R"({"acc":5})");
  CHECK_FALSE(rig.moving());  // still for exactly parked_after_s
  rig.car_at(10, 400);
  CHECK_FALSE(rig.moving());
  rig.car_at(45, 500, R"({"acc":10})");  // beyond max(30, 10, 20) from the anchor: moves
  CHECK(rig.moving());
  rig.car_at(60, 700, R"({"acc":10})");  // 15 m from the new anchor: jitter again
  CHECK(rig.moving());
  rig.car_at(55, 800, R"({"acc":10})");
  CHECK_FALSE(rig.moving());  // 300 s after the new anchor
}

TEST_CASE("accuracy: the larger of both fixes, at least 20 m") {
  Rig rig;
  rig.car_at(0, 0);  // no acc: 20 m
  CHECK(rig.moving());
  rig.car_at(19, 300);
  CHECK_FALSE(rig.moving());  // 19 m: still, and parked

  Rig small;
  small.car_at(0, 0, R"({"acc":3})");
  CHECK(small.moving());
  small.car_at(21, 300, R"({"acc":4.5})");  // 21 m > 20 m: moved, though both fixes are sharp
  CHECK(small.moving());

  Rig wide;
  wide.car_at(0, 0, R"({"acc":5})");
  CHECK(wide.moving());
  wide.car_at(90, 300, R"({"acc":100.5})");  // the new fix is vague: 90 m is within it
  CHECK_FALSE(wide.moving());
}

TEST_CASE("vel above 5 km/h means moving, and restarts the still period") {
  Rig rig;
  rig.car_at(0, 0);
  CHECK(rig.moving());
  rig.car_at(5, 300, R"({"vel":30})");  // in place, but driving (a traffic light)
  CHECK(rig.moving());
  rig.car_at(5, 500, R"({"vel":5})");   // 5 km/h is not above 5; 200 s since the new anchor
  CHECK(rig.moving());
  rig.car_at(5, 600, R"({"vel":3})");
  CHECK_FALSE(rig.moving());
}

TEST_CASE("tick declares the car parked once, after parked_after_s without movement") {
  Rig rig{config_of(120)};
  rig.car_at(0, 0, R"({"acc":12})");
  rig.car_at(8, 50, R"({"acc":12})");  // jitter: the last position
  rig.sink.clear();
  rig.plugin->tick(kT0 + 119, rig.sink);
  CHECK(rig.sink.inputs.empty());
  rig.plugin->tick(kT0 + 120, rig.sink);
  auto in = rig.take();
  CHECK(in.suffix == "vehicle/car/location");
  CHECK(in.payload == json{{"lat", north(8)}, {"lon", kLon}, {"acc", 12}, {"moving", false},
                           {"ts", kT0 + 120}});
  CHECK_FALSE(in.retained);
  rig.plugin->tick(kT0 + 121, rig.sink);
  rig.plugin->tick(kT0 + 5000, rig.sink);
  CHECK(rig.sink.inputs.empty());  // exactly once

  rig.car_at(5, 200);  // jitter after parking: still parked, nothing new from tick
  CHECK_FALSE(rig.moving());
  rig.plugin->tick(kT0 + 6000, rig.sink);
  CHECK(rig.sink.inputs.empty());

  rig.car_at(500, 7000);  // driving off: a new still period, a new claim later
  CHECK(rig.moving());
  rig.plugin->tick(kT0 + 7119, rig.sink);
  CHECK(rig.sink.inputs.empty());
  rig.plugin->tick(kT0 + 7120, rig.sink);
  in = rig.take();
  CHECK_FALSE(in.payload.at("moving").get<bool>());
  CHECK(in.payload.at("ts") == kT0 + 7120);
  CHECK(in.payload.at("lat") == north(500));

  Rig fresh;
  fresh.plugin->tick(kT0 + 10000, fresh.sink);  // no fix yet: nothing to claim
  CHECK(fresh.sink.inputs.empty());
}

TEST_CASE("fixes out of order: older ones are refused, duplicates dropped, late ones fit in") {
  Rig rig;
  rig.car_at(0, 100);
  rig.sink.clear();
  rig.car_at(0, 50);
  CHECK(rig.sink.inputs.empty());
  REQUIRE(rig.sink.bad.size() == 1);
  CHECK(rig.sink.bad[0].code == "time");
  CHECK(rig.sink.bad[0].topic == "owntracks/jane/car");
  rig.sink.clear();

  rig.car_at(0, 100, "{}");  // the same fix again (a retained copy after a reconnect)
  CHECK(rig.sink.inputs.empty());
  CHECK(rig.sink.bad.empty());
  // The broker's retained copy of an older fix (retained once, newer ones came live), sent
  // again at every subscribe: ignored, no bad input.
  json old = {{"_type", "location"}, {"lat", north(0)}, {"lon", kLon}, {"tst", kT0 + 50}};
  rig.car(old.dump(), /*retained=*/true);
  CHECK(rig.sink.inputs.empty());
  CHECK(rig.sink.bad.empty());

  // tick claims parked at 400; then a fix from 350, queued while offline, arrives.
  rig.plugin->tick(kT0 + 400, rig.sink);
  CHECK(rig.take().payload.at("ts") == kT0 + 400);
  rig.car_at(3, 350);  // still: agrees with the claim, nothing older than it is sent
  CHECK(rig.sink.inputs.empty());
  CHECK(rig.sink.bad.empty());
  rig.car_at(300, 380);  // moved before the claim: the claim is corrected at its ts
  auto in = rig.take();
  CHECK(in.payload.at("moving") == true);
  CHECK(in.payload.at("ts") == kT0 + 400);
  CHECK(in.payload.at("lat") == north(300));
  rig.car_at(300, 390);  // still at the new place, yet older than what was sent
  CHECK(rig.sink.inputs.empty());
  rig.plugin->tick(kT0 + 679, rig.sink);
  CHECK(rig.sink.inputs.empty());
  rig.plugin->tick(kT0 + 680, rig.sink);  // 300 s after the new anchor at 380
  CHECK(rig.take().payload.at("ts") == kT0 + 680);
}

TEST_CASE("a fix the hub refuses changes nothing: the good fixes after it still count") {
  // A tst in milliseconds (or ten minutes ahead of the hub's clock) is refused by the hub;
  // had the plugin kept it as the newest, every real fix after it would look old.
  Rig rig;
  rig.sink.refuse = [](const test::FakeSink::Input& in) {
    return in.payload.at("ts").get<double>() > kT0 + 1e6;
  };
  rig.car_at(0, 0);
  CHECK(rig.take().payload.at("moving") == true);
  rig.car_at(500, 1000 * kT0);  // refused by the hub
  rig.sink.clear();
  rig.car_at(1, 10);  // still at the start: the refused fix did not move the car
  auto in = rig.take();
  CHECK(in.payload.at("moving") == true);
  CHECK(in.payload.at("lat") == north(1));
  rig.plugin->tick(kT0 + 300, rig.sink);  // parked 300 s after the first fix, as before
  CHECK(rig.take().payload.at("moving") == false);

  // The same for presence: a refused "leave" leaves Anna's news as it was.
  rig.anna(R"({"_type":"location","inregions":["Home"],"lat":48.1,"lon":11.5,"tst":1707057574})");
  CHECK(rig.take().payload.at("home") == true);
  rig.anna_event(R"({"_type":"transition","desc":"Home","event":"leave","tst":1717057574})");
  rig.sink.clear();  // refused
  rig.anna_event(R"({"_type":"transition","desc":"Home","event":"leave","tst":1707057600})");
  CHECK(rig.take().payload == json{{"home", false}, {"ts", 1707057600}});
  rig.anna(R"({"_type":"location","inregions":[],"lat":48.2,"lon":11.6,"tst":1707057700})");
  CHECK(rig.take().payload.at("home") == false);
}

TEST_CASE("an empty payload (a cleared retained message) is ignored, not an error") {
  Rig rig;
  rig.car("", /*retained=*/true);
  rig.car("");
  rig.send("owntracks/anna/phone/event", "");
  CHECK(rig.sink.inputs.empty());
  CHECK(rig.sink.bad.empty());
}

TEST_CASE("presence from inregions") {
  Rig rig;
  rig.anna(R"({"_type":"location","acc":8.5,"batt":60,"conn":"w","inregions":["Home","Garage"],)"
           R"("lat":48.1371,"lon":11.5754,"tid":"an","tst":1707057574})");
  auto in = rig.take();
  CHECK(in.suffix == "presence/anna");
  CHECK(in.payload == json{{"home", true}, {"ts", 1707057574}});
  rig.anna(R"({"_type":"location","inregions":[],"lat":48.2,"lon":11.6,"tst":1707057600})");
  CHECK(rig.take().payload == json{{"home", false}, {"ts", 1707057600}});
  rig.anna(R"({"_type":"location","inregions":["home","Work"],"lat":48.2,"lon":11.6,)"
           R"("tst":1707057700})");
  CHECK(rig.take().payload.at("home") == false);  // "home" is not "Home"
  rig.anna(R"({"_type":"location","lat":48.2,"lon":11.6,"tst":1707057800})");
  CHECK(rig.sink.inputs.empty());  // no inregions: nothing said about presence
  CHECK(rig.sink.bad.empty());

  Config c = config_of();
  c.people[0].home_region = "Casa";
  Rig casa{c};
  casa.anna(R"({"_type":"location","inregions":["Casa"],"lat":41.4,"lon":2.17,"tst":1707057574})");
  CHECK(casa.take().payload.at("home") == true);
}

TEST_CASE("presence from transitions, other regions and older news ignored") {
  Rig rig;
  rig.anna_event(R"({"_type":"transition","wtst":1610104395,"lat":48.1371,"lon":11.5754,)"
                 R"("tst":1707057574,"acc":13.7,"tid":"an","event":"enter","desc":"Home",)"
                 R"("t":"c","rid":"f7676c"})");
  auto in = rig.take();
  CHECK(in.suffix == "presence/anna");
  CHECK(in.payload == json{{"home", true}, {"ts", 1707057574}});
  rig.anna_event(R"({"_type":"transition","desc":"Home","event":"leave","lat":48.14,)"
                 R"("lon":11.58,"rid":"f7676c","tid":"an","tst":1707061000,"wtst":1610104395})");
  CHECK(rig.take().payload == json{{"home", false}, {"ts", 1707061000}});
  // The documentation's example: a region that is not home.
  rig.anna_event(R"x({"_type":"transition","desc":"My favorite coffee shop (Delaville)",)x"
                 R"("event":"enter","lat":48.87069,"lon":2.34916,"rid":"f7676c","tid":"j1",)"
                 R"("tst":1707062000,"wtst":1610104395})");
  CHECK(rig.sink.inputs.empty());
  // A beacon's transition without `desc` (optional in OwnTracks): no region, no change,
  // and no bad input.
  rig.anna_event(R"({"_type":"transition","event":"enter","tst":1707062100,"wtst":1707062000,)"
                 R"("acc":12.5,"t":"b"})");
  CHECK(rig.sink.inputs.empty());
  CHECK(rig.sink.bad.empty());
  // Older than the last presence (a transition sent late): ignored, not an error.
  rig.anna_event(R"({"_type":"transition","desc":"Home","event":"enter","tst":1707060000,)"
                 R"("wtst":1610104395,"acc":10})");
  rig.anna(R"({"_type":"location","inregions":["Home"],"lat":48.1,"lon":11.5,"tst":1707060500})");
  CHECK(rig.sink.inputs.empty());
  CHECK(rig.sink.bad.empty());
  rig.anna(R"({"_type":"location","inregions":["Home"],"lat":48.1,"lon":11.5,"tst":1707063000})");
  CHECK(rig.take().payload.at("home") == true);
}

TEST_CASE("one device heard by a vehicle and a person feeds both") {
  Config c = config_of();
  c.people.push_back(PersonConfig{"jane", "jane/car", "Home"});
  Rig rig{c};
  rig.car(R"({"_type":"location","inregions":["Home"],"lat":48.1,"lon":11.5,"tst":1707057574})",
          /*retained=*/true);
  REQUIRE(rig.sink.inputs.size() == 2);
  CHECK(rig.sink.inputs[0].suffix == "vehicle/car/location");
  CHECK(rig.sink.inputs[1].suffix == "presence/jane");
  CHECK(rig.sink.inputs[1].retained);
  rig.sink.clear();
  rig.send("owntracks/jane/car/event",
           R"({"_type":"transition","event":"leave","desc":"Home","tst":1707058000})");
  CHECK(rig.take().suffix == "presence/jane");
}

TEST_CASE("malformed messages are bad input with a reason code") {
  Rig rig;
  auto code = [&](const std::string& topic, const std::string& payload) {
    rig.sink.clear();
    rig.send(topic, payload);
    CHECK(rig.sink.inputs.empty());
    REQUIRE(rig.sink.bad.size() == 1);
    CHECK(rig.sink.bad[0].topic == topic);
    return rig.sink.bad[0].code;
  };
  const std::string car = "owntracks/jane/car", anna = "owntracks/anna/phone",
                    event = "owntracks/anna/phone/event";
  CHECK(code(car, "not json") == "json");
  CHECK(code(car, R"(["location"])") == "json");
  CHECK(code(car, R"("location")") == "json");
  CHECK(code(car, R"({"_type":"location","lat":1e400,"lon":0,"tst":1})") == "json");  // inf
  CHECK(code(car, R"({"_type":"location","lat":NaN,"lon":0,"tst":1})") == "json");
  CHECK(code(car, "{}") == "shape");
  CHECK(code(car, R"({"lat":48.1,"lon":11.5,"tst":1707057574})") == "shape");
  CHECK(code(car, R"({"_type":5})") == "shape");
  CHECK(code(car, R"({"_type":"location","lon":11.5,"tst":1707057574})") == "shape");
  CHECK(code(car, R"({"_type":"location","lat":48.1,"tst":1707057574})") == "shape");
  CHECK(code(car, R"({"_type":"location","lat":48.1,"lon":11.5})") == "shape");
  CHECK(code(car, R"({"_type":"location","lat":"48.1","lon":11.5,"tst":1707057574})") ==
        "shape");
  CHECK(code(car, R"({"_type":"location","lat":48.1,"lon":11.5,"tst":"1707057574"})") ==
        "shape");
  CHECK(code(car, R"({"_type":"location","lat":null,"lon":11.5,"tst":1707057574})") == "shape");
  CHECK(code(car, R"({"_type":"location","lat":true,"lon":11.5,"tst":1707057574})") == "shape");
  CHECK(code(car, R"({"_type":"location","lat":90.5,"lon":11.5,"tst":1707057574})") == "value");
  CHECK(code(car, R"({"_type":"location","lat":-91,"lon":11.5,"tst":1707057574})") == "value");
  CHECK(code(car, R"({"_type":"location","lat":48.1,"lon":180.01,"tst":1707057574})") ==
        "value");
  CHECK(code(car, R"({"_type":"location","lat":48.1,"lon":-181,"tst":1707057574})") == "value");
  CHECK(code(car, R"({"_type":"location","lat":48.1,"lon":11.5,"tst":-5})") == "value");
  CHECK(code(car, R"({"_type":"location","lat":48.1,"lon":11.5,"tst":1707057574,"acc":-1})") ==
        "value");
  CHECK(code(car, R"({"_type":"location","lat":48.1,"lon":11.5,"tst":1707057574,"acc":"12"})") ==
        "shape");
  CHECK(code(car, R"({"_type":"location","lat":48.1,"lon":11.5,"tst":1707057574,"vel":"fast"})") ==
        "shape");
  CHECK(code(anna, R"({"_type":"location","lat":48.1,"lon":11.5,"tst":1707057574,)"
                   R"("inregions":"Home"})") == "shape");
  CHECK(code(anna, R"({"_type":"location","lat":48.1,"lon":11.5,"tst":1707057574,)"
                   R"("inregions":["Home",7]})") == "shape");
  CHECK(code(event, R"({"_type":"transition","desc":"Home","tst":1707057574})") == "shape");
  CHECK(code(event, R"({"_type":"transition","event":"enter","desc":5,"tst":1707057574})") ==
        "shape");
  CHECK(code(event, R"({"_type":"transition","event":1,"desc":"Home","tst":1707057574})") ==
        "shape");
  CHECK(code(event, R"({"_type":"transition","event":"enter","desc":"Home"})") == "shape");
  CHECK(code(event, R"({"_type":"transition","event":"exit","desc":"Home","tst":1707057574})") ==
        "value");

  // Larger than 64 KiB: refused for its size before any parsing (it is not JSON either).
  std::string big = R"({"_type":"location","lat":48.1,"lon":11.5,"tst":1707057574,"x":")";
  big += std::string(70 * 1024, 'a');
  CHECK(code(car, big) == "too_large");
  // Exactly 64 KiB is still fine.
  std::string edge = R"({"_type":"location","lat":48.1,"lon":11.5,"tst":1707057574,"x":")";
  edge += std::string(64 * 1024 - edge.size() - 2, 'a') + "\"}";
  REQUIRE(edge.size() == 64 * 1024);
  rig.sink.clear();
  rig.car(edge);
  CHECK(rig.sink.bad.empty());
  CHECK(rig.sink.inputs.size() == 1);

  // Bad input changed nothing: the next good fix is the first after the edge one.
  rig.sink.clear();
  rig.car(R"({"_type":"location","lat":48.1,"lon":11.5,"tst":1707057600})");
  CHECK(rig.take().payload.at("ts") == 1707057600);
}

TEST_CASE("null optional fields count as absent") {
  Rig rig;
  rig.car(R"({"_type":"location","lat":48.1,"lon":11.5,"tst":1707057574,"acc":null,"vel":null})");
  CHECK_FALSE(rig.take().payload.contains("acc"));
  rig.anna(R"({"_type":"location","lat":48.1,"lon":11.5,"tst":1707057574,"inregions":null})");
  CHECK(rig.sink.inputs.empty());
  CHECK(rig.sink.bad.empty());
}
