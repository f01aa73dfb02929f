// The hub's HTTP(S) server: Boost.Beast on the daemon's event loop.
//
// It accepts connections on one address, parses HTTP/1.0 and 1.1 (keep-alive, pipelined
// requests answered in order), enforces the limits below, turns each complete request
// into a larder::HttpRequest (decoded path and query, lower-case header names, the
// peer's address) and answers with what the handler gives. With `tls` set (cert and key,
// PEM files) it speaks only TLS, version 1.2 or newer.
//
// Answers given later (AsyncHttpHandler, larder/http.h): the connection waits for the
// request's HttpRespond, reading nothing more meanwhile (pipelined requests stay in
// order, already received bytes wait in the buffer), then writes the answer under the
// rules below. A synchronous HttpHandler is wrapped to respond at once. No timeout runs
// while an answer is pending (the handler bounds its wait); the write afterwards has
// `idle_timeout`. A respond whose connection has closed (by the client, a failed write or
// stop()) does nothing: it holds only a weak reference to the connection, which keeps
// itself alive while waiting until it is answered or closed. A second call of the same
// respond is ignored and logged; a respond destroyed without a call answers 500 internal
// (logged as a bug).
//
// Limits and what a client gets for breaking them (error bodies as in
// shared/contract/http.md; each counted in larder_http_rejected_total{reason}):
//   - body over `body_limit`: 413 too_large, then the connection is closed
//     (reason="body_too_large"); with a Content-Length over it the body is not read;
//   - header block over `header_limit`: 431 too_large, closed (reason="header_too_large");
//   - a Transfer-Encoding other than `chunked` alone (gzip, "gzip, chunked", several
//     fields): 501 not_implemented before the body is read, closed
//     (reason="transfer_encoding"): the parser decodes only chunked;
//   - malformed HTTP, an HTTP/1.1 request without Host, or a bad target (not a path,
//     bad percent-encoding, %2F, "." or "..", a repeated query parameter): 400
//     bad_request, closed (reason="malformed" or "bad_target");
//   - a request whose header and body do not arrive within `read_timeout` of its first
//     byte: closed without an answer (reason="timeout");
//   - a new connection that sends no byte of a request within `read_timeout` (after the
//     TLS handshake, if any): closed (not counted); a kept-alive connection idle for
//     `idle_timeout` between requests: closed (not counted); writing an answer also has
//     `idle_timeout`;
//   - a new connection while `max_connections` are open: the one that has waited the
//     longest for a request's first byte (fresh, kept alive, or in its TLS handshake) is
//     closed to make room for it (reason="evicted_idle"), as mature servers reuse idle
//     keep-alive connections, so that idle sockets cannot lock everyone out; only when
//     every connection is busy with a request is the new one closed at once
//     (reason="too_many_connections");
//   - a failed TLS handshake (within `read_timeout`): closed (reason="tls_handshake").
// `Expect: 100-continue` is answered with 100 Continue when the body is acceptable.
// Every answer is counted in larder_http_requests_total{code}.
//
// Answers carry Content-Type and Content-Length from the HttpResponse, and unless the
// handler sets them itself: Cache-Control: no-store, X-Content-Type-Options: nosniff,
// X-Frame-Options: DENY, Referrer-Policy: no-referrer and
// Content-Security-Policy: default-src 'none'; frame-ancestors 'none' (a handler serving
// the dashboard sets its own). A handler header whose name or value holds CR, LF or NUL
// is dropped and logged, as are the framing headers (Content-Length, Transfer-Encoding,
// Connection; Content-Type comes from HttpResponse::content_type); a status outside
// 200-599 becomes 500; the body of a 204 or 304 is dropped. A handler that throws before
// it responded gets 500 internal (logged). The handler sees HEAD as it is (the Router
// answers 405 unless a route registers HEAD); the answer to HEAD goes out without its body.
//
// Thread rule: construct, start(), stop() and destroy on the event-loop thread, or
// while the loop is not running; the handler runs on the loop thread and its respond is
// called there. The io_context, the handler's captures and `metrics` must outlive the
// server (a respond may outlive it: it then does nothing).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include <boost/asio/io_context.hpp>

#include "larder/config.h"
#include "larder/http.h"
#include "larder/metrics.h"
#include "larder/status.h"

namespace larder {

struct HttpServerOptions {
  std::string host = "127.0.0.1";  // an IP address (v4 or v6), or "localhost"
  std::uint16_t port = 8080;       // 0: the system picks a free port (see port())
  std::optional<TlsConfig> tls;    // cert and key paths: serve HTTPS only
  std::size_t body_limit = std::size_t{64} * 1024;
  std::size_t header_limit = std::size_t{8} * 1024;
  std::chrono::seconds read_timeout{10};  // a request, from its first byte; a fresh
                                          // connection's wait for its first byte
  std::chrono::seconds idle_timeout{30};  // a kept-alive connection's wait between requests
  std::size_t max_connections = 64;
};

class HttpServer {
 public:
  HttpServer(boost::asio::io_context& ioc, HttpServerOptions options, AsyncHttpHandler handler,
             Metrics& metrics);
  // A synchronous handler, wrapped to respond with its return value at once.
  HttpServer(boost::asio::io_context& ioc, HttpServerOptions options, HttpHandler handler,
             Metrics& metrics);
  ~HttpServer();  // stop()
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Loads the TLS certificate and key (if any), binds and listens, and starts accepting
  // on the io_context. Fails, listening on nothing, when the host is not an IP address,
  // the address is in use or not ours, the certificate or key cannot be loaded or do not
  // match, or the server was already started.
  Status start();
  // The port listened on (the chosen one for port 0); 0 before start().
  std::uint16_t port() const;
  // Closes the acceptor and every connection (answers being written or still awaited
  // are dropped; a later respond does nothing); idempotent.
  void stop();
  // Open connections.
  std::size_t connections() const;

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace larder
