// cpprestsdk behind HttpClient. Its tasks run on cpprestsdk's thread pool: there the
// answer is read (bounded) into an HttpReply, which alone crosses to the event loop.
#ifndef _TURN_OFF_PLATFORM_STRING
#define _TURN_OFF_PLATFORM_STRING  // NOLINT(bugprone-reserved-identifier): cpprestsdk's; no U() macro: it collides with other code
#endif
#include <cpprest/http_client.h>

#include <chrono>
#include <cmath>
#include <deque>
#include <fstream>
#include <mutex>
#include <optional>

#include "adapters/retailer/retailer_http.h"

namespace larder::retailer {
namespace {

namespace http = web::http;

// One request's answer while it is being read.
struct Exchange {
  HttpReply reply;
  concurrency::streams::istream in;
  std::vector<std::uint8_t> chunk = std::vector<std::uint8_t>(std::size_t{16} * 1024);
};

// Reads the body chunk by chunk until its end or past the bound. Past the bound the
// stream is closed for reading: the rest of the body is then dropped as it arrives.
pplx::task<void> read_body(const std::shared_ptr<Exchange>& x) {
  auto buf = x->in.streambuf();
  return buf.getn(x->chunk.data(), x->chunk.size()).then([x](std::size_t n) {
    if (n == 0) return pplx::task_from_result();
    if (x->reply.body.size() + n > kMaxAnswerBytes) {
      x->reply.too_large = true;
      x->reply.body.clear();
      x->in.close();
      return pplx::task_from_result();
    }
    x->reply.body.append(reinterpret_cast<const char*>(x->chunk.data()), n);
    return read_body(x);
  });
}

}  // namespace

struct HttpClient::Impl {
  Impl(const web::uri& base, const http::client::http_client_config& config)
      : client(base, config) {}
  http::client::http_client client;
};

struct HttpClient::Waiting {
  HttpCall call;
  std::function<void(HttpReply)> done;
  std::chrono::steady_clock::time_point since;
};

// Between cpprestsdk's threads and the event loop: an answer goes to `post` only while
// the gate is open. It also holds what a request needs to be sent after the client is gone
// (the client, its headers), and the slots and the queue of kMaxInFlight.
struct HttpClient::Gate {
  std::mutex mutex;
  bool open = true;
  Post post;  // fixed at construction
  std::shared_ptr<Impl> impl;  // the client lives as long as its requests
  Headers headers;
  std::chrono::steady_clock::duration timeout{};
  std::size_t in_flight = 0;
  std::deque<Waiting> waiting;
};

HttpClient::HttpClient(Post post, std::shared_ptr<Impl> impl, Headers headers, double timeout_s)
    : gate_(std::make_shared<Gate>()) {
  gate_->post = std::move(post);
  gate_->impl = std::move(impl);
  gate_->headers = std::move(headers);
  gate_->timeout = std::chrono::duration_cast<std::chrono::steady_clock::duration>(
      std::chrono::duration<double>(timeout_s));
}

HttpClient::~HttpClient() { close(); }

// Set at construction only: read without the lock.
const Post& HttpClient::post() const { return gate_->post; }

void HttpClient::close() {
  std::lock_guard<std::mutex> lock(gate_->mutex);
  gate_->open = false;
  gate_->waiting.clear();
}

Result<std::shared_ptr<HttpClient>> HttpClient::make(const std::string& base_url, Post post,
                                                     const RetailerOptions& options,
                                                     Headers headers) {
  if (!post) return Status::Error("retailer: no event loop to answer on");
  if (!std::isfinite(options.timeout_s) || options.timeout_s <= 0 || options.timeout_s > 86400) {
    return Status::Error("retailer: the request timeout must be above 0 and at most a day");
  }
  try {
    web::uri uri(base_url);
    if ((uri.scheme() != "http" && uri.scheme() != "https") || uri.host().empty()) {
      return Status::Error("retailer: \"" + base_url + "\" is not an http(s) URL");
    }
    http::client::http_client_config config;
    config.set_timeout(std::chrono::microseconds(
        static_cast<std::int64_t>(std::llround(options.timeout_s * 1e6))));
    // A redirect would carry the key, the signature or the order elsewhere: none.
    config.set_max_redirects(0);
    if (options.ca_file) {
      std::ifstream probe(*options.ca_file);
      if (!probe) return Status::Error("retailer: cannot read the CA file " + *options.ca_file);
      std::string ca = *options.ca_file;
      // Added to the system's trust store, which cpprestsdk loads first.
      config.set_ssl_context_callback(
          [ca](boost::asio::ssl::context& ctx) { ctx.load_verify_file(ca); });
    }
    auto impl = std::make_shared<Impl>(uri, config);
    return std::shared_ptr<HttpClient>(
        new HttpClient(std::move(post), std::move(impl), std::move(headers), options.timeout_s));
  } catch (const std::exception& e) {
    return Status::Error("retailer: cannot use \"" + base_url + "\": " + e.what());
  }
}

void HttpClient::send(HttpCall call, std::function<void(HttpReply)> done) {
  {
    std::lock_guard<std::mutex> lock(gate_->mutex);
    if (!gate_->open) return;  // closed: nobody waits for an answer
    if (gate_->in_flight >= kMaxInFlight) {
      if (gate_->waiting.size() < kMaxWaiting) {
        gate_->waiting.push_back(
            Waiting{std::move(call), std::move(done), std::chrono::steady_clock::now()});
        return;
      }
      HttpReply r;
      r.error = "not sent: " + std::to_string(kMaxWaiting) +
                " requests already wait for this server";
      gate_->post([done = std::move(done), r = std::move(r)] { done(r); });
      return;
    }
    ++gate_->in_flight;
  }
  start(gate_, std::move(call), std::move(done));
}

void HttpClient::slot_free(const std::shared_ptr<Gate>& gate) {
  std::optional<Waiting> next;
  {
    std::lock_guard<std::mutex> lock(gate->mutex);
    const auto now = std::chrono::steady_clock::now();
    while (gate->open && !next && !gate->waiting.empty()) {
      Waiting w = std::move(gate->waiting.front());
      gate->waiting.pop_front();
      if (now - w.since <= gate->timeout) {
        next = std::move(w);
      } else {
        HttpReply r;
        r.error = "timed out waiting for one of the requests before it to be answered";
        gate->post([done = std::move(w.done), r = std::move(r)] { done(r); });
      }
    }
    if (!next) {
      --gate->in_flight;
      return;
    }
  }
  start(gate, std::move(next->call), std::move(next->done));
}

void HttpClient::start(const std::shared_ptr<Gate>& gate, HttpCall call,
                       std::function<void(HttpReply)> done) {
  // The only way out: every path below ends in exactly one answer(), then frees the slot.
  auto answer = [gate, done = std::move(done)](HttpReply r) {
    {
      std::lock_guard<std::mutex> lock(gate->mutex);
      if (gate->open) gate->post([done, r = std::move(r)] { done(r); });
    }
    slot_free(gate);
  };
  try {
    http::http_request req(call.method == "POST"  ? http::methods::POST
                           : call.method == "PUT" ? http::methods::PUT
                                                  : http::methods::GET);
    req.set_request_uri(web::uri(call.path.empty() ? "/" : call.path));
    for (const auto& [name, value] : gate->headers) req.headers().add(name, value);
    for (const auto& [name, value] : call.headers) req.headers().add(name, value);
    if (call.body) req.set_body(*call.body, call.content_type);
    auto impl = gate->impl;  // the client lives as long as its requests
    impl->client.request(req)
        .then([impl](http::http_response res) {
          auto x = std::make_shared<Exchange>();
          x->reply.status = res.status_code();
          x->in = res.body();
          if (res.headers().content_length() > kMaxAnswerBytes) {
            x->reply.too_large = true;
            x->in.close();
            return pplx::task_from_result(x);
          }
          return read_body(x).then([x] { return x; });
        })
        .then([answer](const pplx::task<std::shared_ptr<Exchange>>& t) {
          HttpReply r;
          try {
            r = std::move(t.get()->reply);
          } catch (const std::exception& e) {
            // http_exception for timeouts, refused connections, TLS failures, a cut body.
            r = HttpReply{};
            r.error = printable(e.what(), 200);
          } catch (...) {
            r = HttpReply{};
            r.error = "unknown error";
          }
          if (r.status == 0 && r.error.empty()) r.error = "no answer";
          answer(std::move(r));
        });
  } catch (const std::exception& e) {
    HttpReply r;
    r.error = printable(e.what(), 200);
    answer(std::move(r));
  }
}

}  // namespace larder::retailer
