#include <cstddef>
#include <string>
#include <string_view>

#include "core/config_sections.h"

namespace larder::config {
namespace {

// A CA bundle (Debian's whole ca-certificates.crt is about 200 KiB) fits many times over.
constexpr std::size_t kMaxPemFile = std::size_t{4} * 1024 * 1024;

// Whether the PEM file at `path` holds what `key` needs: a certificate, or a private key.
// Only its markers are read here, so that `--check-config` names the key and line of a
// file that is not PEM at all (a token, a DER file, the wrong file); whether OpenSSL can use
// it (a damaged body, a key that does not fit the certificate) is known when it is loaded.
// The message never quotes the content: a key file is a secret.
void check_pem(Section& s, std::string_view key, const std::string& path, bool private_key) {
  std::string text;
  if (std::string err = read_small_file(path, kMaxPemFile, text); !err.empty()) {
    s.error(key, err);
    return;
  }
  const bool begins = text.find("-----BEGIN ") != std::string::npos;
  const bool ok = private_key ? begins && text.find("PRIVATE KEY-----") != std::string::npos
                              : text.find("-----BEGIN CERTIFICATE-----") != std::string::npos;
  if (!ok) {
    const char* what = private_key ? "private key (no '-----BEGIN ... PRIVATE KEY-----')"
                                   : "certificate (no '-----BEGIN CERTIFICATE-----')";
    s.error(key, "\"" + path + "\" holds no PEM " + what);
  }
}

}  // namespace

void read_tls(Section& s, TlsConfig& out, bool with_ca, bool need_cert) {
  if (with_ca) {
    if (auto ca = s.readable_file("ca", Need::optional)) {
      check_pem(s, "ca", *ca, /*private_key=*/false);
      out.ca = *ca;
    }
  }
  // cert and key go together; when only one is written, the other is the missing one.
  bool pair_needed = need_cert || s.has("cert") || s.has("key");
  Need need = pair_needed ? Need::required : Need::optional;
  if (pair_needed && !need_cert && !(s.has("cert") && s.has("key"))) {
    const char* absent = s.has("cert") ? "key" : "cert";
    s.error(absent, "required key is missing: cert and key go together");
    need = Need::optional;  // reported once, here
  }
  if (auto cert = s.readable_file("cert", need)) {
    check_pem(s, "cert", *cert, /*private_key=*/false);
    out.cert = *cert;
  }
  if (auto key = s.readable_file("key", need)) {
    check_pem(s, "key", *key, /*private_key=*/true);
    out.key = *key;
  }
}

}  // namespace larder::config
