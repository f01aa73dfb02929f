// POST /alexa end to end in one process: the real HTTP server and router, the real hub,
// order desk and conversation, the real larder-sandbox as the retailer, and Alexa's
// verification with a test CA and certificates made in the test. The certificate fetcher
// serves the test chain for Amazon's URL: the one stand-in, since Amazon cannot be reached
// (shared/formats.md). Each verification rule is broken in turn: 400, and nothing done.
#include <doctest/doctest.h>

#include <chrono>
#include <ctime>
#include <future>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <nlohmann/json.hpp>

#include "adapters/alexa/alexa_verifier.h"
#include "adapters/crypto/os_random.h"
#include "adapters/http/http_server.h"
#include "adapters/retailer/retailer_factory.h"
#include "api/access.h"
#include "api/alexa_routes.h"
#include "api/router.h"
#include "app/order_desk.h"
#include "app/plugin_host.h"
#include "app/voice_desk.h"
#include "support/fake_bus.h"
#include "support/larderd.h"
#include "support/sandbox.h"
#include "support/test_pki.h"

using namespace larder;
using namespace std::chrono_literals;
using nlohmann::json;

namespace {

constexpr const char* kSkill = "amzn1.ask.skill.larder-test";
const std::string kCertUrl(alexa::kAmazonCertUrl);

double wall_now() { return static_cast<double>(std::time(nullptr)); }

Config alexa_config(const std::string& sandbox_url) {
  Config c;
  c.state_dir = "/nonexistent";
  c.http.admin_token = "test-admin-token-0123456789";
  ConsumableConfig coffee;
  coffee.id = "coffee";
  coffee.name = "Coffee beans";
  coffee.unit = Unit::g;
  coffee.capacity = 1000;
  coffee.synonyms = {"beans"};
  coffee.pack = {"COFFEE-500", 500, 8.99, std::nullopt};
  c.consumables = {coffee};
  RetailerConfig r;
  r.kind = "sandbox";
  r.url = sandbox_url;
  r.api_key = test::SandboxProcess::kApiKey;
  c.retailer = r;
  c.orders.request_timeout_s = 10;
  c.voice.alexa = AlexaConfig{kSkill, ""};
  return c;
}

// Everything the daemon wires for /alexa, on one io_context that the test runs.
struct AlexaRig {
  test::SandboxProcess sandbox;
  Config config;
  boost::asio::io_context loop{1};
  SystemClock clock;
  Metrics metrics;
  test::FakeBus bus;
  MemoryStore store;
  Hub hub{config, bus, store, clock, metrics};
  PluginHost plugins{hub, bus, clock, metrics, "larder/v1"};
  std::unique_ptr<orders::Retailer> retailer;
  OsRandom random;
  std::unique_ptr<OrderDesk> desk;
  std::unique_ptr<VoiceDesk> voice;
  test::AlexaTestPki pki = test::AlexaTestPki::make(wall_now());
  test::ServingCertFetcher fetcher;
  std::unique_ptr<alexa::AlexaVerifier> verifier;
  Access access{config.http, clock, metrics};
  Router router{access};
  std::unique_ptr<HttpServer> server;
  boost::asio::steady_timer ticker{loop};

