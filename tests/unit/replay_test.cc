// `larderctl replay`'s core (daemon/replay): the hub driven by a file.
#include <doctest/doctest.h>

#include <algorithm>
#include <optional>
#include <sstream>
#include <vector>

#include <nlohmann/json.hpp>

#include "replay/replay.h"

using namespace larder;
using nlohmann::json;

namespace {

Config replay_config(const std::string& devices = "") {
  ConfigLoad l = parse_config(std::string(R"(mqtt:
  url: tcp://127.0.0.1:1883
state_dir: /tmp/unused
http:
  admin_token: replay-admin-token-0123
consumables:
  coffee:
    unit: g
    capacity: 1000
    tare: 350
    pack: {sku: C-500, size: 500}
  pods:
    unit: pcs
    capacity: 80
    pack: {sku: P-40, size: 40}
)") + devices,
                              "/tmp/replay.yaml");
  for (const auto& e : l.errors) MESSAGE(e.to_string());
  REQUIRE(l.config);
  return *l.config;
}

struct Run {
  ReplayResult result;
  std::vector<json> out;
  std::vector<std::string> lines;  // as written
  std::string errors;
};

Run run(const std::string& input, const std::string& devices = "") {
  Config c = replay_config(devices);
  std::istringstream in(input);
  std::ostringstream out, err;
  Run r;
  r.result = replay(c, in, out, err);
  std::istringstream lines(out.str());
  for (std::string line; std::getline(lines, line);) {
    r.out.push_back(json::parse(line));
    r.lines.push_back(line);
  }
  r.errors = err.str();
  return r;
}

}  // namespace

TEST_CASE("replay answers queries with the state at that time") {
  // A level is accepted once the next readings confirm it (the model's median of three);
  // a drop of more than a twentieth of a pack must last 10 minutes (five readings).
  auto r = run(
      R"({"ts":1764460200,"topic":"larder/v1/consumable/coffee/level","payload":{"value":762.5,"unit":"g","gross":true}}
{"ts":1764460500,"topic":"larder/v1/consumable/coffee/level","payload":{"value":762.5,"unit":"g","gross":true}}
{"ts":1764460800,"topic":"larder/v1/consumable/coffee/level","payload":{"value":762.5,"unit":"g","gross":true}}
{"ts":1764460900,"query":"coffee"}
{"ts":1764461000,"topic":"larder/v1/consumable/coffee/level","payload":"{\"value\":0.7,\"unit\":\"kg\",\"gross\":true}"}
{"ts":1764461300,"topic":"larder/v1/consumable/coffee/level","payload":"{\"value\":0.7,\"unit\":\"kg\",\"gross\":true}"}
{"ts":1764461600,"topic":"larder/v1/consumable/coffee/level","payload":"{\"value\":0.7,\"unit\":\"kg\",\"gross\":true}"}
{"ts":1764461900,"topic":"larder/v1/consumable/coffee/level","payload":"{\"value\":0.7,\"unit\":\"kg\",\"gross\":true}"}
{"ts":1764462200,"topic":"larder/v1/consumable/coffee/level","payload":"{\"value\":0.7,\"unit\":\"kg\",\"gross\":true}"}
{"ts":1764462300,"query":"*"}
)");
  CHECK(r.result.bad_lines == 0);
  CHECK(r.errors.empty());
  REQUIRE(r.out.size() == 3);
  CHECK(r.out[0]["ts"] == 1764460900);
  CHECK(r.out[0]["consumable"] == "coffee");
  CHECK(r.out[0]["level"] == 412.5);
  CHECK(r.out[0]["unit"] == "g");
  CHECK(r.out[0].contains("rate_per_day"));
  CHECK(r.out[0].contains("empty_at"));
  CHECK(r.out[0].contains("empty_at_low"));
  CHECK(r.out[0].contains("empty_at_high"));
  CHECK(r.out[0]["reorder"] == false);
  CHECK(r.out[0]["status"] == "unknown");
  CHECK(r.out[0]["empty_at"].is_null());  // not enough data for a forecast yet
  // As text, the fields come in the contract's order.
  CHECK(r.lines[0] == R"({"ts":1764460900,"consumable":"coffee","level":412.5,"unit":"g",)"
                      R"("rate_per_day":null,"empty_at":null,"empty_at_low":null,)"
                      R"("empty_at_high":null,"status":"unknown","reorder":false})");
  // "*": every consumable, in the order of the configuration.
  CHECK(r.out[1]["consumable"] == "coffee");
  CHECK(r.out[1]["level"] == doctest::Approx(350));
  CHECK(r.out[2]["consumable"] == "pods");
  CHECK(r.out[2]["unit"] == "pcs");
}

