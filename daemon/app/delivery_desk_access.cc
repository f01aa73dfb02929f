// The delivery desk's faces to people: the carrier API, the user's revoke, and the lists
// of deliveries and of the audit log (delivery_desk.h).
#include <algorithm>
#include <iterator>

#include "app/delivery_desk.h"
#include "larder/log.h"

namespace larder {
namespace {

using json = nlohmann::json;

json window_json(const orders::Window& w) { return {{"start", w.start}, {"end", w.end}}; }

json grant_summary(const grants::Grant& g) {
  json j = {{"grant_id", g.id},
            {"state", std::string(grants::state_name(g.state))},
            {"window", window_json(g.window)},
            {"place", g.place.name},
            {"issued_at", g.issued_at},
            {"wrong_codes", g.wrong_codes}};
  if (g.unlocked_at) j["unlocked_at"] = *g.unlocked_at;
  if (!g.end_reason.empty()) j["end_reason"] = g.end_reason;
  return j;
}

}  // namespace

std::string DeliveryDesk::throttle_key(const std::string& order_id) const {
  // "" never names an order (order ids are not empty): the ids without a grant.
  return grants_.newest(order_id) ? order_id : std::string();
}

std::optional<double> DeliveryDesk::carrier_throttled(const std::string& key, double t) {
  // Forget every key whose refusals are all older than the window (so the map holds only
  // keys refused within the last window: at most the orders with grants, plus "").
  for (auto it = carrier_refusals_.begin(); it != carrier_refusals_.end();) {
    auto& times = it->second;
    while (!times.empty() && times.front() <= t - options_.carrier_refusal_window_s) times.pop_front();
    it = times.empty() ? carrier_refusals_.erase(it) : std::next(it);
  }
  auto it = carrier_refusals_.find(key);
  if (it == carrier_refusals_.end() ||
      static_cast<int>(it->second.size()) < options_.carrier_max_refusals) {
    return std::nullopt;
  }
  metrics_.inc("larder_carrier_throttled_total");
  return it->second.front() + options_.carrier_refusal_window_s - t;
}

void DeliveryDesk::carrier_refused(const std::string& key, const CarrierAnswer& a, double t) {
  if (a.verdict == grants::Verdict::ok) return;
  carrier_refusals_[key].push_back(t);
  metrics_.inc("larder_carrier_refused_total",
               {{"verdict", std::string(grants::verdict_name(a.verdict))}});
}

DeliveryDesk::CarrierAnswer DeliveryDesk::carrier_view(const std::string& order_id,
                                                      std::string_view code) {
  const double t = now();
  CarrierAnswer a;
  const std::string key = throttle_key(order_id);
  if ((a.throttled_for = carrier_throttled(key, t))) return a;
  if (const orders::Order* o = orders_.ledger().find(order_id)) end_finished_access(*o);
  grants::Effects fx;
  grants::GrantBook::Check c = grants_.view(order_id, code, t, fx);
  a.verdict = c.verdict;
  if (c.verdict == grants::Verdict::ok && c.grant) {
    const grants::Grant& g = *c.grant;
    json vehicle = {{"id", g.vehicle}};
    for (const auto& v : config_.vehicles) {
      if (v.id == g.vehicle) {
        vehicle["make"] = v.make;
        vehicle["plate_hint"] = v.plate_hint;
      }
    }
    // Only during the window (view() refuses outside it), and only coarsely.
    if (auto car = car_now(t)) {
      delivery::GeoPoint p = delivery::coarse(car->at, 100);
      vehicle["position"] = {{"lat", p.lat}, {"lon", p.lon}, {"rounded_m", 100}};
      vehicle["parked"] = !car->moving;
    } else {
      vehicle["position"] = nullptr;
    }
    a.body = {{"order_id", order_id},
              {"window", window_json(g.window)},
              {"state", std::string(grants::state_name(g.state))},
              {"vehicle", vehicle}};
  }
  run(fx);
  carrier_refused(key, a, t);
  return a;
}

DeliveryDesk::CarrierAnswer DeliveryDesk::carrier_unlock(const std::string& order_id,
                                                        std::string_view code) {
  const double t = now();
  CarrierAnswer a;
  const std::string key = throttle_key(order_id);
  if ((a.throttled_for = carrier_throttled(key, t))) return a;
  if (const orders::Order* o = orders_.ledger().find(order_id)) end_finished_access(*o);
  std::optional<grants::VehicleNow> car;
  if (const grants::Grant* g = grants_.newest(order_id)) {
    if (const VehicleFacts* v = hub_.vehicle(g->vehicle); v && v->location) {
      const auto& l = *v->location;
      car = grants::VehicleNow{{l.lat, l.lon}, l.acc.value_or(0), l.moving.value_or(false),
                               l.ts.value_or(v->updated)};
    }
  }
  grants::Effects fx;
  grants::GrantBook::Check c = grants_.unlock(order_id, code, t, car, fx);
  a.verdict = c.verdict;
  if (c.verdict == grants::Verdict::ok) {
    a.body = {{"order_id", order_id}, {"status", "unlocking"}};
  }
  run(fx);
  carrier_refused(key, a, t);
  return a;
}

orders::Reply DeliveryDesk::revoke(const std::string& order_id, const std::string& by) {
  orders::Reply r;
  r.order_id = order_id;
  const orders::Order* o = orders_.ledger().find(order_id);
  if (!o) {
    r.code = orders::Code::not_found;
    r.status = Status::Error("no order " + order_id);
    return r;
  }
  bool had_grant = grants_.live(order_id) != nullptr;
  if (!for_trunk(*o) && !had_grant) {
    r.code = orders::Code::conflict;
    r.status = Status::Error("order " + order_id + " is not for the trunk");
    return r;
  }
  if (had_grant) {
    grants::Effects fx;
    grants_.revoke(order_id, std::string(grants::reason::kUser), now(), fx);
    run(fx);
  }
  log_info("delivery: trunk access for order " + order_id + " revoked by " + by);
  if (for_trunk(*o) && changeable(*o)) {  // (with a grant, run() has done it already)
    to_doorstep(*o, {hub_.texts()("delivery.reason.access_revoked")},
                hub_.texts()("event.doorstep_revoked", {Texts::arg("order", order_id)}));
  } else if (!had_grant) {
    r.code = orders::Code::conflict;
    const grants::Grant* ended = grants_.newest(order_id);
    r.status = Status::Error(
        "order " + order_id +
        (orders::finished(o->status)
             ? " is " + std::string(orders::status_name(o->status)) + ": nothing to revoke"
         : ended ? " has no trunk access to revoke: it ended (" + ended->end_reason + ")"
                 : " is already out for delivery"));
  }
  return r;
}

int DeliveryDesk::revoke_all(const std::string& by) {
  std::vector<std::string> ids;
  for (const orders::Order* o : orders_.ledger().orders()) {
    if (orders::finished(o->status)) continue;
    if (for_trunk(*o) || grants_.live(o->id)) ids.push_back(o->id);
  }
  int n = 0;
  for (const auto& id : ids) {
    if (revoke(id, by).ok()) ++n;
  }
  return n;
}

json DeliveryDesk::deliveries() const {
  json out = json::array();
  for (const orders::Order* o : orders_.ledger().orders()) {
    if (!o->delivery) continue;
    json d = {{"order_id", o->id},
              {"status", std::string(orders::status_name(o->status))},
              {"consumable", o->items.front().consumable},
              {"method", o->delivery->method},
              {"reasons", o->delivery->reasons},
              {"window", o->delivery->window ? window_json(*o->delivery->window) : json(nullptr)},
              {"place", o->delivery->place ? json(*o->delivery->place) : json(nullptr)},
              {"eta", o->eta ? json(*o->eta) : json(nullptr)}};
    const grants::Grant* g = grants_.newest(o->id);
    d["access"] = g ? grant_summary(*g) : json(nullptr);
    out.push_back(std::move(d));
  }
  return out;
}

json DeliveryDesk::audit() const {
  auto report = grants_.audit(0, 100000);
  if (!report.ok()) {
    return {{"error", report.status().message()}};
  }
  const grants::AuditReport& r = report.value();
  json entries = json::array();
  for (const auto& e : r.entries) {
    entries.push_back({{"seq", e.seq},
                       {"ts", e.ts},
                       {"event", e.event},
                       {"grant_id", e.grant_id},
                       {"order_id", e.order_id},
                       {"vehicle", e.vehicle},
                       {"detail", e.detail},
                       {"hash", e.hash}});
  }
  json check = {{"ok", r.check.ok}, {"checked", r.check.checked}};
  if (r.check.first_bad_seq) check["first_bad_seq"] = *r.check.first_bad_seq;
  if (!r.check.what.empty()) check["what"] = r.check.what;
  return {{"entries", entries}, {"verified", check}, {"pending", r.pending}};
}

}  // namespace larder
