#include "adapters/mqtt/paho_setup.h"

#include <unistd.h>

#include <fstream>
#include <mutex>
#include <utility>

namespace larder {
namespace {

bool readable(const std::string& path) { return std::ifstream(path).good(); }

struct RetiredClient {
  std::unique_ptr<mqtt::async_client> client;
  std::unique_ptr<mqtt::connect_options> options;
  std::vector<std::unique_ptr<mqtt::iaction_listener>> listeners;
};

}  // namespace

std::string default_client_id() {
  char host[256] = {};
  if (gethostname(host, sizeof host - 1) != 0 || host[0] == '\0') return "larder";
  return std::string("larder-") + host;
}

bool tls_url(const std::string& url) {
  return url.rfind("ssl://", 0) == 0 || url.rfind("mqtts://", 0) == 0 || url.rfind("wss://", 0) == 0;
}

Status check_client_setup(const MqttConfig& cfg) {
  if (cfg.tls && !tls_url(cfg.url)) {
    return Status::Error("mqtt.tls is set but mqtt.url '" + cfg.url +
                         "' is not a TLS URL (use ssl://host:port)");
  }
  if (cfg.tls) {
    for (const auto& [key, path] : {std::pair{"ca", cfg.tls->ca}, {"cert", cfg.tls->cert},
                                    {"key", cfg.tls->key}}) {
      if (!path.empty() && !readable(path))
        return Status::Error(std::string("mqtt.tls.") + key + ": cannot read '" + path + "'");
    }
    if (cfg.tls->cert.empty() != cfg.tls->key.empty())
      return Status::Error("mqtt.tls: cert and key must be given together");
  }
  if (cfg.password && !cfg.username) return Status::Error("mqtt.password is set without mqtt.username");
  return Status::Ok();
}

mqtt::create_options paho_create_options(int max_buffered) {
  mqtt::create_options create(MQTTVERSION_5);
  create.set_send_while_disconnected(false);  // the adapter's own buffers
  create.set_max_buffered_messages(max_buffered);
  return create;
}

void fill_connect_options(mqtt::connect_options& o, const MqttConfig& cfg, int keep_alive_s,
                          int session_expiry_s, int max_packet_bytes) {
  o.set_clean_session(false);
  o.set_mqtt_version(MQTTVERSION_5);
  o.set_clean_start(false);
  o.set_keep_alive_interval(keep_alive_s);
  o.set_connect_timeout(10);
  o.set_properties(mqtt::properties{{mqtt::property::SESSION_EXPIRY_INTERVAL, session_expiry_s},
                                    {mqtt::property::MAXIMUM_PACKET_SIZE, max_packet_bytes}});
  o.set_will(mqtt::will_options(cfg.root() + "/status", std::string("offline"), 1, true));
  if (cfg.username) o.set_user_name(*cfg.username);
  if (cfg.password) o.set_password(*cfg.password);
  if (tls_url(cfg.url)) {
    mqtt::ssl_options ssl;
    if (cfg.tls && !cfg.tls->ca.empty()) ssl.set_trust_store(cfg.tls->ca);  // else system store
    if (cfg.tls && !cfg.tls->cert.empty()) {
      ssl.set_key_store(cfg.tls->cert);
      ssl.set_private_key(cfg.tls->key);
    }
    ssl.set_enable_server_cert_auth(true);
    ssl.set_verify(true);  // host name check
    // No set_error_handler: Paho keeps a pointer to the ssl_options copy made inside
    // connect(), which is gone when the handler would run.
    o.set_ssl(ssl);
  }
}

void retire_client(std::unique_ptr<mqtt::async_client> client,
                   std::unique_ptr<mqtt::connect_options> options,
                   std::vector<std::unique_ptr<mqtt::iaction_listener>> listeners) {
  static std::mutex mutex;
  static auto* retired = new std::vector<RetiredClient>();  // never destroyed, on purpose
  const std::lock_guard<std::mutex> lock(mutex);
  retired->push_back(RetiredClient{std::move(client), std::move(options), std::move(listeners)});
}

}  // namespace larder
