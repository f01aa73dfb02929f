// Where grants and their audit log are kept: the port the GrantBook writes through, and
// MemoryGrantStore, its in-memory implementation for tests (and anything without a disk).
// The daemon's is open_sqlite_grant_store() (adapters/store/sqlite_grants.h).
//
// The contract every implementation keeps:
//   - save_grant() inserts or replaces the grant with that id and has committed it when it
//     returns ok; on failure nothing changed.
//   - append_audit() adds one entry and has committed it when it returns ok. The log only
//     grows: an entry's seq must be the last one's plus one and its prev_hash the last
//     one's hash (kAuditGenesis for the first); anything else is refused. Nothing updates
//     or deletes an entry.
//   - delete_grants(ids) removes those grants (ids not stored are no error), all of them in
//     one transaction: when it fails nothing changed. Only ended grants are deleted
//     (GrantBook's forgetting); the audit log keeps their story.
//   - load_audit(after_seq, limit) answers the entries with seq > after_seq, oldest first,
//     at most `limit` of them; last_audit() the newest entry, if any.
//   - load_grants() answers every grant, each read strictly (load_grant()); a stored grant
//     that does not read is an error naming it, never skipped.
//   - No code is ever stored: a Grant holds only its hash.
// Thread rule: the store belongs to the event-loop thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "grants/audit_chain.h"
#include "grants/grant.h"
#include "larder/status.h"

namespace larder::grants {

class GrantStore {
 public:
  virtual ~GrantStore() = default;
  virtual Status save_grant(const Grant& g) = 0;
  virtual Result<std::vector<Grant>> load_grants() = 0;
  virtual Status delete_grants(const std::vector<std::string>& ids) = 0;
  virtual Status append_audit(const AuditEntry& e) = 0;
  virtual Result<std::vector<AuditEntry>> load_audit(std::int64_t after_seq,
                                                     std::size_t limit) = 0;
  virtual Result<std::optional<AuditEntry>> last_audit() = 0;
};

// Keeps each grant as its JSON text (so that every load goes through load_grant(), as from
// a database) and the audit entries in a list. Outlives the GrantBooks that use it, which
// is how tests restart a book.
class MemoryGrantStore final : public GrantStore {
 public:
  Status save_grant(const Grant& g) override;
  Result<std::vector<Grant>> load_grants() override;
  Status delete_grants(const std::vector<std::string>& ids) override;
  Status append_audit(const AuditEntry& e) override;
  Result<std::vector<AuditEntry>> load_audit(std::int64_t after_seq,
                                             std::size_t limit) override;
  Result<std::optional<AuditEntry>> last_audit() override;

  // What is kept, as it is kept (tests look for codes in it).
  const std::map<std::string, std::string>& grant_texts() const { return grants_; }
  const std::vector<AuditEntry>& audit_entries() const { return audit_; }

 private:
  std::map<std::string, std::string> grants_;  // id -> grant_json text
  std::vector<AuditEntry> audit_;
};

}  // namespace larder::grants
