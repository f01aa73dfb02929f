#include "larder/log.h"

#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "larder/text.h"

namespace larder {
namespace {

std::atomic<LogLevel> g_level{LogLevel::info};

// systemd sets JOURNAL_STREAM=<dev>:<inode> when stderr is connected to the journal.
bool stderr_is_journal() {
  static const bool journal = [] {
    const char* js = std::getenv("JOURNAL_STREAM");
    if (!js) return false;
    struct stat st {};
    if (fstat(STDERR_FILENO, &st) != 0) return false;
    unsigned long long dev = 0, ino = 0;
    if (std::sscanf(js, "%llu:%llu", &dev, &ino) != 2) return false;
    return dev == static_cast<unsigned long long>(st.st_dev) &&
           ino == static_cast<unsigned long long>(st.st_ino);
  }();
  return journal;
}

int syslog_priority(LogLevel l) {
  switch (l) {
    case LogLevel::error: return 3;
    case LogLevel::warn: return 4;
    case LogLevel::info: return 6;
    case LogLevel::debug: return 7;
  }
  return 6;
}

}  // namespace

std::string_view log_level_name(LogLevel l) {
  switch (l) {
    case LogLevel::error: return "error";
    case LogLevel::warn: return "warn";
    case LogLevel::info: return "info";
    case LogLevel::debug: return "debug";
  }
  return "info";
}

void set_log_level(LogLevel level) { g_level = level; }
LogLevel log_level() { return g_level; }

void log(LogLevel level, const std::string& line) {
  if (static_cast<int>(level) > static_cast<int>(g_level.load())) return;
  // A line is one line: a control that came from outside (a file's name, a topic) can
  // neither start a forged line nor reach a terminal.
  const std::string text = mask_controls(line);
  std::string out;
  if (stderr_is_journal()) {
    out = "<" + std::to_string(syslog_priority(level)) + ">" + text + "\n";
  } else {
    out = std::string(log_level_name(level)) + ": " + text + "\n";
  }
  // One write per line, so lines from different threads never interleave.
  ssize_t ignored = ::write(STDERR_FILENO, out.data(), out.size());
  (void)ignored;
}

bool RateLimitedLog::log(LogLevel level, const std::string& key, const std::string& line,
                         double now) {
  // Topics come from the network: keep the table bounded by dropping idle keys.
  if (buckets_.size() >= 1024 && buckets_.find(key) == buckets_.end()) {
    std::erase_if(buckets_, [&](const auto& kv) { return now - kv.second.start >= per_; });
    if (buckets_.size() >= 1024) buckets_.clear();
  }
  Bucket& b = buckets_[key];
  if (now - b.start >= per_) {
    if (b.suppressed > 0) {
      larder::log(level, key + ": " + std::to_string(b.suppressed) +
                             " similar messages suppressed");
    }
    b.start = now;
    b.count = 0;
    b.suppressed = 0;
  }
  if (b.count >= burst_) {
    ++b.suppressed;
    return false;
  }
  if (total_ > 0) {
    if (now - all_.start >= per_) {
      if (all_.suppressed > 0) {
        larder::log(level, std::to_string(all_.suppressed) +
                               " more similar messages suppressed (over all topics)");
      }
      all_ = Bucket{now, 0, 0};
    }
    if (all_.count >= total_) {
      ++all_.suppressed;
      return false;
    }
    ++all_.count;
  }
  ++b.count;
  larder::log(level, line);
  return true;
}

}  // namespace larder
