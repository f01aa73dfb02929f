// The ledger's shared steps: driving an order on (tick and every fact end here), its
// status transitions and their effects, retries, and persistence of the whole ledger.
#include <algorithm>
#include <cmath>
#include <limits>
#include <utility>

#include "larder/text.h"
#include "orders/guards.h"
#include "orders/ledger.h"

namespace larder::orders {

using nlohmann::json;

namespace {

constexpr std::size_t kMaxLoadedOrders = 100000;

// A reason into the order: bounded, its words (a retailer's inside larderd's frame) too.
void keep(Reason& r, std::string& text, Why& why) {
  text = utf8_prefix(r.text, kMaxReasonBytes);
  for (auto& [name, value] : r.why.args) value = utf8_prefix(value, kMaxReasonBytes);
  why = std::move(r.why);
}

}  // namespace

// Without a delivery planner (set_delivery_planner): the configured method if offered.
Delivery default_delivery(const OrdersConfig& c, const Quote& q) {
  Delivery d;
  for (const auto& o : q.delivery_options) {
    if (o.method != c.delivery_method) continue;
    d.method = o.method;
    d.reasons = {"the configured delivery method"};
    d.window = o.window;
    return d;
  }
  if (!q.delivery_options.empty()) {
    d.method = q.delivery_options.front().method;
    d.reasons = {c.delivery_method + " is not offered"};
    d.window = q.delivery_options.front().window;
    return d;
  }
  d.method = c.delivery_method;
  d.reasons = {"the retailer offers no choice"};
  return d;
}

// ---- Looking up -----------------------------------------------------------------------

const Order* Ledger::find(std::string_view order_id) const {
  auto it = orders_.find(order_id);
  return it == orders_.end() ? nullptr : &it->second;
}

Order* Ledger::find_mut(std::string_view id) {
  auto it = orders_.find(id);
  return it == orders_.end() ? nullptr : &it->second;
}

std::vector<const Order*> Ledger::orders_in_flight(std::string_view consumable) const {
  std::vector<const Order*> v = orders();
  std::erase_if(v, [&](const Order* o) {
    return finished(o->status) || std::none_of(o->items.begin(), o->items.end(), [&](const Item& i) {
             return i.consumable == consumable;
           });
  });
  return v;
}

const Order* Ledger::in_flight(std::string_view consumable) const {
  const auto flying = orders_in_flight(consumable);
  return flying.empty() ? nullptr : flying.front();
}

std::vector<const Order*> Ledger::orders() const {
  std::vector<const Order*> v = all();
  std::sort(v.begin(), v.end(), [](const Order* a, const Order* b) {
    return a->created != b->created ? a->created > b->created : a->id > b->id;
  });
  return v;
}

std::vector<const Order*> Ledger::all() const {
  std::vector<const Order*> v;
  v.reserve(orders_.size());
  for (const auto& [id, o] : orders_) v.push_back(&o);
  return v;
}

// ---- Replies and effects --------------------------------------------------------------

Reply Ledger::refuse(Code code, const std::string& message) {
  Reply r;
  r.code = code;
  r.status = Status::Error(message);
  return r;
}

void Ledger::flush(Step& s, std::vector<Effect>& out) {
  if (s.changed) out.emplace_back(Persist{s.o.id, save_order(s.o), finished(s.o.status)});
  if (s.publish) out.emplace_back(PublishState{s.o.id, state_json(s.o)});
  for (auto& e : s.out) out.push_back(std::move(e));
  s.out.clear();
  s.changed = s.publish = false;
}

Reply Ledger::done(Step& s, Reply r) {
  flush(s, r.effects);
  prune();
  return r;
}

void Ledger::prune() {
  std::vector<const Order*> ended;
  for (const auto& [id, o] : orders_) {
    if (finished(o.status)) ended.push_back(&o);
  }
  if (ended.size() <= c_.keep_finished) return;
  // Nothing to drop since the last prune (no order finished, none kept for the guards left
  // their horizon): no sort on every tick of a busy month.
  if (ended.size() == pruned_to_ && !(counted_since_ > oldest_counted_)) return;
  std::sort(ended.begin(), ended.end(), [](const Order* a, const Order* b) {
    return a->finished_at != b->finished_at ? *a->finished_at > *b->finished_at : a->id > b->id;
  });
  // The newest keep_finished stay; of the older ones, those the guards still count (the
  // newest kMaxCounted of them), else a busy month would leave its budget unspent.
  std::vector<std::string> drop;
  std::size_t counted = 0;
  oldest_counted_ = std::numeric_limits<double>::infinity();
  for (std::size_t i = c_.keep_finished; i < ended.size(); ++i) {
    const Order& o = *ended[i];
    if (counts_for_guards(o) && *o.committed_at >= counted_since_ && counted < kMaxCounted) {
      ++counted;
      oldest_counted_ = std::min(oldest_counted_, *o.committed_at);
      continue;
    }
    drop.push_back(o.id);
  }
  for (const auto& id : drop) orders_.erase(id);
  pruned_to_ = ended.size() - drop.size();
}

void Ledger::event(Step& s, const char* kind, std::string text, double now) {
  s.out.emplace_back(Event{kind, std::move(text), s.o.id, s.o.consumable(), now});
}

// ---- Transitions ----------------------------------------------------------------------

void Ledger::set_status(Step& s, OrderStatus st, double now) {
  Order& o = s.o;
  o.status = st;
  if (st != OrderStatus::awaiting_confirmation) o.hold_reason.reset();
  if (finished(st)) {
    o.finished_at = now;
    o.pending = Pending::none;
    o.cancel_requested = false;
  }
  s.changed = s.publish = true;
}

void Ledger::hold(Step& s, std::string reason, std::string text, double now) {
  set_status(s, OrderStatus::awaiting_confirmation, now);
  s.o.hold_reason = std::move(reason);
  event(s, "order_awaiting_confirmation", std::move(text), now);
}

void Ledger::end_cancelled(Step& s, bool by_user, Reason reason, double now) {
  Order& o = s.o;
  o.cancelled_by_user = by_user;
  keep(reason, o.reason, o.reason_why);
  set_status(s, OrderStatus::cancelled, now);
  event(s, "order_cancelled", cancelled_text(c_, o), now);
  for (const auto& i : o.items)
    s.out.emplace_back(Cancelled{i.consumable, now, by_user, o.automatic()});
}

void Ledger::end_delivered(Step& s, bool with_packs, double days, double now) {
  Order& o = s.o;
  set_status(s, OrderStatus::delivered, now);
  event(s, "order_delivered", delivered_text(c_, o), now);
  for (const auto& i : o.items)
    s.out.emplace_back(Delivered{i.consumable, with_packs ? i.quantity : 0, days, now});
}

void Ledger::end_failed(Step& s, Reason reason, double now) {
  Order& o = s.o;
  keep(reason, o.reason, o.reason_why);
  set_status(s, OrderStatus::failed, now);
  event(s, "order_failed", failed_text(c_, o), now);
  for (const auto& i : o.items)
    s.out.emplace_back(Cancelled{i.consumable, now, false, o.automatic()});
}

// ---- Driving an order on --------------------------------------------------------------

void Ledger::take_quote(Step& s, const Quote& q, double now) {
  Order& o = s.o;
  s.changed = true;
  if (auto refused = check_quote(o, q)) {
    end_failed(s, std::move(*refused), now);
    return;
  }
  if (q.expires_at && now >= *q.expires_at) {
    retry_later(s, now, our_reason("order.reason.quote_expired"));
    return;
  }
  bool first = !o.quote;
  o.quote = q;
  o.retailer = c_.retailer;
  o.quote_margin.reset();
  if (q.expires_at) o.quote_margin = std::min(c_.quote_margin_s, (*q.expires_at - now) / 2);
  o.delivery = planner_ ? planner_(o, q, now) : default_delivery(c_, q);
  o.attempts = 0;
  o.retry_at = 0;
  s.publish = true;
  if (o.status == OrderStatus::held) {
    if (auto h = check_guards(c_, o, all(), now)) hold(s, h->reason, h->text, now);
  } else if (o.status == OrderStatus::awaiting_confirmation && first &&
             (o.hold_reason == "voice" || o.hold_reason == "confirmation")) {
    event(s, "order_awaiting_confirmation", ask_text(c_, o), now);
  }
}

void Ledger::drive(Step& s, double now) {
  Order& o = s.o;
  if (finished(o.status)) return;
  if (o.pending != Pending::none) {
    if (now - o.pending_since < c_.request_timeout_s) return;
    if (o.pending == Pending::place) o.maybe_held = true;
    o.pending = Pending::none;
    retry_later(s, now, our_reason("order.reason.no_answer"));
    return;
  }
  switch (o.status) {
    case OrderStatus::held:
      if (now < o.held_until) {
        ensure_quote(s, now);
        return;
      }
      set_status(s, OrderStatus::placing, now);
      place_step(s, now);
      return;
    case OrderStatus::awaiting_confirmation:
      // The price for the question; a quote that expires while the user thinks is taken
      // again after the confirmation, not over and over before it.
      if (!o.quote) ensure_quote(s, now);
      return;
    case OrderStatus::placing:
      if (!parked(o)) place_step(s, now);  // never with another retailer's quote
      return;
    case OrderStatus::placed:
    case OrderStatus::shipped:
      if (parked(o)) return;  // the retailer configured now does not know it
      if (o.cancel_requested && now >= o.retry_at) issue_cancel(s, now);
      // A retailer that tells no deliveries is not asked (its orders end by a purchase).
      if (now >= o.next_poll && (!o.retailer || o.retailer->reports)) {
        s.out.emplace_back(PollStatus{o.id, o.retailer_order_id});
        o.next_poll = now + c_.poll_interval_s;
      }
      return;
    default:
      return;
  }
}

void Ledger::place_step(Step& s, double now) {
  Order& o = s.o;
  if (o.pending != Pending::none) return;
  if (o.sent) {
    if (now >= o.retry_at) issue_place(s, now);
    return;
  }
  if (!o.quote || !fresh(o, now)) {
    ensure_quote(s, now);
    return;
  }
  if (auto h = check_guards(c_, o, all(), now)) {
    hold(s, h->reason, h->text, now);
    return;
  }
  o.sent = true;
  o.committed_at = now;
  issue_place(s, now);
}

void Ledger::ensure_quote(Step& s, double now) {
  if (s.o.pending != Pending::none || now < s.o.retry_at) return;
  if (s.o.quote && fresh(s.o, now)) return;
  issue_quote(s, now);
}

void Ledger::issue_quote(Step& s, double now) {
  Order& o = s.o;
  ++o.attempts;
  o.pending = Pending::quote;
  o.pending_since = now;
  s.changed = true;
  s.out.emplace_back(RequestQuote{o.id, o.items, ++o.quote_request});
}

void Ledger::issue_place(Step& s, double now) {
  Order& o = s.o;
  ++o.attempts;
  o.pending = Pending::place;
  o.pending_since = now;
  s.changed = true;  // the attempt is committed before it is made
  const std::string method = o.delivery ? o.delivery->method : c_.delivery_method;
  std::optional<Window> window = o.delivery ? o.delivery->window : std::nullopt;
  s.out.emplace_back(
      PlaceOrder{o.id, o.quote->quote_id, o.idempotency_key, method, window, o.attempts});
}

void Ledger::issue_cancel(Step& s, double now) {
  Order& o = s.o;
  if (o.pending != Pending::none) return;
  ++o.attempts;
  o.pending = Pending::cancel;
  o.pending_since = now;
  s.changed = true;
  s.out.emplace_back(CancelAtRetailer{o.id, o.retailer_order_id});
}

void Ledger::retry_later(Step& s, double now, Reason error) {
  s.o.retry_at = now + backoff(s.o.attempts);
  keep(error, s.o.last_error, s.o.last_error_why);
  s.changed = true;
}

double Ledger::backoff(int attempts) {
  int n = std::clamp(attempts, 1, 60);
  double cap = std::min(c_.backoff_max_s, c_.backoff_initial_s * std::ldexp(1.0, n - 1));
  // Full jitter spreads the retries of many clients; without randomness, the full delay.
  return cap * uniform01(random_).value_or(1.0);
}

bool Ledger::fresh(const Order& o, double now) const {
  const Quote& q = *o.quote;
  return !q.expires_at || now < *q.expires_at - o.quote_margin.value_or(c_.quote_margin_s);
}

// ---- Persistence ----------------------------------------------------------------------

json Ledger::save() const {
  json orders = json::array();
  for (const auto& [id, o] : orders_) orders.push_back(save_order(o));
  return {{"version", 1}, {"orders", std::move(orders)}};
}

Status Ledger::load(const json& j) {
  if (!j.is_object()) return Status::Error("saved orders: not an object");
  auto v = j.find("version");
  if (v == j.end() || !v->is_number_integer() || v->get<long long>() != 1) {
    return Status::Error("saved orders: version is not 1");
  }
  auto list = j.find("orders");
  if (list == j.end() || !list->is_array() || list->size() > kMaxLoadedOrders) {
    return Status::Error("saved orders: orders is not an array of at most " +
                         std::to_string(kMaxLoadedOrders) + " orders");
  }
  std::map<std::string, Order, std::less<>> loaded;
  for (const auto& e : *list) {
    auto o = load_order(e);
    if (!o.ok()) return Status::Error("saved orders: " + o.status().message());
    std::string id = o->id;
    if (!loaded.emplace(id, std::move(o.value())).second) {
      return Status::Error("saved orders: order " + id + " appears twice");
    }
  }
  // The retailer each order belongs to (load() in ledger.h). An order quoted before orders
  // recorded it is the configured retailer's, as every version before assumed.
  std::vector<std::string> rewritten;
  for (auto& [id, o] : loaded) {
    if (o.retailer && c_.retailer && !finished(o.status) &&
        o.retailer->url_hash != c_.retailer->url_hash && o.retailer->same(*c_.retailer)) {
      // Recorded of the url as written (before the normal form): now of its normal form, so
      // that another spelling of it later is the same retailer too.
      o.retailer->url_hash = c_.retailer->url_hash;
      rewritten.push_back(id);
    }
    if (!o.retailer && o.quote && c_.retailer && !finished(o.status)) {
      o.retailer = c_.retailer;
      rewritten.push_back(id);
    } else if (o.cancel_requested && sent_elsewhere(o, c_.retailer)) {
      // Parked: the cancel asked of the other retailer cannot be asked any more. The order
      // shows none waiting, so a cancel (the dashboard's too) ends it here.
      o.cancel_requested = false;
      rewritten.push_back(id);
    } else if (!finished(o.status) && !o.sent && o.retailer && c_.retailer &&
               !o.retailer->same(*c_.retailer)) {
      quote_again(o);
      rewritten.push_back(id);
    }
  }
  // Nothing is in the air after a restart (pending is never saved): the next tick asks
  // again what was asked, a place with the key it was committed with. A place committed
  // may have gone out before the stop, its answer lost with it.
  for (auto& [id, o] : loaded) {
    if (o.sent && o.status == OrderStatus::placing) o.maybe_held = true;
  }
  orders_ = std::move(loaded);
  rewritten_ = std::move(rewritten);
  pruned_to_ = kNotPruned;
  prune();
  return Status::Ok();
}

std::vector<Persist> Ledger::rewritten() {
  std::vector<Persist> out;
  for (const std::string& id : rewritten_) {
    const Order* o = find(id);
    if (o) out.push_back(Persist{o->id, save_order(*o), finished(o->status)});  // not pruned
  }
  rewritten_.clear();
  return out;
}

// The quote of another retailer goes, with the holds overridden on it and the delivery
// chosen from its options. A price a person said yes to stays: the new quote is placed
// without asking only at that price or below (the guard price_changed). A question a guard
// asked on the old price is asked again on the new quote (held, whose undo window is over,
// checks the guards first); one the source asks first (voice, confirmation) still waits.
void Ledger::quote_again(Order& o) {
  o.quote.reset();
  o.retailer.reset();
  o.delivery.reset();
  o.overrides.clear();
  o.attempts = 0;
  o.retry_at = 0;
  if (o.status == OrderStatus::awaiting_confirmation && o.hold_reason != "voice" &&
      o.hold_reason != "confirmation") {
    o.status = OrderStatus::held;
    o.hold_reason.reset();
  }
}

}  // namespace larder::orders
