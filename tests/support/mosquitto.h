// MosquittoBroker: a private, real mosquitto (/usr/sbin/mosquitto, 2.0.11 on Debian 12)
// for one test, on a free loopback port.
//
// The constructor picks a free port on 127.0.0.1 (bind to port 0, read it, close), writes
// mosquitto.conf into its own TempDir and starts the broker as a ChildProcess (its
// stdout and stderr go to mosquitto.log there). It returns once the port accepts TCP
// connections (within 5 s), else throws std::runtime_error with the log.
//
// The configuration (the Debian traps are handled here):
//   listener <port> 127.0.0.1       (2.x needs an explicit listener)
//   allow_anonymous true            (2.x refuses anonymous clients without it; options)
//   persistence true, persistence_location <tmp>/data/
//                                   (saved on SIGTERM; no autosave_interval: the default
//                                    of 30 min means a SIGKILL loses what is not saved,
//                                    which is what kill() is for)
//   max_queued_messages 100000      (the default 1000 drops QoS 1 for slow subscribers)
//   log_type all, connection_messages true, log_timestamp true
//   user root                       (only when running as root: mosquitto would drop to
//                                    the user `mosquitto`, which cannot write the temp dir)
//   + BrokerOptions::extra_config lines (password_file, listeners with TLS, acl_file, ...)
//
// stop() sends SIGTERM and waits (mosquitto saves its persistence file), restart() stops
// and starts again on the same port with the same data, kill() sends SIGKILL (unsaved
// state is lost). The destructor stops the broker and removes the temp dir.
// Thread rule: use from one thread (the test's); clients may run anywhere.
#pragma once

#include <netinet/in.h>

#include <cstdint>
#include <string>
#include <vector>

#include "support/process.h"
#include "support/tempdir.h"

namespace larder::test {

struct BrokerOptions {
  std::vector<std::string> extra_config;  // appended to mosquitto.conf, one line each
  bool persistence = true;
  bool allow_anonymous = true;            // false: e.g. with a password_file in extra_config
};

// The address 127.0.0.1:port.
sockaddr_in loopback(std::uint16_t port);
// A TCP port on 127.0.0.1 that was free a moment ago, below the kernel's ephemeral range
// (so that no outgoing connection takes it before the server binds it).
std::uint16_t free_loopback_port();
// True if something accepts TCP connections on 127.0.0.1:port.
bool port_accepts(std::uint16_t port);

class MosquittoBroker {
 public:
  explicit MosquittoBroker(BrokerOptions opts = {});
  ~MosquittoBroker();
  MosquittoBroker(const MosquittoBroker&) = delete;
  MosquittoBroker& operator=(const MosquittoBroker&) = delete;

  std::uint16_t port() const { return port_; }
  std::string url() const { return "tcp://127.0.0.1:" + std::to_string(port_); }
  bool running();

  void start();    // after stop()/kill(): same port, config and data; throws on failure
  void stop();     // SIGTERM, wait (5 s, then SIGKILL); persistence is saved
  void restart();  // stop() then start()
  void kill();     // SIGKILL: unsaved state is lost

  std::string log() const;  // everything the broker wrote so far
  const std::string& dir() const { return dir_.path(); }
  std::string config_path() const { return dir_.file("mosquitto.conf"); }

 private:
  TempDir dir_;
  std::uint16_t port_ = 0;
  ChildProcess proc_;
};

}  // namespace larder::test
