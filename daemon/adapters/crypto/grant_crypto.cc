#include "adapters/crypto/grant_crypto.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>

namespace larder {

std::string OpenSslGrantCrypto::sha256_hex(std::string_view data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  // EVP_Digest wants a valid pointer even for no data.
  static const char kNothing = 0;
  const void* p = data.empty() ? static_cast<const void*>(&kNothing) : data.data();
  if (EVP_Digest(p, data.size(), md, &len, EVP_sha256(), nullptr) != 1 || len != 32) {
    return {};
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(2 * std::size_t{len});
  for (unsigned int i = 0; i < len; ++i) {
    out += kHex[md[i] >> 4];
    out += kHex[md[i] & 0xf];
  }
  return out;
}

bool OpenSslGrantCrypto::equal(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  if (a.empty()) return true;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace larder
