#include "core/config_sections.h"

namespace larder::config {

void read_forecast(Section& s, ForecastConfig& out) {
  if (auto risk = s.number("reorder_risk", Need::optional, Range{0.0, 0.5, true, false})) {
    out.reorder_risk = *risk;
  }
  if (auto wait = s.number("cancel_wait_days", Need::optional, Range{0.0, 365.0, false, false})) {
    out.cancel_wait_days = *wait;
  }
}

}  // namespace larder::config
