// HTTP requests and responses as the hub's API sees them: no Beast types.
//
// The server adapter (daemon/adapters/http) parses the wire, enforces size and time
// limits, and hands each complete request to an HttpHandler on the event-loop thread;
// the API (daemon/api) routes it, checks access and answers. Tests call the handler
// directly or talk to the real server over loopback.
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

using HttpHandler = std::function<HttpResponse(const HttpRequest&)>;

}  // namespace larder
