// The Alexa request checks (adapters/alexa/alexa_verifier.h) with real OpenSSL work on a
// test PKI made at run time (support/test_pki.h): a correctly signed request, each of the
// five rules broken in turn (the certificate URL forms of shared/formats.md are
// alexa_cert_url_test.cc's), the chain cache, and the HTTP certificate fetcher against the
// hub's own HTTP server on loopback. The one stand-in is the fetcher that serves the test
// chain for Amazon's URL, which a test cannot reach (formats.md says so).
#include "adapters/alexa/alexa_verifier.h"

#include <doctest/doctest.h>

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "adapters/alexa/cert_fetcher_http.h"
#include "adapters/http/http_server.h"
#include "larder/metrics.h"
#include "support/answer_loop.h"
#include "support/tempdir.h"
#include "support/test_pki.h"

using namespace larder;
using namespace larder::alexa;
using larder::test::AlexaTestPki;
using larder::test::CertSpec;
using larder::test::kTestNow;
using larder::test::ServingCertFetcher;
using larder::test::TestCert;
using larder::test::TestKey;
using nlohmann::json;

namespace {

const std::string kSkill = "amzn1.ask.skill.4c8e2f1a-7b3d-4e9a-a6c5-2d1f8b7e3a90";
const std::string kUrl(kAmazonCertUrl);
constexpr double kDay = 86400;

const AlexaTestPki& pki() { return AlexaTestPki::shared(); }

// Keys for the odd certificates, made once.
const TestKey& other_key() {
  static const TestKey key = TestKey::generate();
  return key;
}

std::shared_ptr<TrustStore> test_trust() {
  auto t = TrustStore::from_pem(pki().root_pem());
  REQUIRE_MESSAGE(t.ok(), t.status().message());
  return *t;
}

json launch(double ts = kTestNow) {
  return test::alexa_envelope(kSkill, ts, {{"type", "LaunchRequest"}});
}

// A verifier with the shared PKI's root trusted and its chain served at Amazon's URL.
struct World {
  ServingCertFetcher fetcher;
  std::unique_ptr<AlexaVerifier> verifier;

  explicit World(std::size_t cache_size = 8, const std::string& skill = kSkill) {
    fetcher.chains[kUrl] = pki().chain_pem();
    verifier = std::make_unique<AlexaVerifier>(skill, test_trust(), fetcher, cache_size);
  }

  // The verifier's answer, which must come once and, with the test fetcher, at once.
  Result<json> run(const HttpRequest& req, double now = kTestNow) {
    std::optional<Result<json>> out;
    int answers = 0;
    verifier->verify(req, now, [&](Result<json> r) {
      ++answers;
      out = std::move(r);
    });
    REQUIRE(out.has_value());
    CHECK(answers == 1);
    return std::move(*out);
  }
};

HttpRequest signed_request(const json& envelope = launch(), const std::string& url = kUrl) {
  return test::signed_alexa_request(envelope, pki().signer_key, url);
}

void check_rejected(const Result<json>& r, const std::string& words) {
  REQUIRE_FALSE(r.ok());
  INFO("message: " << r.status().message());
  CHECK(r.status().message().find(words) != std::string::npos);
}

// A chain whose signing certificate is issued by the shared intermediate with `spec`.
std::string chain_with_signer(const CertSpec& spec) {
  return pki().intermediate.issue(spec, pki().signer_key).pem() + pki().intermediate.pem();
}

CertSpec signer_spec() {
  return {"echo-api.amazon.com", kTestNow - kDay, kTestNow + 365 * kDay,
          {"echo-api.amazon.com"}, false};
}

}  // namespace

TEST_CASE("a correctly signed request is accepted and its envelope returned") {
  World w;
  json envelope = launch();
  auto r = w.run(signed_request(envelope));
  REQUIRE_MESSAGE(r.ok(), r.status().message());
  CHECK(*r == envelope);
  CHECK(w.fetcher.calls == 1);
  CHECK(w.fetcher.urls == std::vector<std::string>{kUrl});
  CHECK(w.verifier->cached_chains() == 1);
}

