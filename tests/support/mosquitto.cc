#include "support/mosquitto.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <stdexcept>
#include <utility>

namespace larder::test {
sockaddr_in loopback(std::uint16_t port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return a;
}

namespace {

constexpr const char* kMosquitto = "/usr/sbin/mosquitto";

}  // namespace

namespace {

// True if 127.0.0.1:port can be bound now (and is released again).
bool bindable(std::uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  sockaddr_in a = loopback(port);
  bool ok = ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  ::close(fd);
  return ok;
}

// The kernel's ephemeral ports (ip_local_port_range), from which outgoing connections
// take their local port.
std::pair<int, int> ephemeral_range() {
  std::ifstream in("/proc/sys/net/ipv4/ip_local_port_range");
  int lo = 32768;
  int hi = 60999;
  in >> lo >> hi;
  return {lo, hi};
}

}  // namespace

std::uint16_t free_loopback_port() {
  // A port below the ephemeral range: one the kernel hands out (bind to port 0) is free
  // only until an outgoing connection, of which the tests make thousands, is given it
  // before the server binds it ("Address already in use" in CI).
  constexpr int kFirst = 20000;
  const int last = ephemeral_range().first - 1;
  if (last - kFirst >= 1000) {
    static std::mt19937 rng(std::random_device{}() ^ static_cast<unsigned>(::getpid()));
    std::uniform_int_distribution<int> pick(kFirst, last);
    for (int tries = 0; tries < 200; ++tries) {
      const auto port = static_cast<std::uint16_t>(pick(rng));
      if (bindable(port)) return port;
    }
  }
  // No room below it: a port the kernel chooses.
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw std::runtime_error(std::string("socket: ") + std::strerror(errno));
  sockaddr_in a = loopback(0);
  socklen_t len = sizeof a;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
    int err = errno;
    ::close(fd);
    throw std::runtime_error(std::string("bind 127.0.0.1:0: ") + std::strerror(err));
  }
  ::close(fd);
  return ntohs(a.sin_port);
}

bool port_accepts(std::uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  sockaddr_in a = loopback(port);
  bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  ::close(fd);
  return ok;
}

MosquittoBroker::MosquittoBroker(BrokerOptions opts) : dir_("larder-mosquitto-") {
  port_ = free_loopback_port();
  std::filesystem::create_directories(dir_.file("data"));
  std::string conf;
  conf += "listener " + std::to_string(port_) + " 127.0.0.1\n";
  conf += std::string("allow_anonymous ") + (opts.allow_anonymous ? "true" : "false") + "\n";
  if (opts.persistence) {
    conf += "persistence true\n";
    conf += "persistence_location " + dir_.file("data") + "/\n";
  } else {
    conf += "persistence false\n";
  }
  conf += "max_queued_messages 100000\n";
  conf += "log_dest stdout\nlog_type all\nconnection_messages true\nlog_timestamp true\n";
  if (geteuid() == 0) conf += "user root\n";
  for (const auto& line : opts.extra_config) conf += line + "\n";
  dir_.write("mosquitto.conf", conf);
  start();
}

MosquittoBroker::~MosquittoBroker() {
  try {
    stop();
  } catch (...) {
  }
}

bool MosquittoBroker::running() { return proc_.pid() > 0 && proc_.running(); }

void MosquittoBroker::start() {
  if (running()) return;
  ChildOptions o;
  o.argv = {kMosquitto, "-c", config_path()};
  o.stdout_path = dir_.file("mosquitto.log");
  o.stderr_path = o.stdout_path;
  o.append_output = true;  // restart() keeps the earlier runs' lines
  proc_ = ChildProcess(o);
  const bool up = wait_until([&] { return !proc_.running() || port_accepts(port_); },
                             std::chrono::seconds(5));
  if (!up || !proc_.running()) {
    std::string why = proc_.running() ? "did not accept connections within 5 s"
                                      : "exited: " + proc_.wait(std::chrono::seconds(1))->describe();
    proc_.kill();
    throw std::runtime_error("mosquitto on port " + std::to_string(port_) + " " + why + "\n--- config\n" +
                             read_file(config_path()) + "--- log\n" + log());
  }
}

void MosquittoBroker::stop() {
  if (proc_.pid() > 0) proc_.terminate(std::chrono::seconds(5));
}

void MosquittoBroker::restart() {
  stop();
  start();
}

void MosquittoBroker::kill() {
  if (proc_.pid() > 0) proc_.kill();
}

std::string MosquittoBroker::log() const {
  return read_file(dir_.file("mosquitto.log"));
}

}  // namespace larder::test
