// LarderdProcess: the real daemon as a child process, for end-to-end tests.
//
// It writes a configuration (a given YAML text with @MQTT_URL@, @HTTP_PORT@ and
// @STATE_DIR@ replaced) into its own temp dir, starts the built `larderd` with
// NOTIFY_SOCKET pointing at a datagram socket of its own, and waits for READY=1, so the
// tests check the systemd protocol too. stderr goes to a log file (log()). A daemon that
// ended on its own with a failure (not by terminate() or kill()) has its status and the
// end of its log printed to stderr when the LarderdProcess is destroyed (start() throws
// with the log instead when it never became ready).
// Thread rule: use from the test's thread.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "support/process.h"
#include "support/tempdir.h"

namespace larder::test {

// A small valid configuration with the consumables coffee (g, tare 350) and pods (pcs).
std::string default_daemon_config();
// The same with `n` consumables c0..c<n-1> (for memory figures).
std::string many_consumables_config(int n);

class LarderdProcess {
 public:
  // Does not start the daemon; see start().
  LarderdProcess(const std::string& mqtt_url, std::string config_template = default_daemon_config());
  ~LarderdProcess();
  // Writes another configuration (placeholders replaced as above, the same ports and state
  // dir), for the next start(): e.g. one that names a service started after the
  // LarderdProcess, which needed its http_port().
  void set_config(std::string config_template);
  // Runs in the child before exec at the next start()s (ChildOptions::in_child: only
  // async-signal-safe calls), e.g. a private mount namespace with a read-only state dir.
  void set_child_setup(std::function<void()> setup) { child_setup_ = std::move(setup); }

  // Starts larderd and waits up to `timeout` for READY=1; throws with the log on failure.
  // Returns the time from spawn to READY.
  std::chrono::milliseconds start(std::chrono::milliseconds timeout = std::chrono::seconds(10));
  // SIGTERM and wait; the exit status.
  ExitStatus terminate(std::chrono::milliseconds grace = std::chrono::seconds(10));
  ExitStatus kill();  // SIGKILL
  bool running() { return child_.running(); }
  pid_t pid() const { return child_.pid(); }
  // The pid of the last start(), for another thread while start() runs (pid() is not safe
  // to read then); 0 until the process is spawned.
  pid_t spawned_pid() const { return spawned_pid_.load(); }

  // Notifications received so far on the notify socket ("READY=1", "STOPPING=1", ...).
  std::vector<std::string> notifications();
  // Those received until `last` arrives, waiting up to `timeout` for it: the daemon may tell
  // MQTT before it tells systemd, so what a test saw on the broker says nothing of the socket.
  std::vector<std::string> notifications_until(const std::string& last,
                                               std::chrono::milliseconds timeout);

  std::uint16_t http_port() const { return http_port_; }
  const std::string& state_dir() const { return state_dir_; }
  // Its RUNTIME_DIRECTORY, where the store's journal is (outside the state directory).
  std::string runtime_dir() const { return dir_.file("run"); }
  const std::string& config_path() const { return config_path_; }
  std::string log() const;
  // Resident set size in KiB, from /proc/<pid>/status (0 when not running).
  long rss_kib() const;

 private:
  TempDir dir_;
  std::string mqtt_url_;
  std::uint16_t http_port_;
  std::string state_dir_;
  std::string config_path_;
  int notify_fd_ = -1;
  ChildProcess child_;
  std::atomic<pid_t> spawned_pid_{0};
  // terminate() or kill() ended the last run, or start() threw with its log.
  bool end_accounted_for_ = false;
  std::function<void()> child_setup_;
};

// A minimal HTTP/1.1 client over loopback: one request per connection.
struct HttpAnswer {
  int status = 0;
  std::string headers;  // the raw header block
  std::string body;
};
HttpAnswer http_request(std::uint16_t port, const std::string& method, const std::string& path,
                        const std::vector<std::string>& headers = {}, const std::string& body = {});

}  // namespace larder::test
