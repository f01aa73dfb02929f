// HTTP requests and responses as the hub's API sees them: no Beast types.
//
// The server adapter (daemon/adapters/http) parses the wire, enforces size and time
// limits, and hands each complete request to an AsyncHttpHandler (or a synchronous
// HttpHandler, which it wraps) on the event-loop thread; the API (daemon/api) routes it,
// checks access and answers. Tests call the handler directly or talk to the real server
// over loopback.
// Thread rule: event-loop thread only.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace larder {

struct HttpRequest {
  std::string method;                              // "GET", "POST", ...
  std::string target;                              // as sent: path and query
  std::string path;                                // decoded path, without the query
  std::map<std::string, std::string> query;        // decoded query parameters
  std::map<std::string, std::string> headers;      // names in lower case
  std::string body;
  std::string remote;                              // peer address, for logs only

  // The header's value, or "" when absent. `name` in lower case.
  const std::string& header(const std::string& name) const;
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // extra headers

  static HttpResponse json(int status, std::string body);
  // {"error":{"code":CODE,"message":MESSAGE}} with `status` (shared/contract/http.md).
  static HttpResponse error(int status, const std::string& code, const std::string& message);
};

// A synchronous handler: its return value is the answer.
using HttpHandler = std::function<HttpResponse(const HttpRequest&)>;

// The answer to one request, given now or later. The rule: call it once, on the
// event-loop thread, either before the handler returns or later (after a timer or a fetch
// of its own on the loop). It may be copied and stored; a second call of any copy is
// ignored (and logged). If every copy is destroyed without a call, the server answers
// 500 internal (a bug, logged) instead of leaving the client waiting. The server sets no
// deadline on a pending answer: a handler that waits bounds the wait itself. Calling it
// after the connection closed or the server stopped does nothing.
using HttpRespond = std::function<void(HttpResponse)>;
// A handler that may answer later through `respond`. `request` is valid only until the
// handler returns: copy what is needed later. While an answer is pending, nothing more is
// read from that connection, so pipelined requests are answered in order. A handler that
// throws before responding gets 500 internal (logged).
using AsyncHttpHandler = std::function<void(const HttpRequest& request, HttpRespond respond)>;

}  // namespace larder
