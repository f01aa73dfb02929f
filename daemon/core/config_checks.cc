#include "core/config_checks.h"

#include <arpa/inet.h>

#include <algorithm>
#include <charconv>

#include "larder/time_zone.h"

namespace larder::config {
namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_upper(char c) { return c >= 'A' && c <= 'Z'; }
bool is_lower(char c) { return c >= 'a' && c <= 'z'; }
bool is_alnum(char c) { return is_digit(c) || is_upper(c) || is_lower(c); }

bool valid_ipv4(std::string_view s) {
  in_addr a{};
  return inet_pton(AF_INET, std::string(s).c_str(), &a) == 1;
}
bool valid_ipv6(std::string_view s) {
  in6_addr a{};
  return inet_pton(AF_INET6, std::string(s).c_str(), &a) == 1;
}

// Digits only, no more than 5; returns -1 when it is not such a number.
int parse_port(std::string_view s) {
  if (s.empty() || s.size() > 5 || !std::all_of(s.begin(), s.end(), is_digit)) return -1;
  return std::atoi(std::string(s).c_str());
}

// Splits "HOST:PORT" or "[V6]:PORT" (port optional when `port_optional`).
std::string split_host_port(std::string_view a, std::string& host, int& port, bool port_optional) {
  std::string_view rest;
  if (!a.empty() && a[0] == '[') {
    auto close = a.find(']');
    if (close == std::string_view::npos) return "has an IPv6 address without its closing ']'";
    host = std::string(a.substr(1, close - 1));
    if (!valid_ipv6(host)) return "has an invalid IPv6 address";
    rest = a.substr(close + 1);
  } else {
    auto colon = a.find(':');
    host = std::string(a.substr(0, colon));
    if (host.empty()) return "has no host";
    if (colon != std::string_view::npos) rest = a.substr(colon);
    bool name_chars = std::all_of(host.begin(), host.end(),
                                  [](char c) { return is_alnum(c) || c == '-' || c == '.' || c == '_'; });
    if (!name_chars || host.size() > 253) return "has an invalid host (an IPv6 address goes in brackets)";
  }
  if (rest.empty()) {
    if (port_optional) return "";
    return "has no port";
  }
  if (rest[0] != ':') return "has something after the host that is not a port";
  port = parse_port(rest.substr(1));
  if (port < 1 || port > 65535) return "has a port that is not a number from 1 to 65535";
  return "";
}

}  // namespace

std::string split_url(std::string_view text, UrlParts& out) {
  out = UrlParts{};
  auto sep = text.find("://");
  if (sep == std::string_view::npos || sep == 0) return "has no scheme (like tcp://)";
  out.scheme = std::string(text.substr(0, sep));
  std::string_view rest = text.substr(sep + 3);
  if (std::any_of(text.begin(), text.end(), [](char c) { return c == ' ' || c == '?' || c == '#'; })) {
    return "must not contain spaces, '?' or '#'";
  }
  auto slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  if (slash != std::string_view::npos) out.path = std::string(rest.substr(slash));
  if (authority.find('@') != std::string_view::npos) {
    return "must not contain a user name or password (give them as their own keys)";
  }
  return split_host_port(authority, out.host, out.port, true);
}

std::string check_mqtt_url(std::string_view url) {
  const std::string must =
      "must be tcp://, mqtt://, ssl://, mqtts://, ws:// or wss:// with HOST:PORT, like "
      "tcp://127.0.0.1:1883";
  UrlParts u;
  std::string why = split_url(url, u);
  if (why.empty() && u.scheme != "tcp" && u.scheme != "mqtt" && u.scheme != "ssl" &&
      u.scheme != "mqtts" && u.scheme != "ws" && u.scheme != "wss") {
    why = "has an unknown scheme";
  }
  if (why.empty() && u.port < 0) why = "has no port";
  if (why.empty() && !u.path.empty() && u.scheme != "ws" && u.scheme != "wss") {
    why = "has a path, which only ws:// and wss:// take";
  }
  return why.empty() ? "" : must + " (it " + why + ")";
}

bool mqtt_url_uses_tls(std::string_view url) {
  return url.starts_with("ssl://") || url.starts_with("mqtts://") || url.starts_with("wss://");
}

std::string check_http_url(std::string_view url) {
  UrlParts u;
  std::string why = split_url(url, u);
  if (why.empty() && u.scheme != "http" && u.scheme != "https") why = "is not http:// or https://";
  return why.empty() ? "" : "must be an http:// or https:// URL, like https://shop.example:8443/api (it " + why + ")";
}

std::string parse_listen(std::string_view text, std::string& host, std::uint16_t& port) {
  std::string must =
      "must be HOST:PORT with an IP address and a port from 0 to 65535, like 127.0.0.1:8080 "
      "or [::1]:8080";
  std::string_view port_text;
  std::string h;
  if (!text.empty() && text[0] == '[') {
    auto close = text.find("]:");
    if (close == std::string_view::npos) return must;
    h = std::string(text.substr(1, close - 1));
    if (!valid_ipv6(h)) return must + " (the IPv6 address is invalid)";
    port_text = text.substr(close + 2);
  } else {
    auto colon = text.rfind(':');
    if (colon == std::string_view::npos) return must + " (the port is missing)";
    h = std::string(text.substr(0, colon));
    if (!valid_ipv4(h)) {
      return must + (valid_ipv6(h) ? " (an IPv6 address goes in brackets)"
                                   : " (the host is not an IP address; names are not resolved)");
    }
    port_text = text.substr(colon + 1);
  }
  int p = parse_port(port_text);
  if (p < 0 || p > 65535) return must + " (the port is not a number from 0 to 65535)";
  host = h;
  port = static_cast<std::uint16_t>(p);
  return "";
}

