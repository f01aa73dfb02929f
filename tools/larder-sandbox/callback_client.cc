#include "callback_client.h"

#include <openssl/ssl.h>

#include <deque>
#include <optional>
#include <type_traits>
#include <utility>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include "larder/log.h"

namespace larder::sandbox {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using tcp = asio::ip::tcp;

namespace {

constexpr std::size_t kMaxQueue = 1000;
constexpr std::size_t kMaxAnswer = 64 * 1024;

bool bad_char(char c) {
  auto u = static_cast<unsigned char>(c);
  return u <= 0x20 || u == 0x7f;
}

}  // namespace

Result<CallbackUrl> parse_callback_url(const std::string& url) {
  CallbackUrl u;
  std::string rest;
  if (url.rfind("http://", 0) == 0) {
    rest = url.substr(7);
  } else if (url.rfind("https://", 0) == 0) {
    u.tls = true;
    rest = url.substr(8);
  } else {
    return Status::Error("the callback URL must start with http:// or https://");
  }
  for (char c : url) {
    if (bad_char(c)) return Status::Error("the callback URL holds a space or a control character");
  }
  if (url.find('#') != std::string::npos)
    return Status::Error("the callback URL must not have a fragment (#)");
  std::size_t slash = rest.find_first_of("/?");
  std::string authority = rest.substr(0, slash);
  u.target = slash == std::string::npos ? "/" : rest.substr(slash);
  if (u.target.front() == '?') u.target = "/" + u.target;
  if (authority.empty() || authority.find('@') != std::string::npos) {
    return Status::Error("the callback URL needs a host (and no user name)");
  }
  u.host_header = authority;
  std::string port;
  if (authority.front() == '[') {
    std::size_t close = authority.find(']');
    if (close == std::string::npos) return Status::Error("the callback URL has an unclosed '['");
    u.host = authority.substr(1, close - 1);
    std::string after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return Status::Error("the callback URL's host is malformed");
      port = after.substr(1);
    }
  } else {
    std::size_t colon = authority.rfind(':');
    u.host = authority.substr(0, colon);
    if (colon != std::string::npos) port = authority.substr(colon + 1);
  }
  if (u.host.empty()) return Status::Error("the callback URL needs a host");
  if (port.empty()) {
    port = u.tls ? "443" : "80";
  } else {
    bool digits = port.size() <= 5 && port.find_first_not_of("0123456789") == std::string::npos;
    if (!digits || std::stoi(port) < 1 || std::stoi(port) > 65535) {
      return Status::Error("the callback URL's port must be from 1 to 65535");
    }
  }
  u.port = port;
  return u;
}

namespace {

using PlainStream = beast::tcp_stream;
using TlsStream = beast::ssl_stream<beast::tcp_stream>;
using ExchangeDone = std::function<void(ExchangeReply)>;

// One exchange: connect, (TLS handshake,) write, read the answer, close.
template <class Stream>
struct Exchange : std::enable_shared_from_this<Exchange<Stream>> {
  static constexpr bool kTls = std::is_same_v<Stream, TlsStream>;

  Exchange(Stream s, HttpExchange r, ExchangeDone d)
      : stream(std::move(s)), request(std::move(r)), done(std::move(d)) {}

  Stream stream;
  HttpExchange request;
  ExchangeDone done;
  bhttp::request<bhttp::string_body> req;
  beast::flat_buffer buffer;
  std::optional<bhttp::response_parser<bhttp::string_body>> parser;
  bool over = false;

  beast::tcp_stream& tcp() { return beast::get_lowest_layer(stream); }

  void finish(ExchangeReply reply) {
    if (over) return;
    over = true;
    beast::error_code ignored;
    tcp().socket().shutdown(tcp::socket::shutdown_both, ignored);
    tcp().socket().close(ignored);
    auto d = std::move(done);
    d(std::move(reply));
  }
  void fail(const std::string& what) { finish(ExchangeReply{0, {}, what}); }

  void run(const tcp::resolver::results_type& endpoints) {
    const auto& u = request.url;
    req.method(request.method == "GET" ? bhttp::verb::get : bhttp::verb::post);
    req.target(u.target);
    req.version(11);
    req.set(bhttp::field::host, u.host_header);
    req.set(bhttp::field::user_agent, "larder-sandbox");
    for (const auto& [name, value] : request.headers) req.set(name, value);
    req.set(bhttp::field::connection, "close");
    if (request.body) {
      req.set(bhttp::field::content_type, "application/json");
      req.body() = *request.body;
    }
    req.prepare_payload();
    tcp().async_connect(endpoints, [self = this->shared_from_this()](beast::error_code ec,
                                                                     const tcp::endpoint&) {
      if (ec) return self->fail("cannot connect: " + ec.message());
      if constexpr (kTls) {
        self->stream.async_handshake(asio::ssl::stream_base::client, [self](beast::error_code hec) {
          if (hec) return self->fail("TLS handshake failed: " + hec.message());
          self->write();
        });
      } else {
        self->write();
      }
    });
  }

  void write() {
    bhttp::async_write(
        stream, req, [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
          if (ec) return self->fail("cannot send: " + ec.message());
          self->parser.emplace();
          self->parser->body_limit(kMaxAnswer);
          bhttp::async_read(self->stream, self->buffer, *self->parser,
                            [self](beast::error_code rec, std::size_t) {
                              if (rec) return self->fail("no answer: " + rec.message());
                              auto& res = self->parser->get();
                              self->finish(ExchangeReply{static_cast<int>(res.result_int()),
                                                         std::move(res.body()), {}});
                            });
        });
  }
};

// What an exchange needs before it has a connection, and how to abandon it.
struct Pending {
  explicit Pending(asio::io_context& ioc) : resolver(ioc) {}
  tcp::resolver resolver;
  bool abandoned = false;
  std::function<void()> abandon_exchange;
};

}  // namespace