TEST_CASE("the accepted forms: fractional timestamps, 150 s either way, one id, SAN in capitals") {
  World w;
  for (double off : {-150.0, 150.0, 0.0}) {
    INFO("off " << off);
    auto r = w.run(signed_request(launch(kTestNow + off)));
    CHECK_MESSAGE(r.ok(), r.status().message());
  }
  json e = launch();
  e["request"]["timestamp"] = "2026-11-30T12:00:00.250Z";
  CHECK(w.run(signed_request(e)).ok());
  e["request"]["timestamp"] = "2026-11-30T11:57:30.000Z";  // 150 s old
  CHECK(w.run(signed_request(e)).ok());

  json only_context = launch();
  only_context.erase("session");
  CHECK(w.run(signed_request(only_context)).ok());
  json only_session = launch();
  only_session["context"]["System"].erase("application");
  CHECK(w.run(signed_request(only_session)).ok());

  World upper;
  CertSpec spec = signer_spec();
  spec.dns_names = {"other.example", "ECHO-API.AMAZON.COM"};
  upper.fetcher.chains[kUrl] = chain_with_signer(spec);
  auto r = upper.run(signed_request());
  CHECK_MESSAGE(r.ok(), r.status().message());
}

TEST_CASE("missing headers are refused before any fetch") {
  World w;
  HttpRequest no_url = signed_request();
  no_url.headers.erase("signaturecertchainurl");
  check_rejected(w.run(no_url), "SignatureCertChainUrl header is missing");
  HttpRequest no_sig = signed_request();
  no_sig.headers.erase("signature-256");
  check_rejected(w.run(no_sig), "Signature-256 header is missing");
  HttpRequest empty_sig = signed_request();
  empty_sig.headers["signature-256"] = "";
  check_rejected(w.run(empty_sig), "Signature-256 header is missing");
  CHECK(w.fetcher.calls == 0);
}

TEST_CASE("rule 1: a bad certificate URL is refused and the fetcher is not called") {
  World w;
  for (const char* url : {"http://s3.amazonaws.com/echo.api/echo-api-cert.pem",
                          "https://notamazon.com/echo.api/echo-api-cert.pem",
                          "https://s3.amazonaws.com/EcHo.aPi/echo-api-cert.pem",
                          "https://s3.amazonaws.com:563/echo.api/echo-api-cert.pem"}) {
    w.fetcher.chains[url] = pki().chain_pem();  // would be served: it must not be asked
    check_rejected(w.run(signed_request(launch(), url)), "rule 1");
  }
  CHECK(w.fetcher.calls == 0);
}

TEST_CASE("rule 2: a failed fetch is refused and not cached") {
  World w;
  w.fetcher.fail_with = "no answer: connection refused";
  auto r = w.run(signed_request());
  check_rejected(r, "rule 2");
  check_rejected(r, "connection refused");
  CHECK(w.verifier->cached_chains() == 0);
  w.fetcher.fail_with.reset();
  CHECK(w.run(signed_request()).ok());
  CHECK(w.fetcher.calls == 2);
}

TEST_CASE("rule 2: unreadable or incomplete chains are refused") {
  World w;
  w.fetcher.chains[kUrl] = "not a certificate";
  check_rejected(w.run(signed_request()), "rule 2");
  w.fetcher.chains[kUrl] = "";
  check_rejected(w.run(signed_request()), "rule 2");
  std::string broken = pki().chain_pem();
  broken[broken.find("MII") + 10] = '*';
  w.fetcher.chains[kUrl] = broken;
  check_rejected(w.run(signed_request()), "rule 2");
  w.fetcher.chains[kUrl] = pki().signer.pem();  // the intermediate left out
  check_rejected(w.run(signed_request()), "unable to get local issuer certificate");
  std::string nine;
  for (int i = 0; i < 9; ++i) nine += pki().intermediate.pem();
  w.fetcher.chains[kUrl] = pki().signer.pem() + nine;
  check_rejected(w.run(signed_request()), "more than 8 certificates");
  CHECK(w.verifier->cached_chains() == 0);
}

