#include "api/order_routes.h"

#include <cmath>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "adapters/crypto/signature.h"
#include "api/http_types.h"
#include "api/order_links.h"
#include "orders/orders_config.h"
#include "larder/log.h"
#include "larder/text.h"
#include "orders/order.h"

namespace larder {
namespace {

using json = nlohmann::json;
using orders::Code;

HttpResponse refusal(const orders::Reply& r) {
  switch (r.code) {
    case Code::bad_input: return HttpResponse::error(400, "bad_request", r.status.message());
    case Code::not_found: return HttpResponse::error(404, "not_found", r.status.message());
    case Code::conflict: return HttpResponse::error(409, "conflict", r.status.message());
    case Code::internal:
    case Code::ok: break;
  }
  log_error("orders: " + r.status.message());
  return HttpResponse::error(500, "internal", r.status.message());
}

// An order as the API answers it: its state_json(), and an extension (docs/http.md): a
// cancel the retailer has not yet answered shows, or a 202 could not be told from
// "nothing happened".
json api_state(const orders::Order& o) {
  json j = orders::state_json(o);
  if (o.cancel_requested && !orders::finished(o.status)) j["cancel_requested"] = true;
  return j;
}

// The order's state as the API answers it, with `extra` merged in.
HttpResponse state(int status, const OrderDesk& desk, const std::string& id,
                   const json& extra = json::object()) {
  const orders::Order* o = desk.ledger().find(id);
  if (!o) return HttpResponse::error(404, "not_found", "no order " + id);
  json j = api_state(*o);
  if (extra.is_object()) j.update(extra);
  return HttpResponse::json(status, j.dump());
}

// A confirm refused because the order waits for nothing, though it went on as asked (not
// cancelled or failed): a second tap of the same notification link, which answers the
// order again as a second cancel does. The admin route says 409 there.
bool went_on(const OrderDesk& desk, const orders::Reply& r, const std::string& id) {
  const orders::Order* o = desk.ledger().find(id);
  return r.code == Code::conflict && o && o->status != orders::OrderStatus::cancelled &&
         o->status != orders::OrderStatus::failed;
}

std::string known_consumables(const Config& config) {
  std::string out;
  for (const auto& c : config.consumables) out += (out.empty() ? "" : ", ") + c.id;
  return out;
}

HttpResponse place(OrderDesk& desk, const Config& config, const json& b) {
  if (!b.is_object()) return HttpResponse::error(400, "bad_request", "the body must be an object");
  if (auto unknown = unknown_field(b, {"consumable", "quantity", "additional", "source"})) {
    return *unknown;
  }
  auto c = b.find("consumable");
  if (c == b.end() || !c->is_string()) {
    return HttpResponse::error(400, "bad_request", R"("consumable" must be a consumable's id)");
  }
  int quantity = 1;
  if (auto q = b.find("quantity"); q != b.end()) {
    if (!q->is_number_integer() || q->get<long long>() < 1 ||
        q->get<long long>() > orders::kMaxQuantity) {
      return HttpResponse::error(400, "bad_request",
                                 R"("quantity" must be a whole number of packs from 1 to )" +
                                     std::to_string(orders::kMaxQuantity));
    }
    quantity = static_cast<int>(q->get<long long>());
  }
  bool additional = false;
  if (auto a = b.find("additional"); a != b.end()) {
    if (!a->is_boolean()) return HttpResponse::error(400, "bad_request", R"("additional" must be true or false)");
    additional = a->get<bool>();
  }
  orders::Source source = orders::Source::api;
  if (auto s = b.find("source"); s != b.end()) {
    if (!s->is_string() || (*s != "api" && *s != "cli")) {
      return HttpResponse::error(400, "bad_request", R"("source" must be "api" or "cli")");
    }
    source = *s == "cli" ? orders::Source::cli : orders::Source::api;
  }
  auto request = desk.make_request(c->get<std::string>(), quantity, source, additional);
  if (!request) {
    return HttpResponse::error(400, "bad_request",
                               "no consumable " + quote_excerpt(c->get<std::string>(), 120, '\'') +
                                   " is configured; known: " + known_consumables(config));
  }
  orders::Reply r = desk.request(*request);
  if (!r.ok()) return refusal(r);
  if (r.existing) return state(200, desk, r.order_id, {{"existing", true}});
  return state(201, desk, r.order_id);
}

// An optional time of the callback: absent or null is nothing; else a finite number.
// Sets `error` for anything else.
std::optional<double> optional_time(const json& j, const char* key, std::string& error) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return std::nullopt;
  if (it->is_number() && std::isfinite(it->get<double>())) return it->get<double>();
  error = std::string("\"") + key + "\" must be a time in epoch seconds, or null";
  return std::nullopt;
}

// The retailer's order object (retailer-v1.md) as a status change: every field the hub
// reads must be well formed, or the callback is refused whole (`error` says why), so that a
// malformed window or eta is never dropped while the status change is applied. `updated`
// orders the states: an older one than the order's last moves no window (a replayed
// callback).
// Fields the hub does not read (delivery, items...) are the retailer's and stay unread.
std::optional<orders::RetailerStatus> read_callback(const json& b, std::string& id,
                                                    std::string& error) {
  if (!b.is_object()) {
    error = "the body must be a JSON object";
    return std::nullopt;
  }
  auto i = b.find("order_id");
  auto st = b.find("status");
  if (i == b.end() || !i->is_string() || st == b.end() || !st->is_string()) {
    error = R"("order_id" and "status" must be strings)";
    return std::nullopt;
  }
  id = i->get<std::string>();
  orders::RetailerStatus s;
  s.status = st->get<std::string>();
  if (auto r = b.find("reason"); r != b.end() && !r->is_null()) {
    if (!r->is_string()) {
      error = R"("reason" must be a string, or null)";
      return std::nullopt;
    }
    s.reason = r->get<std::string>();
  }
  s.eta = optional_time(b, "eta", error);
  if (!error.empty()) return std::nullopt;
  s.updated = optional_time(b, "updated", error);
  if (!error.empty()) return std::nullopt;
  if (auto w = b.find("window"); w != b.end() && !w->is_null()) {
    if (!w->is_object() || !w->contains("start") || !w->contains("end")) {
      error = R"("window" must be {"start":ts,"end":ts}, or null)";
      return std::nullopt;
    }
    auto start = optional_time(*w, "start", error);
    auto end = optional_time(*w, "end", error);
    if (!error.empty() || !start || !end) {
      error = R"("window" must be {"start":ts,"end":ts} in epoch seconds)";
      return std::nullopt;
    }
    if (*start > *end) {
      error = R"(the "window" starts after it ends)";
      return std::nullopt;
    }
    s.window = orders::Window{*start, *end};
  }
  return s;
}

HttpResponse retailer_event(OrderDesk& desk, const Config& config, const RouteContext& ctx) {
  if (!config.retailer || !config.retailer->webhook_secret) {
    return HttpResponse::error(404, "not_found",
                               "retailer callbacks are off: retailer.webhook_secret is not set");
  }
  // The signature covers the raw body (the router parsed it into ctx.body as well).
  const std::string& sig = ctx.request.header("x-larder-signature");
  if (sig.empty() || !verify_signature(*config.retailer->webhook_secret, ctx.request.body, sig)) {
    return HttpResponse::error(401, "unauthorized",
                               "the X-Larder-Signature header is missing or does not match");
  }
  std::string id;
  std::string error;
  std::optional<orders::RetailerStatus> s = read_callback(ctx.body, id, error);
  if (!s) return HttpResponse::error(400, "bad_request", error);
  orders::Reply r = desk.retailer_status(id, *s);
  if (!r.ok()) return refusal(r);
  return HttpResponse::json(200, R"({"ok":true})");
}

}  // namespace

