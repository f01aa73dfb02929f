// Small text helpers shared by the parsers of outside input (HTTP headers, Alexa's
// certificate URL, access tokens). ASCII only and locale-free: what a client sends is
// compared and quoted the same whatever the machine's locale.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace larder {

constexpr bool is_ascii_alpha(char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'); }
constexpr bool is_ascii_digit(char c) { return c >= '0' && c <= '9'; }
constexpr char ascii_lower(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
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

}  // namespace larder
