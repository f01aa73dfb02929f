// Helpers for tests of the trunk access grants (tests/unit/grants_*_test.cc): a grant book
// with the real OpenSSL crypto and random source on the in-memory grant store, the home,
// the car parked or away, a delivery window, and a counting random source.
#pragma once

#include <doctest/doctest.h>

#include <cstddef>
#include <string>
#include <vector>

#include "adapters/crypto/grant_crypto.h"
#include "adapters/crypto/os_random.h"
#include "grants/grant_book.h"
#include "grants/grant_store.h"

namespace larder::test {

using namespace larder::grants;

inline constexpr double kT0 = 1767571200;  // 2026-01-05 00:00 UTC
inline const orders::Window kWindow{kT0 + 3600, kT0 + 7200};
inline constexpr double kIn = kT0 + 4000;  // inside the window
inline const delivery::Place kHome{"home", {48.1371, 11.5754}, 200};

inline VehicleNow parked(double ts, double accuracy = 10) { return {kHome.at, accuracy, false, ts}; }
inline VehicleNow away(double ts) { return {{48.1500, 11.5754}, 10, false, ts}; }  // 1.4 km north

// Bytes 0, 1, 2, ...: a known source, to see which bytes become the code.
struct CountingRandom final : orders::Random {
  unsigned char next = 0;
  std::size_t drawn = 0;
  bool broken = false;
  bool fill(unsigned char* out, std::size_t n) override {
    if (broken) return false;
    for (std::size_t i = 0; i < n; ++i) out[i] = next++;
    drawn += n;
    return true;
  }
};

struct World {
  MemoryGrantStore store;
  OsRandom random;
  OpenSslGrantCrypto crypto;
  GrantBook book{store, random, crypto};
  World() { REQUIRE(book.restore().ok()); }

  std::string issue(const std::string& order = "coffee-1", double now = kT0) {
    Effects fx;
    auto r = book.issue(order, "family-car", kWindow, kHome, now, fx);
    INFO(r.status().message());
    REQUIRE(r.ok());
    return r->code;
  }
  std::vector<AuditEntry> audit() {
    auto r = book.audit(0, 100000);
    REQUIRE(r.ok());
    INFO(r->check.what);
    CHECK(r->check.ok);
    return r->entries;
  }
  const Grant& grant(const std::string& order = "coffee-1") {
    const Grant* g = book.newest(order);
    REQUIRE(g != nullptr);
    return *g;
  }
};

inline std::vector<std::string> kinds(const Effects& fx) {
  std::vector<std::string> out;
  for (const Event& e : fx.events) out.push_back(e.kind);
  return out;
}

using Kinds = std::vector<std::string>;

}  // namespace larder::test
