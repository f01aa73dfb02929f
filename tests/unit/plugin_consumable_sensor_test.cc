// The consumable_sensor plugin on a recording sink: Tasmota HX711 / SR04 and ESPHome
// payloads as their projects publish them (shared/formats.md), malformed ones, and the
// sensor_offline / sensor_online events from availability and from silence.
#include <doctest/doctest.h>

#include <cmath>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "plugins/consumable_sensor/consumable_sensor.h"
#include "support/fake_sink.h"

using namespace larder;
using nlohmann::json;

namespace {

// The example of formats.md, exactly.
const char* const kHx711 =
    R"({"Time":"2022-06-11T10:58:18","HX711":{"Weight":0.412,"WeightRaw":4782,"AbsRaw":110004}})";

ConsumableConfig consumable(const std::string& id, const std::string& name, Unit unit,
                            double capacity) {
  ConsumableConfig c;
  c.id = id;
  c.name = name;
  c.unit = unit;
  c.capacity = capacity;
  c.tare = 350;
  c.pack = {id + "-pack", capacity / 2, 5.0};
  return c;
}

SensorConfig sensor(const std::string& id, const std::string& consumable, SensorKind kind,
                    const std::string& topic) {
  SensorConfig s;
  s.id = id;
  s.consumable = consumable;
  s.kind = kind;
  s.topic = topic;
  return s;
}

Config base_config() {
  Config c;
  c.state_dir = "/nonexistent";
  c.consumables = {consumable("coffee", "Coffee beans", Unit::g, 1000),
                   consumable("water", "Water tank", Unit::ml, 2000),
                   consumable("sugar", "", Unit::g, 500)};
  return c;
}

struct Rig {
  Config config = base_config();
  std::unique_ptr<plugins::Plugin> plugin;
  test::FakeSink sink;
  double now = 1764460800;

  explicit Rig(std::vector<SensorConfig> sensors) {
    config.sensors = std::move(sensors);
    plugin = plugins::make_consumable_sensor(config);
    REQUIRE(plugin);
  }
  void send(const std::string& topic, const std::string& payload, bool retained = false) {
    plugin->on_message(Message{topic, payload, 1, retained}, now, sink);
  }
  void tick() { plugin->tick(now, sink); }
  // The one input the last message gave (and nothing else).
  json only_level(const std::string& consumable = "coffee") {
    REQUIRE(sink.bad.empty());
    REQUIRE(sink.inputs.size() == 1);
    CHECK(sink.inputs[0].suffix == "consumable/" + consumable + "/level");
    CHECK_FALSE(sink.inputs[0].payload.contains("ts"));
    json p = sink.inputs[0].payload;
    sink.clear();
    return p;
  }
  // The one bad_input the last message gave (and no input).
  std::string only_bad() {
    REQUIRE(sink.inputs.empty());
    REQUIRE(sink.bad.size() == 1);
    std::string code = sink.bad[0].code;
    sink.clear();
    return code;
  }
  std::vector<std::string> event_kinds() {
    std::vector<std::string> kinds;
    for (const auto& e : sink.events) kinds.push_back(e.kind);
    return kinds;
  }
};

using Kinds = std::vector<std::string>;

Rig hx711_rig() { return Rig({sensor("scale", "coffee", SensorKind::tasmota_hx711, "scale1")}); }

Rig sr04_rig(double offset = 0) {
  SensorConfig s = sensor("tank", "water", SensorKind::tasmota_sr04, "tank1");
  s.full_cm = 5;
  s.empty_cm = 25;
  s.offset = offset;
  return Rig({s});
}

Rig esphome_rig(std::optional<Unit> unit = std::nullopt) {
  SensorConfig s = sensor("esp", "coffee", SensorKind::esphome, "kitchen/coffee_scale");
  s.unit = unit;
  return Rig({s});
}

}  // namespace

TEST_CASE("factory: nothing to do gives no plugin; unusable sensors are skipped") {
  Config c = base_config();
  CHECK(plugins::make_consumable_sensor(c) == nullptr);
  c.sensors = {sensor("scale", "tea", SensorKind::tasmota_hx711, "scale1")};
  CHECK(plugins::make_consumable_sensor(c) == nullptr);
  c.sensors.push_back(sensor("ok", "coffee", SensorKind::tasmota_hx711, "scale2"));
  auto p = plugins::make_consumable_sensor(c);
  REQUIRE(p);
  CHECK(std::string(p->name()) == "consumable_sensor");
  for (const auto& s : p->subscriptions()) CHECK(s.filter.find("scale1") == std::string::npos);
}