TEST_CASE("a quiet spell in the input is time with the hub up, and queries change nothing") {
  // Two pods a day for five days, then queries 5 minutes apart and a last one 6 hours
  // later. larderd ticks twice a second, so such a silence is no outage of the hub: no use
  // may be assumed for it (before, one jump of the clock looked like one, the counter's
  // level fell by the expected use, and the queries alone changed the answer).
  std::string uses = R"({"ts":1764460800,"topic":"larder/v1/consumable/pods/refilled","payload":{}}
)";
  for (int day = 0; day < 5; ++day) {
    for (int at : {28800, 50400}) {
      uses += R"({"ts":)" + std::to_string(1764460800 + day * 86400 + at) +
              R"(,"topic":"larder/v1/consumable/pods/used","payload":{"amount":1,"unit":"pcs"}})" "\n";
    }
  }
  const std::string last = R"({"ts":1764901800,"query":"pods"})" "\n";
  std::string queries;
  for (int k = 0; k < 7; ++k) {
    queries += R"({"ts":)" + std::to_string(1764878400 + 300 * k) + R"(,"query":"pods"})" "\n";
  }
  Run quiet = run(uses + last);
  Run asked = run(uses + queries + last);
  REQUIRE(quiet.result.bad_lines == 0);
  REQUIRE(asked.result.bad_lines == 0);
  REQUIRE(quiet.out.size() == 1);
  REQUIRE(asked.out.size() == 8);
  CHECK(quiet.out[0]["level"] == 30.0);
  CHECK(quiet.out[0]["rate_per_day"] == doctest::Approx(2.0));
  CHECK(asked.lines.back() == quiet.lines[0]);
}

TEST_CASE("malformed lines are reported with their number, skipped, and fail the run") {
  auto r = run(
      R"({"ts":1764460200,"topic":"larder/v1/consumable/coffee/level","payload":{"value":700,"unit":"g"}}
{"ts":1764460500,"topic":"larder/v1/consumable/coffee/level","payload":{"value":700,"unit":"g"}}
{"ts":1764460800,"topic":"larder/v1/consumable/coffee/level","payload":{"value":700,"unit":"g"}}
not json
{"topic":"larder/v1/consumable/coffee/level","payload":{"value":1,"unit":"g"}}
{"ts":1764460000,"query":"coffee"}
{"ts":1764460900,"query":"tea"}
{"ts":1764460900,"topic":"larder/v1/consumable/coffee/level","payload":{"value":1,"unit":"ml"}}
{"ts":1764460900,"topic":"larder/v1/consumable/coffee/level"}

{"ts":1764461000,"query":"coffee"}
)");
  CHECK(r.result.bad_lines == 6);
  CHECK(r.result.lines == 11);
  CHECK(r.errors.find("line 4: not valid JSON: at column ") != std::string::npos);
  CHECK(r.errors.find("line 5: 'ts' must be a number") != std::string::npos);
  CHECK(r.errors.find("line 6: 'ts' goes backwards") != std::string::npos);
  CHECK(r.errors.find("line 7: no consumable 'tea'") != std::string::npos);
  CHECK(r.errors.find("line 8: refused: unit 'ml' does not fit consumable 'coffee' (mass)") !=
        std::string::npos);
  CHECK(r.errors.find("line 9:") != std::string::npos);
  // The good lines still count: the level is that of lines 1-3.
  REQUIRE(r.out.size() == 1);
  CHECK(r.out[0]["level"] == 700);
}

