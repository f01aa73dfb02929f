// The ledger's commands and facts. The steps they share (driving an order on, the status
// transitions, retries) and persistence are in ledger_steps.cc.
#include "orders/ledger.h"

#include <algorithm>
#include <cmath>
#include <string_view>
#include <utility>

#include "larder/text.h"
#include "orders/guards.h"

namespace larder::orders {

namespace {

constexpr double kDay = 86400;
constexpr const char* kBadTime = "the time is not a finite number";

// At most 512 bytes: the configuration's 128 characters of up to 4 bytes each.
bool valid_sku(const std::string& sku) {
  if (sku.empty() || sku.size() > 512) return false;
  for (char c : sku) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) return false;
  }
  return true;
}

// The retailer's words in a refusal's message: bounded, never refused for length.
std::string bounded(const std::string& s) { return utf8_prefix(s, kMaxReasonBytes); }

// A reason in the retailer's words (none to translate), or larderd's `id` when it gave none.
// The ledger bounds what it keeps (keep() in ledger_steps.cc).
Reason theirs(const std::string& words, const char* id) {
  return words.empty() ? our_reason(id) : Reason{words, {}};
}

// How far along the retailer says an order is (its status names, mqtt-v1's retailer API).
int stage(std::string_view status) {
  if (status == "shipped") return 1;
  if (status == "out_for_delivery") return 2;
  if (status == "delivered" || status == "cancelled" || status == "failed") return 3;
  return 0;  // placed, or none yet
}

}  // namespace

Ledger::Ledger(OrdersConfig config, Random& random) : c_(std::move(config)), random_(random) {}

Reply Ledger::request(const Request& r, double now) {
  if (!std::isfinite(now)) return refuse(Code::bad_input, kBadTime);
  if (!valid_id(r.consumable))
    return refuse(Code::bad_input, "no such consumable: " + r.consumable);
  if (!valid_sku(r.sku)) return refuse(Code::bad_input, "the sku is empty or not printable");
  if (r.quantity < 1 || r.quantity > c_.max_quantity) {
    return refuse(Code::bad_input,
                  "the quantity must be from 1 to " + std::to_string(c_.max_quantity));
  }
  for (const auto& k : r.companions) {
    if (!valid_id(k.consumable) || !valid_sku(k.sku) || k.quantity < 1 ||
        k.quantity > c_.max_quantity || std::isnan(k.days_until_reorder)) {
      return refuse(Code::bad_input, "a consumable to combine is not valid: " + k.consumable);
    }
  }
  // Only a person asks for more; the model's own request never doubles an order.
  bool more = r.explicit_quantity && r.source != Source::sensor;
  if (const Order* o = in_flight(r.consumable); o && !more) {
    Reply reply;
    reply.order_id = o->id;
    reply.existing = true;
    return reply;
  }
  std::size_t active = 0;
  for (const auto& [id, o] : orders_) active += !finished(o.status);
  if (active >= c_.max_active) {
    return refuse(Code::conflict, "too many orders are in flight (" + std::to_string(active) + ")");
  }

  Order o;
  o.items.push_back({r.consumable, r.sku, r.quantity});
  if (c_.combine_within_days > 0) {
    for (const auto& k : r.companions) {
      if (o.items.size() >= kMaxItems) break;  // the rest go in an order of their own
      bool taken = false;
      for (const auto& i : o.items) taken = taken || i.consumable == k.consumable;
      if (!taken && !in_flight(k.consumable) && k.days_until_reorder <= c_.combine_within_days) {
        o.items.push_back({k.consumable, k.sku, k.quantity});
      }
    }
  }
  auto key = uuid_v4(random_);
  std::optional<std::string> id;
  // The consumable in the id helps a person reading logs; 48 random bits keep ids unique.
  for (int i = 0; i < 4 && key && (!id || orders_.count(*id)); ++i) {
    auto hex = random_hex(random_, 6);
    id = hex ? std::optional(r.consumable.substr(0, 51) + "-" + *hex) : std::nullopt;
    if (!id) break;
  }
  if (!key || !id || orders_.count(*id)) {
    return refuse(Code::internal, "no random numbers for the order's key; nothing was ordered");
  }
  o.id = *id;
  o.idempotency_key = *key;
  o.source = r.source;
  o.created = now;
  const SourcePolicy& p = c_.policy(r.source);
  o.held_until = now + std::max(0.0, p.undo_window_s);

  Order& stored = orders_.emplace(o.id, std::move(o)).first->second;
  Step s(stored);
  s.changed = s.publish = true;
  if (p.ask_first) {
    stored.status = OrderStatus::awaiting_confirmation;
    // The question (order_awaiting_confirmation) waits for the quote: it names the price.
    stored.hold_reason = r.source == Source::voice ? "voice" : "confirmation";
  } else if (stored.held_until > now) {
    stored.status = OrderStatus::held;
    event(s, "order_held", held_text(c_, stored), now);
  } else {
    stored.status = OrderStatus::placing;
  }
  drive(s, now);
  Reply reply;
  reply.order_id = stored.id;
  return done(s, std::move(reply));
}

