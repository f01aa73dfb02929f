#include "core/config_checks.h"
#include "core/config_sections.h"

namespace larder::config {

void read_household(Section& s, HouseholdConfig& out) {
  if (auto tz = s.string("timezone", Need::optional, check_timezone)) out.timezone = *tz;
  if (auto cur = s.string("currency", Need::optional, check_currency)) out.currency = *cur;
  if (auto loc = s.string("locale", Need::optional, check_locale)) out.locale = *loc;
}

}  // namespace larder::config
