// TempDir: a fresh private directory for one test, removed with everything in it when the
// object goes away.
//
// It is created with mkdtemp(3) under $TMPDIR (or /tmp) with mode 0700. Set
// LARDER_KEEP_TMP=1 to keep it for a post-mortem (its path is then printed to stderr).
// Failure to create it throws std::runtime_error (test support: doctest reports it).
// Thread rule: plain value; use from one thread.
#pragma once

#include <string>

namespace larder::test {

class TempDir {
 public:
  explicit TempDir(const std::string& prefix = "larder-test-");
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  TempDir(TempDir&& other) noexcept;
  TempDir& operator=(TempDir&&) = delete;

  const std::string& path() const { return path_; }
  // path() + "/" + name (nothing is created).
  std::string file(const std::string& name) const { return path_ + "/" + name; }
  // Writes `content` to file(name) (a name may hold folders, which are made), replacing it;
  // returns the full path. Throws on failure.
  std::string write(const std::string& name, const std::string& content) const;

 private:
  std::string path_;
};

// The whole content of a file; empty when it cannot be read.
std::string read_file(const std::string& path);

}  // namespace larder::test
