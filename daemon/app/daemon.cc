#include "app/daemon.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstddef>
#include <cstdlib>
#include <csignal>
#include <cstring>
#include <functional>
#include <memory>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <nlohmann/json.hpp>

#include "adapters/crypto/grant_crypto.h"
#include "adapters/crypto/os_random.h"
#include "adapters/fs/lock_file.h"
#include "adapters/fs/state_file.h"
#include "adapters/http/http_server.h"
#include "adapters/mqtt/mqtt_client.h"
#include "adapters/notify/http_sender.h"
#include "adapters/store/sqlite_grants.h"
#include "adapters/store/sqlite_retention.h"
#include "adapters/store/sqlite_store.h"
#include "adapters/systemd/notify.h"
#include "api/access.h"
#include "api/order_links.h"
#include "api/router.h"
#include "app/event_log.h"
#include "app/reload.h"
#include "app/services.h"
#include "app/store_maintenance.h"
#include "core/hub.h"
#include "notify/dispatcher.h"
#include "larder/clock.h"
#include "larder/log.h"
#include "larder/metrics.h"
#include "larder/texts.h"
#include "larder/time_zone.h"

namespace larder {
namespace {

namespace asio = boost::asio;
using Seconds = std::chrono::duration<double>;

// The room a store needs to open for writing: its -shm file (32 KiB) and the first frames of
// its write-ahead log. Less, and the store opens read-only (a full disk).
constexpr std::size_t kStoreRoomBytes = std::size_t{64} * 1024;
// How often a store opened read-only looks whether it could write again.
constexpr double kWritableProbeSeconds = 5;

// A repeating timer on the loop: calls `fn` every `interval` until cancelled (`fn` may
// cancel it).
class Every {
 public:
  Every(asio::io_context& loop, Seconds interval, std::function<void()> fn)
      : timer_(loop), interval_(std::chrono::duration_cast<asio::steady_timer::duration>(interval)),
        fn_(std::move(fn)) {
    arm();
  }
  void cancel() {
    cancelled_ = true;
    timer_.cancel();
  }

