// The HTTP server's private parts (http_server.h), shared by its two files: the state the
// server and its connections share (ServerCore: the acceptor, the connection limit) in
// http_server.cc, and one connection reading and answering requests in http_session.cc.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/ssl.hpp>

#include "adapters/http/http_server.h"

namespace larder::http_detail {

namespace asio = boost::asio;
namespace beast = boost::beast;
using tcp = asio::ip::tcp;

using PlainStream = beast::tcp_stream;
using TlsStream = beast::ssl_stream<beast::tcp_stream>;

using SteadyTime = std::chrono::steady_clock::time_point;

class Connection {
 public:
  virtual ~Connection() = default;
  virtual void run() = 0;  // starts reading (after the TLS handshake, with TLS)
  virtual void close() = 0;
  // Since when it has waited for the first byte of a request (fresh from the accept, or
  // kept alive after an answer); nullopt while a request is read, handled or answered,
  // and once closed.
  virtual std::optional<SteadyTime> idle_since() const = 0;
};

// The state shared by the server and its connections; connections keep it alive.
struct ServerCore : std::enable_shared_from_this<ServerCore> {
  ServerCore(asio::io_context& io, HttpServerOptions o, AsyncHttpHandler h, Metrics& m)
      : ioc(io), options(std::move(o)), handler(std::move(h)), metrics(m), acceptor(io), retry(io) {}

  asio::io_context& ioc;
  HttpServerOptions options;
  AsyncHttpHandler handler;
  Metrics& metrics;
  std::optional<asio::ssl::context> tls;
  tcp::acceptor acceptor;
  asio::steady_timer retry;
  std::uint16_t port = 0;
  bool started = false;
  bool running = false;
  std::uint64_t next_id = 0;
  std::map<std::uint64_t, std::weak_ptr<Connection>> connections;

  void reject(const char* reason) { metrics.inc("larder_http_rejected_total", {{"reason", reason}}); }
  void accept();
  void on_accept(beast::error_code ec, tcp::socket socket);
  // Closes the connection idle the longest, to make room for a new one; false when none
  // is idle (every one is busy with a request).
  bool evict_idlest();
};

// A connection on `socket` accepted from `remote`, plain or TLS as the core is, not yet
// running (http_session.cc). It leaves `core->connections` under `id` when it ends.
std::shared_ptr<Connection> make_session(std::shared_ptr<ServerCore> core, tcp::socket&& socket,
                                         std::string remote, std::uint64_t id);

}  // namespace larder::http_detail
