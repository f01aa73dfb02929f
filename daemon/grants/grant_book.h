// The trunk access grants of the household's deliveries, as a functional core: the rules
// of DESIGN.md ("bound to one order, one vehicle and one time window, compared in constant
// time, rate limited, revoked when the trunk locks, when the vehicle leaves the geofence
// and when the window ends; every use and refusal goes to an audit log").
//
// The book does no I/O of its own and reads no clock: every call carries `now` (epoch
// seconds) and fills an Effects whose commands (to the vehicle) and events (larder/v1/event)
// the caller executes in the order given. It writes through a GrantStore: each grant is
// saved when it changes, and every grant event goes to the hash-chained audit log
// (audit_chain.h): issued, used, refused (the detail is the verdict), revoked (the reason).
//
// The rules:
//   - issue() makes the code (grant.h: 160 bits, base64url) and answers it once; only its
//     hash is kept. At most one live grant per order: a new one revokes the old (replanned).
//     The new grant is committed before it is answered; when the store refuses, nothing is
//     issued and nothing changes.
//   - view() and unlock() (the carrier API) take the order's newest grant and check, in
//     this order: a grant exists (no_grant); it is not locked out (locked_out: the code is
//     not even looked at, so guessing teaches nothing once five failed); the code, by its
//     SHA-256 compared in constant time (wrong_code: counted and saved while the grant is
//     `issued`; the max_wrong_codes-th revokes it, reason lockout); a right code on a dead
//     grant (already_used when the code had been used, else revoked); a grant already used
//     (already_used); the window [start, end) (outside_window). unlock() then checks the
//     car: no report, or one older than car_max_age_s (car_unknown), moving (car_moving),
//     not inside the place with its whole accuracy circle (car_not_in_place). An unlock
//     commits the grant as `unlocked` before it answers ok with the unlock_trunk command;
//     when the store refuses, the verdict is `unavailable` and the grant stays unused.
//   - Every refusal is audited. A refusal about a live grant also raises grant_refused
//     (refusals about dead or missing grants do not: anyone may send those, and the audit
//     log has them).
//   - on_trunk(): a trunk cycle belongs to the grant whose code unlocked it last (the live
//     used grant of the vehicle with the latest unlock not after the report's own time: a
//     report taken before the unlock and delivered late, by a polling bridge or a car out
//     of coverage, is about the trunk before it; kTrunkSkewS of clock skew allowed for open
//     and closed, none for locked, which ends the grant): open / closed
//     follow it through opened and closed; locked revokes it (relocked, event
//     trunk_relocked) and, if the trunk was opened for it, reports the order in
//     delivered_by_trunk. The lock ends the vehicle's older used grants too, each by its own
//     cycle: one opened before a later code unlocked the trunk again is delivered; one never
//     opened just dies (access_revoked, relocked), since the trunk was opened for another.
//   - on_location(): once a grant's window has begun, a car called moving revokes it
//     (car_moved) unless it is surely inside the place (its whole accuracy circle: a
//     tracker calls its first fix after a restart moving), and a car parked surely outside
//     the place (its whole accuracy circle outside) revokes it (left_place). A grant whose
//     code unlocked the trunk the carrier has not opened yet is revoked by any moving fix,
//     with a lock; one whose trunk was opened is left to the lock timeout. Before the
//     window, moving the car is the delivery planner's business (it replans, which revokes
//     the grant).
//   - tick(): the window's end revokes an `issued` grant (window_ended). A trunk in use gets
//     one lock command and a trunk_not_locked event when it was unlocked and not opened
//     within lock_timeout_s of the unlock (the code is used up all the same), when it was
//     closed and not locked for lock_timeout_s, or when it is still in use lock_timeout_s
//     past the window's end; the grant then waits for the trunk's lock. A used grant whose
//     trunk never reports locked dies (window_ended, no second lock) lock_timeout_s past its
//     window's end, and no sooner than lock_timeout_s after its last change. tick() also
//     retries saves and audit entries the store refused earlier.
//   - forget_ended() forgets ended grants (from memory and the store; the audit log keeps
//     their story): one that a newer grant of its order replaced, since nothing reads it any
//     more (the carrier API and the delivery desk take an order's newest grant), and an
//     order's last grant forget_ended_s after it ended, once its order is over (only then:
//     while an order goes on, its last grant says whether it may have a new code). So a
//     retailer that refuses the code for days (a new grant at each try: delivery_desk.h) leaves no
//     pile of grants (its audit entries stay, as every audit entry does), and the book holds
//     the live grants plus one per recent trunk order. At most max_forget ids go per look,
//     in one store transaction; a refused delete is tried again forget_retry_s later.
//   - revoke() (the user, a cancelled order, a replanned delivery) revokes the order's live
//     grant; when its trunk was in use a lock command goes out too.
//   - Store failures never lose an audit entry silently: a refused append stays queued (in
//     order, chained) and is retried at the next write or tick, up to max_pending_audit
//     entries; Effects::store_error says what failed, for the caller to log.
//   - A code never appears in an effect, an event, an audit entry, a Status or the store.
// Call restore() once before anything else: it loads the grants and the audit chain's head.
// Thread rule: event-loop thread only; the store, the Random and the crypto are used on it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "delivery/geo.h"
#include "grants/audit_chain.h"
#include "grants/grant.h"
#include "grants/grant_store.h"
#include "larder/status.h"
#include "larder/texts.h"
#include "orders/order.h"
#include "orders/random.h"