TEST_CASE("a bad line says what is wrong with it, in words safe for a terminal") {
  const std::string level = R"("topic":"larder/v1/consumable/coffee/level")";
  auto r = run(std::string(R"({"ts":1764460200,"query":"coffee","value":NaN})") + "\n" +
               "{\"ts\":1764460200,\"query\":\"caf\xC3\"}\n" +  // cut UTF-8
               "[1764460200]\n" +
               R"({"ts":1764460200,"query":"coffee",)" + level + R"(,"payload":{"value":1}})" +
               "\n" + R"({"ts":1764460200,"query":"coffee","payload":{"value":1}})" + "\n" +
               R"({"ts":1764460200,"query":"coffee","topic":"x"})" + "\n" +
               R"({"ts":1764460200,"topic":"evil\u001b[2J\u0007/x","payload":{}})" + "\n" +
               R"({"ts":1764460200,"query":"te\u001ba"})" + "\n" +
               R"({"ts":1764460200,"topic":"larder/v1/consumable/c\u001bx/level","payload":{}})" +
               "\n" +
               // Other fields are no part of the line's form: ignored (docs/replay.md).
               R"({"ts":1764460300,)" + level + R"(,"payload":{"value":500,"unit":"g"},"qos":1})" +
               "\n" + R"({"ts":1764460400,"query":"coffee","note":"after the refill"})" + "\n");
  INFO(r.errors);
  CHECK(r.result.bad_lines == 9);
  CHECK(r.errors.find("line 1: not valid JSON: at column 43: syntax error while parsing value"
                      " - invalid literal; last read: '\"value\":N'") != std::string::npos);
  CHECK(r.errors.find("line 2: not valid JSON: at column ") != std::string::npos);
  CHECK(r.errors.find("UTF-8") != std::string::npos);
  CHECK(r.errors.find("line 3: not a JSON object") != std::string::npos);
  for (const char* n : {"4", "5", "6"}) {
    CHECK(r.errors.find(std::string("line ") + n + ": a line is a message (\"topic\" and "
                        "\"payload\") or a query (\"query\"), not both") != std::string::npos);
  }
  CHECK(r.errors.find("line 7: no plugin of this configuration reads 'evil?[2J?/x'") !=
        std::string::npos);
  CHECK(r.errors.find("line 8: no consumable 'te?a' is configured") != std::string::npos);
  CHECK(r.errors.find("line 9: refused: ") != std::string::npos);
  CHECK(std::none_of(r.errors.begin(), r.errors.end(), [](char c) {
    return c != '\n' && static_cast<unsigned char>(c) < 0x20;
  }));
  // Neither half of a line that is both was used: one answer, of the message on line 10.
  CHECK(r.result.messages == 1);
  REQUIRE(r.out.size() == 1);
  CHECK(r.out[0]["ts"] == 1764460400);
  CHECK(r.out[0]["consumable"] == "coffee");
}

TEST_CASE("a C1 control in a bad line's reason is masked too (C2 9B is a terminal's CSI)") {
  auto r = run(R"({"ts":1764460200,"topic":"larder/v1/consumable/coffee/purchased",)"
               R"("payload":{"packs":1,"best_before":"\u00e9\u009b2J"}})"
               "\n");
  INFO(r.errors);
  CHECK(r.result.bad_lines == 1);
  CHECK(r.errors.find("\xc2\x9b") == std::string::npos);
  CHECK(r.errors.find("\xc3\xa9?2J") != std::string::npos);  // other UTF-8 is kept
}

TEST_CASE("a line naming a key twice is a bad line: neither copy is guessed at") {
  auto r = run(R"({"ts":1764460200,"topic":"larder/v1/consumable/coffee/used",)"
               R"("payload":{"amount":5,"unit":"g"},)"
               R"("topic":"larder/v1/consumable/coffee/refilled"})"
               "\n"
               R"({"ts":1764460300,"query":"coffee","query":"salt"})"
               "\n"
               R"({"ts":1764460400,"topic":"larder/v1/consumable/coffee/level",)"
               R"("payload":{"value":500,"unit":"g","value":600}})"
               "\n");
  INFO(r.errors);
  CHECK(r.result.bad_lines == 3);
  CHECK(r.errors.find("line 1: not valid JSON: an object names the key 'topic' twice") !=
        std::string::npos);
  CHECK(r.errors.find("line 2: not valid JSON: an object names the key 'query' twice") !=
        std::string::npos);
  CHECK(r.errors.find("line 3: not valid JSON: an object names the key 'value' twice") !=
        std::string::npos);
  CHECK(r.result.messages == 0);
  CHECK(r.out.empty());
}

TEST_CASE("a number beyond a double is a bad line, not the end of the replay") {
  // nlohmann's parser throws out_of_range (not parse_error) for it: found by fuzz_replay.
  auto r = run(std::string(R"({"ts":176446E0700,"query":"coffee"})") + "\n" +
               R"({"ts":1764460200,"topic":"larder/v1/consumable/coffee/level",)" +
               R"("payload":{"value":-1e999,"unit":"g"}})" + "\n" +
               R"({"ts":1764460200,"query":"coffee"})" + "\n");
  INFO(r.errors);
  CHECK(r.result.bad_lines == 2);
  CHECK(r.errors.find("line 1: not valid JSON: number overflow parsing '176446E0700'") !=
        std::string::npos);
  CHECK(r.errors.find("line 2: not valid JSON: number overflow parsing '-1e999'") !=
        std::string::npos);
  REQUIRE(r.out.size() == 1);
  CHECK(r.out[0]["ts"] == 1764460200);
}

TEST_CASE("a query echoes its ts as the input gave it") {
  auto r = run(R"({"ts":1764460800,"query":"pods"}
{"ts":1764460800.5,"query":"pods"}
)");
  REQUIRE(r.out.size() == 2);
  CHECK(r.out[0]["ts"].is_number_integer());  // 1764460800, not 1764460800.0
  CHECK(r.out[0]["ts"] == 1764460800);
  CHECK(r.out[1]["ts"].is_number_float());
  CHECK(r.out[1]["ts"] == 1764460800.5);
}

TEST_CASE("device formats replay through the daemon's plugins") {
  // A Tasmota scale under the coffee jar (HX711 in kg, net) and a zigbee2mqtt button that
  // opens a new pack of pods: the same plugins larderd runs for this configuration.
  const std::string devices = R"(sensors:
  coffee_scale:
    consumable: coffee
    kind: tasmota_hx711
    topic: coffee-scale
    gross: false
buttons:
  pods_button:
    consumable: pods
    single: refilled
    zigbee2mqtt: Kitchen/Pods Button
    actions: {on: single}
)";
  auto r = run(
      R"({"ts":1764460200,"topic":"tele/coffee-scale/SENSOR","payload":{"Time":"2025-11-30T00:50:00","HX711":{"Weight":0.4125}}}
{"ts":1764460500,"topic":"tele/coffee-scale/SENSOR","payload":"{\"Time\":\"2025-11-30T00:55:00\",\"HX711\":{\"Weight\":0.4125}}"}
{"ts":1764460800,"topic":"tele/coffee-scale/SENSOR","payload":{"Time":"2025-11-30T01:00:00","HX711":{"Weight":0.4125}}}
{"ts":1764460850,"topic":"zigbee2mqtt/Kitchen/Pods Button","payload":{"action":"on"}}
{"ts":1764460900,"query":"*"}
{"ts":1764461000,"topic":"tele/coffee-scale/SENSOR","payload":{"HX711":{"Weight":"heavy"}}}
{"ts":1764461100,"topic":"zigbee2mqtt/Hall/Unknown Button","payload":{"action":"on"}}
{"ts":1764461200,"topic":"tele/coffee-scale/SENSOR","payload":{"Time":"2025-11-30T01:06:40","HX711":{"Weight":0.4125}}}
)",
      devices);
  REQUIRE(r.out.size() == 2);
  CHECK(r.out[0]["consumable"] == "coffee");
  CHECK(r.out[0]["level"] == doctest::Approx(412.5));
  CHECK(r.out[1]["consumable"] == "pods");
  CHECK(r.out[1]["level"] == doctest::Approx(40));  // the press opened a pack of 40
  // A device payload the plugin cannot read is refused like bad canonical input, and a topic
  // no plugin of this configuration reads is reported: neither is silently dropped.
  CHECK(r.result.bad_lines == 2);
  CHECK(r.errors.find("line 6: refused: ") != std::string::npos);
  CHECK(r.errors.find("line 7: no plugin of this configuration reads "
                      "'zigbee2mqtt/Hall/Unknown Button'") != std::string::npos);
  CHECK(r.result.messages == 5);
}

