#include "api/router.h"

#include <algorithm>
#include <exception>
#include <string_view>
#include <utility>

#include "api/http_types.h"
#include "larder/json_depth.h"
#include "larder/json_input.h"
#include "larder/log.h"

namespace larder {

namespace {

constexpr int kMaxJsonDepth = 64;

HttpResponse internal_error() {
  return HttpResponse::error(500, "internal", "internal error; the hub's log says more");
}

std::vector<std::string> split_path(const std::string& path) {
  std::vector<std::string> out;
  std::string_view p = path;
  if (!p.empty() && p.front() == '/') p.remove_prefix(1);
  while (true) {
    std::size_t slash = p.find('/');
    out.emplace_back(p.substr(0, slash));
    if (slash == std::string_view::npos) break;
    p.remove_prefix(slash + 1);
  }
  return out;
}

bool valid_method(const std::string& m) {
  if (m.empty()) return false;
  for (char c : m) {
    if (c < 'A' || c > 'Z') return false;
  }
  return true;
}

bool valid_name(std::string_view name) {
  if (name.empty()) return false;
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
    if (!ok) return false;
  }
  return true;
}

// The shape of a pattern: its segments with parameter names left out, for comparison.
std::string shape_of(const std::vector<std::string>& raw) {
  std::string s;
  for (const auto& seg : raw) {
    s += '/';
    if (seg.size() >= 5 && seg.front() == '{' && seg.compare(seg.size() - 4, 4, "...}") == 0) {
      s += "{...}";
    } else if (seg.size() >= 2 && seg.front() == '{' && seg.back() == '}') {
      s += "{}";
    } else {
      s += seg;
    }
  }
  return s;
}

}  // namespace

Status Router::add(const std::string& method, const std::string& pattern, Right required,
                   RouteHandler handler, Body body) {
  return add_route(method, pattern,
                   Route{required, std::move(handler), nullptr, body, {}, std::nullopt});
}

Status Router::add_async(const std::string& method, const std::string& pattern, Right required,
                         AsyncRouteHandler handler, Body body) {
  return add_route(method, pattern,
                   Route{required, nullptr, std::move(handler), body, {}, std::nullopt});
}

Status Router::add_route(const std::string& method, const std::string& pattern, Route route) {
  if (!valid_method(method)) return Status::Error("route: bad method '" + method + "'");
  if (pattern.empty() || pattern.front() != '/') {
    return Status::Error("route: pattern '" + pattern + "' must start with '/'");
  }
  if (!route.handler && !route.async_handler) {
    return Status::Error("route: " + method + " " + pattern + " has no handler");
  }
  // The query's names after '?', joined by '&'; "*" for any (unchecked); none without '?'.
  const std::size_t mark = pattern.find('?');
  route.query.emplace();
  if (mark != std::string::npos) {
    const std::string names = pattern.substr(mark + 1);
    if (names == "*") route.query.reset();
    for (std::size_t at = 0; route.query && at <= names.size();) {
      std::size_t amp = std::min(names.find('&', at), names.size());
      std::string name = names.substr(at, amp - at);
      if (!valid_name(name) || std::count(route.query->begin(), route.query->end(), name)) {
        return Status::Error("route: bad query parameter '" + name + "' in '" + pattern + "'");
      }
      route.query->push_back(std::move(name));
      at = amp + 1;
    }
  }
  std::vector<std::string> raw = split_path(pattern.substr(0, mark));
  std::vector<Segment> segments;
  for (std::size_t i = 0; i < raw.size(); ++i) {
    const std::string& seg = raw[i];
    bool braces = !seg.empty() && (seg.front() == '{' || seg.back() == '}');
    if (!braces) {
      if (seg.find_first_of("{}") != std::string::npos) {
        return Status::Error("route: bad segment '" + seg + "' in '" + pattern + "'");
      }
      segments.push_back({Segment::literal, seg});
      continue;
    }
    if (seg.size() < 3 || seg.front() != '{' || seg.back() != '}') {
      return Status::Error("route: bad segment '" + seg + "' in '" + pattern + "'");
    }
    std::string name = seg.substr(1, seg.size() - 2);
    Segment::Kind kind = Segment::param;
    if (name.size() > 3 && name.compare(name.size() - 3, 3, "...") == 0) {
      if (i + 1 != raw.size()) {
        return Status::Error("route: '" + seg + "' must be the last segment of '" + pattern + "'");
      }
      name.resize(name.size() - 3);
      kind = Segment::rest;
    }
    if (!valid_name(name)) {
      return Status::Error("route: bad parameter name in '" + seg + "' of '" + pattern + "'");
    }
    segments.push_back({kind, name});
  }
  std::string shape = shape_of(raw);
  Pattern* target = nullptr;
  for (auto& p : patterns_) {
    if (p.text == shape) target = &p;
  }
  if (target && target->routes.count(method)) {
    return Status::Error("route: " + method + " " + pattern + " is already registered");
  }
  if (!target) {
    patterns_.push_back({shape, segments, {}});
    target = &patterns_.back();
  }
  route.segments = std::move(segments);
  target->routes[method] = std::move(route);
  return Status::Ok();
}