TEST_CASE("check_sensor_config names what the plugin cannot use") {
  Config c = base_config();
  auto check = [&](SensorConfig s) { return plugins::check_sensor_config(c, s); };
  SensorConfig good = sensor("scale", "coffee", SensorKind::tasmota_hx711, "scale1");
  CHECK(check(good).ok());
  SensorConfig s = good;
  s.consumable = "tea";
  CHECK(check(s).message().find("unknown consumable 'tea'") != std::string::npos);
  for (const std::string& topic :
       std::vector<std::string>{"", "scale/+", "#", std::string("a\0b", 3)}) {
    s = good;
    s.topic = topic;
    CHECK_FALSE(check(s).ok());
  }
  s = sensor("esp", "coffee", SensorKind::esphome, "kitchen/coffee_scale");
  CHECK(check(s).ok());
  for (std::string topic : {"coffee_scale", "kitchen/", "/coffee_scale"}) {
    s.topic = topic;
    CHECK_FALSE(check(s).ok());
  }
  s = good;
  s.factor = std::nan("");
  CHECK_FALSE(check(s).ok());
  s = good;
  s.offset = HUGE_VAL;
  CHECK_FALSE(check(s).ok());
  s = good;
  s.offline_after_s = 0;
  CHECK_FALSE(check(s).ok());
  s = sensor("tank", "water", SensorKind::tasmota_sr04, "tank1");
  s.full_cm = s.empty_cm = 20;
  CHECK_FALSE(check(s).ok());
  s.full_cm = 5;
  CHECK(check(s).ok());
  s.empty_cm = std::nan("");
  CHECK_FALSE(check(s).ok());
  s.empty_cm = 25;
  c.consumables[1].capacity = 0;
  CHECK(check(s).message().find("capacity") != std::string::npos);
}

TEST_CASE("subscriptions: the device topics, retained where the device retains") {
  SensorConfig a = sensor("scale", "coffee", SensorKind::tasmota_hx711, "scale1");
  SensorConfig b = sensor("esp", "coffee", SensorKind::esphome, "home/kitchen/coffee_scale");
  SensorConfig c = sensor("esp2", "sugar", SensorKind::esphome, "home/kitchen/sugar_scale");
  Rig rig({a, b, c});
  std::map<std::string, bool> subs;
  for (const auto& s : rig.plugin->subscriptions()) {
    CHECK(subs.count(s.filter) == 0);  // a shared availability topic only once
    subs[s.filter] = s.retained_wanted;
  }
  std::map<std::string, bool> want = {
      {"tele/scale1/SENSOR", true},
      {"tele/scale1/LWT", true},
      {"stat/scale1/STATUS10", false},
      {"stat/scale1/STATUS8", false},
      {"home/kitchen/sensor/coffee_scale/state", true},
      {"home/kitchen/sensor/sugar_scale/state", true},
      {"home/kitchen/status", true},
  };
  CHECK(subs == want);
}

TEST_CASE("tasmota_hx711: the documented payload, in kg, without ts") {
  Rig rig = hx711_rig();
  rig.send("tele/scale1/SENSOR", kHx711);
  json p = rig.only_level();
  CHECK(p["value"].get<double>() == doctest::Approx(0.412));
  CHECK(p["unit"] == "kg");
  CHECK_FALSE(p.contains("gross"));
  CHECK(rig.sink.events.empty());
}

