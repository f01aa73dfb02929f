#include "api/vacation_routes.h"

#include <cmath>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "api/http_types.h"

namespace larder {

using nlohmann::json;

namespace {

HttpResponse state(const Hub& hub) {
  json j = {{"away", false}};
  if (auto v = hub.vacation()) {
    j = {{"away", true}, {"from", v->from}, {"until", v->until ? json(*v->until) : json()}};
  }
  return HttpResponse::json(200, j.dump());
}

}  // namespace

Status add_vacation_routes(Router& router, Hub& hub) {
  Status s = router.add("GET", "/api/v1/vacation", Right::read,
                        [&hub](const RouteContext&) { return state(hub); });
  if (!s.ok()) return s;
  s = router.add(
      "PUT", "/api/v1/vacation", Right::admin,
      [&hub](const RouteContext& ctx) {
        const json& body = ctx.body;
        std::optional<double> until;
        if (!body.is_object()) {
          return HttpResponse::error(400, "bad_request", "the body must be a JSON object");
        }
        if (auto unknown = unknown_field(body, {"until"})) return *unknown;
        // An open-ended vacation is asked for by name ({"until":null}), never by leaving
        // the field out: {} is a client's mistake, not a wish to be away forever.
        auto value = body.find("until");
        if (value == body.end()) {
          return HttpResponse::error(400, "bad_request",
                                     R"(the body must be {"until":ts} or {"until":null})");
        }
        if (value->is_number() && std::isfinite(value->get<double>())) {
          until = value->get<double>();
        } else if (!value->is_null()) {
          return HttpResponse::error(400, "bad_request",
                                     "field 'until' must be epoch seconds or null");
        }
        if (Status st = hub.start_vacation(until, "api"); !st.ok()) {
          return HttpResponse::error(400, "bad_request", st.message());
        }
        return state(hub);
      },
      Body::json);
  if (!s.ok()) return s;
  return router.add("DELETE", "/api/v1/vacation", Right::admin, [&hub](const RouteContext&) {
    if (Status st = hub.end_vacation("api"); !st.ok()) {
      return HttpResponse::error(409, "conflict", st.message());
    }
    return state(hub);
  });
}

}  // namespace larder
