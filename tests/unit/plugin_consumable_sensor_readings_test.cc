// The consumable_sensor plugin (support/consumable_sensor_rig.h): Tasmota HX711 / SR04 and
// ESPHome payloads as their projects publish them (shared/formats.md), calibrated, and
// malformed ones.
#include <doctest/doctest.h>

#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "support/consumable_sensor_rig.h"

using namespace larder;
using namespace larder::test;
using nlohmann::json;

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
      {"Online", "json"},
      {R"({"Time":"2022-06-11T10:58:18","HX711":{"Weight":0.412)", "json"},
      {R"([{"HX711":{"Weight":0.412}}])", "json"},
      {R"("HX711")", "json"},
      {"0.412", "json"},
      {R"({"HX711":{"Weight":NaN}})", "json"},
      {R"({"HX711":5})", "shape"},
      {R"({"HX711":[0.412]})", "shape"},
      {R"({"HX711":{"WeightRaw":4782,"AbsRaw":110004}})", "shape"},
      // A field of the wrong type is `shape` (docs/plugins.md), as in every plugin.
      {R"({"HX711":{"Weight":"0.412"}})", "shape"},
      {R"({"HX711":{"Weight":null}})", "shape"},
      {R"({"HX711":{"Weight":true}})", "shape"},
      {R"({"HX711":{"Weight":{"kg":1}}})", "shape"},
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
  CHECK(rig.only_bad() == "shape");
  rig.send("tele/tank1/SENSOR", R"({"SR04":{"Dist":16.754}})");
  CHECK(rig.only_bad() == "shape");
  // No echo (Tasmota's 0) and a distance below 0 are failed readings, not a full tank.
  rig.send("tele/tank1/SENSOR", R"({"SR04":{"Distance":0}})");
  CHECK(rig.only_bad() == "value");
  rig.send("tele/tank1/SENSOR", R"({"SR04":{"Distance":0.0}})");
  CHECK(rig.only_bad() == "value");
  rig.send("tele/tank1/SENSOR", R"({"SR04":{"Distance":-5}})");
  CHECK(rig.only_bad() == "value");
  CHECK(rig.sink.inputs.empty());
}