TEST_CASE("tasmota_hx711: any number of decimals, Count, other sensors beside it") {
  Rig rig = hx711_rig();
  struct Case {
    const char* payload;
    double kg;
  } cases[] = {
      {R"({"Time":"2022-06-11T10:58:18","HX711":{"Weight":0,"WeightRaw":-12,"AbsRaw":105210}})", 0},
      {R"({"Time":"2022-06-11T10:58:18","HX711":{"Weight":0.4,"WeightRaw":4782,"AbsRaw":110004}})", 0.4},
      {R"({"Time":"2022-06-11T10:58:18","HX711":{"Weight":2,"WeightRaw":23000,"AbsRaw":128000}})", 2},
      {R"({"Time":"2022-06-11T10:58:18","HX711":{"Weight":0.41235,"WeightRaw":4782,"AbsRaw":110004}})",
       0.41235},
      {R"({"Time":"2022-06-11T10:58:18","HX711":{"Weight":-0.003,"WeightRaw":-35,"AbsRaw":105190}})",
       -0.003},
      {R"({"Time":"2022-06-11T10:58:18","HX711":{"Weight":1.234,"Count":3,"WeightRaw":14300,"AbsRaw":119522}})",
       1.234},
      {R"({"Time":"2022-06-11T10:58:18","DS18B20":{"Temperature":21.4},"HX711":{"Weight":0.9,"WeightRaw":1,"AbsRaw":2},"TempUnit":"C"})",
       0.9},
  };
  for (const auto& c : cases) {
    CAPTURE(c.payload);
    rig.send("tele/scale1/SENSOR", c.payload);
    CHECK(rig.only_level()["value"].get<double>() == doctest::Approx(c.kg));
  }
}

TEST_CASE("tasmota_hx711: the Status 10 reply (and the legacy Status 8) wraps it in StatusSNS") {
  Rig rig = hx711_rig();
  rig.send("stat/scale1/STATUS10",
           R"({"StatusSNS":{"Time":"2022-06-11T10:58:18","HX711":{"Weight":0.412,"WeightRaw":4782,"AbsRaw":110004}}})");
  CHECK(rig.only_level()["value"].get<double>() == doctest::Approx(0.412));
  rig.send("stat/scale1/STATUS8",
           R"({"StatusSNS":{"Time":"2022-06-11T10:58:18","HX711":{"Weight":0.5,"WeightRaw":4782,"AbsRaw":110004}}})");
  CHECK(rig.only_level()["value"].get<double>() == doctest::Approx(0.5));
  // StatusSNS of a device with other sensors only: not ours.
  rig.send("stat/scale1/STATUS10",
           R"({"StatusSNS":{"Time":"2018-12-03T13:48:08","SI7021":{"Temperature":17.7,"Humidity":51.2},"TempUnit":"C"}})");
  CHECK(rig.sink.inputs.empty());
  CHECK(rig.sink.bad.empty());
  // The SENSOR form on the status topic has no StatusSNS: a shape error.
  rig.send("stat/scale1/STATUS10", kHx711);
  CHECK(rig.only_bad() == "shape");
  rig.send("stat/scale1/STATUS10", R"({"StatusSNS":"HX711"})");
  CHECK(rig.only_bad() == "shape");
}

TEST_CASE("tasmota_hx711: calibration, unit and gross") {
  SensorConfig s = sensor("scale", "coffee", SensorKind::tasmota_hx711, "scale1");
  s.factor = 1000;
  s.offset = -12.5;
  s.unit = Unit::g;
  s.gross = true;
  Rig rig({s});
  rig.send("tele/scale1/SENSOR", kHx711);
  json p = rig.only_level();
  CHECK(p["value"].get<double>() == doctest::Approx(399.5));
  CHECK(p["unit"] == "g");
  CHECK(p["gross"] == true);
}

TEST_CASE("tasmota_hx711: telemetry without an HX711 object is not ours") {
  Rig rig = hx711_rig();
  rig.send("tele/scale1/SENSOR",
           R"({"Time":"2018-12-03T13:48:08","SI7021":{"Temperature":17.7,"Humidity":51.2},"TempUnit":"C"})");
  rig.send("tele/scale1/SENSOR", R"({"Time":"2022-06-11T10:58:18","SR04":{"Distance":16.754}})");
  rig.send("tele/scale1/SENSOR", "{}");
  CHECK(rig.sink.inputs.empty());
  CHECK(rig.sink.bad.empty());
  CHECK(rig.sink.events.empty());
}

