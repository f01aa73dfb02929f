// An exclusive lock on a file, held for the life of the object: one larderd per state
// directory. Two hubs on one database would each think they own the orders.
//
// flock(2) on `<dir>/larderd.lock` (created 0640 if missing; the directory must exist), non-blocking: when another
// process holds it, acquire() fails at once with a message naming the file and, when it
// can be read, the holder's pid. The lock dies with the process, so a crash leaves nothing
// to clean up.
// Thread rule: plain value; acquire before the event loop starts.
#pragma once

#include <memory>
#include <string>

#include "larder/status.h"

namespace larder {

class LockFile {
 public:
  static Result<std::unique_ptr<LockFile>> acquire(const std::string& dir);
  ~LockFile();
  LockFile(const LockFile&) = delete;
  LockFile& operator=(const LockFile&) = delete;
  const std::string& path() const { return path_; }

 private:
  LockFile(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}
  int fd_;
  std::string path_;
};

}  // namespace larder
