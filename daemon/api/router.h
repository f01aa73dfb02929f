// The HTTP API's router: method + path pattern -> access check -> body check -> handler.
//
// Routes are registered once at start-up with Router::add (answering at once) or
// Router::add_async (answering later, through an HttpRespond):
//   router.add("POST", "/api/v1/orders/{id}/cancel", Right::admin, handler);
//   router.add("POST", "/api/v1/orders", Right::admin, handler, Body::json);
//   router.add_async("POST", "/alexa?*", Right::none, async_handler, Body::json);
// A pattern is a path of '/'-separated segments; a segment is a literal or `{name}`,
// which matches one non-empty segment and captures it (decoded) in
// RouteContext::params["name"]. A last segment `{name...}` matches one or more
// remaining segments (e.g. static files) and captures them joined by '/'. When several
// patterns match, the most specific wins: segment by segment, literal beats `{name}`
// beats `{name...}`.
//
// A pattern names the query parameters its route takes after '?', joined by '&'
// ("/api/v1/events?since&after&limit"); a request with another one gets 400, so that a
// misspelt filter is not quietly ignored. Without '?' a route takes none; "?*" takes any,
// unchecked (the dashboard's files, /metrics, callbacks: their clients add their own).
//
// Router::own claims a prefix for the routes registered under it (the API's `/api`): no
// pattern outside it, such as the dashboard's catch-all `/{file...}`, matches a path there.
//
// Router::handle answers, in this order:
//   - 404 not_found when no pattern matches the path; under an owned prefix only after the
//     prefix's access check (401 without credentials), so that an unknown API path looks
//     like any other to a caller without a token;
//   - 405 method_not_allowed with an `Allow` header when the best matching pattern has
//     no route for the method;
//   - the refusal of Access::check for the route's Right (401, 403, 429);
//   - 400 bad_request for a query parameter the route does not take;
//   - for Body::json routes: 415 unsupported_media_type unless Content-Type is
//     application/json, 400 bad_request for an empty body, invalid JSON or JSON nested
//     deeper than 64 levels;
//   - else the handler's answer. A handler that throws (an asynchronous one: before it
//     responded) gets 500 internal (logged): handlers report bad input by answering
//     HttpResponse::error, never by throwing.
// Every check before the handler runs answers at once, for asynchronous routes too.
// Every error body is {"error":{"code":"...","message":"..."}} (shared/contract/http.md).
//
// Routes authenticated by something other than the hub's tokens (the carrier's grant
// code in `Authorization: Bearer`, Alexa's signature) register Right::none and check
// inside their handler: otherwise Access would take the grant code for a wrong token.
//
// Thread rule: event-loop thread only (the handlers run there, called by the server).
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "api/access.h"
#include "larder/http.h"
#include "larder/metrics.h"
#include "larder/status.h"

namespace larder {

enum class Body {
  ignored,  // any body is ignored (RouteContext::body stays null)
  json,     // a JSON body is required; parsed into RouteContext::body
};

struct RouteContext {
  const HttpRequest& request;
  std::map<std::string, std::string> params;  // captured by {name} segments
  nlohmann::json body;                        // parsed body of Body::json routes, else null
  AccessResult access;                        // the caller's right and how it was proven
};

using RouteHandler = std::function<HttpResponse(const RouteContext&)>;
// Answers through `respond`, at once or later, under the rule of HttpRespond
// (larder/http.h): once, on the event-loop thread. The RouteContext and the request it
// refers to are valid only until the handler returns: copy from them (params, body,
// access, request fields) what the answer needs later.
using AsyncRouteHandler = std::function<void(const RouteContext&, HttpRespond)>;

class Router {
 public:
  explicit Router(Access& access) : access_(access) {}