TEST_CASE("tasmota_sr04: the calibration corrects the distance, the unit is the consumable's") {
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
  for (std::string text : {"nan", "NaN", "NAN", "-nan", "None", "none", "   ", "inf", "-inf",
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

namespace {

// The ts a Tasmota telemetry message with `time` gives, at the hub's time `now`.
std::optional<double> tasmota_ts(Rig& rig, const std::string& time, double now,
                                 bool retained = false) {
  rig.now = now;
  rig.send("tele/scale1/SENSOR",
           R"({"Time":")" + time + R"(","HX711":{"Weight":0.412,"WeightRaw":4782,"AbsRaw":1}})",
           retained);
  REQUIRE(rig.sink.bad.empty());
  REQUIRE(rig.sink.inputs.size() == 1);
  json p = rig.sink.inputs[0].payload;
  rig.sink.clear();
  CHECK(p["value"].get<double>() == doctest::Approx(0.412));
  if (!p.contains("ts")) return std::nullopt;
  return p["ts"].get<double>();
}

}  // namespace

TEST_CASE("tasmota: Time is a local time, read in the household's zone") {
  Rig rig({sensor("scale", "coffee", SensorKind::tasmota_hx711, "scale1")}, "Europe/Berlin");
  // 2025-11-30 00:00 UTC is 01:00 in Berlin (CET, UTC+1).
  CHECK(tasmota_ts(rig, "2025-11-30T00:55:00", 1764460800) == 1764460800 - 300);
  // Summer time (CEST, UTC+2): 2025-07-01 12:00 local is 10:00 UTC.
  CHECK(tasmota_ts(rig, "2025-07-01T12:00:00", 1751364000 + 60) == 1751364000);
  // The stock Time of stat/.../STATUS10 is read the same way.
  rig.now = 1764460800;
  rig.send("stat/scale1/STATUS10",
           R"({"StatusSNS":{"Time":"2025-11-30T00:59:30","HX711":{"Weight":0.5}}})");
  REQUIRE(rig.sink.inputs.size() == 1);
  CHECK(rig.sink.inputs[0].payload["ts"] == 1764460800 - 30);
}

TEST_CASE("tasmota: the hour the clocks go back is the one nearer the hub's clock") {
  Rig rig({sensor("scale", "coffee", SensorKind::tasmota_hx711, "scale1")}, "Europe/Berlin");
  // 2025-10-26: at 01:00 UTC (03:00 CEST) Berlin goes back to 02:00 CET, so 02:30 local is
  // both 00:30 UTC and 01:30 UTC.
  const double first = 1761438600;  // 2025-10-26T00:30:00Z
  CHECK(tasmota_ts(rig, "2025-10-26T02:30:00", first + 120) == first);
  CHECK(tasmota_ts(rig, "2025-10-26T02:30:00", first + 3600 + 120) == first + 3600);
  // 2025-03-30: 02:30 never happens (01:00 UTC jumps from 02:00 CET to 03:00 CEST); it is
  // read with the offset before the change (UTC+1), as if the clocks had not moved yet.
  CHECK(tasmota_ts(rig, "2025-03-30T02:30:00", 1743298200 + 60) == 1743298200);
}

TEST_CASE("tasmota: a Time the device cannot know is left out and the hub's time rules") {
  Rig rig({sensor("scale", "coffee", SensorKind::tasmota_hx711, "scale1")}, "Europe/Berlin");
  const double now = 1764460800;
  CHECK_FALSE(tasmota_ts(rig, "1970-01-01T00:00:12", now));  // clock not synced yet
  CHECK_FALSE(tasmota_ts(rig, "2025-11-30T01:10:00", now));  // 10 minutes ahead
  CHECK_FALSE(tasmota_ts(rig, "2025-11-20T01:00:00", now));  // 10 days behind
  CHECK_FALSE(tasmota_ts(rig, "2025-02-30T01:00:00", now));  // no such day
  CHECK_FALSE(tasmota_ts(rig, "yesterday", now));
  // A retained SENSOR may be a day old; a live one was measured just now, so a Time an hour
  // behind is a clock in another zone (the firmware's fixed UTC+1 in summer): not used.
  CHECK(tasmota_ts(rig, "2025-11-29T01:00:00.250", now, true) ==
        doctest::Approx(now - 86400 + 0.25));
  CHECK_FALSE(tasmota_ts(rig, "2025-11-29T01:00:00.250", now));
  CHECK_FALSE(tasmota_ts(rig, "2025-11-30T00:00:00", now));
  CHECK(tasmota_ts(rig, "2025-11-30T00:58:00", now) == now - 120);
}

TEST_CASE("tasmota: a clock a little ahead of the hub's gives the hub's time") {
  // Two minutes ahead is drift: the reading happened now. Stamped two minutes ahead, it
  // would make the hub refuse every reading without a time as older, for two minutes.
  Rig rig({sensor("scale", "coffee", SensorKind::tasmota_hx711, "scale1")}, "Europe/Berlin");
  const double now = 1764460800;  // 01:00 in Berlin
  CHECK(tasmota_ts(rig, "2025-11-30T01:02:00", now) == now);
  CHECK(tasmota_ts(rig, "2025-11-30T01:02:10", now + 10) == now + 10);
}

TEST_CASE("an empty payload (a cleared retained message) is ignored, not an error") {
  Rig rig({sensor("scale", "coffee", SensorKind::tasmota_hx711, "scale1"),
           sensor("tank", "water", SensorKind::esphome, "oilnode/oil_level")});
  for (const char* topic : {"tele/scale1/SENSOR", "tele/scale1/LWT", "stat/scale1/STATUS10",
                            "oilnode/sensor/oil_level/state", "oilnode/status"}) {
    CAPTURE(topic);
    rig.send(topic, "", /*retained=*/true);
    rig.send(topic, "");
    CHECK(rig.sink.bad.empty());
    CHECK(rig.sink.inputs.empty());
    CHECK(rig.sink.events.empty());
  }
}
