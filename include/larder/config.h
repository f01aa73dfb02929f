// The configuration file (shared/contract/config.md; documented in docs/configuration.md).
//
// load_config reads one YAML file and validates it completely: every key of the contract,
// spelled as there; unknown keys, wrong types, missing required keys and bad values are
// errors. Each error names the file, the line, the key and what is wrong. `*_file` keys are
// read at load time (relative paths are relative to the configuration file's folder), so a
// Config holds secrets inline and nothing later needs the file system.
// Thread rule: pure apart from reading files; call it before the event loop starts.
#pragma once

#include <array>
#include <cstdint>
#include <map>
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
  // grocy only (docs/retailers.md): the Grocy product id of every consumable's pack sku,
  // and the shopping list the orders go onto.
  std::map<std::string, int> products;       // sku -> product id (> 0)
  int shopping_list_id = 1;                  // > 0
};

// How the consumption model decides (docs/forecasting.md).
struct ForecastConfig {
  double reorder_risk = 0.01;                // order when P(stockout before arrival) passes it
  double cancel_wait_days = 2;               // after a user's cancel, no new order this long
};

// Retention of the SQLite store on a small SD card (docs/storage.md): readings older than
// raw_days are downsampled, the database kept under max_size_mb, maintenance on a timer.
struct StorageConfig {
  double raw_days = 30;                      // level readings kept as they came this long
  double downsample_minutes = 60;            // older levels: the last one of each bucket
  double max_size_mb = 1024;                 // ceiling of the database's live pages
  double maintenance_hours = 24;             // a maintenance run this often
  double maintenance_delay_minutes = 10;     // the first run this long after start
  // Where what the store cannot commit waits for the next start (docs/faults.md); empty:
  // the runtime directory (systemd's RUNTIME_DIRECTORY, else /run/larder).
  std::string journal_dir;
};

struct PackConfig {
  std::string sku;
  double size = 0;                           // in the consumable's unit, > 0
  std::optional<double> price;               // >= 0
  // Shelf life of an unopened pack from its purchase or delivery (docs/best-before.md);
  // nothing: packs are dated only by a purchase that gives `best_before`.
  std::optional<double> best_before_days;    // (0, 3650]
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
  // Orders (docs/orders.md): a quote above this per pack waits for the user's confirmation.
  std::optional<double> price_ceiling;       // > 0, in household.currency
  bool allow_substitution = false;           // may the retailer send another sku?
};

// ---- Orders (docs/orders.md; issue 5) ------------------------------------------------------

// How long an order from each source stays `held`: a cancel inside the window calls no
// retailer. The defaults are those of docs/orders.md (orders::OrdersConfig).
struct UndoWindows {
  double sensor = 300;                       // the consumption model's own orders
  double button = 60;
  double voice = 0;
  double api = 0;
  double cli = 0;
};

// At most `count` orders committed in any `days` days (rolling).
struct MaxOrders {
  int count = 0;                             // 1..1000
  double days = 30;                          // (0, 366]
};

// Backoff of the retailer's calls (full jitter between initial_s and max_s).
struct RetrySettings {
  double initial_s = 1;                      // (0, 3600]
  double max_s = 300;                        // >= initial_s, <= 86400
};

// The `orders:` section; orders::orders_config_from turns it into the ledger's settings.
struct OrdersSettings {
  UndoWindows undo_window_s;                 // each 0..86400
  bool confirm_voice = true;                 // a voice order asks first
  std::optional<double> monthly_budget;      // > 0, household.currency, per calendar month
  std::optional<MaxOrders> max_orders;
  double combine_within_days = 0;            // 0..60; 0: orders are not combined
  // Superseded by delivery.prefer (a file that sets only this still means what it said:
  // trunk -> prefer trunk, doorstep -> prefer doorstep).
  std::string delivery_method = "doorstep";  // doorstep or trunk
  bool delivery_method_set = false;          // whether the file gave it
  RetrySettings retry;
  double request_timeout_s = 120;            // [5, 3600]
  double poll_interval_s = 900;              // [10, 86400]
};

// ---- Devices and their plugins (docs/plugins.md; issue 4) --------------------------------

// What a canonical button press does to its consumable (the core): `refilled` records a
// new pack opened, `reorder` orders one pack, `confirm` confirms its order waiting for the
// user, `cancel` cancels its order in flight.
// vacation: toggles vacation mode (on without an end, or off; docs/vacation.md).
enum class ButtonEffect { none, refilled, reorder, confirm, cancel, vacation };

