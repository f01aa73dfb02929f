// Fuzz target: HTTP requests as the server reads them, then the API's router.
// The bytes are one request on the wire, parsed by Beast's request parser with the server's
// limits (daemon/adapters/http/http_server.h); a complete request becomes an HttpRequest
// as the server builds it (lower-case header names, repeated headers joined, the target
// split and decoded by parse_target) and is answered by a Router with every route larderd
// serves (app/services.cc): system, order (with the notification links and the retailer's
// signed callback), delivery (the carrier's routes need no login), vacation, dashboard
// texts, consumable, dashboard and Alexa routes (access checks with tokens, cookies and
// CSRF, JSON bodies, path parameters, query values). The desks are the real ones on
// in-memory stores; only the retailer is a fake (it answers on the next turn of the
// "loop", as the adapters do), and Alexa's certificate chain is the tests' PKI
// (tests/support/test_pki.h), which only this target trusts. Every answer must be a valid
// HTTP status (LARDER_FUZZ_DEBUG=1 prints each answer). Input: raw HTTP/1.x request bytes;
// a signature no mutation keeps right is written "sign" and replaced by the right one (the
// retailer's X-Larder-Signature, Alexa's Signature-256).
// Seeds: fuzz/corpus/http_request/.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>

#include "adapters/alexa/alexa_verifier.h"
#include "adapters/crypto/grant_crypto.h"
#include "adapters/crypto/signature.h"
#include "api/access.h"
#include "api/alexa_routes.h"
#include "api/consumable_routes.h"
#include "api/dashboard_routes.h"
#include "api/dashboard_texts.h"
#include "api/delivery_routes.h"
#include "api/http_types.h"
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
#include "fuzz_support.h"
#include "grants/grant_book.h"
#include "grants/grant_store.h"
#include "larder/clock.h"
#include "larder/metrics.h"
#include "support/test_pki.h"

namespace {

namespace bhttp = boost::beast::http;
using namespace larder;

class NullBus final : public Bus {
 public:
  void publish(const std::string&, std::string, bool, int) override {}
};

// The event loop's queue: what the fake retailer answers runs after the request.
std::vector<std::function<void()>>& loop() {
  static std::vector<std::function<void()>> queue;
  return queue;
}

void run_loop() {
  for (int round = 0; round < 8 && !loop().empty(); ++round) {
    auto now = std::move(loop());
    loop().clear();
    for (auto& fn : now) fn();
  }
  loop().clear();
}

// A retailer that takes every order: a quote at the configured packs' prices with a
// doorstep and a trunk window tomorrow, placed as R-<n>, cancelled, status placed.
class FakeRetailer final : public orders::Retailer {
 public:
  std::string kind() const override { return "sandbox"; }
  void quote(const std::vector<orders::Item>& items,
             std::function<void(orders::QuoteOutcome)> done) override {
    nlohmann::json list = nlohmann::json::array();
    for (const auto& i : items) {
      list.push_back({{"sku", i.sku}, {"quantity", i.quantity}, {"unit_price", 1.5},
                      {"substitute_for", nullptr}});
    }
    const double start = 1764540000;
    nlohmann::json window = {{"start", start}, {"end", start + 14400}};
    nlohmann::json q = {{"quote_id", "q" + std::to_string(++n_)}, {"items", list},
                        {"total", 1.5 * static_cast<double>(items.size())}, {"currency", "EUR"},
                        {"delivery_options", {{{"method", "doorstep"}, {"window", window}},
                                              {{"method", "trunk"}, {"window", window}}}}};
    orders::QuoteOutcome out;
    if (auto parsed = orders::parse_quote(q); parsed.ok()) out.quote = parsed.value();
    loop().push_back([done = std::move(done), out] { done(out); });
  }
  void place(const orders::PlaceCall&, std::function<void(orders::PlaceResult)> done) override {
    orders::PlaceResult r;
    r.retailer_order_id = "R-" + std::to_string(++n_);
    loop().push_back([done = std::move(done), r] { done(r); });
  }
  void cancel(const std::string&, std::function<void(orders::CancelResult)> done) override {
    loop().push_back([done = std::move(done)] { done(orders::CancelResult{}); });
  }
  void status(const std::string&, std::function<void(orders::StatusOutcome)> done) override {
    orders::StatusOutcome out;
    out.status = orders::RetailerStatus{"placed", "", std::nullopt, std::nullopt};
    loop().push_back([done = std::move(done), out] { done(out); });
  }
  bool offers_trunk() const override { return true; }
  void set_delivery(const orders::DeliveryChange&,
                    std::function<void(orders::DeliveryChangeOutcome)> done) override {
    orders::DeliveryChangeOutcome out;
    out.ok = true;
    loop().push_back([done = std::move(done), out] { done(out); });
  }

 private:
  unsigned n_ = 0;
};

// The fuzz world's time, and the time its Alexa chain is made for.
constexpr double kNow = 1764460800;  // 2025-11-30T00:00:00Z

// Serves the tests' chain at every URL the verifier's first rule lets it fetch.
class TestChain final : public alexa::CertFetcher {
 public:
  explicit TestChain(const test::AlexaTestPki& pki) : pem_(pki.chain_pem()) {}
  void fetch(const std::string&, std::function<void(Result<std::string>)> done) override {
    done(pem_);
  }

