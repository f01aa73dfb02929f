// The delivery desk: trunk or doorstep for each order, and the trunk's one-time access.
//
// It joins the pure parts (delivery/decision.h, delivery/outlook.h, grants/grant_book.h)
// to the order desk, the retailer, the vehicle and the bus (docs/delivery.md):
//   - Learning: every accepted location of the delivery car (Hub::VehicleActions) teaches
//     the parking pattern (which allowed place, elsewhere, or moving, by local hour of the
//     week); every presence message teaches the presence pattern (someone home or nobody).
//     Both are saved in <state_dir>/delivery_patterns.json by save() (the daemon's flush
//     timer) and read back by restore(), so a restart does not forget the car's habits.
//   - Deciding: the ledger asks plan() for each quote's delivery; the answer carries the
//     reasons, published with the order's state. An order placed for the trunk is looked at
//     again whenever the car moves or parks outside its place before the window begins:
//     if the car is no longer very likely there for the whole window the delivery becomes
//     doorstep, the retailer is told (PUT .../delivery) and `delivery_replanned` is sent.
//   - Access: once a trunk order has shipped, a grant is issued and its code goes to the
//     retailer's carrier in PUT .../delivery (never over MQTT, never logged). If the retailer
//     refuses, the delivery becomes doorstep; a retryable failure issues a new grant (with a
//     new code) at a later tick, since the code of the failed one is not kept. The grant
//     records the retailer's yes (Grant::handed): after a crash before it, the code may never
//     have reached the carrier, so restore() has a new grant issued at the first tick.
//   - The carrier API (api/delivery_routes.h) asks carrier_view() and carrier_unlock(); the
//     vehicle's trunk reports and the grant book's timers do the rest: unlock_trunk and lock
//     commands go to <root>/vehicle/<id>/command, events to <root>/event, and a trunk locked
//     again after a use marks the order delivered.
//   - The user revokes access (API, CLI, voice): the grant dies, and an order not yet out for
//     delivery goes to the doorstep.
// Thread rule: event-loop thread only; retailer answers come back on it and are dropped if
// they arrive after the desk is gone.
#pragma once

#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "app/order_desk.h"
#include "core/hub.h"
#include "delivery/decision.h"
#include "delivery/geo.h"
#include "delivery/outlook.h"
#include "delivery/weekly_pattern.h"
#include "grants/grant_book.h"
#include "larder/bus.h"
#include "larder/clock.h"
#include "larder/config.h"
#include "larder/metrics.h"
#include "larder/time_zone.h"
#include "orders/retailer.h"

namespace larder {

struct DeliveryDeskOptions {
  // After a retryable failure to hand the code to the retailer, the next try (a new grant:
  // a grant_issued and an access_revoked event, two audit rows) comes access_retry_s later,
  // doubled after each failure in a row up to access_retry_max_s: an outage of hours costs
  // a few tries an hour, not one a minute. Before the window, at most half the time left
  // before it (at least access_retry_s); in the window, at most access_retry_in_window_s and
  // half the time it has left (at least access_retry_s).
  double access_retry_s = 60;
  double access_retry_max_s = 900;
  double access_retry_in_window_s = 300;
  double car_stale_s = 900;      // an older car report is no proof of where the car is
  // A person's presence up to this much behind the last observation of the household (a
  // clock behind, no ts after one stamped ahead: the hub's max_future_skew) counts from that
  // observation on; an older one (a retained report after a restart, a phone's late queue)
  // sets the household's state from now, and the time since the last one counts for none.
  double presence_behind_s = 300;
  // The carrier API answers 429 to everyone once this many requests were refused within
  // the window: a guesser of order ids or codes cannot fill the audit log or try many.
  int carrier_max_refusals = 30;
  double carrier_refusal_window_s = 60;
};

class DeliveryDesk final : public VehicleActions {
 public:
  DeliveryDesk(const Config& config, OrderDesk& orders, grants::GrantBook& grants,
               orders::Retailer* retailer, Bus& bus, Hub& hub, const Clock& clock,
               Metrics& metrics, const TimeZone& tz, DeliveryDeskOptions options = {});
  ~DeliveryDesk() override;
  DeliveryDesk(const DeliveryDesk&) = delete;
  DeliveryDesk& operator=(const DeliveryDesk&) = delete;

  // Restores the grants (their store's error is this call's), then reads the learned
  // patterns from `patterns_path`: a missing file means nothing learned yet; one that cannot
  // be read or parsed, or was learned for other places, is logged and learning starts
  // again. Orders already placed are not announced again. A shipped trunk order whose live
  // grant the retailer never confirmed gets a new grant (and code) at the first tick.
  Status restore(const std::string& patterns_path);
  // The two patterns of a saved patterns file `j` (save()'s form), each read on its own:
  // parking over `places` places and two more (elsewhere, moving), presence over two.
  struct SavedPatterns {
    Result<delivery::WeeklyPattern> parking;
    Result<delivery::WeeklyPattern> presence;
  };
  static SavedPatterns read_patterns(const nlohmann::json& j, std::size_t places,
                                     const TimeZone& zone);
  // Writes the patterns when they changed since the last save.
  Status save();
  // The hub's address for carriers (scheme://host:port[/prefix]); the carrier API of an
  // order is <url>/api/v1/carrier/deliveries/<order_id>.
  void set_carrier_url(std::string url) { carrier_url_ = std::move(url); }

  // The ledger's planner (orders::DeliveryPlanner).
  orders::Delivery plan(const orders::Order& order, const orders::Quote& quote, double now) const;

  // Hub::VehicleActions.
  void location(const contract::LocationInput& in, double ts) override;
  void trunk(const contract::TrunkInput& in, double ts) override;
  void presence(const contract::PresenceInput& in, double ts) override;