TEST_CASE("rule 2: a chain from an untrusted CA is refused and not cached") {
  World w;
  TestCert rogue_root = TestCert::self_signed(
      {"Rogue Root", kTestNow - kDay, kTestNow + 365 * kDay, {}, true}, other_key());
  TestCert rogue_signer = rogue_root.issue(signer_spec(), pki().signer_key);
  w.fetcher.chains[kUrl] = rogue_signer.pem() + rogue_root.pem();
  check_rejected(w.run(signed_request()), "rule 2");
  w.fetcher.chains[kUrl] = rogue_signer.pem();
  check_rejected(w.run(signed_request()), "rule 2");
  CHECK(w.verifier->cached_chains() == 0);
  CHECK(w.fetcher.calls == 2);  // nothing cached: each request fetched
}

TEST_CASE("rule 2: expired and not yet valid certificates are refused") {
  SUBCASE("an expired signing certificate") {
    World w;
    CertSpec spec = signer_spec();
    spec.not_after = kTestNow - 10;
    w.fetcher.chains[kUrl] = chain_with_signer(spec);
    check_rejected(w.run(signed_request()), "certificate has expired");
  }
  SUBCASE("a signing certificate not yet valid") {
    World w;
    CertSpec spec = signer_spec();
    spec.not_before = kTestNow + 100;
    w.fetcher.chains[kUrl] = chain_with_signer(spec);
    check_rejected(w.run(signed_request()), "certificate is not yet valid");
  }
  SUBCASE("an expired intermediate") {
    World w;
    TestCert old = pki().root.issue(
        {"Old Intermediate", kTestNow - 30 * kDay, kTestNow - kDay, {}, true}, other_key());
    w.fetcher.chains[kUrl] = old.issue(signer_spec(), pki().signer_key).pem() + old.pem();
    check_rejected(w.run(signed_request()), "certificate has expired");
  }
  SUBCASE("a valid chain checked at a time after it expired") {
    World w;
    double later = kTestNow + 400 * kDay;
    check_rejected(w.run(signed_request(launch(later)), later), "certificate has expired");
  }
}

TEST_CASE("rule 2: a signing certificate without echo-api.amazon.com is refused") {
  for (const std::vector<std::string>& names :
       {std::vector<std::string>{}, {"echo-api.amazon.com.evil.example"}, {"*.amazon.com"},
        {"echo-api.amazon.co"}, {"xecho-api.amazon.com"}}) {
    World w;
    CertSpec spec = signer_spec();
    spec.dns_names = names;
    w.fetcher.chains[kUrl] = chain_with_signer(spec);
    check_rejected(w.run(signed_request()), "subject alternative names");
    CHECK(w.verifier->cached_chains() == 0);
  }
}

TEST_CASE("rule 3: a tampered body or a wrong signature is refused") {
  World w;
  HttpRequest tampered = signed_request();
  tampered.body[tampered.body.find("LaunchRequest")] = 'l';  // one byte
  check_rejected(w.run(tampered), "rule 3");

  HttpRequest other = signed_request();
  other.headers["signature-256"] = other_key().sign(other.body);
  check_rejected(w.run(other), "rule 3");

  HttpRequest truncated = signed_request();
  std::string& sig = truncated.headers["signature-256"];
  sig = sig.substr(0, sig.size() - 4);
  check_rejected(w.run(truncated), "rule 3");

  for (const char* garbage : {"not base64!", "@@@@", "AAA", "====", "QUJD\nREVG", " QUJD"}) {
    INFO(garbage);
    HttpRequest g = signed_request();
    g.headers["signature-256"] = garbage;
    check_rejected(w.run(g), "rule 3");
  }
  // The signature of the right body with the right key still passes after all of that.
  CHECK(w.run(signed_request()).ok());
}

TEST_CASE("rule 4: stale, future, missing and malformed timestamps are refused") {
  World w;
  check_rejected(w.run(signed_request(launch(kTestNow - 151))), "rule 4");
  check_rejected(w.run(signed_request(launch(kTestNow + 151))), "rule 4");
  json e = launch();
  e["request"].erase("timestamp");
  check_rejected(w.run(signed_request(e)), "request.timestamp is missing");
  for (json bad : {json(1796040000), json("2026-11-30 12:00:00Z"), json("2026-11-30T12:00:00"),
                   json("2026-11-30T12:00:00+00:00"), json("2026-02-30T12:00:00Z"),
                   json("2026-11-30T24:00:00Z"), json("2026-11-30T12:00:00.Z"), json("")}) {
    INFO(bad.dump());
    e["request"]["timestamp"] = bad;
    check_rejected(w.run(signed_request(e)), "rule 4");
  }
  json no_request = launch();
  no_request.erase("request");
  check_rejected(w.run(signed_request(no_request)), "rule 4");
}