 private:
  std::string pem_;
};

// What the routes need besides the Router and Access, built once, wired as
// app/services.cc does on the fuzz configuration with a retailer, delivery and Alexa.
struct World {
  const Config& config = fuzz::http_config();
  ManualClock clock{kNow};
  Metrics metrics;
  NullStore store;
  NullBus bus;
  EventLog events{bus, config.mqtt.root()};
  fuzz::CountingRandom random;
  FakeRetailer retailer;
  grants::MemoryGrantStore grant_store;
  OpenSslGrantCrypto grant_crypto;
  Hub hub{config, events, store, clock, metrics};
  PluginHost plugins{hub, events, clock, metrics, config.mqtt.root()};
  OrderDesk desk{config, random, store, events, hub, &retailer, clock, metrics};
  grants::GrantBook grant_book{grant_store, random, grant_crypto};
  DeliveryDesk delivery{config, desk, grant_book, &retailer, events, hub, clock, metrics,
                        TimeZone::utc()};
  VoiceDesk voice{config, hub, desk, plugins, events, clock, metrics};
  // Alexa's chain: a root this world trusts, served at Amazon's URL, so that a request
  // signed with its key reaches the voice desk as one of Amazon's does.
  test::AlexaTestPki pki = test::AlexaTestPki::make(kNow);
  TestChain chain{pki};
  alexa::AlexaVerifier verifier{"amzn1.ask.skill.00000000-0000-0000-0000-000000000000",
                                alexa::TrustStore::from_pem(pki.root_pem()).value(), chain};
  ConsumableView view{config, hub, store, clock};

  World() {
    hub.set_order_actions(&desk);
    hub.set_vehicle_actions(&delivery);
    voice.set_delivery(&delivery);
  }
};

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static World world;
  bhttp::request_parser<bhttp::string_body> parser;
  parser.body_limit(std::size_t{64} * 1024);  // HttpServerOptions' defaults
  parser.header_limit(8 * 1024);
  boost::beast::error_code ec;
  // put() stops after the header: the body takes further calls, as the server's reads do.
  for (std::size_t used = 0; !ec && !parser.is_done() && used < size;) {
    std::size_t n = parser.put(boost::asio::buffer(data + used, size - used), ec);
    if (ec == bhttp::error::need_more) ec = {};
    if (n == 0) break;
    used += n;
  }
  if (!ec && !parser.is_done() && parser.got_some()) parser.put_eof(ec);
  if (ec || !parser.is_done()) return 0;  // the server answers 400/413/431 or waits

  const auto& req = parser.get();
  HttpRequest r;
  r.method = std::string(req.method_string());
  r.target = std::string(req.target());
  for (const auto& field : req) {
    std::string name = lower(std::string_view(field.name_string().data(),
                                              field.name_string().size()));
    std::string value(field.value());
    auto [it, fresh] = r.headers.emplace(name, value);
    if (!fresh) it->second += (name == "cookie" ? "; " : ", ") + value;
  }
  r.body = req.body();
  r.remote = "127.0.0.1";
  if (!parse_target(r.target, r)) return 0;  // 400 bad_target
  // The retailer's callback is signed over its body (HMAC-SHA256) and Alexa's requests too
  // (RSA, SHA-256), which no mutation keeps right: a signature "sign" is replaced by the
  // right one, so that the body is read.
  if (auto sig = r.headers.find("x-larder-signature");
      sig != r.headers.end() && sig->second == "sign") {
    sig->second = signature_header(*world.config.retailer->webhook_secret, r.body);
  }
  if (auto sig = r.headers.find("signature-256"); sig != r.headers.end() && sig->second == "sign") {
    sig->second = world.pki.signer_key.sign(r.body);
  }

  Access access(world.config.http, world.clock, world.metrics);
  Router router(access);
  if (!add_system_routes(router, world.metrics, access) ||
      !add_order_routes(router, world.desk, world.config, "fuzz-link-key-0123456789abcdef") ||
      !add_delivery_routes(router, world.delivery) ||
      !add_vacation_routes(router, world.hub) ||
      !add_dashboard_text_routes(router, world.config.household) ||
      !add_consumable_routes(router, world.view, world.events) ||
      !add_dashboard_routes(router, LARDER_SOURCE_DIR "/web") ||
      !add_alexa_routes(router, world.verifier, world.voice, world.clock, world.metrics)) {
    __builtin_trap();
  }
  // Twice: a session signed in by the first answer is used by the second.
  for (int i = 0; i < 2; ++i) {
    router.handle(r, [](const HttpResponse& answer) {
      if (answer.status < 100 || answer.status > 599) __builtin_trap();
      if (std::getenv("LARDER_FUZZ_DEBUG")) {
        std::fprintf(stderr, "%d %s\n", answer.status, answer.body.substr(0, 200).c_str());
      }
    });
    run_loop();  // the retailer's answers, as the event loop would run them
  }
  world.desk.tick();
  run_loop();
  return 0;
}
