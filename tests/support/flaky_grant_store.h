// The in-memory grant store (grants/grant_store.h) with switches that make it fail as a
// locked or read-only database would: its audit log unreadable, its deletes refused.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "grants/grant_store.h"

namespace larder::test {

class FlakyGrantStore final : public grants::GrantStore {
 public:
  bool fail_reads = false;    // load_audit answers "database is locked"
  bool fail_deletes = false;  // delete_grants answers "database is locked"

  Status save_grant(const grants::Grant& g) override { return store_.save_grant(g); }
  Result<std::vector<grants::Grant>> load_grants() override { return store_.load_grants(); }
  Status delete_grants(const std::vector<std::string>& ids) override {
    if (fail_deletes) return Status::Error("database is locked");
    return store_.delete_grants(ids);
  }
  Status append_audit(const grants::AuditEntry& e) override { return store_.append_audit(e); }
  Result<std::vector<grants::AuditEntry>> load_audit(std::int64_t after_seq,
                                                     std::size_t limit) override {
    if (fail_reads) return Status::Error("database is locked");
    return store_.load_audit(after_seq, limit);
  }
  Result<std::optional<grants::AuditEntry>> last_audit() override {
    return store_.last_audit();
  }
  // What is kept, as it is kept.
  const grants::MemoryGrantStore& memory() const { return store_; }

 private:
  grants::MemoryGrantStore store_;
};

}  // namespace larder::test
