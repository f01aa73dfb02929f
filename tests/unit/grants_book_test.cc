// The trunk access grants (grants/grant_book.h) through their interface, with the real
// OpenSSL crypto and random source and the in-memory grant store: issuing, every refusal,
// the window and the car, revocation, a restart, and that the code is never kept or told
// anywhere. The trunk's way from unlock to relock is in grants_trunk_test.cc.
#include <doctest/doctest.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "support/flaky_grant_store.h"
#include "support/grant_world.h"

using namespace larder;
using namespace larder::grants;
using namespace larder::test;

TEST_CASE("issue: a 160-bit base64url code, answered once, kept only as its hash") {
  CountingRandom rnd;
  MemoryGrantStore store;
  OpenSslGrantCrypto crypto;
  GrantBook book(store, rnd, crypto);
  REQUIRE(book.restore().ok());
  Effects fx;
  auto r = book.issue("coffee-1", "family-car", kWindow, kHome, kT0, fx);
  REQUIRE(r.ok());
  CHECK(rnd.drawn == 36);  // 16 bytes of id, 20 of code
  CHECK(r->grant_id == "000102030405060708090a0b0c0d0e0f");
  std::string raw;
  for (int b = 16; b < 36; ++b) raw += static_cast<char>(b);
  CHECK(r->code == base64url(raw));
  CHECK(r->code.size() == kCodeChars);
  CHECK(base64url(std::string(20, '\xff')) == std::string(26, '_') + "8");
  CHECK(base64url("\xfb\xff") == "-_8");
  CHECK(base64url("abc") == "YWJj");

  const Grant* g = book.live("coffee-1");
  REQUIRE(g);
  CHECK(g->id == r->grant_id);
  CHECK(g->code_hash == crypto.sha256_hex(r->code));
  CHECK(g->state == State::issued);
  CHECK(g->vehicle == "family-car");
  CHECK(g->window.start == kWindow.start);
  CHECK(g->place.name == "home");
  REQUIRE(store.grant_texts().size() == 1);
  const std::string& kept = store.grant_texts().begin()->second;
  CHECK(kept.find(g->code_hash) != std::string::npos);
  CHECK(kept.find(r->code) == std::string::npos);
  CHECK(kinds(fx) == Kinds{"grant_issued"});
  CHECK(fx.commands.empty());
  CHECK(fx.store_error.ok());
  REQUIRE(store.audit_entries().size() == 1);
  CHECK(store.audit_entries()[0].event == "issued");
  CHECK(store.audit_entries()[0].grant_id == g->id);

  // Codes from the real source differ, and use only the base64url alphabet.
  World w;
  const std::string a = w.issue("tea-1"), b = w.issue("milk-1");
  CHECK(a != b);
  for (char ch : a + b) {
    CHECK(((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
           ch == '-' || ch == '_'));
  }
}

TEST_CASE("issue refuses bad terms and a broken random source, and changes nothing") {
  CountingRandom rnd;
  MemoryGrantStore store;
  OpenSslGrantCrypto crypto;
  GrantBook book(store, rnd, crypto);
  REQUIRE(book.restore().ok());
  struct Bad {
    const char* what;
    std::string order, vehicle;
    orders::Window window;
    delivery::Place place;
    double now;
  };
  const std::vector<Bad> bad = {
      {"order id", "Coffee 1", "family-car", kWindow, kHome, kT0},
      {"vehicle id", "coffee-1", "", kWindow, kHome, kT0},
      {"empty window", "coffee-1", "family-car", {kT0 + 10, kT0 + 10}, kHome, kT0},
      {"window ended", "coffee-1", "family-car", kWindow, kHome, kWindow.end},
      {"no place", "coffee-1", "family-car", kWindow, {"x", {91, 0}, 200}, kT0},
      {"no radius", "coffee-1", "family-car", kWindow, {"x", kHome.at, 0}, kT0},
  };
  for (const Bad& b : bad) {
    CAPTURE(b.what);
    Effects fx;
    auto r = book.issue(b.order, b.vehicle, b.window, b.place, b.now, fx);
    CHECK_FALSE(r.ok());
    CHECK_FALSE(r.status().message().empty());
    CHECK(fx.events.empty());
  }
  rnd.broken = true;
  Effects fx;
  auto r = book.issue("coffee-1", "family-car", kWindow, kHome, kT0, fx);
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().message().find("randomness") != std::string::npos);
  CHECK(book.all().empty());
  CHECK(store.grant_texts().empty());
  CHECK(store.audit_entries().empty());
  CHECK(fx.events.empty());
}

