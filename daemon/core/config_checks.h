// Checks of single configuration values (private to daemon/core/config*).
//
// Each check returns an empty string when the value is fine, otherwise what is wrong as
// "must be ..." (the reader adds `, got "<value>"`). Messages of checks meant for secrets
// never quote the value.
// Thread rule: pure functions (check_timezone reads the tz database).
#pragma once

#include <cstdint>
#include <initializer_list>
#include <span>
#include <string>
#include <string_view>

namespace larder::config {

struct UrlParts {
  std::string scheme;  // as written, before "://"
  std::string host;    // without brackets for IPv6
  int port = -1;       // -1 when not written
  std::string path;    // from the first '/', or empty
};

// Splits `scheme://host[:port][/path]`: the host is a name (letters, digits, '-', '.', '_')
// or an IP address (IPv6 in brackets); the port 1-65535; no user info, query or fragment.
std::string split_url(std::string_view text, UrlParts& out);

// tcp://, mqtt://, ssl://, mqtts://, ws:// or wss://, then HOST:PORT (the port must be
// written); a path only for ws:// and wss://.
std::string check_mqtt_url(std::string_view url);
bool mqtt_url_uses_tls(std::string_view url);  // ssl://, mqtts://, wss://

// http:// or https://, then HOST[:PORT][/path].
std::string check_http_url(std::string_view url);

// `IPV4:PORT` or `[IPV6]:PORT`, the port 0-65535 (0: the system picks a free one).
// On success sets `host` (IPv6 without brackets) and `port`.
std::string parse_listen(std::string_view text, std::string& host, std::uint16_t& port);

// "UTC", or a zone of the tz database: a TZif file under $TZDIR or /usr/share/zoneinfo.
std::string check_timezone(std::string_view tz);
// Three capital letters (ISO 4217).
std::string check_currency(std::string_view code);
// A language with an optional region: `en`, `en-GB`, `de-DE`.
std::string check_locale(std::string_view tag);
// mqtt.prefix: 1 to 8 MQTT topic levels joined by '/' ("larder", "home/larder"), as
// check_device_topic allows them, without spaces, not starting with '$'.
std::string check_topic_prefix(std::string_view prefix);
// A device's MQTT topic or part of one, written by the user (a zigbee2mqtt friendly name,
// "<prefix>/<name>", "<user>/<device>"): 1 to 200 characters, no '+', '#' or control
// characters, no empty level (no leading, trailing or double '/'); with `levels` > 0,
// exactly that many levels. Spaces are allowed (zigbee2mqtt names have them).
std::string check_device_topic(std::string_view topic, int levels = 0);
// An ESPHome entity, "<prefix>/<name>": ESPHome's topic_prefix is free text and may hold
// '/' ("esphome/kitchen-node"), so two or more levels, the last one the name.
std::string check_esphome_topic(std::string_view topic);
// 16 to 1024 printable ASCII characters without spaces. Never quotes the token.
std::string check_token(std::string_view token);
// Printable ASCII without controls (it goes into an HTTP header). Never quotes the key.
std::string check_header_value(std::string_view value);
// The shortest text that reads back as `v` ("0.5", "300", "1e+20"), for messages.
std::string format_number(double v);
// Whether `text` holds a character that breaks a one-line value: a C0 control, DEL, a C1
// control (U+0080..U+009F, UTF-8 \xc2\x80..\xc2\x9f) or U+2028 / U+2029.
bool has_control(std::string_view text);
// At most `max` characters.
std::string check_max_length(std::string_view text, std::size_t max);
// One of `options`: "must be one of a, b or c".
std::string check_one_of(std::string_view value, std::initializer_list<std::string_view> options);
std::string check_one_of(std::string_view value, std::span<const std::string_view> options);

}  // namespace larder::config
