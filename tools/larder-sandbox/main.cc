// larder-sandbox: a simulated retailer serving shared/contract/retailer-v1.md, for the
// hub's `sandbox` adapter, the tests and the demo (docs/sandbox.md). Thin: arguments,
// then the server, the timeline's timer and the callbacks on one event loop.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <thread>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>

#include "adapters/http/http_server.h"
#include "callback_client.h"
#include "larder/clock.h"
#include "larder/log.h"
#include "larder/metrics.h"
#include "retailer_sim.h"
#include "sandbox_api.h"

namespace asio = boost::asio;
using namespace larder;
using namespace larder::sandbox;

namespace {

void usage(std::FILE* out) {
  std::fprintf(
      out,
      "Usage: larder-sandbox --api-key KEY | --api-key-file FILE [options]\n"
      "\n"
      "Serves the retailer API of retailer-v1.md with simulated orders (docs/sandbox.md).\n"
      "  --listen HOST:PORT         address to serve (default 127.0.0.1:8090; port 0 picks a\n"
      "                             free one); prints 'listening on HOST:PORT' when ready\n"
      "  --api-key KEY              the Bearer key every request must carry\n"
      "  --api-key-file FILE        the same, read from FILE (one line)\n"
      "  --speed X                  simulated seconds per real second (default 1)\n"
      "  --quote-ttl S              simulated seconds a quote holds (default 900)\n"
      "  --ship-after S             placed -> shipped, simulated seconds (default 3600)\n"
      "  --out-after S              shipped -> out_for_delivery (default 43200)\n"
      "  --deliver-after S          out_for_delivery -> delivered (default 7200)\n"
      "  --catalogue FILE           JSON array of SKUs instead of the demo catalogue\n"
      "  --currency CODE            currency of the prices (default EUR)\n"
      "  --callback-url URL         POST signed status callbacks to URL\n"
      "  --webhook-secret S         the callbacks' HMAC key (needed with --callback-url)\n"
      "  --webhook-secret-file F    the same, read from F (one line)\n"
      "  --callback-ca FILE         CA certificates for an https callback URL\n"
      "  --fail-rate R              share of /v1 requests refused with a random 5xx (0-1)\n"
      "  --lost-answer-rate R       share of /v1 requests carried out, then answered 502\n"
      "  --seed N                   seed of the random failures (default 1)\n"
      "  --log-level LEVEL          error, warn, info (default) or debug\n"
      "  --version, --help\n"
      "Exit status: 0 stopped by SIGTERM/SIGINT, 1 cannot serve, 2 bad arguments.\n");
}

int bad_usage(const std::string& what) {
  std::fprintf(stderr, "larder-sandbox: %s\n", what.c_str());
  std::fprintf(stderr, "Try 'larder-sandbox --help'.\n");
  return 2;
}

// The first line of a file, without the line end; nullopt when unreadable or empty.
std::optional<std::string> read_secret(const std::string& path) {
  std::ifstream in(path);
  std::string line;
  if (!in || !std::getline(in, line)) return std::nullopt;
  while (!line.empty() && (line.back() == '\r' || line.back() == ' ' || line.back() == '\t'))
    line.pop_back();
  if (line.empty()) return std::nullopt;
  return line;
}

std::optional<double> number(const std::string& text) {
  try {
    std::size_t used = 0;
    double d = std::stod(text, &used);
    if (used != text.size() || !std::isfinite(d)) return std::nullopt;
    return d;
  } catch (...) {
    return std::nullopt;
  }
}

struct Args {
  std::string host = "127.0.0.1";
  std::uint16_t port = 8090;
  std::string api_key;
  std::string callback_ca;
  LogLevel log_level = LogLevel::info;
  SimOptions sim;
};

// Parses the command line; an error message, or nullopt with `args` filled.
std::optional<std::string> parse(int argc, char** argv, Args& args) {
  bool key_given = false;
  bool secret_given = false;
  static const std::set<std::string> kOptions = {"--listen",
                                                 "--api-key",
                                                 "--api-key-file",
                                                 "--webhook-secret",
                                                 "--webhook-secret-file",
                                                 "--speed",
                                                 "--quote-ttl",
                                                 "--ship-after",
                                                 "--out-after",
                                                 "--deliver-after",
                                                 "--catalogue",
                                                 "--currency",
                                                 "--callback-url",
                                                 "--callback-ca",
                                                 "--fail-rate",
                                                 "--lost-answer-rate",
                                                 "--seed",
                                                 "--log-level"};
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (!kOptions.count(arg)) return "unknown argument '" + arg + "'";
    if (i + 1 >= argc) return arg + " needs a value";
    std::string value = argv[++i];
    auto num = [&](double lo, double hi) -> std::optional<double> {
      auto d = number(value);
      if (!d || *d < lo || *d > hi) return std::nullopt;
      return d;
    };
    if (arg == "--listen") {
      std::size_t colon = value.rfind(':');
      auto port = colon == std::string::npos ? std::nullopt : number(value.substr(colon + 1));
      if (!port || *port < 0 || *port > 65535 || *port != static_cast<int>(*port) || colon == 0) {
        return "--listen needs HOST:PORT, e.g. 127.0.0.1:8090 (port 0 picks a free one)";
      }
      args.host = value.substr(0, colon);
      if (args.host.size() > 2 && args.host.front() == '[' && args.host.back() == ']') {
        args.host = args.host.substr(1, args.host.size() - 2);
      }
      args.port = static_cast<std::uint16_t>(*port);
    } else if (arg == "--api-key" || arg == "--api-key-file") {
      if (key_given) return "give the API key once, with --api-key or --api-key-file";
      key_given = true;
      if (arg == "--api-key") {
        args.api_key = value;
      } else {
        auto key = read_secret(value);
        if (!key) return "cannot read an API key from " + value;
        args.api_key = *key;
      }
      if (args.api_key.empty()) return "the API key is empty";
    } else if (arg == "--webhook-secret" || arg == "--webhook-secret-file") {
      if (secret_given)
        return "give the webhook secret once, with --webhook-secret or --webhook-secret-file";
      secret_given = true;
      if (arg == "--webhook-secret") {
        args.sim.webhook_secret = value;
      } else {
        auto secret = read_secret(value);
        if (!secret) return "cannot read a webhook secret from " + value;
        args.sim.webhook_secret = *secret;
      }
      if (args.sim.webhook_secret.empty()) return "the webhook secret is empty";
    } else if (arg == "--speed") {
      auto d = num(1e-6, 1e6);
      if (!d || *d <= 0) return "--speed needs a number above 0 and at most 1000000";
      args.sim.speed = *d;
    } else if (arg == "--quote-ttl" || arg == "--ship-after" || arg == "--out-after" ||
               arg == "--deliver-after") {
      auto d = num(arg == "--quote-ttl" ? 1 : 0, 365.0 * 86400);
      if (!d)
        return arg + " needs simulated seconds, from " + (arg == "--quote-ttl" ? "1" : "0") +
               " to a year";
      double& slot = arg == "--quote-ttl"    ? args.sim.quote_ttl
                     : arg == "--ship-after" ? args.sim.ship_after
                     : arg == "--out-after"  ? args.sim.out_after
                                             : args.sim.deliver_after;
      slot = *d;
    } else if (arg == "--catalogue") {
      std::ifstream in(value);
      if (!in) return "cannot read the catalogue " + value;
      std::stringstream text;
      text << in.rdbuf();
      auto j = nlohmann::json::parse(text.str(), nullptr, false);
      if (j.is_discarded()) return "the catalogue " + value + " is not valid JSON";
      auto catalogue = parse_catalogue(j);
      if (!catalogue) return "the catalogue " + value + ": " + catalogue.status().message();
      args.sim.catalogue = std::move(*catalogue);
    } else if (arg == "--currency") {
      args.sim.currency = value;
    } else if (arg == "--callback-url") {
      if (auto u = parse_callback_url(value); !u) return u.status().message();
      args.sim.callback_url = value;
    } else if (arg == "--callback-ca") {
      args.callback_ca = value;
    } else if (arg == "--fail-rate" || arg == "--lost-answer-rate") {
      auto d = num(0, 1);
      if (!d) return arg + " needs a number from 0 to 1";
      (arg == "--fail-rate" ? args.sim.fail_rate : args.sim.lost_answer_rate) = *d;
    } else if (arg == "--seed") {
      auto d = num(0, 9007199254740992.0);
      if (!d || *d != static_cast<double>(static_cast<std::uint64_t>(*d)))
        return "--seed needs a whole number";
      args.sim.seed = static_cast<std::uint64_t>(*d);
    } else if (arg == "--log-level") {
      if (value == "error")
        args.log_level = LogLevel::error;
      else if (value == "warn")
        args.log_level = LogLevel::warn;
      else if (value == "info")
        args.log_level = LogLevel::info;
      else if (value == "debug")
        args.log_level = LogLevel::debug;
      else
        return "--log-level needs error, warn, info or debug";
    } else {
      return "unknown argument '" + arg + "'";
    }
  }
  if (!key_given) return "an API key is required: --api-key KEY or --api-key-file FILE";
  if (!args.callback_ca.empty() && args.sim.callback_url.empty())
    return "--callback-ca needs --callback-url";
  if (args.sim.callback_url.empty() && secret_given) return "a webhook secret needs --callback-url";
  if (Status s = check_options(args.sim); !s) return s.message();
  return std::nullopt;
}

}  // namespace

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
  Args args;
  if (auto error = parse(argc, argv, args)) return bad_usage(*error);
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

  // The timeline: apply what fell due and send its callbacks, waking at the next change
  // (at most a second apart, so an advance or a new order is picked up soon).
  asio::steady_timer timer(loop);
  pump = [&] {
    sim.tick();
    for (auto& cb : sim.take_callbacks()) {
      if (callbacks) callbacks->send(std::move(cb));
    }
    double delay = 1.0;
    if (auto next = sim.next_change()) delay = std::clamp(*next - sim.now(), 0.005, 1.0);
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
      server.stop();
      timer.cancel();
      if (callbacks) callbacks->stop();
      loop.stop();
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
  signals.cancel();
  signal_loop.stop();
  signal_thread.join();
  return 0;
}
