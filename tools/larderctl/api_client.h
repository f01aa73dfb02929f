// A small synchronous client of the hub's HTTP API (shared/contract/http.md) for larderctl:
// one request per connection, JSON in and out, over Boost.Beast (HTTP, or HTTPS with
// OpenSSL when the daemon serves TLS).
//
// Where it connects: the configuration's http.listen, with a wildcard address made
// loopback (0.0.0.0 -> 127.0.0.1, :: -> ::1); no name is ever resolved. With TLS the
// server's certificate must chain to --ca FILE (or the system's trust store) and name the
// address connected to (an IP subject alternative name), or "localhost" when that address
// is a loopback one.
//
// What a call answers:
//   - a transport failure (connection refused, nothing answering within the timeout, a TLS
//     handshake or certificate that fails, an answer that is not HTTP or is too large) is a
//     Status whose message says what and where, ending in a hint for the user;
//   - any HTTP answer is an ApiReply, whatever its status: error_message() gives an error
//     answer's {"error":{"message"}} in words.
// The timeout covers the whole exchange (connect, handshake, request and answer).
// Thread rule: one client per thread; each call runs its own io_context and returns when
// the exchange is over.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "larder/config.h"
#include "larder/status.h"

namespace larderctl {

struct ApiTarget {
  std::string host;         // an IP address, as written in http.listen (no brackets)
  std::uint16_t port = 0;
  bool tls = false;
  std::string ca_file;      // PEM bundle to trust; empty: the system's trust store
  std::string token;        // sent as `Authorization: Bearer <token>`

  // "http://127.0.0.1:8080" or "https://[::1]:8443".
  std::string url() const;
};

// The daemon's address and scheme from its http section; the token is left to the caller.
ApiTarget api_target(const larder::HttpConfig& http);

struct ApiReply {
  int status = 0;
  std::string text;       // the body as sent
  nlohmann::json body;    // the body parsed; null when it is empty or not JSON

  bool ok() const { return status >= 200 && status < 300; }
  // An error answer in words: its message (and code), or the status when the body has none.
  std::string error_message() const;
};

// Whether `path` can be trusted as --ca FILE: a regular file that can be read, holding a
// PEM certificate OpenSSL takes. A bad one is the user's argument, said before anything
// is sent ("the CA file F is a directory"), not a failure to reach larderd.
larder::Status check_ca_file(const std::string& path);

class ApiClient {
 public:
  explicit ApiClient(ApiTarget target,
                     std::chrono::milliseconds timeout = std::chrono::seconds(10));

  larder::Result<ApiReply> get(const std::string& path);
  larder::Result<ApiReply> post(const std::string& path, const nlohmann::json& body);
  larder::Result<ApiReply> put(const std::string& path, const nlohmann::json& body);
  larder::Result<ApiReply> del(const std::string& path);

  const ApiTarget& target() const { return target_; }

 private:
  larder::Result<ApiReply> request(const std::string& method, const std::string& path,
                                   const std::string& body);

  ApiTarget target_;
  std::chrono::milliseconds timeout_;
};

}  // namespace larderctl
