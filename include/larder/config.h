// The configuration file (shared/contract/config.md; documented in docs/configuration.md).
//
// load_config reads one YAML file and validates it completely: every key of the contract,
// spelled as there; unknown keys, wrong types, missing required keys and bad values are
// errors. Each error names the file, the line, the key and what is wrong. `*_file` keys are
// read at load time (relative paths are relative to the configuration file's folder), so a
// Config holds secrets inline and nothing later needs the file system.
// Thread rule: pure apart from reading files; call it before the event loop starts.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "larder/status.h"
#include "larder/units.h"

namespace larder {

enum class LogLevel { error, warn, info, debug };

struct TlsConfig {
  std::string ca;    // path; optional for MQTT (system trust store when empty)
  std::string cert;  // path
  std::string key;   // path
};

struct MqttConfig {
  std::string url = "tcp://127.0.0.1:1883";  // tcp://host:port or ssl://host:port
  std::string client_id;                     // default: larder-<hostname>
  std::optional<std::string> username;
  std::optional<std::string> password;       // from `password` or `password_file`
  std::optional<TlsConfig> tls;
  std::string prefix = "larder";             // the contract root is <prefix>/v1
  std::string root() const { return prefix + "/v1"; }
};

struct HttpConfig {
  std::string host = "127.0.0.1";
  std::uint16_t port = 8080;
  std::string admin_token;                   // required (inline or file)
  std::optional<std::string> read_token;
  std::optional<TlsConfig> tls;              // cert and key: serve HTTPS directly
};

struct HouseholdConfig {
  std::string timezone = "UTC";
  std::string currency = "EUR";              // ISO 4217, three capital letters
  std::string locale = "en-GB";
};

struct RetailerConfig {
  std::string kind = "sandbox";              // sandbox, webhook, grocy
  std::string url;
  std::optional<std::string> api_key;
  std::optional<std::string> webhook_secret;
};

// How the consumption model decides (docs/forecasting.md).
struct ForecastConfig {
  double reorder_risk = 0.01;                // order when P(stockout before arrival) passes it
  double cancel_wait_days = 2;               // after a user's cancel, no new order this long
};

struct PackConfig {
  std::string sku;
  double size = 0;                           // in the consumable's unit, > 0
  std::optional<double> price;               // >= 0
};

struct ConsumableConfig {
  std::string id;                            // [a-z0-9][a-z0-9_-]{0,63}
  std::string name;
  Unit unit = Unit::g;                       // g, kg, ml, l, pcs (never %)
  double capacity = 0;                       // > 0, in unit
  double tare = 0;                           // >= 0, in unit
  std::vector<std::string> synonyms;
  double lead_time_days = 2;                 // > 0
  PackConfig pack;
};

struct Config {
  std::string path;                          // the file it came from
  MqttConfig mqtt;
  std::string state_dir;                     // required; absolute after loading
  HttpConfig http;
  HouseholdConfig household;
  LogLevel log_level = LogLevel::info;
  std::optional<RetailerConfig> retailer;
  ForecastConfig forecast;
  std::vector<ConsumableConfig> consumables; // in the order of the file

  const ConsumableConfig* consumable(std::string_view id) const;
};

struct ConfigError {
  std::string file;
  int line = 0;                              // 1-based; 0 when unknown
  std::string key;                           // dotted path, e.g. consumables.coffee.capacity
  std::string what;
  // "FILE:LINE: KEY: WHAT"
  std::string to_string() const;
};

struct ConfigLoad {
  std::optional<Config> config;              // set when there are no errors
  std::vector<ConfigError> errors;           // every error found, in file order
};

ConfigLoad load_config(const std::string& path);
// The same, from YAML text; `path` names it in errors and anchors relative paths.
ConfigLoad parse_config(const std::string& yaml_text, const std::string& path);

bool valid_id(std::string_view id);          // [a-z0-9][a-z0-9_-]{0,63}
std::string_view log_level_name(LogLevel l);

}  // namespace larder
