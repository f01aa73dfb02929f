#include "core/config_checks.h"
#include "core/config_sections.h"

namespace larder::config {

void read_http(Section& s, HttpConfig& out) {
  std::string host;
  std::uint16_t port = 0;
  auto check_listen = [&](std::string_view v) { return parse_listen(v, host, port); };
  if (s.string("listen", Need::optional, check_listen)) {
    out.host = host;
    out.port = port;
  }

  out.admin_token = s.secret("admin_token", Need::required, check_token).value_or("");
  std::string read_key;
  out.read_token = s.secret("read_token", Need::optional, check_token, &read_key);
  if (out.read_token && !out.admin_token.empty() && *out.read_token == out.admin_token) {
    s.error(read_key, "must differ from the admin token (the read token only reads)");
  }

  s.section("tls", Need::optional, [&](Section& t) {
    TlsConfig tls;
    read_tls(t, tls, /*with_ca=*/false, /*need_cert=*/true);
    out.tls = tls;
  });
}

}  // namespace larder::config
