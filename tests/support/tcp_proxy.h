// TcpProxy: a TCP forwarder on 127.0.0.1 for fault tests, between a client under test
// (larderd) and a server (mosquitto).
//
// Each accepted connection gets its own connection to 127.0.0.1:<target_port> and two
// threads copying bytes both ways. A client's half-close (its FIN) is not passed on: the
// proxy goes on forwarding the server's bytes to it and keeps both connections open, as
// a broker would that has not noticed yet. So a test can make the client's own writes
// fail (shutdown_peer_writes) while its reads still work. drop() closes everything.
// Thread rule: the methods are called from the test's thread; the pumps are the proxy's.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace larder::test {

class TcpProxy {
 public:
  explicit TcpProxy(std::uint16_t target_port);  // throws std::runtime_error
  ~TcpProxy();
  TcpProxy(const TcpProxy&) = delete;
  TcpProxy& operator=(const TcpProxy&) = delete;

  std::uint16_t port() const { return port_; }
  int accepted() const { return accepted_.load(); }
  // Closes every connection now (clients see a reset), and keeps accepting new ones.
  void drop();

 private:
  struct Link;
  void accept_loop();

  int listen_fd_ = -1;
  std::uint16_t port_ = 0;
  std::uint16_t target_port_;
  std::atomic<bool> stopping_{false};
  std::atomic<int> accepted_{0};
  std::mutex mutex_;
  std::vector<std::shared_ptr<Link>> links_;
  std::thread acceptor_;
};

// Shuts down, for writing, the TCP socket of process `pid` connected to 127.0.0.1:`port`
// (it duplicates the descriptor with pidfd_getfd, which needs root or ptrace rights):
// that process's next write to it fails (EPIPE), while its reads still work. Returns how
// many sockets it shut down.
int shutdown_peer_writes(pid_t pid, std::uint16_t port);

}  // namespace larder::test