TEST_CASE("rule 5: a wrong, missing or mismatching application id is refused") {
  World w;
  check_rejected(w.run(signed_request(test::alexa_envelope(
                     "amzn1.ask.skill.another", kTestNow, {{"type", "LaunchRequest"}}))),
                 "rule 5");
  json none = launch();
  none.erase("session");
  none["context"]["System"].erase("application");
  check_rejected(w.run(signed_request(none)), "names no application id");
  json session_wrong = launch();
  session_wrong["session"]["application"]["applicationId"] = "amzn1.ask.skill.another";
  check_rejected(w.run(signed_request(session_wrong)), "session.application.applicationId");
  json context_wrong = launch();
  context_wrong["context"]["System"]["application"]["applicationId"] = "amzn1.ask.skill.x";
  check_rejected(w.run(signed_request(context_wrong)), "context.System.application");
  json not_string = launch();
  not_string["session"]["application"]["applicationId"] = 7;
  check_rejected(w.run(signed_request(not_string)), "rule 5");

  World unconfigured(8, "");
  json empty_ids = test::alexa_envelope("", kTestNow, {{"type", "LaunchRequest"}});
  check_rejected(unconfigured.run(signed_request(empty_ids)), "no skill id is configured");
}

TEST_CASE("bodies: too large, too deep or not a JSON object are refused") {
  World w;
  HttpRequest big = signed_request();
  big.body = std::string(kMaxBodyBytes + 1, ' ');
  big.headers["signature-256"] = pki().signer_key.sign(big.body);
  check_rejected(w.run(big), "over 128 KiB");
  CHECK(w.fetcher.calls == 0);

  auto signed_body = [](const std::string& body) {
    HttpRequest r = signed_request();
    r.body = body;
    r.headers["signature-256"] = pki().signer_key.sign(body);
    return r;
  };
  check_rejected(w.run(signed_body(std::string(65, '[') + std::string(65, ']'))),
                 "deeper than 64");
  // Brackets inside strings do not count.
  json deep_text = launch();
  deep_text["request"]["note"] = std::string(100, '[');
  CHECK(w.run(signed_request(deep_text)).ok());
  check_rejected(w.run(signed_body("{\"version\":")), "not a JSON object");
  check_rejected(w.run(signed_body("[1,2]")), "not a JSON object");
  check_rejected(w.run(signed_body("{\"a\":\"\xff\"}")), "not a JSON object");
}

TEST_CASE("the cache: a chain is fetched once and not used past its earliest notAfter") {
  World w;
  // The intermediate ends before the signing certificate: it bounds the cache.
  TestCert short_ca = pki().root.issue(
      {"Short Intermediate", kTestNow - kDay, kTestNow + 500, {}, true}, other_key());
  CertSpec spec = signer_spec();
  spec.not_after = kTestNow + 1000;
  w.fetcher.chains[kUrl] = short_ca.issue(spec, pki().signer_key).pem() + short_ca.pem();

  REQUIRE(w.run(signed_request()).ok());
  CHECK(w.fetcher.calls == 1);
  CHECK(w.run(signed_request(launch(kTestNow + 100)), kTestNow + 100).ok());
  CHECK(w.run(signed_request(launch(kTestNow + 499)), kTestNow + 499).ok());  // the last second
  CHECK(w.fetcher.calls == 1);
  // A bad signature with a cached chain: refused, and the chain stays.
  HttpRequest tampered = signed_request();
  tampered.body[5] = 'X';
  check_rejected(w.run(tampered), "rule 3");
  CHECK(w.fetcher.calls == 1);

  // At the notAfter second OpenSSL takes the intermediate as expired, and so does the cache.
  check_rejected(w.run(signed_request(launch(kTestNow + 500)), kTestNow + 500),
                 "certificate has expired");
  CHECK(w.fetcher.calls == 2);  // fetched again, and the new copy is expired as well
  CHECK(w.verifier->cached_chains() == 0);
}

