#include "grants/grant_store.h"

namespace larder::grants {

Status MemoryGrantStore::save_grant(const Grant& g) {
  if (g.id.empty()) return Status::Error("grant store: a grant without an id");
  grants_[g.id] = grant_json(g).dump();
  return Status::Ok();
}

Result<std::vector<Grant>> MemoryGrantStore::load_grants() {
  std::vector<Grant> out;
  for (const auto& [id, text] : grants_) {
    auto j = nlohmann::json::parse(text, nullptr, false);
    auto g = load_grant(j);
    if (!g.ok()) {
      return Status::Error("grant store: grant " + id + " does not read: " +
                           g.status().message());
    }
    out.push_back(std::move(g.value()));
  }
  return out;
}

Status MemoryGrantStore::delete_grants(const std::vector<std::string>& ids) {
  for (const std::string& id : ids) grants_.erase(id);
  return Status::Ok();
}

Status MemoryGrantStore::append_audit(const AuditEntry& e) {
  const std::int64_t last = audit_.empty() ? 0 : audit_.back().seq;
  const std::string& prev = audit_.empty() ? kAuditGenesis : audit_.back().hash;
  if (e.seq != last + 1 || e.prev_hash != prev) {
    return Status::Error("grant store: audit entry " + std::to_string(e.seq) +
                         " does not follow entry " + std::to_string(last) +
                         " (the log is append-only)");
  }
  audit_.push_back(e);
  return Status::Ok();
}

Result<std::vector<AuditEntry>> MemoryGrantStore::load_audit(std::int64_t after_seq,
                                                             std::size_t limit) {
  std::vector<AuditEntry> out;
  for (const AuditEntry& e : audit_) {
    if (out.size() >= limit) break;
    if (e.seq > after_seq) out.push_back(e);
  }
  return out;
}

Result<std::optional<AuditEntry>> MemoryGrantStore::last_audit() {
  if (audit_.empty()) return std::optional<AuditEntry>();
  return std::optional<AuditEntry>(audit_.back());
}

}  // namespace larder::grants
