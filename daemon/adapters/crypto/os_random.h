// The order ledger's Random (orders/random.h) from OpenSSL's CSPRNG (RAND_bytes): keys and
// ids that cannot be guessed and do not repeat across restarts.
// Thread rule: any thread (OpenSSL's generator is thread-safe).
#pragma once

#include <cstddef>

#include "orders/random.h"

namespace larder {

class OsRandom final : public orders::Random {
 public:
  bool fill(unsigned char* out, std::size_t n) override;
};

}  // namespace larder
