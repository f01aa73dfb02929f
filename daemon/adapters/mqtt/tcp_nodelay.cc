#include "adapters/mqtt/tcp_nodelay.h"

#include <dirent.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <cstdlib>

namespace larder {

int mqtt_url_port(const std::string& url) {
  if (url.rfind("ws://", 0) == 0 || url.rfind("wss://", 0) == 0) return 0;
  const auto colon = url.rfind(':');
  if (colon == std::string::npos || colon + 1 >= url.size()) return 0;
  int port = 0;
  for (std::size_t i = colon + 1; i < url.size(); ++i) {
    if (url[i] < '0' || url[i] > '9' || port > 65535) return 0;
    port = port * 10 + (url[i] - '0');
  }
  return port <= 65535 ? port : 0;
}

int set_tcp_nodelay_to_port(int port) {
  if (port <= 0) return 0;
  DIR* dir = ::opendir("/proc/self/fd");
  if (!dir) return 0;
  int count = 0;
  while (const dirent* d = ::readdir(dir)) {
    char* end = nullptr;
    const long n = std::strtol(d->d_name, &end, 10);
    if (end == d->d_name || *end != '\0' || n == ::dirfd(dir)) continue;
    const int fd = static_cast<int>(n);
    int type = 0;
    socklen_t len = sizeof type;
    if (::getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) != 0 || type != SOCK_STREAM) continue;
    sockaddr_storage peer{};
    len = sizeof peer;
    if (::getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &len) != 0) continue;
    int peer_port = -1;
    if (peer.ss_family == AF_INET) {
      peer_port = ntohs(reinterpret_cast<const sockaddr_in*>(&peer)->sin_port);
    } else if (peer.ss_family == AF_INET6) {
      peer_port = ntohs(reinterpret_cast<const sockaddr_in6*>(&peer)->sin6_port);
    }
    const int on = 1;
    if (peer_port == port && ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on) == 0) {
      ++count;
    }
  }
  ::closedir(dir);
  return count;
}

}  // namespace larder
