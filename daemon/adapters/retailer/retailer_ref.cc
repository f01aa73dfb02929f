// retailer_ref() (retailer_factory.h): who a configuration names as retailer, in a file of
// its own so that what links the order desk without the adapters (the fuzz targets,
// fuzz/flags.cmake) has it too.
#include <algorithm>

#include "adapters/crypto/grant_crypto.h"
#include "adapters/retailer/retailer_factory.h"
#include "larder/text.h"

namespace larder {

std::string normal_url(const std::string& url) {
  const auto scheme_end = url.find("://");
  if (scheme_end == std::string::npos) return url;
  const std::string scheme = ascii_lower(url.substr(0, scheme_end));
  const std::size_t authority_at = scheme_end + 3;
  const std::size_t path_at = std::min(url.find_first_of("/?#", authority_at), url.size());
  std::string authority = url.substr(authority_at, path_at - authority_at);
  // The user information (a secret, maybe) is case-sensitive; the host and port are not.
  const auto at = authority.rfind('@');
  const std::size_t host_at = at == std::string::npos ? 0 : at + 1;
  std::string host = ascii_lower(authority.substr(host_at));
  // The port without leading zeros (the configuration takes ":0443" for 443).
  const auto colon = host.rfind(':');
  if (colon != std::string::npos && host.find(']', colon) == std::string::npos) {
    const std::size_t digits = host.find_first_not_of('0', colon + 1);
    if (digits != std::string::npos && digits > colon + 1) {
      host.erase(colon + 1, digits - colon - 1);
    }
  }
  const std::string default_port = scheme == "https" ? ":443" : scheme == "http" ? ":80" : "";
  if (!default_port.empty() && host.size() > default_port.size() &&
      host.compare(host.size() - default_port.size(), default_port.size(), default_port) == 0) {
    host.resize(host.size() - default_port.size());
  }
  std::string path = url.substr(path_at);
  const std::size_t tail_at = std::min(path.find_first_of("?#"), path.size());
  std::string tail = path.substr(tail_at);
  path.resize(tail_at);
  while (!path.empty() && path.back() == '/') path.pop_back();
  return scheme + "://" + authority.substr(0, host_at) + host + path + tail;
}

orders::RetailerRef retailer_ref(const RetailerConfig& config) {
  orders::RetailerRef ref;
  ref.kind = config.kind;
  // A fingerprint, not the url: the url may carry a secret, and orders are read by tools.
  OpenSslGrantCrypto crypto;
  ref.url_hash = crypto.sha256_hex(normal_url(config.url)).substr(0, 16);
  ref.written_hash = crypto.sha256_hex(config.url).substr(0, 16);
  ref.reports = config.kind != "webhook";
  return ref;
}

}  // namespace larder
