// One HTTP connection of the hub's server (http_core.h): reads requests one after the
// other with the server's limits and timeouts, hands each to the handler, writes its
// answer, and closes on error, on a timeout or when the server closes it.
#include "adapters/http/http_core.h"

#include <openssl/ssl.h>

#include <array>
#include <exception>
#include <map>
#include <type_traits>
#include <utility>

#include <boost/beast/http.hpp>

#include "api/http_types.h"
#include "larder/log.h"
#include "larder/text.h"

namespace larder::http_detail {

namespace bhttp = beast::http;

namespace {

constexpr std::size_t kFirstRead = std::size_t{8} * 1024;  // bytes read awaiting a request
constexpr std::chrono::seconds kLinger{1};  // reading what a closed-on client still sends
constexpr std::size_t kLingerBytes = std::size_t{1024} * 1024;

bool forbidden_chars(const std::string& s) { return s.find_first_of("\r\n", 0) != std::string::npos || s.find('\0') != std::string::npos; }

std::string_view sv(beast::string_view s) { return {s.data(), s.size()}; }

HttpResponse internal_error() {
  return HttpResponse::error(500, "internal", "internal error; the hub's log says more");
}

template <class Stream>
Stream make_stream(tcp::socket&& socket, ServerCore& core) {
  if constexpr (std::is_same_v<Stream, TlsStream>) {
    return TlsStream(PlainStream(std::move(socket)), *core.tls);
  } else {
    return PlainStream(std::move(socket));
  }
}

// One connection: reads requests one after the other, answers each, closes on error.
// While an answer is awaited no operation holds the session: it holds itself (keep_)
// until the answer comes or close() is called.
template <class Stream>
class Session : public Connection, public std::enable_shared_from_this<Session<Stream>> {
 public:
  static constexpr bool kTls = std::is_same_v<Stream, TlsStream>;

  // The answer to one request, shared by the copies of its HttpRespond. It refers to the
  // session weakly: a respond kept after the connection closed does not keep it.
  struct Pending {
    std::weak_ptr<Session> session;
    std::string what;  // "GET /path", for logs
    unsigned version = 11;
    bool keep_alive = false;
    bool head = false;
    bool called = false;

    Pending() = default;
    Pending(const Pending&) = delete;
    Pending& operator=(const Pending&) = delete;

    void answer(HttpResponse h) {
      if (called) {
        log_error("http: the handler for " + what + " responded twice; the second answer is ignored");
        return;
      }
      called = true;
      std::shared_ptr<Session> s = session.lock();
      session.reset();
      if (!s) {
        log_debug("http: the answer to " + what + " came after its connection closed; dropped");
        return;
      }
      s->on_answer(std::move(h), version, keep_alive, head);
    }

    // Every copy of the respond is gone without a call: answer 500 rather than leave the
    // client waiting, unless the connection is gone anyway.
    ~Pending() {
      if (called) return;
      try {
        std::shared_ptr<Session> s = session.lock();
        if (!s || !s->waiting()) {
          log_debug("http: the respond for " + what + " was dropped after its connection closed");
          return;
        }
        s.reset();
        log_error("http: bug: the handler for " + what + " dropped its respond without answering; sending 500");
        answer(internal_error());
      } catch (...) {
        // A destructor must not throw; the connection then closes without an answer.
      }
    }
  };

  Session(std::shared_ptr<ServerCore> core, tcp::socket&& socket, std::string remote, std::uint64_t id)
      : core_(std::move(core)), stream_(make_stream<Stream>(std::move(socket), *core_)),
        remote_(std::move(remote)), id_(id), idle_since_(std::chrono::steady_clock::now()) {
    // Beast 1.74 holds a chunked body's whole trailer in the buffer, and applies no
    // header_limit to it: unbounded, a trailer field over 64 KiB throws out of the parser
    // (std::length_error, through io_context::run) and many smaller ones grow the request
    // without end. A header block and a first read fit; anything longer is refused.
    buffer_.max_size(2 * opts().header_limit + kFirstRead);
  }
  ~Session() override { core_->connections.erase(id_); }

  void run() override {
    if constexpr (kTls) {
      tcp().expires_after(opts().read_timeout);
      stream_.async_handshake(asio::ssl::stream_base::server,
                              [self = this->shared_from_this()](beast::error_code ec) {
                                if (ec) {
                                  if (ec != asio::error::operation_aborted) core_reject(*self, "tls_handshake");
                                  log_debug("http: TLS handshake with " + self->remote_ + " failed: " + ec.message());
                                  return;
                                }
                                self->read_request();
                              });
    } else {
      read_request();
    }
  }