TEST_CASE("a payload over 64 KiB is refused, as a JSON value as well as a string") {
  const std::string pad(70000, 'x');  // an unknown field would be refused anyway: too big first
  const std::string value = R"({"value":700,"unit":"g","note":")" + pad + R"("})";
  json as_string = {{"ts", 1764460200}, {"topic", "larder/v1/consumable/coffee/level"},
                    {"payload", value}};
  json as_value = as_string;
  as_value["payload"] = json::parse(value);
  auto r = run(as_string.dump() + "\n" + as_value.dump() + "\n");
  CHECK(r.result.bad_lines == 2);
  CHECK(r.errors.find("line 1: refused: payload of") != std::string::npos);
  CHECK(r.errors.find("line 2: refused: payload of") != std::string::npos);
  CHECK(r.errors.find("larger than 64 KiB") != std::string::npos);
}

TEST_CASE("a skipped line changes nothing, not even the time") {
  // Each bad line lies a month ahead of the good ones. Skipped, it must not become the
  // replay's time, or every good line after it would be refused as going backwards.
  const std::string good =
      R"({"ts":1764460200,"topic":"larder/v1/consumable/coffee/level","payload":{"value":700,"unit":"g"}}
{"ts":1764460500,"topic":"larder/v1/consumable/coffee/level","payload":{"value":700,"unit":"g"}}
)";
  const std::string tail =
      R"({"ts":1764460800,"topic":"larder/v1/consumable/coffee/level","payload":{"value":700,"unit":"g"}}
{"ts":1764461100,"query":"*"}
)";
  auto ref = run(good + tail);
  REQUIRE(ref.result.bad_lines == 0);
  REQUIRE(ref.out.size() == 2);
  const std::vector<std::string> bad_lines = {
      R"({"ts":1767139200,"query":"tea"})",  // an unknown consumable
      R"({"ts":1767139200,"topic":"larder/v1/consumable/coffee/level","payload":{"value":-500,"unit":"g"}})",
      R"({"ts":1767139200,"topic":"larder/v1/consumable/tea/level","payload":{"value":5,"unit":"g"}})",
      R"({"ts":1767139200,"topic":"larder/v1/consumable/coffee/state","payload":{}})",
      R"({"ts":1767139200,"topic":"tele/unknown/SENSOR","payload":{"HX711":{"Weight":0.5}}})",
      R"({"ts":1767139200,"query":"coffee","topic":"larder/v1/consumable/coffee/level",)"
      R"("payload":{"value":9,"unit":"g"}})",
      R"({"ts":1767139200,"query":"coffee","value":NaN})",
  };
  for (const std::string& line : bad_lines) {
    CAPTURE(line);
    auto r = run(good + line + "\n" + tail);
    CHECK(r.result.bad_lines == 1);
    CHECK(r.errors.find("line 3: ") != std::string::npos);
    CHECK(r.errors.find("goes backwards") == std::string::npos);
    CHECK(r.out == ref.out);
  }
}