Reply Ledger::cancel(const std::string& order_id, bool by_user, double now) {
  if (!std::isfinite(now)) return refuse(Code::bad_input, kBadTime);
  Order* o = find_mut(order_id);
  if (!o) return refuse(Code::not_found, "no order " + order_id);
  Step s(*o);
  Reply reply;
  reply.order_id = o->id;
  if (parked(*o)) {
    // The retailer that has it is not configured: nobody to ask, and nothing to learn of it
    // (even a shipped one may never come). It ends here only.
    end_cancelled(s, by_user, our_reason("order.reason.cancelled_here_only"), now);
    return done(s, std::move(reply));
  }
  switch (o->status) {
    case OrderStatus::cancelled:
      return reply;  // a second press of the same cancel
    case OrderStatus::delivered:
      return refuse(Code::conflict, "too late: the order was delivered");
    case OrderStatus::failed:
      return refuse(Code::conflict, "too late: the order failed");
    case OrderStatus::shipped:
      return refuse(Code::conflict, "too late: the order has shipped");
    case OrderStatus::placed:
    case OrderStatus::placing:
      if (o->status == OrderStatus::placed || o->sent) {
        // The retailer may have it: ask it to cancel (at once, or once it answers the place).
        reply.pending = true;
        if (o->cancel_requested) return reply;
        o->cancel_requested = true;
        o->cancelled_by_user = by_user;
        s.changed = true;
        if (o->status == OrderStatus::placed) {
          o->attempts = 0;
          o->retry_at = 0;
          if (o->pending == Pending::none) issue_cancel(s, now);
        }
        return done(s, std::move(reply));
      }
      break;
    case OrderStatus::held:
    case OrderStatus::awaiting_confirmation:
      break;
  }
  // Nothing was sent to the retailer: the order ends here, with no call.
  end_cancelled(s, by_user,
                our_reason(by_user ? "order.reason.cancelled_by_user" : "order.reason.withdrawn"),
                now);
  return done(s, std::move(reply));
}

Reply Ledger::confirm(const std::string& order_id, double now) {
  if (!std::isfinite(now)) return refuse(Code::bad_input, kBadTime);
  Order* o = find_mut(order_id);
  if (!o) return refuse(Code::not_found, "no order " + order_id);
  if (o->status == OrderStatus::cancelled) return refuse(Code::conflict, "the order was cancelled");
  if (o->status == OrderStatus::failed) return refuse(Code::conflict, "the order failed");
  if (o->status != OrderStatus::held && o->status != OrderStatus::awaiting_confirmation) {
    // Confirmed already (two people answered), or never waiting: nothing to confirm.
    Reply late = refuse(Code::conflict, "the order waits for no confirmation: it is " +
                                            std::string(status_name(o->status)));
    late.order_id = o->id;
    return late;
  }
  Reply reply;
  reply.order_id = o->id;
  Step s(*o);
  if (o->hold_reason) o->overrides.insert(*o->hold_reason);
  if (o->quote) {
    o->confirmed_total = o->quote->total;
    o->confirmed_currency = o->quote->currency;
  }
  set_status(s, OrderStatus::placing, now);
  drive(s, now);
  return done(s, std::move(reply));
}

