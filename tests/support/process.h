// ChildProcess: runs a program as a child of the test (fork + exec), for integration tests
// that drive real processes: mosquitto, larderd, larderctl, or the test binary itself.
//
// - argv[0] is the program: a path, or a bare name searched in $PATH.
// - env entries are added to (or replace entries of) the test's own environment.
// - stdout / stderr go to the given files (created or truncated; the same path for both
//   merges them; append_output keeps earlier content), or are inherited when the path is
//   empty. stdin is /dev/null.
// - `in_child` runs in the child after fork and before exec (e.g. setrlimit for a "disk
//   full" test). It runs in a forked copy of a possibly multi-threaded process: only
//   async-signal-safe calls (setrlimit, chdir, dup2, ...) are allowed there.
// - The child gets PR_SET_PDEATHSIG = SIGKILL, so it dies with the test even when the
//   test crashes. (Linux ties this to the thread that forked: spawn from a thread that
//   lives as long as the child, normally the test's main thread.)
// - The destructor kills (SIGKILL) and reaps a child that is still running.
//
// Errors (fork fails, exec fails, e.g. no such program) throw std::runtime_error with the
// reason; test support code reports failures this way and doctest prints them.
// Thread rule: one ChildProcess is used by one thread.
//
// Re-running the test binary as a helper process: mark a TEST_CASE `* doctest::skip()`
// (skipped tests are neither listed nor run by ctest) and spawn
// {self_exe(), "--no-skip", "--test-case=<its exact name>"} with parameters in env.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace larder::test {

struct ChildOptions {
  std::vector<std::string> argv;                           // argv[0]: the program
  std::vector<std::pair<std::string, std::string>> env;    // added / replaced variables
  std::string stdout_path;                                 // empty: inherit
  std::string stderr_path;                                 // empty: inherit
  bool append_output = false;                              // append instead of truncating
  std::string cwd;                                         // empty: the test's
  std::function<void()> in_child;                          // after fork, before exec
  // The soft RLIMIT_FSIZE of the child in bytes ("disk full" for every file it writes), with
  // SIGXFSZ ignored so that a write past it fails with EFBIG instead of killing it.
  std::optional<std::uint64_t> file_size_limit;
};

struct ExitStatus {
  int code = -1;   // exit code when the child exited, else -1
  int signal = 0;  // the signal that ended it, else 0
  bool exited() const { return signal == 0; }
  bool success() const { return signal == 0 && code == 0; }
  std::string describe() const;  // "exit code 3" / "killed by signal 9 (Killed)"
};

class ChildProcess {
 public:
  ChildProcess() = default;  // no process
  explicit ChildProcess(const ChildOptions& opts);  // spawns; throws on failure
  ~ChildProcess();
  ChildProcess(ChildProcess&& other) noexcept;
  ChildProcess& operator=(ChildProcess&& other) noexcept;
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  pid_t pid() const { return pid_; }  // 0 when there is no process
  // True while the child has not been reaped (checks without blocking).
  bool running();
  // Sends a signal; false if the child is gone already.
  bool signal(int sig);
  // Waits up to `timeout` for the child to end and reaps it. nullopt: still running.
  // After it ended, returns the same status again.
  std::optional<ExitStatus> wait(std::chrono::milliseconds timeout);
  // SIGKILL and reap.
  ExitStatus kill();
  // SIGTERM, wait up to `grace`, then SIGKILL.
  ExitStatus terminate(std::chrono::milliseconds grace = std::chrono::seconds(5));
  const std::optional<ExitStatus>& status() const { return status_; }

 private:
  bool reap(bool block);
  pid_t pid_ = 0;
  std::optional<ExitStatus> status_;
};

// Sets the soft RLIMIT_FSIZE of a running process (prlimit(2); the hard limit stays, so it
// can be lifted again): a "disk full" that comes and goes. kNoFileSizeLimit lifts it to the
// hard limit. False on failure.
inline constexpr std::uint64_t kNoFileSizeLimit = ~std::uint64_t{0};
bool set_file_size_limit(pid_t pid, std::uint64_t bytes);

// The running executable (/proc/self/exe resolved).
std::string self_exe();

// Polls `pred` every `poll` until it is true (returns true) or `timeout` passes (false).
bool wait_until(const std::function<bool()>& pred, std::chrono::milliseconds timeout,
                std::chrono::milliseconds poll = std::chrono::milliseconds(10));

}  // namespace larder::test
