// Everything larderd builds from its configuration: the hub and its plugins, the retailer,
// the order, delivery and voice desks, the grant book, Alexa's verifier and the router with
// every route. One Services is the running hub; a reload (SIGHUP, app/reload.h) builds a new
// one from the new configuration and drops the old one.
//
// What outlives a Services belongs to the process, not to a configuration (daemon.cc): the
// event loop, the store and the grant store, the MQTT client and its connection, the event
// log, the HTTP server and the signed-in sessions (Access). A Services refers to them.
//
// Lifecycle: build() makes the parts and wires them without touching the store or MQTT, so
// a build that fails (a retailer or a trust store that cannot be set up) leaves the running
// hub as it was. restore() then reads the store: consumables (and their models, relearning
// the readings after their checkpoint), orders, grants and delivery patterns. Before a
// Services is dropped everything it holds must be in the store (unsaved() == 0 after a
// flush); answers that arrive after it is gone (the retailer's, Alexa's certificates) are
// dropped by their adapters, and the next Services asks again where a step was open, as
// after a restart (orders are idempotent at the retailer, docs/orders.md).
// Thread rule: event-loop thread only.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>

#include "larder/config.h"
#include "larder/status.h"

namespace larder {

class Access;
class Clock;
class EventLog;
class Hub;
class Metrics;
class Router;
class Store;
struct Message;
struct Subscription;
namespace grants {
class GrantStore;
class GrantCrypto;
}  // namespace grants
namespace orders {
class Random;
}

// The process's parts a Services uses; all outlive it.
struct ServicesEnv {
  boost::asio::io_context& loop;
  const Clock& clock;
  Metrics& metrics;
  EventLog& events;  // in front of the MQTT client: everything published goes through it
  Store& store;
  grants::GrantStore& grant_store;
  grants::GrantCrypto& grant_crypto;
  orders::Random& random;
  Access& access;
  // The key of the notifications' one-purpose order links (api/order_links.h); empty: none.
  const std::string& link_key;
};

class Services {
 public:
  // Builds the parts for `config` (copied: the parts refer to this copy). An error names
  // what could not be set up; nothing else is changed then.
  static Result<std::unique_ptr<Services>> build(const Config& config, ServicesEnv env);
  ~Services();
  Services(const Services&) = delete;
  Services& operator=(const Services&) = delete;

  // Where the carrier reaches the hub: `delivery.carrier_url` when configured, else
  // `served_url` (the address the HTTP server listens on).
  void set_carrier_url(const std::string& served_url);
  // Reads what the store holds (see above). `state_dir` holds delivery_patterns.json.
  Status restore();

  const Config& config() const;
  Hub& hub();
  Router& router();
  // The filters of the hub and of the plugins.
  std::vector<Subscription> subscriptions() const;
  // A message from the broker: the contract's topics to the hub, others to the plugins.
  void on_message(const Message& m);
  void connected();  // the MQTT connection is (again) up
  void tick();       // every tick_interval: the hub, plugins, desks
  // Checkpoints the models and saves the delivery patterns (the store's flush follows).
  void persist();
  // Grants and audit entries not yet in the store; with the store's pending(), what a
  // Services would lose if dropped now.
  std::size_t unsaved() const;
  // Why `next` may not replace this configuration by a reload, one sentence each (empty:
  // it may): a consumable removed while an order of it is in flight (a held order would
  // still be placed, the delivery's packs dropped), one whose unit changes while the hub
  // holds its history (stored in the old unit, it would be read in the new one), or the
  // retailer (kind or url) changed while orders are at the old one.
  std::vector<std::string> reload_conflicts(const Config& next) const;
  // Takes over what `old` (the Services a reload replaces) knows and stores nowhere: where
  // the car is and who is home (Hub::carry_over), and which devices are offline
  // (PluginHost::carry_over).
  void carry_over(const Services& old);

 private:
  struct Parts;
  explicit Services(std::unique_ptr<Parts> parts);
  std::unique_ptr<Parts> p_;
  bool connected_before_ = false;  // connected() was called before (a reconnect follows)
};

}  // namespace larder
