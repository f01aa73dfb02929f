// One-purpose links that answer an order's question from a notification
// (docs/notifications.md): POST /api/v1/orders/<id>/confirm/<code> and
// POST /api/v1/orders/<id>/cancel/<code> need no token; the code is
// HMAC-SHA256(link key, "<action>:<order id>") in hex, so it does that one thing to that one
// order and nothing else, and only while the order may still be confirmed or cancelled.
// The link key is 32 random bytes in `state_dir/notify_link.key` (made at the first start
// with notifications), so links survive a restart; deleting the file voids every link.
// Thread rule: pure functions but load_link_key (reads and writes the state directory).
#pragma once

#include <string>
#include <string_view>

#include "larder/status.h"
#include "orders/random.h"

namespace larder {

// The code for `action` ("confirm" or "cancel") on `order_id`: 64 lower-case hex digits.
std::string order_link_code(std::string_view key, std::string_view order_id,
                            std::string_view action);
// Whether `code` is that code; compared in constant time.
bool check_order_link_code(std::string_view key, std::string_view order_id,
                           std::string_view action, std::string_view code);

// The key in `state_dir/notify_link.key`, made with `random` when the file is missing.
Result<std::string> load_link_key(const std::string& state_dir, orders::Random& random);

}  // namespace larder
