#include "support/tcp_proxy.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <stdexcept>
#include <string>

#include "support/mosquitto.h"

namespace larder::test {
namespace {

bool write_all(int fd, const char* p, std::size_t n) {
  while (n > 0) {
    ssize_t w = ::send(fd, p, n, MSG_NOSIGNAL);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return false;
    p += w;
    n -= static_cast<std::size_t>(w);
  }
  return true;
}

}  // namespace

struct TcpProxy::Link {
  int client = -1;
  int server = -1;
  std::thread up, down;
  ~Link() {
    if (client >= 0) ::shutdown(client, SHUT_RDWR);
    if (server >= 0) ::shutdown(server, SHUT_RDWR);
    if (up.joinable()) up.join();
    if (down.joinable()) down.join();
    if (client >= 0) ::close(client);
    if (server >= 0) ::close(server);
  }
};

TcpProxy::TcpProxy(std::uint16_t target_port) : target_port_(target_port) {
  listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (listen_fd_ < 0) throw std::runtime_error("tcp proxy: socket failed");
  int one = 1;
  ::setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in a = loopback(0);
  socklen_t len = sizeof a;
  if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || ::listen(listen_fd_, 16) != 0 ||
      ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
    ::close(listen_fd_);
    throw std::runtime_error("tcp proxy: cannot listen on 127.0.0.1");
  }
  port_ = ntohs(a.sin_port);
  acceptor_ = std::thread([this] { accept_loop(); });
}

TcpProxy::~TcpProxy() {
  stopping_ = true;
  ::shutdown(listen_fd_, SHUT_RDWR);
  if (acceptor_.joinable()) acceptor_.join();
  ::close(listen_fd_);
  drop();
}

void TcpProxy::accept_loop() {
  while (!stopping_) {
    pollfd p{listen_fd_, POLLIN, 0};
    if (::poll(&p, 1, 100) <= 0) continue;
    int client = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (client < 0) continue;
    int server = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a = loopback(target_port_);
    if (server < 0 || ::connect(server, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
      if (server >= 0) ::close(server);
      ::close(client);
      continue;
    }
    auto link = std::make_shared<Link>();
    link->client = client;
    link->server = server;
    // Client to server: at the client's FIN, stop here (not passed on).
    link->up = std::thread([client, server] {
      char buf[16384];
      for (;;) {
        ssize_t n = ::recv(client, buf, sizeof buf, 0);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0 || !write_all(server, buf, static_cast<std::size_t>(n))) return;
      }
    });
    link->down = std::thread([client, server] {
      char buf[16384];
      for (;;) {
        ssize_t n = ::recv(server, buf, sizeof buf, 0);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0 || !write_all(client, buf, static_cast<std::size_t>(n))) {
          ::shutdown(client, SHUT_RDWR);  // the server went away: so does the client's link
          return;
        }
      }
    });
    ++accepted_;
    const std::lock_guard<std::mutex> lock(mutex_);
    links_.push_back(std::move(link));
  }
}

void TcpProxy::drop() {
  std::vector<std::shared_ptr<Link>> links;
  {
    const std::lock_guard<std::mutex> lock(mutex_);
    links.swap(links_);
  }
  for (auto& l : links) {
    linger reset{1, 0};  // close with RST, as a vanished peer
    ::setsockopt(l->client, SOL_SOCKET, SO_LINGER, &reset, sizeof reset);
  }
  links.clear();  // each Link shuts down, joins and closes
}

int shutdown_peer_writes(pid_t pid, std::uint16_t port) {
  const int pidfd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
  if (pidfd < 0) throw std::runtime_error("pidfd_open failed: " + std::to_string(errno));
  int done = 0;
  const std::string dir = "/proc/" + std::to_string(pid) + "/fd";
  if (DIR* d = ::opendir(dir.c_str())) {
    while (dirent* e = ::readdir(d)) {
      char* end = nullptr;
      long target = std::strtol(e->d_name, &end, 10);
      if (end == e->d_name || *end != '\0') continue;
      const int fd = static_cast<int>(::syscall(SYS_pidfd_getfd, pidfd, static_cast<int>(target), 0));
      if (fd < 0) continue;
      sockaddr_in peer{};
      socklen_t len = sizeof peer;
      if (::getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &len) == 0 && peer.sin_family == AF_INET &&
          ntohs(peer.sin_port) == port && ::shutdown(fd, SHUT_WR) == 0)
        ++done;
      ::close(fd);
    }
    ::closedir(d);
  }
  ::close(pidfd);
  return done;
}

}  // namespace larder::test