Status Router::own(const std::string& prefix, Right required) {
  if (prefix.size() < 2 || prefix.front() != '/' || prefix.back() == '/') {
    return Status::Error("route: bad prefix '" + prefix + "' (a path like /api)");
  }
  std::vector<std::string> segments = split_path(prefix);
  for (const auto& seg : segments) {
    if (seg.empty() || seg.find_first_of("{}") != std::string::npos) {
      return Status::Error("route: bad segment '" + seg + "' in prefix '" + prefix + "'");
    }
  }
  for (const auto& o : owned_) {
    if (o.segments == segments) return Status::Error("route: " + prefix + " is owned already");
  }
  owned_.push_back({std::move(segments), required});
  return Status::Ok();
}

const Router::Owned* Router::owner_of(const std::vector<std::string>& path) const {
  const Owned* best = nullptr;
  for (const auto& o : owned_) {
    if (o.segments.size() > path.size()) continue;
    if (!std::equal(o.segments.begin(), o.segments.end(), path.begin())) continue;
    if (!best || o.segments.size() > best->segments.size()) best = &o;
  }
  return best;
}

bool Router::begins_with(const Pattern& p, const Owned& owned) {
  if (p.segments.size() < owned.segments.size()) return false;
  for (std::size_t i = 0; i < owned.segments.size(); ++i) {
    const Segment& seg = p.segments[i];
    if (seg.kind != Segment::literal || seg.text != owned.segments[i]) return false;
  }
  return true;
}

bool Router::match(const Pattern& p, const std::vector<std::string>& path,
                   std::map<std::string, std::string>& params) {
  params.clear();
  const auto& segs = p.segments;
  for (std::size_t i = 0; i < segs.size(); ++i) {
    if (segs[i].kind == Segment::rest) {
      if (i >= path.size()) return false;
      std::string rest;
      for (std::size_t j = i; j < path.size(); ++j) rest += (j > i ? "/" : "") + path[j];
      if (rest.empty()) return false;
      params[segs[i].text] = rest;
      return true;
    }
    if (i >= path.size()) return false;
    if (segs[i].kind == Segment::literal) {
      if (segs[i].text != path[i]) return false;
    } else {
      if (path[i].empty()) return false;
      params[segs[i].text] = path[i];
    }
  }
  return segs.size() == path.size();
}

std::optional<HttpResponse> Router::prepare(const HttpRequest& request, RouteContext& ctx,
                                            const Route*& route) {
  std::vector<std::string> path = split_path(request.path);
  const Owned* owner = owner_of(path);
  const Pattern* best = nullptr;
  for (const auto& p : patterns_) {
    std::map<std::string, std::string> ignored;
    if (owner && !begins_with(p, *owner)) continue;  // a catch-all elsewhere: not here
    if (!match(p, path, ignored)) continue;
    if (!best) {
      best = &p;
      continue;
    }
    // More specific: at the first segment where the kinds differ, the lower kind wins.
    for (std::size_t i = 0; i < p.segments.size() && i < best->segments.size(); ++i) {
      if (p.segments[i].kind != best->segments[i].kind) {
        if (p.segments[i].kind < best->segments[i].kind) best = &p;
        break;
      }
    }
  }
  if (!best) {
    if (owner) {
      // The caller must show the prefix's credentials before learning what is not there.
      ctx.access = access_.check(request, owner->required);
      if (!ctx.access.allowed()) return std::move(*ctx.access.refusal);
    }
    return HttpResponse::error(404, "not_found", "no such path: " + request.path);
  }
  auto found = best->routes.find(request.method);
  // HEAD is GET without the body (RFC 9110): the server drops it (adapters/http).
  if (found == best->routes.end() && request.method == "HEAD") found = best->routes.find("GET");
  if (found == best->routes.end()) {
    // Credentials first, as for a method the path has: the least right any of its methods
    // needs. A caller without a token learns nothing of the methods, not even with a 405.
    Right least = Right::admin;
    for (const auto& [method, r] : best->routes) least = std::min(least, r.required);
    ctx.access = access_.check(request, least);
    if (!ctx.access.allowed()) return std::move(*ctx.access.refusal);
    std::string allow;
    for (const auto& [method, r] : best->routes) {
      allow += (allow.empty() ? "" : ", ") + method;
      if (method == "GET" && !best->routes.count("HEAD")) allow += ", HEAD";
    }
    HttpResponse r = HttpResponse::error(405, "method_not_allowed",
                                         request.path + " allows only " + allow);
    r.headers.emplace_back("Allow", allow);
    return r;
  }
  const Route& rt = found->second;
  ctx.access = access_.check(request, rt.required);
  if (!ctx.access.allowed()) return std::move(*ctx.access.refusal);

  if (rt.query) {
    for (const auto& [name, value] : request.query) {
      if (std::find(rt.query->begin(), rt.query->end(), name) != rt.query->end()) continue;
      std::string takes;
      for (const auto& n : *rt.query) takes += (takes.empty() ? "" : ", ") + n;
      return HttpResponse::error(
          400, "bad_request",
          "unknown query parameter '" + name.substr(0, 64) + "': " + request.method + " " +
              request.path + (takes.empty() ? " takes none" : " takes " + takes));
    }
  }
  Pattern named{best->text, rt.segments, {}};
  match(named, path, ctx.params);
  if (rt.body == Body::json) {
    if (media_type(request.header("content-type")) != "application/json") {
      return HttpResponse::error(415, "unsupported_media_type",
                                 "the body must be JSON, sent with Content-Type: application/json");
    }
    if (request.body.empty()) return HttpResponse::error(400, "bad_request", "the request needs a JSON body");
    if (json_nests_deeper(request.body, kMaxJsonDepth)) {
      return HttpResponse::error(400, "bad_request", "the JSON body is nested too deeply");
    }
    std::string repeated;
    ctx.body = parse_json_input(request.body, repeated);
    if (ctx.body.is_discarded()) {
      const std::string why =
          repeated.empty() ? std::string() : ": " + repeated_key_message(repeated);
      return HttpResponse::error(400, "bad_request", "the body is not valid JSON" + why);
    }
  }
  route = &rt;
  return std::nullopt;
}

