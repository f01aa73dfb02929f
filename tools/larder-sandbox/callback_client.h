// CallbackClient: POSTs the sandbox's signed status callbacks (retailer-v1.md, "Status
// callbacks") to the hub, one at a time and in the order queued, on the sandbox's
// io_context: nothing blocks the loop (Boost.Beast, as the hub's server; no new library).
// Its single exchanges (send_exchange) also carry the carrier's requests (carrier_sim.h).
//
// Why not cpprestsdk (the retailer adapters' HttpClient): libcpprest is built without
// BOOST_ASIO_NO_DEPRECATED, the project with it; this file's Beast TLS code emits
// boost::asio::asio_handler_allocate in its no-longer-used form, which the executable
// then exports and libcpprest binds to (it answers null: cpprest crashes on its first
// request). So larder-sandbox keeps to Beast.
//
// Each callback is `POST <url>` with Content-Type: application/json and
// X-Larder-Signature: <Callback::signature>, body Callback::body. A 2xx answer is
// success; anything else, or no answer within `timeout` (resolving, connecting, TLS,
// writing and reading together), is a failure. Failures are not retried: the hub also
// polls, so a lost callback costs only time. `done` reports every outcome.
// https URLs verify the hub's certificate against the system's CAs (or `ca_file`) and the
// URL's host name, TLS 1.2 or newer.
// Thread rule: construct, send and stop on the io_context's thread (or before it runs);
// `done` runs there.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <boost/asio/io_context.hpp>

#include "larder/status.h"
#include "retailer_sim.h"

namespace boost::asio::ssl {
class context;
}

namespace larder::sandbox {

struct CallbackUrl {
  bool tls = false;
  std::string host;    // without brackets for IPv6
  std::string port;    // "80" / "443" unless given
  std::string target;  // path and query, "/" at least
  std::string host_header;
};

// http(s)://host[:port][/path][?query]; no user info, fragment, spaces or control characters.
Result<CallbackUrl> parse_callback_url(const std::string& url);

// A TLS client context: TLS 1.2 or newer, the peer verified against the system's CAs
// (`ca_file` empty) or those in `ca_file`.
Result<std::shared_ptr<boost::asio::ssl::context>> tls_client_context(const std::string& ca_file);

// One HTTP/1.1 request.
struct HttpExchange {
  std::string method = "POST";  // GET or POST
  CallbackUrl url;
  std::vector<std::pair<std::string, std::string>> headers;  // besides Host, User-Agent, Connection
  std::optional<std::string> body;                           // sent as application/json
};

struct ExchangeReply {
  int status = 0;     // 0: no answer
  std::string body;   // at most 64 KiB
  std::string error;  // status 0: why (cannot resolve, connect, TLS, send; no answer)
};

// Sends `request` on `ioc`: resolve, connect, TLS handshake for https (with `tls`, which
// must outlive the exchange; the URL's host name is verified), write, read, close, all
// within `timeout`. `done` gets the answer once, on the io_context's thread, never inside
// the call. The function returned abandons the exchange: `done` is not called after it.
std::function<void()> send_exchange(boost::asio::io_context& ioc, boost::asio::ssl::context* tls,
                                    HttpExchange request, std::chrono::milliseconds timeout,
                                    std::function<void(ExchangeReply)> done);

namespace callback_detail {
struct State;  // the queue and the connection in flight (callback_client.cc)
}

class CallbackClient {
 public:
  using Done = std::function<void(const Callback& callback, bool ok, const std::string& detail)>;

  CallbackClient(boost::asio::io_context& ioc, CallbackUrl url, Done done,
                 std::chrono::milliseconds timeout = std::chrono::seconds(5));
  ~CallbackClient();  // stop()
  CallbackClient(const CallbackClient&) = delete;
  CallbackClient& operator=(const CallbackClient&) = delete;

  // Sets up TLS for https URLs (`ca_file` empty: the system's CAs); nothing for http.
  Status init(const std::string& ca_file = {});
  // Queues one callback (at most 1000 wait; beyond, the oldest is dropped and reported
  // as failed).
  void send(Callback callback);
  // Drops the queue and abandons the callback in flight; later sends are ignored.
  void stop();
  std::size_t pending() const;

 private:
  std::shared_ptr<callback_detail::State> impl_;
};

}  // namespace larder::sandbox
