// include/larder/text.h: the small text helpers the parsers of outside input share.
#include <doctest/doctest.h>

#include <string>
#include <string_view>

#include "larder/text.h"

using namespace larder;

namespace {
constexpr std::size_t npos = std::string_view::npos;
std::size_t bad_at(const std::string& s) { return utf8_invalid_at(s); }
}  // namespace

TEST_CASE("utf8_invalid_at accepts well-formed UTF-8 of every length") {
  CHECK(bad_at("") == npos);
  CHECK(bad_at("coffee: Kaffee") == npos);
  CHECK(bad_at("Sp\xC3\xBClmittel") == npos);           // U+00FC, 2 bytes
  CHECK(bad_at("\xE2\x82\xAC 4") == npos);              // U+20AC, 3 bytes
  CHECK(bad_at("\xF0\x9F\x8D\xB5") == npos);            // U+1F375, 4 bytes
  CHECK(bad_at("\xC2\x80\xDF\xBF") == npos);            // the ends of the 2-byte range
  CHECK(bad_at("\xE0\xA0\x80\xEF\xBF\xBF") == npos);    // of the 3-byte range
  CHECK(bad_at("\xF0\x90\x80\x80\xF4\x8F\xBF\xBF") == npos);  // of the 4-byte range, U+10FFFF
  CHECK(bad_at("\xED\x9F\xBF\xEE\x80\x80") == npos);    // just outside the surrogates
  CHECK(bad_at(std::string("a\0b", 3)) == npos);        // NUL is ASCII
}

TEST_CASE("utf8_invalid_at names the first byte of the first bad sequence") {
  CHECK(bad_at("Caf\xE9") == 3);                 // Latin-1, cut short at the end
  CHECK(bad_at("Caf\xE9 au lait") == 3);         // Latin-1, not followed by continuations
  CHECK(bad_at("\x80") == 0);                    // a stray continuation byte
  CHECK(bad_at("ok \xC3\xBC \xBF") == 6);        // after a good sequence
  CHECK(bad_at("\xC0\xAF") == 0);                // overlong '/'
  CHECK(bad_at("\xC1\xBF") == 0);                // overlong
  CHECK(bad_at("\xE0\x80\xAF") == 0);            // overlong, 3 bytes
  CHECK(bad_at("\xF0\x80\x80\xAF") == 0);        // overlong, 4 bytes
  CHECK(bad_at("\xED\xA0\x80") == 0);            // a surrogate (U+D800)
  CHECK(bad_at("\xF4\x90\x80\x80") == 0);        // past U+10FFFF
  CHECK(bad_at("\xF5\x80\x80\x80") == 0);        // F5..FF never start a sequence
  CHECK(bad_at("\xFF") == 0);
  CHECK(bad_at("x\xE2\x82") == 1);               // cut short
  CHECK(bad_at("x\xE2\x82y") == 1);              // a sequence broken by ASCII
  static_assert(utf8_invalid_at("\xC3\xA9") == npos);
  static_assert(utf8_invalid_at("\xE9") == 0);
}
