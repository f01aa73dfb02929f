#include "app/services.h"

#include <boost/asio/post.hpp>

#include "adapters/alexa/alexa_verifier.h"
#include "adapters/alexa/cert_fetcher_http.h"
#include "adapters/mqtt/mqtt_client.h"
#include "adapters/retailer/retailer_factory.h"
#include "api/access.h"
#include "api/alexa_routes.h"
#include "api/consumable_routes.h"
#include "api/dashboard_routes.h"
#include "api/dashboard_texts.h"
#include "api/delivery_routes.h"
#include "api/order_routes.h"
#include "api/router.h"
#include "api/vacation_routes.h"
#include "app/consumable_view.h"
#include "app/delivery_desk.h"
#include "app/event_log.h"
#include "app/order_desk.h"
#include "app/plugin_host.h"
#include "app/voice_desk.h"
#include "core/hub.h"
#include "grants/grant_book.h"
#include "larder/log.h"
#include "larder/texts.h"
#include "larder/time_zone.h"
#include "plugins/plugins.h"

namespace larder {

namespace asio = boost::asio;

// In the order of construction; destroyed in reverse, so every part outlives its users.
struct Services::Parts {
  explicit Parts(const Config& c) : config(c) {}
  Config config;  // every part refers to this copy
  std::string root_prefix;
  std::unique_ptr<Hub> hub;
  std::unique_ptr<PluginHost> plugins;
  std::unique_ptr<orders::Retailer> retailer;
  std::unique_ptr<OrderDesk> desk;
  std::unique_ptr<grants::GrantBook> grant_book;
  std::unique_ptr<DeliveryDesk> delivery;
  std::unique_ptr<VoiceDesk> voice;
  std::unique_ptr<alexa::HttpCertFetcher> cert_fetcher;
  std::unique_ptr<alexa::AlexaVerifier> alexa_verifier;
  std::unique_ptr<ConsumableView> consumables;
  std::unique_ptr<Router> router;
};

namespace {

Status bug(const Status& s) { return Status::Error("bug: " + s.message()); }

}  // namespace

Result<std::unique_ptr<Services>> Services::build(const Config& config, ServicesEnv env) {
  // A locale whose catalog is missing or incomplete would speak in message ids.
  if (auto texts = Texts::for_locale(config.household.locale); !texts.ok()) {
    return texts.status();
  }
  auto p = std::make_unique<Parts>(config);
  const Config& c = p->config;
  p->root_prefix = c.mqtt.root() + "/";
  p->hub = std::make_unique<Hub>(c, env.events, env.store, env.clock, env.metrics);
  p->plugins = std::make_unique<PluginHost>(*p->hub, env.events, env.clock, env.metrics,
                                            c.mqtt.root());
  for (auto& plugin : plugins::make_plugins(c)) p->plugins->add(std::move(plugin));
  // The retailer's answers come back on the loop; the desk outlives none of them (its
  // callbacks check that it is still there) and the adapter drops what arrives after it.
  if (c.retailer) {
    asio::io_context& loop = env.loop;
    auto made = make_retailer(c, [&loop](std::function<void()> fn) {
      asio::post(loop, std::move(fn));
    });
    if (!made.ok()) return Status::Error("cannot set up the retailer: " + made.status().message());
    p->retailer = std::move(made).value();
  } else {
    log_info("no retailer is configured: larderd forecasts and places no orders");
  }
  p->desk = std::make_unique<OrderDesk>(c, env.random, env.store, env.events, *p->hub,
                                        p->retailer.get(), env.clock, env.metrics);
  p->hub->set_order_actions(p->desk.get());
  // Trunk access: the grants and their audit log in the same database (migration 3).
  grants::GrantOptions grant_options;
  grant_options.max_wrong_codes = c.delivery.max_wrong_codes;
  grant_options.lock_timeout_s = c.delivery.lock_timeout_s;
  grant_options.locale = c.household.locale;
  p->grant_book = std::make_unique<grants::GrantBook>(env.grant_store, env.random,
                                                      env.grant_crypto, grant_options);
  auto zone = TimeZone::load(c.household.timezone);
  if (!zone.ok()) log_warn("delivery patterns use UTC hours: " + zone.status().message());
  p->delivery = std::make_unique<DeliveryDesk>(c, *p->desk, *p->grant_book, p->retailer.get(),
                                               env.events, *p->hub, env.clock, env.metrics,
                                               zone.ok() ? zone.value() : TimeZone::utc());
  p->hub->set_vehicle_actions(p->delivery.get());
  p->voice = std::make_unique<VoiceDesk>(c, *p->hub, *p->desk, *p->plugins, env.events,
                                         env.clock, env.metrics);
  p->voice->set_delivery(p->delivery.get());
  // Alexa's endpoint: the system's trust store (or the configured one) and the real
  // certificate URL, fetched with cpprestsdk; both outlive the router that uses them.
  if (c.voice.alexa) {
    const AlexaConfig& a = *c.voice.alexa;
    auto trust = a.trust_store.empty() ? alexa::TrustStore::system()
                                       : alexa::TrustStore::from_path(a.trust_store);
    if (!trust.ok()) {
      return Status::Error("cannot read the trust store for Alexa: " + trust.status().message());
    }
    asio::io_context& loop = env.loop;
    p->cert_fetcher = std::make_unique<alexa::HttpCertFetcher>(
        [&loop](std::function<void()> fn) { asio::post(loop, std::move(fn)); }, 5.0);
    p->alexa_verifier = std::make_unique<alexa::AlexaVerifier>(
        a.skill_id, std::move(trust).value(), *p->cert_fetcher);
  }

  p->router = std::make_unique<Router>(env.access);
  Router& router = *p->router;
  if (Status s = add_system_routes(router, env.metrics, env.access); !s.ok()) return bug(s);
  if (Status s = add_order_routes(router, *p->desk, c, env.link_key); !s.ok()) return bug(s);
  if (Status s = add_delivery_routes(router, *p->delivery); !s.ok()) return bug(s);
  if (Status s = add_vacation_routes(router, *p->hub); !s.ok()) return bug(s);
  if (Status s = add_dashboard_text_routes(router, c.household); !s.ok()) return bug(s);
  p->consumables = std::make_unique<ConsumableView>(c, *p->hub, env.store, env.clock);
  if (Status s = add_consumable_routes(router, *p->consumables, env.events); !s.ok()) {
    return bug(s);
  }
  if (std::string dir = find_dashboard_dir(); dir.empty()) {
    log_warn("no dashboard files found (set LARDER_DASHBOARD_DIR): the API works without it");
  } else if (Status s = add_dashboard_routes(router, dir); !s.ok()) {
    return Status::Error("cannot serve the dashboard: " + s.message());
  }
  if (p->alexa_verifier) {
    if (Status s = add_alexa_routes(router, *p->alexa_verifier, *p->voice, env.clock,
                                    env.metrics);
        !s.ok()) {
      return bug(s);
    }
  }
  return std::unique_ptr<Services>(new Services(std::move(p)));
}

Services::Services(std::unique_ptr<Parts> parts) : p_(std::move(parts)) {}

Services::~Services() {
  // The users first: the voice desk and the delivery desk unhook themselves from the hub
  // and the order desk in their destructors, so they go before what they hook into.
  p_->router.reset();
  p_->consumables.reset();
  p_->alexa_verifier.reset();
  p_->cert_fetcher.reset();
  p_->hub->set_vehicle_actions(nullptr);
  p_->hub->set_order_actions(nullptr);
  p_->voice.reset();
  p_->delivery.reset();
  p_->grant_book.reset();
  p_->desk.reset();
  p_->retailer.reset();
  p_->plugins.reset();
  p_->hub.reset();
}

Status Services::restore() {
  // The orders first: the hub's first states say which consumables have one in flight.
  if (Status s = p_->desk->restore(); !s.ok()) {
    return Status::Error("cannot read the orders from the store: " + s.message());
  }
  if (Status s = p_->hub->restore(); !s.ok()) {
    return Status::Error("cannot read the store: " + s.message());
  }
  if (Status s = p_->delivery->restore(p_->config.state_dir + "/delivery_patterns.json");
      !s.ok()) {
    return Status::Error("cannot restore the deliveries: " + s.message());
  }
  return Status::Ok();
}

void Services::set_carrier_url(const std::string& served_url) {
  const std::string& configured = p_->config.delivery.carrier_url;
  p_->delivery->set_carrier_url(configured.empty() ? served_url : configured);
}

const Config& Services::config() const { return p_->config; }
Hub& Services::hub() { return *p_->hub; }
Router& Services::router() { return *p_->router; }

std::vector<Subscription> Services::subscriptions() const {
  std::vector<Subscription> out;
  for (const auto& f : p_->hub->subscriptions()) out.push_back({f.filter, f.retained_wanted});
  for (const auto& s : p_->plugins->subscriptions()) out.push_back({s.filter, s.retained_wanted});
  return out;
}

void Services::on_message(const Message& m) {
  // The contract's topics are the hub's; every other topic is a device's.
  const std::string& prefix = p_->root_prefix;
  if (m.topic.compare(0, prefix.size(), prefix) == 0) {
    p_->hub->on_message(m);
  } else if (!p_->plugins->on_message(m)) {
    log_debug("no plugin reads " + m.topic);
  }
}

void Services::connected() {
  // The first connect sends what start-up published; after a reconnect the broker may be
  // one that lost its retained messages (restarted without persistence), so every retained
  // state goes out again rather than waiting for its next change.
  if (connected_before_) {
    p_->hub->republish_retained();
    p_->desk->republish_states();
  }
  connected_before_ = true;
  p_->plugins->connected();
}

void Services::tick() {
  p_->hub->tick();
  p_->plugins->tick();
  p_->desk->tick();
  p_->voice->tick();
  p_->delivery->tick();
}

void Services::persist() {
  p_->hub->persist();
  if (Status s = p_->delivery->save(); !s.ok()) {
    log_error("cannot save the delivery patterns: " + s.message());
  }
}

std::size_t Services::unsaved() const { return p_->grant_book->unsaved(); }

void Services::carry_over(const Services& old) {
  p_->hub->carry_over(*old.p_->hub);
  p_->plugins->carry_over(*old.p_->plugins);
}

std::vector<std::string> Services::reload_conflicts(const Config& next) const {
  std::vector<std::string> out;
  auto in_next = [&next](const std::string& id) -> const ConsumableConfig* {
    for (const auto& c : next.consumables) {
      if (c.id == id) return &c;
    }
    return nullptr;
  };
  // A webhook retailer never tells a status (docs/retailers.md): its sent orders stay
  // placed until a purchase ends them, whatever retailer comes next, and nothing more will
  // come of them to lose. Only what may still be placed or delivered counts.
  auto waiting = [](const orders::Order& o) {
    return !orders::finished(o.status) && (!o.sent || !o.retailer || o.retailer->reports);
  };
  for (const orders::Order* o : p_->desk->ledger().orders()) {
    if (!waiting(*o)) continue;
    for (const auto& item : o->items) {
      if (in_next(item.consumable)) continue;
      out.push_back("consumable '" + item.consumable + "' is removed while its order " + o->id +
                    " is " + std::string(orders::status_name(o->status)) +
                    ": cancel the order, or remove the consumable once it is delivered");
    }
  }
  // The retailer that holds orders: another one would not know them (404 on every poll,
  // and after three the order fails, while the old retailer still delivers it). Its url
  // is not repeated here: the reason goes into an event, and a url may carry a secret. (A
  // start with such orders parks them instead, Ledger::parked: a start cannot be refused
  // without taking the hub down.) Orders parked already, and a webhook's, do not count.
  std::optional<orders::RetailerRef> will;
  if (next.retailer) will = retailer_ref(*next.retailer);
  const orders::Ledger& ledger = p_->desk->ledger();
  int held = 0;
  for (const orders::Order* o : ledger.orders()) {
    held += !ledger.parked(*o) && orders::sent_elsewhere(*o, will) && o->retailer->reports;
  }
  if (held > 0) {
    out.push_back("the retailer changes while " + std::to_string(held) +
                  " order(s) sent to the current one are not finished: change it once they "
                  "are delivered or cancelled");
  }
  for (const auto& c : p_->config.consumables) {
    const ConsumableConfig* n = in_next(c.id);
    const ConsumableState* held = p_->hub->consumable(c.id);
    if (!n || n->unit == c.unit || !held || held->updated <= 0) continue;
    out.push_back("consumable '" + c.id + "' changes its unit from " +
                  std::string(unit_name(c.unit)) + " to " + std::string(unit_name(n->unit)) +
                  ", but its history is in " + std::string(unit_name(c.unit)) +
                  ": keep the unit, or give the consumable a new id to start it afresh");
  }
  return out;
}

}  // namespace larder