namespace larder::grants {

struct Command {  // larder/v1/vehicle/<vehicle>/command
  std::string vehicle;
  std::string command;                  // "unlock_trunk" | "lock"
  std::optional<std::string> grant_id;  // set for unlock_trunk
};

struct Event {  // larder/v1/event; the caller stamps ts
  std::string kind;  // grant_issued, grant_refused, trunk_unlocked, trunk_relocked,
                     // trunk_not_locked, access_revoked
  std::string text;
  std::string order_id;
  std::string vehicle;
};

struct Effects {
  std::vector<Command> commands;
  std::vector<Event> events;
  std::vector<std::string> delivered_by_trunk;  // order ids: the trunk relocked after a use
  Status store_error;                           // the first save or append that failed
};

struct VehicleNow {
  delivery::GeoPoint at;
  double accuracy_m = 0;
  bool moving = false;
  double ts = 0;  // when the position was taken
};

struct GrantOptions {
  int max_wrong_codes = 5;
  double lock_timeout_s = 120;
  double car_max_age_s = 900;            // an older position is no position
  std::size_t max_pending_audit = 10000;  // audit entries kept while the store refuses
  double forget_ended_s = 90 * 86400.0;   // an order's last grant, this long after it ended
  double forget_every_s = 600;            // how often forget_ended() looks
  double forget_retry_s = 6 * 3600.0;     // the next look after a refused delete
  std::size_t max_forget = 1000;          // grants forgotten per look, at most
  std::string locale = "en-GB";           // household.locale: the words of the events
};

enum class Verdict {
  ok,
  no_grant,          // no grant for the order
  wrong_code,
  locked_out,        // revoked after too many wrong codes
  outside_window,
  car_unknown,       // no position, or a stale one
  car_moving,
  car_not_in_place,
  already_used,      // the code was used: the trunk opens once
  revoked,
  unavailable,       // the hub could not record the use (store error): try again later
};
std::string_view verdict_name(Verdict v);

struct AuditReport {
  std::vector<AuditEntry> entries;  // the page asked for, oldest first
  AuditCheck check;                 // of the whole chain, and of its end against this hub
  std::size_t pending = 0;          // entries still waiting for the store
};

class GrantBook {
 public:
  // How far before its unlock an `open` or `closed` may be stamped and still be taken for
  // the grant: a car's clock a little behind the hub's.
  static constexpr double kTrunkSkewS = 5.0;

  GrantBook(GrantStore& store, orders::Random& random, GrantCrypto& crypto,
            GrantOptions options = {});

  // Loads the grants and the head of the audit chain. On an error nothing changes. A
  // second live grant of one order (a crash between saving a new grant and revoking the
  // old one) is revoked as replanned.
  Status restore();

  struct Issued {
    std::string grant_id;
    std::string code;  // hand it to the carrier, then forget it
  };
  // Refused, with nothing changed: an invalid order or vehicle id, an empty or ended
  // window, an invalid place, no randomness, a store that cannot commit.
  Result<Issued> issue(const std::string& order_id, const std::string& vehicle,
                       orders::Window window, const delivery::Place& place, double now,
                       Effects& fx);

