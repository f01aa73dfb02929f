// A full disk for the test process itself. As root, permissions stop no write, so the soft
// RLIMIT_FSIZE stands in: a write beyond it fails with EFBIG, as a full disk fails a write,
// and SIGXFSZ is ignored meanwhile so the write fails instead of killing the test.
// Lifted (the old limit and handler back) by lift() or when the object goes away.
// Thread rule: one at a time per process; the limit covers every thread's writes.
#pragma once

#include <signal.h>
#include <sys/resource.h>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <stdexcept>
#include <string>

namespace larder::test {

class OwnFileSizeLimit {
 public:
  explicit OwnFileSizeLimit(std::uintmax_t bytes) {
    if (::getrlimit(RLIMIT_FSIZE, &old_) != 0) throw std::runtime_error("getrlimit failed");
    old_handler_ = ::signal(SIGXFSZ, SIG_IGN);
    struct rlimit small = old_;
    small.rlim_cur = static_cast<rlim_t>(bytes);
    if (::setrlimit(RLIMIT_FSIZE, &small) != 0) {
      ::signal(SIGXFSZ, old_handler_);
      throw std::runtime_error("setrlimit(RLIMIT_FSIZE) failed");
    }
    on_ = true;
  }
  ~OwnFileSizeLimit() { lift(); }
  OwnFileSizeLimit(const OwnFileSizeLimit&) = delete;
  OwnFileSizeLimit& operator=(const OwnFileSizeLimit&) = delete;

  void lift() {
    if (!on_) return;
    ::setrlimit(RLIMIT_FSIZE, &old_);
    ::signal(SIGXFSZ, old_handler_);
    on_ = false;
  }

 private:
  struct rlimit old_ {};
  sighandler_t old_handler_ = SIG_DFL;
  bool on_ = false;
};

// The size of the largest file in `dir` (0 when there is none).
inline std::uintmax_t largest_file(const std::string& dir) {
  std::uintmax_t biggest = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    if (e.is_regular_file()) biggest = std::max(biggest, e.file_size());
  }
  return biggest;
}

}  // namespace larder::test
