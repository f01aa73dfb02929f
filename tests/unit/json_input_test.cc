// parse_json_input (larder/json_input.h): nlohmann's parse, but an object naming a key
// twice is refused instead of keeping the last copy.
#include <doctest/doctest.h>

#include <string>

#include "larder/json_input.h"

using larder::parse_json_input;
using larder::repeated_key_message;

TEST_CASE("JSON without repeated keys parses as nlohmann parses it") {
  std::string repeated = "stale";
  for (const char* text : {R"({"value":412.5,"unit":"g","ts":1764460800})", "[1,2,3]", "7",
                           R"({"a":{"x":1},"b":{"x":2,"y":[{"x":1},{"x":2}]},"x":3})",
                           R"({"":1,"a":{}})", R"(  {"s":"{\"k\":1,\"k\":2}"} )"}) {
    CAPTURE(text);
    nlohmann::json j = parse_json_input(text, repeated);
    REQUIRE_FALSE(j.is_discarded());
    CHECK(j == nlohmann::json::parse(text));
    CHECK(repeated.empty());
  }
}

TEST_CASE("a key named twice in any one object is refused and named") {
  std::string repeated;
  CHECK(parse_json_input(R"({"a":1,"b":2,"a":3})", repeated).is_discarded());
  CHECK(repeated == "a");
  CHECK(parse_json_input(R"({"a":{"x":1,"y":{"z":1},"x":2}})", repeated).is_discarded());
  CHECK(repeated == "x");
  CHECK(parse_json_input(R"([{"k":1},{"k":2,"k":3}])", repeated).is_discarded());
  CHECK(repeated == "k");
  // Only the first is named; the same key after a closed inner object is still a repeat.
  CHECK(parse_json_input(R"({"a":{"b":1},"a":1,"c":1,"c":2})", repeated).is_discarded());
  CHECK(repeated == "a");
  CHECK(repeated_key_message("x\ty") == "an object names the key 'x?y' twice");
  CHECK(repeated_key_message(std::string(100, 'k')).size() ==
        std::string("an object names the key '' twice").size() + 64);
}

TEST_CASE("text that is not JSON is discarded with no key named, and never throws") {
  std::string repeated;
  for (const char* text : {"", "{]", R"({"a":1} x)", "1e999", R"({"a":)", "\xff"}) {
    CAPTURE(text);
    CHECK(parse_json_input(text, repeated).is_discarded());
    CHECK(repeated.empty());
  }
}