  void close() override {
    std::shared_ptr<Session> keep = std::move(keep_);  // may be the last reference: released on return
    closed_ = true;
    tcp().close();
  }

  std::optional<SteadyTime> idle_since() const override {
    if (closed_) return std::nullopt;
    return idle_since_;
  }

 private:
  static void core_reject(Session& s, const char* reason) { s.core_->reject(reason); }
  beast::tcp_stream& tcp() { return beast::get_lowest_layer(stream_); }
  const HttpServerOptions& opts() const { return core_->options; }
  bool waiting() const { return keep_ != nullptr && !closed_ && core_->running; }

  // Waits for the first bytes of the next request, then reads it: a fresh connection
  // waits read_timeout (a client connects when it has something to send), a kept-alive
  // one idle_timeout. Meanwhile the connection is idle, and may be evicted for a new one.
  void read_request() {
    if (!core_->running) return;
    parser_.emplace();
    parser_->body_limit(opts().body_limit);
    parser_->header_limit(static_cast<std::uint32_t>(opts().header_limit));
    bool pending = buffer_.size() > 0;
    if constexpr (kTls) pending = pending || SSL_pending(stream_.native_handle()) > 0;
    if (pending) {
      idle_since_.reset();
      read_header();
      return;
    }
    if (!idle_since_) idle_since_ = std::chrono::steady_clock::now();  // fresh: since accept
    tcp().expires_after(fresh_ ? opts().read_timeout : opts().idle_timeout);
    stream_.async_read_some(buffer_.prepare(kFirstRead),
                            [self = this->shared_from_this()](beast::error_code ec, std::size_t n) {
                              if (ec) return;  // idle, evicted, closed by the client, or stopped
                              self->idle_since_.reset();
                              self->fresh_ = false;
                              self->buffer_.commit(n);
                              self->read_header();
                            });
  }

  // The whole request must arrive within read_timeout of its first byte.
  void read_header() {
    tcp().expires_after(opts().read_timeout);
    bhttp::async_read_header(stream_, buffer_, *parser_,
                             [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
                               self->on_header(ec);
                             });
  }

  void on_header(beast::error_code ec) {
    if (ec) return on_read_error(ec);
    const auto& req = parser_->get();
    if (req.version() >= 11 && req.find(bhttp::field::host) == req.end()) {
      return fail(400, "bad_request", "an HTTP/1.1 request needs a Host header", "malformed");
    }
    if (req.count(bhttp::field::host) > 1) {  // RFC 9112 section 3.2: 400, whatever they say
      return fail(400, "bad_request", "a request has one Host header, not several", "malformed");
    }
    header_fields_ = static_cast<std::size_t>(std::distance(req.begin(), req.end()));
    // The parser decodes chunked and nothing else: a body in another coding (gzip, ...)
    // would reach the handler still encoded. Only `chunked` alone is served (RFC 9112
    // section 6.1: 501 for a transfer coding the server does not implement).
    auto codings = req.equal_range(bhttp::field::transfer_encoding);
    std::size_t fields = 0;
    std::string coding;
    for (auto it = codings.first; it != codings.second; ++it) {
      ++fields;
      coding = std::string(sv(it->value()));
    }
    if (fields > 1 || (fields == 1 && !iequals(coding, "chunked"))) {
      std::string what = fields > 1
                             ? std::string("several Transfer-Encoding fields are")
                             : "Transfer-Encoding " + quote_excerpt(coding, 64, '\'') + " is";
      return fail(501, "not_implemented", what + " not supported: only chunked alone",
                  "transfer_encoding");
    }
    if (parser_->is_done()) return on_read(ec);
    if (req.version() >= 11 && iequals(sv(req[bhttp::field::expect]), "100-continue")) {
      auto cont = std::make_shared<bhttp::response<bhttp::empty_body>>(bhttp::status::continue_, 11);
      bhttp::async_write(stream_, *cont,
                         [self = this->shared_from_this(), cont](beast::error_code wec, std::size_t) {
                           if (!wec) self->read_body();
                         });
      return;
    }
    read_body();
  }

  void read_body() {
    bhttp::async_read(stream_, buffer_, *parser_,
                      [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
                        if (ec) return self->on_read_error(ec);
                        self->on_read(ec);
                      });
  }

