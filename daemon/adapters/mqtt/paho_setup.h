// How the MQTT adapter sets up its Paho clients: the checks before the first connect,
// the create and connect options (MQTT 5, a lasting session, the will, credentials,
// TLS), and where a client taken out of service is kept.
// Part of the adapter's file set that includes <mqtt/...> (see mqtt_client.h).
// Thread rule: the functions are pure but retire_client(), which any thread may call.
#pragma once

#include <memory>
#include <mqtt/async_client.h>
#include <string>
#include <vector>

#include "larder/config.h"
#include "larder/status.h"

namespace larder {

// "larder-<host name>", or "larder" without one.
std::string default_client_id();

bool tls_url(const std::string& url);

// What start() refuses before it creates anything: TLS settings that do not fit the URL,
// unreadable files, a password without a user name.
Status check_client_setup(const MqttConfig& cfg);

mqtt::create_options paho_create_options(int max_buffered);

// Fills `o` in place: Paho 1.2.0 copies drop v5 connect properties, so the object the
// client connects with must be the one filled.
void fill_connect_options(mqtt::connect_options& o, const MqttConfig& cfg, int keep_alive_s,
                          int session_expiry_s, int max_packet_bytes);

// Keeps a Paho client that must never be destroyed, with what it holds pointers to,
// until the process ends (reachable from a static, so no leak is reported).
void retire_client(std::unique_ptr<mqtt::async_client> client,
                   std::unique_ptr<mqtt::connect_options> options,
                   std::vector<std::unique_ptr<mqtt::iaction_listener>> listeners);

}  // namespace larder