std::string check_timezone(std::string_view tz) {
  // The zone must load as the daemon will load it: a name of the tz database whose TZif
  // file (under $TZDIR or /usr/share/zoneinfo) parses.
  auto zone = TimeZone::load(tz);
  if (zone) return "";
  return "must be UTC or a time zone of the tz database, like Europe/Berlin (" +
         zone.status().message() + ")";
}

std::string check_currency(std::string_view code) {
  if (code.size() == 3 && std::all_of(code.begin(), code.end(), is_upper)) return "";
  return "must be three capital letters (ISO 4217), like EUR";
}

std::string check_locale(std::string_view tag) {
  auto lang = tag.substr(0, tag.find('-'));
  bool ok = lang.size() >= 2 && lang.size() <= 3 && std::all_of(lang.begin(), lang.end(), is_lower);
  if (ok && lang.size() < tag.size()) {
    auto region = tag.substr(lang.size() + 1);
    ok = region.size() == 2 && std::all_of(region.begin(), region.end(), is_upper);
  }
  return ok ? "" : "must be a language with an optional region, like en-GB, de-DE or en";
}

std::string check_topic_prefix(std::string_view prefix) {
  // A topic like a device's (no wildcards, no empty level), but the root of the contract's
  // topics (<prefix>/v1): not a $SYS-like topic, no spaces, at most 8 levels.
  constexpr std::ptrdiff_t kMaxLevels = 8;
  bool ok = check_device_topic(prefix, 0).empty() && prefix.front() != '$' &&
            prefix.find(' ') == std::string_view::npos &&
            std::count(prefix.begin(), prefix.end(), '/') < kMaxLevels;
  return ok ? "" : "must be 1 to 8 MQTT topic levels joined by '/', at most 200 characters: "
                   "no '+', '#' or spaces, no empty level, not starting with '$'";
}

std::string format_number(double v) {
  char buf[64];
  auto res = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, res.ptr);
}

bool has_control(std::string_view s) {
  for (std::size_t i = 0; i < s.size(); ++i) {
    const auto u = static_cast<unsigned char>(s[i]);
    if (u < 0x20 || u == 0x7f) return true;
    const auto next = i + 1 < s.size() ? static_cast<unsigned char>(s[i + 1]) : 0;
    if (u == 0xc2 && next >= 0x80 && next <= 0x9f) return true;
    if (u == 0xe2 && next == 0x80 && i + 2 < s.size() &&
        (s[i + 2] == '\xa8' || s[i + 2] == '\xa9')) {
      return true;
    }
  }
  return false;
}

std::string check_device_topic(std::string_view topic, int levels) {
  std::string must = "must be an MQTT topic of 1 to 200 characters without '+', '#', control "
                     "characters or empty levels";
  if (levels == 2) must = "must be two MQTT topic levels, like \"anna/phone\", without '+', '#' or control characters";
  bool chars_ok = topic.find_first_of("+#") == std::string_view::npos && !has_control(topic);
  if (topic.empty() || topic.size() > 200 || !chars_ok) return must;
  if (topic.front() == '/' || topic.back() == '/' || topic.find("//") != std::string_view::npos) {
    return must;
  }
  int n = 1 + static_cast<int>(std::count(topic.begin(), topic.end(), '/'));
  if (levels > 0 && n != levels) return must;
  return "";
}

std::string check_esphome_topic(std::string_view topic) {
  if (check_device_topic(topic).empty() && topic.find('/') != std::string_view::npos) return "";
  return "must be <prefix>/<name>, two or more MQTT topic levels (\"kitchen-node/milk\", "
         "\"esphome/kitchen-node/milk\"), without '+', '#', control characters or empty levels";
}

std::string check_token(std::string_view token) {
  bool printable = std::all_of(token.begin(), token.end(), [](char c) { return c > 0x20 && c < 0x7f; });
  if (token.size() >= 16 && token.size() <= 1024 && printable) return "";
  // Counted in bytes: a token is ASCII, and a byte of another character is one too many.
  return "must be 16 to 1024 printable ASCII characters without spaces (it has " +
         std::to_string(token.size()) + (printable ? " characters" : " bytes, not all printable") +
         ")";
}

std::string check_header_value(std::string_view value) {
  bool printable = std::all_of(value.begin(), value.end(), [](char c) { return c >= 0x20 && c < 0x7f; });
  return printable ? "" : "must be printable ASCII characters";
}

std::string check_max_length(std::string_view text, std::size_t max) {
  // Characters, not bytes (the file is UTF-8): a name in another script is not cut short.
  const auto n = static_cast<std::size_t>(std::count_if(text.begin(), text.end(), [](char c) {
    return (static_cast<unsigned char>(c) & 0xc0) != 0x80;
  }));
  if (n <= max) return "";
  return "must be at most " + std::to_string(max) + " characters (it has " + std::to_string(n) +
         ")";
}

std::string check_one_of(std::string_view value, std::initializer_list<std::string_view> options) {
  return check_one_of(value, std::span<const std::string_view>(options.begin(), options.size()));
}

std::string check_one_of(std::string_view value, std::span<const std::string_view> options) {
  if (std::find(options.begin(), options.end(), value) != options.end()) return "";
  std::string s = "must be ";
  std::size_t i = 0;
  for (std::string_view o : options) {
    if (i > 0) s += (i + 1 == options.size()) ? " or " : ", ";
    s += o;
    ++i;
  }
  return s;
}

}  // namespace larder::config