HttpResponse Router::handle(const HttpRequest& request) {
  try {
    RouteContext ctx{request, {}, nullptr, {}};
    const Route* route = nullptr;
    if (std::optional<HttpResponse> early = prepare(request, ctx, route)) return std::move(*early);
    if (!route->handler) {
      log_error("http: bug: " + request.method + " " + request.path +
                " has an asynchronous route; the synchronous Router::handle cannot answer it");
      return internal_error();
    }
    return route->handler(ctx);
  } catch (const std::exception& e) {
    log_error("http: " + request.method + " " + request.path + " failed: " + e.what());
  } catch (...) {
    log_error("http: " + request.method + " " + request.path + " failed with an unknown exception");
  }
  return internal_error();
}

void Router::handle(const HttpRequest& request, HttpRespond respond) {
  // Passes on the first answer only, so that a handler that throws after responding, or
  // responds twice, cannot answer twice.
  auto answered = std::make_shared<bool>(false);
  HttpRespond once = [answered, respond = std::move(respond),
                      what = request.method + " " + request.path](HttpResponse r) {
    if (*answered) {
      log_error("http: the handler for " + what + " responded twice; the second answer is ignored");
      return;
    }
    *answered = true;
    respond(std::move(r));
  };
  try {
    RouteContext ctx{request, {}, nullptr, {}};
    const Route* route = nullptr;
    if (std::optional<HttpResponse> early = prepare(request, ctx, route)) return once(std::move(*early));
    if (route->handler) return once(route->handler(ctx));
    route->async_handler(ctx, once);
    return;
  } catch (const std::exception& e) {
    log_error("http: " + request.method + " " + request.path + " failed" +
              (*answered ? " after it responded: " : ": ") + e.what());
  } catch (...) {
    log_error("http: " + request.method + " " + request.path + " failed with an unknown exception" +
              (*answered ? " after it responded" : ""));
  }
  if (!*answered) once(internal_error());
}

AsyncHttpHandler Router::handler() {
  return [this](const HttpRequest& request, HttpRespond respond) { handle(request, std::move(respond)); };
}

Status add_system_routes(Router& router, Metrics& metrics, Access& access) {
  Status s = router.own("/api", Right::read);
  if (!s) return s;
  for (const char* prefix : {"/alexa", "/healthz", "/metrics"}) {
    s = router.own(prefix, Right::none);
    if (!s) return s;
  }
  s = router.add("GET", "/healthz?*", Right::none, [](const RouteContext&) {
    return HttpResponse::json(200, R"({"status":"ok"})");
  });
  if (!s) return s;
  s = router.add("GET", "/metrics?*", Right::read, [&metrics](const RouteContext&) {
    HttpResponse r;
    r.content_type = "text/plain; version=0.0.4; charset=utf-8";
    r.body = metrics.render();
    return r;
  });
  if (!s) return s;
  s = router.add(
      "POST", "/api/v1/session", Right::none,
      [&access](const RouteContext& ctx) {
        const auto& b = ctx.body;
        if (!b.is_object() || !b.contains("token") || !b["token"].is_string()) {
          return HttpResponse::error(400, "bad_request", R"(the body must be {"token":"..."})");
        }
        if (auto unknown = unknown_field(b, {"token"})) return *unknown;
        return access.sign_in(b["token"].get<std::string>());
      },
      Body::json);
  if (!s) return s;
  s = router.add("GET", "/api/v1/session", Right::read,
                 [&access](const RouteContext& ctx) { return access.describe(ctx.request); });
  if (!s) return s;
  return router.add("DELETE", "/api/v1/session", Right::read,
                    [&access](const RouteContext& ctx) { return access.sign_out(ctx.request); });
}

}  // namespace larder
