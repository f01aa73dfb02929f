#include <unistd.h>

#include "core/config_checks.h"
#include "core/config_sections.h"

namespace larder::config {
namespace {

std::string default_client_id() {
  char host[256] = {};
  if (::gethostname(host, sizeof host - 1) != 0 || host[0] == '\0') return "larder";
  return std::string("larder-") + host;
}

std::string short_text(std::string_view v) { return check_max_length(v, 256); }

}  // namespace

void read_mqtt(Section& s, MqttConfig& out) {
  std::optional<std::string> url = s.string("url", Need::required, check_mqtt_url);
  if (url) out.url = *url;

  out.client_id = s.string("client_id", Need::optional, short_text).value_or(default_client_id());
  out.username = s.string("username", Need::optional, short_text);
  std::string password_key;
  out.password = s.secret("password", Need::optional, {}, &password_key);
  if (out.password && !s.has("username")) {
    s.error(password_key, "needs mqtt.username too (MQTT sends no password without a user name)");
  }

  s.section("tls", Need::optional, [&](Section& t) {
    TlsConfig tls;
    read_tls(t, tls, /*with_ca=*/true, /*need_cert=*/false);
    out.tls = tls;
  });
  if (out.tls && url && !mqtt_url_uses_tls(*url)) {
    s.error("tls", "is given but mqtt.url does not use TLS: use ssl://, mqtts:// or wss://, or "
                   "remove mqtt.tls");
  }

  if (auto prefix = s.string("prefix", Need::optional, check_topic_prefix)) out.prefix = *prefix;
}

}  // namespace larder::config
