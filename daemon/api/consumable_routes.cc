#include "api/consumable_routes.h"

#include <charconv>
#include <cmath>
#include <cstdint>
#include <optional>
#include <string>

#include "larder/log.h"
#include "larder/text.h"

namespace larder {

namespace {

// A query parameter as a finite number; nothing when absent; an error answer when bad.
struct Param {
  std::optional<double> value;
  std::optional<HttpResponse> error;
};

Param number_param(const HttpRequest& request, const std::string& name) {
  auto it = request.query.find(name);
  if (it == request.query.end()) return {};
  const std::string& text = it->second;
  double v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size() || !std::isfinite(v)) {
    return {std::nullopt, HttpResponse::error(400, "bad_request",
                                              "'" + name + "' must be a number, not '" + text + "'")};
  }
  return {v, std::nullopt};
}

// A query parameter as a whole number in [lo, hi].
Param whole_param(const HttpRequest& request, const std::string& name, double lo, double hi) {
  Param p = number_param(request, name);
  if (p.value && (*p.value != std::floor(*p.value) || *p.value < lo || *p.value > hi)) {
    return {std::nullopt,
            HttpResponse::error(400, "bad_request",
                                "'" + name + "' must be a whole number from " +
                                    std::to_string(static_cast<long long>(lo)) + " to " +
                                    std::to_string(static_cast<long long>(hi)))};
  }
  return p;
}

HttpResponse detail(const ConsumableView& view, const RouteContext& ctx) {
  Param since = number_param(ctx.request, "since");
  if (since.error) return *since.error;
  Param until = number_param(ctx.request, "until");
  if (until.error) return *until.error;
  if (since.value && until.value && *since.value >= *until.value) {
    return HttpResponse::error(400, "bad_request", "'since' must be before 'until'");
  }
  const std::string& id = ctx.params.at("id");
  auto d = view.detail(id, since.value, until.value);
  if (!d.ok()) {
    // The store refused the read (a locked or broken database): not a bug of the hub, and
    // the next try may work (shared/contract/http.md keeps 500 for bugs).
    const std::string what = "cannot read the history of " + quote_excerpt(id, 120, '\'');
    log_error(what + ": " + d.status().message());
    return HttpResponse::error(503, "unavailable",
                               what + " from the hub's database right now (" +
                                   d.status().message() + "); try again");
  }
  if (!d.value()) {
    return HttpResponse::error(404, "not_found", "no consumable " + quote_excerpt(id, 120, '\''));
  }
  return HttpResponse::json(200, d.value()->dump());
}

HttpResponse events(const EventLog& log, const RouteContext& ctx) {
  EventLog::Query q;
  Param since = number_param(ctx.request, "since");
  if (since.error) return *since.error;
  q.since = since.value;
  Param after = whole_param(ctx.request, "after", 0, 9007199254740991.0);  // 2^53 - 1
  if (after.error) return *after.error;
  if (after.value) q.after = static_cast<std::uint64_t>(*after.value);
  Param limit = whole_param(ctx.request, "limit", 1, 1000);
  if (limit.error) return *limit.error;
  if (limit.value) q.limit = static_cast<std::size_t>(*limit.value);
  return HttpResponse::json(200, log.recent(q).dump());
}

}  // namespace

Status add_consumable_routes(Router& router, const ConsumableView& view, const EventLog& log) {
  Status s = router.add("GET", "/api/v1/consumables", Right::read, [&view](const RouteContext&) {
    return HttpResponse::json(200, view.list().dump());
  });
  if (!s.ok()) return s;
  s = router.add("GET", "/api/v1/consumables/{id}?since&until", Right::read,
                 [&view](const RouteContext& ctx) { return detail(view, ctx); });
  if (!s.ok()) return s;
  return router.add("GET", "/api/v1/events?since&after&limit", Right::read,
                    [&log](const RouteContext& ctx) { return events(log, ctx); });
}

}  // namespace larder
