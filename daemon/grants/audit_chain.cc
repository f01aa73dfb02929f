#include "grants/audit_chain.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <system_error>
#include <utility>

namespace larder::grants {

namespace {

void field(std::string& out, std::string_view value) {
  out += ' ';
  out += std::to_string(value.size());
  out += ':';
  out += value;
}

// The shortest decimal that reads back as exactly `v` (std::to_chars, locale-free).
std::string exact(double v) {
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  if (ec != std::errc()) return "?";  // not reached: 64 bytes hold any double
  return std::string(buf, end);
}

}  // namespace

bool valid_audit_event(std::string_view event) {
  return event == "issued" || event == "used" || event == "refused" || event == "revoked";
}

std::string audit_canonical(const AuditEntry& e) {
  std::string out = "larder-audit-v1";
  field(out, std::to_string(e.seq));
  field(out, exact(e.ts));
  field(out, e.event);
  field(out, e.grant_id);
  field(out, e.order_id);
  field(out, e.vehicle);
  field(out, e.detail);
  return out;
}

std::string audit_hash(const AuditEntry& e, GrantCrypto& crypto) {
  return crypto.sha256_hex(e.prev_hash + "\n" + audit_canonical(e));
}

bool chain_next(AuditHead& head, AuditEntry& e, GrantCrypto& crypto) {
  AuditEntry next = e;
  next.seq = head.seq + 1;
  next.prev_hash = head.hash;
  next.hash = audit_hash(next, crypto);
  if (!valid_hash(next.hash)) return false;
  e = std::move(next);
  head.seq = e.seq;
  head.hash = e.hash;
  return true;
}

AuditCheck verify_audit(const std::vector<AuditEntry>& entries, GrantCrypto& crypto,
                        const AuditHead& from) {
  AuditCheck c;
  AuditHead at = from;
  for (const AuditEntry& e : entries) {
    auto bad = [&](std::string what) {
      c.ok = false;
      c.first_bad_seq = e.seq;
      c.what = "entry " + std::to_string(e.seq) + ": " + std::move(what);
      return c;
    };
    if (e.seq != at.seq + 1) {
      return bad("expected seq " + std::to_string(at.seq + 1) + " after " +
                 std::to_string(at.seq) + " (an entry is missing, added or out of order)");
    }
    if (e.prev_hash != at.hash) {
      return bad("its prev_hash is not the hash of entry " + std::to_string(at.seq));
    }
    if (!valid_audit_event(e.event)) return bad("unknown event '" + e.event + "'");
    if (!std::isfinite(e.ts)) return bad("its time is not a finite number");
    const std::string want = audit_hash(e, crypto);
    if (!valid_hash(want)) return bad("its hash cannot be computed (crypto failed)");
    if (!crypto.equal(want, e.hash)) return bad("its hash does not match its content");
    at.seq = e.seq;
    at.hash = e.hash;
    ++c.checked;
  }
  return c;
}

Result<AuditScan> scan_audit(const AuditPageLoader& load, GrantCrypto& crypto,
                             const std::function<void(const AuditEntry&)>& each) {
  constexpr std::size_t kPage = 1000;
  AuditScan scan;
  AuditHead verified;
  for (;;) {
    auto page = load(scan.end.seq, kPage);
    if (!page.ok()) return page.status();
    // A page that does not move on (a store that ignores after_seq) would never end.
    if (page->empty() || page->back().seq <= scan.end.seq) break;
    if (scan.check.ok) {
      AuditCheck c = verify_audit(*page, crypto, verified);
      scan.check.checked += c.checked;
      if (c.ok) {
        verified = {page->back().seq, page->back().hash};
      } else {
        scan.check.ok = false;
        scan.check.first_bad_seq = c.first_bad_seq;
        scan.check.what = std::move(c.what);
      }
    }
    for (const AuditEntry& e : *page) each(e);
    scan.end = {page->back().seq, page->back().hash};
    if (page->size() < kPage) break;
  }
  return scan;
}

AuditWriter::AuditWriter(Append append, Last last, GrantCrypto& crypto, std::size_t max_pending)
    : append_(std::move(append)), last_(std::move(last)), crypto_(crypto),
      max_pending_(max_pending) {}

Status AuditWriter::restore() {
  auto last = last_();
  if (!last.ok()) return last.status();
  stored_ = last->has_value() ? AuditHead{(*last)->seq, (*last)->hash} : AuditHead{};
  head_ = stored_;
  pending_.clear();
  return Status::Ok();
}

Status AuditWriter::append(AuditEntry e) {
  if (pending_.size() >= max_pending_) {
    return Status::Error("grants: " + std::to_string(pending_.size()) +
                         " audit entries wait for the store; a '" + e.event + "' entry for order " +
                         e.order_id + " was dropped");
  }
  if (!chain_next(head_, e, crypto_)) {
    return Status::Error("grants: cannot hash an audit entry for order " + e.order_id);
  }
  pending_.push_back(std::move(e));
  return flush();
}

Status AuditWriter::flush() {
  while (!pending_.empty()) {
    const AuditEntry& e = pending_.front();
    if (Status s = append_(e); !s.ok()) {
      // The store may have committed it and lost only the answer: then it is its last.
      auto last = last_();
      const bool taken =
          last.ok() && last->has_value() && (*last)->seq == e.seq && (*last)->hash == e.hash;
      if (!taken) return s;
    }
    stored_ = {e.seq, e.hash};
    pending_.pop_front();
  }
  return Status::Ok();
}

void AuditWriter::check_end(AuditScan& scan) const {
  const AuditHead& end = scan.end;
  if (!scan.check.ok || (end.seq == stored_.seq && end.hash == stored_.hash)) return;
  scan.check.ok = false;
  // The first entry that is missing, extra or different.
  scan.check.first_bad_seq = std::min(end.seq, stored_.seq) + (end.seq == stored_.seq ? 0 : 1);
  scan.check.what = "the stored log ends at entry " + std::to_string(end.seq) +
                    " but this hub last stored entry " + std::to_string(stored_.seq) +
                    (end.seq == stored_.seq ? " with another hash" : "") +
                    ": entries were removed, added or rewritten";
}

}  // namespace larder::grants
