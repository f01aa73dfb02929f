#include "adapters/crypto/signature.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

namespace larder {
namespace {

constexpr std::string_view kScheme = "sha256=";
constexpr std::size_t kHexLength = 64;

}  // namespace

std::string hmac_sha256_hex(std::string_view key, std::string_view data) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  // HMAC() takes no key pointer for an empty key as an error on some versions: give it a
  // valid pointer whatever the length.
  static const unsigned char kNoKey = 0;
  const void* k = key.empty() ? static_cast<const void*>(&kNoKey) : key.data();
  if (HMAC(EVP_sha256(), k, static_cast<int>(key.size()),
           reinterpret_cast<const unsigned char*>(data.data()), data.size(), mac, &len) == nullptr) {
    return {};  // not reached with SHA-256; an empty text never verifies
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(std::size_t{2} * len);
  for (unsigned int i = 0; i < len; ++i) {
    out += kHex[mac[i] >> 4];
    out += kHex[mac[i] & 0xf];
  }
  return out;
}

std::string signature_header(std::string_view secret, std::string_view body) {
  return std::string(kScheme) + hmac_sha256_hex(secret, body);
}

bool verify_signature(std::string_view secret, std::string_view body, std::string_view header) {
  if (header.size() != kScheme.size() + kHexLength || header.substr(0, kScheme.size()) != kScheme) {
    return false;
  }
  std::string given(header.substr(kScheme.size()));
  for (char& c : given) {
    if (c >= 'A' && c <= 'F') c = static_cast<char>(c - 'A' + 'a');
  }
  std::string expected = hmac_sha256_hex(secret, body);
  if (expected.size() != kHexLength) return false;
  return CRYPTO_memcmp(given.data(), expected.data(), kHexLength) == 0;
}

}  // namespace larder
