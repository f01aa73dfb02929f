// RetailerSim: orders. Placing by idempotency key, the status timeline, cancel and
// delivery changes (the rules are in retailer_sim.h).
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>

#include "api/http_types.h"
#include "json_check.h"
#include "larder/log.h"
#include "retailer_sim.h"
#include "sim_util.h"

namespace larder::sandbox {

namespace {

// Two times are the same window edge when they differ by less than the rounding of a
// millisecond (an adapter may keep them as floating point or as milliseconds).
bool same_time(double a, double b) { return std::fabs(a - b) < 0.0015; }

bool terminal(const std::string& status) {
  return status == "delivered" || status == "cancelled" || status == "failed";
}

// The shape of the order request (retailer-v1.md); a message for a 400 answer, or Ok.
Status check_order_body(const nlohmann::json& body) {
  Status err = check_object(body, {"quote_id", "delivery"}, "the order");
  if (!err) return err;
  if (!string_at(body, "quote_id", "the order", 64, err)) return err;
  if (!body.contains("delivery")) return Status::Error("the order needs \"delivery\"");
  const auto& d = body["delivery"];
  if (d.is_object() && d.contains("access")) {
    return Status::Error(
        "an order carries no trunk access: it goes only through PUT "
        "/v1/orders/<id>/delivery, after the order has shipped");
  }
  err = check_object(d, {"method", "window", "vehicle"}, "\"delivery\"");
  if (!err) return err;
  auto method = string_at(d, "method", "\"delivery\"", 16, err);
  if (!method) return err;
  if (*method != "doorstep" && *method != "trunk") {
    return Status::Error("\"delivery\": \"method\" must be doorstep or trunk");
  }
  if (!d.contains("window"))
    return Status::Error("\"delivery\" needs \"window\", one of the quote's");
  const auto& w = d["window"];
  err = check_object(w, {"start", "end"}, "\"window\"");
  if (!err) return err;
  auto start = number_at(w, "start", "\"window\"", err);
  if (!start) return err;
  auto end = number_at(w, "end", "\"window\"", err);
  if (!end) return err;
  if (*end <= *start) return Status::Error("\"window\": \"end\" must be after \"start\"");
  if (*method == "doorstep") {
    if (d.contains("vehicle")) return Status::Error("a doorstep delivery takes no \"vehicle\"");
    return Status::Ok();
  }
  if (!d.contains("vehicle")) return Status::Error("a trunk delivery needs \"vehicle\"");
  const auto& v = d["vehicle"];
  err = check_object(v, {"make", "plate_hint", "parked_near"}, "\"vehicle\"");
  if (!err) return err;
  // Whatever larderd's configuration allows: both optional there (sent empty), at most 64
  // characters in any script (up to 256 bytes of UTF-8).
  if (!string_at(v, "make", "\"vehicle\"", 256, err, false, false)) return err;
  if (!string_at(v, "plate_hint", "\"vehicle\"", 256, err, false, false)) return err;
  if (!v.contains("parked_near")) return Status::Error("\"vehicle\" needs \"parked_near\"");
  const auto& p = v["parked_near"];
  err = check_object(p, {"lat", "lon"}, "\"parked_near\"");
  if (!err) return err;
  auto lat = number_at(p, "lat", "\"parked_near\"", err);
  if (!lat) return err;
  auto lon = number_at(p, "lon", "\"parked_near\"", err);
  if (!lon) return err;
  if (*lat < -90 || *lat > 90 || *lon < -180 || *lon > 180) {
    return Status::Error("\"parked_near\": lat must be from -90 to 90 and lon from -180 to 180");
  }
  return Status::Ok();
}

// The shape of a delivery change; a message for a 400 answer, or Ok.
Status check_delivery_body(const nlohmann::json& body) {
  Status err = check_object(body, {"method", "access"}, "the delivery change");
  if (!err) return err;
  auto method = string_at(body, "method", "the delivery change", 16, err);
  if (!method) return err;
  if (*method == "doorstep") {
    if (body.contains("access")) return Status::Error("a doorstep delivery takes no \"access\"");
    return Status::Ok();
  }
  if (*method != "trunk") return Status::Error("\"method\" must be doorstep or trunk");
  if (!body.contains("access"))
    return Status::Error("a trunk delivery needs \"access\": {code, carrier_api}");
  const auto& a = body["access"];
  err = check_object(a, {"code", "carrier_api"}, "\"access\"");
  if (!err) return err;
  if (!string_at(a, "code", "\"access\"", 256, err)) return err;
  auto api = string_at(a, "carrier_api", "\"access\"", 2048, err);
  if (!api) return err;
  bool http = api->rfind("https://", 0) == 0 || api->rfind("http://", 0) == 0;
  if (!http || api->find(' ') != std::string::npos || api->size() < 10) {
    return Status::Error("\"access\": \"carrier_api\" must be an http(s) URL");
  }
  return Status::Ok();
}

}  // namespace

RetailerSim::Order* RetailerSim::find_order(const std::string& id) {
  auto it = order_index_.find(id);
  return it == order_index_.end() ? nullptr : &orders_[it->second];
}

nlohmann::json RetailerSim::order_json(const Order& o) const {
  nlohmann::json delivery = {{"method", o.method}};
  if (o.method == "trunk") delivery["access_given"] = o.access_given;
  if (options_.reveal_codes && !o.access_code.empty()) delivery["access_code"] = o.access_code;
  nlohmann::json items = nlohmann::json::array();
  for (const auto& i : o.items)
    items.push_back(item_json(i.sku, i.quantity, i.unit_price, i.substitute_for));
  nlohmann::json j = {{"order_id", o.id},
                      {"status", o.status},
                      {"eta", o.deliver_at},
                      {"window", window_json(o.window.start, o.window.end)},
                      {"delivery", std::move(delivery)},
                      {"updated", o.updated},
                      {"quote_id", o.quote_id},
                      {"items", std::move(items)},
                      {"total", o.total},
                      {"currency", options_.currency}};
  if (o.status == "failed") j["reason"] = o.reason;
  return j;
}

void RetailerSim::enter(Order& o, const std::string& status, double at, const std::string& reason) {
  o.status = status;
  o.reason = reason;
  o.updated = std::max(o.updated, stamp(at));  // a time of the order's state: it never goes back
  o.history.emplace_back(status, o.updated);
  if (terminal(status)) o.access_code.clear();  // the code dies with the order
  log_info("order " + o.id + ": " + status + (reason.empty() ? "" : " (" + reason + ")"));
  if (options_.callback_url.empty()) return;
  std::string body = json_text(order_json(o));
  if (callbacks_.size() >= kMaxCallbacks) {
    callbacks_.pop_front();
    ++callbacks_dropped_;
  }
  callbacks_.push_back({o.id, status, body, sign_body(options_.webhook_secret, body)});
}

void RetailerSim::advance_order(Order& o, double t) {
  while (!terminal(o.status)) {
    std::string next;
    double at = 0;
    if (o.status == "placed") {
      next = "shipped";
      at = o.ship_at;
    } else if (o.status == "shipped") {
      next = "out_for_delivery";
      at = o.out_at;
    } else {
      next = "delivered";
      at = o.deliver_at;
    }
    if (t < at) return;
    if (o.fail && o.fail->first == next) return enter(o, "failed", at, o.fail->second);
    if (next == "delivered" && o.method == "trunk" && !o.access_given) {
      return enter(o, "failed", at, "trunk_access_missing");
    }
    if (next == "delivered" && !o.carrier_failure.empty()) {
      return enter(o, "failed", std::max(at, o.carrier_failed_at), o.carrier_failure);
    }
    if (next == "delivered" && waits_for_carrier(o)) {
      if (t < o.window.end) return;  // carrier_delivered() delivers it
      return enter(o, "failed", o.window.end, "trunk_not_opened");
    }
    enter(o, next, at);
  }
}

void RetailerSim::tick() {
  double t = now();
  for (auto& o : orders_) advance_order(o, t);
}

std::optional<double> RetailerSim::next_change() const {
  double best = std::numeric_limits<double>::infinity();
  for (const auto& o : orders_) {
    if (o.status == "placed") best = std::min(best, o.ship_at);
    if (o.status == "shipped") best = std::min(best, o.out_at);
    if (o.status == "out_for_delivery") {
      best = std::min(best, waits_for_carrier(o) ? std::max(o.deliver_at, o.window.end)
                                                 : o.deliver_at);
    }
  }
  if (std::isinf(best)) return std::nullopt;
  return best;
}

bool RetailerSim::waits_for_carrier(const Order& o) const {
  return options_.carrier && o.method == "trunk" && o.access_given && o.carrier_failure.empty();
}

std::vector<RetailerSim::TrunkVisit> RetailerSim::trunk_visits_due() const {
  std::vector<TrunkVisit> out;
  double t = now();
  for (const auto& o : orders_) {
    if (o.status != "out_for_delivery" || !waits_for_carrier(o) || o.access_code.empty()) continue;
    if (t < o.window.start || t >= o.window.end) continue;
    out.push_back({o.id, o.carrier_api, o.access_code, o.window.start, o.window.end});
  }
  return out;
}

void RetailerSim::carrier_delivered(const std::string& id) {
  Order* o = find_order(id);
  if (!o || o->status != "out_for_delivery" || !waits_for_carrier(*o)) return;
  double t = now();
  o->deliver_at = stamp(t);
  enter(*o, "delivered", t);
}

void RetailerSim::carrier_failed(const std::string& id, const std::string& reason) {
  Order* o = find_order(id);
  if (!o || terminal(o->status) || !o->carrier_failure.empty()) return;
  o->carrier_failure = reason;
  o->carrier_failed_at = now();
  o->access_code.clear();  // no second try with it
  log_info("order " + id + ": the carrier gave up on the trunk (" + reason + ")");
  tick();
}

SimReply RetailerSim::place(const std::string& key, const nlohmann::json& body) {
  tick();
  if (!is_uuid(key)) {
    return error_reply(400, "bad_request",
                       "POST /v1/orders needs an Idempotency-Key header holding a UUID");
  }
  if (Status s = check_order_body(body); !s) return error_reply(400, "bad_request", s.message());
  if (auto k = keys_.find(key); k != keys_.end() && !k->second.order_id.empty()) {
    Order* o = find_order(k->second.order_id);
    if (o->request == body) return {200, order_json(*o)};
    return error_reply(422, "idempotency_key_reused",
                       "this Idempotency-Key placed order " + o->id + " with another body");
  }
  const std::string quote_id = body["quote_id"].get<std::string>();
  auto qit = quotes_.find(quote_id);
  if (qit == quotes_.end()) return error_reply(422, "unknown_quote", "no quote " + quote_id);
  Quote& q = qit->second;
  if (!q.order_id.empty()) {
    return error_reply(409, "quote_used",
                       "quote " + q.id + " was already ordered (order " + q.order_id +
                           ") with another Idempotency-Key");
  }
  double t = now();
  if (t > q.expires_at)
    return error_reply(409, "quote_expired", "quote " + q.id + " has expired; ask for a new one");

  auto moved = faults_.take(FaultKind::price_change, [&](const Fault& f) {
    return f.sku.empty() || std::any_of(q.items.begin(), q.items.end(),
                                        [&](const Item& i) { return i.sku == f.sku; });
  });
  if (moved) {
    std::string sku = moved->sku.empty() ? q.items.front().sku : moved->sku;
    for (auto& s : options_.catalogue) {
      if (s.sku != sku) continue;
      double to = moved->price ? money(*moved->price) : money(s.price * 1.1);
      s.price = to == s.price ? money(to + 0.01) : to;
      char text[32];
      std::snprintf(text, sizeof text, "%.2f", s.price);
      log_info("price of " + sku + " is now " + text);
    }
  }
  bool stale = std::any_of(q.items.begin(), q.items.end(), [&](const Item& i) {
    return std::fabs(find_sku(i.sku)->price - i.unit_price) > 0.004;
  });
  if (stale) {
    Quote fresh = make_quote(q.items);
    SimReply r = error_reply(
        409, "price_changed",
        "prices changed since quote " + q.id + "; the new quote " + fresh.id + " holds them");
    r.body["error"]["quote"] = quote_json(fresh);
    quote_ids_.push_back(fresh.id);
    quotes_.emplace(fresh.id, std::move(fresh));
    prune_quotes();
    return r;
  }

  const auto& d = body["delivery"];
  const std::string method = d["method"].get<std::string>();
  if (method == "trunk" && !q.trunk) {
    return error_reply(422, "method_unavailable", "quote " + q.id + " offers no trunk delivery");
  }
  Window w = method == "trunk" ? *q.trunk : q.doorstep;
  if (!same_time(d["window"]["start"].get<double>(), w.start) ||
      !same_time(d["window"]["end"].get<double>(), w.end)) {
    return error_reply(422, "window_unavailable",
                       "the window must be the quote's " + method + " window");
  }

  Order o;
  o.id = "r-" + std::to_string(next_order_++);
  o.key = key;
  o.quote_id = q.id;
  o.request = body;
  o.method = method;
  o.window = w;
  o.doorstep = q.doorstep;
  o.trunk = q.trunk;
  o.items = q.items;
  o.total = q.total;
  o.has_vehicle = method == "trunk";
  const double speed = options_.speed;
  o.placed_at = stamp(t);
  o.deliver_at = stamp(
      std::clamp(t + (options_.ship_after + options_.out_after + options_.deliver_after) / speed,
                 w.start, w.end));
  o.out_at = std::min(stamp(t + (options_.ship_after + options_.out_after) / speed), o.deliver_at);
  o.ship_at = std::min(stamp(t + options_.ship_after / speed), o.out_at);
  if (auto f = faults_.take(FaultKind::fail_order, [](const Fault&) { return true; })) {
    o.fail = std::make_pair(f->stage, f->reason);
  }
  q.order_id = o.id;
  // Always bound, whatever the count of keys only presented: a key that placed an order
  // must find it again, or one lost answer becomes a second order.
  keys_[key].order_id = o.id;
  order_index_[o.id] = orders_.size();
  orders_.push_back(std::move(o));
  Order& placed = orders_.back();
  enter(placed, "placed", t);
  return {201, order_json(placed)};
}

SimReply RetailerSim::order(const std::string& id) {
  tick();
  Order* o = find_order(id);
  if (!o) return error_reply(404, "not_found", "no order " + id);
  return {200, order_json(*o)};
}

SimReply RetailerSim::cancel(const std::string& id) {
  tick();
  Order* o = find_order(id);
  if (!o) return error_reply(404, "not_found", "no order " + id);
  if (o->status == "placed") {
    enter(*o, "cancelled", now());
  } else if (o->status == "failed") {
    return error_reply(409, "order_closed",
                       "order " + id + " has failed; there is nothing to cancel");
  } else if (o->status != "cancelled") {
    return error_reply(409, "already_shipped",
                       "order " + id + " has shipped and can no longer be cancelled");
  }
  return {200, order_json(*o)};
}

SimReply RetailerSim::change_delivery(const std::string& id, const nlohmann::json& body) {
  tick();
  Order* o = find_order(id);
  if (!o) return error_reply(404, "not_found", "no order " + id);
  if (Status s = check_delivery_body(body); !s) return error_reply(400, "bad_request", s.message());
  const std::string method = body["method"].get<std::string>();
  if (o->status == "out_for_delivery") {
    return error_reply(409, "out_for_delivery",
                       "order " + id + " is out for delivery; its delivery is fixed");
  }
  if (terminal(o->status))
    return error_reply(409, "order_closed", "order " + id + " is " + o->status);
  if (method == "trunk") {
    if (o->status == "placed") {
      return error_reply(409, "not_shipped",
                         "trunk access is taken only after order " + id + " has shipped");
    }
    if (!o->trunk)
      return error_reply(422, "method_unavailable",
                         "the quote of order " + id + " offered no trunk delivery");
    if (!o->has_vehicle) {
      return error_reply(422, "no_vehicle",
                         "order " + id + " was placed without a vehicle; trunk delivery needs one");
    }
  }
  o->method = method;
  o->window = method == "trunk" ? *o->trunk : o->doorstep;
  o->access_given = method == "trunk";
  // The code stays in memory for the carrier only: never logged, answered or reported.
  o->carrier_api =
      method == "trunk" ? body["access"]["carrier_api"].get<std::string>() : std::string();
  o->access_code = method == "trunk" ? body["access"]["code"].get<std::string>() : std::string();
  o->deliver_at = std::clamp(o->deliver_at, o->window.start, o->window.end);
  o->out_at = std::min(o->out_at, o->deliver_at);
  o->updated = std::max(o->updated, stamp(now()));
  log_info("order " + id + ": delivery " + method + (method == "trunk" ? " (access given)" : ""));
  return {200, order_json(*o)};
}

}  // namespace larder::sandbox