  AlexaRig() : sandbox(), config((sandbox.start(), alexa_config(sandbox.url()))) {
    auto made = make_retailer(config, [this](std::function<void()> fn) {
      boost::asio::post(loop, std::move(fn));
    });
    REQUIRE(made.ok());
    retailer = std::move(made).value();
    desk = std::make_unique<OrderDesk>(config, random, store, bus, hub, retailer.get(), clock, metrics);
    voice = std::make_unique<VoiceDesk>(config, hub, *desk, plugins, bus, clock, metrics);
    auto trust = alexa::TrustStore::from_pem(pki.root_pem());
    REQUIRE(trust.ok());
    fetcher.chains[kCertUrl] = pki.chain_pem();
    verifier = std::make_unique<alexa::AlexaVerifier>(kSkill, std::move(trust).value(), fetcher);
    REQUIRE(add_alexa_routes(router, *verifier, *voice, clock, metrics).ok());
    HttpServerOptions o;
    o.port = 0;
    server = std::make_unique<HttpServer>(loop, o, router.handler(), metrics);
    REQUIRE(server->start().ok());
    tick();
  }
  ~AlexaRig() {
    ticker.cancel();
    server->stop();
    loop.run_for(100ms);
  }
  void tick() {
    ticker.expires_after(100ms);
    ticker.async_wait([this](const boost::system::error_code& ec) {
      if (ec) return;
      desk->tick();
      voice->tick();
      tick();
    });
  }
  // Runs the loop until `done` holds (or `timeout`).
  template <class Pred>
  bool run_until(Pred done, std::chrono::milliseconds timeout = 15s) {
    auto end = std::chrono::steady_clock::now() + timeout;
    while (!done() && std::chrono::steady_clock::now() < end) loop.run_for(20ms);
    return done();
  }
  // POSTs `req` (as signed_alexa_request made it) to /alexa over loopback, with its headers
  // (Content-Type included) as they are.
  test::HttpAnswer post(const HttpRequest& req) {
    auto answer = send(req);
    REQUIRE(run_until([&] { return answer.wait_for(0s) == std::future_status::ready; }));
    return answer.get();
  }
  // The same, answered later: the loop must run (run_until) for the answer to come.
  std::future<test::HttpAnswer> send(const HttpRequest& req) {
    std::vector<std::string> headers;
    for (const auto& [name, value] : req.headers) headers.push_back(name + ": " + value);
    auto port = server->port();
    return std::async(std::launch::async, [port, headers, body = req.body] {
      return test::http_request(port, "POST", "/alexa", headers, body);
    });
  }
  HttpRequest signed_request(json request, const std::string& session = "amzn1.echo-api.session.1",
                             const std::string& url = kCertUrl) {
    json env = test::alexa_envelope(kSkill, wall_now(), std::move(request));
    env["session"]["sessionId"] = session;
    return test::signed_alexa_request(env, pki.signer_key, url);
  }
  static json intent(const std::string& name, json slots = json::object()) {
    json s = json::object();
    for (auto& [k, v] : slots.items()) s[k] = {{"name", k}, {"value", v}};
    return {{"type", "IntentRequest"}, {"intent", {{"name", name}, {"slots", s}}}};
  }
  double intents() const { return metrics.get("larder_voice_intents_total", {{"intent", "Reorder"}}); }
};

json speech_of(const test::HttpAnswer& a) { return json::parse(a.body)["response"]; }

}  // namespace

TEST_CASE("a signed Alexa order: the question with price and day, yes places it at the sandbox") {
  AlexaRig rig;
  auto launch = rig.post(rig.signed_request({{"type", "LaunchRequest"}}));
  REQUIRE_MESSAGE(launch.status == 200, launch.body);
  CHECK(speech_of(launch)["outputSpeech"]["text"] == "Larder here. What do you need?");
  CHECK(speech_of(launch)["shouldEndSession"] == false);

  auto ask = rig.post(rig.signed_request(AlexaRig::intent("Reorder", {{"item", "beans"}})));
  REQUIRE_MESSAGE(ask.status == 200, ask.body);
  json r = speech_of(ask);
  std::string text = r["outputSpeech"]["text"];
  CHECK(text.rfind("Shall I order 1 x Coffee beans for ", 0) == 0);
  CHECK(text.find(" euro") != std::string::npos);  // the price spoken: "8 euros 99"
  CHECK(text.find(", arriving ") != std::string::npos);
  CHECK(r["shouldEndSession"] == false);
  CHECK(r["card"]["title"] == "Larder order");
  CHECK(r["reprompt"]["outputSpeech"]["text"] == text);

  auto yes = rig.post(rig.signed_request(AlexaRig::intent("AMAZON.YesIntent")));
  REQUIRE(yes.status == 200);
  CHECK(std::string(speech_of(yes)["outputSpeech"]["text"]).rfind("OK, ordering 1 x Coffee beans", 0) == 0);
  CHECK(speech_of(yes)["shouldEndSession"] == true);
  CHECK(rig.run_until([&] { return rig.sandbox.orders()["orders"].size() == 1; }));
  CHECK(rig.fetcher.calls == 1);  // the chain is cached until it expires
}

TEST_CASE("an Alexa session that ends drops its question and its order") {
  AlexaRig rig;
  auto ask = rig.post(rig.signed_request(AlexaRig::intent("Reorder", {{"item", "coffee"}})));
  REQUIRE(ask.status == 200);
  const orders::Order* o = rig.desk->ledger().in_flight("coffee");
  REQUIRE(o);
  std::string id = o->id;
  auto ended = rig.post(rig.signed_request({{"type", "SessionEndedRequest"}, {"reason", "USER_INITIATED"}}));
  REQUIRE(ended.status == 200);
  CHECK(json::parse(ended.body) == json{{"version", "1.0"}, {"response", json::object()}});
  CHECK(rig.desk->ledger().find(id)->status == orders::OrderStatus::cancelled);

  auto unknown = rig.post(rig.signed_request(AlexaRig::intent("AMAZON.FallbackIntent")));
  REQUIRE(unknown.status == 200);
  CHECK(std::string(speech_of(unknown)["outputSpeech"]["text"]).rfind("Sorry, I can't do that.", 0) == 0);
  CHECK(rig.sandbox.orders()["orders"].empty());
}