  // Registers a route. Fails (and changes nothing) for a method that is not an upper-case
  // token, a pattern that does not start with '/', a bad `{}` segment, a `{name...}`
  // that is not last, a bad or repeated query name, or a method + pattern already
  // registered (also when only the parameter or query names differ).
  Status add(const std::string& method, const std::string& pattern, Right required,
             RouteHandler handler, Body body = Body::ignored);
  // Registers a route that answers later; the same checks as add(), and the same
  // method + pattern cannot be registered by both.
  Status add_async(const std::string& method, const std::string& pattern, Right required,
                   AsyncRouteHandler handler, Body body = Body::ignored);

  // Claims the paths at and below `prefix`, whole segments ("/api" claims "/api" and
  // "/api/v1/x", not "/apis"): a pattern that does not begin with the prefix's segments
  // never matches them, and such a path that no route under the prefix matches answers the
  // refusal of Access::check for `required`, else 404 not_found. The longest owned prefix
  // of a path decides. Fails (and changes nothing) for a prefix that does not start with
  // '/', is "/" alone, ends with '/', has a `{}` segment, or is owned already.
  Status own(const std::string& prefix, Right required);

  // Answers one request through `respond` (see the order above): the router's refusals and
  // synchronous routes at once, asynchronous routes when their handler responds. Calls
  // `respond` at most once (a handler's second call is ignored and logged). Never throws
  // (unless `respond` does).
  void handle(const HttpRequest& request, HttpRespond respond);
  // Answers one request at once, for synchronous routes (tests, the sandbox). An
  // asynchronous route cannot answer here: it gets 500 internal (logged as a bug) and its
  // handler is not called. Never throws.
  HttpResponse handle(const HttpRequest& request);

  // handle(request, respond) as the server's handler; the Router must outlive it.
  AsyncHttpHandler handler();

 private:
  struct Segment {
    enum Kind { literal = 0, param = 1, rest = 2 } kind;
    std::string text;  // the literal, or the parameter's name
  };
  struct Route {
    Right required;
    RouteHandler handler;              // set for a synchronous route
    AsyncRouteHandler async_handler;   // set for an asynchronous one
    Body body;
    std::vector<Segment> segments;  // with this route's parameter names
    // The query parameters it takes (from the pattern); none: any, unchecked.
    std::optional<std::vector<std::string>> query;
  };
  struct Pattern {
    std::string text;                     // the shape: "/api/v1/orders/{}/cancel"
    std::vector<Segment> segments;        // kinds and literals (names of the first route)
    std::map<std::string, Route> routes;  // by method
  };

  struct Owned {
    std::vector<std::string> segments;  // the prefix's literal segments
    Right required;
  };

  Status add_route(const std::string& method, const std::string& pattern, Route route);
  // The longest owned prefix of `path`, or null.
  const Owned* owner_of(const std::vector<std::string>& path) const;
  static bool begins_with(const Pattern& p, const Owned& owned);
  static bool match(const Pattern& p, const std::vector<std::string>& path,
                    std::map<std::string, std::string>& params);
  // Finds the route and runs the checks before its handler: the router's answer when the
  // request stops here, else nullopt with `route` set and `ctx` filled.
  std::optional<HttpResponse> prepare(const HttpRequest& request, RouteContext& ctx,
                                      const Route*& route);

  Access& access_;
  std::vector<Pattern> patterns_;
  std::vector<Owned> owned_;
};

// The built-in routes, and the prefixes no other route may take (Router::own):
//   /api                    the API's: an unknown path there needs the read right (401)
//   /alexa                  Alexa's endpoint (api/alexa_routes.h), which checks its own
//                           signature: an unknown path there is 404 to anyone
//   /healthz, /metrics      the same: below them is nothing, and no file either
//   GET /healthz            anyone; {"status":"ok"}
//   GET /metrics            read; Metrics::render() as text/plain; version=0.0.4
//   POST /api/v1/session    anyone; body {"token":"..."} -> Access::sign_in
//   GET /api/v1/session     read; Access::describe
//   DELETE /api/v1/session  read (a cookie also needs X-Larder-CSRF); Access::sign_out
// `metrics` and `access` must outlive the router.
Status add_system_routes(Router& router, Metrics& metrics, Access& access);

}  // namespace larder
