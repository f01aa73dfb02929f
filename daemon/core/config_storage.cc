// The `storage` section: retention of the SQLite store (docs/storage.md).
#include <filesystem>
#include <string>

#include "core/config_sections.h"

namespace larder::config {
namespace {

// Whether the folder `inner` is `outer` or inside it. Both absolute and lexically
// normalised (ConfigReader::resolve); a trailing '/' makes no difference.
bool within(const std::filesystem::path& inner, const std::filesystem::path& outer) {
  auto i = inner.begin();
  for (const auto& part : outer) {
    if (part.empty()) continue;  // the trailing '/' of "/var/lib/larder/"
    if (i == inner.end() || *i != part) return false;
    ++i;
  }
  return true;
}

}  // namespace

void read_storage(Section& s, StorageConfig& out, const std::string& state_dir) {
  if (auto v = s.number("raw_days", Need::optional, Range{0.0, 3650.0, true, false})) {
    out.raw_days = *v;
  }
  if (auto v = s.number("downsample_minutes", Need::optional, Range{1.0, 1440.0, false, false})) {
    out.downsample_minutes = *v;
  }
  if (auto v = s.number("max_size_mb", Need::optional, Range{1.0, 1048576.0, false, false})) {
    out.max_size_mb = *v;
  }
  if (auto v = s.number("maintenance_hours", Need::optional, Range{0.0, 168.0, true, false})) {
    out.maintenance_hours = *v;
  }
  if (auto v = s.number("maintenance_delay_minutes", Need::optional,
                        Range{0.0, 1440.0, false, false})) {
    out.maintenance_delay_minutes = *v;
  }
  if (auto dir = s.path("journal_dir", Need::optional)) {
    // The journal is what waits while the state directory's disk is full or read-only
    // (docs/faults.md): in or around that directory it would fail with it. Compared as
    // written (both made absolute and lexically normalised), not through symbolic links.
    if (!state_dir.empty()) {
      const bool inside = within(*dir, state_dir), around = within(state_dir, *dir);
      if (inside || around) {
        s.error("journal_dir",
                "\"" + *dir + "\" " +
                    (inside && around ? "is"
                     : inside         ? "is inside"
                                      : "holds") +
                    " state_dir " + state_dir +
                    ": the journal must be outside it, since it keeps what waits while the "
                    "state directory's disk is full or read-only");
        return;
      }
    }
    out.journal_dir = *dir;
  }
}

}  // namespace larder::config
