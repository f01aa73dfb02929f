// The order ledger's source of randomness, injected: idempotency keys, order ids and the
// jitter of retry delays.
//
// The daemon passes one backed by OpenSSL's RAND_bytes (keys must not be guessable or
// repeat across restarts); tests pass a deterministic one. fill() returns false when no
// randomness could be had: the ledger then refuses to create an order (it never invents a
// weak key), and a retry waits its full delay instead of a jittered one.
// Thread rule: event-loop thread only.
#pragma once

#include <cstddef>
#include <optional>
#include <string>

namespace larder::orders {

class Random {
 public:
  virtual ~Random() = default;
  virtual bool fill(unsigned char* out, std::size_t n) = 0;
};

// A version 4 UUID, lower case ("xxxxxxxx-xxxx-4xxx-Yxxx-xxxxxxxxxxxx", Y in 8..b).
std::optional<std::string> uuid_v4(Random& random);
bool valid_uuid(const std::string& s);

// `bytes` random bytes as lower-case hex.
std::optional<std::string> random_hex(Random& random, std::size_t bytes);

// A number uniform in [0, 1), or nullopt when the source failed.
std::optional<double> uniform01(Random& random);

}  // namespace larder::orders
