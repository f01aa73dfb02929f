// `larderctl replay`'s core (daemon/replay): the hub driven by a file.
#include <doctest/doctest.h>

#include <sstream>
#include <vector>

#include <nlohmann/json.hpp>

#include "replay/replay.h"

using namespace larder;
using nlohmann::json;

namespace {

Config replay_config() {
  ConfigLoad l = parse_config(R"(mqtt:
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
)",
                              "/tmp/replay.yaml");
  for (const auto& e : l.errors) MESSAGE(e.to_string());
  REQUIRE(l.config);
  return *l.config;
}

struct Run {
  ReplayResult result;
  std::vector<json> out;
  std::string errors;
};

Run run(const std::string& input) {
  Config c = replay_config();
  std::istringstream in(input);
  std::ostringstream out, err;
  Run r;
  r.result = replay(c, in, out, err);
  std::istringstream lines(out.str());
  for (std::string line; std::getline(lines, line);) r.out.push_back(json::parse(line));
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
  // "*": every consumable, in the order of the configuration.
  CHECK(r.out[1]["consumable"] == "coffee");
  CHECK(r.out[1]["level"] == doctest::Approx(350));
  CHECK(r.out[2]["consumable"] == "pods");
  CHECK(r.out[2]["unit"] == "pcs");
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
  CHECK(r.errors.find("line 4: not a JSON object") != std::string::npos);
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
