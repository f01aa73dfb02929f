// The HTTP plumbing the retailer adapters share (private to daemon/adapters/retailer; the
// Alexa certificate fetcher, daemon/adapters/alexa/cert_fetcher_http, and the notifications'
// sender, daemon/adapters/notify/http_sender, share it too): one
// cpprestsdk client per adapter, bounded answers handed to the event loop as plain values,
// and the helpers that turn an answer into words and outcomes.
//
// A client has at most kMaxInFlight requests out at once, so a server sees at most that many
// connections from it however many orders are polled or retried together; the rest wait in
// order, at most kMaxWaiting of them. A request that waited longer than the timeout is
// answered as timed out without being sent; one beyond kMaxWaiting is answered at once as
// not sent. Both are "no answer" (status 0), which the callers retry.
//
// cpprestsdk stays inside retailer_http.cc: its headers define macros (U()) that collide
// with other code.
// Thread rule: send() from any thread; `done` runs through `post` (the event loop).
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "adapters/retailer/retailer_factory.h"
#include "larder/status.h"

namespace larder::retailer {

// The most of an answer's body that is read; a longer answer counts as garbled.
constexpr std::size_t kMaxAnswerBytes = std::size_t{256} * 1024;
// Requests one client has out at once, and how many more may wait for them.
constexpr std::size_t kMaxInFlight = 4;
constexpr std::size_t kMaxWaiting = 256;

using Headers = std::vector<std::pair<std::string, std::string>>;

struct HttpCall {
  std::string method = "GET";        // GET, POST or PUT
  std::string path;                  // appended to the base URL; encoded; may hold "?query"
  std::optional<std::string> body;   // sent as `content_type`, byte for byte
  Headers headers;                   // besides the client's own
  std::string content_type = "application/json";
};

struct HttpReply {
  int status = 0;      // 0: no answer (connection error, timeout, TLS failure)
  std::string body;    // at most kMaxAnswerBytes
  bool too_large = false;
  std::string error;   // status 0: why there is no answer
};

class HttpClient {
 public:
  // `base_url`: http(s)://host[:port][/path]. `headers` go with every request.
  static Result<std::shared_ptr<HttpClient>> make(const std::string& base_url, Post post,
                                                  const RetailerOptions& options,
                                                  Headers headers);
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // Sends one request; `done` gets its answer, once, through `post`. Never calls `done`
  // before it returns.
  void send(HttpCall call, std::function<void(HttpReply)> done);

  // Ends the answers: from now on nothing is sent, and no answer still to come is handed
  // to `post`. The adapters call it when they are destroyed, so that the event loop may
  // go right after them (answers posted before stay in the loop's queue).
  void close();

  const Post& post() const;

 private:
  struct Impl;
  struct Gate;
  struct Waiting;
  HttpClient(Post post, std::shared_ptr<Impl> impl, Headers headers, double timeout_s);
  // Sends `call` on one of the kMaxInFlight slots; when it is answered, the slot passes to
  // the oldest request waiting. Static: answers may come after the client is gone.
  static void start(const std::shared_ptr<Gate>& gate, HttpCall call,
                    std::function<void(HttpReply)> done);
  static void slot_free(const std::shared_ptr<Gate>& gate);
  std::shared_ptr<Gate> gate_;  // shared with the requests in flight
};

// The helpers below need no cpprestsdk: retailer_answers.cc.
// `s` cut after `max` bytes (with "..."), anything but printable ASCII as a space.
std::string printable(std::string_view s, std::size_t max);

// A path segment with everything but A-Z a-z 0-9 - . _ ~ percent-encoded.
std::string encode_segment(std::string_view segment);

// 429 and 5xx, and no answer at all: worth asking again (retailer-v1.md).
bool retryable(const HttpReply& r);
bool success(const HttpReply& r);  // 2xx
// A final answer to a POST /v1/orders that did not judge the order itself, so it proves
// nothing about what the retailer holds under the key: 401 and 403 (the hub's access), and
// 422 `idempotency_key_reused` (an order under the key already, with another body).
bool unjudged(const HttpReply& r);

// The body as JSON, or nothing (too large, not JSON).
std::optional<nlohmann::json> json_body(const HttpReply& r);

// In words, for the logs and the order's reason: "no answer: <why>", or "HTTP 422
// unknown_sku: <message>" from a body {"error":{"code","message"}} (Grocy's
// {"error_message"} too), else "HTTP <status>" and the start of the body, printable only.
std::string describe(const HttpReply& r);

// Compact JSON text; invalid UTF-8 in strings is replaced, never thrown about.
std::string json_text(const nlohmann::json& j);

// A string that is short enough to keep (at most 256 bytes, not empty), from `j[key]`.
std::optional<std::string> short_string(const nlohmann::json& j, const char* key);
// A finite number from `j[key]`.
std::optional<double> finite_number(const nlohmann::json& j, const char* key);

}  // namespace larder::retailer
