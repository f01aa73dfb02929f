// The grant audit log as a hash chain: every entry carries the hash of the one before it,
// so that a changed, removed, inserted or reordered entry shows when the chain is verified.
//
// An entry's hash is sha256_hex(prev_hash + "\n" + audit_canonical(entry)). The canonical
// line is "larder-audit-v1" followed by, for each of seq, ts, event, grant_id, order_id,
// vehicle and detail, a space, the field's length in bytes, a colon and the field's bytes:
// the length prefixes make it injective (no two entries serialize alike, whatever their
// texts hold). seq is written in decimal; ts as the shortest decimal that reads back as
// the same double (std::to_chars: exact and independent of the locale). The first entry's
// prev_hash is 64 zeros (kAuditGenesis). seq starts at 1 and goes up by one.
//
// What the chain can and cannot show: it has no key, so it proves that the log is
// consistent with itself, not who wrote it. Whoever can write the database can rewrite the
// whole chain from some entry on, or cut entries off its end; verify() then cannot tell. A
// running GrantBook knows its head and reports a store whose last entry differs from it
// (grant_book.h, audit()). A detail never holds a code: the GrantBook writes verdicts and
// reasons there, never what a caller sent.
// Thread rule: plain values and functions; the crypto port as its owner allows.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "grants/grant.h"
#include "larder/status.h"

namespace larder::grants {

// The prev_hash of the first entry.
inline const std::string kAuditGenesis(kHashChars, '0');

struct AuditEntry {
  std::int64_t seq = 0;
  double ts = 0;
  std::string event;  // issued, used, refused, revoked
  std::string grant_id, order_id, vehicle;  // each may be empty (a refusal without a grant)
  std::string detail;                       // a verdict or a reason; never a code
  std::string prev_hash, hash;
};

bool valid_audit_event(std::string_view event);

// The line an entry's hash covers (everything but prev_hash and hash).
std::string audit_canonical(const AuditEntry& e);
// sha256_hex(e.prev_hash + "\n" + audit_canonical(e)); empty if the crypto failed.
std::string audit_hash(const AuditEntry& e, GrantCrypto& crypto);

// Where a chain (or a page of it) continues from: the last entry's seq and hash.
struct AuditHead {
  std::int64_t seq = 0;
  std::string hash = kAuditGenesis;
};

// The next entry after `head`: sets seq, prev_hash and hash. Advances `head` and returns
// true, or returns false and changes nothing when the crypto failed.
bool chain_next(AuditHead& head, AuditEntry& e, GrantCrypto& crypto);

struct AuditCheck {
  bool ok = true;
  std::size_t checked = 0;                  // entries that verified before the first bad one
  std::optional<std::int64_t> first_bad_seq;  // the seq field of the first entry that failed
  std::string what;                         // why it failed, in words; empty when ok
};

// Checks that `entries` continue `from` without a gap: each seq is the one before plus one,
// each prev_hash is the hash before it, each hash is right, each event is known and each
// ts finite. An empty list verifies.
AuditCheck verify_audit(const std::vector<AuditEntry>& entries, GrantCrypto& crypto,
                        const AuditHead& from = {});

// Answers the stored entries with seq > after_seq, oldest first, at most `limit`
// (GrantStore::load_audit).
using AuditPageLoader =
    std::function<Result<std::vector<AuditEntry>>(std::int64_t after_seq, std::size_t limit)>;

struct AuditScan {
  AuditCheck check;  // of the whole stored chain, from the genesis
  AuditHead end;     // the last entry read (seq 0 and kAuditGenesis when there is none)
};

// Reads a whole stored chain page by page, verifies it and shows every entry to `each`
// (in order; after the first bad entry too). Fails only when a page cannot be read.
Result<AuditScan> scan_audit(const AuditPageLoader& load, GrantCrypto& crypto,
                             const std::function<void(const AuditEntry&)>& each);

// Chains entries and hands them to a store, in order. An entry the store refuses stays
// queued, already chained, and goes first at the next append() or flush(); so a store that
// fails for a while loses nothing and the chain has no gap. At most max_pending entries
// wait: a further one is dropped before it is chained (its Status says so), which leaves
// the chain whole. Thread rule: the owner's thread.
class AuditWriter {
 public:
  using Append = std::function<Status(const AuditEntry&)>;
  using Last = std::function<Result<std::optional<AuditEntry>>()>;
  AuditWriter(Append append, Last last, GrantCrypto& crypto, std::size_t max_pending);

  // Continues after the store's last entry and forgets what was queued; on an error
  // nothing changes.
  Status restore();
  // Sets e's seq, prev_hash and hash, queues it and stores what is queued. The Status is
  // the store's (or the crypto's) failure; a queued entry is retried later.
  Status append(AuditEntry e);
  Status flush();
  std::size_t pending() const { return pending_.size(); }
  // The last entry the store took.
  const AuditHead& stored() const { return stored_; }
  // Compares a scan of the store with what this writer stored: entries cut off, added or
  // rewritten after its last one show as a failed check.
  void check_end(AuditScan& scan) const;

 private:
  Append append_;
  Last last_;
  GrantCrypto& crypto_;
  std::size_t max_pending_;
  AuditHead head_;    // the chain's end, queued entries included
  AuditHead stored_;  // the last entry the store took
  std::deque<AuditEntry> pending_;
};

}  // namespace larder::grants