TEST_CASE("tasmota_hx711: malformed payloads are bad input") {
  Rig rig = hx711_rig();
  struct Case {
    std::string payload, code;
  } cases[] = {
      {"", "json"},
      {"Online", "json"},
      {R"({"Time":"2022-06-11T10:58:18","HX711":{"Weight":0.412)", "json"},
      {R"([{"HX711":{"Weight":0.412}}])", "json"},
      {R"("HX711")", "json"},
      {"0.412", "json"},
      {R"({"HX711":{"Weight":NaN}})", "json"},
      {R"({"HX711":5})", "shape"},
      {R"({"HX711":[0.412]})", "shape"},
      {R"({"HX711":{"WeightRaw":4782,"AbsRaw":110004}})", "shape"},
      {R"({"HX711":{"Weight":"0.412"}})", "value"},
      {R"({"HX711":{"Weight":null}})", "value"},
      {R"({"HX711":{"Weight":true}})", "value"},
      {R"({"HX711":{"Weight":{"kg":1}}})", "value"},
      // nlohmann refuses a number beyond a double's range as JSON already.
      {R"({"HX711":{"Weight":1e400}})", "json"},
      {R"({"HX711":{"Weight":-1e400}})", "json"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.payload);
    rig.send("tele/scale1/SENSOR", c.payload);
    CHECK(rig.only_bad() == c.code);
  }
  CHECK(rig.sink.events.empty());
}

TEST_CASE("payloads over 64 KiB are refused before parsing") {
  Rig rig = hx711_rig();
  // Exactly 64 KiB of valid telemetry still counts.
  std::string head = R"({"Time":"2022-06-11T10:58:18","Pad":")";
  std::string tail = R"(","HX711":{"Weight":0.5}})";
  std::string at_limit = head + std::string(65536 - head.size() - tail.size(), 'x') + tail;
  REQUIRE(at_limit.size() == 65536);
  rig.send("tele/scale1/SENSOR", at_limit);
  CHECK(rig.only_level()["value"].get<double>() == doctest::Approx(0.5));
  std::string over = head + std::string(65537 - head.size() - tail.size(), 'x') + tail;
  rig.send("tele/scale1/SENSOR", over);
  CHECK(rig.only_bad() == "too_large");
  // Garbage of a megabyte: "too_large", not "json", so it was never parsed.
  rig.send("tele/scale1/SENSOR", std::string(1 << 20, '{'));
  CHECK(rig.only_bad() == "too_large");
  Rig esp = esphome_rig();
  esp.send("kitchen/sensor/coffee_scale/state", std::string(70000, '1'));
  CHECK(esp.only_bad() == "too_large");
  esp.send("kitchen/status", std::string(70000, 'o'));
  CHECK(esp.only_bad() == "too_large");
}

TEST_CASE("calibrated values that overflow are bad input") {
  SensorConfig s = sensor("scale", "coffee", SensorKind::tasmota_hx711, "scale1");
  s.factor = 1e300;
  Rig rig({s});
  rig.send("tele/scale1/SENSOR", R"({"HX711":{"Weight":1e10}})");
  CHECK(rig.only_bad() == "value");
}

TEST_CASE("tasmota_sr04: distance to level by the container's geometry") {
  Rig rig = sr04_rig();
  struct Case {
    double cm, ml;
  } cases[] = {
      {5, 2000},         // full
      {25, 0},           // empty
      {15, 1000},        // half
      {16.754, 824.6},   // the documented reading
      {2, 2000},         // above the full mark: clamped
      {40.5, 0},         // below the empty mark: clamped
  };
  for (const auto& c : cases) {
    CAPTURE(c.cm);
    json payload = {{"Time", "2022-06-11T10:58:18"}, {"SR04", {{"Distance", c.cm}}}};
    rig.send("tele/tank1/SENSOR", payload.dump());
    json p = rig.only_level("water");
    CHECK(p["value"].get<double>() == doctest::Approx(c.ml));
    CHECK(p["unit"] == "ml");
  }
  // Exactly as formats.md writes it.
  rig.send("tele/tank1/SENSOR", R"({"Time":"2022-06-11T10:58:18","SR04":{"Distance":16.754}})");
  CHECK(rig.only_level("water")["value"].get<double>() == doctest::Approx(824.6));
  // A device with several SR04 names them SR04-1 / SR04_1.
  rig.send("tele/tank1/SENSOR", R"({"Time":"2022-06-11T10:58:18","SR04-1":{"Distance":15.0}})");
  CHECK(rig.only_level("water")["value"].get<double>() == doctest::Approx(1000));
  rig.send("tele/tank1/SENSOR", R"({"Time":"2022-06-11T10:58:18","SR04_1":{"Distance":25.0}})");
  CHECK(rig.only_level("water")["value"].get<double>() == doctest::Approx(0));
  rig.send("stat/tank1/STATUS10",
           R"({"StatusSNS":{"Time":"2022-06-11T10:58:18","SR04":{"Distance":5.0}}})");
  CHECK(rig.only_level("water")["value"].get<double>() == doctest::Approx(2000));
  // Not ours; then bad.
  rig.send("tele/tank1/SENSOR", kHx711);
  CHECK(rig.sink.inputs.empty());
  CHECK(rig.sink.bad.empty());
  rig.send("tele/tank1/SENSOR", R"({"SR04":{"Distance":"16.754"}})");
  CHECK(rig.only_bad() == "value");
  rig.send("tele/tank1/SENSOR", R"({"SR04":{"Dist":16.754}})");
  CHECK(rig.only_bad() == "shape");
}