TEST_CASE("every certificate URL form of formats.md: the accepted ones answer, the others get 400") {
  AlexaRig rig;
  for (const char* url : {"https://s3.amazonaws.com/echo.api/echo-api-cert.pem",
                          "https://s3.amazonaws.com:443/echo.api/echo-api-cert.pem",
                          "https://s3.amazonaws.com/echo.api/../echo.api/echo-api-cert.pem",
                          "HTTPS://S3.AMAZONAWS.COM/echo.api/echo-api-cert.pem",
                          "hTTpS://s3.AmAzOnAwS.cOm/echo.api/echo-api-cert.pem"}) {
    CAPTURE(url);
    auto a = rig.post(rig.signed_request({{"type", "LaunchRequest"}}, "s-ok", url));
    CHECK(a.status == 200);
  }
  int calls = rig.fetcher.calls;
  for (const char* url : {"http://s3.amazonaws.com/echo.api/echo-api-cert.pem",
                          "https://notamazon.com/echo.api/echo-api-cert.pem",
                          "https://s3.amazonaws.com/EcHo.aPi/echo-api-cert.pem",
                          "https://s3.amazonaws.com/invalid.path/echo-api-cert.pem",
                          "https://s3.amazonaws.com:563/echo.api/echo-api-cert.pem"}) {
    CAPTURE(url);
    auto a = rig.post(rig.signed_request(AlexaRig::intent("Reorder", {{"item", "coffee"}}), "s-bad", url));
    CHECK(a.status == 400);
    CHECK(json::parse(a.body)["error"]["code"] == "bad_request");
  }
  CHECK(rig.fetcher.calls == calls);  // refused before anything was fetched
  CHECK(rig.intents() == 0);
  CHECK(rig.desk->ledger().orders().empty());
}

TEST_CASE("a request waiting for its certificate chain when a reload drops the verifier: 503") {
  AlexaRig rig;
  rig.fetcher.hold = true;
  auto answer = rig.send(rig.signed_request(AlexaRig::intent("Reorder", {{"item", "coffee"}})));
  REQUIRE(rig.run_until([&] { return rig.fetcher.calls == 1; }));
  CHECK(answer.wait_for(50ms) == std::future_status::timeout);  // it waits for the chain
  rig.verifier.reset();  // as Services does when a reload replaces it
  REQUIRE(rig.run_until([&] { return answer.wait_for(0s) == std::future_status::ready; }));
  auto a = answer.get();
  CHECK(a.status == 503);
  CHECK(json::parse(a.body)["error"]["code"] == "unavailable");
  CHECK(a.headers.find("Retry-After: 1") != std::string::npos);
  CHECK(rig.fetcher.release() == 1);  // the chain comes too late: nobody is answered twice
  rig.loop.run_for(50ms);
  CHECK(rig.intents() == 0);
  CHECK(rig.desk->ledger().orders().empty());
  CHECK(rig.metrics.get("larder_alexa_requests_total", {{"outcome", "refused"}}) == 0);
}