TEST_CASE("the user revokes, a new grant replaces the old one, no grant is no grant") {
  World w;
  const std::string code = w.issue();
  Effects fx;
  CHECK_FALSE(w.book.revoke("coffee-1", "because", kT0 + 10, fx));  // not a reason
  CHECK_FALSE(w.book.revoke("tea-9", "user", kT0 + 10, fx));
  CHECK(fx.events.empty());
  CHECK(w.book.revoke("coffee-1", "user", kT0 + 10, fx));
  CHECK(w.grant().end_reason == "user");
  CHECK(kinds(fx) == Kinds{"access_revoked"});
  CHECK(fx.events[0].text.find("household") != std::string::npos);
  CHECK_FALSE(w.book.revoke("coffee-1", "user", kT0 + 11, fx));
  CHECK(w.book.unlock("coffee-1", code, kIn, parked(kIn), fx).verdict == Verdict::revoked);

  // A new grant for the order: the old code is just a wrong code now.
  const std::string first = w.issue("tea-1");
  Effects re;
  auto second = w.book.issue("tea-1", "family-car", kWindow, kHome, kT0 + 20, re);
  REQUIRE(second.ok());
  CHECK(kinds(re) == Kinds{"access_revoked", "grant_issued"});
  CHECK(w.book.all().size() == 3);
  CHECK(w.book.live("tea-1")->id == second->grant_id);
  CHECK(w.book.view("tea-1", first, kIn, re).verdict == Verdict::wrong_code);
  CHECK(w.book.view("tea-1", second->code, kIn, re).verdict == Verdict::ok);

  // Revoked while the trunk is open: it is told to lock.
  Effects open;
  REQUIRE(w.book.unlock("tea-1", second->code, kIn, parked(kIn), open).verdict == Verdict::ok);
  CHECK(w.book.revoke("tea-1", "order_cancelled", kIn + 5, open));
  REQUIRE(open.commands.size() == 2);
  CHECK(open.commands[1].command == "lock");

  // Requests about no grant, or about one that has ended, need no credentials: anyone
  // could grow the append-only log without end, so they are not audited (an audit,
  // 2026-12-05). The refusals of a live grant are, bounded by its lockout and its life.
  Effects none;
  const std::size_t audited = w.store.audit_entries().size();
  CHECK(w.book.unlock("milk-1", "anything", kIn, parked(kIn), none).verdict == Verdict::no_grant);
  CHECK(w.book.view("../etc", "anything", kIn, none).verdict == Verdict::no_grant);
  for (int i = 0; i < 50; ++i) {
    CHECK(w.book.view("tea-1", "guess-" + std::to_string(i), kIn + 10, none).verdict ==
          Verdict::wrong_code);
    CHECK(w.book.view("tea-1", second->code, kIn + 10, none).verdict != Verdict::ok);
  }
  CHECK(none.events.empty());
  CHECK(w.store.audit_entries().size() == audited);
  w.audit();
}

