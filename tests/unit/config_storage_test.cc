// The `storage:` section: retention of the database (docs/configuration.md, docs/storage.md).
#include <doctest/doctest.h>

#include <string>

#include "larder/config.h"
#include "support/config_support.h"

using namespace larder;
using namespace larder::test;

namespace {

// minimal() with `storage:` on line 7 and `lines` (each indented by two) from line 8 on.
ConfigLoad with_storage(const std::string& lines) {
  return parse_config(minimal("", "storage:\n" + lines), "/x/l.yaml");
}

}  // namespace

TEST_CASE("storage: without the section the defaults hold") {
  ConfigLoad l = parse_config(minimal(), "/x/l.yaml");
  INFO(dump(l));
  REQUIRE(l.config.has_value());
  const StorageConfig& s = l.config->storage;
  CHECK(s.raw_days == 30);
  CHECK(s.downsample_minutes == 60);
  CHECK(s.max_size_mb == 1024);
  CHECK(s.maintenance_hours == 24);
  CHECK(s.maintenance_delay_minutes == 10);
}

TEST_CASE("storage: every key is read") {
  ConfigLoad l = with_storage("  raw_days: 7\n  downsample_minutes: 15\n  max_size_mb: 64\n"
                              "  maintenance_hours: 6\n  maintenance_delay_minutes: 0\n");
  INFO(dump(l));
  REQUIRE(l.config.has_value());
  const StorageConfig& s = l.config->storage;
  CHECK(s.raw_days == 7);
  CHECK(s.downsample_minutes == 15);
  CHECK(s.max_size_mb == 64);
  CHECK(s.maintenance_hours == 6);
  CHECK(s.maintenance_delay_minutes == 0);
}

TEST_CASE("storage: bad values and unknown keys are errors at their line") {
  expect_error(with_storage("  raw_days: 0\n"), 8, "storage.raw_days", "greater than 0");
  expect_error(with_storage("  raw_days: soon\n"), 8, "storage.raw_days", "number");
  expect_error(with_storage("  downsample_minutes: 0.5\n"), 8, "storage.downsample_minutes",
               "of 1 or more");
  expect_error(with_storage("  max_size_mb: 0\n"), 8, "storage.max_size_mb", "of 1 or more");
  expect_error(with_storage("  raw_days: 3\n  maintenance_hours: -1\n"), 9,
               "storage.maintenance_hours", "greater than 0");
  expect_error(with_storage("  max_size: 10\n"), 8, "storage.max_size", "unknown");
}
