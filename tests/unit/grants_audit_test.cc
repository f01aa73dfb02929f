// The grant audit log's hash chain (grants/audit_chain.h) with the real OpenSSL crypto:
// a chain verifies; a changed field, a removed, added or reordered entry is found; the
// canonical line is injective; the writer keeps entries the store refused and finds a log
// cut short or rewritten behind its back.
#include <doctest/doctest.h>

#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "adapters/crypto/grant_crypto.h"
#include "grants/audit_chain.h"
#include "grants/grant_store.h"

using namespace larder;
using namespace larder::grants;

namespace {

constexpr double kT0 = 1767571200;  // 2026-01-05 00:00 UTC

std::vector<AuditEntry> make_chain(GrantCrypto& crypto, int n) {
  AuditHead head;
  std::vector<AuditEntry> out;
  const char* events[] = {"issued", "refused", "used", "revoked"};
  for (int i = 0; i < n; ++i) {
    AuditEntry e;
    e.ts = kT0 + 60.25 * i;
    e.event = events[i % 4];
    e.grant_id = "0123456789abcdef0123456789abcdef";
    e.order_id = "coffee-" + std::to_string(i);
    e.vehicle = "family-car";
    e.detail = i % 4 == 1 ? "wrong_code (1 of 5)" : "detail " + std::to_string(i);
    REQUIRE(chain_next(head, e, crypto));
    out.push_back(e);
  }
  return out;
}

// A store of audit entries in a list, for the writer: it can refuse appends, or commit
// one and still answer an error (the answer lost on the way).
struct ListStore {
  std::vector<AuditEntry> list;
  bool refuse = false;
  bool commit_then_fail = false;
  AuditWriter::Append append() {
    return [this](const AuditEntry& e) {
      if (refuse) return Status::Error("disk full");
      list.push_back(e);
      return commit_then_fail ? Status::Error("I/O error after commit") : Status::Ok();
    };
  }
  AuditWriter::Last last() {
    return [this]() -> Result<std::optional<AuditEntry>> {
      if (list.empty()) return std::optional<AuditEntry>();
      return std::optional<AuditEntry>(list.back());
    };
  }
  AuditPageLoader loader() {
    return [this](std::int64_t after, std::size_t limit) -> Result<std::vector<AuditEntry>> {
      std::vector<AuditEntry> page;
      for (const AuditEntry& e : list) {
        if (e.seq > after && page.size() < limit) page.push_back(e);
      }
      return page;
    };
  }
};

AuditEntry entry(const std::string& event, const std::string& order) {
  AuditEntry e;
  e.ts = kT0;
  e.event = event;
  e.order_id = order;
  e.detail = "no_grant";
  return e;
}

}  // namespace