 private:
  void arm() {
    timer_.expires_after(interval_);
    timer_.async_wait([this](const boost::system::error_code& ec) {
      if (ec || cancelled_) return;
      fn_();
      if (!cancelled_) arm();
    });
  }
  bool cancelled_ = false;
  asio::steady_timer timer_;
  asio::steady_timer::duration interval_;
  std::function<void()> fn_;
};

// Where the store journals what it cannot commit: storage.journal_dir, else the runtime
// directory systemd made (RuntimeDirectory=, kept over restarts), else /run/larder.
std::string journal_dir(const StorageConfig& storage) {
  if (!storage.journal_dir.empty()) return storage.journal_dir;
  if (const char* dirs = std::getenv("RUNTIME_DIRECTORY"); dirs && *dirs) {
    const std::string all(dirs);
    return all.substr(0, all.find(':'));  // the first of several
  }
  return "/run/larder";
}

}  // namespace

void hold_hangups(bool hold) {
  sigset_t hangup;
  sigemptyset(&hangup);
  sigaddset(&hangup, SIGHUP);
  pthread_sigmask(hold ? SIG_BLOCK : SIG_UNBLOCK, &hangup, nullptr);
}

int run_daemon(const Config& config, DaemonOptions options) {
  auto started = std::chrono::steady_clock::now();
  // A file size limit (RLIMIT_FSIZE, systemd's LimitFSIZE=) is a full disk to the store: a
  // write past it must fail with EFBIG, which the store reports, not kill the daemon.
  std::signal(SIGXFSZ, SIG_IGN);
  // SIGHUP waits, blocked, until its handler is in place below (main() held it already).
  hold_hangups(true);
  // The words of every answer and event: household.locale's catalog, checked against
  // English. Without one larderd would speak in message ids, so it does not start.
  auto texts = Texts::for_locale(config.household.locale);
  if (!texts.ok()) {
    log_error("cannot start: " + texts.status().message());
    return 1;
  }
  log_info("answers and events in " + (*texts)->language() + " (household.locale " +
           config.household.locale + ")");
  asio::io_context loop(1);
  SystemClock clock;
  Metrics metrics;
  SystemdNotifier notifier;

  // A state directory on a read-only file system (a read-only mount, a file system the
  // kernel remounted read-only after errors), or on a disk so full that the store cannot
  // open for writing: larderd runs on what the database holds, serves it, keeps new
  // readings in memory and in the store's journal and reports every commit as failing,
  // rather than not running at all (docs/faults.md). Once the directory is writable and has
  // room again, it runs again (writable_probe below), which imports the journal.
  const bool read_only_dir =
      ::access(config.state_dir.c_str(), W_OK) != 0 && errno == EROFS;
  // The same for a database file that cannot be written in a directory that can (a
  // read-only bind mount of the file, an owner or mode that is not larderd's): nothing is
  // made beside it either (opened as on a full disk, `no_room`), and the writable probe
  // below waits for the file too.
  const std::string db_path = sqlite_store_path(config.state_dir);
  std::string db_unwritable;
  if (!read_only_dir && ::access(db_path.c_str(), F_OK) == 0 &&
      ::access(db_path.c_str(), W_OK) != 0) {
    db_unwritable = std::strerror(errno);
  }
  SqliteStoreOptions store_options;
  store_options.read_only = read_only_dir || !db_unwritable.empty();
  store_options.no_room = !db_unwritable.empty();
  store_options.journal_dir = journal_dir(config.storage);
  auto store = open_sqlite_store(config.state_dir, metrics, store_options);
  if (!store.ok() && !store_options.read_only) {
    // Why it failed matters only when the disk is full: then the same file opens read-only.
    if (Status room = check_room(config.state_dir, kStoreRoomBytes); !room.ok()) {
      log_error("cannot open the store for writing: " + store.status().message() + "; " +
                room.message());
      store_options.read_only = store_options.no_room = true;
      store = open_sqlite_store(config.state_dir, metrics, store_options);
    }
  }
  if (!store.ok()) {
    log_error("cannot open the store: " + store.status().message());
    return 1;
  }
  const bool read_only = store_options.read_only;
  // The store made the directory; migrations are safe against a second process, but
  // running on is not. A read-only store cannot be harmed by a second larderd.
  Result<std::unique_ptr<LockFile>> lock = Status::Error("not locked");
  if (read_only) {
    log_error((read_only_dir            ? "the state directory " + config.state_dir +
                                                " is on a read-only file system"
               : !db_unwritable.empty() ? "the database " + db_path +
                                              " cannot be written (" + db_unwritable + ")"
                                        : "the state directory " + config.state_dir +
                                              " has no room") +
              ": serving what the store holds; what it takes waits in the journal in " +
              store_options.journal_dir + " until the store can be written again");
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
  OsRandom random;
  // Trunk access: the grants and their audit log in the same database (migration 3).
  SqliteGrantStoreOptions grant_store_options;
  grant_store_options.read_only = read_only;
  grant_store_options.no_room = store_options.no_room;
  auto grant_store = open_sqlite_grant_store(config.state_dir, grant_store_options);
  if (!grant_store.ok()) {
    log_error("cannot open the grant store: " + grant_store.status().message());
    return 1;
  }
  OpenSslGrantCrypto grant_crypto;
  AccessOptions access_options;
  access_options.secure_cookie = config.http.tls.has_value();
  Access access(config.http, clock, metrics, access_options);
  // Push notifications (docs/notifications.md): every event the event log keeps is offered
  // to the dispatcher; the sender's answers come back onto the loop like the retailer's.
  std::unique_ptr<NotifyHttpSender> notify_sender;
  std::unique_ptr<notify::Dispatcher> notifier_push;
  std::string link_key;
  if (config.notify) {
    if (!config.notify->public_url.empty()) {
      auto key = load_link_key(config.state_dir, random);
      if (!key.ok()) {
        log_error("notifications carry no answers: " + key.status().message());
      } else {
        link_key = std::move(key).value();
      }
    }
    auto sender = NotifyHttpSender::make(*config.notify, [&loop](std::function<void()> fn) {
      asio::post(loop, std::move(fn));
    });
    if (!sender.ok()) {
      log_error("cannot set up notifications: " + sender.status().message());
      return 1;
    }
    notify_sender = std::move(sender).value();
    auto zone = TimeZone::load(config.household.timezone);
    if (config.notify->quiet_hours && !zone.ok()) {
      log_warn("quiet hours use UTC: " + zone.status().message());
    }
    notify::LinkCode code;
    if (!link_key.empty()) {
      code = [&link_key](const std::string& id, const std::string& action) {
        return order_link_code(link_key, id, action);
      };
    }
    notifier_push = std::make_unique<notify::Dispatcher>(
        *config.notify, zone.ok() ? zone.value() : TimeZone::utc(), **texts, *notify_sender,
        clock, metrics, std::move(code));
    bus.set_observer([&notifier_push](const nlohmann::json& ev) { notifier_push->on_event(ev); });
  }

  const ServicesEnv env{loop,         clock,  metrics, bus,    **store, **grant_store,
                        grant_crypto, random, access,  link_key};
  // The running hub: everything built from the configuration, rebuilt by a reload.
  auto built = Services::build(config, env);
  if (!built.ok()) {
    log_error(built.status().message());
    return 1;
  }
  std::unique_ptr<Services> app = std::move(built).value();

  HttpServerOptions http_options;
  http_options.host = config.http.host;
  http_options.port = config.http.port;
  http_options.tls = config.http.tls;
  // The server stays up across reloads: each request goes to the router of the hub running.
  HttpServer http(
      loop, http_options,
      [&app](const HttpRequest& request, HttpRespond respond) {
        app->router().handle(request, std::move(respond));
      },
      metrics);
  if (Status s = http.start(); !s.ok()) {
    log_error("cannot serve HTTP on " + config.http.host + ":" +
              std::to_string(config.http.port) + ": " + s.message());
    return 1;
  }
  // The carrier reaches the hub at the configured address, else at the one it serves.
  const std::string served_url =
      std::string(config.http.tls ? "https://" : "http://") +
      (config.http.host.find(':') != std::string::npos ? "[" + config.http.host + "]"
                                                       : config.http.host) +
      ":" + std::to_string(http.port());

  // A store that cannot commit (disk full, read-only) is reported once on the log and as
  // a `store_error` event, then at most once a minute on the log; what waits stays queued
  // and is committed by the first flush that works (`store_recovered`). docs/faults.md.
  metrics.describe("larder_store_failing", "gauge",
                   "1 while store commits fail (disk full, read-only), else 0.");
  metrics.set("larder_store_failing", {}, 0);
  bool store_failing = false;
  auto last_failure_log = std::chrono::steady_clock::time_point{};
  // While commits fail, each retry writes the whole queue again (up to 200,000 readings)
  // and rolls it back: the retries back off from flush_interval to 5 s, so that a long
  // full disk does not cost a core's sixth (what arrives meanwhile is in the journal at
  // once, commit_soon below). The first success commits everything.
  const auto flush_every = std::chrono::duration_cast<std::chrono::steady_clock::duration>(
      Seconds(options.flush_interval));
  auto retry_wait = flush_every;
  auto retry_at = std::chrono::steady_clock::time_point{};
  auto flush = [&](bool now_anyway = false) {  // a reload and the stop try at once
    app->persist();
    if ((*store)->pending() == 0) return;
    if (store_failing && !now_anyway && std::chrono::steady_clock::now() < retry_at) return;
    Status s = (*store)->flush();
    const auto now = std::chrono::steady_clock::now();
    if (!s.ok()) {
      retry_wait = store_failing ? std::min<std::chrono::steady_clock::duration>(
                                       retry_wait * 2, std::chrono::seconds(5))
                                 : flush_every;
      retry_at = now + retry_wait;
      if (!store_failing || now - last_failure_log >= std::chrono::minutes(1)) {
        log_error("store commit failed, will retry: " + s.message());
        last_failure_log = now;
      }
      if (!store_failing) {
        store_failing = true;
        metrics.set("larder_store_failing", {}, 1);
        app->hub().publish_event("store_error", app->hub().texts()("event.store_error"),
                                 {{"reason", s.message()}});
      }
    } else if (store_failing) {
      store_failing = false;
      metrics.set("larder_store_failing", {}, 0);
      log_info("store commits work again; what waited is saved");
      app->hub().publish_event("store_recovered", app->hub().texts()("event.store_recovered"),
                               {});
    }
  };

  // Group commit: Paho acknowledges a QoS 1 message when it arrives, before larderd has
  // seen it, so what arrived is committed as soon as the loop has handled what is queued
  // (one transaction for a whole burst), not only at the next flush tick. That keeps the
  // window in which a SIGKILL loses acknowledged readings to milliseconds (docs/faults.md).
  // While commits fail, the flush tick alone retries, and what arrived goes to the store's
  // journal as soon (an append to a file outside the state directory).
  bool commit_posted = false;
  auto commit_soon = [&] {
    if (commit_posted) return;
    commit_posted = true;
    asio::post(loop, [&] {
      commit_posted = false;
      if (!store_failing) {
        flush();
        return;
      }
      app->persist();
      const Status s = (*store)->spill();
      const auto now = std::chrono::steady_clock::now();
      if (!s.ok() && now - last_failure_log >= std::chrono::minutes(1)) {
        log_error(s.message());
        last_failure_log = now;
      }
    });
  };

  app->set_carrier_url(served_url);
  mqtt.set_subscriptions(app->subscriptions());
  mqtt.set_handlers({
      [&app, &commit_soon](const Message& m) {
        app->on_message(m);
        commit_soon();
      },
      [&app] {
        // After every SUBACK (the client logged the connect itself, and logs a loss).
        log_info("connected to the MQTT broker: subscribed to the inputs");
        app->connected();
      },
      [](const std::string&) {},  // the client logged it, and reconnects
  });
  if (Status s = mqtt.start(); !s.ok()) {
    log_error("cannot start MQTT: " + s.message());
    return 1;
  }
  // After start(): what the restored states publish waits in the client for the broker.
  if (Status s = app->restore(); !s.ok()) {
    log_error(s.message());
    return 1;
  }

  // Retention, the size ceiling, checkpoint and vacuum on a timer (docs/storage.md).
  // Without it larderd still runs; the database only grows.
  std::unique_ptr<SqliteRetention> retention;
  std::unique_ptr<StoreMaintenance> maintenance;
  if (!read_only) {
    auto opened = SqliteRetention::open(config.state_dir, retention_options(config.storage),
                                        metrics);
    if (opened.ok()) {
      retention = std::move(*opened);
      maintenance = std::make_unique<StoreMaintenance>(
          loop, config.storage, *retention, [&app]() -> Hub& { return app->hub(); }, clock);
      maintenance->start();
    } else {
      log_error("no store maintenance: " + opened.status().message());
    }
  }

  Every flusher(loop, Seconds(options.flush_interval), flush);
  Every ticker(loop, Seconds(options.tick_interval), [&app, &notifier_push] {
    app->tick();
    if (notifier_push) notifier_push->tick();
  });
  std::unique_ptr<Every> watchdog;
  if (auto interval = notifier.watchdog_interval()) {
    watchdog = std::make_unique<Every>(loop, Seconds(std::chrono::duration<double>(*interval) / 2),
                                       [&notifier] { notifier.watchdog(); });
  }

  // SIGHUP: the configuration file again (app/reload.h). A file with errors changes
  // nothing; a valid one replaces the running hub, on the loop, between two messages. What
  // the hub holds is saved first; while the store cannot save, the reload waits.
  auto reload = [&] {
    const std::string path = app->config().path;
    log_info("reloading the configuration from " + path);
    ConfigLoad load = load_config(path);
    if (!load.config) {
      std::string first = load.errors.empty() ? "" : load.errors.front().to_string();
      for (const auto& e : load.errors) log_error("reload: " + e.to_string());
      log_error("reload refused: " + std::to_string(load.errors.size()) +
                " error(s) in " + path + "; the running configuration stays in force");
      metrics.inc("larder_config_reloads_total", {{"result", "refused"}});
      app->hub().publish_event("config_refused", app->hub().texts()("event.config_refused"),
                               {{"errors", load.errors.size()}, {"first", first}});
      return;
    }
    app->hub().tick();
    app->hub().publish_pending();
    flush(true);
    if (store_failing || (*store)->pending() > 0 || app->unsaved() > 0) {
      log_error("reload postponed: the database cannot save what the hub holds; send SIGHUP "
                "again once it can (the running configuration stays in force)");
      metrics.inc("larder_config_reloads_total", {{"result", "postponed"}});
      return;
    }
    if (auto conflicts = app->reload_conflicts(*load.config); !conflicts.empty()) {
      for (const auto& c : conflicts) log_error("reload: " + c);
      log_error("reload refused: " + std::to_string(conflicts.size()) +
                " change(s) the running hub cannot make; the running configuration stays in "
                "force");
      metrics.inc("larder_config_reloads_total", {{"result", "refused"}});
      app->hub().publish_event("config_refused", app->hub().texts()("event.config_not_applied"),
                               {{"errors", conflicts.size()}, {"first", conflicts.front()}});
      return;
    }
    const std::vector<std::string> waiting = restart_only_changes(app->config(), *load.config);
    Config next = keep_restart_only(app->config(), std::move(*load.config));
    auto made = Services::build(next, env);
    if (!made.ok()) {
      log_error("reload refused: " + made.status().message() +
                "; the running configuration stays in force");
      metrics.inc("larder_config_reloads_total", {{"result", "refused"}});
      app->hub().publish_event("config_refused", app->hub().texts()("event.config_not_applied"),
                               {{"errors", 1}, {"first", made.status().message()}});
      return;
    }
    (*made)->carry_over(*app);  // the car, who is home, offline devices: not stored
    app.reset();  // before the new one reads the store: one hub at a time
    app = std::move(made).value();
    app->set_carrier_url(served_url);
    set_log_level(app->config().log_level);
    access.set_tokens(app->config().http);
    if (Status s = app->restore(); !s.ok()) {
      // The store could be read a moment ago; a hub that cannot read it cannot run.
      log_error("reload: " + s.message() + "; stopping");
      std::raise(SIGTERM);
      return;
    }
    // Subscribing again also brings back the retained device states the new plugins need.
    mqtt.set_subscriptions(app->subscriptions());
    // Before the first connect's SUBACKs are in, on_connected tells the new hub (once).
    if (mqtt.subscribed()) app->connected();
    for (const auto& key : waiting) {
      log_warn("reload: " + key + " changed; it takes effect when larderd is restarted");
    }
    metrics.inc("larder_config_reloads_total", {{"result", "applied"}});
    log_info("configuration reloaded: " + std::to_string(app->config().consumables.size()) +
             " consumables" +
             (waiting.empty() ? "" : ", " + std::to_string(waiting.size()) +
                                         " change(s) wait for a restart"));
    // A push notification's title in the language the reload may have changed, its quiet
    // hours in the time zone (a zone that cannot be loaded was refused by the check).
    if (notifier_push) {
      notifier_push->set_texts(app->hub().texts());
      auto zone = TimeZone::load(app->config().household.timezone);
      if (zone.ok()) notifier_push->set_zone(zone.value());
    }
    nlohmann::json waiting_json = waiting;
    app->hub().publish_event("config_reloaded", app->hub().texts()("event.config_reloaded"),
                             {{"restart_needed_for", waiting_json}});
  };
  metrics.describe("larder_config_reloads_total", "counter",
                   "Configuration reloads (SIGHUP), by result: applied, refused, postponed.");
  asio::signal_set hangups(loop, SIGHUP);
  std::function<void()> wait_for_hangup = [&] {
    hangups.async_wait([&](const boost::system::error_code& ec, int) {
      if (ec) return;
      notifier.reloading();
      reload();
      notifier.ready();
      wait_for_hangup();
    });
  };
  wait_for_hangup();
  // Held again before `hangups` goes (its destructor restores SIGHUP's default action) and
  // until the next run listens: declared after it, so destroyed before it.
  struct HoldAtEnd {
    HoldAtEnd() = default;
    HoldAtEnd(const HoldAtEnd&) = delete;
    HoldAtEnd& operator=(const HoldAtEnd&) = delete;
    ~HoldAtEnd() { hold_hangups(true); }
  } hold_at_end;
  // A SIGHUP sent during the start was held: it reaches the handler now, and the reload
  // runs once the loop does.
  hold_hangups(false);

  // The handlers are in place before READY: a SIGTERM right after it (systemd stopping a
  // service that just started) shuts down cleanly instead of killing the process.
  asio::signal_set signals(loop, SIGTERM, SIGINT);
  std::unique_ptr<Every> writable_probe;
  bool run_again = false;
  bool shutting_down = false;
  auto shut_down = [&] {
    shutting_down = true;
    // Running again is a reload to systemd: RELOADING now, READY from the next run.
    if (run_again) {
      notifier.reloading();
    } else {
      notifier.stopping();
    }
    http.stop();
    flusher.cancel();
    ticker.cancel();
    hangups.cancel();
    if (writable_probe) writable_probe->cancel();
    if (maintenance) maintenance->cancel();
    if (watchdog) watchdog->cancel();
    app->hub().tick();
    app->hub().publish_pending();
    flush(true);
    // What the push channels still hold is not kept: a restart starts with empty queues.
    if (notify_sender) notify_sender->close();
    mqtt.stop([&loop] { loop.stop(); });
  };
  signals.async_wait([&](const boost::system::error_code& ec, int signo) {
    if (ec) return;
    log_info(std::string("shutting down on ") + (signo == SIGTERM ? "SIGTERM" : "SIGINT"));
    if (shutting_down) {  // already stopping, to run again: then it stops for good
      run_again = false;
      notifier.stopping();
      return;
    }
    shut_down();
  });
  // A store opened read-only (a read-only file system, a full disk) is not reopened in place:
  // once the directory is writable and has room again, larderd stops as on SIGTERM (what
  // waits goes to the journal) and run_daemon returns kRunDaemonAgain, so that main() runs
  // it again, which opens the store for writing and imports the journal (docs/faults.md).
  if (read_only) {
    writable_probe = std::make_unique<Every>(loop, Seconds(kWritableProbeSeconds), [&] {
      if (run_again || ::access(config.state_dir.c_str(), W_OK) != 0 ||
          ::access(db_path.c_str(), W_OK) != 0 ||
          !check_room(config.state_dir, kStoreRoomBytes).ok()) {
        return;
      }
      log_info("the state directory " + config.state_dir +
               " is writable again: larderd starts again to open the store for writing");
      run_again = true;
      shut_down();
    });
  }

  double ready_ms = std::chrono::duration<double, std::milli>(
                        std::chrono::steady_clock::now() - started)
                        .count();
  notifier.ready();
  log_info("larderd " LARDER_VERSION " ready in " + std::to_string(static_cast<int>(ready_ms)) +
           " ms: " + std::to_string(config.consumables.size()) + " consumables, HTTP on " +
           config.http.host + ":" + std::to_string(http.port()) + ", MQTT " + config.mqtt.url);

  loop.run();
  bus.set_observer({});  // the dispatcher goes before the bus
  if ((*store)->pending() > 0) {
    if (Status s = (*store)->flush(); !s.ok()) {
      log_error("final store commit failed: " + s.message());
      // In the journal, nothing is lost: the next start imports it.
      if (!(*store)->spill().ok()) return 1;
    }
  }
  log_info("stopped");
  return run_again ? kRunDaemonAgain : 0;
}

}  // namespace larder
