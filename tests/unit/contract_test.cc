// The canonical contract's input validation (shared/contract/mqtt-v1.md).
#include <doctest/doctest.h>

#include <string>

#include "core/contract.h"

using namespace larder;
using namespace larder::contract;

namespace {
const std::string kRoot = "larder/v1";
Parsed parse(const std::string& topic, const std::string& payload, bool retained = false) {
  return parse_input(kRoot, Message{topic, payload, 1, retained});
}
std::string reason(const Parsed& p) { return p.rejection.reason; }
}  // namespace

TEST_CASE("a level reading parses with its unit, gross flag and ts") {
  auto p = parse("larder/v1/consumable/coffee/level",
                 R"({"value":412.5,"unit":"g","ts":1764460800,"gross":true,"extra":1})");
  REQUIRE(p.ok());
  auto& in = std::get<LevelInput>(*p.input);
  CHECK(in.consumable == "coffee");
  CHECK(in.value == doctest::Approx(412.5));
  CHECK(in.unit == Unit::g);
  CHECK(in.gross);
  CHECK(in.ts == doctest::Approx(1764460800));
}

TEST_CASE("every input topic of the contract parses") {
  CHECK(parse("larder/v1/consumable/pods/used", R"({"amount":1,"unit":"pcs"})").ok());
  CHECK(parse("larder/v1/consumable/pods/refilled", "{}").ok());
  CHECK(parse("larder/v1/consumable/pods/refilled", R"({"amount":500,"unit":"g"})").ok());
  CHECK(parse("larder/v1/consumable/pods/purchased", R"({"packs":2})").ok());
  CHECK(parse("larder/v1/button/kitchen-1/press", R"({"action":"double"})").ok());
  CHECK(parse("larder/v1/voice/intent",
              R"({"intent":"Reorder","slots":{"item":"coffee","quantity":2},"site":"kitchen"})")
            .ok());
  CHECK(parse("larder/v1/vehicle/car/location", R"({"lat":48.1,"lon":11.5,"acc":12.5})").ok());
  CHECK(parse("larder/v1/vehicle/car/trunk", R"({"state":"locked"})").ok());
  CHECK(parse("larder/v1/presence/anna", R"({"home":true})").ok());
  auto refill = parse("larder/v1/consumable/pods/refilled", "{}");
  CHECK_FALSE(std::get<RefilledInput>(*refill.input).amount.has_value());
  auto intent = parse("larder/v1/voice/intent", R"({"intent":"Reorder","slots":{"quantity":2}})");
  CHECK(std::get<IntentInput>(*intent.input).slots.at("quantity") == "2");
  CHECK_FALSE(std::get<IntentInput>(*intent.input).confidence.has_value());
  auto unsure = parse("larder/v1/voice/intent", R"({"intent":"StockQuery","confidence":0.25})");
  CHECK(std::get<IntentInput>(*unsure.input).confidence == 0.25);
}

TEST_CASE("topics outside the contract and bad ids are rejected") {
  CHECK(parse("larder/v2/consumable/coffee/level", R"({"value":1,"unit":"g"})").rejection.kind ==
        "topic");
  CHECK(parse("larder/v1/consumable/coffee/state", "{}").rejection.kind == "topic");
  CHECK(parse("larder/v1/consumable/coffee/level/x", "{}").rejection.kind == "topic");
  CHECK(parse("larder/v1", "{}").rejection.kind == "topic");
  CHECK(parse("larder/v1/consumable/Coffee/level", R"({"value":1,"unit":"g"})").rejection.kind ==
        "id");
  CHECK(parse("larder/v1/consumable/-x/level", R"({"value":1,"unit":"g"})").rejection.kind == "id");
  CHECK(parse("larder/v1/consumable//level", R"({"value":1,"unit":"g"})").rejection.kind == "id");
  CHECK(parse("larder/v1/consumable/" + std::string(65, 'a') + "/level",
              R"({"value":1,"unit":"g"})")
            .rejection.kind == "id");
  CHECK(parse("larder/v1/consumable/" + std::string(64, 'a') + "/level",
              R"({"value":1,"unit":"g"})")
            .ok());
  CHECK(parse("larder/v1/presence/ANNA", R"({"home":true})").rejection.kind == "id");
}

TEST_CASE("payloads must be JSON objects of at most 64 KiB") {
  CHECK(parse("larder/v1/consumable/coffee/level", "not json").rejection.kind == "json");
  CHECK(parse("larder/v1/consumable/coffee/level", "[1,2]").rejection.kind == "json");
  CHECK(parse("larder/v1/consumable/coffee/level", "412").rejection.kind == "json");
  CHECK(parse("larder/v1/consumable/coffee/level", "").rejection.kind == "json");
  std::string big = R"({"value":1,"unit":"g","pad":")" + std::string(64 * 1024, 'x') + "\"}";
  CHECK(parse("larder/v1/consumable/coffee/level", big).rejection.kind == "too_large");
}

