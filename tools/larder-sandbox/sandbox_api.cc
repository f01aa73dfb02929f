#include "sandbox_api.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <cctype>
#include <string_view>
#include <utility>

#include "api/http_types.h"
#include "json_check.h"
#include "larder/log.h"
#include "sim_util.h"

namespace larder::sandbox {

namespace {

constexpr double kMaxAdvanceSeconds = 10.0 * 365 * 86400;

std::string sha256(const std::string& text) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(text.data(), text.size(), digest, &len, EVP_sha256(), nullptr);
  return std::string(reinterpret_cast<const char*>(digest), len);
}

bool starts_with(const std::string& s, const char* prefix) { return s.rfind(prefix, 0) == 0; }

const char* code_for(int status) {
  switch (status) {
    case 429:
      return "too_many_requests";
    case 500:
      return "internal";
    case 502:
      return "bad_gateway";
    case 503:
      return "unavailable";
    case 504:
      return "gateway_timeout";
    default:
      return "server_error";
  }
}

}  // namespace

HttpResponse to_response(const SimReply& reply) {
  return HttpResponse::json(reply.status, json_text(reply.body));
}

SandboxApi::SandboxApi(RetailerSim& sim, const Clock& clock, const std::string& api_key, Wait wait)
    : sim_(sim), wait_(std::move(wait)), access_(no_tokens_, clock, metrics_), router_(access_) {
  if (!api_key.empty()) key_digest_ = sha256(api_key);
}

bool SandboxApi::authorized(const HttpRequest& request) const {
  // "Bearer <key>", the scheme in any case (RFC 7235), spaces around the key ignored.
  std::string_view auth = request.header("authorization");
  auto trim = [](std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
  };
  auth = trim(auth);
  std::size_t space = auth.find(' ');
  if (key_digest_.empty() || space != 6) return false;
  for (std::size_t i = 0; i < 6; ++i) {
    if (std::tolower(static_cast<unsigned char>(auth[i])) != "bearer"[i]) return false;
  }
  std::string_view key = trim(auth.substr(space + 1));
  if (key.empty()) return false;
  // Digests of equal length, so neither the key's content nor its length leaks.
  std::string presented = sha256(std::string(key));
  return CRYPTO_memcmp(presented.data(), key_digest_.data(), key_digest_.size()) == 0;
}

HttpResponse SandboxApi::faulted(Route route, const std::function<HttpResponse()>& serve) {
  std::optional<Fault> f = sim_.take_http_fault(route);
  if (!f) return serve();
  log_info(std::string("fault on ") + route_name(route) + ": " + json_text(f->to_json()));
  switch (f->kind) {
    case FaultKind::error: {
      if (f->after) (void)serve();
      HttpResponse r = HttpResponse::error(
          f->status, code_for(f->status),
          std::string("injected fault (") + (f->random ? "random" : "scripted") +
              (f->after ? ", after the request was carried out)" : ")"));
      if (f->retry_after > 0) r.headers.emplace_back("Retry-After", std::to_string(f->retry_after));
      return r;
    }
    case FaultKind::slow:
      wait_(f->delay);
      return serve();
    case FaultKind::hang:
      if (f->after) (void)serve();
      wait_(f->delay);
      return HttpResponse::error(504, "gateway_timeout", "injected fault: no answer in time");
    default:
      return serve();  // the other kinds are taken by RetailerSim itself
  }
}

