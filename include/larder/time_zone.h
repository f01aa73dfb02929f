// The household's time zone (config key `household.timezone`): UTC offsets from the tz
// database, read from its TZif files (RFC 8536) by the daemon itself.
//
// Why our own reader: GCC 12 has no std::chrono::tzdb, and setenv("TZ") + localtime_r
// changes process-global state. A TimeZone holds the zone's transitions and local time types
// (the 64-bit block of a version 2, 3 or 4 file; the 32-bit block of a version 1 file) and the
// POSIX TZ string of the footer, which gives the offset for instants after the last transition.
// Debian's tzdata may be "slim" (few transitions, the rest from the footer), so the footer is
// not optional. Before the first transition the offset is that of local time type 0 (RFC 8536
// 3.2); a file with no transitions takes every offset from its footer, or else from type 0.
// Leap-second records are checked for size and ignored: zones under "right/" count leap
// seconds in their transition times and so may be off by up to ~27 s near a transition.
//
// Success and failure: load() and parse() return a TimeZone, or a Status naming the zone and
// what is wrong (file missing, truncated, bad magic, a count that overruns the data, an index
// out of range, a footer that is not a valid TZ string). Any byte string is safe to parse.
// Thread rule: a TimeZone is an immutable value; copies share one read-only table, so any
// thread may use any copy at any time. load() reads the file system (call it at startup).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "larder/status.h"

namespace larder {

class TimeZone {
 public:
  TimeZone();  // UTC, so that a TimeZone can be a member before the configured one is loaded
  // Copies share the table. There are deliberately no moves (they copy), so no TimeZone is
  // ever left empty.
  TimeZone(const TimeZone&) = default;
  TimeZone& operator=(const TimeZone&) = default;

  static TimeZone utc();
  // A zone that is always `offset_seconds` east of UTC, named like "UTC+01:00" (tests, and
  // replays of a household whose zone is not in the tz database).
  static TimeZone fixed(int offset_seconds);
  // "UTC" without any file; otherwise the TZif file `name` under $TZDIR (when set and not
  // empty) or /usr/share/zoneinfo; a name that is not a relative path without ".." is refused.
  // (config_checks' check_timezone is this call.)
  static Result<TimeZone> load(std::string_view name);
  // Parses the bytes of a TZif file; `name` is kept for name() and for error messages.
  static Result<TimeZone> parse(std::string_view tzif_bytes, std::string name);

  // Seconds east of UTC in effect at `unix_ts` (Unix seconds, UTC; fractions allowed).
  // A NaN counts as the epoch; infinities and instants beyond some hundred million years are
  // taken at that limit.
  int utc_offset_at(double unix_ts) const;
  // The local wall-clock time at `unix_ts`, written as if it were UTC epoch seconds.
  double to_local(double unix_ts) const { return unix_ts + utc_offset_at(unix_ts); }
  // The instant whose local wall-clock time is `local` (written as if it were UTC epoch
  // seconds, like to_local()'s result). A time that occurs twice (the hour repeated when the
  // clocks go back) gives the instant nearer `near`; a time that never occurs (skipped when
  // they go forward) is read with the offset in force before the change.
  double from_local(double local, double near) const;
  const std::string& name() const;

 private:
  struct Data;  // the parsed table, defined in time_zone.cc
  explicit TimeZone(std::shared_ptr<const Data> data) : data_(std::move(data)) {}
  std::shared_ptr<const Data> data_;
};

// A local date and time without a zone, "YYYY-MM-DDTHH:MM:SS" (a space for the 'T' and a
// fraction of seconds allowed), as wall-clock seconds written as if UTC (TimeZone::
// from_local turns them into an instant). Nothing when the text is not such a time or names
// a day or time that does not exist (2023-02-30, 25:00).
std::optional<double> parse_local_time(std::string_view text);

// A local calendar day "YYYY-MM-DD" (exactly that, nothing after it), as the wall-clock
// seconds of its midnight, written as if UTC like parse_local_time's. Nothing for any other
// text or a day that does not exist.
std::optional<double> parse_local_date(std::string_view text);

}  // namespace larder
