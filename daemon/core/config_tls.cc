#include "core/config_sections.h"

namespace larder::config {

void read_tls(Section& s, TlsConfig& out, bool with_ca, bool need_cert) {
  if (with_ca) {
    if (auto ca = s.readable_file("ca", Need::optional)) out.ca = *ca;
  }
  // cert and key go together; when only one is written, the other is the missing one.
  bool pair_needed = need_cert || s.has("cert") || s.has("key");
  Need need = pair_needed ? Need::required : Need::optional;
  if (pair_needed && !need_cert && !(s.has("cert") && s.has("key"))) {
    const char* absent = s.has("cert") ? "key" : "cert";
    s.error(absent, "required key is missing: cert and key go together");
    need = Need::optional;  // reported once, here
  }
  if (auto cert = s.readable_file("cert", need)) out.cert = *cert;
  if (auto key = s.readable_file("key", need)) out.key = *key;
}

}  // namespace larder::config
