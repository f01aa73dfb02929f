// HMAC-SHA256 signatures of HTTP bodies (OpenSSL): the `X-Larder-Signature` header of
// shared/contract/retailer-v1.md, which the webhook retailer sends, the sandbox's status
// callbacks carry and the hub checks on /api/v1/retailer/events.
// Thread rule: pure functions.
#pragma once

#include <string>
#include <string_view>

namespace larder {

// Lower-case hex of HMAC-SHA256(key, data): 64 characters.
std::string hmac_sha256_hex(std::string_view key, std::string_view data);

// "sha256=" + hmac_sha256_hex(secret, body).
std::string signature_header(std::string_view secret, std::string_view body);

// Whether `header` is signature_header(secret, body). The hex may be in either case;
// anything else (another scheme, a wrong length, spaces) is false. The comparison takes
// the same time wherever the first difference is (CRYPTO_memcmp).
bool verify_signature(std::string_view secret, std::string_view body, std::string_view header);

}  // namespace larder