TEST_CASE("a restart restores the grants, the counted wrong codes and the chain") {
  MemoryGrantStore store;
  OsRandom random;
  OpenSslGrantCrypto crypto;
  std::string code;
  {
    GrantBook book(store, random, crypto);
    REQUIRE(book.restore().ok());
    Effects fx;
    auto r = book.issue("coffee-1", "family-car", kWindow, kHome, kT0, fx);
    REQUIRE(r.ok());
    code = r->code;
    CHECK(book.view("coffee-1", "wrong", kIn, fx).verdict == Verdict::wrong_code);
    CHECK(book.view("coffee-1", "wrong", kIn, fx).verdict == Verdict::wrong_code);
  }
  GrantBook book(store, random, crypto);
  REQUIRE(book.restore().ok());
  const Grant* g = book.live("coffee-1");
  REQUIRE(g);
  CHECK(g->wrong_codes == 2);
  CHECK(g->code_hash == crypto.sha256_hex(code));
  Effects fx;
  for (int i = 0; i < 3; ++i) book.view("coffee-1", "wrong", kIn, fx);
  CHECK(book.live("coffee-1") == nullptr);  // 2 + 3 = 5: locked out across the restart
  CHECK(book.unlock("coffee-1", code, kIn, parked(kIn), fx).verdict == Verdict::locked_out);
  auto log = book.audit();
  REQUIRE(log.ok());
  CHECK(log->check.ok);
  CHECK(log->entries.size() == 7);  // issued, 5 refused, revoked (the locked-out ask: not)
  CHECK(log->pending == 0);
}

TEST_CASE("the code appears in no effect, event, audit entry, error or stored grant") {
  World w;
  std::vector<std::string> seen;
  auto collect = [&](const Effects& fx) {
    for (const Command& c : fx.commands) {
      seen.push_back(c.vehicle + c.command + c.grant_id.value_or(""));
    }
    for (const Event& e : fx.events) seen.push_back(e.kind + e.text + e.order_id + e.vehicle);
    for (const std::string& o : fx.delivered_by_trunk) seen.push_back(o);
    seen.push_back(fx.store_error.message());
  };
  Effects fx;
  auto r = w.book.issue("coffee-1", "family-car", kWindow, kHome, kT0, fx);
  REQUIRE(r.ok());
  const std::string code = r->code;
  w.book.view("coffee-1", code, kT0, fx);                                // outside the window
  w.book.unlock("coffee-1", code.substr(0, 26), kIn, parked(kIn), fx);   // almost the code
  w.book.unlock("coffee-1", code, kIn, away(kIn), fx);
  w.book.unlock("coffee-1", code, kIn, parked(kIn), fx);
  w.book.on_trunk("family-car", "open", kIn + 1, kIn + 1, fx);
  w.book.on_trunk("family-car", "closed", kIn + 2, kIn + 2, fx);
  w.book.tick(kIn + 500, fx);
  w.book.on_trunk("family-car", "locked", kIn + 501, kIn + 501, fx);
  w.book.unlock("coffee-1", code, kIn + 600, parked(kIn), fx);
  auto again = w.book.issue("coffee-1", "family-car", {kWindow.end, kWindow.end + 60}, kHome,
                            kWindow.end + 61, fx);  // refused: its window has ended
  CHECK_FALSE(again.ok());
  seen.push_back(again.status().message());
  collect(fx);
  CHECK(fx.commands.size() == 2);  // the unlock and the lock
  for (const AuditEntry& e : w.audit()) {
    seen.push_back(std::to_string(e.seq) + e.event + e.grant_id + e.order_id + e.vehicle +
                   e.detail + e.prev_hash + e.hash);
  }
  for (const auto& [id, text] : w.store.grant_texts()) seen.push_back(id + text);
  for (const Grant& g : w.book.all()) seen.push_back(grant_json(g).dump());
  CHECK(seen.size() > 10);
  for (const std::string& s : seen) {
    CAPTURE(s);
    CHECK(s.find(code) == std::string::npos);
    CHECK(s.find(code.substr(0, 20)) == std::string::npos);  // nor most of it
  }
}

