// The real HttpServer on 127.0.0.1 (port 0) with an AsyncHttpHandler that answers at once,
// later (steady_timer on the server's io_context), never, twice or on the test's command;
// clients are raw sockets. The io_context runs on a thread of the test.
#include "adapters/http/http_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <functional>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "support/raw_http_client.h"

using namespace larder;
namespace asio = boost::asio;

namespace {

// The handler's routes, by path:
//   /now             answers at once
//   /later/N         answers after N ms
//   /never           returns without answering or keeping the respond
//   /drop-later      keeps the respond 50 ms, then drops it unanswered
//   /hold            keeps the respond in `held` until the test uses it
//   /twice           answers twice at once
//   /twice-later     answers at once and again after 100 ms
//   /throw           throws before answering
struct AsyncServer {
  asio::io_context ioc;
  Metrics metrics;
  std::unique_ptr<HttpServer> server;
  std::thread thread;
  std::promise<void> done;
  bool running = false;

  // Loop thread only.
  std::vector<std::string> events;  // "call PATH" and "answer PATH", in order
  std::vector<HttpRespond> held;
  // Shared with the test thread.
  std::mutex mutex;
  std::condition_variable held_changed;
  std::size_t held_count = 0;

  AsyncServer() {
    HttpServerOptions o;
    o.host = "127.0.0.1";
    o.port = 0;
    server = std::make_unique<HttpServer>(
        ioc, o, [this](const HttpRequest& r, HttpRespond respond) { handle(r, std::move(respond)); }, metrics);
    Status s = server->start();
    REQUIRE_MESSAGE(s.ok(), s.message());
    running = true;
    thread = std::thread([this] {
      ioc.run();
      done.set_value();
    });
  }

  static HttpResponse answer(const std::string& path) {
    return HttpResponse::json(200, nlohmann::json{{"path", path}}.dump());
  }

  void after(int ms, std::function<void()> f) {
    auto timer = std::make_shared<asio::steady_timer>(ioc, std::chrono::milliseconds(ms));
    timer->async_wait([timer, f = std::move(f)](boost::system::error_code) { f(); });
  }

  void handle(const HttpRequest& r, HttpRespond respond) {
    std::string path = r.path;  // `r` is gone when a later answer is given
    events.push_back("call " + path);
    if (path == "/now") {
      events.push_back("answer " + path);
      respond(answer(path));
    } else if (path.rfind("/later/", 0) == 0) {
      int ms = std::stoi(path.substr(7));
      after(ms, [this, path, respond] {
        events.push_back("answer " + path);
        respond(answer(path));
      });
    } else if (path == "/never") {
      return;
    } else if (path == "/drop-later") {
      after(50, [respond] {});
    } else if (path == "/hold") {
      held.push_back(std::move(respond));
      std::lock_guard<std::mutex> lock(mutex);
      ++held_count;
      held_changed.notify_all();
    } else if (path == "/twice") {
      respond(HttpResponse::json(200, R"({"answer":1})"));
      respond(HttpResponse::json(200, R"({"answer":2})"));
    } else if (path == "/twice-later") {
      respond(HttpResponse::json(200, R"({"answer":1})"));
      after(100, [this, respond] {
        events.push_back("second answer /twice-later");
        respond(HttpResponse::json(200, R"({"answer":2})"));
      });
    } else if (path == "/throw") {
      throw std::runtime_error("a bug in the handler");
    } else {
      respond(HttpResponse::error(404, "not_found", "no such path"));
    }
  }

  // Whether the handler holds `n` responds within 5 s.
  bool wait_held(std::size_t n) {
    std::unique_lock<std::mutex> lock(mutex);
    return held_changed.wait_for(lock, std::chrono::seconds(5), [&] { return held_count >= n; });
  }

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