TEST_CASE("fields are checked: types, units, finite numbers, ranges") {
  const std::string t = "larder/v1/consumable/coffee/level";
  CHECK(reason(parse(t, R"({"unit":"g"})")) == "field 'value' is missing");
  CHECK(reason(parse(t, R"({"value":"412","unit":"g"})")) == "field 'value' must be a number");
  // A key named twice is ambiguous: refused, whichever copy would have won.
  CHECK(reason(parse(t, R"({"value":1,"unit":"g","value":900})")) ==
        "payload is not valid JSON: an object names the key 'value' twice");
  CHECK(parse(t, R"({"value":1,"unit":"g","value":900})").rejection.kind == "json");
  // JSON has no infinities: an overflowing number is not valid JSON.
  CHECK(parse(t, R"({"value":1e999,"unit":"g"})").rejection.kind == "json");
  CHECK(reason(parse(t, R"({"value":1,"unit":"oz"})")).find("unknown unit 'oz'") == 0);
  CHECK(reason(parse(t, R"({"value":1})")) == "field 'unit' is missing");
  CHECK(reason(parse(t, R"({"value":1,"unit":"g","ts":"now"})")) == "field 'ts' must be a number");
  CHECK(reason(parse(t, R"({"value":1,"unit":"g","ts":-5})")).find("not negative") !=
        std::string::npos);
  // Milliseconds for seconds, or a broken clock: refused, not walked up to (fuzzing).
  CHECK(reason(parse(t, R"({"value":1,"unit":"g","ts":1764460800000})")) ==
        "field 'ts' must be epoch seconds before 2100-01-01 (at most 4102444800)");
  CHECK(parse(t, R"({"value":1,"unit":"g","ts":4102444800})").ok());
  // A clock never set counts from 1970: decades-old "history" would teach a false rate.
  for (const char* early :
       {R"({"value":1,"unit":"g","ts":0})", R"({"value":1,"unit":"g","ts":2200})",
        R"({"value":1,"unit":"g","ts":946684799.5})"}) {
    CAPTURE(early);
    CHECK(reason(parse(t, early)) == "field 'ts' must be epoch seconds from 2000-01-01 (at least "
                                     "946684800): is the device's clock set?");
  }
  CHECK(parse(t, R"({"value":1,"unit":"g","ts":946684800})").ok());
  CHECK_FALSE(
      parse("larder/v1/consumable/pods/used", R"({"amount":1,"unit":"pcs","ts":300})").ok());
  CHECK_FALSE(parse("larder/v1/button/b1/press", R"({"action":"single","ts":12})").ok());
  CHECK(reason(parse(t, R"({"value":1,"unit":"g","gross":"yes"})")) ==
        "field 'gross' must be true or false");
  CHECK_FALSE(parse("larder/v1/consumable/pods/used", R"({"amount":0,"unit":"pcs"})").ok());
  CHECK_FALSE(parse("larder/v1/consumable/pods/refilled", R"({"amount":5})").ok());
  CHECK_FALSE(parse("larder/v1/consumable/pods/purchased", R"({"packs":1.5})").ok());
  CHECK_FALSE(parse("larder/v1/consumable/pods/purchased", R"({"packs":0})").ok());
  CHECK_FALSE(parse("larder/v1/button/b1/press", R"({"action":"triple"})").ok());
  CHECK_FALSE(parse("larder/v1/voice/intent", R"({"intent":"Dance"})").ok());
  CHECK_FALSE(parse("larder/v1/voice/intent", R"({"intent":"Reorder","slots":[1]})").ok());
  CHECK_FALSE(parse("larder/v1/voice/intent", R"({"intent":"Reorder","confidence":1.5})").ok());
  CHECK_FALSE(parse("larder/v1/voice/intent", R"({"intent":"Reorder","confidence":"high"})").ok());
  CHECK_FALSE(parse("larder/v1/vehicle/car/location", R"({"lat":91,"lon":0})").ok());
  CHECK_FALSE(parse("larder/v1/vehicle/car/location", R"({"lat":1,"lon":0,"acc":-1})").ok());
  CHECK_FALSE(parse("larder/v1/vehicle/car/trunk", R"({"state":"ajar"})").ok());
  CHECK_FALSE(parse("larder/v1/presence/anna", R"({"home":1})").ok());
}

TEST_CASE("subscriptions cover every input topic, retained wanted where it initialises") {
  auto filters = input_filters(kRoot);
  CHECK(filters.size() == 10);  // with <root>/vacation, an extension
  int retained = 0;
  for (const auto& f : filters) {
    CHECK(f.filter.rfind(kRoot + "/", 0) == 0);
    retained += f.retained_wanted;
  }
  CHECK(retained == 3);
}
