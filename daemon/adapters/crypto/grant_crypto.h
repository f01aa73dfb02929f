// The grants' crypto port (grants/grant.h) on OpenSSL: SHA-256 through EVP and a
// comparison whose time does not depend on where two texts differ (CRYPTO_memcmp).
// Thread rule: any thread (no state; OpenSSL's digests are thread-safe).
#pragma once

#include <string>
#include <string_view>

#include "grants/grant.h"

namespace larder {

class OpenSslGrantCrypto final : public grants::GrantCrypto {
 public:
  // 64 lower-case hex characters; empty if OpenSSL failed.
  std::string sha256_hex(std::string_view data) override;
  // Texts of different lengths are unequal at once (the length of a hex digest is no
  // secret); equal lengths are compared with CRYPTO_memcmp.
  bool equal(std::string_view a, std::string_view b) override;
};

}  // namespace larder