  void on_read_error(beast::error_code ec) {
    if (ec == bhttp::error::body_limit) {
      return fail(413, "too_large",
                  "the request body is larger than " + std::to_string(opts().body_limit) + " bytes",
                  "body_too_large");
    }
    if (ec == bhttp::error::buffer_overflow) {  // a chunked body's trailer: see the constructor
      return fail(431, "too_large",
                  "the trailer of the chunked request body is too large (trailer fields are "
                  "not accepted)",
                  "header_too_large");
    }
    if (ec == bhttp::error::header_limit) {
      return fail(431, "too_large",
                  "the request header is larger than " + std::to_string(opts().header_limit) + " bytes",
                  "header_too_large");
    }
    if (ec == beast::error::timeout) {
      core_->reject("timeout");  // tcp_stream has closed the socket
      log_debug("http: request from " + remote_ + " not complete in time; closed");
      return;
    }
    if (ec == bhttp::error::end_of_stream || ec == bhttp::error::partial_message) return;
    if (ec == bhttp::error::bad_transfer_encoding &&
        parser_->get().find(bhttp::field::content_length) != parser_->get().end()) {
      // Beast's error for a Content-Length with chunked too: a malformed request (RFC 9112
      // section 6.3), not a coding we lack.
      return fail(400, "bad_request",
                  "malformed HTTP request: Content-Length and Transfer-Encoding together",
                  "malformed");
    }
    if (ec == bhttp::error::bad_transfer_encoding) {
      // Beast refuses a coding after `chunked` ("chunked" then "gzip", or a second field)
      // before on_header() can count the fields: the same answer as there.
      return fail(501, "not_implemented",
                  "this Transfer-Encoding is not supported: only chunked alone",
                  "transfer_encoding");
    }
    if (ec.category() == bhttp::make_error_code(bhttp::error::bad_method).category()) {
      return fail(400, "bad_request", "malformed HTTP request: " + ec.message(), "malformed");
    }
    // Socket errors and stop(): nothing to answer.
  }

  void on_read(beast::error_code) {
    if (!core_->running) return;
    if (static_cast<std::size_t>(std::distance(parser_->get().begin(), parser_->get().end())) !=
        header_fields_) {
      // Beast adds a chunked body's trailer fields to the header's: a field sent there
      // (an Authorization, a second Host) would pass for one the header carried.
      return fail(400, "bad_request", "trailer fields after a chunked body are not accepted",
                  "malformed");
    }
    bhttp::request<bhttp::string_body> req = parser_->release();
    HttpRequest r;
    r.method = std::string(req.method_string());
    r.target = std::string(req.target());
    for (const auto& field : req) {
      std::string name = ascii_lower(sv(field.name_string()));
      std::string value(field.value());
      auto [it, fresh] = r.headers.emplace(name, value);
      if (!fresh) it->second += (name == "cookie" ? "; " : ", ") + value;
    }
    r.body = std::move(req.body());
    r.remote = remote_;
    if (Status s = parse_target(r.target, r); !s) {
      return fail(400, "bad_request", s.message(), "bad_target");
    }
    auto pending = std::make_shared<Pending>();
    pending->session = this->weak_from_this();
    pending->what = r.method + " " + r.path;
    pending->version = req.version();
    pending->keep_alive = req.keep_alive();
    pending->head = req.method() == bhttp::verb::head;
    keep_ = this->shared_from_this();  // until on_answer() or close()
    // `pending` stays referenced here until the handler has returned, so that a throwing
    // handler is reported as such rather than as a dropped respond.
    std::optional<std::string> thrown;
    try {
      core_->handler(r, [pending](HttpResponse h) { pending->answer(std::move(h)); });
    } catch (const std::exception& e) {
      thrown = std::string(": ") + e.what();
    } catch (...) {
      thrown = std::string();
    }
    if (thrown) {
      if (pending->called) {
        log_error("http: handler for " + pending->what + " threw after it responded" + *thrown);
      } else {
        log_error("http: handler for " + pending->what + " threw" + *thrown);
        pending->answer(internal_error());
      }
    }
  }

  // The handler's answer (at once or later): written unless the connection has closed.
  void on_answer(HttpResponse h, unsigned version, bool keep_alive, bool head) {
    std::shared_ptr<Session> keep = std::move(keep_);  // the caller holds the session too
    if (closed_ || !core_->running) return;
    respond(std::move(h), version, keep_alive, head);
  }

  // Answers an unusable request and closes the connection afterwards.
  void fail(int status, const char* code, const std::string& message, const char* reason) {
    core_->reject(reason);
    log_debug("http: refused a request from " + remote_ + ": " + message);
    respond(HttpResponse::error(status, code, message), 11, false);
  }

