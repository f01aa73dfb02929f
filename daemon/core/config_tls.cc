#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "core/config_sections.h"

namespace larder::config {
namespace {

// A CA bundle (Debian's whole ca-certificates.crt is about 200 KiB) fits many times over.
constexpr std::size_t kMaxPemFile = std::size_t{4} * 1024 * 1024;

// Whether the PEM file at `path` holds what `key` needs: a certificate, or a private key;
// its text if so. The markers are checked first, so that `--check-config` names the key and
// line of a file that is not PEM at all (a token, a DER file, the wrong file). A cert and
// key pair is then read by OpenSSL too (check_pair). The message never quotes the content:
// a key file is a secret.
std::optional<std::string> check_pem(Section& s, std::string_view key, const std::string& path,
                                     bool private_key) {
  std::string text;
  if (std::string err = read_small_file(path, kMaxPemFile, text); !err.empty()) {
    s.error(key, err);
    return std::nullopt;
  }
  const bool begins = text.find("-----BEGIN ") != std::string::npos;
  const bool ok = private_key ? begins && text.find("PRIVATE KEY-----") != std::string::npos
                              : text.find("-----BEGIN CERTIFICATE-----") != std::string::npos;
  if (!ok) {
    const char* what = private_key ? "private key (no '-----BEGIN ... PRIVATE KEY-----')"
                                   : "certificate (no '-----BEGIN CERTIFICATE-----')";
    s.error(key, "\"" + path + "\" holds no PEM " + what);
    return std::nullopt;
  }
  return text;
}

// No passphrase is ever asked for: an encrypted key cannot be read (the daemon runs
// unattended, and OpenSSL's default would prompt on a terminal).
int no_passphrase(char*, int, int, void*) { return -1; }

// The certificate and the private key, read as the servers and Paho will read them: the
// key must be readable without a passphrase and belong to the certificate, or the daemon
// would pass `--check-config` and then fail at start.
void check_pair(Section& s, const std::string& cert_pem, const std::string& cert_path,
                const std::string& key_pem) {
  auto bio = [](const std::string& text) {
    return std::unique_ptr<BIO, decltype(&BIO_free)>(
        BIO_new_mem_buf(text.data(), static_cast<int>(text.size())), &BIO_free);
  };
  auto cert_bio = bio(cert_pem);
  auto key_bio = bio(key_pem);
  std::unique_ptr<X509, decltype(&X509_free)> cert(
      cert_bio ? PEM_read_bio_X509(cert_bio.get(), nullptr, no_passphrase, nullptr) : nullptr,
      &X509_free);
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> pkey(
      key_bio ? PEM_read_bio_PrivateKey(key_bio.get(), nullptr, no_passphrase, nullptr)
              : nullptr,
      &EVP_PKEY_free);
  if (!cert) {
    s.error("cert", "\"" + cert_path + "\" holds a certificate OpenSSL cannot read (its body "
                    "is damaged)");
  } else if (!pkey) {
    s.error("key", "holds a private key OpenSSL cannot read: damaged, or protected by a "
                   "passphrase (larderd cannot ask for one; store it unencrypted, mode 0600)");
  } else if (X509_check_private_key(cert.get(), pkey.get()) != 1) {
    s.error("key", "does not belong to the certificate in cert (\"" + cert_path + "\")");
  }
  ERR_clear_error();  // what OpenSSL queued here is reported above
}

}  // namespace

bool check_pem_certificates(Section& s, std::string_view key, const std::string& path) {
  return check_pem(s, key, path, /*private_key=*/false).has_value();
}

void read_tls(Section& s, TlsConfig& out, bool with_ca, bool need_cert) {
  if (with_ca) {
    if (auto ca = s.readable_file("ca", Need::optional)) {
      (void)check_pem(s, "ca", *ca, /*private_key=*/false);
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
  std::optional<std::string> cert_pem, key_pem;
  if (auto cert = s.readable_file("cert", need)) {
    cert_pem = check_pem(s, "cert", *cert, /*private_key=*/false);
    out.cert = *cert;
  }
  if (auto key = s.readable_file("key", need)) {
    key_pem = check_pem(s, "key", *key, /*private_key=*/true);
    out.key = *key;
  }
  if (cert_pem && key_pem) check_pair(s, *cert_pem, out.cert, *key_pem);
}

}  // namespace larder::config
