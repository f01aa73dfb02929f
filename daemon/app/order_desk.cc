#include "app/order_desk.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <utility>

#include <nlohmann/json.hpp>

#include "adapters/retailer/retailer_factory.h"
#include "larder/log.h"
#include "orders/guards.h"
#include "orders/orders_config.h"

namespace larder {

using json = nlohmann::json;
using orders::Code;
using orders::Reply;

namespace {

// The car of a trunk delivery as the retailer's carrier needs it: make, plate hint and
// the allowed place's point (never the car's live position).
std::optional<orders::PlaceVehicle> place_vehicle(const Config& c,
                                                  const std::optional<std::string>& place) {
  const TrunkPlaceConfig* where = nullptr;
  for (const auto& p : c.delivery.places) {
    if (place && p.name == *place) where = &p;
  }
  if (!where && !c.delivery.places.empty()) where = &c.delivery.places.front();
  if (!where) return std::nullopt;
  orders::PlaceVehicle v;
  for (const auto& car : c.vehicles) {
    if (car.id == c.delivery.vehicle) {
      v.make = car.make;
      v.plate_hint = car.plate_hint;
    }
  }
  v.lat = where->lat;
  v.lon = where->lon;
  return v;
}

// The ledger's settings, with the configured retailer each quoted order records.
orders::OrdersConfig ledger_config(const Config& c) {
  orders::OrdersConfig out = orders::orders_config_from(c);
  if (c.retailer) out.retailer = retailer_ref(*c.retailer);
  return out;
}

constexpr double kDay = 86400;
// Polls in a row answered "no such order" (404) before the order is taken as lost: one
// 404 may be a retailer's hiccup, and an order ended too early could be ordered twice.
constexpr int kUnknownPolls = 3;

const char* code_name(Code c) {
  switch (c) {
    case Code::ok: return "ok";
    case Code::bad_input: return "bad_input";
    case Code::not_found: return "not_found";
    case Code::conflict: return "conflict";
    case Code::internal: return "internal";
  }
  return "?";
}

// An automatic order that ended without the user: refused or lost by the retailer, or
// cancelled by the system.
bool failed_automatic(const orders::Order& o) {
  const bool failed = o.status == orders::OrderStatus::failed ||
                      (o.status == orders::OrderStatus::cancelled && !o.cancelled_by_user);
  return failed && o.automatic() && o.finished_at.has_value();
}

void describe_metrics(Metrics& m) {
  m.describe("larder_orders_commands_total", "counter",
             "Commands to the order ledger, by command and result code.");
  m.describe("larder_orders_retailer_calls_total", "counter",
             "Calls to the retailer, by call and outcome.");
  m.describe("larder_orders_persist_errors_total", "counter",
             "Orders the store could not commit (their retailer calls were held back).");
  m.describe("larder_orders_by_status", "gauge", "Orders the ledger holds, by status.");
}

}  // namespace

OrderDesk::OrderDesk(const Config& config, orders::Random& random, Store& store, Bus& bus,
                     Hub& hub, orders::Retailer* retailer, const Clock& clock, Metrics& metrics,
                     OrderDeskOptions options)
    : config_(config),
      store_(store),
      bus_(bus),
      hub_(hub),
      retailer_(retailer),
      clock_(clock),
      metrics_(metrics),
      options_(options),
      ledger_(ledger_config(config), random),
      root_(config.mqtt.root()) {
  describe_metrics(metrics_);
  set_delivery_planner(nullptr);
}

OrderDesk::~OrderDesk() { *alive_ = false; }

void OrderDesk::set_delivery_planner(orders::DeliveryPlanner planner) {
  ledger_.set_delivery_planner([this, planner = std::move(planner)](
                                   const orders::Order& o, const orders::Quote& q, double t) {
    orders::Delivery d = planner ? planner(o, q, t) : orders::default_delivery(ledger_.config(), q);
    if (d.method == "trunk") d.vehicle = place_vehicle(config_, d.place);
    return d;
  });
}

Status OrderDesk::restore() {
  // With the newest finished orders, those the budget and the order limit still count (the
  // ledger keeps no more of them than kMaxCounted).
  const std::size_t keep = ledger_.config().keep_finished;
  auto stored = store_.load_orders(keep, orders::guard_horizon(ledger_.config(), now()),
                                   keep + orders::Ledger::kMaxCounted);
  if (!stored.ok()) return stored.status();
  json saved = {{"version", 1}, {"orders", json::array()}};
  for (const StoredOrder& o : *stored) {
    json j = json::parse(o.json, nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded()) {
      return Status::Error("order " + o.order_id + " in the store is not JSON");
    }
    saved["orders"].push_back(std::move(j));
  }
  if (Status s = ledger_.load(saved); !s.ok()) return s;
  // What load() changed (each order's retailer), stored at once; not by run(), which would
  // tell the hub of orders before its own restore.
  for (const orders::Persist& p : ledger_.rewritten()) {
    Status s = store_.save_order({p.order_id, p.order.dump(), p.finished, now()});
    if (!s.ok()) log_warn("orders: cannot store order " + p.order_id + ": " + s.message());
  }
  for (const orders::Order* o : ledger_.orders()) {
    if (!ledger_.parked(*o)) continue;
    log_warn("orders: order " + o->id + " is " + std::string(orders::status_name(o->status)) +
             " at another retailer (" + o->retailer->kind + ") than the configured one: not "
             "followed here; a purchase of its items ends it, a cancel ends it here only");
  }
  // The pause after an automatic order failed is not stored of its own: it is read back
  // from the orders, so a restart or a reload inside it does not order the need again.
  // Each consumable's newest failure, then its pause once (the newest failure's ends last).
  const double t = now();
  std::map<std::string, double> failed_at;
  for (const orders::Order* o : ledger_.orders()) {
    if (!failed_automatic(*o)) continue;
    for (const orders::Item& i : o->items) {
      auto [it, added] = failed_at.emplace(i.consumable, *o->finished_at);
      if (!added) it->second = std::max(it->second, *o->finished_at);
    }
  }
  for (const auto& [consumable, at] : failed_at) {
    // (A date ahead of the clock, after the clock went back, counts as now.)
    const double until = std::min(at, t) + failure_pause(consumable);
    if (until <= t) continue;
    double& paused = paused_until_[consumable];
    paused = std::max(paused, until);
  }
  republish_states();
  count_statuses();
  if (!stored->empty()) {
    log_info("orders: restored " + std::to_string(stored->size()) + " orders from the store");
  }
  return Status::Ok();
}

std::optional<orders::Request> OrderDesk::make_request(const std::string& consumable,
                                                       int quantity, orders::Source source,
                                                       bool explicit_quantity) const {
  const ConsumableConfig* c = nullptr;
  for (const auto& k : config_.consumables) {
    if (k.id == consumable) c = &k;
  }
  if (!c) return std::nullopt;
  orders::Request r;
  r.consumable = consumable;
  r.sku = c->pack.sku;
  r.quantity = quantity;
  r.source = source;
  r.explicit_quantity = explicit_quantity;
  // Companions: how soon each other consumable will want an order, from its forecast. The
  // earliest plausible empty date (the interval's low end) less its lead time is the last
  // day an order could still arrive in time. Not one the household's cancel keeps orders
  // away from, nor one whose automatic orders wait after a failure: joining another order
  // would go round either.
  // After its order failed a consumable is ordered alone, so that a sku the retailer
  // refuses fails by itself and takes no other along each time. So is every order of a
  // retailer that reports no delivery: the purchase of its one item ends it (bought()).
  const auto& to = ledger_.config().retailer;
  if (ledger_.config().combine_within_days > 0 && failure_streak(consumable) == 0 &&
      (!to || to->reports)) {
    const double t = now();
    for (const auto& k : config_.consumables) {
      if (k.id == consumable || paused_until(k.id)) continue;
      const ConsumableState* s = hub_.consumable(k.id);
      if (!s || s->vetoed) continue;
      double days;
      if (s->reorder) {
        days = 0;
      } else if (s->empty_at_low) {
        days = std::max(0.0, (*s->empty_at_low - t) / kDay - k.lead_time_days);
      } else {
        continue;  // nothing known yet
      }
      r.companions.push_back({k.id, k.pack.sku, 1, days});
    }
  }
  return r;
}

Reply OrderDesk::request(const orders::Request& r) {
  if (!retailer_) {
    Reply refused;
    refused.code = Code::conflict;
    refused.status = Status::Error(std::string(orders::kNoRetailer));
    return refused;
  }
  Reply reply = ledger_.request(r, now());
  metrics_.inc("larder_orders_commands_total",
               {{"command", "request"}, {"code", code_name(reply.code)}});
  run(reply);
  return reply;
}

Reply OrderDesk::cancel(const std::string& order_id, bool by_user) {
  Reply reply = ledger_.cancel(order_id, by_user, now());
  metrics_.inc("larder_orders_commands_total",
               {{"command", "cancel"}, {"code", code_name(reply.code)}});
  run(reply);
  return reply;
}

Reply OrderDesk::confirm(const std::string& order_id) {
  Reply reply = ledger_.confirm(order_id, now());
  metrics_.inc("larder_orders_commands_total",
               {{"command", "confirm"}, {"code", code_name(reply.code)}});
  run(reply);
  return reply;
}

Reply OrderDesk::retailer_status(const std::string& retailer_order_id,
                                 const orders::RetailerStatus& s) {
  Reply reply = ledger_.status(retailer_order_id, s, now());
  run(reply);
  return reply;
}

Reply OrderDesk::change_delivery(const std::string& order_id, const orders::Delivery& d) {
  Reply reply = ledger_.change_delivery(order_id, d, now());
  run(reply);
  return reply;
}

Reply OrderDesk::delivered_by_trunk(const std::string& order_id) {
  orders::RetailerStatus delivered;
  delivered.status = "delivered";
  Reply reply = ledger_.status(order_id, delivered, now());
  run(reply);
  return reply;
}

void OrderDesk::tick() {
  run(ledger_.tick(now()));
  const double t = now();
  for (const auto& c : config_.consumables) {
    if (!retailer_) break;
    const ConsumableState* s = hub_.consumable(c.id);
    if (!s || !s->reorder || ledger_.in_flight(c.id)) continue;
    auto paused = paused_until_.find(c.id);
    if (paused != paused_until_.end()) {
      if (t < paused->second) continue;
      paused_until_.erase(paused);
    }
    auto r = make_request(c.id, 1, orders::Source::sensor, false);
    if (!r) continue;
    Reply reply = request(*r);
    if (!reply.ok()) {
      log_warn("orders: the automatic order of " + c.id + " was refused: " +
               reply.status.message());
      paused_until_[c.id] = t + options_.failure_pause_s;
    }
  }
}

void OrderDesk::purchased(const std::string& consumable, const Reading& purchase) {
  // Whatever retailer is configured now: a webhook's orders sent before a change of retailer
  // end this way too (only the orders of a retailer that reports no delivery do).
  run(ledger_.bought(consumable, static_cast<int>(purchase.value), purchase.ts, now()));
}

void OrderDesk::button(const std::string& button_id, const std::string& consumable,
                       ButtonEffect effect, double) {
  if (effect == ButtonEffect::reorder) {
    auto r = make_request(consumable, 1, orders::Source::button, false);
    if (!r) return;
    Reply reply = request(*r);
    if (!reply.ok()) {
      log_warn("button '" + button_id + "': the order was refused: " + reply.status.message());
    } else if (reply.existing) {
      const orders::Order* o = ledger_.find(reply.order_id);
      const Texts& t = hub_.texts();
      std::string status = t("order.status." + (o ? std::string(status_name(o->status)) : "in_flight"));
      hub_.publish_event("order_exists",
                         t("event.order_exists", {Texts::arg("item", ledger_.config().name(consumable)),
                                                  Texts::arg("status", status)}),
                         {{"order_id", reply.order_id}, {"consumable", consumable},
                          {"button", button_id}});
    }
    return;
  }
  // The order the press can act on, the newest first: one still to confirm (held or
  // asking), or one not shipped yet to cancel. Else the newest in flight, whose refusal
  // says why (a user may have asked for more: several can be in flight).
  const auto all = ledger_.orders_in_flight(consumable);
  const auto can = std::find_if(all.begin(), all.end(), [&](const orders::Order* o) {
    return effect == ButtonEffect::cancel ? o->status != orders::OrderStatus::shipped
                                          : o->status == orders::OrderStatus::held ||
                                                o->status == orders::OrderStatus::awaiting_confirmation;
  });
  const orders::Order* flying = can != all.end() ? *can : all.empty() ? nullptr : all.front();
  if (!flying) {
    log_info("button '" + button_id + "': no order of " + consumable + " to " +
             (effect == ButtonEffect::cancel ? "cancel" : "confirm"));
    return;
  }
  const std::string id = flying->id;  // the ledger may prune the record while it works
  Reply reply = effect == ButtonEffect::cancel ? cancel(id, /*by_user=*/true) : confirm(id);
  if (!reply.ok()) {
    log_info("button '" + button_id + "': " + reply.status.message());
  }
}

void OrderDesk::answer(const Reply& reply) {
  if (!reply.ok()) {
    log_debug("orders: a retailer answer was refused by the ledger: " + reply.status.message());
  }
  run(reply);
}

void OrderDesk::count_statuses() {
  std::map<std::string, int> by_status;
  for (const orders::Order* o : ledger_.orders()) ++by_status[std::string(status_name(o->status))];
  for (auto st : {orders::OrderStatus::held, orders::OrderStatus::awaiting_confirmation,
                  orders::OrderStatus::placing, orders::OrderStatus::placed,
                  orders::OrderStatus::shipped, orders::OrderStatus::delivered,
                  orders::OrderStatus::cancelled, orders::OrderStatus::failed}) {
    std::string name(status_name(st));
    metrics_.set("larder_orders_by_status", {{"status", name}},
                 static_cast<double>(by_status[name]));
  }
}

int OrderDesk::failure_streak(const std::string& consumable) const {
  std::vector<const orders::Order*> mine;  // its finished orders, the newest first
  for (const orders::Order* o : ledger_.orders()) {
    if (!o->finished_at) continue;
    for (const orders::Item& i : o->items) {
      if (i.consumable == consumable) {
        mine.push_back(o);
        break;
      }
    }
  }
  std::sort(mine.begin(), mine.end(), [](const orders::Order* a, const orders::Order* b) {
    return *a->finished_at != *b->finished_at ? *a->finished_at > *b->finished_at
                                              : a->id > b->id;
  });
  // Failed automatic orders, newest first, back to one the retailer accepted (placed_at:
  // the sku is sold). A manual order that never got there tells nothing and is passed
  // over; two failures further apart than twice the longest pause are not "in a row".
  int streak = 0;
  std::optional<double> newer;  // finished_at of the failure counted last
  for (const orders::Order* o : mine) {
    if (streak >= 30) break;
    if (!failed_automatic(*o)) {
      if (o->placed_at) break;
      continue;
    }
    if (newer && *newer - *o->finished_at > 2 * options_.failure_pause_max_s) break;
    newer = o->finished_at;
    ++streak;
  }
  return streak;
}

double OrderDesk::failure_pause(const std::string& consumable) const {
  const int streak = failure_streak(consumable);
  const double pause = options_.failure_pause_s * std::pow(2.0, std::max(0, streak - 1));
  return std::min(pause, std::max(options_.failure_pause_s, options_.failure_pause_max_s));
}

bool OrderDesk::in_flight(const std::string& consumable) const {
  const auto all = ledger_.orders_in_flight(consumable);
  return std::any_of(all.begin(), all.end(), [](const orders::Order* o) {
    return o->status != orders::OrderStatus::awaiting_confirmation;
  });
}

void OrderDesk::tell_in_flight(const orders::Reply& reply) {
  // The consumables the model hears news of (run()), and the others the reply changed.
  std::set<std::string, std::less<>> news, others;
  for (const orders::Effect& e : reply.effects) {
    if (const auto* p = std::get_if<orders::PublishState>(&e)) {
      if (const orders::Order* o = ledger_.find(p->order_id)) {
        for (const orders::Item& i : o->items) others.insert(i.consumable);
      }
    }
    // An order pruned as it finished is found no more; its facts name the consumable.
    if (const auto* p = std::get_if<orders::Placed>(&e)) news.insert(p->consumable);
    if (const auto* d = std::get_if<orders::Delivered>(&e)) news.insert(d->consumable);
    if (const auto* c = std::get_if<orders::Cancelled>(&e)) news.insert(c->consumable);
  }
  for (const auto& c : news) hub_.order_in_flight(c, in_flight(c), /*show=*/false);
  for (const auto& c : others) {
    if (!news.count(c)) hub_.order_in_flight(c, in_flight(c));
  }
}

void OrderDesk::republish_states() {
  for (const orders::Order* o : ledger_.orders()) {
    bus_.publish(root_ + "/order/" + o->id + "/state", orders::state_json(*o).dump(),
                 /*retain=*/true, 1);
  }
}

void OrderDesk::run(const Reply& reply) {
  if (reply.effects.empty()) return;
  // The consumable's model hears of an order's fate first, and its state is queued, so that
  // save_order() below commits the order and that state in one transaction: a crash between
  // two commits would keep a cancelled or delivered order and lose the model's knowing it,
  // and the model would order the same need again after the restart (Store::save_order).
  // Whether an order is still in flight goes first, quietly for a consumable whose model
  // hears news below: its state then changes once (a delivery: ordered to ok, not by low).
  tell_in_flight(reply);
  bool told = false;
  for (const orders::Effect& e : reply.effects) {
    if (const auto* p = std::get_if<orders::Placed>(&e)) {
      hub_.order_placed(p->consumable, p->ts);
    } else if (const auto* d = std::get_if<orders::Delivered>(&e)) {
      hub_.order_delivered(d->consumable, d->ts, d->packs, d->delivery_days);
    } else if (const auto* c = std::get_if<orders::Cancelled>(&e)) {
      hub_.order_cancelled(c->consumable, c->ts, c->vetoed());
    } else {
      continue;
    }
    told = true;
  }
  if (told) hub_.persist();
  // Orders whose commit failed in this reply: their retailer calls are held back.
  std::set<std::string, std::less<>> unsaved;
  for (const orders::Effect& e : reply.effects) {
    if (const auto* p = std::get_if<orders::Persist>(&e)) {
      StoredOrder so{p->order_id, p->order.dump(), p->finished, now()};
      if (Status s = store_.save_order(so); !s.ok()) {
        metrics_.inc("larder_orders_persist_errors_total");
        log_error("orders: cannot commit order " + p->order_id +
                  "; its retailer calls wait for the next try: " + s.message());
        unsaved.insert(p->order_id);
      } else {
        unsaved.erase(p->order_id);
      }
      continue;
    }
    const std::string* id = nullptr;
    if (const auto* q = std::get_if<orders::RequestQuote>(&e)) id = &q->order_id;
    if (const auto* q = std::get_if<orders::PlaceOrder>(&e)) id = &q->order_id;
    if (const auto* q = std::get_if<orders::CancelAtRetailer>(&e)) id = &q->order_id;
    if (const auto* q = std::get_if<orders::PollStatus>(&e)) id = &q->order_id;
    if (id && (unsaved.count(*id) || !retailer_)) continue;  // no retailer: nothing to ask
    run_effect(e);
  }
  count_statuses();  // only when something happened, not on every tick
  // After all effects ran, so that the listener sees each order as the ledger left it.
  std::set<std::string, std::less<>> changed;
  for (const orders::Effect& e : reply.effects) {
    if (const auto* p = std::get_if<orders::PublishState>(&e)) changed.insert(p->order_id);
    if (const auto* ev = std::get_if<orders::Event>(&e)) changed.insert(ev->order_id);
  }
  if (listeners_.empty()) return;
  // A copy: a listener may add or remove listeners.
  auto listeners = listeners_;
  for (const auto& id : changed) {
    for (const auto& [name, fn] : listeners) fn(id);
  }
}

void OrderDesk::run_effect(const orders::Effect& effect) {
  std::weak_ptr<bool> alive = alive_;
  auto count = [this](const char* call, const char* outcome) {
    metrics_.inc("larder_orders_retailer_calls_total", {{"call", call}, {"outcome", outcome}});
  };
  std::visit(
      [&](const auto& e) {
        using T = std::decay_t<decltype(e)>;
        if constexpr (std::is_same_v<T, orders::Persist> || std::is_same_v<T, orders::Placed> ||
                      std::is_same_v<T, orders::Delivered>) {
          // run() commits these, and told the hub of placed and delivered before the commit.
        } else if constexpr (std::is_same_v<T, orders::RequestQuote>) {
          retailer_->quote(e.items, [this, alive, count, id = e.order_id,
                                     request = e.request](const orders::QuoteOutcome& q) {
            if (alive.expired() || !*alive.lock()) return;
            if (q.quote) {
              count("quote", "ok");
              answer(ledger_.quote_received(id, *q.quote, now(), request));
            } else {
              count("quote", q.retryable ? "retryable" : "refused");
              log_warn("orders: quote for " + id + " failed: " + q.reason);
              answer(ledger_.quote_failed(id, q.retryable, q.reason, now(), request));
            }
          });
        } else if constexpr (std::is_same_v<T, orders::PlaceOrder>) {
          orders::PlaceCall call{e.order_id, e.quote_id, e.idempotency_key, e.delivery_method,
                                 e.window, json::object(), std::nullopt};
          if (const orders::Order* o = ledger_.find(e.order_id)) {
            call.order_state = orders::state_json(*o);
            if (e.delivery_method == "trunk" && o->delivery) {
              // The car chosen with the delivery; an order saved by a version before
              // Delivery::vehicle takes the configuration's.
              call.vehicle = o->delivery->vehicle ? o->delivery->vehicle
                                                  : place_vehicle(config_, o->delivery->place);
            }
          }
          retailer_->place(call, [this, alive, count, id = e.order_id, attempt = e.attempt,
                                  quote = e.quote_id](const orders::PlaceResult& r) {
            if (alive.expired() || !*alive.lock()) return;
            using K = orders::PlaceResult::Kind;
            count("place", r.kind == K::ok              ? "ok"
                           : r.kind == K::retryable     ? "retryable"
                           : r.kind == K::quote_expired ? "quote_expired"
                                                        : "rejected");
            if (r.kind == K::retryable) log_warn("orders: placing " + id + ": " + r.reason);
            if (!r.ignored.empty()) log_warn("orders: placed " + id + ": " + r.ignored);
            answer(ledger_.place_result(id, r, now(), attempt, quote));
          });
        } else if constexpr (std::is_same_v<T, orders::CancelAtRetailer>) {
          retailer_->cancel(e.retailer_order_id,
                           [this, alive, count, id = e.order_id](const orders::CancelResult& r) {
                             if (alive.expired() || !*alive.lock()) return;
                             count("cancel", r.kind == orders::CancelResult::Kind::ok ? "ok"
                                                                                      : "other");
                             answer(ledger_.cancel_result(id, r, now()));
                           });
        } else if constexpr (std::is_same_v<T, orders::PollStatus>) {
          retailer_->status(e.retailer_order_id,
                           [this, alive, count, id = e.order_id](const orders::StatusOutcome& s) {
                             if (alive.expired() || !*alive.lock()) return;
                             count("status", s.status ? "ok" : "no_answer");
                             if (s.status) {
                               if (!s.ignored.empty()) {
                                 log_warn("orders: status of " + id + ": " + s.ignored);
                               }
                               unknown_polls_.erase(id);
                               answer(ledger_.status(id, *s.status, now()));
                               return;
                             }
                             const std::string what = "orders: status of " + id + ": " + s.reason;
                             if (!s.unknown_order) {
                               // Retried at the next poll; a final answer (401, 403) is
                               // one the user must act on.
                               s.final ? log_warn(what) : log_debug(what);
                               return;
                             }
                             // The retailer-v1 contract: a 4xx other than 429 is final.
                             int n = ++unknown_polls_[id];
                             log_warn(what + " (" + std::to_string(n) + " of " +
                                      std::to_string(kUnknownPolls) + " polls)");
                             if (n < kUnknownPolls) return;
                             unknown_polls_.erase(id);
                             orders::RetailerStatus lost;
                             lost.status = "failed";
                             orders::Reason why = orders::our_reason(
                                 "order.reason.unknown_order",
                                 {{"reason", s.reason}, {"n", std::to_string(kUnknownPolls)}});
                             lost.reason = std::move(why.text);
                             lost.why = std::move(why.why);
                             answer(ledger_.status(id, lost, now()));
                           });
        } else if constexpr (std::is_same_v<T, orders::PublishState>) {
          bus_.publish(root_ + "/order/" + e.order_id + "/state", e.state.dump(),
                       /*retain=*/true, 1);
        } else if constexpr (std::is_same_v<T, orders::Event>) {
          hub_.publish_event(e.kind, e.text, {{"order_id", e.order_id}, {"consumable", e.consumable}},
                             e.ts);
          log_info("orders: " + e.text);
        } else if constexpr (std::is_same_v<T, orders::Cancelled>) {
          // run() told the hub, before the commit.
          if (!e.by_user && e.automatic) {
            paused_until_[e.consumable] = now() + failure_pause(e.consumable);
          }
        }
      },
      effect);
}

}  // namespace larder
