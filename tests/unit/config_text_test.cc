// The configuration's text as text: the file must be UTF-8, a value quoted in an error is
// cut between characters (a reload's error travels as JSON), and a name is one line of at
// most so many characters in any script (config_reader.cc, config_checks.cc).
#include <doctest/doctest.h>

#include <string>
#include <string_view>

#include "larder/config.h"
#include "larder/text.h"
#include "support/config_support.h"

using namespace larder;
using namespace larder::test;

TEST_CASE("a file that is not UTF-8 is refused at its first bad byte") {
  // A Latin-1 name once passed the check and then made every JSON about it throw.
  ConfigLoad latin = parse_config(
      minimal("", "tea:\n  name: Th\xE9\n"), "/x/l.yaml");  // tea: is line 7
  REQUIRE(latin.errors.size() == 1);
  CHECK_FALSE(latin.config.has_value());
  CHECK(latin.errors[0].to_string() ==
        "/x/l.yaml:8: is not UTF-8: byte 0xE9 at column 11 (save the file as UTF-8)");
  // Anywhere in the file, comments and keys included; the first byte of a bad sequence.
  ConfigLoad key = parse_config("# ok: \xC3\xA9\n\xC3(x: 1\n", "/x/l.yaml");
  REQUIRE(key.errors.size() == 1);
  CHECK(key.errors[0].line == 2);
  CHECK(key.errors[0].what == "is not UTF-8: byte 0xC3 at column 1 (save the file as UTF-8)");
  // Well-formed UTF-8 (and its byte order mark) is fine.
  CHECK(parse_config("\xEF\xBB\xBF" + minimal("", "# caf\xC3\xA9\n"), "/x/l.yaml").config);
}

TEST_CASE("a value quoted in a message is cut between characters, never inside one") {
  // 59 ASCII letters and a two-byte letter: a cut after 60 bytes would split the 'ä', and
  // the message (which a reload sends on MQTT as JSON) would not be UTF-8.
  for (const std::string& value : {std::string(59, 'a') + "\xc3\xa4" + "b",
                                   std::string(59, 'a') + "\xe2\x82\xac" + "b",
                                   std::string("x\xc3\xa4\xe2\x82\xac\xf0\x9f\x98\x80")}) {
    ConfigLoad l = parse_config(minimal() + "log_level: " + value + "\n", "/x/l.yaml");
    CAPTURE(dump(l));
    REQUIRE(find_error(l, "log_level") != nullptr);
    const std::string what = find_error(l, "log_level")->what;
    CHECK(utf8_invalid_at(what) == std::string_view::npos);
    if (value.size() > 60) {
      CHECK(what.find(std::string(59, 'a') + value.substr(59, value.size() - 60) + "...") !=
            std::string::npos);
    } else {
      CHECK(what.find(value) != std::string::npos);  // whole characters are kept as they are
    }
  }
}

TEST_CASE("names are one line in any script: Unicode's line breaks are refused, and the "
          "length is in characters") {
  auto named = [](const std::string& name) {
    return parse_config(minimal("", "").replace(minimal().find("consumables: {}"), 15,
                                                 "consumables:\n  coffee:\n    name: \"" + name +
                                                     "\"\n    unit: g\n    capacity: 1000\n"
                                                     "    pack: {sku: C, size: 500}\n"),
                        "/x/l.yaml");
  };
  std::string umlauts;
  for (int i = 0; i < 200; ++i) umlauts += "\xc3\xa4";  // 200 characters, 400 bytes
  ConfigLoad long_name = named(umlauts);
  INFO(dump(long_name));
  CHECK(long_name.config.has_value());
  expect_error(named(umlauts + "a"), 8, "consumables.coffee.name",
               "at most 200 characters (it has 201)");
  for (const char* line_break : {"\xc2\x85", "\xe2\x80\xa8", "\xe2\x80\xa9", "\xc2\x9b"}) {
    ConfigLoad l = named(std::string("Coffee") + line_break + "beans");
    expect_error(l, 8, "consumables.coffee.name", "without control characters");
    // The message shows the bytes, not the line break itself.
    CHECK(find_error(l, "consumables.coffee.name")->what.find(line_break) == std::string::npos);
  }
}

TEST_CASE("a token with a character beyond ASCII is measured in bytes, and says so") {
  std::string text = minimal();
  text.replace(text.find(kAdmin), kAdmin.size(), "admin\xc3\xa9-token-0123456789");  // 23, 24 B
  expect_error(parse_config(text, "/x/l.yaml"), 5, "http.admin_token",
               "printable ASCII characters without spaces (it has 24 bytes, not all printable)");
}
