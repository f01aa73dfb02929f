// hmac_sha256_hex, signature_header and verify_signature (adapters/crypto/signature.h)
// against the HMAC-SHA-256 test vectors of RFC 4231, section 4.
#include "adapters/crypto/signature.h"

#include <doctest/doctest.h>

#include <string>

using namespace larder;

namespace {

std::string bytes(unsigned char value, std::size_t n) { return std::string(n, static_cast<char>(value)); }

struct Vector {
  const char* name;
  std::string key;
  std::string data;
  const char* mac;
};

std::string counting_key() {  // 0x01, 0x02, ..., 0x19
  std::string k;
  for (int i = 1; i <= 25; ++i) k += static_cast<char>(i);
  return k;
}

const Vector kVectors[] = {
    {"test case 1", bytes(0x0b, 20), "Hi There",
     "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"},
    {"test case 2 (a key shorter than the output)", "Jefe", "what do ya want for nothing?",
     "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"},
    {"test case 3", bytes(0xaa, 20), bytes(0xdd, 50),
     "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe"},
    {"test case 4", counting_key(), bytes(0xcd, 50),
     "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b"},
    {"test case 6 (a key larger than the block)", bytes(0xaa, 131),
     "Test Using Larger Than Block-Size Key - Hash Key First",
     "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"},
    {"test case 7 (key and data larger than the block)", bytes(0xaa, 131),
     "This is a test using a larger than block-size key and a larger than block-size data. The "
     "key needs to be hashed before being used by the HMAC algorithm.",
     "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2"},
};

}  // namespace

TEST_CASE("hmac_sha256_hex gives the RFC 4231 test vectors in lower-case hex") {
  for (const Vector& v : kVectors) {
    INFO(v.name);
    CHECK(hmac_sha256_hex(v.key, v.data) == v.mac);
  }
}

TEST_CASE("an empty key and an empty body still sign") {
  CHECK(hmac_sha256_hex("", "") == "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad");
  CHECK(verify_signature("", "", signature_header("", "")));
}

TEST_CASE("signature_header is sha256= and the hex of the HMAC") {
  for (const Vector& v : kVectors) {
    INFO(v.name);
    CHECK(signature_header(v.key, v.data) == std::string("sha256=") + v.mac);
  }
}

TEST_CASE("verify_signature accepts the right header and refuses everything else") {
  const std::string secret = "Jefe";
  const std::string body = "what do ya want for nothing?";
  const std::string good = "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843";
  CHECK(verify_signature(secret, body, good));
  // Upper-case hex is the same signature.
  CHECK(verify_signature(secret, body,
                         "sha256=5BDCC146BF60754E6A042426089575C75A003F089D2739839DEC58B964EC3843"));

  CHECK_FALSE(verify_signature("jefe", body, good));                     // another secret
  CHECK_FALSE(verify_signature(secret, body + " ", good));               // another body
  CHECK_FALSE(verify_signature(secret, body, good.substr(0, good.size() - 1)));  // cut short
  CHECK_FALSE(verify_signature(secret, body, good + "0"));               // too long
  CHECK_FALSE(verify_signature(secret, body, good.substr(7)));           // no scheme
  CHECK_FALSE(verify_signature(secret, body, "SHA256=" + good.substr(7)));
  CHECK_FALSE(verify_signature(secret, body, "sha1=" + good.substr(7)));
  CHECK_FALSE(verify_signature(secret, body, " " + good));
  CHECK_FALSE(verify_signature(secret, body, ""));
  std::string flipped = good;
  flipped.back() = '2';  // one digit off, at the very end
  CHECK_FALSE(verify_signature(secret, body, flipped));
  std::string not_hex = good;
  not_hex[7] = 'g';
  CHECK_FALSE(verify_signature(secret, body, not_hex));
}