Status add_order_routes(Router& router, OrderDesk& desk, const Config& config,
                        const std::string& link_key) {
  Status s = router.add(
      "GET", "/api/v1/orders?status", Right::read, [&desk](const RouteContext& ctx) {
    std::optional<orders::OrderStatus> only;
    if (auto q = ctx.request.query.find("status"); q != ctx.request.query.end()) {
      only = orders::parse_status(q->second);
      if (!only) return HttpResponse::error(400, "bad_request", "no order status '" + q->second + "'");
    }
    json list = json::array();
    for (const orders::Order* o : desk.ledger().orders()) {
      if (!only || o->status == *only) list.push_back(api_state(*o));
    }
    return HttpResponse::json(200, list.dump());
  });
  if (!s) return s;
  s = router.add("GET", "/api/v1/orders/{id}", Right::read, [&desk](const RouteContext& ctx) {
    return state(200, desk, ctx.params.at("id"));
  });
  if (!s) return s;
  s = router.add(
      "POST", "/api/v1/orders", Right::admin,
      [&desk, &config](const RouteContext& ctx) { return place(desk, config, ctx.body); },
      Body::json);
  if (!s) return s;
  s = router.add("POST", "/api/v1/orders/{id}/cancel", Right::admin,
                 [&desk](const RouteContext& ctx) {
                   const std::string& id = ctx.params.at("id");
                   orders::Reply r = desk.cancel(id, /*by_user=*/true);
                   if (!r.ok()) return refusal(r);
                   return state(r.pending ? 202 : 200, desk, id);
                 });
  if (!s) return s;
  s = router.add("POST", "/api/v1/orders/{id}/confirm", Right::admin,
                 [&desk](const RouteContext& ctx) {
                   const std::string& id = ctx.params.at("id");
                   orders::Reply r = desk.confirm(id);
                   if (!r.ok()) return refusal(r);
                   return state(200, desk, id);
                 });
  if (!s) return s;
  if (!link_key.empty()) {
    // The notifications' answers: the code stands for the one action on the one order.
    for (const char* action : {"confirm", "cancel"}) {
      s = router.add("POST", std::string("/api/v1/orders/{id}/") + action + "/{code}", Right::none,
                     [&desk, action, key = link_key](const RouteContext& ctx) {
                       const std::string& id = ctx.params.at("id");
                       if (!check_order_link_code(key, id, action, ctx.params.at("code"))) {
                         return HttpResponse::error(403, "forbidden",
                                                    "this link does not belong to this order");
                       }
                       log_info(std::string("orders: ") + action + " of " + id +
                                " through a notification's link");
                       const bool confirm = std::string_view(action) == "confirm";
                       orders::Reply r =
                           confirm ? desk.confirm(id) : desk.cancel(id, /*by_user=*/true);
                       if (!r.ok() && !(confirm && went_on(desk, r, id))) return refusal(r);
                       return state(r.pending ? 202 : 200, desk, id);
                     });
      if (!s) return s;
    }
  }
  return router.add(
      "POST", "/api/v1/retailer/events?*", Right::none,
      [&desk, &config](const RouteContext& ctx) { return retailer_event(desk, config, ctx); },
      Body::json);
}

}  // namespace larder