TEST_CASE("grant records read back strictly") {
  World w;
  w.issue();
  const nlohmann::json j = grant_json(w.grant());
  auto back = load_grant(j);
  REQUIRE(back.ok());
  CHECK(grant_json(*back) == j);
  const std::vector<std::pair<const char*, nlohmann::json>> bad = {
      {"id", "xyz"},
      {"order_id", "Not An Id"},
      {"code_hash", std::string(64, 'G')},
      {"state", "ajar"},
      {"wrong_codes", -1},
      {"end_reason", "lockout"},  // a live grant with a reason
      {"window", {{"start", 10}, {"end", 5}}},
      {"place", {{"name", "home"}, {"lat", 100}, {"lon", 0}, {"radius_m", 200}}},
      {"issued_at", nullptr},
  };
  for (const auto& [key, value] : bad) {
    CAPTURE(key);
    nlohmann::json broken = j;
    broken[key] = value;
    auto r = load_grant(broken);
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().message().find(key) != std::string::npos);
  }
  nlohmann::json used = j;
  used["state"] = "opened";
  CHECK_FALSE(load_grant(used).ok());  // used, yet no unlocked_at
  CHECK_FALSE(load_grant(nlohmann::json::array()).ok());
  nlohmann::json not_flag = j;
  not_flag["handed"] = "yes";
  CHECK_FALSE(load_grant(not_flag).ok());
  // A grant stored before "handed" existed: its code went to the retailer as far as anyone
  // knows, so it is not replaced after an upgrade.
  nlohmann::json legacy = j;
  legacy.erase("handed");
  REQUIRE(load_grant(legacy).ok());
  CHECK(load_grant(legacy)->handed);
}

TEST_CASE("handed: the retailer's yes is saved for the order's live grant only") {
  MemoryGrantStore store;
  OsRandom random;
  OpenSslGrantCrypto crypto;
  std::string first;
  {
    GrantBook book(store, random, crypto);
    REQUIRE(book.restore().ok());
    Effects fx;
    auto r = book.issue("coffee-1", "family-car", kWindow, kHome, kT0, fx);
    REQUIRE(r.ok());
    first = r->grant_id;
    CHECK_FALSE(book.live("coffee-1")->handed);
    CHECK_FALSE(book.handed("pods-1", first, fx));  // another order's
    CHECK_FALSE(book.handed("coffee-1", "0123456789abcdef0123456789abcdef", fx));
    CHECK(book.handed("coffee-1", first, fx));
    CHECK(book.live("coffee-1")->handed);
  }
  GrantBook book(store, random, crypto);
  REQUIRE(book.restore().ok());
  CHECK(book.live("coffee-1")->handed);  // saved
  Effects fx;
  auto second = book.issue("coffee-1", "family-car", kWindow, kHome, kT0 + 1, fx);
  REQUIRE(second.ok());
  CHECK_FALSE(book.live("coffee-1")->handed);
  CHECK_FALSE(book.handed("coffee-1", first, fx));  // replaced: its yes comes too late
  CHECK_FALSE(book.live("coffee-1")->handed);
}

