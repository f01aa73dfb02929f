#include "app/daemon.h"

#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <functional>
#include <memory>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <nlohmann/json.hpp>

#include "adapters/alexa/alexa_verifier.h"
#include "adapters/alexa/cert_fetcher_http.h"
#include "adapters/crypto/grant_crypto.h"
#include "adapters/crypto/os_random.h"
#include "adapters/fs/lock_file.h"
#include "adapters/http/http_server.h"
#include "adapters/mqtt/mqtt_client.h"
#include "adapters/retailer/retailer_factory.h"
#include "adapters/store/sqlite_grants.h"
#include "adapters/store/sqlite_store.h"
#include "adapters/systemd/notify.h"
#include "api/access.h"
#include "api/alexa_routes.h"
#include "api/consumable_routes.h"
#include "api/dashboard_routes.h"
#include "api/delivery_routes.h"
#include "api/order_routes.h"
#include "api/router.h"
#include "app/consumable_view.h"
#include "app/delivery_desk.h"
#include "app/event_log.h"
#include "app/order_desk.h"
#include "app/plugin_host.h"
#include "app/voice_desk.h"
#include "core/hub.h"
#include "larder/clock.h"
#include "larder/log.h"
#include "larder/texts.h"
#include "larder/time_zone.h"
#include "plugins/plugins.h"
#include "larder/metrics.h"

namespace larder {
namespace {

namespace asio = boost::asio;
using Seconds = std::chrono::duration<double>;

// A repeating timer on the loop: calls `fn` every `interval` until cancelled.
class Every {
 public:
  Every(asio::io_context& loop, Seconds interval, std::function<void()> fn)
      : timer_(loop), interval_(std::chrono::duration_cast<asio::steady_timer::duration>(interval)),
        fn_(std::move(fn)) {
    arm();
  }
  void cancel() { timer_.cancel(); }