Status SandboxApi::init() {
  auto& sim = sim_;
  struct Def {
    const char* method;
    const char* pattern;
    RouteHandler handler;
    Body body;
  };
  std::vector<Def> defs = {
      {"GET", "/healthz",
       [](const RouteContext&) { return HttpResponse::json(200, R"({"status":"ok"})"); },
       Body::ignored},
      {"POST", "/v1/quotes",
       [this, &sim](const RouteContext& c) {
         return faulted(Route::quotes, [&] { return to_response(sim.quote(c.body)); });
       },
       Body::json},
      {"POST", "/v1/orders",
       [this, &sim](const RouteContext& c) {
         return faulted(Route::orders, [&] {
           return to_response(sim.place(c.request.header("idempotency-key"), c.body));
         });
       },
       Body::json},
      {"GET", "/v1/orders/{id}",
       [this, &sim](const RouteContext& c) {
         return faulted(Route::order, [&] { return to_response(sim.order(c.params.at("id"))); });
       },
       Body::ignored},
      {"POST", "/v1/orders/{id}/cancel",
       [this, &sim](const RouteContext& c) {
         return faulted(Route::cancel, [&] { return to_response(sim.cancel(c.params.at("id"))); });
       },
       Body::ignored},
      {"PUT", "/v1/orders/{id}/delivery",
       [this, &sim](const RouteContext& c) {
         return faulted(Route::delivery, [&] {
           return to_response(sim.change_delivery(c.params.at("id"), c.body));
         });
       },
       Body::json},
      {"GET", "/sandbox/orders", [this](const RouteContext&) { return orders_report(); },
       Body::ignored},
      {"GET", "/sandbox/car", [this](const RouteContext& c) { return car_route(c); },
       Body::ignored},
      {"POST", "/sandbox/car", [this](const RouteContext& c) { return car_route(c); }, Body::json},
      {"GET", "/sandbox/faults",
       [&sim](const RouteContext&) { return HttpResponse::json(200, json_text(sim.faults())); },
       Body::ignored},
      {"POST", "/sandbox/faults",
       [&sim](const RouteContext& c) { return to_response(sim.add_faults(c.body)); }, Body::json},
      {"DELETE", "/sandbox/faults",
       [&sim](const RouteContext&) {
         sim.clear_faults();
         return HttpResponse::json(200, json_text(sim.faults()));
       },
       Body::ignored},
      {"POST", "/sandbox/advance",
       [&sim](const RouteContext& c) {
         Status err = check_object(c.body, {"seconds"}, "the advance request");
         std::optional<double> s;
         if (err) s = number_at(c.body, "seconds", "the advance request", err);
         if (!s || *s < 0 || *s > kMaxAdvanceSeconds) {
           return HttpResponse::error(
               400, "bad_request", err ? "\"seconds\" must be from 0 to ten years" : err.message());
         }
         sim.advance(*s);
         return HttpResponse::json(200, json_text(nlohmann::json{{"now", stamp(sim.now())}}));
       },
       Body::json},
  };
  for (auto& d : defs) {
    if (Status s = router_.add(d.method, d.pattern, Right::none, std::move(d.handler), d.body); !s)
      return s;
  }
  return Status::Ok();
}

HttpResponse SandboxApi::orders_report() const {
  nlohmann::json report = sim_.report();
  if (carrier_) {
    for (auto& o : report["orders"]) {
      nlohmann::json visit = carrier_->report(o["order_id"].get<std::string>());
      if (!visit.is_null()) o["carrier"] = std::move(visit);
    }
  }
  return HttpResponse::json(200, json_text(report));
}

HttpResponse SandboxApi::car_route(const RouteContext& c) {
  if (!car_) {
    return HttpResponse::error(404, "not_found",
                               "no car: start larder-sandbox with --mqtt and --car-at");
  }
  if (c.request.method == "GET") return HttpResponse::json(200, json_text(car_->report()));
  return to_response(car_->move(c.body));
}

HttpResponse SandboxApi::handle(const HttpRequest& request) {
  sim_.tick();
  const std::string& path = request.path;
  bool guarded = starts_with(path, "/v1/") || path == "/v1" || starts_with(path, "/sandbox/") ||
                 path == "/sandbox";
  HttpResponse res;
  if (guarded && !authorized(request)) {
    res = HttpResponse::error(401, "unauthorized",
                              "this needs Authorization: Bearer <the sandbox's API key>");
    res.headers.emplace_back("WWW-Authenticate", "Bearer");
  } else {
    if (request.method == "POST" && path == "/v1/orders" &&
        !request.header("idempotency-key").empty()) {
      sim_.presented(request.header("idempotency-key"));
    }
    res = router_.handle(request);
  }
  log_debug("http: " + request.method + " " + path + " -> " + std::to_string(res.status));
  return res;
}

}  // namespace larder::sandbox
