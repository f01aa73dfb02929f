#include "api/delivery_routes.h"

#include <cmath>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "api/access.h"
#include "larder/log.h"

namespace larder {
namespace {

using json = nlohmann::json;
using grants::Verdict;

// The code from `Authorization: Bearer <code>`, read as the hub's own tokens are (the
// scheme in any case, spaces around the code ignored: api/access.h); empty when there is
// none. A carrier writing `bearer` must not have its right code counted as a wrong one.
std::string bearer(const HttpRequest& r) {
  return bearer_token(r.header("authorization")).value_or("");
}

HttpResponse carrier_refusal(Verdict v) {
  switch (v) {
    case Verdict::no_grant:
    case Verdict::wrong_code: {
      HttpResponse r = HttpResponse::error(401, "unauthorized",
                                           "the access code is not valid for this delivery");
      r.headers.emplace_back("WWW-Authenticate", "Bearer");
      return r;
    }
    case Verdict::locked_out:
      return HttpResponse::error(403, "forbidden",
                                 "access to this delivery was withdrawn after too many wrong codes");
    case Verdict::revoked:
      return HttpResponse::error(403, "forbidden", "access to this delivery was withdrawn");
    case Verdict::outside_window:
      return HttpResponse::error(403, "forbidden", "it is not the time of this delivery's window");
    case Verdict::already_used:
      return HttpResponse::error(409, "conflict", "the trunk was already opened with this code");
    case Verdict::car_unknown:
      return HttpResponse::error(409, "conflict", "the car's position is not known right now");
    case Verdict::car_moving:
      return HttpResponse::error(409, "conflict", "the car is moving");
    case Verdict::car_not_in_place:
      return HttpResponse::error(409, "conflict", "the car is not parked at the delivery place");
    case Verdict::unavailable:
      return HttpResponse::error(503, "unavailable", "the hub cannot record the unlock; try again");
    case Verdict::ok:
      break;
  }
  return HttpResponse::error(500, "internal", "unexpected verdict");
}

// A request that carries no code at all guesses nothing: refused before the grant is asked,
// so that it counts toward no lockout (anyone who saw an order id on the events could else
// withdraw the carrier's access with five empty requests).
HttpResponse no_code() {
  HttpResponse r = HttpResponse::error(
      401, "unauthorized", "send the delivery's access code: 'Authorization: Bearer <code>'");
  r.headers.emplace_back("WWW-Authenticate", "Bearer");
  return r;
}

HttpResponse answer(const DeliveryDesk::CarrierAnswer& a, int ok_status) {
  if (a.throttled_for) {
    HttpResponse r = HttpResponse::error(429, "too_many_requests",
                                         "too many refused requests; try again later");
    r.headers.emplace_back("Retry-After",
                           std::to_string(static_cast<long>(std::ceil(*a.throttled_for)) + 1));
    return r;
  }
  if (a.verdict != Verdict::ok) return carrier_refusal(a.verdict);
  return HttpResponse::json(ok_status, a.body.dump());
}

HttpResponse refusal(const orders::Reply& r) {
  switch (r.code) {
    case orders::Code::bad_input: return HttpResponse::error(400, "bad_request", r.status.message());
    case orders::Code::not_found: return HttpResponse::error(404, "not_found", r.status.message());
    case orders::Code::conflict: return HttpResponse::error(409, "conflict", r.status.message());
    case orders::Code::internal:
    case orders::Code::ok: break;
  }
  log_error("delivery: " + r.status.message());
  return HttpResponse::error(500, "internal", r.status.message());
}

}  // namespace

Status add_delivery_routes(Router& router, DeliveryDesk& desk) {
  // The carrier's paths are its own: a code sent to a mistyped one is answered 404, not
  // taken for a wrong hub token by /api's owner (20 of those a minute would lock every
  // token out, admin's too).
  Status s = router.own("/api/v1/carrier", Right::none);
  if (!s.ok()) return s;
  s = router.add("GET", "/api/v1/deliveries", Right::read, [&desk](const RouteContext&) {
    return HttpResponse::json(200, desk.deliveries().dump());
  });
  if (!s.ok()) return s;
  s = router.add("POST", "/api/v1/deliveries/{id}/revoke", Right::admin,
                 [&desk](const RouteContext& ctx) {
                   orders::Reply r = desk.revoke(ctx.params.at("id"), "api");
                   if (!r.ok()) return refusal(r);
                   return HttpResponse::json(200, json{{"order_id", r.order_id},
                                                       {"revoked", true}}.dump());
                 });
  if (!s.ok()) return s;
  s = router.add("GET", "/api/v1/audit", Right::read, [&desk](const RouteContext&) {
    json a = desk.audit();
    if (a.contains("error")) {
      // The store refused the read: not a bug (500 is for those), and a later try may work.
      const std::string why = a["error"].get<std::string>();
      log_error("cannot read the grant audit log: " + why);
      return HttpResponse::error(503, "unavailable",
                                 "cannot read the grant audit log from the hub's database "
                                 "right now (" + why + "); try again");
    }
    return HttpResponse::json(200, a.dump());
  });
  if (!s.ok()) return s;
  s = router.add("GET", "/api/v1/carrier/deliveries/{id}?*", Right::none,
                 [&desk](const RouteContext& ctx) {
                   const std::string code = bearer(ctx.request);
                   if (code.empty()) return no_code();
                   return answer(desk.carrier_view(ctx.params.at("id"), code), 200);
                 });
  if (!s.ok()) return s;
  return router.add("POST", "/api/v1/carrier/deliveries/{id}/unlock?*", Right::none,
                    [&desk](const RouteContext& ctx) {
                      const std::string code = bearer(ctx.request);
                      if (code.empty()) return no_code();
                      return answer(desk.carrier_unlock(ctx.params.at("id"), code), 202);
                    });
}

}  // namespace larder