TEST_CASE("ended grants are forgotten: a replaced one at once, an order's last one later") {
  FlakyGrantStore store;
  OsRandom random;
  OpenSslGrantCrypto crypto;
  GrantBook book(store, random, crypto);
  REQUIRE(book.restore().ok());
  // A retailer that refuses the code: a new grant every minute for 100 minutes.
  std::string code;
  for (int i = 0; i < 100; ++i) {
    Effects fx;
    auto r = book.issue("coffee-1", "family-car", kWindow, kHome, kT0 + 60.0 * i, fx);
    REQUIRE(r.ok());
    code = r->code;
  }
  Effects fx;
  auto tea = book.issue("tea-1", "family-car", kWindow, kHome, kT0, fx);
  REQUIRE(tea.ok());
  REQUIRE(book.revoke("tea-1", "user", kT0 + 10, fx));
  const std::size_t audited = store.memory().audit_entries().size();
  CHECK(audited == 100 + 99 + 2);  // issued 100 times, 99 replaced; tea issued, revoked
  CHECK(book.all().size() == 101);
  bool tea_open = true;  // the orders: coffee-1 goes on; tea-1 too, for now
  auto open = [&](const std::string& id) { return id == "coffee-1" || tea_open; };

  // A store that cannot delete: nothing is forgotten, and it is said.
  store.fail_deletes = true;
  Effects refused;
  book.forget_ended(kT0 + 6000, open, refused);
  CHECK_FALSE(refused.store_error.ok());
  CHECK(book.all().size() == 101);
  CHECK(store.memory().grant_texts().size() == 101);

  // After a refused delete the next look is six hours on (a read-only store would say so
  // every ten minutes); it forgets the 99 replaced grants, in memory and stored.
  store.fail_deletes = false;
  Effects later;
  book.forget_ended(kT0 + 6000 + 600, open, later);
  CHECK(book.all().size() == 101);
  book.forget_ended(kT0 + 6000 + 6 * 3600.0, open, later);
  CHECK(later.store_error.ok());
  CHECK(book.all().size() == 2);
  CHECK(store.memory().grant_texts().size() == 2);
  CHECK(store.memory().audit_entries().size() == audited);  // the audit keeps their story
  CHECK(book.view("coffee-1", code, kIn, later).verdict == Verdict::ok);
  CHECK(book.live("coffee-1") != nullptr);
  // tea-1's only grant is its newest: the carrier still hears it was revoked.
  CHECK(book.view("tea-1", tea->code, kIn, later).verdict == Verdict::revoked);

  // An order's last grant goes forget_ended_s (90 days) after it ended, and only once the
  // order is over: until then it says that the household revoked the trunk access.
  const double ended = book.newest("tea-1")->updated;
  Effects fx2;
  book.tick(kWindow.end, fx2);  // coffee-1's window ends: its grant dies, still its newest
  CHECK(book.newest("coffee-1")->end_reason == "window_ended");
  book.forget_ended(ended + 89 * 86400.0, open, fx2);
  CHECK(book.newest("tea-1") != nullptr);
  book.forget_ended(ended + 90 * 86400.0, open, fx2);
  CHECK(book.newest("tea-1") != nullptr);  // its order goes on
  tea_open = false;
  book.forget_ended(ended + 91 * 86400.0, open, fx2);
  CHECK(book.newest("tea-1") == nullptr);
  CHECK(book.view("tea-1", tea->code, kIn, fx2).verdict == Verdict::no_grant);
  CHECK(book.newest("coffee-1") != nullptr);  // coffee-1 goes on
  CHECK(fx2.store_error.ok());

  // A restart reads what is left.
  GrantBook again(store, random, crypto);
  REQUIRE(again.restore().ok());
  CHECK(again.all().size() == 1);
  CHECK(again.newest("coffee-1")->end_reason == "window_ended");
}

TEST_CASE("forgetting takes at most max_forget grants a look, and a clock set back looks") {
  MemoryGrantStore store;
  OsRandom random;
  OpenSslGrantCrypto crypto;
  GrantOptions options;
  options.max_forget = 40;
  GrantBook book(store, random, crypto, options);
  REQUIRE(book.restore().ok());
  for (int i = 0; i < 100; ++i) {
    Effects fx;
    REQUIRE(book.issue("coffee-1", "family-car", kWindow, kHome, kT0 + i, fx).ok());
  }
  auto open = [](const std::string&) { return true; };
  Effects fx;
  book.forget_ended(kT0 + 200, open, fx);
  CHECK(book.all().size() == 60);
  CHECK(store.grant_texts().size() == 60);
  book.forget_ended(kT0 + 200 + 600, open, fx);
  CHECK(book.all().size() == 20);
  // The clock goes back a day: the next look is not a day away.
  book.forget_ended(kT0 - 86400, open, fx);
  CHECK(book.all().size() == 1);
  CHECK(book.live("coffee-1") != nullptr);
  CHECK(fx.store_error.ok());
}