TEST_CASE("each broken verification rule gives 400 with nothing done") {
  AlexaRig rig;
  const json order = AlexaRig::intent("Reorder", {{"item", "coffee"}});
  auto refused = [&](const HttpRequest& req, const char* what) {
    CAPTURE(what);
    auto a = rig.post(req);
    CHECK(a.status == 400);
    CHECK(rig.intents() == 0);
    CHECK(rig.desk->ledger().orders().empty());
  };
  // Chains that must not verify, served for Amazon's URL in turn; first, so that no good
  // chain is in the verifier's cache yet (a failed chain is never cached).
  const double now = wall_now();
  test::TestKey leaf_key = test::TestKey::generate();
  auto serve = [&](const test::TestCert& signer, const char* what) {
    rig.fetcher.chains[kCertUrl] = signer.pem() + rig.pki.intermediate.pem();
    json env = test::alexa_envelope(kSkill, now, order);
    env["session"]["sessionId"] = std::string("s-") + what;
    refused(test::signed_alexa_request(env, leaf_key), what);
  };
  serve(rig.pki.intermediate.issue({"expired", now - 10 * 86400, now - 86400, {"echo-api.amazon.com"}}, leaf_key),
        "expired certificate");
  serve(rig.pki.intermediate.issue({"wrong san", now - 86400, now + 86400, {"echo-api.example.com"}}, leaf_key),
        "wrong SAN");
  test::TestKey rogue_key = test::TestKey::generate();
  test::TestCert rogue = test::TestCert::self_signed({"rogue CA", now - 86400, now + 86400, {}, true}, rogue_key);
  rig.fetcher.chains[kCertUrl] =
      rogue.issue({"rogue", now - 86400, now + 86400, {"echo-api.amazon.com"}}, leaf_key).pem();
  {
    json env = test::alexa_envelope(kSkill, now, order);
    refused(test::signed_alexa_request(env, leaf_key), "untrusted CA");
  }
  // With the good chain served again: the body, the headers, the time and the skill.
  rig.fetcher.chains[kCertUrl] = rig.pki.chain_pem();
  {
    HttpRequest req = rig.signed_request(order);
    req.body[req.body.size() / 2] ^= 0x01;  // one bit of the body changed after signing
    refused(req, "tampered body");
  }
  {
    HttpRequest req = rig.signed_request(order);
    req.headers.erase("signature-256");
    refused(req, "no signature header");
  }
  {
    HttpRequest req = rig.signed_request(order);
    req.headers.erase("signaturecertchainurl");
    refused(req, "no certificate URL header");
  }
  {
    json env = test::alexa_envelope(kSkill, wall_now() - 151, order);
    refused(test::signed_alexa_request(env, rig.pki.signer_key), "stale timestamp");
  }
  {
    json env = test::alexa_envelope("amzn1.ask.skill.someone-else", wall_now(), order);
    refused(test::signed_alexa_request(env, rig.pki.signer_key), "wrong skill id");
  }
  {
    json env = test::alexa_envelope(kSkill, wall_now(), order);
    refused(test::signed_alexa_request(env, test::TestKey::generate()), "signed by another key");
  }
  // A signed body without its media type is refused before any verification, as on every
  // JSON route: 415.
  for (const char* type : {"", "text/plain"}) {
    CAPTURE(type);
    HttpRequest req = rig.signed_request(order);
    req.headers.erase("content-type");
    if (*type) req.headers["content-type"] = type;
    auto a = rig.post(req);
    CHECK(a.status == 415);
    CHECK(json::parse(a.body)["error"]["code"] == "unsupported_media_type");
    CHECK(rig.intents() == 0);
    CHECK(rig.desk->ledger().orders().empty());
  }
  // The control: the same key with a good certificate (at another URL, so that the cached
  // chain is not used) is accepted.
  const std::string other = "https://s3.amazonaws.com/echo.api/echo-api-cert-2.pem";
  rig.fetcher.chains[other] =
      rig.pki.intermediate.issue({"good", now - 86400, now + 86400, {"echo-api.amazon.com"}}, leaf_key).pem() +
      rig.pki.intermediate.pem();
  json env = test::alexa_envelope(kSkill, now, {{"type", "LaunchRequest"}});
  CHECK(rig.post(test::signed_alexa_request(env, leaf_key, other)).status == 200);
}

TEST_CASE("vacation by Alexa: on until an AMAZON.DATE day, a bad date refused, asked about, off") {
  AlexaRig rig;
  // A day a month ahead, the form AMAZON.DATE gives for "the 24th of December".
  auto ahead = static_cast<std::time_t>(wall_now()) + std::time_t{30} * 86400;
  std::tm d{};
  gmtime_r(&ahead, &d);
  char day[16];
  REQUIRE(std::strftime(day, sizeof day, "%Y-%m-%d", &d) == 10);
  auto text_of = [](const test::HttpAnswer& a) {
    return speech_of(a)["outputSpeech"]["text"].get<std::string>();
  };

  auto on = rig.post(rig.signed_request(AlexaRig::intent("StartVacation", {{"until", day}})));
  REQUIRE_MESSAGE(on.status == 200, on.body);
  CHECK(text_of(on).rfind("Vacation mode is on until ", 0) == 0);
  CHECK(text_of(on).find(": automatic orders wait for your return.") != std::string::npos);
  CHECK(speech_of(on)["shouldEndSession"] == true);
  auto away = rig.hub.vacation();
  REQUIRE(away);
  REQUIRE(away->until);
  double until = *away->until;
  CHECK(until > wall_now() + 29 * 86400);  // that day's midnight (UTC here)
  CHECK(until <= wall_now() + 30 * 86400);

  auto bad = rig.post(rig.signed_request(AlexaRig::intent("StartVacation", {{"until", "2026-W52"}})));
  REQUIRE(bad.status == 200);
  CHECK(text_of(bad) == "Sorry, I did not understand the date 2026-W52. Please name a day, like the "
                        "24th of December. Nothing was changed.");
  REQUIRE(rig.hub.vacation());
  CHECK(rig.hub.vacation()->until == until);

  auto status = rig.post(rig.signed_request(AlexaRig::intent("VacationStatus")));
  REQUIRE(status.status == 200);
  CHECK(text_of(status).rfind("Vacation mode is on until ", 0) == 0);

  auto off = rig.post(rig.signed_request(AlexaRig::intent("EndVacation")));
  REQUIRE(off.status == 200);
  CHECK(text_of(off) == "Vacation mode is off. Welcome back!");
  CHECK_FALSE(rig.hub.vacation());
}