 private:
  void arm() {
    timer_.expires_after(interval_);
    timer_.async_wait([this](const boost::system::error_code& ec) {
      if (ec) return;
      fn_();
      arm();
    });
  }
  asio::steady_timer timer_;
  asio::steady_timer::duration interval_;
  std::function<void()> fn_;
};

std::vector<Subscription> to_subscriptions(const std::vector<contract::Filter>& filters) {
  std::vector<Subscription> out;
  out.reserve(filters.size());
  for (const auto& f : filters) out.push_back({f.filter, f.retained_wanted});
  return out;
}

}  // namespace

int run_daemon(const Config& config, DaemonOptions options) {
  auto started = std::chrono::steady_clock::now();
  // A file size limit (RLIMIT_FSIZE, systemd's LimitFSIZE=) is a full disk to the store: a
  // write past it must fail with EFBIG, which the store reports, not kill the daemon.
  std::signal(SIGXFSZ, SIG_IGN);
  // The words of every answer and event: household.locale's catalog, checked against
  // English. Without one larderd would speak in message ids, so it does not start.
  if (auto texts = Texts::for_locale(config.household.locale); !texts.ok()) {
    log_error("cannot start: " + texts.status().message());
    return 1;
  } else {
    log_info("answers and events in " + (*texts)->language() + " (household.locale " +
             config.household.locale + ")");
  }
  asio::io_context loop(1);
  SystemClock clock;
  Metrics metrics;
  SystemdNotifier notifier;

  // A state directory on a read-only file system (a read-only mount, a file system the
  // kernel remounted read-only after errors): larderd runs on what the database holds,
  // serves it, keeps new readings in memory and reports every commit as failing, rather
  // than not running at all (docs/faults.md). Restart it once the directory is writable.
  const bool read_only_dir =
      ::access(config.state_dir.c_str(), W_OK) != 0 && errno == EROFS;
  SqliteStoreOptions store_options;
  store_options.read_only = read_only_dir;
  auto store = open_sqlite_store(config.state_dir, metrics, store_options);
  if (!store.ok()) {
    log_error("cannot open the store: " + store.status().message());
    return 1;
  }
  // The store made the directory; migrations are safe against a second process, but
  // running on is not. A read-only store cannot be harmed by a second larderd.
  Result<std::unique_ptr<LockFile>> lock = Status::Error("not locked");
  if (read_only_dir) {
    log_error("the state directory " + config.state_dir + " is on a read-only file system: "
              "serving what the store holds, saving nothing until larderd is restarted on a "
              "writable one");
  } else {
    lock = LockFile::acquire(config.state_dir);
    if (!lock.ok()) {
      log_error(lock.status().message());
      return 1;
    }
  }
  MqttClient mqtt(loop, config.mqtt, config.state_dir, metrics);
  // Everything the hub publishes goes through the event log, which keeps the recent
  // events for the API and the dashboard.
  EventLog bus(mqtt, config.mqtt.root());
  Hub hub(config, bus, **store, clock, metrics);
  PluginHost plugins(hub, bus, clock, metrics, config.mqtt.root());
  for (auto& p : plugins::make_plugins(config)) plugins.add(std::move(p));
  // The retailer's answers come back on the loop; the desk outlives none of them (its
  // callbacks check that it is still there) and the adapter drops what arrives after it.
  std::unique_ptr<orders::Retailer> retailer;
  if (config.retailer) {
    auto made = make_retailer(config, [&loop](std::function<void()> fn) {
      asio::post(loop, std::move(fn));
    });
    if (!made.ok()) {
      log_error("cannot set up the retailer: " + made.status().message());
      return 1;
    }
    retailer = std::move(made).value();
  } else {
    log_info("no retailer is configured: larderd forecasts and places no orders");
  }
  OsRandom random;
  OrderDesk desk(config, random, **store, bus, hub, retailer.get(), clock, metrics);
  hub.set_order_actions(&desk);
  // Trunk access: the grants and their audit log in the same database (migration 3).
  SqliteGrantStoreOptions grant_store_options;
  grant_store_options.read_only = read_only_dir;
  auto grant_store = open_sqlite_grant_store(config.state_dir, grant_store_options);
  if (!grant_store.ok()) {
    log_error("cannot open the grant store: " + grant_store.status().message());
    return 1;
  }
  OpenSslGrantCrypto grant_crypto;
  grants::GrantOptions grant_options;
  grant_options.max_wrong_codes = config.delivery.max_wrong_codes;
  grant_options.lock_timeout_s = config.delivery.lock_timeout_s;
  grant_options.locale = config.household.locale;
  grants::GrantBook grant_book(**grant_store, random, grant_crypto, grant_options);
  auto zone = TimeZone::load(config.household.timezone);
  if (!zone.ok()) log_warn("delivery patterns use UTC hours: " + zone.status().message());
  DeliveryDesk delivery(config, desk, grant_book, retailer.get(), bus, hub, clock, metrics,
                        zone.ok() ? zone.value() : TimeZone::utc());
  hub.set_vehicle_actions(&delivery);
  VoiceDesk voice(config, hub, desk, plugins, bus, clock, metrics);
  voice.set_delivery(&delivery);
  // Alexa's endpoint: the system's trust store (or the configured one) and the real
  // certificate URL, fetched with cpprestsdk; both outlive the router that uses them.
  std::unique_ptr<alexa::HttpCertFetcher> cert_fetcher;
  std::unique_ptr<alexa::AlexaVerifier> alexa_verifier;
  if (config.voice.alexa) {
    const AlexaConfig& a = *config.voice.alexa;
    auto trust = a.trust_store.empty() ? alexa::TrustStore::system()
                                       : alexa::TrustStore::from_path(a.trust_store);
    if (!trust.ok()) {
      log_error("cannot read the trust store for Alexa: " + trust.status().message());
      return 1;
    }
    cert_fetcher = std::make_unique<alexa::HttpCertFetcher>(
        [&loop](std::function<void()> fn) { asio::post(loop, std::move(fn)); }, 5.0);
    alexa_verifier = std::make_unique<alexa::AlexaVerifier>(a.skill_id, std::move(trust).value(),
                                                            *cert_fetcher);
  }

  AccessOptions access_options;
  access_options.secure_cookie = config.http.tls.has_value();
  Access access(config.http, clock, metrics, access_options);
  Router router(access);
  if (Status s = add_system_routes(router, metrics, access); !s.ok()) {
    log_error("bug: " + s.message());
    return 1;
  }
  if (Status s = add_order_routes(router, desk, config); !s.ok()) {
    log_error("bug: " + s.message());
    return 1;
  }
  if (Status s = add_delivery_routes(router, delivery); !s.ok()) {
    log_error("bug: " + s.message());
    return 1;
  }
  ConsumableView consumables(config, hub, **store, clock);
  if (Status s = add_consumable_routes(router, consumables, bus); !s.ok()) {
    log_error("bug: " + s.message());
    return 1;
  }
  if (std::string dir = find_dashboard_dir(); dir.empty()) {
    log_warn("no dashboard files found (set LARDER_DASHBOARD_DIR): the API works without it");
  } else if (Status s = add_dashboard_routes(router, dir); !s.ok()) {
    log_error("cannot serve the dashboard: " + s.message());
    return 1;
  } else {
    log_info("serving the dashboard from " + dir);
  }
  if (alexa_verifier) {
    if (Status s = add_alexa_routes(router, *alexa_verifier, voice, clock, metrics); !s.ok()) {
      log_error("bug: " + s.message());
      return 1;
    }
  }
  HttpServerOptions http_options;
  http_options.host = config.http.host;
  http_options.port = config.http.port;
  http_options.tls = config.http.tls;
  HttpServer http(loop, http_options, router.handler(), metrics);
  if (Status s = http.start(); !s.ok()) {
    log_error("cannot serve HTTP on " + config.http.host + ":" +
              std::to_string(config.http.port) + ": " + s.message());
    return 1;
  }

  // The carrier reaches the hub at the configured address, else at the one it serves.
  delivery.set_carrier_url(!config.delivery.carrier_url.empty()
                               ? config.delivery.carrier_url
                               : std::string(config.http.tls ? "https://" : "http://") +
                                     (config.http.host.find(':') != std::string::npos
                                          ? "[" + config.http.host + "]"
                                          : config.http.host) +
                                     ":" + std::to_string(http.port()));

  // A store that cannot commit (disk full, read-only) is reported once on the log and as
  // a `store_error` event, then at most once a minute on the log; what waits stays queued
  // and is committed by the first flush that works (`store_recovered`). docs/faults.md.
  metrics.describe("larder_store_failing", "gauge",
                   "1 while store commits fail (disk full, read-only), else 0.");
  metrics.set("larder_store_failing", {}, 0);
  bool store_failing = false;
  auto last_failure_log = std::chrono::steady_clock::time_point{};
  auto flush = [&] {
    hub.persist();
    if (Status s = delivery.save(); !s.ok()) {
      log_error("cannot save the delivery patterns: " + s.message());
    }
    if ((*store)->pending() == 0) return;
    Status s = (*store)->flush();
    const auto now = std::chrono::steady_clock::now();
    if (!s.ok()) {
      if (!store_failing || now - last_failure_log >= std::chrono::minutes(1)) {
        log_error("store commit failed, will retry: " + s.message());
        last_failure_log = now;
      }
      if (!store_failing) {
        store_failing = true;
        metrics.set("larder_store_failing", {}, 1);
        hub.publish_event("store_error",
                          hub.texts()("event.store_error"),
                          {{"reason", s.message()}});
      }
    } else if (store_failing) {
      store_failing = false;
      metrics.set("larder_store_failing", {}, 0);
      log_info("store commits work again; what waited is saved");
      hub.publish_event("store_recovered", hub.texts()("event.store_recovered"), {});
    }
  };

  // Group commit: Paho acknowledges a QoS 1 message when it arrives, before larderd has
  // seen it, so what arrived is committed as soon as the loop has handled what is queued
  // (one transaction for a whole burst), not only at the next flush tick. That keeps the
  // window in which a SIGKILL loses acknowledged readings to milliseconds (docs/faults.md).
  // While commits fail, the flush tick alone retries.
  bool commit_posted = false;
  auto commit_soon = [&] {
    if (commit_posted || store_failing) return;
    commit_posted = true;
    asio::post(loop, [&] {
      commit_posted = false;
      flush();
    });
  };

  auto subscriptions = to_subscriptions(hub.subscriptions());
  for (const auto& s : plugins.subscriptions()) subscriptions.push_back({s.filter, s.retained_wanted});
  mqtt.set_subscriptions(std::move(subscriptions));
  const std::string root_prefix = config.mqtt.root() + "/";
  mqtt.set_handlers({
      [&hub, &plugins, &root_prefix, &commit_soon](const Message& m) {
        // The contract's topics are the hub's; every other topic is a device's.
        if (m.topic.compare(0, root_prefix.size(), root_prefix) == 0) {
          hub.on_message(m);
        } else if (!plugins.on_message(m)) {
          log_debug("no plugin reads " + m.topic);
        }
        commit_soon();
      },
      [&plugins] {
        log_info("connected to the MQTT broker");
        plugins.connected();
      },
      [](const std::string& cause) { log_warn("MQTT connection lost: " + cause); },
  });
  if (Status s = mqtt.start(); !s.ok()) {
    log_error("cannot start MQTT: " + s.message());
    return 1;
  }
  // After start(): what the restored states publish waits in the client for the broker.
  if (Status s = hub.restore(); !s.ok()) {
    log_error("cannot read the store: " + s.message());
    return 1;
  }
  if (Status s = desk.restore(); !s.ok()) {
    log_error("cannot read the orders from the store: " + s.message());
    return 1;
  }
  if (Status s = delivery.restore(config.state_dir + "/delivery_patterns.json"); !s.ok()) {
    log_error("cannot restore the deliveries: " + s.message());
    return 1;
  }

  Every flusher(loop, Seconds(options.flush_interval), flush);
  Every ticker(loop, Seconds(options.tick_interval), [&hub, &plugins, &desk, &voice, &delivery] {
    hub.tick();
    plugins.tick();
    desk.tick();
    voice.tick();
    delivery.tick();
  });
  std::unique_ptr<Every> watchdog;
  if (auto interval = notifier.watchdog_interval()) {
    watchdog = std::make_unique<Every>(loop, Seconds(std::chrono::duration<double>(*interval) / 2),
                                       [&notifier] { notifier.watchdog(); });
  }

  // The handlers are in place before READY: a SIGTERM right after it (systemd stopping a
  // service that just started) shuts down cleanly instead of killing the process.
  asio::signal_set signals(loop, SIGTERM, SIGINT);
  signals.async_wait([&](const boost::system::error_code& ec, int signo) {
    if (ec) return;
    log_info(std::string("shutting down on ") + (signo == SIGTERM ? "SIGTERM" : "SIGINT"));
    notifier.stopping();
    http.stop();
    flusher.cancel();
    ticker.cancel();
    if (watchdog) watchdog->cancel();
    hub.tick();
    hub.publish_pending();
    flush();
    mqtt.stop([&loop] { loop.stop(); });
  });

  double ready_ms = std::chrono::duration<double, std::milli>(
                        std::chrono::steady_clock::now() - started)
                        .count();
  notifier.ready();
  log_info("larderd " LARDER_VERSION " ready in " + std::to_string(static_cast<int>(ready_ms)) +
           " ms: " + std::to_string(config.consumables.size()) + " consumables, HTTP on " +
           config.http.host + ":" + std::to_string(http.port()) + ", MQTT " + config.mqtt.url);

  loop.run();
  if ((*store)->pending() > 0) {
    if (Status s = (*store)->flush(); !s.ok()) {
      log_error("final store commit failed: " + s.message());
      return 1;
    }
  }
  log_info("stopped");
  return 0;
}

}  // namespace larder
