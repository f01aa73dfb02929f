// The five checks every Alexa request passes before the hub acts on it (shared/formats.md,
// "Voice"; Amazon's "Verify that the request was sent by Alexa"), with OpenSSL doing the
// X.509 and RSA work:
//   1. the SignatureCertChainUrl header is an https URL on s3.amazonaws.com (port absent or
//      443) whose normalised path starts with /echo.api/ (check_cert_url);
//   2. the PEM chain at that URL (signing certificate first) is valid now, chains to the
//      trust store, and the signing certificate's DNS subject alternative names include
//      echo-api.amazon.com;
//   3. the Signature-256 header, base64-decoded, is an RSA PKCS#1 v1.5 SHA-256 signature of
//      the raw body bytes by that certificate;
//   4. request.timestamp is within 150 s of now, either way;
//   5. the application id (session.application and/or context.System.application) is the
//      configured skill id: at least one is present and every present one equals it.
// Any failure is an error that names the rule, for the log; the endpoint answers 400.
//
// The trust store and the certificate fetcher are parameters: the daemon passes the
// system's store and HttpCertFetcher (cert_fetcher_http.h); tests pass their own CA and a
// fetcher that serves the test chain for the same URL, since Amazon cannot be reached.
// Verified chains are cached by URL until the earliest notAfter in the chain.
//
// Thread rule: AlexaVerifier on the event-loop thread only (its fetcher answers there).
// TrustStore is immutable after it is made and may be shared.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "larder/http.h"
#include "larder/status.h"

struct x509_store_st;  // OpenSSL's X509_STORE

namespace larder::alexa {

// The certificate URL every known Alexa request names (for tests and documentation).
inline constexpr std::string_view kAmazonCertUrl =
    "https://s3.amazonaws.com/echo.api/echo-api-cert.pem";
// The bounds of what the verifier reads.
inline constexpr std::size_t kMaxBodyBytes = std::size_t{128} * 1024;
inline constexpr int kMaxJsonDepth = 64;
inline constexpr double kMaxClockSkew = 150;  // seconds, rule 4

// Rule 1. Besides what formats.md lists: a userinfo part, an empty or non-numeric port, a
// query, a fragment, a percent-encoded '/' or '\', a malformed percent sign and any
// character outside RFC 3986's path characters are refused (Amazon never sends them).
// Percent-encoded unreserved characters are decoded before the dot segments are removed
// (RFC 3986 6.2.2), so "%2e%2e" counts as "..". Both are in cert_url.cc.
Status check_cert_url(std::string_view url);

// The URL rule 1 accepted, in its normal form: "https://s3.amazonaws.com" and the
// normalised path (the port, being 443, dropped). This is what the verifier fetches and
// caches by, so that what was checked is what is fetched.
Result<std::string> normalise_cert_url(std::string_view url);

// The certificates a chain must end in.
class TrustStore {
 public:
  // OpenSSL's default locations (the system's CA certificates).
  static Result<std::shared_ptr<TrustStore>> system();
  // A PEM file of CA certificates (at least one), or a directory in OpenSSL's hashed form.
  static Result<std::shared_ptr<TrustStore>> from_path(const std::string& file_or_dir);
  // PEM text holding one or more CA certificates (tests).
  static Result<std::shared_ptr<TrustStore>> from_pem(const std::string& pem);

  ~TrustStore();
  TrustStore(const TrustStore&) = delete;
  TrustStore& operator=(const TrustStore&) = delete;

  x509_store_st* get() const { return store_; }

 private:
  explicit TrustStore(x509_store_st* store) : store_(store) {}
  x509_store_st* store_;
};

// Fetches a certificate chain (PEM text, the signing certificate first).
class CertFetcher {
 public:
  virtual ~CertFetcher() = default;
  // `done` is called once, on the event-loop thread, with the PEM text or the reason there
  // is none. A fetcher may call it before fetch() returns (test fetchers do).
  virtual void fetch(const std::string& url, std::function<void(Result<std::string>)> done) = 0;
};

class AlexaVerifier {
 public:
  // `skill_id`: the configured application id (an empty one matches nothing). `fetcher`
  // must outlive the verifier. `cache_size`: how many verified chains are kept (at least 1).
  AlexaVerifier(std::string skill_id, std::shared_ptr<TrustStore> trust, CertFetcher& fetcher,
                std::size_t cache_size = 8);
  ~AlexaVerifier();
  AlexaVerifier(const AlexaVerifier&) = delete;
  AlexaVerifier& operator=(const AlexaVerifier&) = delete;

  // Checks `req` (its headers signaturecertchainurl and signature-256, and its body) at
  // `now` (epoch seconds) and answers `done` once, on this thread: the request envelope as
  // JSON, or an error naming the rule that failed. Without a cached chain it answers after
  // the fetcher did (within the fetcher's timeout), otherwise before it returns. `req` is
  // not used after verify() returns. Requests for a URL whose fetch is under way wait for
  // that fetch. If the verifier is destroyed while a fetch is under way, the requests
  // waiting for it are never answered: their `done` is destroyed uncalled, so a caller
  // that must answer does it from what `done` owns (the /alexa route answers 503).
  void verify(const HttpRequest& req, double now,
              std::function<void(Result<nlohmann::json>)> done);

  // How many verified chains are cached (for tests and metrics).
  std::size_t cached_chains() const;

 private:
  struct State;
  std::shared_ptr<State> state_;  // the fetcher's callbacks hold it weakly
};

}  // namespace larder::alexa
