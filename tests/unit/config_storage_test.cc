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

TEST_CASE("storage: journal_dir must be outside state_dir, nested neither way") {
  // minimal()'s state_dir is /var/lib/larder; the file is /x/l.yaml.
  const auto with = [](const std::string& state_dir, const std::string& journal_dir) {
    std::string text = minimal("", "storage:\n  journal_dir: " + journal_dir + "\n");
    const std::string from = "state_dir: /var/lib/larder";
    text.replace(text.find(from), from.size(), "state_dir: " + state_dir);
    return parse_config(text, "/x/l.yaml");
  };
  expect_error(with("./state", "./state"), 8, "storage.journal_dir",
               "\"/x/state\" is state_dir /x/state: the journal must be outside it");
  expect_error(with("./state", "/x/state/"), 8, "storage.journal_dir", "is state_dir");
  expect_error(with("/x/state/", "./j/../state"), 8, "storage.journal_dir", "is state_dir");
  expect_error(with("./state", "./state/j"), 8, "storage.journal_dir",
               "\"/x/state/j\" is inside state_dir /x/state");
  expect_error(with("./state", "state/./a/b/"), 8, "storage.journal_dir", "is inside");
  expect_error(with("/var/lib/larder", "/var/lib"), 8, "storage.journal_dir",
               "\"/var/lib\" holds state_dir /var/lib/larder");
  expect_error(with("/var/lib/larder", "/"), 8, "storage.journal_dir", "holds state_dir");

  // Beside it, or a name that only starts alike: fine.
  for (const std::string journal : {"/run/larder", "./state-journal", "./stat", "/x/j"}) {
    ConfigLoad l = with("./state", journal);
    INFO(journal, ": ", dump(l));
    REQUIRE(l.config.has_value());
    CHECK(l.config->storage.journal_dir ==
          (journal[0] == '/' ? journal : "/x/" + journal.substr(2)));
  }
  // A state_dir that is bad already is reported alone.
  ConfigLoad bad = with("\"\"", "./state");
  CHECK(find_error(bad, "state_dir") != nullptr);
  CHECK(find_error(bad, "storage.journal_dir") == nullptr);
}