TEST_CASE("a ts far in the future or negative is refused clearly, and changes nothing") {
  // Found by fuzzing (docs/fuzzing.md): a line whose ts lay ~30 million years ahead made
  // the forecaster close every day up to it, one by one.
  auto r = run(
      R"({"ts":1764460800,"topic":"larder/v1/consumable/coffee/level","payload":{"value":700,"unit":"g"}}
{"ts":1e15,"query":"coffee"}
{"ts":-86400,"query":"coffee"}
{"ts":4102444801,"topic":"larder/v1/consumable/coffee/level","payload":{"value":1,"unit":"g"}}
{"ts":1764461000,"query":"coffee"}
)");
  CHECK(r.result.bad_lines == 3);
  CHECK(r.errors.find("line 2: 'ts' must be epoch seconds from 0 to 4102444800 (2100-01-01)") !=
        std::string::npos);
  CHECK(r.errors.find("line 3: 'ts' must be epoch seconds from 0") != std::string::npos);
  CHECK(r.errors.find("line 4: 'ts' must be epoch seconds from 0") != std::string::npos);
  // The answer is the one without the refused lines.
  auto ref = run(
      R"({"ts":1764460800,"topic":"larder/v1/consumable/coffee/level","payload":{"value":700,"unit":"g"}}
{"ts":1764461000,"query":"coffee"}
)");
  REQUIRE(r.out.size() == 1);
  REQUIRE(ref.out.size() == 1);
  CHECK(r.out[0] == ref.out[0]);
}