// A physical button: what its presses do (the core) and where they come from (the
// dash_button plugin: any of the sources; presses on larder/v1/button/<id>/press always count).
struct ButtonConfig {
  std::string id;                            // the canonical button id
  std::string consumable;                    // a configured consumable
  ButtonEffect single = ButtonEffect::refilled;
  ButtonEffect double_press = ButtonEffect::none;
  ButtonEffect long_press = ButtonEffect::none;
  std::optional<std::string> zigbee2mqtt;    // friendly name (may contain '/')
  std::optional<std::string> esphome;        // "<prefix>/<name>": <prefix>/binary_sensor/<name>/state
  // Tasmota's device topic: stat/<topic>/RESULT {"Button<n>":{"Action":"SINGLE"}} (buttons
  // detached from the relays, SetOption73 1), n = tasmota_button (1 to 32).
  std::optional<std::string> tasmota;
  int tasmota_button = 1;
  // Device action -> "single", "double", "long" or "ignore"; overrides the defaults of
  // shared/formats.md for this button.
  std::map<std::string, std::string> actions;
  double debounce_s = 1.0;                   // repeats of one press within this are dropped
};

enum class SensorKind { tasmota_hx711, tasmota_sr04, esphome };

// A consumable sensor (the consumable_sensor plugin): its device, and the calibration that
// turns the device's number into the consumable's unit.
struct SensorConfig {
  std::string id;                            // names the sensor in events (sensor_offline)
  std::string consumable;                    // a configured consumable
  SensorKind kind = SensorKind::tasmota_hx711;
  // tasmota_*: the device topic (tele/<topic>/SENSOR, tele/<topic>/LWT, stat/<topic>/STATUS10);
  // esphome: "<prefix>/<name>" (<prefix>/sensor/<name>/state, <prefix>/status).
  std::string topic;
  // value = device number * factor + offset, in `unit`. Defaults: hx711 kg (factor 1,
  // offset 0), sr04 the consumable's unit from the geometry, esphome the consumable's unit.
  double factor = 1, offset = 0;
  std::optional<Unit> unit;                  // the unit of the calibrated value
  bool gross = false;                        // the reading includes the consumable's tare
  // tasmota_sr04: distance from the sensor to the surface when full and when empty (cm);
  // the level is capacity * (empty_cm - d) / (empty_cm - full_cm), clamped to 0..capacity.
  double full_cm = 0, empty_cm = 0;
  double offline_after_s = 1800;             // silence longer than this: sensor_offline
};

// The family car's tracker (the vehicle_tracker plugin, OwnTracks).
struct VehicleConfig {
  std::string id;                            // the canonical vehicle id
  std::optional<std::string> owntracks;      // "<user>/<device>": owntracks/<user>/<device>
  double parked_after_s = 300;               // no movement beyond the accuracy this long
  std::string make;                          // for the carrier of a trunk delivery ("" unknown)
  std::string plate_hint;                    // part of the plate, for the carrier
};

// A household member whose presence counts (OwnTracks regions or the canonical topic).
struct PersonConfig {
  std::string id;                            // the canonical person id
  std::optional<std::string> owntracks;      // "<user>/<device>"
  std::string home_region = "Home";          // the OwnTracks region that is home
};

// Base topics of the device ecosystems, and Home Assistant discovery.
struct PluginsConfig {
  std::string zigbee2mqtt_base = "zigbee2mqtt";
  std::string owntracks_base = "owntracks";
  bool home_assistant = false;               // publish MQTT discovery configs
  std::string home_assistant_prefix = "homeassistant";
  // The discovery node id: <prefix>/sensor/<node>/..., and the start of the sensors'
  // unique ids and the devices' identifiers. A second hub on one broker needs its own.
  std::string home_assistant_node = "larder";
};

// ---- Voice (docs/voice.md; issue 6) ------------------------------------------------------

// The hermes plugin: Rhasspy and other Hermes-protocol assistants (hermes/intent/#).
struct HermesConfig {
  // Hermes intent name -> canonical intent (Reorder, StockQuery, ...). A Hermes intent
  // whose name is a canonical intent maps to it without an entry; any other intent is
  // another skill's and is left alone.
  std::map<std::string, std::string> intents;
  // Hermes slot name -> canonical slot name (item, quantity); unmapped slots keep their name.
  std::map<std::string, std::string> slots;
};

// The Alexa custom skill whose endpoint is POST /alexa on the hub's HTTP server.
struct AlexaConfig {
  std::string skill_id;                      // the application id requests must carry
  // The trust store the certificate chain must lead to: a PEM bundle file or a hashed
  // certificate folder; empty: the system's (OpenSSL's default paths).
  std::string trust_store;
};