TEST_CASE("tasmota_sr04: the calibration corrects the distance; the unit is the consumable's") {
  SensorConfig s = sensor("tank", "water", SensorKind::tasmota_sr04, "tank1");
  s.full_cm = 5;
  s.empty_cm = 25;
  s.factor = 0.5;   // e.g. a sensor set to report in mm/5
  s.offset = -2.5;  // mounted 2.5 cm above the reference
  s.unit = Unit::l; // not used: the geometry gives the consumable's unit
  Rig rig({s});
  rig.send("tele/tank1/SENSOR", R"({"Time":"2022-06-11T10:58:18","SR04":{"Distance":35}})");
  json p = rig.only_level("water");
  CHECK(p["value"].get<double>() == doctest::Approx(1000));  // d = 15
  CHECK(p["unit"] == "ml");
}

TEST_CASE("esphome: a bare number as text, in the consumable's unit by default") {
  Rig rig = esphome_rig();
  struct Case {
    std::string text;
    double value;
  } cases[] = {
      {"0.42", 0.42}, {"-1", -1}, {"12", 12}, {"1e3", 1000}, {"412.50", 412.5},
      {" 12 ", 12},   {"12\n", 12}, {"\t0.5\r\n", 0.5}, {"-0.00", 0}, {".5", 0.5},
  };
  for (const auto& c : cases) {
    CAPTURE(c.text);
    rig.send("kitchen/sensor/coffee_scale/state", c.text);
    json p = rig.only_level();
    CHECK(p["value"].get<double>() == doctest::Approx(c.value));
    CHECK(p["unit"] == "g");
  }
}

TEST_CASE("esphome: nan, None and anything not a number are bad values") {
  Rig rig = esphome_rig();
  for (std::string text : {"nan", "NaN", "NAN", "-nan", "None", "none", "", "   ", "inf", "-inf",
                           "infinity", "1e400", "+1", "0x10", "abc", "12abc", "1,5", "1 2",
                           "\"0.42\"", "{\"value\":0.42}", "ON"}) {
    CAPTURE(text);
    rig.send("kitchen/sensor/coffee_scale/state", text);
    CHECK(rig.only_bad() == "value");
  }
  CHECK(rig.sink.events.empty());
  // The device's failed reading is told apart from garbage in the reason.
  for (std::string text : {"nan", "-nan", "None"}) {
    rig.send("kitchen/sensor/coffee_scale/state", text);
    REQUIRE(rig.sink.bad.size() == 1);
    CHECK(rig.sink.bad[0].reason.find("failed reading") != std::string::npos);
    rig.sink.clear();
  }
}