Reply Ledger::tick(double now) {
  Reply reply;
  if (!std::isfinite(now)) return refuse(Code::bad_input, kBadTime);
  counted_since_ = guard_horizon(c_, now);
  for (auto& [id, o] : orders_) {
    if (finished(o.status)) continue;
    Step s(o);
    drive(s, now);
    flush(s, reply.effects);
  }
  prune();
  return reply;
}

Reply Ledger::quote_received(const std::string& order_id, const Quote& quote, double now,
                             int request) {
  if (!std::isfinite(now)) return refuse(Code::bad_input, kBadTime);
  Order* o = find_mut(order_id);
  if (!o) return refuse(Code::not_found, "no order " + order_id);
  // The same checks as the retailer's JSON gets (a caller may build a Quote by hand).
  if (auto valid = parse_quote(quote_json(quote)); !valid.ok()) {
    return refuse(Code::bad_input, valid.status().message());
  }
  Reply reply;
  reply.order_id = o->id;
  bool wants = o->status == OrderStatus::held || o->status == OrderStatus::awaiting_confirmation ||
               o->status == OrderStatus::placing;
  if (!wants || o->sent) return reply;  // late: the order went on without it
  if (request != 0 && request != o->quote_request) return reply;  // a stale request's
  Step s(*o);
  if (o->pending == Pending::quote) o->pending = Pending::none;
  take_quote(s, quote, now);
  drive(s, now);
  return done(s, std::move(reply));
}

Reply Ledger::quote_failed(const std::string& order_id, bool retryable, const std::string& reason,
                           double now, int request) {
  if (!std::isfinite(now)) return refuse(Code::bad_input, kBadTime);
  Order* o = find_mut(order_id);
  if (!o) return refuse(Code::not_found, "no order " + order_id);
  Reply reply;
  reply.order_id = o->id;
  if (finished(o->status) || o->sent) return reply;
  if (request != 0 && request != o->quote_request) return reply;  // a stale request's
  Step s(*o);
  if (retryable) {
    if (o->pending != Pending::quote) return reply;  // an answer to a request timed out
    o->pending = Pending::none;
    retry_later(s, now, theirs(reason, "order.reason.no_answer"));
  } else {
    o->pending = Pending::none;
    end_failed(s, theirs(reason, "order.reason.quote_refused"), now);
  }
  return done(s, std::move(reply));
}

