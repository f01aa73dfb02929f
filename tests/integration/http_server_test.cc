// The real HttpServer on 127.0.0.1 (port 0) with the real Router, on an io_context run by
// a thread of the test; clients are raw sockets (and Asio's TLS stream for HTTPS).
#include "adapters/http/http_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <future>
#include <map>
#include <memory>
#include <thread>
#include <vector>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "support/raw_http_client.h"

#include "api/access.h"
#include "api/router.h"
#include "larder/clock.h"
#include "support/tempdir.h"

using namespace larder;
namespace asio = boost::asio;

namespace {

const char* kAdmin = "integration-admin-token";
const char* kRead = "integration-read-token";

HttpResponse echo(const RouteContext& ctx) {
  const HttpRequest& r = ctx.request;
  nlohmann::json j = {{"method", r.method}, {"path", r.path}, {"query", r.query},
                      {"headers", r.headers}, {"remote", r.remote}, {"body", r.body}};
  return HttpResponse::json(200, j.dump());
}

// A server with the system routes and an echo route, run by its own thread.
struct TestServer {
  asio::io_context ioc;
  SystemClock clock;
  Metrics metrics;
  HttpConfig config;
  std::unique_ptr<Access> access;
  std::unique_ptr<Router> router;
  std::unique_ptr<HttpServer> server;
  std::thread thread;
  std::promise<void> done;
  bool running = false;

  explicit TestServer(HttpServerOptions o = {}) {
    config.admin_token = kAdmin;
    config.read_token = kRead;
    access = std::make_unique<Access>(config, clock, metrics);
    router = std::make_unique<Router>(*access);
    REQUIRE(add_system_routes(*router, metrics, *access).ok());
    REQUIRE(router->add("GET", "/echo/{rest...}?*", Right::none, echo).ok());
    REQUIRE(router->add("POST", "/echo/{rest...}?*", Right::none, echo).ok());
    REQUIRE(router->add("GET", "/odd", Right::none, [](const RouteContext&) {
      HttpResponse r;
      r.status = 204;
      r.body = "not allowed in a 204";
      r.headers.emplace_back("X-Split", "a\r\nX-Injected: 1");
      r.headers.emplace_back("Content-Length", "5");
      r.headers.emplace_back("X-Fine", "yes");
      return r;
    }).ok());
    REQUIRE(router->add("GET", "/teapot", Right::none, [](const RouteContext&) {
      HttpResponse r;
      r.status = 1000;
      return r;
    }).ok());
    o.host = "127.0.0.1";
    o.port = 0;
    server = std::make_unique<HttpServer>(ioc, o, router->handler(), metrics);
    Status s = server->start();
    REQUIRE_MESSAGE(s.ok(), s.message());
    REQUIRE(server->port() != 0);
    running = true;
    thread = std::thread([this] {
      ioc.run();
      done.set_value();
    });
  }

  // Runs `f` on the loop thread and returns its result.
  template <class F>
  auto on_loop(F f) {
    std::packaged_task<decltype(f())()> task(f);
    auto result = task.get_future();
    asio::post(ioc, [&task] { task(); });
    return result.get();
  }

  double metric(const std::string& name, const Labels& labels = {}) {
    return on_loop([&] { return metrics.get(name, labels); });
  }

  // stop() must close every connection: then run() returns by itself.
  void shutdown() {
    if (!running) return;
    running = false;
    asio::post(ioc, [this] { server->stop(); });
    auto finished = done.get_future().wait_for(std::chrono::seconds(5));
    CHECK_MESSAGE(finished == std::future_status::ready, "the loop did not finish after stop()");
    if (finished != std::future_status::ready) ioc.stop();
    thread.join();
  }