TEST_CASE("esphome: unit, calibration and the retained flag pass through") {
  SensorConfig s = sensor("esp", "coffee", SensorKind::esphome, "kitchen/coffee_scale");
  s.unit = Unit::kg;
  s.factor = 2;
  s.offset = 0.1;
  s.gross = true;
  Rig rig({s});
  rig.send("kitchen/sensor/coffee_scale/state", "0.42", /*retained=*/true);
  REQUIRE(rig.sink.inputs.size() == 1);
  CHECK(rig.sink.inputs[0].retained);
  json p = rig.only_level();
  CHECK(p["value"].get<double>() == doctest::Approx(0.94));
  CHECK(p["unit"] == "kg");
  CHECK(p["gross"] == true);
  rig.send("kitchen/sensor/coffee_scale/state", "0.42");
  REQUIRE(rig.sink.inputs.size() == 1);
  CHECK_FALSE(rig.sink.inputs[0].retained);
  // Tasmota with SensorRetain: retained too.
  Rig tas = hx711_rig();
  tas.send("tele/scale1/SENSOR", kHx711, /*retained=*/true);
  REQUIRE(tas.sink.inputs.size() == 1);
  CHECK(tas.sink.inputs[0].retained);
}

TEST_CASE("availability: Tasmota LWT raises sensor_offline once, sensor_online once") {
  Rig rig = hx711_rig();
  rig.send("tele/scale1/LWT", "Online", /*retained=*/true);
  CHECK(rig.sink.events.empty());  // online from the start is no news
  rig.send("tele/scale1/LWT", "Offline");
  REQUIRE(rig.sink.events.size() == 1);
  CHECK(rig.sink.events[0].kind == "sensor_offline");
  CHECK(rig.sink.events[0].text == "scale (Coffee beans) is offline.");
  CHECK(rig.sink.events[0].fields == json{{"sensor", "scale"}, {"consumable", "coffee"}});
  rig.send("tele/scale1/LWT", "Offline");
  rig.send("tele/scale1/LWT", "Offline", /*retained=*/true);
  CHECK(rig.sink.events.size() == 1);
  rig.send("tele/scale1/LWT", "Online");
  CHECK(rig.event_kinds() == Kinds{"sensor_offline", "sensor_online"});
  CHECK(rig.sink.events[1].text == "scale (Coffee beans) is back online.");
  CHECK(rig.sink.events[1].fields == json{{"sensor", "scale"}, {"consumable", "coffee"}});
  rig.send("tele/scale1/LWT", "Online");
  CHECK(rig.sink.events.size() == 2);
  CHECK(rig.sink.inputs.empty());
  CHECK(rig.sink.bad.empty());
  for (std::string text : {"online", "offline", "ONLINE", "1", "", "Online ",
                           "{\"state\":\"online\"}"}) {
    CAPTURE(text);
    rig.send("tele/scale1/LWT", text);
    CHECK(rig.only_bad() == "value");
  }
  CHECK(rig.sink.events.empty());
}

TEST_CASE("availability: a retained Offline at start is reported") {
  Rig rig = hx711_rig();
  rig.send("tele/scale1/LWT", "Offline", /*retained=*/true);
  CHECK(rig.event_kinds() == Kinds{"sensor_offline"});
}

TEST_CASE("availability: ESPHome status; a sensor without consumable name uses its id") {
  Rig rig({sensor("sugar-scale", "sugar", SensorKind::esphome, "pantry/sugar")});
  rig.send("pantry/status", "offline", /*retained=*/true);
  REQUIRE(rig.sink.events.size() == 1);
  CHECK(rig.sink.events[0].kind == "sensor_offline");
  CHECK(rig.sink.events[0].text == "sugar-scale (sugar) is offline.");
  CHECK(rig.sink.events[0].fields == json{{"sensor", "sugar-scale"}, {"consumable", "sugar"}});
  rig.send("pantry/status", "offline");
  rig.send("pantry/status", "online");
  rig.send("pantry/status", "online");
  CHECK(rig.event_kinds() == Kinds{"sensor_offline", "sensor_online"});
  rig.sink.clear();
  for (std::string text : {"Online", "Offline", "", "on", "true"}) {
    CAPTURE(text);
    rig.send("pantry/status", text);
    CHECK(rig.only_bad() == "value");
  }
}

TEST_CASE("availability: a live reading brings an offline sensor back; a retained one does not") {
  Rig rig = esphome_rig();
  rig.send("kitchen/status", "offline", /*retained=*/true);
  rig.send("kitchen/sensor/coffee_scale/state", "412", /*retained=*/true);
  CHECK(rig.event_kinds() == Kinds{"sensor_offline"});
  CHECK(rig.sink.inputs.size() == 1);  // still handed on, for the hub to judge
  rig.send("kitchen/sensor/coffee_scale/state", "nan");  // a failed reading proves nothing
  CHECK(rig.event_kinds() == Kinds{"sensor_offline"});
  rig.send("kitchen/sensor/coffee_scale/state", "410");
  rig.send("kitchen/sensor/coffee_scale/state", "409");
  CHECK(rig.event_kinds() == Kinds{"sensor_offline", "sensor_online"});
  CHECK(rig.sink.inputs.size() == 3);
}