TEST_CASE("OpenSSL crypto: SHA-256 known answers and constant-time equality") {
  OpenSslGrantCrypto c;
  CHECK(c.sha256_hex("abc") ==
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  CHECK(c.sha256_hex("") ==
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  CHECK(c.equal("same", "same"));
  CHECK_FALSE(c.equal("same", "samE"));
  CHECK_FALSE(c.equal("same", "same!"));  // different lengths
  CHECK_FALSE(c.equal("", "x"));
  CHECK(c.equal("", ""));
}

TEST_CASE("a chain of entries verifies and links each to the one before") {
  OpenSslGrantCrypto c;
  auto chain = make_chain(c, 6);
  CHECK(chain.front().seq == 1);
  CHECK(chain.front().prev_hash == kAuditGenesis);
  CHECK(kAuditGenesis == std::string(64, '0'));
  for (std::size_t i = 1; i < chain.size(); ++i) {
    CHECK(chain[i].seq == chain[i - 1].seq + 1);
    CHECK(chain[i].prev_hash == chain[i - 1].hash);
    CHECK(valid_hash(chain[i].hash));
  }
  AuditCheck ok = verify_audit(chain, c);
  CHECK(ok.ok);
  CHECK(ok.checked == 6);
  CHECK_FALSE(ok.first_bad_seq);
  CHECK(ok.what.empty());
  CHECK(verify_audit({}, c).ok);

  // A page verifies from the entry before it; not from the genesis.
  std::vector<AuditEntry> page(chain.begin() + 3, chain.end());
  CHECK(verify_audit(page, c, AuditHead{chain[2].seq, chain[2].hash}).ok);
  CHECK_FALSE(verify_audit(page, c).ok);
}

TEST_CASE("changing any field of any entry is detected at that entry") {
  OpenSslGrantCrypto c;
  const auto chain = make_chain(c, 5);
  using Change = std::function<void(AuditEntry&)>;
  const std::vector<std::pair<const char*, Change>> changes = {
      {"ts", [](AuditEntry& e) { e.ts += 1e-6; }},
      {"event", [](AuditEntry& e) { e.event = e.event == "used" ? "refused" : "used"; }},
      {"grant_id", [](AuditEntry& e) { e.grant_id[0] = 'f'; }},
      {"order_id", [](AuditEntry& e) { e.order_id += "x"; }},
      {"vehicle", [](AuditEntry& e) { e.vehicle = "other-car"; }},
      {"detail", [](AuditEntry& e) { e.detail = "ok"; }},
      {"prev_hash", [](AuditEntry& e) { e.prev_hash[10] = e.prev_hash[10] == 'a' ? 'b' : 'a'; }},
      {"hash", [](AuditEntry& e) { e.hash[63] = e.hash[63] == '0' ? '1' : '0'; }},
  };
  for (const auto& [field, change] : changes) {
    for (std::size_t at = 0; at < chain.size(); ++at) {
      CAPTURE(field);
      CAPTURE(at);
      auto tampered = chain;
      change(tampered[at]);
      AuditCheck r = verify_audit(tampered, c);
      CHECK_FALSE(r.ok);
      CHECK(r.checked == at);
      REQUIRE(r.first_bad_seq);
      CHECK(*r.first_bad_seq == chain[at].seq);
      CHECK_FALSE(r.what.empty());
    }
  }
  // The seq itself: the entry no longer follows the one before.
  auto renumbered = chain;
  renumbered[2].seq = 30;
  AuditCheck r = verify_audit(renumbered, c);
  CHECK_FALSE(r.ok);
  CHECK(r.first_bad_seq == std::optional<std::int64_t>(30));
  CHECK(r.what.find("expected seq 3") != std::string::npos);

  // Rehashing the changed entry alone does not help: the next one no longer links to it.
  auto rehashed = chain;
  rehashed[1].detail = "ok";
  rehashed[1].hash = audit_hash(rehashed[1], c);
  r = verify_audit(rehashed, c);
  CHECK_FALSE(r.ok);
  CHECK(r.first_bad_seq == std::optional<std::int64_t>(3));
}

TEST_CASE("deleting, inserting or reordering entries is detected") {
  OpenSslGrantCrypto c;
  const auto chain = make_chain(c, 5);

  auto deleted = chain;
  deleted.erase(deleted.begin() + 2);  // seq 3
  AuditCheck r = verify_audit(deleted, c);
  CHECK_FALSE(r.ok);
  CHECK(r.first_bad_seq == std::optional<std::int64_t>(4));
  CHECK(r.checked == 2);

  auto first_gone = chain;
  first_gone.erase(first_gone.begin());
  r = verify_audit(first_gone, c);
  CHECK_FALSE(r.ok);
  CHECK(r.first_bad_seq == std::optional<std::int64_t>(2));

  auto swapped = chain;
  std::swap(swapped[1], swapped[2]);
  r = verify_audit(swapped, c);
  CHECK_FALSE(r.ok);
  CHECK(r.first_bad_seq == std::optional<std::int64_t>(3));

  auto duplicated = chain;
  duplicated.insert(duplicated.begin() + 2, chain[1]);
  CHECK_FALSE(verify_audit(duplicated, c).ok);

  // A forged entry with a right hash, slipped in between: the numbering breaks after it.
  auto forged = chain;
  AuditEntry f = chain[2];
  f.detail = "forged";
  f.prev_hash = chain[1].hash;
  f.seq = 3;
  f.hash = audit_hash(f, c);
  forged.insert(forged.begin() + 2, f);
  r = verify_audit(forged, c);
  CHECK_FALSE(r.ok);
  CHECK(r.first_bad_seq == std::optional<std::int64_t>(3));
  CHECK(r.checked == 3);  // 1, 2 and the forged 3 verify; the real 3 does not follow it
}

TEST_CASE("the canonical line is injective and the time exact") {
  OpenSslGrantCrypto c;
  AuditEntry a;
  a.seq = 1;
  a.ts = 1.5;
  a.event = "refused";
  a.grant_id = "ab";
  AuditEntry b = a;
  b.grant_id = "a";
  b.order_id = "b";  // the same characters, another split between the fields
  CHECK(audit_canonical(a) != audit_canonical(b));
  AuditEntry d = a;
  d.grant_id = "";
  d.detail = "2:ab 0: 0:";  // text that looks like the framing
  CHECK(audit_canonical(a) != audit_canonical(d));
  AuditEntry t = a;
  t.ts = 1.5000000000000002;  // the next double
  CHECK(audit_canonical(a) != audit_canonical(t));
  CHECK(audit_canonical(a) == audit_canonical(AuditEntry(a)));
  CHECK(audit_canonical(a).find("larder-audit-v1") == 0);

  a.prev_hash = kAuditGenesis;
  b.prev_hash = kAuditGenesis;
  CHECK(audit_hash(a, c) != audit_hash(b, c));
  CHECK(audit_hash(a, c) == c.sha256_hex(kAuditGenesis + "\n" + audit_canonical(a)));
}

TEST_CASE("the writer keeps what the store refused and stores it later in order") {
  OpenSslGrantCrypto c;
  ListStore s;
  AuditWriter w(s.append(), s.last(), c, 3);
  REQUIRE(w.restore().ok());
  CHECK(w.append(entry("refused", "a")).ok());
  s.refuse = true;
  CHECK_FALSE(w.append(entry("refused", "b")).ok());
  CHECK_FALSE(w.append(entry("refused", "c")).ok());
  CHECK(w.pending() == 2);
  CHECK(s.list.size() == 1);
  CHECK_FALSE(w.flush().ok());
  s.refuse = false;
  CHECK(w.flush().ok());
  CHECK(w.pending() == 0);
  REQUIRE(s.list.size() == 3);
  CHECK(s.list[1].order_id == "b");
  CHECK(s.list[2].order_id == "c");
  CHECK(verify_audit(s.list, c).ok);
  CHECK(w.stored().seq == 3);

  // Full: a further entry is dropped before it is chained, so the chain stays whole.
  s.refuse = true;
  for (const char* o : {"d", "e", "f"}) CHECK_FALSE(w.append(entry("refused", o)).ok());
  Status dropped = w.append(entry("refused", "g"));
  CHECK(dropped.message().find("dropped") != std::string::npos);
  CHECK(w.pending() == 3);
  s.refuse = false;
  CHECK(w.flush().ok());
  CHECK(s.list.size() == 6);
  CHECK(s.list.back().order_id == "f");
  CHECK(verify_audit(s.list, c).ok);

  // The store committed and only its answer failed: the entry counts as taken.
  s.commit_then_fail = true;
  CHECK(w.append(entry("refused", "h")).ok());
  s.commit_then_fail = false;
  CHECK(w.pending() == 0);
  CHECK(s.list.size() == 7);
  CHECK(w.append(entry("refused", "i")).ok());
  CHECK(verify_audit(s.list, c).ok);
}

TEST_CASE("a log cut short or rewritten behind the writer's back is found") {
  OpenSslGrantCrypto c;
  ListStore s;
  AuditWriter w(s.append(), s.last(), c, 100);
  REQUIRE(w.restore().ok());
  for (const char* o : {"a", "b", "c", "d"}) REQUIRE(w.append(entry("refused", o)).ok());
  std::vector<std::int64_t> seen;
  auto scan = scan_audit(s.loader(), c, [&](const AuditEntry& e) { seen.push_back(e.seq); });
  REQUIRE(scan.ok());
  w.check_end(*scan);
  CHECK(scan->check.ok);
  CHECK(scan->check.checked == 4);
  CHECK(seen == std::vector<std::int64_t>{1, 2, 3, 4});

  // The last entry removed: the chain alone still verifies; the writer knows better.
  ListStore cut = s;
  cut.list.pop_back();
  scan = scan_audit(cut.loader(), c, [](const AuditEntry&) {});
  REQUIRE(scan.ok());
  CHECK(scan->check.ok);
  w.check_end(*scan);
  CHECK_FALSE(scan->check.ok);
  CHECK(scan->check.first_bad_seq == std::optional<std::int64_t>(4));

  // Entry 3 changed and everything from it rehashed: consistent, but not what was stored.
  ListStore rewritten = s;
  rewritten.list[2].detail = "ok";
  AuditHead head{2, rewritten.list[1].hash};
  for (std::size_t i = 2; i < rewritten.list.size(); ++i) {
    REQUIRE(chain_next(head, rewritten.list[i], c));
  }
  scan = scan_audit(rewritten.loader(), c, [](const AuditEntry&) {});
  REQUIRE(scan.ok());
  CHECK(scan->check.ok);
  w.check_end(*scan);
  CHECK_FALSE(scan->check.ok);
  CHECK(scan->check.what.find("another hash") != std::string::npos);

  // A page that cannot be read is an error, not a verdict.
  AuditPageLoader broken = [](std::int64_t, std::size_t) -> Result<std::vector<AuditEntry>> {
    return Status::Error("disk gone");
  };
  CHECK_FALSE(scan_audit(broken, c, [](const AuditEntry&) {}).ok());
}

TEST_CASE("the memory store takes only the entry that follows the last") {
  OpenSslGrantCrypto c;
  MemoryGrantStore store;
  auto chain = make_chain(c, 3);
  CHECK_FALSE(store.append_audit(chain[1]).ok());  // not first
  REQUIRE(store.append_audit(chain[0]).ok());
  CHECK_FALSE(store.append_audit(chain[0]).ok());  // again
  CHECK_FALSE(store.append_audit(chain[2]).ok());  // a gap
  AuditEntry bad = chain[1];
  bad.prev_hash = kAuditGenesis;
  CHECK_FALSE(store.append_audit(bad).ok());
  REQUIRE(store.append_audit(chain[1]).ok());
  REQUIRE(store.append_audit(chain[2]).ok());
  auto page = store.load_audit(1, 10);
  REQUIRE(page.ok());
  REQUIRE(page->size() == 2);
  CHECK(page->front().seq == 2);
  CHECK(store.load_audit(0, 1)->size() == 1);
  auto last = store.last_audit();
  REQUIRE(last.ok());
  REQUIRE(last->has_value());
  CHECK((*last)->hash == chain[2].hash);
}
