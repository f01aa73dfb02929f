#include "adapters/crypto/os_random.h"

#include <openssl/rand.h>

#include <climits>

namespace larder {

bool OsRandom::fill(unsigned char* out, std::size_t n) {
  while (n > 0) {
    const int chunk = n > static_cast<std::size_t>(INT_MAX) ? INT_MAX : static_cast<int>(n);
    if (RAND_bytes(out, chunk) != 1) return false;
    out += chunk;
    n -= static_cast<std::size_t>(chunk);
  }
  return true;
}

}  // namespace larder