Reply Ledger::place_result(const std::string& order_id, const PlaceResult& result, double now,
                           int attempt, std::string_view quote_id) {
  if (!std::isfinite(now)) return refuse(Code::bad_input, kBadTime);
  Order* o = find_mut(order_id);
  if (!o) return refuse(Code::not_found, "no order " + order_id);
  Reply reply;
  reply.order_id = o->id;
  // Every attempt carries the same key, so any attempt's success is the order's.
  if (o->status != OrderStatus::placing || !o->sent) return reply;
  if (result.kind != PlaceResult::Kind::ok &&
      ((attempt != 0 && attempt != o->attempts) ||
       (!quote_id.empty() && (!o->quote || o->quote->quote_id != quote_id)))) {
    return reply;  // an older attempt's failure: the latest one decides
  }
  Step s(*o);
  switch (result.kind) {
    case PlaceResult::Kind::ok: {
      if (result.retailer_order_id.empty() || result.retailer_order_id.size() > 256) {
        return refuse(Code::bad_input, "the retailer's answer names no order");
      }
      o->pending = Pending::none;
      o->retailer_order_id = result.retailer_order_id;
      o->retailer_status = "placed";
      o->placed_at = now;
      // A malformed eta or window is left out: refusing the answer would only ask again,
      // and the retailer answers the same key the same way.
      o->eta = result.eta && std::isfinite(*result.eta) ? result.eta : std::nullopt;
      if (result.window && std::isfinite(result.window->start) &&
          std::isfinite(result.window->end) && result.window->end >= result.window->start) {
        if (!o->delivery) o->delivery = Delivery{};
        o->delivery->window = result.window;
      }
      o->attempts = 0;
      o->retry_at = 0;
      o->next_poll = now + c_.poll_interval_s;
      set_status(s, OrderStatus::placed, now);
      event(s, "order_placed", placed_text(c_, *o, now), now);
      for (const auto& i : o->items) s.out.emplace_back(Placed{i.consumable, now});
      if (o->cancel_requested) issue_cancel(s, now);
      break;
    }
    case PlaceResult::Kind::retryable:
      if (o->pending != Pending::place) return reply;  // an older attempt's answer
      o->pending = Pending::none;
      o->maybe_held = true;
      retry_later(s, now, theirs(result.reason, "order.reason.no_answer"));
      break;
    case PlaceResult::Kind::quote_expired:
      // The retailer placed nothing under this key: a new quote, and the guards again.
      o->pending = Pending::none;
      o->sent = false;
      o->committed_at.reset();
      o->quote.reset();
      o->attempts = 0;
      o->retry_at = 0;
      o->delivery.reset();
      s.changed = s.publish = true;
      if (o->cancel_requested) {
        end_cancelled(s, o->cancelled_by_user, our_reason("order.reason.cancelled_before_taken"),
                      now);
        break;
      }
      if (result.quote && parse_quote(quote_json(*result.quote)).ok()) {
        take_quote(s, *result.quote, now);
      }
      drive(s, now);
      break;
    case PlaceResult::Kind::rejected: {
      o->pending = Pending::none;
      // After an attempt whose answer was lost the retailer may hold the order, and an
      // answer that did not judge it (the key refused, another body under the key) does
      // not say otherwise.
      const bool unknown = result.may_hold && o->maybe_held;
      const Reason why = theirs(result.reason, "order.reason.order_refused");
      if (o->cancel_requested) {
        Reason ended = our_reason("order.reason.cancelled_before_taken");
        if (unknown && result.reason.empty()) {
          ended = our_reason("order.reason.maybe_held_refused");
        } else if (unknown) {
          ended = our_reason("order.reason.maybe_held", {{"reason", why.text}});
        }
        end_cancelled(s, o->cancelled_by_user, std::move(ended), now);
      } else if (unknown) {
        // Failing it would let the need be ordered twice: asked again with the same key,
        // after the usual backoff, until the retailer answers or a user cancels.
        retry_later(s, now, why);
        if (!o->uncertain) {
          o->uncertain = true;
          event(s, "order_uncertain", uncertain_text(c_, *o), now);
        }
      } else {
        end_failed(s, why, now);
      }
      break;
    }
  }
  return done(s, std::move(reply));
}

Reply Ledger::cancel_result(const std::string& order_id, const CancelResult& result, double now) {
  if (!std::isfinite(now)) return refuse(Code::bad_input, kBadTime);
  Order* o = find_mut(order_id);
  if (!o) return refuse(Code::not_found, "no order " + order_id);
  Reply reply;
  reply.order_id = o->id;
  if (!o->cancel_requested || finished(o->status)) return reply;
  Step s(*o);
  if (o->pending == Pending::cancel) o->pending = Pending::none;
  switch (result.kind) {
    case CancelResult::Kind::ok:
      end_cancelled(s, o->cancelled_by_user, our_reason("order.reason.cancelled_at_retailer"),
                    now);
      break;
    case CancelResult::Kind::retryable:
      retry_later(s, now, theirs(result.reason, "order.reason.no_answer"));
      reply.pending = true;
      break;
    case CancelResult::Kind::too_late:
    case CancelResult::Kind::rejected:
      o->cancel_requested = false;
      o->cancelled_by_user = false;
      o->attempts = 0;
      o->retry_at = 0;
      o->next_poll = now;  // it has probably shipped: learn its status now
      s.changed = true;
      reply.code = Code::conflict;
      reply.status =
          Status::Error(result.kind == CancelResult::Kind::too_late
                            ? "too late: the order has shipped"
                            : "the retailer refused to cancel: " + bounded(result.reason));
      break;
  }
  return done(s, std::move(reply));
}

