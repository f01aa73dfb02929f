// Quiet hours (`notify.quiet_hours`, docs/notifications.md): a span of local wall-clock time,
// each day, in the household's time zone (`household.timezone`).
//
// The span is [from, to) in minutes after local midnight; `to` before `from` crosses
// midnight (22:00-07:00). The local time is the TimeZone's offset at the instant, so a day
// on which the clocks change has quiet hours of 8 or 10 hours of real time for 22:00-07:00,
// as the household lives them. A wall-clock minute skipped by the change (02:30 in spring in
// Europe/Berlin) never happens; one that happens twice (02:30 in autumn) is quiet both times
// when it is inside the span.
// Thread rule: an immutable value.
#pragma once

#include "larder/config.h"
#include "larder/time_zone.h"

namespace larder::notify {

class QuietHours {
 public:
  QuietHours(const QuietHoursConfig& config, const TimeZone& zone)
      : from_(config.from_minute), to_(config.to_minute), zone_(zone) {}

  // Whether the local time at `unix_ts` is inside the span.
  bool quiet_at(double unix_ts) const;
  // The local minute of the day at `unix_ts` (0-1439), for tests and logs.
  int local_minute(double unix_ts) const;

 private:
  int from_, to_;
  TimeZone zone_;
};

}  // namespace larder::notify
