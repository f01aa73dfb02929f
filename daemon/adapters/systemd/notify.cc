#include "adapters/systemd/notify.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <string>
#include <utility>

#include "larder/log.h"

namespace larder {
namespace {

// A decimal integer > 0 and nothing else, or nullopt.
std::optional<unsigned long long> parse_positive(const char* s) {
  if (!s || !*s) return std::nullopt;
  const char* end = s + std::strlen(s);
  unsigned long long v = 0;
  auto [ptr, ec] = std::from_chars(s, end, v);
  if (ec != std::errc() || ptr != end || v == 0) return std::nullopt;
  return v;
}

}  // namespace

SystemdNotifier::SystemdNotifier() {
  if (const auto usec = parse_positive(std::getenv("WATCHDOG_USEC"))) {
    const char* pid_text = std::getenv("WATCHDOG_PID");
    const auto pid = parse_positive(pid_text);
    if (!pid_text || (pid && *pid == static_cast<unsigned long long>(::getpid()))) {
      watchdog_ = std::chrono::microseconds(*usec);
    } else {
      log_debug("systemd: WATCHDOG_PID=" + std::string(pid_text) +
                " is not this process; no watchdog");
    }
  } else if (const char* raw = std::getenv("WATCHDOG_USEC")) {
    log_debug("systemd: ignoring WATCHDOG_USEC='" + std::string(raw) + "'");
  }

  const char* socket_env = std::getenv("NOTIFY_SOCKET");
  if (!socket_env || !*socket_env) return;
  std::string address = socket_env;
  if (address[0] == '@') {
    address[0] = '\0';  // abstract namespace
  } else if (address[0] != '/') {
    log_debug("systemd: unsupported NOTIFY_SOCKET '" + address + "'; notifications off");
    return;
  }
  if (address.size() > sizeof(sockaddr_un::sun_path) || address.size() < 2) {
    log_debug("systemd: NOTIFY_SOCKET has a bad length; notifications off");
    return;
  }
  fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd_ < 0) {
    log_debug(std::string("systemd: cannot create the notify socket: ") + std::strerror(errno));
    return;
  }
  address_ = std::move(address);
}

SystemdNotifier::~SystemdNotifier() {
  if (fd_ >= 0) ::close(fd_);
}

void SystemdNotifier::status(std::string_view text) {
  std::string line = "STATUS=";
  for (char c : text) line += (c == '\n' || c == '\r') ? ' ' : c;
  send(line);
}

void SystemdNotifier::send(std::string_view message) {
  if (fd_ < 0) return;
  sockaddr_un sa{};
  sa.sun_family = AF_UNIX;
  std::memcpy(sa.sun_path, address_.data(), address_.size());
  // A path gets its terminating NUL inside the length when it fits; an abstract name's
  // length is exact (every byte is part of the name).
  std::size_t path_len = address_.size();
  if (address_[0] != '\0' && path_len < sizeof sa.sun_path) ++path_len;
  const auto len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + path_len);
  const ssize_t sent = ::sendto(fd_, message.data(), message.size(), MSG_DONTWAIT | MSG_NOSIGNAL,
                                reinterpret_cast<const sockaddr*>(&sa), len);
  if (sent < 0 && !error_logged_) {
    error_logged_ = true;
    log_debug("systemd: notify '" + std::string(message.substr(0, 32)) + "' failed: " +
              std::strerror(errno) + " (further errors not logged)");
  }
}

}  // namespace larder
