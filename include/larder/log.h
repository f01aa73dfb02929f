// Logging to stderr, with syslog priority prefixes ("<3>") when stderr is the journal
// (JOURNAL_STREAM names stderr's device and inode), plain "LEVEL: " otherwise.
//
// RateLimitedLog lets through at most `burst` lines per key and `per_seconds`, then one
// summary line of how many were suppressed; bad input is logged through it per topic.
// `total` (0: none) caps all keys together in the same period: a flood on ever new keys
// (distinct topics) passes every per-key limit, and must not pass this one.
// Thread rule: log() may be called from any thread (one write(2) per line); the rate
// limiter belongs to the event-loop thread.
#pragma once

#include <map>
#include <string>

#include "larder/config.h"

namespace larder {

void set_log_level(LogLevel level);
LogLevel log_level();
void log(LogLevel level, const std::string& line);
inline void log_error(const std::string& s) { log(LogLevel::error, s); }
inline void log_warn(const std::string& s) { log(LogLevel::warn, s); }
inline void log_info(const std::string& s) { log(LogLevel::info, s); }
inline void log_debug(const std::string& s) { log(LogLevel::debug, s); }

class RateLimitedLog {
 public:
  RateLimitedLog(int burst, double per_seconds, int total = 0)
      : burst_(burst), per_(per_seconds), total_(total) {}
  // Logs `line` unless `key` has used up its burst in the current period, or all keys
  // together their total. Returns whether the line was written.
  bool log(LogLevel level, const std::string& key, const std::string& line, double now);

 private:
  struct Bucket {
    double start = 0;
    int count = 0;
    int suppressed = 0;
  };
  int burst_;
  double per_;
  int total_;
  std::map<std::string, Bucket> buckets_;
  Bucket all_;  // every key together, for `total_`
};

}  // namespace larder
