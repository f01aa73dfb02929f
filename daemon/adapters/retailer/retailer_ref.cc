// retailer_ref() (retailer_factory.h): who a configuration names as retailer, in a file of
// its own so that what links the order desk without the adapters (the fuzz targets,
// fuzz/flags.cmake) has it too.
#include "adapters/crypto/grant_crypto.h"
#include "adapters/retailer/retailer_factory.h"

namespace larder {

orders::RetailerRef retailer_ref(const RetailerConfig& config) {
  orders::RetailerRef ref;
  ref.kind = config.kind;
  // A fingerprint, not the url: the url may carry a secret, and orders are read by tools.
  ref.url_hash = OpenSslGrantCrypto().sha256_hex(config.url).substr(0, 16);
  ref.reports = config.kind != "webhook";
  return ref;
}

}  // namespace larder
