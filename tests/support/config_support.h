// Helpers for tests of the configuration loader (tests/unit/config*_test.cc).
#pragma once

#include <doctest/doctest.h>

#include <string>
#include <utility>
#include <vector>

#include "larder/config.h"

namespace larder::test {

inline std::string dump(const ConfigLoad& l) {
  std::string s;
  for (const ConfigError& e : l.errors) s += e.to_string() + "\n";
  return s;
}

inline const ConfigError* find_error(const ConfigLoad& l, const std::string& key) {
  for (const ConfigError& e : l.errors) {
    if (e.key == key) return &e;
  }
  return nullptr;
}

// The error for `key` is on `line` and says `says`.
inline void expect_error(const ConfigLoad& l, int line, const std::string& key, const std::string& says) {
  INFO("errors:\n" << dump(l));
  INFO("expected " << line << ": " << key << ": ..." << says << "...");
  CHECK_FALSE(l.config.has_value());
  const ConfigError* e = find_error(l, key);
  REQUIRE(e != nullptr);
  CHECK(e->line == line);
  CHECK(e->what.find(says) != std::string::npos);
}

// Every error, as (line, key), in the order reported.
inline std::vector<std::pair<int, std::string>> where(const ConfigLoad& l) {
  std::vector<std::pair<int, std::string>> v;
  for (const ConfigError& e : l.errors) v.emplace_back(e.line, e.key);
  return v;
}

inline const std::string kAdmin = "admin-token-0123456789abcdef";
inline const std::string kRead = "read-token-0123456789abcdef";

// The smallest valid file, plus `extra` lines at the end.
inline std::string minimal(const std::string& http_extra = "", const std::string& extra = "") {
  return "mqtt:\n  url: tcp://127.0.0.1:1883\nstate_dir: /var/lib/larder\nhttp:\n  admin_token: " +
         kAdmin + "\n" + http_extra + "consumables: {}\n" + extra;
}

}  // namespace larder::test