  // Whether the server's open connections fall to `n` within 5 s.
  bool connections_fall_to(std::size_t n) {
    for (int i = 0; i < 500; ++i) {
      if (on_loop([&] { return server->connections(); }) <= n) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return false;
  }

  // stop() must close every connection, waiting ones too: then run() returns by itself.
  void shutdown() {
    if (!running) return;
    running = false;
    asio::post(ioc, [this] { server->stop(); });
    auto finished = done.get_future().wait_for(std::chrono::seconds(5));
    CHECK_MESSAGE(finished == std::future_status::ready, "the loop did not finish after stop()");
    if (finished != std::future_status::ready) ioc.stop();
    thread.join();
  }

  ~AsyncServer() { shutdown(); }
};

using test::Client;
using test::connect_to;
using test::read_response;
using test::Response;

std::string get(const std::string& target, const std::string& method = "GET") {
  return method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
}

}  // namespace

TEST_CASE("an answer given later arrives with the usual headers, HEAD rule and metrics") {
  AsyncServer s;
  Client c(s.server->port());
  REQUIRE(c.send(get("/later/200")));
  Response r = read_response(c);
  CHECK(r.status == 200);
  CHECK(r.json("path") == R"("/later/200")");
  CHECK(r.header("content-type") == "application/json");
  CHECK(r.header("content-length") == std::to_string(r.body.size()));
  CHECK(r.header("cache-control") == "no-store");
  CHECK(r.header("x-frame-options") == "DENY");
  CHECK(s.metric("larder_http_requests_total", {{"code", "200"}}) == 1);

  // HEAD answered later goes out without its body: the next answer still parses.
  REQUIRE(c.send(get("/later/20", "HEAD")));
  Response head = read_response(c, true);
  CHECK(head.status == 200);
  CHECK(std::stoul(head.header("content-length")) > 0);
  REQUIRE(c.send(get("/now")));
  Response now = read_response(c);
  CHECK(now.status == 200);
  CHECK(now.json("path") == R"("/now")");
  CHECK(s.metric("larder_http_requests_total", {{"code", "200"}}) == 3);
}

TEST_CASE("pipelined requests wait for a delayed answer and are answered in order") {
  AsyncServer s;
  Client c(s.server->port());
  REQUIRE(c.send(get("/later/300") + get("/now") + get("/later/10") + get("/now")));
  std::vector<std::string> paths;
  for (int i = 0; i < 4; ++i) {
    Response r = read_response(c);
    REQUIRE(r.status == 200);
    paths.push_back(nlohmann::json::parse(r.body)["path"].get<std::string>());
  }
  CHECK(paths == std::vector<std::string>{"/later/300", "/now", "/later/10", "/now"});
  // Nothing was read (so no handler called) while an answer was pending.
  auto events = s.on_loop([&] { return s.events; });
  CHECK(events == std::vector<std::string>{"call /later/300", "answer /later/300", "call /now", "answer /now",
                                           "call /later/10", "answer /later/10", "call /now", "answer /now"});
  CHECK(s.server->connections() == 1);
}

TEST_CASE("a respond never called, dropped later or skipped by a throw gives 500") {
  AsyncServer s;
  Client c(s.server->port());
  for (const char* path : {"/never", "/drop-later", "/throw"}) {
    REQUIRE(c.send(get(path)));
    Response r = read_response(c);
    CHECK_MESSAGE(r.status == 500, path);
    CHECK(r.error_code() == "internal");
  }
  // The connection goes on.
  REQUIRE(c.send(get("/now")));
  CHECK(read_response(c).status == 200);
  CHECK(s.metric("larder_http_requests_total", {{"code", "500"}}) == 3);
}

TEST_CASE("a respond called twice sends one answer, also when the second call comes later") {
  AsyncServer s;
  Client c(s.server->port());
  REQUIRE(c.send(get("/twice")));
  Response first = read_response(c);
  CHECK(first.status == 200);
  CHECK(first.body == R"({"answer":1})");

  // The stray second call comes while the next request's answer is pending: it must not
  // answer that request.
  REQUIRE(c.send(get("/twice-later")));
  CHECK(read_response(c).body == R"({"answer":1})");
  REQUIRE(c.send(get("/later/400")));
  Response later = read_response(c);
  CHECK(later.json("path") == R"("/later/400")");
  auto events = s.on_loop([&] { return s.events; });
  CHECK(std::find(events.begin(), events.end(), "second answer /twice-later") != events.end());
  REQUIRE(c.send(get("/now")));
  CHECK(read_response(c).json("path") == R"("/now")");
  CHECK(c.buffer.empty());
  CHECK(s.metric("larder_http_requests_total", {{"code", "200"}}) == 4);
}

TEST_CASE("a respond called or dropped after the client closed does nothing bad") {
  AsyncServer s;
  {
    Client a(s.server->port());
    Client b(s.server->port());
    REQUIRE(a.send(get("/hold")));
    REQUIRE(s.wait_held(1));
    REQUIRE(b.send(get("/hold")));
    REQUIRE(s.wait_held(2));
    a.close();
    b.close();
  }
  s.on_loop([&] {
    s.held[0](HttpResponse::json(200, "{}"));  // written into a closed connection
    s.held.clear();                           // the second is dropped: 500 into a closed connection
    return 0;
  });
  CHECK(s.connections_fall_to(0));
  Client c(s.server->port());
  REQUIRE(c.send(get("/now")));
  CHECK(read_response(c).status == 200);
}

TEST_CASE("stopping the server with answers pending is clean and their responds do nothing") {
  AsyncServer s;
  Client a(s.server->port());
  Client b(s.server->port());
  REQUIRE(a.send(get("/hold")));
  REQUIRE(s.wait_held(1));
  REQUIRE(b.send(get("/hold")));
  REQUIRE(s.wait_held(2));
  double answered = s.metric("larder_http_requests_total", {{"code", "200"}}) +
                    s.metric("larder_http_requests_total", {{"code", "500"}});
  CHECK(answered == 0);

  s.shutdown();  // checks that run() returns: the waiting connections were closed
  CHECK(a.closed_within(3));
  CHECK(b.closed_within(3));
  CHECK(a.buffer.empty());
  CHECK(b.buffer.empty());
  CHECK(s.server->connections() == 0);

  // Now the responds: one called, one dropped, on the (restarted) loop.
  s.ioc.restart();
  asio::post(s.ioc, [&] {
    s.held[0](HttpResponse::json(200, "{}"));
    s.held[0](HttpResponse::json(200, "{}"));
    s.held.clear();
  });
  s.ioc.run();
  CHECK(s.metrics.get("larder_http_requests_total", {{"code", "200"}}) == 0);
  CHECK(s.metrics.get("larder_http_requests_total", {{"code", "500"}}) == 0);
}
