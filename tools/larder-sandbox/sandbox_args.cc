// larder-sandbox's command line: the options of docs/sandbox.md, checked.
#include "sandbox_args.h"

#include <cmath>
#include <fstream>
#include <set>
#include <sstream>
#include <vector>

#include "callback_client.h"

namespace larder::sandbox {

namespace {

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

// "LAT,LON" as two numbers.
bool parse_position(const std::string& text, double& lat, double& lon) {
  std::size_t comma = text.find(',');
  if (comma == std::string::npos) return false;
  auto a = number(text.substr(0, comma));
  auto b = number(text.substr(comma + 1));
  if (!a || !b) return false;
  lat = *a;
  lon = *b;
  return true;
}

}  // namespace

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
      "  --callback-ca FILE         CA certificates for an https callback URL and for the\n"
      "                             hub's carrier API\n"
      "  --fail-rate R              share of /v1 requests refused with a random 5xx (0-1)\n"
      "  --lost-answer-rate R       share of /v1 requests carried out, then answered 502\n"
      "  --seed N                   seed of the random failures (default 1)\n"
      "  --log-level LEVEL          error, warn, info (default) or debug\n"
      "The car and its carrier (docs/sandbox.md, 'The car and the carrier'):\n"
      "  --mqtt URL                 the broker the car talks to (tcp://127.0.0.1:1883)\n"
      "  --car-at LAT,LON           where the car is parked; with --mqtt: play the car\n"
      "  --mqtt-prefix P            the contract's root is P/v1 (default larder)\n"
      "  --vehicle ID               the car's id on the vehicle topics (default family-car)\n"
      "  --car-no-autolock          the trunk stays unlocked after a delivery until 'lock'\n"
      "  --car-report-s S           seconds between location reports (default 30)\n"
      "  --reveal-access-codes      GET /sandbox/orders shows the trunk codes the retailer\n"
      "                             holds (for tests that look for them elsewhere)\n"
      "  --version, --help\n"
      "Exit status: 0 stopped by SIGTERM/SIGINT, 1 cannot serve, 2 bad arguments.\n");
}

int bad_usage(const std::string& what) {
  std::fprintf(stderr, "larder-sandbox: %s\n", what.c_str());
  std::fprintf(stderr, "Try 'larder-sandbox --help'.\n");
  return 2;
}

// Parses the command line; an error message, or nullopt with `args` filled.
std::optional<std::string> parse_args(int argc, char** argv, SandboxArgs& args) {
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
                                                 "--log-level",
                                                 "--mqtt",
                                                 "--mqtt-prefix",
                                                 "--vehicle",
                                                 "--car-at",
                                                 "--car-report-s"};
  std::vector<std::string> car_only;  // car options given, which need --car-at
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--car-no-autolock") {
      args.car_options.autolock = false;
      car_only.push_back(arg);
      continue;
    }
    if (arg == "--reveal-access-codes") {
      args.sim.reveal_codes = true;
      continue;
    }
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
    } else if (arg == "--mqtt") {
      if (value.empty()) return "--mqtt needs the broker's URL, e.g. tcp://127.0.0.1:1883";
      args.mqtt_url = value;
    } else if (arg == "--mqtt-prefix" || arg == "--vehicle") {
      (arg == "--vehicle" ? args.car_options.vehicle : args.car_options.prefix) = value;
      car_only.push_back(arg);
    } else if (arg == "--car-at") {
      if (!parse_position(value, args.car_options.lat, args.car_options.lon))
        return "--car-at needs LAT,LON, e.g. 48.1371,11.5754";
      args.car = true;
    } else if (arg == "--car-report-s") {
      auto d = num(1, 86400);
      if (!d) return "--car-report-s needs seconds from 1 to 86400";
      args.car_options.report_every = *d;
      car_only.push_back(arg);
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
  if (!args.callback_ca.empty() && args.sim.callback_url.empty() && !args.car)
    return "--callback-ca needs --callback-url or --car-at";
  if (!args.callback_ca.empty() && !std::ifstream(args.callback_ca))
    return "cannot read the CA file " + args.callback_ca;
  if (!args.car && !car_only.empty()) return car_only.front() + " needs --car-at";
  if (args.car && args.mqtt_url.empty()) return "--car-at needs --mqtt: the car speaks MQTT";
  if (!args.car && !args.mqtt_url.empty())
    return "--mqtt needs --car-at: the car is all the sandbox does on MQTT";
  if (args.car) {
    // A few simulated seconds from closing to locking.
    args.car_options.autolock_after = 5 / args.sim.speed;
    if (Status s = check_car_options(args.car_options); !s) return s.message();
    args.sim.carrier = true;
  }
  if (args.sim.callback_url.empty() && secret_given) return "a webhook secret needs --callback-url";
  if (Status s = check_options(args.sim); !s) return s.message();
  return std::nullopt;
}

}  // namespace larder::sandbox