  ~TestServer() { shutdown(); }
};

using test::Client;
using test::connect_to;
using test::read_response;
using test::Response;

// Waits (up to 5 s) until the server holds `n` connections: connect() returns once the
// kernel has the connection, before the server has accepted it.
bool wait_for_connections(TestServer& s, std::size_t n) {
  auto until = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (std::chrono::steady_clock::now() < until) {
    if (s.on_loop([&] { return s.server->connections(); }) == n) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

std::string get(const std::string& target, const std::string& extra = "") {
  return "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" + extra + "\r\n";
}

}  // namespace

TEST_CASE("healthz answers 200 with the headers every answer carries") {
  TestServer s;
  Client c(s.server->port());
  REQUIRE(c.send(get("/healthz")));
  Response r = read_response(c);
  CHECK(r.status == 200);
  CHECK(nlohmann::json::parse(r.body) == nlohmann::json{{"status", "ok"}});
  CHECK(r.header("content-type") == "application/json");
  CHECK(r.header("content-length") == std::to_string(r.body.size()));
  CHECK(r.header("cache-control") == "no-store");
  CHECK(r.header("x-content-type-options") == "nosniff");
  CHECK(r.header("x-frame-options") == "DENY");
  CHECK(s.metric("larder_http_requests_total", {{"code", "200"}}) == 1);
}

TEST_CASE("requests reach the handler decoded, with lower-case header names and the peer address") {
  TestServer s;
  Client c(s.server->port());
  REQUIRE(c.send(get("/echo/a%20b/c?x=1%2B2&y=a+b", "X-Custom-Header: Value\r\nCookie: a=1\r\nCookie: b=2\r\n")));
  Response r = read_response(c);
  REQUIRE(r.status == 200);
  auto j = nlohmann::json::parse(r.body);
  CHECK(j["method"] == "GET");
  CHECK(j["path"] == "/echo/a b/c");
  CHECK(j["query"]["x"] == "1+2");
  CHECK(j["query"]["y"] == "a b");
  CHECK(j["headers"]["x-custom-header"] == "Value");
  CHECK(j["headers"]["cookie"] == "a=1; b=2");
  CHECK(j["remote"] == "127.0.0.1");

  // Bad percent-encoding: 400 and the connection closes.
  REQUIRE(c.send(get("/echo/%zz")));
  Response bad = read_response(c);
  CHECK(bad.status == 400);
  CHECK(bad.error_code() == "bad_request");
  CHECK(c.closed_within(3));
  CHECK(s.metric("larder_http_rejected_total", {{"reason", "bad_target"}}) == 1);
}

TEST_CASE("keep-alive serves several requests on one connection, pipelined too") {
  TestServer s;
  Client c(s.server->port());
  REQUIRE(c.send(get("/healthz")));
  CHECK(read_response(c).status == 200);
  REQUIRE(c.send(get("/metrics", std::string("Authorization: Bearer ") + kRead + "\r\n")));
  Response m = read_response(c);
  CHECK(m.status == 200);
  CHECK(m.header("content-type").rfind("text/plain; version=0.0.4", 0) == 0);
  CHECK(m.body.find("larder_http_requests_total{code=\"200\"} 1") != std::string::npos);

  REQUIRE(c.send(get("/healthz") + get("/nope") + get("/metrics")));
  CHECK(read_response(c).status == 200);
  Response nf = read_response(c);
  CHECK(nf.status == 404);
  CHECK(nf.error_code() == "not_found");
  Response unauth = read_response(c);
  CHECK(unauth.status == 401);
  CHECK(unauth.header("www-authenticate") == "Bearer");
  CHECK(s.server->connections() == 1);

  // HTTP/1.0 without keep-alive: one answer, then the server closes.
  Client old(s.server->port());
  REQUIRE(old.send("GET /healthz HTTP/1.0\r\n\r\n"));
  Response r = read_response(old);
  CHECK(r.status == 200);
  CHECK(old.closed_within(3));
}

TEST_CASE("HEAD answers carry no body and odd handler answers are made safe") {
  TestServer s;
  Client c(s.server->port());
  REQUIRE(c.send("HEAD /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"));
  Response head = read_response(c, true);
  CHECK(head.status == 200);  // HEAD takes the GET route (api/router.cc)
  CHECK(head.header("content-length") == "15");  // the length of GET's {"status":"ok"}
  CHECK(head.body.empty());
  REQUIRE(c.send(get("/odd")));
  Response odd = read_response(c);  // would fail to parse if HEAD had sent a body
  CHECK(odd.status == 204);
  CHECK(odd.body.empty());
  CHECK(odd.header("x-fine") == "yes");
  CHECK(odd.headers.count("x-split") == 0);
  CHECK(odd.headers.count("x-injected") == 0);
  REQUIRE(c.send(get("/teapot")));
  Response teapot = read_response(c);
  CHECK(teapot.status == 500);
  CHECK(teapot.error_code() == "internal");
  REQUIRE(c.send(get("/healthz")));
  CHECK(read_response(c).status == 200);
}

TEST_CASE("a body over 64 KiB gets 413 and the connection closes") {
  TestServer s;
  Client c(s.server->port());
  std::string body(70 * 1024, 'x');
  REQUIRE(c.send("POST /echo/x HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                 "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body));
  Response r = read_response(c);
  CHECK(r.status == 413);
  CHECK(r.error_code() == "too_large");
  CHECK(r.header("connection") == "close");
  CHECK(c.closed_within(3));

  // Chunked: the limit holds without a Content-Length too.
  Client chunked(s.server->port());
  std::string chunk(40 * 1024, 'y');
  char size[16];
  std::snprintf(size, sizeof size, "%zx", chunk.size());
  REQUIRE(chunked.send("POST /echo/x HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\n" +
                       std::string(size) + "\r\n" + chunk + "\r\n" + std::string(size) + "\r\n" + chunk + "\r\n0\r\n\r\n"));
  CHECK(read_response(chunked).status == 413);
  CHECK(s.metric("larder_http_rejected_total", {{"reason", "body_too_large"}}) == 2);

  // Exactly at the limit is fine.
  Client ok(s.server->port());
  std::string max(64 * 1024, 'z');
  REQUIRE(ok.send("POST /echo/x HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 65536\r\n\r\n" + max));
  Response echoed = read_response(ok);
  CHECK(echoed.status == 200);
  CHECK(nlohmann::json::parse(echoed.body)["body"].get<std::string>().size() == 65536);
}

TEST_CASE("a header block over the limit gets 431 and malformed HTTP gets 400") {
  TestServer s;
  Client big(s.server->port());
  REQUIRE(big.send(get("/healthz", "X-Big: " + std::string(9000, 'a') + "\r\n")));
  Response r = read_response(big);
  CHECK(r.status == 431);
  CHECK(r.error_code() == "too_large");
  CHECK(big.closed_within(3));

  for (const std::string& junk : {std::string("GARBAGE\r\n\r\n"), std::string("GET /healthz HTTP/9.x\r\n\r\n"),
                                  std::string("GET /healthz HTTP/1.1\r\n\r\n") /* no Host */,
                                  std::string("GET /healthz HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n")}) {
    Client c(s.server->port());
    REQUIRE(c.send(junk));
    Response bad = read_response(c);
    CHECK_MESSAGE(bad.status == 400, junk);
    CHECK(bad.header("content-type") == "application/json");
    CHECK(bad.error_code() == "bad_request");
    CHECK(c.closed_within(3));
  }
  CHECK(s.metric("larder_http_rejected_total", {{"reason", "malformed"}}) == 4);
}

TEST_CASE("a transfer coding other than chunked alone gets 501, chunked is decoded") {
  TestServer s;
  const std::string head = "POST /echo/x HTTP/1.1\r\nHost: 127.0.0.1\r\n";
  const std::string chunked_body = "5\r\nhello\r\n0\r\n\r\n";
  for (const std::string& codings :
       {std::string("Transfer-Encoding: gzip, chunked\r\n"),
        std::string("Transfer-Encoding: gzip\r\n"),
        std::string("Transfer-Encoding: chunked, chunked\r\n"),
        std::string("Transfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n"),
        // chunked first: Beast refuses what follows before the fields can be counted.
        std::string("Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n"),
        std::string("Transfer-Encoding: chunked\r\nTransfer-Encoding: gzip\r\n"),
        std::string("Transfer-Encoding: chunked, gzip\r\n")}) {
    CAPTURE(codings);
    Client c(s.server->port());
    REQUIRE(c.send(head + codings + "\r\n" + chunked_body));
    Response r = read_response(c);
    CHECK(r.status == 501);
    CHECK(r.error_code() == "not_implemented");
    CHECK(c.closed_within(3));
  }
  CHECK(s.metric("larder_http_rejected_total", {{"reason", "transfer_encoding"}}) == 7);
  // A length and chunked together is malformed (RFC 9112 section 6.3), not unsupported.
  for (const std::string both : {"Content-Length: 16\r\nTransfer-Encoding: chunked\r\n",
                                 "Transfer-Encoding: chunked\r\nContent-Length: 16\r\n"}) {
    CAPTURE(both);
    Client c(s.server->port());
    REQUIRE(c.send(head + both + "\r\n" + chunked_body));
    Response r = read_response(c);
    CHECK(r.status == 400);
    CHECK(r.error_code() == "bad_request");
  }
  // chunked alone (in any case) reaches the handler decoded.
  Client ok(s.server->port());
  REQUIRE(ok.send(head + "Transfer-Encoding: Chunked\r\n\r\n" + chunked_body));
  Response r = read_response(ok);
  CHECK(r.status == 200);
  CHECK(nlohmann::json::parse(r.body)["body"] == "hello");
}

TEST_CASE("a chunked body's trailer is bounded and refused, and a second Host is refused") {
  TestServer s;
  const std::string head =
      "POST /echo/x HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\n";
  // A trailer field over 64 KiB once threw out of Beast's parser and aborted the process;
  // many smaller ones grew the request without end. Now: 431, closed, and still serving.
  for (const std::string& trailer :
       {"X-T: " + std::string(70000, 'b') + "\r\n", [] {
          std::string many;
          for (int i = 0; i < 40; ++i) {
            many += "X-" + std::to_string(i) + ": " + std::string(1000, 'c') + "\r\n";
          }
          return many;
        }()}) {
    Client c(s.server->port());
    REQUIRE(c.send(head + "5\r\nhello\r\n0\r\n" + trailer + "\r\n"));
    Response r = read_response(c);
    CHECK(r.status == 431);
    CHECK(r.error_code() == "too_large");
    CHECK(r.body.find("trailer") != std::string::npos);
    CHECK(c.closed_within(3));
  }
  // A small trailer: its fields would pass for the header's (an Authorization). Refused.
  Client small(s.server->port());
  REQUIRE(small.send(head + "5\r\nhello\r\n0\r\nAuthorization: Bearer x\r\n\r\n"));
  Response r = read_response(small);
  CHECK(r.status == 400);
  CHECK(r.body.find("trailer fields") != std::string::npos);
  // RFC 9112 section 3.2: a request with two Host fields gets 400.
  Client hosts(s.server->port());
  REQUIRE(hosts.send("GET /healthz HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n"));
  Response two = read_response(hosts);
  CHECK(two.status == 400);
  CHECK(two.body.find("one Host header") != std::string::npos);
  // The server is alive and a plain chunked request still works.
  Client ok(s.server->port());
  REQUIRE(ok.send(head + "5\r\nhello\r\n0\r\n\r\n"));
  Response fine = read_response(ok);
  CHECK(fine.status == 200);
  CHECK(nlohmann::json::parse(fine.body)["body"] == "hello");
  CHECK(s.metric("larder_http_rejected_total", {{"reason", "header_too_large"}}) == 2);
  CHECK(s.metric("larder_http_rejected_total", {{"reason", "malformed"}}) == 2);
}

TEST_CASE("a slow request is closed after read_timeout and an idle connection after idle_timeout") {
  HttpServerOptions o;
  o.read_timeout = std::chrono::seconds(1);
  o.idle_timeout = std::chrono::seconds(2);
  TestServer s(o);

  Client slow(s.server->port());
  REQUIRE(slow.send("GET /healthz HTTP/1.1\r\nHo"));
  auto start = std::chrono::steady_clock::now();
  CHECK(slow.closed_within(4));
  double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  CHECK(took > 0.8);
  CHECK(slow.buffer.empty());
  CHECK(s.metric("larder_http_rejected_total", {{"reason", "timeout"}}) == 1);

  // A fresh connection that sends nothing is closed after read_timeout, not idle_timeout.
  Client silent(s.server->port());
  start = std::chrono::steady_clock::now();
  CHECK(silent.closed_within(4));
  took = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  CHECK(took > 0.8);
  CHECK(took < 1.8);
  CHECK(s.metric("larder_http_rejected_total", {{"reason", "timeout"}}) == 1);

  // Idle between requests may last longer than read_timeout, up to idle_timeout.
  Client idle(s.server->port());
  REQUIRE(idle.send(get("/healthz")));
  CHECK(read_response(idle).status == 200);
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  REQUIRE(idle.send(get("/healthz")));
  CHECK(read_response(idle).status == 200);
  start = std::chrono::steady_clock::now();
  CHECK(idle.closed_within(4));
  took = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  CHECK(took > 1.5);
  CHECK(s.metric("larder_http_rejected_total", {{"reason", "timeout"}}) == 1);
}

TEST_CASE("Expect: 100-continue, sign-in through the server and the session cookie") {
  TestServer s;
  Client c(s.server->port());
  std::string body = std::string(R"({"token":")") + kAdmin + "\"}";
  REQUIRE(c.send("POST /api/v1/session HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                 "Expect: 100-continue\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n"));
  Response cont = read_response(c);
  CHECK(cont.status == 100);
  REQUIRE(c.send(body));
  Response r = read_response(c);
  REQUIRE(r.status == 200);
  std::string cookie = r.header("set-cookie");
  CHECK(cookie.find("HttpOnly") != std::string::npos);
  CHECK(r.header("cache-control") == "no-store");
  cookie = cookie.substr(0, cookie.find(';'));

  REQUIRE(c.send(get("/metrics", "Cookie: " + cookie + "\r\n")));
  Response m = read_response(c);
  CHECK(m.status == 200);
  CHECK(m.body.find("larder_http_requests_total") != std::string::npos);
}

TEST_CASE("at max_connections a new connection evicts the idlest, or is closed when all are busy") {
  HttpServerOptions o;
  o.max_connections = 2;
  TestServer s(o);
  Client a(s.server->port());
  REQUIRE(a.send(get("/healthz")));
  CHECK(read_response(a).status == 200);
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  Client b(s.server->port());
  REQUIRE(b.send(get("/healthz")));
  CHECK(read_response(b).status == 200);
  // Both kept alive and idle: the new one takes the place of a, idle the longest.
  Client third(s.server->port());
  REQUIRE(third.send(get("/healthz")));
  CHECK(read_response(third).status == 200);
  CHECK(a.closed_within(3));
  CHECK(s.metric("larder_http_rejected_total", {{"reason", "evicted_idle"}}) == 1);
  CHECK(s.metric("larder_http_rejected_total", {{"reason", "too_many_connections"}}) == 0);

  // Both busy with a request (half sent): nothing is idle, the new one is closed at once.
  REQUIRE(b.send("GET /healthz HTTP/1.1\r\nHo"));
  REQUIRE(third.send("GET /healthz HTTP/1.1\r\nHo"));
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  Client fourth(s.server->port());
  CHECK(fourth.closed_within(3));
  CHECK(s.metric("larder_http_rejected_total", {{"reason", "too_many_connections"}}) == 1);
  // The busy ones were left alone and are answered.
  REQUIRE(b.send("st: 127.0.0.1\r\n\r\n"));
  CHECK(read_response(b).status == 200);

  // A closed connection frees its place without an eviction.
  ::shutdown(third.fd, SHUT_RDWR);
  CHECK(third.closed_within(3));
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  Client fifth(s.server->port());
  REQUIRE(fifth.send(get("/healthz")));
  CHECK(read_response(fifth).status == 200);
  CHECK(s.metric("larder_http_rejected_total", {{"reason", "evicted_idle"}}) == 1);

  s.shutdown();  // checks that run() returns: every connection was closed
  CHECK(b.closed_within(1));
  CHECK(fifth.closed_within(1));
}

TEST_CASE("64 idle connections that never send a byte do not lock anyone out") {
  TestServer s;  // the defaults: 64 connections, read_timeout 10 s, idle_timeout 30 s
  std::vector<std::unique_ptr<Client>> idle;
  idle.reserve(64);
  for (int i = 0; i < 64; ++i) idle.push_back(std::make_unique<Client>(s.server->port()));
  REQUIRE(wait_for_connections(s, 64));
  // Real requests are still answered, each on a new connection, again and again; each
  // takes the place of the idle socket that has waited longest.
  // The served ones stay open (kept alive, now idle themselves, but younger).
  std::vector<std::unique_ptr<Client>> served;
  served.reserve(3);
  for (std::size_t i = 0; i < 3; ++i) {
    CAPTURE(i);
    served.push_back(std::make_unique<Client>(s.server->port()));
    REQUIRE(served.back()->send(get("/healthz")));
    CHECK(read_response(*served.back()).status == 200);
    CHECK(idle[i]->closed_within(3));
  }
  CHECK_FALSE(idle[3]->closed_within(0.2));  // the younger idle ones stay
  CHECK(s.metric("larder_http_rejected_total", {{"reason", "evicted_idle"}}) == 3);
  CHECK(s.metric("larder_http_rejected_total", {{"reason", "too_many_connections"}}) == 0);
}

TEST_CASE("start fails for a port in use, a bad host and unreadable TLS files") {
  TestServer s;
  asio::io_context ioc;
  Metrics metrics;
  auto handler = [](const HttpRequest&) { return HttpResponse::json(200, "{}"); };

  HttpServerOptions taken;
  taken.host = "127.0.0.1";
  taken.port = s.server->port();
  HttpServer second(ioc, taken, handler, metrics);
  Status st = second.start();
  CHECK_FALSE(st.ok());
  CHECK(st.message().find("in use") != std::string::npos);

  HttpServerOptions bad_host;
  bad_host.host = "not an address";
  bad_host.port = 0;
  HttpServer third(ioc, bad_host, handler, metrics);
  CHECK_FALSE(third.start().ok());

  test::TempDir dir;
  HttpServerOptions bad_tls;
  bad_tls.host = "127.0.0.1";
  bad_tls.port = 0;
  bad_tls.tls = TlsConfig{"", dir.file("missing.pem"), dir.file("missing.key")};
  HttpServer fourth(ioc, bad_tls, handler, metrics);
  Status t = fourth.start();
  CHECK_FALSE(t.ok());
  CHECK(t.message().find("missing.pem") != std::string::npos);
  CHECK(fourth.port() == 0);
}

TEST_CASE("with a certificate and key the server speaks TLS only") {
  test::TempDir dir;
  std::string cert = dir.file("cert.pem");
  std::string key = dir.file("key.pem");
  std::string cmd = "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2"
                    " -subj /CN=localhost -addext subjectAltName=DNS:localhost,IP:127.0.0.1"
                    " -keyout " + key + " -out " + cert + " 2>/dev/null";
  REQUIRE(std::system(cmd.c_str()) == 0);

  HttpServerOptions o;
  o.tls = TlsConfig{"", cert, key};
  o.read_timeout = std::chrono::seconds(2);
  TestServer s(o);

  namespace beast = boost::beast;
  namespace bhttp = beast::http;
  asio::io_context cio;
  asio::ssl::context ctx(asio::ssl::context::tls_client);
  ctx.load_verify_file(cert);
  ctx.set_verify_mode(asio::ssl::verify_peer);
  asio::ssl::stream<asio::ip::tcp::socket> tls(cio, ctx);
  SSL_set_tlsext_host_name(tls.native_handle(), "localhost");
  tls.set_verify_callback(asio::ssl::host_name_verification("localhost"));
  tls.next_layer().connect({asio::ip::make_address("127.0.0.1"), s.server->port()});
  tls.handshake(asio::ssl::stream_base::client);
  CHECK(SSL_version(tls.native_handle()) >= TLS1_2_VERSION);

  for (int i = 0; i < 2; ++i) {  // keep-alive over TLS
    bhttp::request<bhttp::empty_body> req{bhttp::verb::get, "/healthz", 11};
    req.set(bhttp::field::host, "localhost");
    bhttp::write(tls, req);
    beast::flat_buffer buffer;
    bhttp::response<bhttp::string_body> res;
    bhttp::read(tls, buffer, res);
    CHECK(res.result_int() == 200);
    CHECK(res.body() == R"({"status":"ok"})");
  }

  // Plain HTTP to the TLS port gets no HTTP answer.
  Client plain(s.server->port());
  REQUIRE(plain.send(get("/healthz")));
  CHECK(plain.closed_within(4));
  CHECK(plain.buffer.find("HTTP/1.1 200") == std::string::npos);
  CHECK(s.metric("larder_http_rejected_total", {{"reason", "tls_handshake"}}) == 1);
}