Reply Ledger::bought(const std::string& consumable, int packs, double ts, double now) {
  if (!std::isfinite(ts) || !std::isfinite(now)) return refuse(Code::bad_input, kBadTime);
  // Since when the retailer may have had it: a parked order may still be `placing` (its
  // place unanswered when the retailer changed), sent at committed_at.
  auto since = [](const Order& o) { return o.placed_at ? o.placed_at : o.committed_at; };
  std::vector<Order*> come;
  for (auto& [id, o] : orders_) {
    const bool parked_placing = o.status == OrderStatus::placing && parked(o);
    if (o.status != OrderStatus::placed && o.status != OrderStatus::shipped && !parked_placing) {
      continue;
    }
    // Its retailer tells the delivery (and is the one configured).
    if (!o.retailer || (o.retailer->reports && !parked(o))) continue;
    if (!since(o) || *since(o) > ts) continue;  // bought before it was ordered
    if (std::any_of(o.items.begin(), o.items.end(),
                    [&](const Item& i) { return i.consumable == consumable; })) {
      come.push_back(&o);
    }
  }
  std::stable_sort(come.begin(), come.end(),
                   [&](const Order* a, const Order* b) { return *since(*a) < *since(*b); });
  Reply reply;
  int left = packs;  // the packs not yet matched to an order's
  for (Order* o : come) {
    if (left <= 0) break;
    for (const auto& i : o->items) left -= i.consumable == consumable ? i.quantity : 0;
    reply.order_id = o->id;
    Step s(*o);
    // No packs (the purchase counted them), no delivery time (DeliveryModel::observe).
    end_delivered(s, /*with_packs=*/false, 0, now);
    flush(s, reply.effects);
  }
  prune();
  return reply;
}

Reply Ledger::change_delivery(const std::string& order_id, const Delivery& d, double now) {
  if (!std::isfinite(now)) return refuse(Code::bad_input, kBadTime);
  if (d.method.empty() || d.method.size() > 64) {
    return refuse(Code::bad_input, "a delivery needs a method");
  }
  Order* o = find_mut(order_id);
  if (!o) return refuse(Code::not_found, "no order " + order_id);
  if (finished(o->status)) {
    return refuse(Code::conflict, "the order is " + std::string(status_name(o->status)));
  }
  if (!o->quote) return refuse(Code::conflict, "the order has no quote to deliver yet");
  if (parked(*o)) return refuse(Code::conflict, "the order is at another retailer");
  Reply reply;
  reply.order_id = o->id;
  Step s(*o);
  o->delivery = d;
  s.changed = s.publish = true;
  return done(s, std::move(reply));
}

