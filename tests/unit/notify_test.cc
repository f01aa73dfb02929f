// SystemdNotifier against real unix datagram sockets standing in for systemd.
#include <doctest/doctest.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <chrono>
#include <cstddef>
#include <cstring>
#include <filesystem>
#include <optional>
#include <random>
#include <string>

#include "adapters/systemd/notify.h"

namespace fs = std::filesystem;
using larder::SystemdNotifier;
using namespace std::chrono_literals;

namespace {

// Sets (or unsets, with nullptr) an environment variable for the scope.
class EnvVar {
 public:
  EnvVar(const char* name, const char* value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    if (value) {
      ::setenv(name, value, 1);
    } else {
      ::unsetenv(name);
    }
  }
  ~EnvVar() {
    if (old_) {
      ::setenv(name_.c_str(), old_->c_str(), 1);
    } else {
      ::unsetenv(name_.c_str());
    }
  }

 private:
  std::string name_;
  std::optional<std::string> old_;
};

// A bound datagram socket that plays systemd's part.
class Receiver {
 public:
  // `name` is a file path, or an abstract name when it starts with '@'.
  explicit Receiver(const std::string& name) {
    fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    REQUIRE(fd_ >= 0);
    sockaddr_un sa{};
    sa.sun_family = AF_UNIX;
    REQUIRE(name.size() < sizeof sa.sun_path);
    std::memcpy(sa.sun_path, name.data(), name.size());
    socklen_t len = offsetof(sockaddr_un, sun_path) + name.size();
    if (name[0] == '@') {
      sa.sun_path[0] = '\0';
    } else {
      ++len;  // the terminating NUL of a path
    }
    REQUIRE(::bind(fd_, reinterpret_cast<sockaddr*>(&sa), len) == 0);
  }
  ~Receiver() { ::close(fd_); }

  // The next datagram, or nullopt after `wait`.
  std::optional<std::string> next(std::chrono::milliseconds wait = 2000ms) {
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(wait.count())) != 1) return std::nullopt;
    char buf[4096];
    const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
    if (n < 0) return std::nullopt;
    return std::string(buf, static_cast<std::size_t>(n));
  }

 private:
  int fd_ = -1;
};

struct TempDir {
  fs::path path;
  TempDir() {
    std::string tmpl = (fs::temp_directory_path() / "larder-notify-XXXXXX").string();
    REQUIRE(::mkdtemp(tmpl.data()) != nullptr);
    path = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

void check_messages_arrive(Receiver& rx) {
  SystemdNotifier n;
  REQUIRE(n.enabled());
  n.ready();
  CHECK(rx.next() == "READY=1");
  n.status("3 consumables, next order: coffee\non Friday");
  CHECK(rx.next() == "STATUS=3 consumables, next order: coffee on Friday");
  n.watchdog();
  CHECK(rx.next() == "WATCHDOG=1");
  n.stopping();
  CHECK(rx.next() == "STOPPING=1");
  CHECK_FALSE(rx.next(50ms).has_value());
}

}  // namespace

TEST_CASE("notify: messages reach a socket named by a path") {
  TempDir t;
  const std::string path = (t.path / "notify").string();
  Receiver rx(path);
  EnvVar env("NOTIFY_SOCKET", path.c_str());
  check_messages_arrive(rx);
}

TEST_CASE("notify: messages reach an abstract socket ('@' name)") {
  std::random_device rd;
  const std::string name = "@larder-notify-test-" + std::to_string(::getpid()) + "-" +
                           std::to_string(rd());
  Receiver rx(name);
  EnvVar env("NOTIFY_SOCKET", name.c_str());
  check_messages_arrive(rx);
}

TEST_CASE("notify: without NOTIFY_SOCKET everything is a no-op") {
  EnvVar env("NOTIFY_SOCKET", nullptr);
  EnvVar wd("WATCHDOG_USEC", nullptr);
  SystemdNotifier n;
  CHECK_FALSE(n.enabled());
  n.ready();
  n.status("x");
  n.watchdog();
  n.stopping();
  CHECK_FALSE(n.watchdog_interval().has_value());
}

TEST_CASE("notify: unusable NOTIFY_SOCKET values disable it") {
  for (const char* bad : {"", "relative/path", "@", "vsock:2:1234"}) {
    CAPTURE(bad);
    EnvVar env("NOTIFY_SOCKET", bad);
    SystemdNotifier n;
    CHECK_FALSE(n.enabled());
    n.ready();
  }
  const std::string too_long = "/" + std::string(200, 'x');
  EnvVar env("NOTIFY_SOCKET", too_long.c_str());
  CHECK_FALSE(SystemdNotifier().enabled());
}

TEST_CASE("notify: a missing or full socket never blocks nor fails the caller") {
  TempDir t;
  {
    const std::string nowhere = (t.path / "gone").string();
    EnvVar env("NOTIFY_SOCKET", nowhere.c_str());
    SystemdNotifier n;
    CHECK(n.enabled());
    n.ready();  // ECONNREFUSED / ENOENT: ignored
    n.watchdog();
  }
  const std::string path = (t.path / "notify").string();
  Receiver rx(path);  // never read until the end: its queue fills up
  EnvVar env("NOTIFY_SOCKET", path.c_str());
  SystemdNotifier n;
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < 5000; ++i) n.watchdog();
  CHECK(std::chrono::steady_clock::now() - start < 5s);
  CHECK(rx.next() == "WATCHDOG=1");
}

TEST_CASE("notify: WATCHDOG_USEC and WATCHDOG_PID") {
  EnvVar sock("NOTIFY_SOCKET", nullptr);
  const std::string me = std::to_string(::getpid());
  const std::string other = std::to_string(::getpid() + 1);
  {
    EnvVar usec("WATCHDOG_USEC", "30000000");
    EnvVar pid("WATCHDOG_PID", nullptr);
    CHECK(SystemdNotifier().watchdog_interval() == std::chrono::microseconds(30'000'000));
  }
  {
    EnvVar usec("WATCHDOG_USEC", "15000000");
    EnvVar pid("WATCHDOG_PID", me.c_str());
    CHECK(SystemdNotifier().watchdog_interval() == 15s);
  }
  {
    EnvVar usec("WATCHDOG_USEC", "15000000");
    EnvVar pid("WATCHDOG_PID", other.c_str());
    CHECK_FALSE(SystemdNotifier().watchdog_interval().has_value());
  }
  {
    EnvVar usec("WATCHDOG_USEC", "15000000");
    EnvVar pid("WATCHDOG_PID", "not-a-pid");
    CHECK_FALSE(SystemdNotifier().watchdog_interval().has_value());
  }
  for (const char* bad : {"", "0", "-5", "12abc", " 12", "1.5", "99999999999999999999999"}) {
    CAPTURE(bad);
    EnvVar usec("WATCHDOG_USEC", bad);
    EnvVar pid("WATCHDOG_PID", nullptr);
    CHECK_FALSE(SystemdNotifier().watchdog_interval().has_value());
  }
}
