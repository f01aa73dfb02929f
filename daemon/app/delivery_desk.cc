#include "app/delivery_desk.h"

#include <algorithm>
#include <cmath>
#include <utility>

#include "adapters/fs/state_file.h"
#include "larder/log.h"

namespace larder {
namespace {

using json = nlohmann::json;

std::vector<delivery::Place> places_of(const Config& c) {
  std::vector<delivery::Place> out;
  for (const auto& p : c.delivery.places) out.push_back({p.name, {p.lat, p.lon}, p.radius_m});
  return out;
}

delivery::Prefer prefer_of(DeliveryPrefer p) {
  switch (p) {
    case DeliveryPrefer::trunk:
      return delivery::Prefer::trunk;
    case DeliveryPrefer::doorstep:
      return delivery::Prefer::doorstep;
    case DeliveryPrefer::automatic:
      break;
  }
  return delivery::Prefer::automatic;
}

const orders::DeliveryOption* option_of(const orders::Quote& q, std::string_view method) {
  for (const auto& o : q.delivery_options) {
    if (o.method == method) return &o;
  }
  return nullptr;
}

}  // namespace

bool DeliveryDesk::changeable(const orders::Order& o) const {
  return (o.status == orders::OrderStatus::placed || o.status == orders::OrderStatus::shipped) &&
         o.retailer_status != "out_for_delivery" && !orders_.ledger().parked(o);
}

bool DeliveryDesk::for_trunk(const orders::Order& o) {
  return o.delivery && o.delivery->method == "trunk";
}

DeliveryDesk::DeliveryDesk(const Config& config, OrderDesk& orders, grants::GrantBook& grants,
                           orders::Retailer* retailer, Bus& bus, Hub& hub, const Clock& clock,
                           Metrics& metrics, const TimeZone& tz, DeliveryDeskOptions options)
    : config_(config),
      orders_(orders),
      grants_(grants),
      retailer_(retailer),
      bus_(bus),
      hub_(hub),
      clock_(clock),
      metrics_(metrics),
      options_(options),
      root_(config.mqtt.root()),
      places_(places_of(config)),
      parking_(places_.size() + 2, tz),
      presence_(2, tz) {
  metrics_.describe("larder_grant_events_total", "counter",
                    "Trunk access events by kind (issued, unlocked, refused, revoked, ...).");
  metrics_.describe("larder_carrier_refused_total", "counter",
                    "Carrier API requests refused, by verdict (audited only about live grants).");
  metrics_.describe("larder_carrier_throttled_total", "counter",
                    "Carrier API requests answered 429 after too many refusals.");
  metrics_.describe("larder_delivery_decisions_total", "counter",
                    "Delivery decisions by method; occasion quote (for a quote) or replan "
                    "(changed after placing).");
  orders_.set_listener("delivery", [this](const std::string& id) { on_order(id); });
  orders_.set_delivery_planner([this](const orders::Order& o, const orders::Quote& q, double t) {
    orders::Delivery d = plan(o, q, t);
    metrics_.inc("larder_delivery_decisions_total", {{"method", d.method}, {"occasion", "quote"}});
    return d;
  });
}

DeliveryDesk::~DeliveryDesk() {
  *alive_ = false;
  orders_.set_listener("delivery", nullptr);
  orders_.set_delivery_planner(nullptr);
}

Status DeliveryDesk::restore(const std::string& patterns_path) {
  patterns_path_ = patterns_path;
  for (const orders::Order* o : orders_.ledger().orders()) {
    if (o->status == orders::OrderStatus::placed || o->status == orders::OrderStatus::shipped) {
      announced_.insert(o->id);
    }
  }
  if (Status s = grants_.restore(); !s.ok()) return s;
  // A crash between issuing a grant and the retailer's yes: whether the carrier has the code
  // is unknown, and only its hash is kept. A new grant replaces it (issue() revokes the old
  // one as replanned) and its code goes to the retailer, as after a failed hand-over.
  for (const orders::Order* o : orders_.ledger().orders()) {
    if (o->status != orders::OrderStatus::shipped || !for_trunk(*o)) continue;
    const grants::Grant* g = grants_.live(o->id);
    if (g && g->state == grants::State::issued && !g->handed) {
      log_warn("delivery: the retailer never confirmed the trunk access of order " + o->id +
               (changeable(*o) ? ": a new code goes to it"
                               : ": it is out for delivery, so the code stands"));
      access_at(*o, now());
    } else if (!g && changeable(*o) && may_issue(*o)) {
      // A try waiting after the retailer refused a code (the waits are kept in memory only),
      // or one due when the hub stopped: it comes now.
      log_info("delivery: order " + o->id + " has no trunk code with the retailer: one goes to it");
      access_at(*o, now());
    }
  }
  // What was learned is worth keeping, but not worth refusing to start: a file that cannot
  // be read is reported and learning starts again.
  auto text = read_state_file(patterns_path);
  if (!text.ok()) {
    log_warn("delivery: the learned patterns are not used: " + text.status().message());
    return Status::Ok();
  }
  if (!*text) return Status::Ok();
  json j = json::parse(**text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) {
    log_warn("delivery: the learned patterns are not used: \"" + patterns_path +
             "\" is not a JSON object");
    return Status::Ok();
  }
  auto [parking, presence] = read_patterns(j, places_.size(), parking_.time_zone());
  // The places may have changed since: a pattern of another shape starts again.
  if (parking.ok()) {
    parking_ = std::move(parking).value();
  } else {
    log_warn("delivery: the learned parking places are not used: " + parking.status().message());
  }
  if (presence.ok()) {
    presence_ = std::move(presence).value();
  } else {
    log_warn("delivery: the learned presence is not used: " + presence.status().message());
  }
  return Status::Ok();
}

DeliveryDesk::SavedPatterns DeliveryDesk::read_patterns(const json& j, std::size_t places,
                                                        const TimeZone& zone) {
  return {delivery::WeeklyPattern::from_json(j.value("parking", json()), places + 2, zone),
          delivery::WeeklyPattern::from_json(j.value("presence", json()), 2, zone)};
}

Status DeliveryDesk::save() {
  if (!dirty_ || patterns_path_.empty()) return Status::Ok();
  json j = {{"parking", parking_.to_json()}, {"presence", presence_.to_json()}};
  Status s = write_state_file(patterns_path_, j.dump());
  if (s.ok()) dirty_ = false;
  return s;
}

// ---- Deciding ----------------------------------------------------------------------------

orders::Delivery DeliveryDesk::plan(const orders::Order& order, const orders::Quote& quote,
                                    double now) const {
  (void)order;
  delivery::DecisionInput in;
  in.now = now;
  in.options = quote.delivery_options;
  in.package = quote.package;
  in.currency = quote.currency;
  in.limits.max_weight_kg = config_.delivery.limits.max_weight_kg;
  in.limits.max_dims_cm = config_.delivery.limits.max_dims_cm;
  in.limits.max_value = config_.delivery.limits.max_value;
  in.limits_currency = config_.household.currency;
  in.prefer = prefer_of(config_.delivery.prefer);
  in.trunk_possible = retailer_ && retailer_->offers_trunk() && !config_.delivery.vehicle.empty() &&
                      !places_.empty();
  in.min_probability = config_.delivery.min_probability;
  in.texts = &hub_.texts();
  if (const auto* trunk = option_of(quote, "trunk"); trunk && trunk->window && in.trunk_possible) {
    delivery::OutlookOptions words;
    words.texts = in.texts;
    in.car = delivery::car_outlook(parking_, places_, car_now(now), *trunk->window, now, words);
  }
  const orders::DeliveryOption* door = option_of(quote, "doorstep");
  if (!door) door = option_of(quote, "trunk");
  if (door && door->window) {
    in.someone_home = delivery::home_outlook(presence_, someone_home_now(), *door->window, now);
  }
  delivery::Decision d = delivery::decide(in);
  orders::Delivery out;
  out.method = d.method;
  out.reasons = d.reasons;
  out.window = d.window;
  out.place = d.place;
  return out;
}

void DeliveryDesk::on_order(const std::string& order_id) {
  const orders::Order* o = orders_.ledger().find(order_id);
  if (!o) return;
  if (orders::finished(o->status)) {
    access_due_.erase(order_id);
    access_failures_.erase(order_id);
    access_stopped_.erase(order_id);
    announced_.erase(order_id);  // bounded: only orders in flight are remembered
    end_finished_access(*o);
    return;
  }
  if (o->status == orders::OrderStatus::placed && o->delivery && !announced_.count(order_id)) {
    announced_.insert(order_id);
    const Texts& t = hub_.texts();
    std::string reasons;
    for (const auto& r : o->delivery->reasons) reasons += (reasons.empty() ? "" : "; ") + r;
    std::string text = t(o->delivery->method == "trunk" ? "event.delivery_trunk" : "event.delivery_doorstep",
                         {Texts::arg("order", order_id),
                          Texts::arg("reasons", reasons.empty() ? "" : t("event.delivery_reasons", {Texts::arg("reasons", reasons)}))});
    publish_event("delivery_planned", text, order_id);
  }
  if (o->status != orders::OrderStatus::shipped || !for_trunk(*o)) return;
  if (const grants::Grant* g = grants_.live(order_id)) {
    // The retailer moved the window: the code must work in the new one, so a new grant
    // (a new code) goes to the retailer and the old one dies. Not once the code was used:
    // the carrier is at the trunk, which the rules of the grant now follow to its lock.
    // Nor once the parcel is out for delivery: the carrier holds the code, and the
    // retailer takes no new one then (retailer-v1.md: 409).
    const auto& w = o->delivery->window;
    if (w && g->state == grants::State::issued && changeable(*o) && *w != g->window &&
        !access_in_air_.count(order_id)) {
      grants::Effects fx;
      grants_.revoke(order_id, std::string(grants::reason::kReplanned), now(), fx);
      run(fx);
      access_at(*o, now());
    }
    return;
  }
  if (const auto due = access_due_.find(order_id); due != access_due_.end()) {
    // A wait after failed tries was worked out for the window then: for a window moved
    // since, the try comes no later than the same number of failures allows before the new
    // one. Not sooner: a window moved again and again brings no more tries.
    if (due->second.window != o->delivery->window) {
      if (const auto failures = access_failures_.find(order_id);
          failures != access_failures_.end()) {
        due->second.at = std::min(due->second.at, now() + access_wait(*o, failures->second));
      }
      due->second.window = o->delivery->window;
    }
    return;
  }
  // The tries that stopped at a window's end start anew for a new window only, not for
  // every other news of the order (an ETA).
  if (const auto stopped = access_stopped_.find(order_id); stopped != access_stopped_.end()) {
    if (stopped->second == o->delivery->window) return;
    access_stopped_.erase(stopped);
  }
  if (!access_in_air_.count(order_id) && may_issue(*o)) access_at(*o, now());
}

void DeliveryDesk::access_at(const orders::Order& o, double when) {
  access_due_[o.id] = {when, o.delivery ? o.delivery->window : std::nullopt};
}

void DeliveryDesk::end_finished_access(const orders::Order& o) {
  const grants::Grant* g = grants_.live(o.id);
  if (!g || !orders::finished(o.status)) return;
  const bool delivered = o.status == orders::OrderStatus::delivered;
  // A code that already opened the trunk opens and shows nothing any more; its grant stays
  // to follow the trunk to its lock, which ends it (relocked) and tells whether the parcel
  // went in. (The retailer may report the delivery before the carrier has locked the car.)
  if (delivered && g->used()) return;
  grants::Effects fx;
  const std::string_view why = delivered ? grants::reason::kOrderDelivered
                               : o.status == orders::OrderStatus::failed
                                   ? grants::reason::kOrderFailed
                                   : grants::reason::kOrderCancelled;
  grants_.revoke(o.id, std::string(why), now(), fx);
  run(fx);
}

bool DeliveryDesk::may_issue(const orders::Order& o) const {
  const grants::Grant* g = grants_.newest(o.id);
  if (!g) return true;
  if (g->end_reason == grants::reason::kReplanned) return true;
  const auto& w = o.delivery ? o.delivery->window : std::nullopt;
  return g->end_reason == grants::reason::kWindowEnded && !g->used() && w &&
         w->start >= g->window.end;
}

void DeliveryDesk::access_ended(const std::string& order_id) {
  const orders::Order* o = orders_.ledger().find(order_id);
  if (!o || orders::finished(o->status) || !for_trunk(*o) || !changeable(*o)) return;
  if (grants_.live(order_id) || may_issue(*o)) return;
  const grants::Grant* g = grants_.newest(order_id);
  // A used code brought the carrier to the car: what became of the parcel is the trunk's
  // and the retailer's to tell, not a reason to send the order to the doorstep.
  if (!g || g->end_reason == grants::reason::kRelocked || g->used()) return;
  const Texts& t = hub_.texts();
  std::string why = g->end_reason == grants::reason::kUser      ? "delivery.reason.access_revoked"
                    : g->end_reason == grants::reason::kLockout ? "delivery.reason.access_locked_out"
                    : g->end_reason == grants::reason::kWindowEnded
                        ? "delivery.reason.access_window_ended"
                        : "delivery.reason.access_car_left";
  to_doorstep(*o, {t(why)}, t("event.doorstep_revoked", {Texts::arg("order", order_id)}));
}

// ---- Access for the carrier ----------------------------------------------------------

void DeliveryDesk::give_access(const orders::Order& o) {
  const delivery::Place* place = place_named(o.delivery->place);
  if (!o.delivery->window || !place || o.retailer_order_id.empty() || !retailer_) {
    to_doorstep(o, {hub_.texts()("delivery.reason.no_window_or_place")},
                hub_.texts()("event.doorstep_cannot_open", {Texts::arg("order", o.id)}));
    return;
  }
  if (o.delivery->window->end <= now()) {  // nothing to open any more: no retry either
    log_warn("delivery: no trunk access for order " + o.id + ": its window has ended");
    access_failures_.erase(o.id);  // a new window starts the tries anew
    access_stopped_[o.id] = o.delivery->window;
    return;
  }
  grants::Effects fx;
  auto issued =
      grants_.issue(o.id, config_.delivery.vehicle, *o.delivery->window, *place, now(), fx);
  run(fx);
  if (!issued.ok()) {
    const auto later = retry_access_later(o);
    log_error("delivery: cannot issue trunk access for order " + o.id + ": " +
              issued.status().message() +
              (later ? " (will try again in " + std::to_string(static_cast<long>(*later)) + " s)"
                     : " (its window ends before another try)"));
    return;
  }
  orders::DeliveryChange change;
  change.retailer_order_id = o.retailer_order_id;
  change.method = "trunk";
  change.code = issued.value().code;
  change.carrier_api = carrier_url_ + "/api/v1/carrier/deliveries/" + o.id;
  access_in_air_.insert(o.id);
  std::weak_ptr<bool> alive = alive_;
  retailer_->set_delivery(change, [this, alive, id = o.id, grant = issued.value().grant_id](
                                      const orders::DeliveryChangeOutcome& r) {
    if (alive.expired() || !*alive.lock()) return;
    access_in_air_.erase(id);
    const orders::Order* o = orders_.ledger().find(id);
    if (!o) access_failures_.erase(id);
    if (r.ok) {
      access_failures_.erase(id);
      grants::Effects fx;
      grants_.handed(id, grant, fx);
      run(fx);
      // The retailer may have moved the window while the code was on its way (on_order
      // waits for this answer): a code for the old window is replaced now.
      on_order(id);
      return;
    }
    if (!o) return;
    grants::Effects fx;
    grants_.revoke(id, std::string(grants::reason::kReplanned), now(), fx);
    run(fx);
    if (orders::finished(o->status)) return;
    if (r.retryable) {
      const auto later = retry_access_later(*o);
      log_warn("delivery: the retailer did not take the trunk access for order " + id +
               (later ? ", will try again with a new code in " +
                            std::to_string(static_cast<long>(*later)) + " s"
                      : "; its window ends before another try") +
               ": " + r.reason);
      return;
    }
    // (Out for delivery, to_doorstep() keeps the order as the retailer has it.)
    to_doorstep(*o,
                {hub_.texts()("delivery.reason.retailer_refused", {Texts::arg("why", r.reason)})},
                hub_.texts()("event.doorstep_refused", {Texts::arg("order", id)}));
  });
}

double DeliveryDesk::access_wait(const orders::Order& o, int failures) const {
  double later = std::min(options_.access_retry_s * std::ldexp(1.0, std::min(failures, 30) - 1),
                          options_.access_retry_max_s);
  // Not so late that the window begins unprepared, nor that a carrier waits long in it.
  if (o.delivery && o.delivery->window) {
    const double lead = o.delivery->window->start - now();
    const double left = o.delivery->window->end - now();
    // In the window likewise: half the time it has left (a try after its end opens nothing).
    later = lead > 0 ? std::min(later, std::max(options_.access_retry_s, lead / 2))
                     : std::min({later, options_.access_retry_in_window_s,
                                 std::max(options_.access_retry_s, left / 2)});
  }
  return later;
}

std::optional<double> DeliveryDesk::retry_access_later(const orders::Order& o) {
  const double later = access_wait(o, ++access_failures_[o.id]);
  if (o.delivery && o.delivery->window && later >= o.delivery->window->end - now()) {
    access_due_.erase(o.id);  // a code then would open nothing
    access_failures_.erase(o.id);
    access_stopped_[o.id] = o.delivery->window;
    return std::nullopt;
  }
  access_at(o, now() + later);
  return later;
}

void DeliveryDesk::to_doorstep(const orders::Order& o, std::vector<std::string> reasons,
                               const std::string& event_text) {
  const std::string id = o.id;
  access_due_.erase(id);
  access_failures_.erase(id);
  access_stopped_.erase(id);
  if (!changeable(o)) {
    // Out for delivery (or finished): the retailer takes no change now, so the hub's record
    // must not say doorstep while the carrier drives to the trunk, nor its code die.
    log_warn("delivery: order " + id + " keeps its trunk delivery: it is out for delivery" +
             std::string(orders_.ledger().parked(o) ? " or at another retailer" : ""));
    return;
  }
  if (grants_.live(id)) {
    grants::Effects fx;
    grants_.revoke(id, std::string(grants::reason::kReplanned), now(), fx);
    run(fx);
  }
  orders::Delivery d;
  d.method = "doorstep";
  d.reasons = std::move(reasons);
  if (o.quote) {
    if (const auto* door = option_of(*o.quote, "doorstep")) d.window = door->window;
  }
  metrics_.inc("larder_delivery_decisions_total", {{"method", "doorstep"}, {"occasion", "replan"}});
  orders::Reply r = orders_.change_delivery(id, d);
  if (!r.ok()) {
    log_warn("delivery: order " + id + " keeps its delivery: " + r.status.message());
    return;
  }
  publish_event("delivery_replanned", event_text, id);
  if (!retailer_ || o.retailer_order_id.empty()) return;
  orders::DeliveryChange change;
  change.retailer_order_id = o.retailer_order_id;
  change.method = "doorstep";
  retailer_->set_delivery(change, [id](const orders::DeliveryChangeOutcome& r) {
    if (!r.ok) {
      log_warn("delivery: the retailer did not take doorstep for order " + id + ": " + r.reason);
    }
  });
}

void DeliveryDesk::replan_after_move(double t) {
  auto car = car_now(t);
  for (const orders::Order* o : orders_.ledger().orders()) {
    if (!for_trunk(*o) || !changeable(*o) || !o->quote || !o->delivery->window) continue;
    if (o->delivery->window->start <= t) continue;  // the window began: the grant rules now
    const delivery::Place* place = place_named(o->delivery->place);
    // Still where the delivery goes (surely inside the place, its whole accuracy circle),
    // also when called moving: a tracker plugin started again calls its first fix so.
    if (car && place && delivery::inside(*place, car->at, car->accuracy_m)) continue;
    // Judged on the window the order has now: the retailer may have moved it since the
    // quote (its answer to the place, a status).
    orders::Quote now_offered = *o->quote;
    for (auto& option : now_offered.delivery_options) {
      if (option.method == "trunk") option.window = o->delivery->window;
    }
    orders::Delivery again = plan(*o, now_offered, t);
    if (again.method == "trunk") continue;
    to_doorstep(*o, again.reasons,
                hub_.texts()("event.doorstep_car_moved", {Texts::arg("order", o->id)}));
  }
}

void DeliveryDesk::tick() {
  const double t = now();
  grants::Effects fx;
  grants_.tick(t, fx);
  grants_.forget_ended(
      t,
      [this](const std::string& id) {
        const orders::Order* o = orders_.ledger().find(id);  // a pruned order is finished
        return o && !orders::finished(o->status);
      },
      fx);
  run(fx);
  std::vector<std::string> due;
  for (const auto& [id, when] : access_due_) {
    if (when.at <= t) due.push_back(id);
  }
  for (const auto& id : due) {
    access_due_.erase(id);
    const orders::Order* o = orders_.ledger().find(id);
    // Nor a try that would undo what ended the access while the last code was on its way
    // (the household's revoke, a lockout), or that the retailer takes no more.
    if (!o || !for_trunk(*o) || o->status != orders::OrderStatus::shipped || !changeable(*o) ||
        (!grants_.live(id) && !may_issue(*o))) {
      access_failures_.erase(id);
      continue;
    }
    give_access(*o);
  }
}

// ---- Effects -----------------------------------------------------------------------------

void DeliveryDesk::run(grants::Effects& fx) {
  if (!fx.store_error.ok()) log_error("grants: " + fx.store_error.message());
  for (const auto& c : fx.commands) {
    json cmd = {{"command", c.command}, {"ts", now()}};
    if (c.grant_id) cmd["grant"] = *c.grant_id;
    bus_.publish(root_ + "/vehicle/" + c.vehicle + "/command", cmd.dump(), /*retain=*/false, 1);
    log_info("delivery: sent " + c.command + " to vehicle " + c.vehicle);
  }
  for (const auto& e : fx.events) {
    metrics_.inc("larder_grant_events_total", {{"kind", e.kind}});
    json ev = {{"kind", e.kind}, {"text", e.text}, {"ts", now()}};
    if (!e.order_id.empty()) ev["order_id"] = e.order_id;
    if (!e.vehicle.empty()) ev["vehicle"] = e.vehicle;
    bus_.publish(root_ + "/event", ev.dump(), /*retain=*/false, 1);
    log_info("delivery: " + e.text);
  }
  for (const auto& id : fx.delivered_by_trunk) {
    orders::Reply r = orders_.delivered_by_trunk(id);
    if (!r.ok()) log_warn("delivery: order " + id + " not marked delivered: " + r.status.message());
  }
  std::vector<std::string> ended;
  for (const auto& e : fx.events) {
    if (e.kind == "access_revoked" && !e.order_id.empty()) ended.push_back(e.order_id);
  }
  fx = {};
  for (const auto& id : ended) access_ended(id);
}

void DeliveryDesk::publish_event(const std::string& kind, const std::string& text,
                                 const std::string& order_id) {
  json ev = {{"kind", kind}, {"text", text}, {"ts", now()}, {"order_id", order_id}};
  if (!config_.delivery.vehicle.empty()) ev["vehicle"] = config_.delivery.vehicle;
  bus_.publish(root_ + "/event", ev.dump(), /*retain=*/false, 1);
  log_info("delivery: " + text);
}

}  // namespace larder
