// The `orders:` section (docs/orders.md): undo windows, the voice question, the budget and
// the order limit, combining, and the timings of the retailer's calls. Every key is
// optional; the defaults are those of orders::OrdersConfig.
#include <cmath>
#include <string>
#include <utility>

#include "core/config_checks.h"
#include "core/config_sections.h"

namespace larder::config {
namespace {

// A range from `min` to `max`, both included.
Range closed(double min, double max) { return Range{min, max, false, false}; }

void read_windows(Section& s, UndoWindows& out) {
  const Range window = closed(0, 86400);  // a day: longer is no undo but a delay
  for (auto [key, field] : {std::pair{"sensor", &out.sensor}, std::pair{"button", &out.button},
                            std::pair{"voice", &out.voice}, std::pair{"api", &out.api},
                            std::pair{"cli", &out.cli}}) {
    if (auto w = s.number(key, Need::optional, window)) *field = *w;
  }
}

void read_max_orders(Section& s, MaxOrders& out) {
  if (auto count = s.number("count", Need::required, closed(1, 1000))) {
    if (*count != std::floor(*count)) {
      s.error("count", "must be a whole number of orders, got " + format_number(*count));
    } else {
      out.count = static_cast<int>(*count);
    }
  }
  if (auto days = s.number("days", Need::optional, Range{0.0, 366.0, true, false})) {
    out.days = *days;
  }
}

void read_retry(Section& s, RetrySettings& out) {
  auto initial = s.number("initial_s", Need::optional, Range{0.0, 3600.0, true, false});
  auto max = s.number("max_s", Need::optional, Range{0.0, 86400.0, true, false});
  if (initial) out.initial_s = *initial;
  if (max) out.max_s = *max;
  // Only when both values are good (written or default) does their order say anything.
  const bool initial_ok = initial || !s.has("initial_s");
  const bool max_ok = max || !s.has("max_s");
  if (initial_ok && max_ok && out.max_s < out.initial_s) {
    if (max) {
      s.error("max_s", "must be at least initial_s (" + format_number(out.initial_s) + "), got " +
                           format_number(out.max_s));
    } else {
      s.error("initial_s", "must be at most max_s (" + format_number(out.max_s) +
                               " by default), got " + format_number(out.initial_s));
    }
  }
}

}  // namespace

void read_orders(Section& s, OrdersSettings& out) {
  s.section("undo_window_s", Need::optional,
            [&](Section& w) { read_windows(w, out.undo_window_s); });
  if (auto v = s.boolean("confirm_voice", Need::optional)) out.confirm_voice = *v;
  out.monthly_budget = s.number("monthly_budget", Need::optional, Range::positive());
  s.section("max_orders", Need::optional, [&](Section& m) {
    MaxOrders limit;
    read_max_orders(m, limit);
    out.max_orders = limit;
  });
  if (auto d = s.number("combine_within_days", Need::optional, closed(0, 60))) {
    out.combine_within_days = *d;
  }
  auto method = s.string("delivery_method", Need::optional,
                         [](std::string_view v) { return check_one_of(v, {"doorstep", "trunk"}); });
  if (method) {
    out.delivery_method = *method;
    out.delivery_method_set = true;
  }
  s.section("retry", Need::optional, [&](Section& r) { read_retry(r, out.retry); });
  if (auto t = s.number("request_timeout_s", Need::optional, closed(5, 3600))) {
    out.request_timeout_s = *t;
  }
  if (auto t = s.number("poll_interval_s", Need::optional, closed(10, 86400))) {
    out.poll_interval_s = *t;
  }
}

}  // namespace larder::config
