#include "core/config_checks.h"
#include "core/config_sections.h"

namespace larder::config {

void read_retailer(Section& s, RetailerConfig& out) {
  auto kind = s.string("kind", Need::optional, [](std::string_view v) {
    return check_one_of(v, {"sandbox", "webhook", "grocy"});
  });
  if (kind) out.kind = *kind;
  if (auto url = s.string("url", Need::required, check_http_url)) out.url = *url;
  // Grocy answers nothing without its API key; the others may run without one.
  Need key_need = (kind && *kind == "grocy") ? Need::required : Need::optional;
  out.api_key = s.secret("api_key", key_need, check_header_value);
  out.webhook_secret = s.secret("webhook_secret", Need::optional);
}

}  // namespace larder::config
