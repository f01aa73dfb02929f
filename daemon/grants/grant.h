// One trunk access grant (grant_book.h keeps them): its record, its JSON form, the code
// it is opened with, and the crypto port the grants use.
//
// The code is 20 bytes (160 bits) from the injected Random (OpenSSL's CSPRNG in the
// daemon), written as base64url without padding: 27 characters of [A-Za-z0-9_-]. It is
// handed out once by GrantBook::issue() and never kept: a grant holds only code_hash, the
// SHA-256 of the code's characters in lower-case hex. Nothing here formats a code into an
// error message, a JSON form or a log line.
//
// grant_json() / load_grant() are the record as the grant store keeps it; load_grant()
// reads strictly: a grant whose every field is valid, or an error naming the field.
// Thread rule: plain values; the crypto port belongs to the event-loop thread.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "delivery/geo.h"
#include "larder/status.h"
#include "orders/order.h"
#include "orders/random.h"

namespace larder::grants {

// SHA-256 and a constant-time comparison, from a real library (OpenSslGrantCrypto in
// adapters/crypto/grant_crypto.h): the core never does cryptography by hand.
class GrantCrypto {
 public:
  virtual ~GrantCrypto() = default;
  // The SHA-256 of `data` as 64 lower-case hex characters; empty if the library failed
  // (callers treat that as "cannot check", never as a match).
  virtual std::string sha256_hex(std::string_view data) = 0;
  // Whether a == b, in a time that does not depend on where they differ (for equal
  // lengths; different lengths are simply false).
  virtual bool equal(std::string_view a, std::string_view b) = 0;
};

constexpr std::size_t kCodeBytes = 20;   // 160 bits of randomness
constexpr std::size_t kCodeChars = 27;   // base64url of 20 bytes, no padding
constexpr std::size_t kHashChars = 64;   // SHA-256 in hex

// A fresh code, or nullopt when the Random failed (no weak code is ever made up).
std::optional<std::string> new_code(orders::Random& random);
// base64url (RFC 4648 section 5) without padding.
std::string base64url(std::string_view bytes);
// 64 lower-case hex characters.
bool valid_hash(std::string_view s);

enum class State {
  issued,    // waiting for the carrier
  unlocked,  // the code was used: unlock_trunk was sent to the vehicle
  opened,    // the vehicle reported the trunk open
  closed,    // ... and closed again (not yet locked)
  revoked,   // dead: end_reason says why
};
std::string_view state_name(State s);
std::optional<State> parse_state(std::string_view s);

// Why a grant was revoked (Grant::end_reason).
namespace reason {
inline constexpr std::string_view kRelocked = "relocked";          // the trunk locked after a use
inline constexpr std::string_view kWindowEnded = "window_ended";
inline constexpr std::string_view kCarMoved = "car_moved";
inline constexpr std::string_view kLeftPlace = "left_place";
inline constexpr std::string_view kUser = "user";                  // API, CLI, voice
inline constexpr std::string_view kLockout = "lockout";            // too many wrong codes
inline constexpr std::string_view kReplanned = "replanned";        // a new grant or no trunk
inline constexpr std::string_view kOrderCancelled = "order_cancelled";
inline constexpr std::string_view kOrderFailed = "order_failed";        // the retailer's failure
inline constexpr std::string_view kOrderDelivered = "order_delivered";  // before any use
}  // namespace reason
bool valid_reason(std::string_view r);

struct Grant {
  std::string id;            // 16 random bytes in hex
  std::string order_id;
  std::string vehicle;
  orders::Window window;     // the code works in [start, end)
  delivery::Place place;     // where the car must be parked
  std::string code_hash;     // sha256_hex of the code; the code itself is never kept
  State state = State::issued;
  int wrong_codes = 0;
  double issued_at = 0;
  double updated = 0;
  std::optional<double> unlocked_at, opened_at, closed_at;
  bool lock_sent = false;    // a lock command went out for it (once)
  // The retailer confirmed it has the code (its answer to PUT .../delivery). Only the code's
  // hash is kept, so a grant the hub crashed before confirming can only be replaced by a
  // new one (DeliveryDesk::restore). Grants stored before this field count as handed.
  bool handed = false;
  std::string end_reason;    // set exactly when revoked

  bool live() const { return state != State::revoked; }
  // The code was used (unlock_trunk sent): it never opens anything again.
  bool used() const { return unlocked_at.has_value(); }
};

// Whether a grant may be issued on these terms: valid order and vehicle ids, a finite
// window that is not empty and has not ended at `now`, a valid place with a positive radius.
Status check_terms(const std::string& order_id, const std::string& vehicle,
                   orders::Window window, const delivery::Place& place, double now);

nlohmann::json grant_json(const Grant& g);
Result<Grant> load_grant(const nlohmann::json& j);

}  // namespace larder::grants
