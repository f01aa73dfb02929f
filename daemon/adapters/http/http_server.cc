// The hub's HTTP server (http_server.h): the listening socket, TLS set-up, and the limit
// on connections; each connection is a session (http_session.cc).
#include "adapters/http/http_server.h"

#include <openssl/ssl.h>

#include <chrono>
#include <exception>
#include <string>
#include <utility>

#include "adapters/http/http_core.h"
#include "larder/log.h"

namespace larder {

namespace http_detail {

void ServerCore::accept() {
  acceptor.async_accept([self = shared_from_this()](beast::error_code ec, tcp::socket socket) {
    self->on_accept(ec, std::move(socket));
  });
}

bool ServerCore::evict_idlest() {
  std::shared_ptr<Connection> idlest;
  SteadyTime since{};
  for (auto& [id, weak] : connections) {
    std::shared_ptr<Connection> c = weak.lock();
    if (!c) continue;
    std::optional<SteadyTime> idle = c->idle_since();
    if (idle && (!idlest || *idle < since)) {
      idlest = std::move(c);
      since = *idle;
    }
  }
  if (!idlest) return false;
  reject("evicted_idle");
  using Seconds = std::chrono::duration<double>;
  double seconds = Seconds(std::chrono::steady_clock::now() - since).count();
  log_debug("http: at " + std::to_string(options.max_connections) + " connections: closed one" +
            " idle for " + std::to_string(seconds) + " s for a new one");
  idlest->close();  // its session ends (and leaves `connections`) when its read is aborted
  return true;
}

void ServerCore::on_accept(beast::error_code ec, tcp::socket socket) {
  if (!running) return;
  if (ec) {
    if (ec == asio::error::operation_aborted) return;
    log_warn("http: accept failed: " + ec.message());
    retry.expires_after(std::chrono::milliseconds(100));
    retry.async_wait([self = shared_from_this()](beast::error_code wec) {
      if (!wec && self->running) self->accept();
    });
    return;
  }
  // Full: the connection idle the longest makes room, so that idle sockets (a client that
  // connects and sends nothing, again and again) cannot lock everyone out; only when every
  // connection is busy with a request is the new one refused.
  if (connections.size() >= options.max_connections && !evict_idlest()) {
    reject("too_many_connections");
    beast::error_code ignored;
    socket.close(ignored);
    accept();
    return;
  }
  beast::error_code rec;
  std::string remote = socket.remote_endpoint(rec).address().to_string();
  if (rec) remote = "unknown";
  std::uint64_t id = ++next_id;
  std::shared_ptr<Connection> s = make_session(shared_from_this(), std::move(socket), remote, id);
  connections[id] = s;
  s->run();
  accept();
}

}  // namespace http_detail

using http_detail::asio::ip::tcp;
namespace asio = http_detail::asio;
namespace beast = http_detail::beast;

struct HttpServer::Impl : http_detail::ServerCore {
  using ServerCore::ServerCore;
};

HttpServer::HttpServer(asio::io_context& ioc, HttpServerOptions options, AsyncHttpHandler handler,
                       Metrics& metrics)
    : impl_(std::make_shared<Impl>(ioc, std::move(options), std::move(handler), metrics)) {
  metrics.describe("larder_http_requests_total", "counter", "HTTP answers sent, by status code.");
  metrics.describe("larder_http_rejected_total", "counter",
                   "HTTP requests or connections refused by the server's limits, by reason.");
}

HttpServer::HttpServer(asio::io_context& ioc, HttpServerOptions options, HttpHandler handler, Metrics& metrics)
    : HttpServer(ioc, std::move(options),
                 [handler = std::move(handler)](const HttpRequest& r, const HttpRespond& respond) { respond(handler(r)); },
                 metrics) {}

HttpServer::~HttpServer() { stop(); }

std::uint16_t HttpServer::port() const { return impl_->port; }

std::size_t HttpServer::connections() const { return impl_->connections.size(); }

Status HttpServer::start() {
  auto& core = *impl_;
  if (core.started) return Status::Error("the HTTP server was already started");
  const auto& o = core.options;
  beast::error_code ec;
  std::string host = o.host == "localhost" ? "127.0.0.1" : o.host;
  asio::ip::address address = asio::ip::make_address(host, ec);
  if (ec) return Status::Error("'" + o.host + "' is not an IP address");
  if (o.tls) {
    if (o.tls->cert.empty() || o.tls->key.empty()) return Status::Error("TLS needs both a cert and a key file");
    try {
      core.tls.emplace(asio::ssl::context::tls_server);
    } catch (const std::exception& e) {
      return Status::Error(std::string("cannot set up TLS: ") + e.what());
    }
    auto& ctx = *core.tls;
    ctx.set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_compression |
                        asio::ssl::context::single_dh_use,
                    ec);
    SSL_CTX_set_min_proto_version(ctx.native_handle(), TLS1_2_VERSION);
    ctx.use_certificate_chain_file(o.tls->cert, ec);
    if (ec) {
      core.tls.reset();
      return Status::Error("cannot load the TLS certificate " + o.tls->cert + ": " + ec.message());
    }
    ctx.use_private_key_file(o.tls->key, asio::ssl::context::pem, ec);
    if (ec || SSL_CTX_check_private_key(ctx.native_handle()) != 1) {
      core.tls.reset();
      return Status::Error("cannot load the TLS key " + o.tls->key + " (or it does not match the certificate)" +
                           (ec ? ": " + ec.message() : std::string()));
    }
  }
  tcp::endpoint endpoint(address, o.port);
  std::string where = host + ":" + std::to_string(o.port);
  auto failed = [&](const char* what) {
    beast::error_code ignored;
    core.acceptor.close(ignored);
    core.tls.reset();
    return Status::Error(std::string("cannot ") + what + " " + where + ": " + ec.message());
  };
  core.acceptor.open(endpoint.protocol(), ec);
  if (ec) return failed("open a socket for");
  core.acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (ec) return failed("set options for");
  core.acceptor.bind(endpoint, ec);
  if (ec) return failed("bind");
  core.acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return failed("listen on");
  core.port = core.acceptor.local_endpoint(ec).port();
  core.started = true;
  core.running = true;
  core.accept();
  return Status::Ok();
}

void HttpServer::stop() {
  auto& core = *impl_;
  if (!core.running) return;
  core.running = false;
  beast::error_code ignored;
  core.acceptor.close(ignored);
  core.retry.cancel();
  auto open = core.connections;
  for (auto& [id, weak] : open) {
    if (auto c = weak.lock()) c->close();
  }
}

}  // namespace larder
