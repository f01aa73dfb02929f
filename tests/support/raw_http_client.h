// A raw HTTP/1.1 client over a blocking loopback socket, for tests of the hub's HTTP server
// that need what a library client hides: pipelining, half-sent requests, closes, exact
// bytes (http_server_test.cc, http_server_async_test.cc). Failures are doctest failures.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <map>
#include <string>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

namespace larder::test {

inline int connect_to(std::uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(fd >= 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  timeval tv{5, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  return fd;
}

struct Client {
  int fd;
  std::string buffer;  // received and not yet consumed
  explicit Client(std::uint16_t port) : fd(connect_to(port)) {}
  ~Client() {
    if (fd >= 0) ::close(fd);
  }
  void close() {
    ::close(fd);
    fd = -1;
  }

  bool send(const std::string& data) {
    std::size_t sent = 0;
    while (sent < data.size()) {
      ssize_t n = ::send(fd, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
      if (n <= 0) return false;
      sent += static_cast<std::size_t>(n);
    }
    return true;
  }
  // Reads more into buffer; false on close, error or the 5 s receive timeout.
  bool fill() {
    char chunk[4096];
    ssize_t n = ::recv(fd, chunk, sizeof chunk, 0);
    if (n <= 0) return false;
    buffer.append(chunk, static_cast<std::size_t>(n));
    return true;
  }
  // Whether the server closes the connection (EOF or reset) within `seconds`; what
  // arrives meanwhile is added to buffer.
  bool closed_within(double seconds) {
    auto until = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
    timeval tv{0, 100000};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    while (std::chrono::steady_clock::now() < until) {
      char chunk[4096];
      ssize_t n = ::recv(fd, chunk, sizeof chunk, 0);
      if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK)) return true;
      if (n > 0) buffer.append(chunk, static_cast<std::size_t>(n));
    }
    return false;
  }
};

struct Response {
  int status = 0;
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;
  std::string header(const std::string& n) const {
    auto it = headers.find(n);
    return it == headers.end() ? "" : it->second;
  }
  std::string json(const char* key) const { return nlohmann::json::parse(body)[key].dump(); }
  std::string error_code() const { return nlohmann::json::parse(body)["error"]["code"].get<std::string>(); }
};

// Reads one response with a Content-Length (ignored for an answer to HEAD); status 0
// when the connection ended first.
inline Response read_response(Client& c, bool to_head = false) {
  Response r;
  std::size_t end;
  while ((end = c.buffer.find("\r\n\r\n")) == std::string::npos) {
    if (!c.fill()) return r;
  }
  std::string head = c.buffer.substr(0, end);
  c.buffer.erase(0, end + 4);
  std::size_t line_end = head.find("\r\n");
  r.status = std::atoi(head.substr(9, 3).c_str());
  std::size_t pos = line_end == std::string::npos ? head.size() : line_end + 2;
  while (pos < head.size()) {
    std::size_t next = head.find("\r\n", pos);
    if (next == std::string::npos) next = head.size();
    std::string line = head.substr(pos, next - pos);
    std::size_t colon = line.find(':');
    std::string name = line.substr(0, colon);
    for (char& ch : name) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    std::string value = line.substr(colon + 1);
    while (!value.empty() && value.front() == ' ') value.erase(0, 1);
    r.headers[name] = value;
    pos = next + 2;
  }
  std::size_t length = r.headers.count("content-length") && !to_head ? std::stoul(r.headers["content-length"]) : 0;
  while (c.buffer.size() < length) {
    if (!c.fill()) return Response{};
  }
  r.body = c.buffer.substr(0, length);
  c.buffer.erase(0, length);
  return r;
}

}  // namespace larder::test
