// What a reload applies at once and what waits for a restart (app/reload.h).
#include <doctest/doctest.h>

#include "app/reload.h"

using namespace larder;

namespace {

Config running() {
  Config c;
  c.path = "/etc/larder/larder.yaml";
  c.state_dir = "/var/lib/larder";
  c.mqtt.url = "tcp://127.0.0.1:1883";
  c.mqtt.client_id = "larder";
  c.http.host = "127.0.0.1";
  c.http.port = 8080;
  c.http.admin_token = "admin-token-0123456789";
  c.household.timezone = "Europe/Berlin";
  return c;
}

}  // namespace

TEST_CASE("a reload that changes only what is built from the configuration needs no restart") {
  Config next = running();
  next.http.admin_token = "rotated-token-0123456789";
  next.http.read_token = "read-token-0123456789";
  next.household.timezone = "Europe/London";
  next.log_level = LogLevel::debug;
  next.consumables.push_back(ConsumableConfig{});
  CHECK(restart_only_changes(running(), next).empty());
  Config kept = keep_restart_only(running(), next);
  CHECK(kept.http.admin_token == "rotated-token-0123456789");
  CHECK(kept.household.timezone == "Europe/London");
  CHECK(kept.consumables.size() == 1);
}

TEST_CASE("the state directory, MQTT, the HTTP listener and storage wait for a restart") {
  Config next = running();
  next.state_dir = "/srv/larder";
  next.mqtt.url = "ssl://broker:8883";
  next.mqtt.client_id = "larder-2";
  next.mqtt.username = "hub";
  next.mqtt.password = "secret";
  next.mqtt.tls = TlsConfig{"/ca.pem", "", ""};
  next.mqtt.prefix = "home";
  next.http.port = 8081;
  next.http.tls = TlsConfig{"", "/c.pem", "/k.pem"};
  next.http.admin_token = "rotated-token-0123456789";
  next.storage.raw_days = 7;
  CHECK(restart_only_changes(running(), next) ==
        std::vector<std::string>{"state_dir", "mqtt.url", "mqtt.client_id", "mqtt.username",
                                 "mqtt.password", "mqtt.tls", "mqtt.prefix", "http.listen",
                                 "http.tls", "storage"});
  // Until then the running values stay in force; the rest of the new file applies.
  Config kept = keep_restart_only(running(), next);
  CHECK(kept.state_dir == "/var/lib/larder");
  CHECK(kept.mqtt.url == "tcp://127.0.0.1:1883");
  CHECK(kept.mqtt.prefix == "larder");
  CHECK_FALSE(kept.mqtt.tls.has_value());
  CHECK(kept.http.port == 8080);
  CHECK_FALSE(kept.http.tls.has_value());
  CHECK(kept.storage.raw_days == 30);
  CHECK(kept.http.admin_token == "rotated-token-0123456789");
  CHECK(restart_only_changes(running(), kept).empty());
}

TEST_CASE("a TLS file named differently is a change, the same files are not") {
  Config a = running();
  a.mqtt.tls = TlsConfig{"/ca.pem", "/c.pem", "/k.pem"};
  Config b = a;
  CHECK(restart_only_changes(a, b).empty());
  b.mqtt.tls->key = "/k2.pem";
  CHECK(restart_only_changes(a, b) == std::vector<std::string>{"mqtt.tls"});
}
