// larder-sandbox: a simulated retailer serving shared/contract/retailer-v1.md, for the
// hub's `sandbox` adapter, the tests and the demo (docs/sandbox.md). Thin: arguments,
// then the server, the timeline's timer, the callbacks and (with --mqtt and --car-at) the
// car on MQTT and its carrier, all on one event loop.
#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <csignal>
#include <cstdio>
#include <functional>
#include <memory>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>

#include "adapters/http/http_server.h"
#include "adapters/mqtt/mqtt_client.h"
#include "callback_client.h"
#include "car_sim.h"
#include "carrier_sim.h"
#include "larder/clock.h"
#include "larder/log.h"
#include "larder/metrics.h"
#include "retailer_sim.h"
#include "sandbox_api.h"
#include "sandbox_args.h"

namespace asio = boost::asio;
using namespace larder;
using namespace larder::sandbox;

int main(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      usage(stdout);
      return 0;
    }
    if (arg == "--version") {
      std::printf("larder-sandbox %s\n", LARDER_VERSION);
      return 0;
    }
  }
  SandboxArgs args;
  if (auto error = parse_args(argc, argv, args)) return bad_usage(*error);
  set_log_level(args.log_level);

  asio::io_context loop;
  SystemClock clock;
  Metrics metrics;
  RetailerSim sim(clock, args.sim);

  // Stopping. A slow or hanging fault blocks the loop thread in wait() (the sandbox's
  // routes answer synchronously), so the signals are caught on a thread of their own: it records the
  // intent, wakes wait(), and posts the shutdown to the loop.
  std::mutex stop_mutex;
  std::condition_variable stop_cv;
  bool stopping = false;
  auto wait = [&](double seconds) {
    std::unique_lock lock(stop_mutex);
    stop_cv.wait_for(lock, std::chrono::duration<double>(seconds), [&] { return stopping; });
  };

  SandboxApi api(sim, clock, args.api_key, wait);
  if (Status s = api.init(); !s) {
    log_error("larder-sandbox: " + s.message());
    return 1;
  }
  HttpServerOptions server_options;
  server_options.host = args.host;
  server_options.port = args.port;
  std::function<void()> pump;  // set below, before the loop runs
  // Requests change the state (a placed order queues a callback, an advance moves the
  // clock): pump after each one.
  HttpServer server(
      loop, server_options,
      [&](const HttpRequest& request) {
        HttpResponse response = api.handle(request);
        asio::post(loop, [&] { pump(); });
        return response;
      },
      metrics);
  if (Status s = server.start(); !s) {
    std::fprintf(stderr, "larder-sandbox: %s\n", s.message().c_str());
    return 1;
  }

  std::unique_ptr<CallbackClient> callbacks;
  if (!args.sim.callback_url.empty()) {
    callbacks = std::make_unique<CallbackClient>(
        loop, *parse_callback_url(args.sim.callback_url),
        [&sim](const Callback& cb, bool ok, const std::string& detail) {
          sim.callback_sent(ok);
          if (ok) {
            log_debug("callback for order " + cb.order_id + " (" + cb.status + "): " + detail);
          } else {
            log_warn("callback for order " + cb.order_id + " (" + cb.status +
                     ") failed: " + detail);
          }
        });
    if (Status s = callbacks->init(args.callback_ca); !s) {
      std::fprintf(stderr, "larder-sandbox: %s\n", s.message().c_str());
      return 1;
    }
  }

  // The car on MQTT and its carrier. The sandbox's own MQTT status goes to
  // <prefix>/sandbox/v1/status, not to the hub's <prefix>/v1/status.
  std::unique_ptr<MqttClient> mqtt;
  std::unique_ptr<CarSim> car;
  std::unique_ptr<CarrierHttpClient> carrier_http;
  std::unique_ptr<CarrierSim> carrier;
  if (args.car) {
    MqttConfig mqtt_config;
    mqtt_config.url = args.mqtt_url;
    mqtt_config.client_id = "larder-sandbox-" + args.car_options.vehicle;
    mqtt_config.prefix = args.car_options.prefix + "/sandbox";
    mqtt = std::make_unique<MqttClient>(loop, mqtt_config, "", metrics);
    car = std::make_unique<CarSim>(clock, *mqtt, args.car_options);
    mqtt->set_subscriptions({{car->command_topic(), false}});
    MqttHandlers handlers;
    handlers.on_message = [&](const Message& m) {
      if (m.topic != car->command_topic()) return;
      car->on_command(m.payload, m.retained);
      pump();  // the carrier may be waiting for the unlock
    };
    handlers.on_connected = [&] { log_info("car: connected to " + args.mqtt_url); };
    handlers.on_disconnected = [&](const std::string& cause) {
      log_warn("car: lost the broker: " + cause);
    };
    mqtt->set_handlers(std::move(handlers));
    if (Status s = mqtt->start(); !s) {
      std::fprintf(stderr, "larder-sandbox: --mqtt: %s\n", s.message().c_str());
      return 2;
    }
    car->start();
    auto tls = tls_client_context(args.callback_ca);
    if (!tls) {
      std::fprintf(stderr, "larder-sandbox: the carrier: %s\n", tls.status().message().c_str());
      return 1;
    }
    carrier_http = std::make_unique<CarrierHttpClient>(loop, std::move(*tls));
    carrier = std::make_unique<CarrierSim>(
        sim, car.get(), [&, port = carrier_http->port()](CarrierRequest r, auto done) {
          port(std::move(r), [&, done = std::move(done)](CarrierReply reply) {
            done(std::move(reply));
            pump();
          });
        });
    api.attach(car.get(), carrier.get());
  }

  // The timeline: apply what fell due (the car and the carrier too) and send its
  // callbacks, waking at the next change (at most a second apart, so an advance or a new
  // order is picked up soon).
  asio::steady_timer timer(loop);
  bool stopped = false;
  pump = [&] {
    if (stopped) return;
    sim.tick();
    if (car) car->tick();
    if (carrier) carrier->tick();
    for (auto& cb : sim.take_callbacks()) {
      if (callbacks) callbacks->send(std::move(cb));
    }
    double delay = 1.0;
    if (auto next = sim.next_change()) delay = std::min(delay, *next - sim.now());
    if (auto next = carrier ? carrier->next_change() : std::nullopt)
      delay = std::min(delay, *next - sim.now());
    if (auto next = car ? car->next_change() : std::nullopt)
      delay = std::min(delay, *next - clock.now());
    delay = std::clamp(delay, 0.005, 1.0);
    timer.expires_after(std::chrono::duration_cast<std::chrono::steady_clock::duration>(
        std::chrono::duration<double>(delay)));
    timer.async_wait([&](const boost::system::error_code& ec) {
      if (!ec) pump();
    });
  };
  asio::post(loop, [&] { pump(); });

  asio::io_context signal_loop;
  asio::signal_set signals(signal_loop, SIGTERM, SIGINT);
  signals.async_wait([&](const boost::system::error_code& ec, int signo) {
    if (ec) return;
    log_info(std::string("larder-sandbox: ") + (signo == SIGTERM ? "SIGTERM" : "SIGINT") +
             ", stopping");
    {
      std::lock_guard lock(stop_mutex);
      stopping = true;
    }
    stop_cv.notify_all();
    asio::post(loop, [&] {
      stopped = true;
      server.stop();
      timer.cancel();
      if (callbacks) callbacks->stop();
      if (carrier_http) carrier_http->close();
      if (mqtt) {
        mqtt->stop([&] { loop.stop(); });  // `offline` on the sandbox's status topic first
      } else {
        loop.stop();
      }
    });
  });
  std::thread signal_thread([&] { signal_loop.run(); });

  std::string shown = args.host.find(':') != std::string::npos ? "[" + args.host + "]" : args.host;
  std::printf("listening on %s:%u\n", shown.c_str(), static_cast<unsigned>(server.port()));
  std::fflush(stdout);
  std::ostringstream speed;
  speed << args.sim.speed;
  log_info("larder-sandbox: serving the retailer API on " + shown + ":" +
           std::to_string(server.port()) + " at speed " + speed.str());

  loop.run();
  if (carrier_http) carrier_http->close();  // no answer may reach the loop from now on
  signals.cancel();
  signal_loop.stop();
  signal_thread.join();
  return 0;
}
