// Small text helpers shared by the parsers of outside input (HTTP headers, Alexa's
// certificate URL, access tokens). ASCII only and locale-free: what a client sends is
// compared and quoted the same whatever the machine's locale.
#pragma once

#include <cstddef>
#include <cstdio>
#include <string>
#include <string_view>

namespace larder {

constexpr bool is_ascii_alpha(char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'); }
constexpr bool is_ascii_digit(char c) { return c >= '0' && c <= '9'; }
constexpr char ascii_lower(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}
// `s` with its ASCII letters in lower case (header names, URL schemes and hosts).
inline std::string ascii_lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = ascii_lower(c);
  return out;
}

// Equal but for the case of ASCII letters (header names, URL schemes and hosts).
constexpr bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (ascii_lower(a[i]) != ascii_lower(b[i])) return false;
  }
  return true;
}

// What a client sent, in quotes (`mark`), for an error message: printable ASCII kept,
// anything else shown as '?', cut after `max` characters with "...".
inline std::string quote_excerpt(std::string_view s, std::size_t max = 120, char mark = '"') {
  std::string out(1, mark);
  for (char c : s.substr(0, max)) out += (c >= 0x20 && c < 0x7f) ? c : '?';
  if (s.size() > max) out += "...";
  return out + mark;
}

// Every control character of `s` replaced by '?': C0, DEL and the C1 controls (U+0080 ..
// U+009F, UTF-8 C2 80 .. C2 9F: C2 9B is a terminal's CSI) that a message to a terminal or
// a log must not carry. Other UTF-8 is kept.
inline std::string mask_controls(std::string s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    const auto u = static_cast<unsigned char>(s[i]);
    const auto next = i + 1 < s.size() ? static_cast<unsigned char>(s[i + 1]) : 0;
    if (u == 0xc2 && next >= 0x80 && next <= 0x9f) {
      out += '?';
      ++i;
    } else {
      out += (u < 0x20 || u == 0x7f) ? '?' : s[i];
    }
  }
  return out;
}

// `s` in lower case, for comparing names: ASCII, and the capitals of Latin-1, Latin
// Extended-A, Greek and Cyrillic (the European alphabets a household names things in).
// Other characters, and bytes that are not valid UTF-8, are kept as they are.
inline std::string utf8_lower(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  auto put = [&out](unsigned cp) {  // cp < 0x800: one or two bytes
    if (cp < 0x80) {
      out += static_cast<char>(cp);
    } else {
      out += static_cast<char>(0xc0 | (cp >> 6));
      out += static_cast<char>(0x80 | (cp & 0x3f));
    }
  };
  for (std::size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    const auto next = i + 1 < s.size() ? static_cast<unsigned char>(s[i + 1]) : 0u;
    if (c < 0x80) {
      out += ascii_lower(static_cast<char>(c));
      continue;
    }
    if (c < 0xc2 || c > 0xdf || (next & 0xc0) != 0x80) {  // not a two-byte character
      out += static_cast<char>(c);
      continue;
    }
    unsigned cp = ((c & 0x1fu) << 6) | (next & 0x3fu);
    ++i;
    if ((cp >= 0xc0 && cp <= 0xde && cp != 0xd7) || (cp >= 0x391 && cp <= 0x3ab && cp != 0x3a2) ||
        (cp >= 0x410 && cp <= 0x42f)) {
      cp += 0x20;  // À..Þ, Α..Ϋ, А..Я
    } else if (cp >= 0x400 && cp <= 0x40f) {
      cp += 0x50;  // Ѐ..Џ
    } else if (cp == 0x178) {
      cp = 0xff;  // Ÿ
    } else if ((cp >= 0x100 && cp <= 0x137 && cp != 0x130) || (cp >= 0x14a && cp <= 0x177)) {
      cp |= 1u;  // Ā ā .. Ķ ķ, Ŋ ŋ .. Ŷ ŷ: the capital is even
    } else if ((cp >= 0x139 && cp <= 0x148) || (cp >= 0x179 && cp <= 0x17e)) {
      if (cp % 2 == 1) ++cp;  // Ĺ ĺ .. Ň ň, Ź ź .. Ž ž: the capital is odd
    }
    put(cp);
  }
  return out;
}

// A number for a message: up to ten significant digits, no trailing zeros ("%.10g":
// 1764460200, 0.25, 1e+300).
inline std::string short_number(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.10g", v);
  return buf;
}

// At most `max` bytes of `s`, not ending inside a UTF-8 character: a cut in the middle of
// one makes text that JSON cannot carry (nlohmann's dump() throws on it).
inline std::string utf8_prefix(std::string_view s, std::size_t max) {
  if (s.size() <= max) return std::string(s);
  std::size_t n = max;
  while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xc0) == 0x80) --n;
  return std::string(s.substr(0, n));
}

// Where `s` stops being well-formed UTF-8 (the offset of the first byte of a bad sequence:
// a stray continuation byte, a sequence cut short, an overlong form, a surrogate, or a code
// point past U+10FFFF), or std::string_view::npos when all of it is.
constexpr std::size_t utf8_invalid_at(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    const auto b = static_cast<unsigned char>(s[i]);
    if (b < 0x80) {
      ++i;
      continue;
    }
    std::size_t len = 0;
    unsigned char lo = 0x80, hi = 0xbf;  // the allowed range of the second byte
    if (b >= 0xc2 && b <= 0xdf) {
      len = 2;
    } else if (b >= 0xe0 && b <= 0xef) {
      len = 3;
      if (b == 0xe0) lo = 0xa0;  // overlong
      if (b == 0xed) hi = 0x9f;  // surrogates
    } else if (b >= 0xf0 && b <= 0xf4) {
      len = 4;
      if (b == 0xf0) lo = 0x90;  // overlong
      if (b == 0xf4) hi = 0x8f;  // past U+10FFFF
    } else {
      return i;  // a continuation byte, an overlong lead (C0, C1) or F5..FF
    }
    if (s.size() - i < len) return i;
    for (std::size_t k = 1; k < len; ++k) {
      const auto c = static_cast<unsigned char>(s[i + k]);
      if (c < (k == 1 ? lo : 0x80) || c > (k == 1 ? hi : 0xbf)) return i;
    }
    i += len;
  }
  return std::string_view::npos;
}

}  // namespace larder
