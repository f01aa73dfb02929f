#include "app/reload.h"

#include <optional>
#include <utility>

namespace larder {
namespace {

bool same_tls(const std::optional<TlsConfig>& a, const std::optional<TlsConfig>& b) {
  if (a.has_value() != b.has_value()) return false;
  return !a || (a->ca == b->ca && a->cert == b->cert && a->key == b->key);
}

}  // namespace

std::vector<std::string> restart_only_changes(const Config& running, const Config& next) {
  std::vector<std::string> keys;
  if (running.state_dir != next.state_dir) keys.emplace_back("state_dir");
  const MqttConfig& a = running.mqtt;
  const MqttConfig& b = next.mqtt;
  if (a.url != b.url) keys.emplace_back("mqtt.url");
  if (a.client_id != b.client_id) keys.emplace_back("mqtt.client_id");
  if (a.username != b.username) keys.emplace_back("mqtt.username");
  if (a.password != b.password) keys.emplace_back("mqtt.password");
  if (!same_tls(a.tls, b.tls)) keys.emplace_back("mqtt.tls");
  if (a.prefix != b.prefix) keys.emplace_back("mqtt.prefix");
  if (running.http.host != next.http.host || running.http.port != next.http.port) {
    keys.emplace_back("http.listen");
  }
  if (!same_tls(running.http.tls, next.http.tls)) keys.emplace_back("http.tls");
  const StorageConfig& s = running.storage;
  const StorageConfig& n = next.storage;
  if (s.raw_days != n.raw_days || s.downsample_minutes != n.downsample_minutes ||
      s.max_size_mb != n.max_size_mb || s.maintenance_hours != n.maintenance_hours ||
      s.maintenance_delay_minutes != n.maintenance_delay_minutes ||
      s.journal_dir != n.journal_dir) {
    keys.emplace_back("storage");
  }
  if (running.notify != next.notify) keys.emplace_back("notify");
  return keys;
}

Config keep_restart_only(const Config& running, Config next) {
  next.state_dir = running.state_dir;
  next.mqtt = running.mqtt;
  next.http.host = running.http.host;
  next.http.port = running.http.port;
  next.http.tls = running.http.tls;
  next.storage = running.storage;
  next.notify = running.notify;
  return next;
}

}  // namespace larder