TEST_CASE("silence: no live reading for longer than offline_after_s") {
  SensorConfig s = sensor("scale", "coffee", SensorKind::tasmota_hx711, "scale1");
  s.offline_after_s = 600;
  Rig rig({s});
  const double t0 = rig.now;
  rig.tick();  // the clock starts here: no message came
  rig.now = t0 + 600;
  rig.tick();
  CHECK(rig.sink.events.empty());  // not longer than the allowance yet
  rig.now = t0 + 601;
  rig.tick();
  CHECK(rig.event_kinds() == Kinds{"sensor_offline"});
  CHECK(rig.sink.events[0].text == "scale (Coffee beans) is offline.");
  rig.now = t0 + 5000;
  rig.tick();
  CHECK(rig.event_kinds() == Kinds{"sensor_offline"});
  // Telemetry without the HX711, a bad one and a retained reading do not count.
  rig.send("tele/scale1/SENSOR", R"({"Time":"2022-06-11T10:58:18","SI7021":{"Temperature":17.7}})");
  rig.send("tele/scale1/SENSOR", R"({"HX711":{"Weight":"x"}})");
  rig.send("tele/scale1/SENSOR", kHx711, /*retained=*/true);
  CHECK(rig.event_kinds() == Kinds{"sensor_offline"});
  rig.send("tele/scale1/SENSOR", kHx711);
  rig.send("tele/scale1/SENSOR", kHx711);
  CHECK(rig.event_kinds() == Kinds{"sensor_offline", "sensor_online"});
  // The clock restarts at that reading; a retained one later does not push it on.
  const double t1 = rig.now;
  rig.now = t1 + 500;
  rig.send("tele/scale1/SENSOR", kHx711, /*retained=*/true);
  rig.now = t1 + 601;
  rig.tick();
  CHECK(rig.event_kinds() == Kinds{"sensor_offline", "sensor_online", "sensor_offline"});
}

TEST_CASE("silence: the clock starts at the first message") {
  SensorConfig s = sensor("scale", "coffee", SensorKind::tasmota_hx711, "scale1");
  s.offline_after_s = 600;
  Rig rig({s});
  const double t0 = rig.now;
  rig.send("tele/scale1/SENSOR", "not json");  // any message starts it
  rig.now = t0 + 300;
  rig.tick();
  rig.now = t0 + 601;
  rig.tick();
  CHECK(rig.event_kinds() == Kinds{"sensor_offline"});
}

TEST_CASE("silence and availability together: each episode reported once") {
  SensorConfig s = sensor("scale", "coffee", SensorKind::tasmota_hx711, "scale1");
  s.offline_after_s = 600;
  Rig rig({s});
  const double t0 = rig.now;
  rig.send("tele/scale1/LWT", "Online", /*retained=*/true);
  rig.now = t0 + 700;
  rig.tick();
  CHECK(rig.event_kinds() == Kinds{"sensor_offline"});
  // After a reconnect the broker sends the same retained Online again: no news.
  rig.send("tele/scale1/LWT", "Online", /*retained=*/true);
  CHECK(rig.event_kinds() == Kinds{"sensor_offline"});
  // The device drops off (already reported) and comes back: online, with a fresh allowance.
  rig.send("tele/scale1/LWT", "Offline");
  CHECK(rig.event_kinds() == Kinds{"sensor_offline"});
  rig.now = t0 + 2000;
  rig.send("tele/scale1/LWT", "Online");
  CHECK(rig.event_kinds() == Kinds{"sensor_offline", "sensor_online"});
  rig.now = t0 + 2600;
  rig.tick();
  CHECK(rig.sink.events.size() == 2);
  rig.now = t0 + 2601;
  rig.tick();
  CHECK(rig.event_kinds() == Kinds{"sensor_offline", "sensor_online", "sensor_offline"});
}