Result<std::shared_ptr<asio::ssl::context>> tls_client_context(const std::string& ca_file) {
  try {
    auto ctx = std::make_shared<asio::ssl::context>(asio::ssl::context::tls_client);
    SSL_CTX_set_min_proto_version(ctx->native_handle(), TLS1_2_VERSION);
    ctx->set_verify_mode(asio::ssl::verify_peer);
    if (ca_file.empty()) {
      ctx->set_default_verify_paths();
    } else {
      ctx->load_verify_file(ca_file);
    }
    return ctx;
  } catch (const std::exception& e) {
    return Status::Error(std::string("cannot set up TLS") +
                         (ca_file.empty() ? "" : " with " + ca_file) + ": " + e.what());
  }
}

std::function<void()> send_exchange(asio::io_context& ioc, asio::ssl::context* tls,
                                    HttpExchange request, std::chrono::milliseconds timeout,
                                    std::function<void(ExchangeReply)> done) {
  auto p = std::make_shared<Pending>(ioc);
  std::string host = request.url.host;
  std::string port = request.url.port;
  p->resolver.async_resolve(
      host, port,
      [p, &ioc, tls, timeout, request = std::move(request), done = std::move(done)](
          beast::error_code ec, tcp::resolver::results_type results) mutable {
        if (p->abandoned) return;
        if (ec) {
          return done(ExchangeReply{0, {}, "cannot resolve " + request.url.host + ": " +
                                               ec.message()});
        }
        auto start = [&](auto exchange) {
          exchange->tcp().expires_after(timeout);
          std::weak_ptr<std::remove_reference_t<decltype(*exchange)>> weak = exchange;
          p->abandon_exchange = [weak] {
            if (auto e = weak.lock()) {
              e->over = true;
              beast::error_code ignored;
              e->tcp().socket().close(ignored);
            }
          };
          exchange->run(results);
        };
        if (!request.url.tls) {
          return start(std::make_shared<Exchange<PlainStream>>(
              beast::tcp_stream(ioc), std::move(request), std::move(done)));
        }
        if (!tls) return done(ExchangeReply{0, {}, "no TLS set up for an https URL"});
        TlsStream stream(beast::tcp_stream(ioc), *tls);
        if (!SSL_set_tlsext_host_name(stream.native_handle(), request.url.host.c_str())) {
          return done(ExchangeReply{0, {}, "cannot set the TLS server name"});
        }
        stream.set_verify_callback(asio::ssl::host_name_verification(request.url.host));
        start(std::make_shared<Exchange<TlsStream>>(std::move(stream), std::move(request),
                                                    std::move(done)));
      });
  return [p] {
    p->abandoned = true;
    p->resolver.cancel();
    if (p->abandon_exchange) p->abandon_exchange();
  };
}

namespace callback_detail {

struct State : std::enable_shared_from_this<State> {
  using Done = CallbackClient::Done;

  State(asio::io_context& io, CallbackUrl u, Done d, std::chrono::milliseconds t)
      : ioc(io), url(std::move(u)), done(std::move(d)), timeout(t) {}

  asio::io_context& ioc;
  CallbackUrl url;
  Done done;
  std::chrono::milliseconds timeout;
  std::shared_ptr<asio::ssl::context> tls;
  std::deque<Callback> queue;
  bool busy = false;
  bool stopped = false;
  std::function<void()> abandon;  // abandons the exchange in flight

  void next() {
    if (busy || stopped || queue.empty()) return;
    busy = true;
    Callback cb = std::move(queue.front());
    queue.pop_front();
    HttpExchange x{"POST", url, {{"X-Larder-Signature", cb.signature}}, cb.body};
    auto self = shared_from_this();
    abandon = send_exchange(ioc, tls.get(), std::move(x), timeout,
                            [self, cb = std::move(cb)](ExchangeReply r) {
                              if (r.status == 0) return self->finish(cb, false, r.error);
                              self->finish(cb, r.status >= 200 && r.status < 300,
                                           "HTTP " + std::to_string(r.status));
                            });
  }
  void finish(const Callback& cb, bool ok, const std::string& detail) {
    abandon = nullptr;
    busy = false;
    if (stopped) return;
    if (done) done(cb, ok, detail);
    next();
  }
};

}  // namespace callback_detail

using callback_detail::State;

CallbackClient::CallbackClient(asio::io_context& ioc, CallbackUrl url, Done done,
                               std::chrono::milliseconds timeout)
    : impl_(std::make_shared<State>(ioc, std::move(url), std::move(done), timeout)) {}

CallbackClient::~CallbackClient() { stop(); }

Status CallbackClient::init(const std::string& ca_file) {
  if (!impl_->url.tls) return Status::Ok();
  auto ctx = tls_client_context(ca_file);
  if (!ctx) return Status::Error("callbacks: " + ctx.status().message());
  impl_->tls = std::move(*ctx);
  return Status::Ok();
}

void CallbackClient::send(Callback callback) {
  auto& i = *impl_;
  if (i.stopped) return;
  if (i.queue.size() >= kMaxQueue) {
    Callback dropped = std::move(i.queue.front());
    i.queue.pop_front();
    if (i.done) i.done(dropped, false, "dropped: too many callbacks waiting");
  }
  i.queue.push_back(std::move(callback));
  i.next();
}

void CallbackClient::stop() {
  auto& i = *impl_;
  if (i.stopped) return;
  i.stopped = true;
  i.queue.clear();
  if (i.abandon) i.abandon();
  i.abandon = nullptr;
}

std::size_t CallbackClient::pending() const { return impl_->queue.size() + (impl_->busy ? 1 : 0); }

}  // namespace larder::sandbox
