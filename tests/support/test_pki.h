// A small PKI for tests of the Alexa request checks (adapters/alexa/alexa_verifier.h) and of
// TLS servers (a broker's certificate and key, secure_broker_test.cc),
// made with OpenSSL at run time: RSA 2048 keys, a root CA, an intermediate CA and signing
// certificates with the subject alternative names and validity a test chooses (expired or
// not yet valid ones too), their PEM text, body signatures as Alexa makes them, and a
// signed request for an envelope.
//
// Typical use:
//   const auto& pki = larder::test::AlexaTestPki::shared();  // keys made once per process
//   auto trust = alexa::TrustStore::from_pem(pki.root_pem());
//   larder::test::ServingCertFetcher fetcher;
//   fetcher.chains[std::string(alexa::kAmazonCertUrl)] = pki.chain_pem();
//   alexa::AlexaVerifier verifier("amzn1.ask.skill.test", *trust, fetcher);
//   HttpRequest req = larder::test::signed_alexa_request(
//       larder::test::alexa_envelope("amzn1.ask.skill.test", now, {{"type", "LaunchRequest"}}),
//       pki.signer_key);
// Failures (OpenSSL refusing something) throw std::runtime_error: doctest reports them.
// Thread rule: plain values; a TestKey or TestCert may be shared read-only.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "adapters/alexa/alexa_verifier.h"
#include "larder/http.h"

struct evp_pkey_st;  // OpenSSL's EVP_PKEY
struct x509_st;      // OpenSSL's X509

namespace larder::test {

// An RSA 2048 key pair.
class TestKey {
 public:
  static TestKey generate();
  // The base64 (no line breaks) RSA PKCS#1 v1.5 SHA-256 signature of `data`: the
  // Signature-256 header for a body.
  std::string sign(std::string_view data) const;
  // The private key, unencrypted PEM (for a server's keyfile in a test).
  std::string pem() const;
  evp_pkey_st* get() const { return key_.get(); }

 private:
  std::shared_ptr<evp_pkey_st> key_;
};

struct CertSpec {
  std::string name = "Larder test";     // the subject's common name
  double not_before = 0;                // epoch seconds
  double not_after = 0;
  std::vector<std::string> dns_names;   // subject alternative names; none: no SAN extension
  bool ca = false;                      // a CA (basicConstraints CA:TRUE, keyCertSign)
  std::vector<std::string> ip_addresses = {};  // IP subject alternative names ("127.0.0.1")
};

class TestCert {
 public:
  // A self-signed certificate for `key` (a root CA with spec.ca).
  static TestCert self_signed(const CertSpec& spec, const TestKey& key);
  // A certificate for `subject_key`, issued (and signed) by this certificate and its key.
  TestCert issue(const CertSpec& spec, const TestKey& subject_key) const;
  std::string pem() const;
  const TestKey& key() const { return key_; }

 private:
  std::shared_ptr<x509_st> cert_;
  TestKey key_;
};

// The usual chain: a root CA, an intermediate CA under it and a signing certificate under
// that for echo-api.amazon.com, each valid from `now` - 1 day to `now` + 1 year.
struct AlexaTestPki {
  TestKey root_key, intermediate_key, signer_key;
  TestCert root, intermediate, signer;

  static AlexaTestPki make(double now);
  // One made for kTestNow, kept for the whole process (key generation takes a while).
  static const AlexaTestPki& shared();

  std::string root_pem() const { return root.pem(); }                            // trust
  std::string chain_pem() const { return signer.pem() + intermediate.pem(); }    // served
};

// TLS files for configurations, whose cert and key are read by OpenSSL at load time
// (core/config_tls.cc): a certificate, the private key that belongs to it, and a key that
// does not; made once per process (from AlexaTestPki::shared()).
struct TestTlsFiles {
  std::string cert, key, other_key;
};
const TestTlsFiles& test_tls_files();

// 2026-11-30T12:00:00Z: the "now" of AlexaTestPki::shared().
inline constexpr double kTestNow = 1796040000;

// "2026-11-30T12:00:00Z": epoch seconds (whole) as Alexa writes request.timestamp.
std::string iso_utc(double epoch_s);

// A minimal request envelope: version, session (new, sessionId, application, user),
// context.System (application, device, user) and `request` with requestId and
// timestamp (iso_utc(ts)) added where absent. Tests change what they need.
nlohmann::json alexa_envelope(const std::string& skill_id, double ts, nlohmann::json request);

// POST /alexa with the envelope (compact JSON) as its body, signed by `key`, its
// SignatureCertChainUrl `cert_url`; header names in lower case as the HTTP server gives.
HttpRequest signed_alexa_request(const nlohmann::json& envelope, const TestKey& key,
                                 const std::string& cert_url = std::string(alexa::kAmazonCertUrl));

// A CertFetcher serving `chains` by URL (any other URL: an error), counting its calls. It
// answers inside fetch(), or, with `hold`, when release() is called.
class ServingCertFetcher : public alexa::CertFetcher {
 public:
  std::map<std::string, std::string> chains;  // URL -> PEM text
  std::optional<std::string> fail_with;       // set: every fetch fails with this reason
  bool hold = false;
  int calls = 0;
  std::vector<std::string> urls;              // asked for, in order

  void fetch(const std::string& url, std::function<void(Result<std::string>)> done) override;
  // Answers the held fetches, in order; returns how many.
  int release();

 private:
  std::vector<std::function<void()>> held_;
};

}  // namespace larder::test
