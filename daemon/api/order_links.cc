#include "api/order_links.h"

#include <optional>

#include "adapters/crypto/signature.h"
#include "adapters/fs/state_file.h"

namespace larder {
namespace {

std::string message(std::string_view order_id, std::string_view action) {
  return std::string(action) + ":" + std::string(order_id);
}

}  // namespace

std::string order_link_code(std::string_view key, std::string_view order_id,
                            std::string_view action) {
  return hmac_sha256_hex(key, message(order_id, action));
}

bool check_order_link_code(std::string_view key, std::string_view order_id,
                           std::string_view action, std::string_view code) {
  if (key.empty()) return false;
  return verify_signature(key, message(order_id, action), "sha256=" + std::string(code));
}

Result<std::string> load_link_key(const std::string& state_dir, orders::Random& random) {
  const std::string path = state_dir + "/notify_link.key";
  auto existing = read_state_file(path, 4096);
  if (!existing.ok()) return existing.status();
  if (*existing && (*existing)->size() >= 32) return **existing;
  unsigned char bytes[32];
  if (!random.fill(bytes, sizeof bytes)) {
    return Status::Error("cannot make the notification link key: no random bytes");
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string key;
  for (unsigned char b : bytes) {
    key += kHex[b >> 4];
    key += kHex[b & 0xf];
  }
  if (Status s = write_state_file(path, key); !s.ok()) return s;
  return key;
}

}  // namespace larder