TEST_CASE("the cache holds at most its size, dropping the least recently used chain") {
  World w(2);
  const std::string a = "https://s3.amazonaws.com/echo.api/a.pem";
  const std::string b = "https://s3.amazonaws.com/echo.api/b.pem";
  const std::string c = "https://s3.amazonaws.com/echo.api/c.pem";
  for (const auto& u : {a, b, c}) w.fetcher.chains[u] = pki().chain_pem();
  CHECK(w.run(signed_request(launch(), a)).ok());
  CHECK(w.run(signed_request(launch(), b)).ok());
  CHECK(w.run(signed_request(launch(), a)).ok());  // a used after b
  CHECK(w.fetcher.calls == 2);
  CHECK(w.run(signed_request(launch(), c)).ok());  // drops b
  CHECK(w.verifier->cached_chains() == 2);
  CHECK(w.run(signed_request(launch(), a)).ok());
  CHECK(w.run(signed_request(launch(), c)).ok());
  CHECK(w.fetcher.calls == 3);
  CHECK(w.run(signed_request(launch(), b)).ok());
  CHECK(w.fetcher.calls == 4);
  CHECK(w.fetcher.urls == std::vector<std::string>{a, b, c, b});
}

TEST_CASE("the cache is keyed by the normalised URL") {
  World w;
  const char* odd = "HTTPS://S3.AMAZONAWS.COM:443/echo.api/x/../echo-api-cert.pem";
  CHECK(w.run(signed_request(launch(), odd)).ok());
  CHECK(w.run(signed_request()).ok());
  CHECK(w.fetcher.calls == 1);
  CHECK(w.fetcher.urls.front() == kUrl);
}

TEST_CASE("requests that arrive during a fetch wait for it, and each gets its own answer") {
  World w;
  w.fetcher.hold = true;
  std::vector<Result<json>> answers;
  auto keep = [&](Result<json> r) { answers.push_back(std::move(r)); };
  w.verifier->verify(signed_request(), kTestNow, keep);
  HttpRequest tampered = signed_request();
  tampered.body[3] = 'Y';
  w.verifier->verify(tampered, kTestNow + 1, keep);
  w.verifier->verify(signed_request(launch(kTestNow + 2)), kTestNow + 2, keep);
  CHECK(answers.empty());
  CHECK(w.fetcher.calls == 1);
  CHECK(w.fetcher.release() == 1);
  REQUIRE(answers.size() == 3);
  CHECK(answers[0].ok());
  check_rejected(answers[1], "rule 3");
  CHECK(answers[2].ok());
  // Now cached.
  CHECK(w.run(signed_request()).ok());
  CHECK(w.fetcher.calls == 1);
}

TEST_CASE("a verifier destroyed during a fetch answers nothing and nothing breaks") {
  ServingCertFetcher fetcher;
  fetcher.chains[kUrl] = pki().chain_pem();
  fetcher.hold = true;
  int answers = 0;
  {
    AlexaVerifier v(kSkill, test_trust(), fetcher);
    v.verify(signed_request(), kTestNow, [&](const Result<json>&) { ++answers; });
  }
  CHECK(fetcher.release() == 1);
  CHECK(answers == 0);
}