  void respond(HttpResponse h, unsigned version, bool keep_alive, bool head = false) {
    if (h.status < 200 || h.status > 599 || forbidden_chars(h.content_type)) {
      log_error("http: handler answered status " + std::to_string(h.status) + " / content type '" +
                h.content_type + "'; sending 500");
      h = internal_error();
    }
    int status = h.status;
    try {
      res_ = build(std::move(h), version, keep_alive);
    } catch (const std::exception& e) {
      log_error(std::string("http: cannot build the answer: ") + e.what() + "; sending 500");
      status = 500;
      res_ = build(internal_error(), version, keep_alive);
    }
    // An answer to HEAD has the headers of the answer to GET, without the body.
    if (head) res_->body().clear();
    core_->metrics.inc("larder_http_requests_total", {{"code", std::to_string(status)}});
    tcp().expires_after(opts().idle_timeout);
    bhttp::async_write(stream_, *res_, [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
      if (ec) return;
      bool close = self->res_->need_eof();
      self->res_.reset();
      if (close) return self->finish();
      self->read_request();
    });
  }

  static std::shared_ptr<bhttp::response<bhttp::string_body>> build(HttpResponse h, unsigned version,
                                                                     bool keep_alive) {
    auto res = std::make_shared<bhttp::response<bhttp::string_body>>();
    res->version(version);
    res->result(static_cast<unsigned>(h.status));
    res->set(bhttp::field::content_type, h.content_type);
    for (const auto& [name, value] : h.headers) {
      std::string lname = ascii_lower(name);
      if (name.empty() || forbidden_chars(name) || name.find_first_of(": \t") != std::string::npos ||
          forbidden_chars(value) || lname == "content-length" || lname == "transfer-encoding" ||
          lname == "connection" || lname == "content-type") {
        log_error("http: dropped the handler's header '" + name + "'");
        continue;
      }
      res->insert(name, value);
    }
    auto set_default = [&](const char* name, const char* value) {
      if (res->find(name) == res->end()) res->set(name, value);
    };
    set_default("Cache-Control", "no-store");
    set_default("X-Content-Type-Options", "nosniff");
    set_default("X-Frame-Options", "DENY");
    set_default("Referrer-Policy", "no-referrer");
    set_default("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'");
    if (h.status == 204 || h.status == 304) {
      if (!h.body.empty()) log_error("http: dropped the body of a " + std::to_string(h.status) + " answer");
      h.body.clear();
    }
    res->body() = std::move(h.body);
    res->keep_alive(keep_alive);
    res->prepare_payload();
    return res;
  }

  // Closes after an answer: TLS close_notify, or for plain TCP a half-close and a short
  // drain of what the client still sends, so that its kernel does not reset the
  // connection before the client has read the answer.
  void finish() {
    tcp().expires_after(kLinger);
    if constexpr (kTls) {
      stream_.async_shutdown([self = this->shared_from_this()](beast::error_code) {});
    } else {
      beast::error_code ec;
      tcp().socket().shutdown(tcp::socket::shutdown_send, ec);
      if (!ec) drain();
    }
  }

  void drain() {
    stream_.async_read_some(asio::buffer(scratch_),
                            [self = this->shared_from_this()](beast::error_code ec, std::size_t n) {
                              self->drained_ += n;
                              if (ec || self->drained_ > kLingerBytes) return;
                              self->drain();
                            });
  }

  std::shared_ptr<ServerCore> core_;
  Stream stream_;
  std::string remote_;
  std::uint64_t id_;
  beast::flat_buffer buffer_;
  std::size_t header_fields_ = 0;  // the fields of the request's header (without a trailer)
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  std::shared_ptr<bhttp::response<bhttp::string_body>> res_;
  std::array<char, 4096> scratch_{};
  std::size_t drained_ = 0;
  std::shared_ptr<Session> keep_;  // set while an answer is awaited
  bool closed_ = false;            // close() was called
  std::optional<SteadyTime> idle_since_;  // see Connection::idle_since
  bool fresh_ = true;                     // no byte of a request has come yet
};

}  // namespace

std::shared_ptr<Connection> make_session(std::shared_ptr<ServerCore> core, tcp::socket&& socket,
                                         std::string remote, std::uint64_t id) {
  if (core->tls) {
    return std::make_shared<Session<TlsStream>>(std::move(core), std::move(socket),
                                                std::move(remote), id);
  }
  return std::make_shared<Session<PlainStream>>(std::move(core), std::move(socket),
                                                std::move(remote), id);
}

}  // namespace larder::http_detail
