// The sections of the configuration file, one function each (private to daemon/core/config*).
//
// Each reads its YAML map through a Section (config_reader.h) into its part of Config,
// reporting every problem through the Section; what it leaves unset keeps its default.
// To add a section: write `void read_foo(config::Section&, FooConfig&)` in config_foo.cc,
// declare it here and call it from parse_config (config.cc).
// Thread rule: as load_config.
#pragma once

#include <map>
#include <string>

#include "core/config_reader.h"
#include "larder/config.h"

namespace larder::config {

void read_mqtt(Section& s, MqttConfig& out);              // config_mqtt.cc
void read_http(Section& s, HttpConfig& out);              // config_http.cc
void read_household(Section& s, HouseholdConfig& out);    // config_household.cc
void read_forecast(Section& s, ForecastConfig& out);      // config_forecast.cc
// The storage section (config_storage.cc): read after state_dir (empty when it is bad),
// which journal_dir must stay out of.
void read_storage(Section& s, StorageConfig& out, const std::string& state_dir);
void read_orders(Section& s, OrdersSettings& out);        // config_orders.cc
void read_consumables(Section& s, std::vector<ConsumableConfig>& out);  // config_consumables.cc

// The retailer (config_retailer.cc): grocy maps the consumables' SKUs, so read after them.
void read_retailer(Section& s, RetailerConfig& out,
                   const std::vector<ConsumableConfig>& consumables);

// Devices (config_devices.cc), read after the consumables they name.
void read_buttons(Section& s, std::vector<ButtonConfig>& out,
                  const std::vector<ConsumableConfig>& consumables);
void read_sensors(Section& s, std::vector<SensorConfig>& out,
                  const std::vector<ConsumableConfig>& consumables);
// Where each device topic is used, so that two entries cannot claim one device.
class DeviceClaims {
 public:
  void claim(Section& s, std::string_view key, const std::string& topic, const std::string& who);

 private:
  std::map<std::string, std::string> owner_;
};
// Vehicles and people share one DeviceClaims: an OwnTracks device is one or the other.
void read_vehicles(Section& s, std::vector<VehicleConfig>& out, DeviceClaims& owntracks);
void read_people(Section& s, std::vector<PersonConfig>& out, DeviceClaims& owntracks);
void read_plugins(Section& s, PluginsConfig& out);

// Voice (config_voice.cc): the conversation's timings, the hermes plugin and the Alexa skill.
void read_voice(Section& s, VoiceConfig& out);

// Delivery (config_delivery.cc): read after `vehicles` (it names one) and `orders` (whose
// older `delivery_method` it supersedes).
void read_delivery(Section& s, DeliveryConfig& out, const std::vector<VehicleConfig>& vehicles,
                   const OrdersSettings& orders);

// Notifications (config_notify.cc): channels, routing per event kind, quiet hours.
void read_notify(Section& s, NotifyConfig& out);

// TLS file paths: `ca` when `with_ca`, `cert` and `key` (both or neither; both required
// when `need_cert`). Each must be a readable file now.
void read_tls(Section& s, TlsConfig& out, bool with_ca, bool need_cert);  // config_tls.cc
// Whether the file at `path` (given as `key`) holds PEM certificates; reports it if not
// (config_tls.cc).
bool check_pem_certificates(Section& s, std::string_view key, const std::string& path);

}  // namespace larder::config