TEST_CASE("TrustStore: from a PEM file, a directory, and the system's") {
  test::TempDir dir;
  std::string file = dir.write("root.pem", pki().root_pem());
  auto from_file = TrustStore::from_path(file);
  REQUIRE_MESSAGE(from_file.ok(), from_file.status().message());
  ServingCertFetcher fetcher;
  fetcher.chains[kUrl] = pki().chain_pem();
  {
    AlexaVerifier v(kSkill, *from_file, fetcher);
    std::optional<Result<json>> out;
    v.verify(signed_request(), kTestNow, [&](Result<json> r) { out = std::move(r); });
    REQUIRE(out);
    CHECK_MESSAGE(out->ok(), out->status().message());
  }
  {
    // The system's store does not know the test root.
    auto sys = TrustStore::system();
    REQUIRE_MESSAGE(sys.ok(), sys.status().message());
    AlexaVerifier v(kSkill, *sys, fetcher);
    std::optional<Result<json>> out;
    v.verify(signed_request(), kTestNow, [&](Result<json> r) { out = std::move(r); });
    REQUIRE(out);
    check_rejected(*out, "rule 2");
  }
  CHECK(TrustStore::from_path(dir.path()).ok());  // a (hashed) directory
  CHECK_FALSE(TrustStore::from_path(dir.file("absent.pem")).ok());
  CHECK_FALSE(TrustStore::from_path(dir.write("empty.pem", "nothing here")).ok());
  CHECK_FALSE(TrustStore::from_pem("").ok());
  CHECK_FALSE(TrustStore::from_pem("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n")
                  .ok());
}

// --- HttpCertFetcher, against the hub's HTTP server on 127.0.0.1 ---

namespace {

struct CertServer {
  Metrics metrics;
  std::unique_ptr<HttpServer> server;
  std::vector<std::string> paths;
  int status = 200;
  std::string body = "-----BEGIN CERTIFICATE-----\n...\n";

  explicit CertServer(boost::asio::io_context& io) {
    HttpServerOptions o;
    o.host = "127.0.0.1";
    o.port = 0;
    server = std::make_unique<HttpServer>(
        io, o,
        [this](const HttpRequest& r) {
          paths.push_back(r.path);
          HttpResponse res;
          res.status = status;
          res.content_type = "application/x-pem-file";
          res.body = body;
          return res;
        },
        metrics);
    Status s = server->start();
    REQUIRE_MESSAGE(s.ok(), s.message());
  }
  std::string url(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(server->port()) + path;
  }
};

}  // namespace

TEST_CASE("HttpCertFetcher: a 200 answer is the chain, anything else an error naming the URL") {
  test::AnswerLoop loop;
  CertServer server(loop.io);
  HttpCertFetcher fetcher(loop.post, 10);
  auto fetch = [&](const std::string& url) {
    return loop.await<Result<std::string>>(
        [&](std::function<void(Result<std::string>)> done) { fetcher.fetch(url, std::move(done)); });
  };

  server.body = pki().chain_pem();
  auto ok = fetch(server.url("/echo.api/echo-api-cert.pem"));
  REQUIRE_MESSAGE(ok.ok(), ok.status().message());
  CHECK(*ok == pki().chain_pem());
  CHECK(server.paths == std::vector<std::string>{"/echo.api/echo-api-cert.pem"});

  server.status = 404;
  std::string url = server.url("/echo.api/missing.pem");
  auto missing = fetch(url);
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.status().message().find(url) != std::string::npos);
  CHECK(missing.status().message().find("HTTP 404") != std::string::npos);

  server.status = 201;
  CHECK_FALSE(fetch(server.url("/echo.api/x.pem")).ok());

  server.status = 200;
  server.body = std::string(kMaxCertChainBytes, 'x');
  auto big = fetch(server.url("/echo.api/big.pem"));
  REQUIRE_FALSE(big.ok());
  CHECK(big.status().message().find("64 KiB") != std::string::npos);
  server.body = std::string(kMaxCertChainBytes - 1, 'x');
  CHECK(fetch(server.url("/echo.api/big.pem")).ok());

  CHECK_FALSE(fetch("no-scheme").ok());
  CHECK_FALSE(fetch("gopher://127.0.0.1/echo.api/x.pem").ok());
}

TEST_CASE("HttpCertFetcher: no server is an error, answered on the loop") {
  test::AnswerLoop loop;
  std::string url;
  {
    CertServer server(loop.io);
    url = server.url("/echo.api/echo-api-cert.pem");
  }  // stopped: the port is closed
  HttpCertFetcher fetcher(loop.post, 10);
  auto r = loop.await<Result<std::string>>(
      [&](std::function<void(Result<std::string>)> done) { fetcher.fetch(url, std::move(done)); });
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().message().find("cannot fetch " + url + ": no answer") != std::string::npos);
}
