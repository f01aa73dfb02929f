// The systemd notification protocol (sd_notify(3)) without libsystemd.
//
// systemd starts a Type=notify service with NOTIFY_SOCKET naming a unix datagram socket:
// a path ("/run/systemd/notify") or an abstract socket ("@..."). The service sends
// newline-separated assignments to it: READY=1 when it serves, STOPPING=1 when it begins
// to shut down, WATCHDOG=1 to prove it is alive, STATUS=... as one line for
// `systemctl status`. With WatchdogSec= set, systemd passes WATCHDOG_USEC (and
// WATCHDOG_PID, the process meant); a service that stays silent that long is killed.
//
// Without NOTIFY_SOCKET (run by hand, in tests, under another supervisor) every call is
// a no-op. Sending never blocks (MSG_DONTWAIT) and never fails the caller: an error is
// logged once, at debug level, and otherwise ignored, as systemd may be gone or busy.
//
// Thread rule: construct before the event loop starts; calls happen on the loop thread.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace larder {

class SystemdNotifier {
 public:
  // Reads NOTIFY_SOCKET, WATCHDOG_USEC and WATCHDOG_PID from the environment.
  SystemdNotifier();
  ~SystemdNotifier();
  SystemdNotifier(const SystemdNotifier&) = delete;
  SystemdNotifier& operator=(const SystemdNotifier&) = delete;

  // True when NOTIFY_SOCKET named a usable socket address.
  bool enabled() const { return fd_ >= 0; }

  void ready() { send("READY=1"); }
  void stopping() { send("STOPPING=1"); }
  // A reload begins (SIGHUP); ready() again when it is done, applied or refused.
  void reloading() { send("RELOADING=1"); }
  void watchdog() { send("WATCHDOG=1"); }
  // One line of status text; newlines are replaced by spaces.
  void status(std::string_view text);

  // The watchdog timeout systemd enforces for this process: WATCHDOG_USEC when it is a
  // positive integer and WATCHDOG_PID is unset or equals getpid(); otherwise none.
  // Ping at about half of it.
  std::optional<std::chrono::microseconds> watchdog_interval() const { return watchdog_; }

 private:
  void send(std::string_view message);

  int fd_ = -1;
  std::string address_;  // sun_path bytes; a leading '\0' for an abstract socket
  std::optional<std::chrono::microseconds> watchdog_;
  bool error_logged_ = false;
};

}  // namespace larder