TEST_CASE("two sensors on different topics are independent") {
  SensorConfig a = sensor("scale", "coffee", SensorKind::tasmota_hx711, "scale1");
  SensorConfig b = sensor("tank", "water", SensorKind::tasmota_sr04, "tank1");
  b.full_cm = 5;
  b.empty_cm = 25;
  a.offline_after_s = b.offline_after_s = 600;
  Rig rig({a, b});
  const double t0 = rig.now;
  rig.tick();
  rig.send("tele/scale1/LWT", "Offline");
  REQUIRE(rig.sink.events.size() == 1);
  CHECK(rig.sink.events[0].fields["sensor"] == "scale");
  rig.now = t0 + 500;
  rig.send("tele/tank1/SENSOR", R"({"Time":"2022-06-11T10:58:18","SR04":{"Distance":15}})");
  rig.send("tele/scale1/SENSOR", kHx711);
  REQUIRE(rig.sink.inputs.size() == 2);
  CHECK(rig.sink.inputs[0].suffix == "consumable/water/level");
  CHECK(rig.sink.inputs[1].suffix == "consumable/coffee/level");
  CHECK(rig.event_kinds() == Kinds{"sensor_offline", "sensor_online"});
  rig.sink.clear();
  rig.now = t0 + 1050;  // the scale spoke at +500, the tank too
  rig.send("tele/scale1/SENSOR", kHx711);
  rig.now = t0 + 1102;
  rig.tick();
  REQUIRE(rig.sink.events.size() == 1);
  CHECK(rig.sink.events[0].kind == "sensor_offline");
  CHECK(rig.sink.events[0].fields["sensor"] == "tank");
  rig.send("tele/other/SENSOR", kHx711);  // nobody's topic
  CHECK(rig.sink.inputs.size() == 1);
}

TEST_CASE("two ESPHome sensors on one node share its status") {
  Rig rig({sensor("coffee-scale", "coffee", SensorKind::esphome, "kitchen/coffee_scale"),
           sensor("sugar-scale", "sugar", SensorKind::esphome, "kitchen/sugar_scale")});
  rig.send("kitchen/status", "offline");
  REQUIRE(rig.sink.events.size() == 2);
  CHECK(rig.sink.events[0].fields["sensor"] == "coffee-scale");
  CHECK(rig.sink.events[1].fields["sensor"] == "sugar-scale");
  rig.send("kitchen/sensor/sugar_scale/state", "200");
  REQUIRE(rig.sink.inputs.size() == 1);
  CHECK(rig.sink.inputs[0].suffix == "consumable/sugar/level");
  REQUIRE(rig.sink.events.size() == 3);
  CHECK(rig.sink.events[2].kind == "sensor_online");
  CHECK(rig.sink.events[2].fields["sensor"] == "sugar-scale");
  rig.send("kitchen/status", "banana");
  CHECK(rig.sink.bad.size() == 1);  // one report per message, not one per sensor
}

TEST_CASE("an HX711 and an SR04 on one Tasmota device each read their own object") {
  SensorConfig a = sensor("scale", "coffee", SensorKind::tasmota_hx711, "combo");
  SensorConfig b = sensor("tank", "water", SensorKind::tasmota_sr04, "combo");
  b.full_cm = 5;
  b.empty_cm = 25;
  Rig rig({a, b});
  rig.send("tele/combo/SENSOR",
           R"({"Time":"2022-06-11T10:58:18","HX711":{"Weight":0.412,"WeightRaw":4782,"AbsRaw":110004},"SR04":{"Distance":15}})");
  REQUIRE(rig.sink.inputs.size() == 2);
  CHECK(rig.sink.inputs[0].suffix == "consumable/coffee/level");
  CHECK(rig.sink.inputs[1].suffix == "consumable/water/level");
  rig.sink.clear();
  rig.send("tele/combo/SENSOR", R"({"HX711":{"Weight":null},"SR04":{"Distance":15}})");
  CHECK(rig.sink.bad.size() == 1);
  REQUIRE(rig.sink.inputs.size() == 1);
  CHECK(rig.sink.inputs[0].suffix == "consumable/water/level");
  rig.sink.clear();
  rig.send("tele/combo/SENSOR", "[]");
  CHECK(rig.sink.bad.size() == 1);
}