  // The grant book's timers, and handing out access that is due.
  void tick();

  // The carrier API: the verdict, and on ok the answer's body.
  struct CarrierAnswer {
    grants::Verdict verdict = grants::Verdict::no_grant;
    nlohmann::json body;
    std::optional<double> throttled_for;  // set: too many refusals; nothing was checked
  };
  CarrierAnswer carrier_view(const std::string& order_id, std::string_view code);
  CarrierAnswer carrier_unlock(const std::string& order_id, std::string_view code);

  // The user revokes trunk access for one order: its grant dies, and the delivery goes to
  // the doorstep if it is not out for delivery yet. `by` says who (api, cli, voice).
  // Refused: an unknown or finished order (not_found, conflict), an order not for the trunk.
  orders::Reply revoke(const std::string& order_id, const std::string& by);
  // Every order in flight for the trunk; the number revoked.
  int revoke_all(const std::string& by);

  // GET /api/v1/deliveries: every order with a delivery, newest first: the method, window,
  // reasons, place and the grant's state (never its code).
  nlohmann::json deliveries() const;
  // GET /api/v1/audit: the audit log and whether its chain verifies.
  nlohmann::json audit() const;

  const delivery::WeeklyPattern& parking() const { return parking_; }
  const delivery::WeeklyPattern& presence_pattern() const { return presence_; }

 private:
  void on_order(const std::string& order_id);  // the order desk's listener
  void run(grants::Effects& fx);
  void give_access(const orders::Order& o);
  // The next try after a failure to give access, with the backoff; its delay in seconds,
  // or nullopt when the window ends before it (no further try).
  std::optional<double> retry_access_later(const orders::Order& o);
  // The wait before the next try after `failures` failed tries in a row, now, by the rule
  // of DeliveryDeskOptions::access_retry_* (the backoff, held to the order's window).
  double access_wait(const orders::Order& o, int failures) const;
  // The next try to give `o` access, at `when`, for the window it has now.
  void access_at(const orders::Order& o, double when);
  // A finished order's live grant dies: delivered (order_delivered), cancelled
  // (order_cancelled) or failed (order_failed). Only a delivered order's grant whose code
  // already opened the trunk stays, to follow the trunk to its lock. Called when the order
  // finishes and again before the carrier API checks a code, so that no code of a finished
  // order is ever admitted.
  void end_finished_access(const orders::Order& o);
  // Whether a shipped trunk order may get a (new) grant: none was issued yet, the last was
  // replaced by a new code (replanned), or its window ended unused and the retailer set a
  // new one.
  // A grant ended by the household, by too many wrong codes or by the car leaving is never
  // replaced: that would undo the revocation.
  bool may_issue(const orders::Order& o) const;
  // After a grant of `order_id` ended for good: the order goes to the doorstep, with the
  // retailer told, while that can still change (changeable()).
  void access_ended(const std::string& order_id);
  void to_doorstep(const orders::Order& o, std::vector<std::string> reasons,
                   const std::string& event_text);
  void replan_after_move(double now);
  // Whether the carrier API is throttled now for `order_id` (and for how long), and
  // counting a refusal. Refusals are counted per order that has a grant, and together for
  // all ids without one: guesses at unknown ids never hold up the carrier of a real order
  // (whose wrong codes end in the lockout anyway).
  std::string throttle_key(const std::string& order_id) const;
  std::optional<double> carrier_throttled(const std::string& key, double now);
  void carrier_refused(const std::string& key, const CarrierAnswer& a, double now);
  void publish_event(const std::string& kind, const std::string& text,
                     const std::string& order_id);
  std::optional<delivery::CarNow> car_now(double now) const;
  std::optional<bool> someone_home_now() const;
  const delivery::Place* place_named(const std::optional<std::string>& name) const;
  std::size_t parking_state(const delivery::CarNow& car) const;
  double now() const { return clock_.now(); }
  // Not yet in the carrier's hands, and at the retailer configured now (not parked by the
  // ledger): the delivery can still change.
  bool changeable(const orders::Order& o) const;
  static bool for_trunk(const orders::Order& o);

  const Config& config_;
  OrderDesk& orders_;
  grants::GrantBook& grants_;
  orders::Retailer* retailer_;
  Bus& bus_;
  Hub& hub_;
  const Clock& clock_;
  Metrics& metrics_;
  DeliveryDeskOptions options_;
  std::string root_;
  std::string carrier_url_;
  std::vector<delivery::Place> places_;
  delivery::WeeklyPattern parking_;   // states: places..., elsewhere, moving
  delivery::WeeklyPattern presence_;  // states: 0 nobody home, 1 someone home
  std::string patterns_path_;
  bool dirty_ = false;
  std::set<std::string> announced_;             // orders whose delivery_planned went out
  // When to (re)try giving an order its trunk access, and the window that time was worked
  // out for (a wait for a window the retailer has moved since is not waited out).
  struct AccessDue {
    double at = 0;
    std::optional<orders::Window> window;
  };
  std::map<std::string, AccessDue> access_due_;
  std::set<std::string> access_in_air_;         // a PUT .../delivery with a code is out
  std::map<std::string, int> access_failures_;  // order -> failed tries in a row
  // Orders whose tries stopped at their window's end, and that window: only a new one
  // starts them anew. Kept in memory only, as the waits are (a restart tries once more).
  std::map<std::string, std::optional<orders::Window>> access_stopped_;
  // Times of the carrier API's refusals by throttle_key(); a key goes when its times do.
  std::map<std::string, std::deque<double>> carrier_refusals_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace larder