Reply Ledger::status(const std::string& id, const RetailerStatus& st, double now) {
  if (!std::isfinite(now)) return refuse(Code::bad_input, kBadTime);
  Order* o = find_mut(id);
  if (!o && !id.empty()) {
    // A retailer that reuses an id (one that lost its own records) may name a finished order
    // too: the news is for the one still waiting for it.
    // A parked order's id was another retailer's: the same words from this one are not
    // about it.
    for (auto& [oid, x] : orders_) {
      if (x.retailer_order_id == id && !parked(x) && (!o || finished(o->status))) o = &x;
    }
  }
  if (!o) return refuse(Code::not_found, "no order " + id);
  const std::string& k = st.status;
  bool known = k == "placed" || k == "shipped" || k == "out_for_delivery" || k == "delivered" ||
               k == "cancelled" || k == "failed";
  if (!known) return refuse(Code::bad_input, "unknown retailer status '" + bounded(k) + "'");
  if (st.window && !(std::isfinite(st.window->start) && std::isfinite(st.window->end) &&
                     st.window->end >= st.window->start)) {
    return refuse(Code::bad_input, "the delivery window is not valid");
  }
  Reply reply;
  reply.order_id = o->id;
  if (finished(o->status)) return reply;  // a late callback or poll
  if (o->status != OrderStatus::placed && o->status != OrderStatus::shipped) {
    return refuse(Code::conflict, "the order is not placed yet");
  }
  if (st.updated && !std::isfinite(*st.updated)) return refuse(Code::bad_input, kBadTime);
  // Older than a state applied already: a callback replayed (its signature is still good)
  // or overtaken by a newer one. Its window and eta would move the delivery back (and
  // re-issue the trunk's code); its status may only move forward, as any status does.
  // An `updated` far ahead of our clock (milliseconds, a broken clock) is no time at all:
  // kept, it would make every later state look older.
  std::optional<double> updated = st.updated;
  if (updated && *updated > now + kDay) updated.reset();
  const bool stale = updated && o->retailer_updated && *updated < *o->retailer_updated;
  const std::optional<double> updated_before = o->retailer_updated;
  Step s(*o);
  if (updated && !stale && o->retailer_updated != updated) {
    o->retailer_updated = updated;
    s.changed = true;
  }
  // The retailer's stage moves forward only: a replayed `shipped` after `out_for_delivery`
  // (or a poll's answer that crossed a callback) would let the delivery be planned again
  // and the trunk's access be revoked while the carrier is on the way.
  if (!stale && o->retailer_status != k && stage(k) >= stage(o->retailer_status)) {
    o->retailer_status = k;
    s.changed = true;
  }
  if (!stale && st.eta && std::isfinite(*st.eta) && o->eta != st.eta) {
    o->eta = st.eta;
    s.changed = s.publish = true;
  }
  if (!stale && st.window && (!o->delivery || o->delivery->window != st.window)) {
    if (!o->delivery) o->delivery = Delivery{};
    o->delivery->window = st.window;
    s.changed = s.publish = true;
  }
  if ((k == "shipped" || k == "out_for_delivery") && o->status == OrderStatus::placed) {
    set_status(s, OrderStatus::shipped, now);
    event(s, "order_shipped", shipped_text(c_, *o), now);
  } else if (k == "delivered") {
    // The delivery time the model learns: to the retailer's time of the delivery, not to
    // when the hub heard of it (a poll, or a hub that was down, adds its delay). Only an
    // `updated` this state moved counts (not a stale one, nor the time of an earlier state
    // carried over), and the clocks differ: never before the placement or the retailer's
    // last state, never after now. Otherwise now, which errs long (orders come early).
    const double placed = std::min(o->placed_at.value_or(now), now);
    const bool moved = updated && !stale && (!updated_before || *updated > *updated_before);
    const double from = std::max(placed, updated_before.value_or(placed));
    const double at = moved ? std::clamp(*updated, std::min(from, now), now) : now;
    end_delivered(s, /*with_packs=*/true, (at - placed) / kDay, now);
  } else if (k == "cancelled") {
    bool by_user = o->cancel_requested && o->cancelled_by_user;
    end_cancelled(s, by_user,
                  by_user ? our_reason("order.reason.cancelled_at_retailer")
                          : theirs(st.reason, "order.reason.cancelled_by_retailer"),
                  now);
  } else if (k == "failed") {
    // larderd's own words (the order desk's), or the retailer's.
    end_failed(s,
               st.why.id.empty() ? theirs(st.reason, "order.reason.retailer_failed")
                                 : Reason{st.reason, st.why},
               now);
  }
  return done(s, std::move(reply));
}

}  // namespace larder::orders
