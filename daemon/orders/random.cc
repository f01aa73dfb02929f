#include "orders/random.h"

#include <array>
#include <cstdint>

namespace larder::orders {

namespace {

constexpr char kHex[] = "0123456789abcdef";

void append_hex(std::string& out, unsigned char b) {
  out += kHex[b >> 4];
  out += kHex[b & 0x0f];
}

bool is_hex(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); }

}  // namespace

std::optional<std::string> uuid_v4(Random& random) {
  std::array<unsigned char, 16> b{};
  if (!random.fill(b.data(), b.size())) return std::nullopt;
  b[6] = static_cast<unsigned char>((b[6] & 0x0f) | 0x40);  // version 4
  b[8] = static_cast<unsigned char>((b[8] & 0x3f) | 0x80);  // variant 10xx (RFC 4122)
  std::string s;
  s.reserve(36);
  for (std::size_t i = 0; i < b.size(); ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) s += '-';
    append_hex(s, b[i]);
  }
  return s;
}

bool valid_uuid(const std::string& s) {
  if (s.size() != 36) return false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? s[i] != '-' : !is_hex(s[i])) return false;
  }
  return s[14] == '4' && (s[19] == '8' || s[19] == '9' || s[19] == 'a' || s[19] == 'b');
}

std::optional<std::string> random_hex(Random& random, std::size_t bytes) {
  std::string raw(bytes, '\0');
  if (bytes > 0 && !random.fill(reinterpret_cast<unsigned char*>(raw.data()), bytes)) {
    return std::nullopt;
  }
  std::string s;
  s.reserve(2 * bytes);
  for (char c : raw) append_hex(s, static_cast<unsigned char>(c));
  return s;
}

std::optional<double> uniform01(Random& random) {
  std::array<unsigned char, 8> b{};
  if (!random.fill(b.data(), b.size())) return std::nullopt;
  std::uint64_t v = 0;
  for (unsigned char c : b) v = (v << 8) | c;
  // The top 53 bits: every value is exact in a double, and the result stays below 1.
  return static_cast<double>(v >> 11) * 0x1.0p-53;
}

}  // namespace larder::orders
