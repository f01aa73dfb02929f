#include "support/larderd.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "support/mosquitto.h"

namespace larder::test {
namespace {

void replace_all(std::string& s, const std::string& from, const std::string& to) {
  for (std::size_t at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size())) {
    s.replace(at, from.size(), to);
  }
}

}  // namespace

std::string default_daemon_config() {
  return R"(mqtt:
  url: @MQTT_URL@
  client_id: larder-test
state_dir: @STATE_DIR@
http:
  listen: 127.0.0.1:@HTTP_PORT@
  admin_token: test-admin-token-0123456789
  read_token: test-read-token-0123456789
log_level: debug
consumables:
  coffee:
    name: Coffee beans
    unit: g
    capacity: 1000
    tare: 350
    pack: {sku: COFFEE-500, size: 500, price: 8.99}
  pods:
    unit: pcs
    capacity: 80
    pack: {sku: PODS-40, size: 40}
)";
}

std::string many_consumables_config(int n) {
  std::string s = R"(mqtt:
  url: @MQTT_URL@
  client_id: larder-test
state_dir: @STATE_DIR@
http:
  listen: 127.0.0.1:@HTTP_PORT@
  admin_token: test-admin-token-0123456789
log_level: info
consumables:
)";
  for (int i = 0; i < n; ++i) {
    s += "  c" + std::to_string(i) +
         ":\n    unit: g\n    capacity: 1000\n    pack: {sku: SKU-" + std::to_string(i) +
         ", size: 500}\n";
  }
  return s;
}

LarderdProcess::LarderdProcess(const std::string& mqtt_url, std::string config)
    : dir_("larderd-test-"),
      mqtt_url_(mqtt_url),
      http_port_(free_loopback_port()),
      state_dir_(dir_.file("state")) {
  set_config(std::move(config));
}

void LarderdProcess::set_config(std::string config) {
  replace_all(config, "@MQTT_URL@", mqtt_url_);
  replace_all(config, "@HTTP_PORT@", std::to_string(http_port_));
  replace_all(config, "@STATE_DIR@", state_dir_);
  config_path_ = dir_.write("larder.yaml", config);
}

LarderdProcess::~LarderdProcess() {
  if (notify_fd_ >= 0) ::close(notify_fd_);
  // A daemon that died on its own (a crash, a sanitizer's abort) is why a test failed, and
  // its log goes with the test's directory: say so where ctest shows the failure.
  if (child_.pid() > 0 && !end_accounted_for_ && !child_.running() && child_.status() &&
      !child_.status()->success()) {
    std::string text = log();
    constexpr std::size_t kTail = 6000;
    if (text.size() > kTail) text = "...\n" + text.substr(text.size() - kTail);
    std::fprintf(stderr, "larderd (pid %d) ended on its own: %s; the end of its log:\n%s\n",
                 static_cast<int>(child_.pid()), child_.status()->describe().c_str(),
                 text.c_str());
  }
}

std::chrono::milliseconds LarderdProcess::start(std::chrono::milliseconds timeout) {
  if (notify_fd_ < 0) {
    notify_fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::string path = dir_.file("notify.sock");
    std::strncpy(addr.sun_path, path.c_str(), sizeof(addr.sun_path) - 1);
    if (::bind(notify_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
      throw std::runtime_error("cannot bind the notify socket " + path);
    }
  }
  (void)notifications();  // forget what an earlier run sent
  auto spawned = std::chrono::steady_clock::now();
  ChildOptions opts;
  opts.argv = {LARDERD_PATH, "--config", config_path_};
  // The catalogs of this source tree, not an installed package's (docs/languages.md).
  // Its runtime directory (the store's journal) is its own, as systemd gives it.
  opts.env = {{"NOTIFY_SOCKET", dir_.file("notify.sock")},
              {"RUNTIME_DIRECTORY", runtime_dir()},
              {"LARDER_LOCALES_DIR", std::string(LARDER_SOURCE_DIR) + "/locales"}};
  opts.stdout_path = opts.stderr_path = dir_.file("larderd.log");
  opts.in_child = child_setup_;
  end_accounted_for_ = false;
  spawned_pid_ = 0;
  child_ = ChildProcess(opts);
  spawned_pid_ = child_.pid();
  auto deadline = spawned + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    pollfd p{notify_fd_, POLLIN, 0};
    if (::poll(&p, 1, 20) > 0) {
      char buf[4096];
      ssize_t n = ::recv(notify_fd_, buf, sizeof buf, 0);
      if (n > 0 && std::string(buf, static_cast<std::size_t>(n)).find("READY=1") !=
                       std::string::npos) {
        return std::chrono::duration_cast<std::chrono::milliseconds>(
            std::chrono::steady_clock::now() - spawned);
      }
    }
    if (!child_.running()) break;
  }
  end_accounted_for_ = true;  // the exception carries the log
  throw std::runtime_error("larderd did not become ready; its log:\n" + log());
}

std::vector<std::string> LarderdProcess::notifications() {
  std::vector<std::string> out;
  if (notify_fd_ < 0) return out;
  char buf[4096];
  while (true) {
    ssize_t n = ::recv(notify_fd_, buf, sizeof buf, MSG_DONTWAIT);
    if (n <= 0) break;
    out.emplace_back(buf, static_cast<std::size_t>(n));
  }
  return out;
}

std::vector<std::string> LarderdProcess::notifications_until(const std::string& last,
                                                             std::chrono::milliseconds timeout) {
  std::vector<std::string> out;
  (void)wait_until([&] {
    for (std::string& n : notifications()) out.push_back(std::move(n));
    return !out.empty() && out.back() == last;
  }, timeout);
  return out;
}

ExitStatus LarderdProcess::terminate(std::chrono::milliseconds grace) {
  end_accounted_for_ = true;
  return child_.terminate(grace);
}

ExitStatus LarderdProcess::kill() {
  end_accounted_for_ = true;
  return child_.kill();
}

std::string LarderdProcess::log() const { return read_file(dir_.file("larderd.log")); }

long LarderdProcess::rss_kib() const {
  std::ifstream in("/proc/" + std::to_string(child_.pid()) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  }
  return 0;
}

HttpAnswer http_request(std::uint16_t port, const std::string& method, const std::string& path,
                        const std::vector<std::string>& headers, const std::string& body) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  timeval tv{5, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    throw std::runtime_error("cannot connect to 127.0.0.1:" + std::to_string(port));
  }
  std::string req = method + " " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n";
  for (const auto& h : headers) req += h + "\r\n";
  if (!body.empty() || method == "POST") {
    req += "Content-Length: " + std::to_string(body.size()) + "\r\n";
  }
  req += "\r\n" + body;
  ::send(fd, req.data(), req.size(), MSG_NOSIGNAL);
  std::string raw;
  char buf[8192];
  ssize_t n;
  while ((n = ::recv(fd, buf, sizeof buf, 0)) > 0) raw.append(buf, static_cast<std::size_t>(n));
  ::close(fd);
  HttpAnswer a;
  auto end = raw.find("\r\n\r\n");
  if (raw.size() < 12 || end == std::string::npos) return a;
  a.status = std::stoi(raw.substr(9, 3));
  a.headers = raw.substr(0, end);
  a.body = raw.substr(end + 4);
  return a;
}

}  // namespace larder::test