  struct Check {
    Verdict verdict = Verdict::no_grant;
    const Grant* grant = nullptr;  // the grant checked; valid until the next change
  };
  // GET: the code and the window only; an ok view is not audited.
  Check view(const std::string& order_id, std::string_view code, double now, Effects& fx);
  // POST .../unlock. `car` is the newest position of the grant's vehicle (newest() says
  // which vehicle that is), or nullopt when none is known.
  Check unlock(const std::string& order_id, std::string_view code, double now,
               const std::optional<VehicleNow>& car, Effects& fx);

  // The vehicle's trunk report: "open", "closed" or "locked" (anything else is ignored).
  // `ts`: when the report was taken (the device's stamp, else its arrival); `now`: the
  // hub's clock.
  void on_trunk(const std::string& vehicle, std::string_view state, double ts, double now,
                Effects& fx);
  void on_location(const std::string& vehicle, const VehicleNow& car, double now,
                   Effects& fx);
  void tick(double now, Effects& fx);
  // Forgets the ended grants above; does something at most once every forget_every_s (a
  // clock set back by more than that looks at once).
  // `order_open(order_id)`: the order is not finished yet. A store that refuses the delete
  // keeps them all (Effects::store_error), for the next time.
  void forget_ended(double now, const std::function<bool(const std::string&)>& order_open,
                    Effects& fx);
  // Revokes the order's live grant with `reason` (a valid_reason()); false when there is
  // none or the reason is unknown (nothing changes then).
  bool revoke(const std::string& order_id, const std::string& reason, double now,
              Effects& fx);
  // The retailer confirmed it has the code of grant `grant_id`: saved (Grant::handed). False
  // when that grant is not the order's live one (it was replaced or ended meanwhile).
  bool handed(const std::string& order_id, const std::string& grant_id, Effects& fx);

  const Grant* live(const std::string& order_id) const;
  // The live grant, or else the most recently issued one; nullptr when none.
  const Grant* newest(const std::string& order_id) const;
  std::vector<Grant> all() const;  // oldest first
  // Grant changes and audit entries the store has not taken yet (retried at tick()).
  std::size_t unsaved() const { return dirty_.size() + audit_.pending(); }

  // Entries with seq > after_seq (at most `limit`), and the verification of the whole
  // chain as stored, including that it ends where this book last appended.
  Result<AuditReport> audit(std::int64_t after_seq = 0, std::size_t limit = 1000) const;

 private:
  Grant* newest_mut(const std::string& order_id);
  // The checks view() and unlock() share; *out is the grant checked (nullptr if none).
  Check admit(const std::string& order_id, std::string_view code, double now, Effects& fx,
              Grant** out);
  Check refuse(Verdict v, Grant* g, const std::string& order_id, double now, Effects& fx);
  // Saves `updated` and takes it only when the store committed it.
  bool commit(Grant& g, Grant updated, Effects& fx);
  // Saves g as it is; a failure keeps the change in memory and retries it at tick().
  void save(Grant& g, Effects& fx);
  void record(const char* event, const Grant* g, const std::string& order_id,
              std::string detail, double now, Effects& fx);
  void flush_dirty(Effects& fx);
  // Revokes a live grant: audit, access_revoked, and a lock when its trunk is in use (and
  // not `locked` already).
  void end(Grant& g, std::string_view why, double now, Effects& fx, bool locked = false);
  // The trunk locked after g's unlock: revoked (relocked), trunk_relocked and, if it was
  // opened for g, delivered_by_trunk. `latest`: g's unlock was the trunk's last one; an
  // older grant never opened for itself just dies (access_revoked, relocked).
  void relocked(Grant& g, bool latest, double now, Effects& fx);
  void send_lock(Grant& g, double now, Effects& fx);
  static void fail(Effects& fx, const Status& s);

  GrantStore& store_;
  orders::Random& random_;
  GrantCrypto& crypto_;
  GrantOptions o_;
  const Texts& texts_;  // o_.locale's words for the events
  std::map<std::string, Grant> grants_;  // by id
  std::set<std::string> dirty_;          // ids whose last save failed
  double next_forget_ = 0;               // forget_ended() looks again from then on
  AuditWriter audit_;
};

}  // namespace larder::grants
