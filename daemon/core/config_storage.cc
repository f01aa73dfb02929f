// The `storage` section: retention of the SQLite store (docs/storage.md).
#include "core/config_sections.h"

namespace larder::config {

void read_storage(Section& s, StorageConfig& out) {
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
  if (auto dir = s.path("journal_dir", Need::optional)) out.journal_dir = *dir;
}

}  // namespace larder::config