struct VoiceConfig {
  double confidence_floor = 0.5;             // [0, 1]: below it the hub asks again
  double answer_timeout_s = 6;               // [1, 30]: waiting for the retailer's price
  double question_timeout_s = 120;           // [10, 3600]: an unanswered question is dropped
  std::optional<HermesConfig> hermes;        // the hermes plugin runs when set
  std::optional<AlexaConfig> alexa;          // POST /alexa is served when set
};

// ---- Delivery: trunk or doorstep, and trunk access (docs/delivery.md; issue 7) ------------

// A place where trunk delivery is allowed: a point and a radius.
struct TrunkPlaceConfig {
  std::string name;                          // the key in the file: home, work, ...
  double lat = 0, lon = 0;                   // degrees, WGS 84
  double radius_m = 200;                     // [20, 5000]
};

struct DeliveryLimitsConfig {
  double max_weight_kg = 22.7;               // (0, 1000]
  std::array<double, 3> max_dims_cm{66, 53, 40};  // each (0, 500]
  std::optional<double> max_value;           // household.currency; none: no limit
};

enum class DeliveryPrefer { automatic, trunk, doorstep };

struct DeliveryConfig {
  DeliveryPrefer prefer = DeliveryPrefer::automatic;
  std::string vehicle;                       // the car for the trunk; "" when none is configured
  std::vector<TrunkPlaceConfig> places;      // in the order of the file; none: no trunk delivery
  DeliveryLimitsConfig limits;
  double min_probability = 0.9;              // [0.5, 1]: the car in a place for the whole window
  // [10, 3600]: a trunk closed but not locked, or unlocked but not opened, this long gets a lock
  double lock_timeout_s = 120;
  int max_wrong_codes = 5;                   // [1, 20]: wrong carrier codes before a grant dies
  // The hub's address as the carrier reaches it (scheme, host, port): the carrier API of an
  // order is <carrier_url>/api/v1/carrier/deliveries/<order_id>. Default: the http.listen
  // address (http or https by http.tls).
  std::string carrier_url;
};

// ---- Notifications: the push channels beside MQTT (docs/notifications.md; issue 10) -----

struct NtfyConfig {
  std::string url;                           // http(s)://host[:port]/<topic>
  std::optional<std::string> token;          // `token` or `token_file`: Authorization: Bearer
  int priority = 3;                          // [1, 5], ntfy's default 3
  bool operator==(const NtfyConfig&) const = default;
};

struct NotifyWebhookConfig {
  std::string url;                           // http(s)://host[:port][/path]
  std::optional<std::string> secret;         // `secret` or `secret_file`: X-Larder-Signature
  bool operator==(const NotifyWebhookConfig&) const = default;
};

struct QuietHoursConfig {
  int from_minute = 22 * 60;                 // local minutes after midnight, "HH:MM"
  int to_minute = 7 * 60;                    // the end, excluded; may be before `from`
  std::vector<std::string> break_through;    // kinds sent at once even in quiet hours
  std::vector<std::string> drop;             // kinds dropped in quiet hours (else held)
  bool operator==(const QuietHoursConfig&) const = default;
};

struct NotifyConfig {
  std::optional<NtfyConfig> ntfy;
  std::optional<NotifyWebhookConfig> webhook;
  // Event kind -> its channels ("ntfy", "webhook"); a kind not listed goes to MQTT only.
  std::map<std::string, std::vector<std::string>> events;
  std::optional<QuietHoursConfig> quiet_hours;
  std::string public_url;                    // the hub as the phone reaches it; "" = no links
  int queue_size = 100;                      // [1, 10000] per channel; the oldest go first
  double timeout_s = 10;                     // [1, 120] per request
  double retry_initial_s = 5;                // [1, 3600], doubled after each failure ...
  double retry_max_s = 300;                  // [1, 86400] ... up to this
  bool operator==(const NotifyConfig&) const = default;
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
  StorageConfig storage;
  OrdersSettings orders;
  std::vector<ConsumableConfig> consumables; // in the order of the file
  std::vector<ButtonConfig> buttons;         // in the order of the file
  std::vector<SensorConfig> sensors;
  std::vector<VehicleConfig> vehicles;
  std::vector<PersonConfig> people;
  PluginsConfig plugins;
  VoiceConfig voice;
  DeliveryConfig delivery;
  std::optional<NotifyConfig> notify;       // push notifications; none: MQTT only

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