namespace {

// Pods used 4 a day (06, 10, 14, 18 h) from a Monday, a pack opened whenever the container
// is empty, a query every hour; away (no use) from `away` for 10 days, declared on
// <root>/vacation when `declared`. Returns the time of the first query answering reorder.
std::optional<double> first_reorder(std::optional<double> away, bool declared) {
  constexpr double kT0 = 1767571200, kDay = 86400;
  const double leave = away.value_or(1e300), back = leave + 10 * kDay;
  std::ostringstream in;
  auto line = [&in](double ts, const std::string& topic, const json& payload) {
    in << json{{"ts", ts}, {"topic", "larder/v1/" + topic}, {"payload", payload}}.dump() << "\n";
  };
  line(kT0, "consumable/pods/refilled", json::object());
  line(kT0 + 1, "consumable/pods/purchased", {{"packs", 1}});
  int in_container = 40;
  for (double t = kT0 + 3600; t < kT0 + 40 * kDay; t += 3600) {
    if (declared && t == leave) line(t, "vacation", {{"away", true}, {"until", back}});
    const int hour = static_cast<int>((t - kT0) / 3600) % 24;
    const bool home = t < leave || t >= back;
    if (home && (hour == 6 || hour == 10 || hour == 14 || hour == 18)) {
      if (in_container == 0) {
        line(t, "consumable/pods/refilled", json::object());
        in_container = 40;
      }
      line(t + 1, "consumable/pods/used", {{"amount", 1}, {"unit", "pcs"}});
      --in_container;
    }
    in << json{{"ts", t + 2}, {"query", "pods"}}.dump() << "\n";
  }
  Config c = replay_config();
  std::istringstream input(in.str());
  std::ostringstream out, err;
  ReplayResult r = replay(c, input, out, err);
  CHECK(r.bad_lines == 0);
  CHECK(err.str().empty());
  std::istringstream lines(out.str());
  for (std::string l; std::getline(lines, l);) {
    json q = json::parse(l);
    if (q["reorder"] == true) return q["ts"].get<double>();
  }
  return std::nullopt;
}

}  // namespace

TEST_CASE("a vacation inside a replay: accepted, no order while away, the order right after the return") {
  constexpr double kDay = 86400;
  // At home the order comes at some hour; the household leaves for 10 days 2 hours before.
  auto at_home = first_reorder(std::nullopt, false);
  REQUIRE(at_home);
  const double away = *at_home - 2 - 2 * 3600, back = away + 10 * kDay;
  // Declared on larder/v1/vacation (the line is accepted): nothing is ordered while away,
  // and the order comes with the first uses after the return.
  auto declared = first_reorder(away, true);
  REQUIRE(declared);
  CHECK(*declared > back - 2 * kDay);
  CHECK(*declared < back + kDay);
}

TEST_CASE("a voice intent acts in replay as in the daemon: a refill told, at the intent's time") {
  // larderd's conversation runs in replay too: "I opened new pods" is a refill, told at the
  // intent's `ts`; an order asked for is answered (replay places none), not a bad line.
  auto r = run(
      R"({"ts":1764460800,"topic":"larder/v1/voice/intent","payload":{"intent":"Refilled","slots":{"item":"pods"},"ts":1764460790}}
{"ts":1764460900,"query":"pods"}
{"ts":1764461000,"topic":"larder/v1/voice/intent","payload":{"intent":"Reorder","slots":{"item":"coffee"}}}
{"ts":1764461100,"topic":"larder/v1/consumable/pods/refilled","payload":{"ts":1764460795}}
{"ts":1764461200,"query":"*"}
)");
  CHECK(r.errors.find("line 1") == std::string::npos);
  CHECK(r.errors.find("line 3") == std::string::npos);
  REQUIRE(r.out.size() == 3);
  CHECK(r.out[0]["level"] == doctest::Approx(40));  // the intent opened a pack of 40
  // The refill was told at 1764460790: a refill stamped after it is a new one, not older.
  CHECK(r.out[2]["level"] == doctest::Approx(40));
  CHECK(r.result.bad_lines == 0);
}
