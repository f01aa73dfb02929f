// The order desk: the household's ledger (orders/ledger.h) with its effects carried out.
//
// Every source of orders reaches the one ledger through this class: the consumption
// model's decisions (looked at on every tick), buttons (Hub::OrderActions), the HTTP API
// (api/order_routes.h), voice (app/voice_desk.h) and, later, the CLI. The desk runs the
// ledger's effects in the order given:
//   - Persist: Store::save_order, committed before anything after it runs. When the commit
//     fails, the retailer calls of that order in the same reply are not made (an order the
//     store does not have is never sent): the ledger times the step out and asks again;
//   - RequestQuote, PlaceOrder, CancelAtRetailer, PollStatus: the Retailer port, whose
//     answers come back on the event loop and go into the ledger as facts;
//   - PublishState: retained on <root>/order/<order_id>/state; Event: <root>/event;
//   - Placed, Delivered, Cancelled: the consumable's model, through the hub.
// An automatic order that failed (not cancelled by a user) is not asked for again for
// that consumable before `failure_pause_s` has passed: a retailer that refuses an sku would
// otherwise be asked every tick. Each further failure in a row doubles the pause, up to a
// day (`failure_pause_max_s`), so a sku the retailer no longer sells is asked for once a
// day, not 24 times; the streak is read from the ledger's orders, so it holds across a
// restart.
// Without a retailer in the configuration the desk still lists the stored orders, and
// refuses new ones (409, "no retailer is configured"); the model's decisions order nothing.
// Thread rule: event-loop thread only. Retailer answers come back on it (the port's rule);
// answers that arrive after the desk is gone are dropped.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/hub.h"
#include "larder/bus.h"
#include "larder/clock.h"
#include "larder/config.h"
#include "larder/metrics.h"
#include "larder/store.h"
#include "orders/ledger.h"
#include "orders/random.h"
#include "orders/retailer.h"

namespace larder {

struct OrderDeskOptions {
  double failure_pause_s = 3600;  // after an automatic order failed, before the next;
                                  // doubled for each further failure in a row
  double failure_pause_max_s = 86400;  // the longest such pause
};

class OrderDesk final : public OrderActions {
 public:
  OrderDesk(const Config& config, orders::Random& random, Store& store, Bus& bus, Hub& hub,
            orders::Retailer* retailer, const Clock& clock, Metrics& metrics,
            OrderDeskOptions options = {});
  ~OrderDesk() override;
  OrderDesk(const OrderDesk&) = delete;
  OrderDesk& operator=(const OrderDesk&) = delete;

  // Loads the orders from the store and publishes their states (retained). An order that
  // was `placing` when the daemon stopped is asked again, with its key, at the next tick.
  Status restore();

  // The commands, answered by the ledger's reply (its effects already carried out).
  orders::Reply request(const orders::Request& r);
  orders::Reply cancel(const std::string& order_id, bool by_user);
  orders::Reply confirm(const std::string& order_id);
  // The retailer's status of an order, from its signed callback (by the retailer's id).
  orders::Reply retailer_status(const std::string& retailer_order_id,
                                const orders::RetailerStatus& s);
  // The ledger's timers, then the consumption model's decisions: every consumable whose
  // model wants an order and has none in flight gets one (source `sensor`).
  void tick();
  // Publishes every known order's retained state again (after a reconnect: see
  // Hub::republish_retained).
  void republish_states();

  // Hub::OrderActions: what a button's reorder, confirm or cancel press does.
  void button(const std::string& button_id, const std::string& consumable, ButtonEffect effect,
              double ts) override;
  // OrderActions: an order for the consumable is in flight, not waiting for the user's
  // confirmation (held in its undo window, placing, placed, shipped).
  bool in_flight(const std::string& consumable) const override;
  // OrderActions: a purchase ends the order of a retailer that reports no delivery, or
  // of one no longer configured (Ledger::bought).
  void purchased(const std::string& consumable, const Reading& purchase) override;

  // A request for one pack (or `quantity`) of a configured consumable, with the
  // companions the configuration allows; nullopt for an unknown consumable.
  std::optional<orders::Request> make_request(const std::string& consumable, int quantity,
                                              orders::Source source, bool explicit_quantity) const;

  const orders::Ledger& ledger() const { return ledger_; }
  // Until when the model's orders of `consumable` wait after an automatic order failed
  // (failure_pause(): an hour, doubled for each failure in a row), if they do.
  std::optional<double> paused_until(std::string_view consumable) const {
    auto it = paused_until_.find(consumable);
    if (it == paused_until_.end() || it->second <= now()) return std::nullopt;
    return it->second;
  }

  // The delivery changed after the quote (app/delivery_desk.h): the ledger's change_delivery,
  // its effects carried out.
  orders::Reply change_delivery(const std::string& order_id, const orders::Delivery& d);
  // The hub saw the carrier deliver into the trunk (the trunk locked again after a use):
  // the order is delivered, as if the retailer had said so.
  orders::Reply delivered_by_trunk(const std::string& order_id);
  // The planner the ledger asks for each quote's delivery (app/delivery_desk.h); null: the
  // ledger's default_delivery. Either way a trunk delivery gets its car from the
  // configuration then, and keeps it for every PlaceOrder (orders::Delivery::vehicle).
  void set_delivery_planner(orders::DeliveryPlanner planner);

  // Told the id of every order whose state changed (published) or that had an event, after
  // the effects of the reply ran (the voice conversation and the delivery desk wait on
  // orders this way). Listeners are named, called in name order; a null one is removed.
  // A listener may call the desk's commands.
  void set_listener(const std::string& name,
                    std::function<void(const std::string& order_id)> listener) {
    if (listener) {
      listeners_[name] = std::move(listener);
    } else {
      listeners_.erase(name);
    }
  }

 private:
  // Tells the hub, for each consumable of the orders the reply changed, in_flight().
  void tell_in_flight(const orders::Reply& reply);
  void run(const orders::Reply& reply);
  void count_statuses();  // the gauge larder_orders_by_status
  void run_effect(const orders::Effect& e);
  void answer(const orders::Reply& reply);  // a fact's reply: run it, log a refusal
  // The consumable's failed automatic orders in a row: its finished orders newest first,
  // back to one the retailer accepted, passing over manual ones that never reached it, and
  // stopping at a gap of more than twice failure_pause_max_s.
  int failure_streak(const std::string& consumable) const;
  // The pause after the consumable's last automatic order failed: failure_pause_s, doubled
  // for each further failure of the streak, at most failure_pause_max_s.
  double failure_pause(const std::string& consumable) const;
  double now() const { return clock_.now(); }

  const Config& config_;
  Store& store_;
  Bus& bus_;
  Hub& hub_;
  orders::Retailer* retailer_;  // null: none configured
  const Clock& clock_;
  Metrics& metrics_;
  OrderDeskOptions options_;
  orders::Ledger ledger_;
  std::string root_;
  std::map<std::string, double, std::less<>> paused_until_;  // consumable -> time
  // Polls in a row the retailer answered that it has no such order: order id -> count.
  std::map<std::string, int, std::less<>> unknown_polls_;
  std::map<std::string, std::function<void(const std::string&)>> listeners_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace larder
