#include "support/test_pki.h"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <atomic>
#include <ctime>
#include <stdexcept>
#include <utility>

namespace larder::test {
namespace {

struct Free {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
  void operator()(EVP_PKEY_CTX* p) const { EVP_PKEY_CTX_free(p); }
  void operator()(EVP_MD_CTX* p) const { EVP_MD_CTX_free(p); }
  void operator()(X509* p) const { X509_free(p); }
  void operator()(X509_EXTENSION* p) const { X509_EXTENSION_free(p); }
  void operator()(BIO* p) const { BIO_free(p); }
};
template <class T>
using Owned = std::unique_ptr<T, Free>;

[[noreturn]] void fail(const std::string& what) {
  char buf[256] = "no OpenSSL error";
  if (unsigned long e = ERR_get_error(); e != 0) ERR_error_string_n(e, buf, sizeof buf);
  ERR_clear_error();
  throw std::runtime_error("test PKI: " + what + ": " + buf);
}

void add_extension(X509* cert, X509V3_CTX* ctx, int nid, const std::string& value) {
  Owned<X509_EXTENSION> ext(X509V3_EXT_conf_nid(nullptr, ctx, nid, value.c_str()));
  if (!ext || X509_add_ext(cert, ext.get(), -1) != 1) fail("extension " + value);
}

// A certificate for `subject_key` signed by `issuer_key`; `issuer` nullptr: self-signed.
std::shared_ptr<X509> make_cert(const CertSpec& spec, EVP_PKEY* subject_key, X509* issuer,
                                EVP_PKEY* issuer_key) {
  static std::atomic<long> serial{1000};
  Owned<X509> cert(X509_new());
  if (!cert || X509_set_version(cert.get(), 2) != 1 ||
      ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), ++serial) != 1 ||
      ASN1_TIME_set(X509_getm_notBefore(cert.get()), static_cast<time_t>(spec.not_before)) ==
          nullptr ||
      ASN1_TIME_set(X509_getm_notAfter(cert.get()), static_cast<time_t>(spec.not_after)) ==
          nullptr) {
    fail("certificate fields");
  }
  X509_NAME* subject = X509_get_subject_name(cert.get());
  if (X509_NAME_add_entry_by_txt(subject, "CN", MBSTRING_UTF8,
                                 reinterpret_cast<const unsigned char*>(spec.name.c_str()), -1,
                                 -1, 0) != 1 ||
      X509_set_issuer_name(cert.get(), issuer ? X509_get_subject_name(issuer) : subject) != 1 ||
      X509_set_pubkey(cert.get(), subject_key) != 1) {
    fail("certificate names");
  }
  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, issuer ? issuer : cert.get(), cert.get(), nullptr, nullptr, 0);
  add_extension(cert.get(), &ctx, NID_basic_constraints,
                spec.ca ? "critical,CA:TRUE" : "critical,CA:FALSE");
  add_extension(cert.get(), &ctx, NID_key_usage,
                spec.ca ? "critical,keyCertSign,cRLSign" : "critical,digitalSignature");
  add_extension(cert.get(), &ctx, NID_subject_key_identifier, "hash");
  if (issuer) add_extension(cert.get(), &ctx, NID_authority_key_identifier, "keyid:always");
  if (!spec.dns_names.empty() || !spec.ip_addresses.empty()) {
    std::string san;
    for (const auto& n : spec.dns_names) san += (san.empty() ? "DNS:" : ",DNS:") + n;
    for (const auto& ip : spec.ip_addresses) san += (san.empty() ? "IP:" : ",IP:") + ip;
    add_extension(cert.get(), &ctx, NID_subject_alt_name, san);
  }
  if (X509_sign(cert.get(), issuer_key, EVP_sha256()) <= 0) fail("signing a certificate");
  return std::shared_ptr<X509>(cert.release(), Free{});
}

}  // namespace

TestKey TestKey::generate() {
  Owned<EVP_PKEY_CTX> ctx(EVP_PKEY_CTX_new_id(EVP_PKEY_RSA, nullptr));
  EVP_PKEY* key = nullptr;
  if (!ctx || EVP_PKEY_keygen_init(ctx.get()) != 1 ||
      EVP_PKEY_CTX_set_rsa_keygen_bits(ctx.get(), 2048) <= 0 ||
      EVP_PKEY_keygen(ctx.get(), &key) != 1) {
    fail("RSA key generation");
  }
  TestKey k;
  k.key_ = std::shared_ptr<EVP_PKEY>(key, Free{});
  return k;
}

std::string TestKey::sign(std::string_view data) const {
  Owned<EVP_MD_CTX> md(EVP_MD_CTX_new());
  EVP_PKEY_CTX* pctx = nullptr;  // owned by md
  std::size_t len = 0;
  const auto* bytes = reinterpret_cast<const unsigned char*>(data.data());
  if (!md || EVP_DigestSignInit(md.get(), &pctx, EVP_sha256(), nullptr, key_.get()) != 1 ||
      EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) <= 0 ||
      EVP_DigestSign(md.get(), nullptr, &len, bytes, data.size()) != 1) {
    fail("signing set-up");
  }
  std::string sig(len, '\0');
  if (EVP_DigestSign(md.get(), reinterpret_cast<unsigned char*>(sig.data()), &len, bytes,
                     data.size()) != 1) {
    fail("signing");
  }
  sig.resize(len);
  std::string b64(4 * ((sig.size() + 2) / 3) + 1, '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(b64.data()),
                          reinterpret_cast<const unsigned char*>(sig.data()),
                          static_cast<int>(sig.size()));
  b64.resize(static_cast<std::size_t>(n));
  return b64;
}

std::string TestKey::pem() const {
  Owned<BIO> bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_PrivateKey(bio.get(), key_.get(), nullptr, nullptr, 0, nullptr,
                                       nullptr) != 1) {
    fail("writing a key's PEM");
  }
  char* data = nullptr;
  long n = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(n));
}

TestCert TestCert::self_signed(const CertSpec& spec, const TestKey& key) {
  TestCert c;
  c.cert_ = make_cert(spec, key.get(), nullptr, key.get());
  c.key_ = key;
  return c;
}

TestCert TestCert::issue(const CertSpec& spec, const TestKey& subject_key) const {
  TestCert c;
  c.cert_ = make_cert(spec, subject_key.get(), cert_.get(), key_.get());
  c.key_ = subject_key;
  return c;
}

std::string TestCert::pem() const {
  Owned<BIO> bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_X509(bio.get(), cert_.get()) != 1) fail("writing PEM");
  char* data = nullptr;
  long n = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(n));
}

AlexaTestPki AlexaTestPki::make(double now) {
  constexpr double kDay = 86400;
  AlexaTestPki p;
  p.root_key = TestKey::generate();
  p.intermediate_key = TestKey::generate();
  p.signer_key = TestKey::generate();
  p.root = TestCert::self_signed({"Larder Test Root CA", now - kDay, now + 365 * kDay, {}, true},
                                 p.root_key);
  p.intermediate = p.root.issue(
      {"Larder Test Intermediate CA", now - kDay, now + 365 * kDay, {}, true},
      p.intermediate_key);
  p.signer = p.intermediate.issue(
      {"echo-api.amazon.com", now - kDay, now + 365 * kDay, {"echo-api.amazon.com"}, false},
      p.signer_key);
  return p;
}

const AlexaTestPki& AlexaTestPki::shared() {
  static const AlexaTestPki pki = make(kTestNow);
  return pki;
}

const TestTlsFiles& test_tls_files() {
  static const TestTlsFiles files = [] {
    const AlexaTestPki& pki = AlexaTestPki::shared();
    return TestTlsFiles{pki.signer.pem(), pki.signer_key.pem(), pki.root_key.pem()};
  }();
  return files;
}

std::string iso_utc(double epoch_s) {
  auto t = static_cast<std::time_t>(epoch_s);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

nlohmann::json alexa_envelope(const std::string& skill_id, double ts, nlohmann::json request) {
  if (!request.contains("requestId")) {
    request["requestId"] = "amzn1.echo-api.request.0f5b9a1e-3c2d-4b7a-9e61-8d2f4c1a7b30";
  }
  if (!request.contains("timestamp")) request["timestamp"] = iso_utc(ts);
  if (!request.contains("locale")) request["locale"] = "en-GB";
  nlohmann::json app = {{"applicationId", skill_id}};
  nlohmann::json user = {{"userId", "amzn1.ask.account.TESTUSER"}};
  return {
      {"version", "1.0"},
      {"session",
       {{"new", true},
        {"sessionId", "amzn1.echo-api.session.5e1c7a2b-9d4f-4e8a-b3c6-1f2a7d9e0b41"},
        {"application", app},
        {"user", user}}},
      {"context",
       {{"System",
         {{"application", app},
          {"user", user},
          {"device", {{"deviceId", "amzn1.ask.device.TESTDEVICE"}}}}}}},
      {"request", std::move(request)},
  };
}

HttpRequest signed_alexa_request(const nlohmann::json& envelope, const TestKey& key,
                                 const std::string& cert_url) {
  HttpRequest req;
  req.method = "POST";
  req.target = "/alexa";
  req.path = "/alexa";
  req.body = envelope.dump();
  req.headers["content-type"] = "application/json";
  req.headers["signaturecertchainurl"] = cert_url;
  req.headers["signature-256"] = key.sign(req.body);
  req.remote = "127.0.0.1";
  return req;
}

void ServingCertFetcher::fetch(const std::string& url,
                               std::function<void(Result<std::string>)> done) {
  ++calls;
  urls.push_back(url);
  Result<std::string> answer = Status::Error("cannot fetch " + url + ": HTTP 404");
  if (fail_with) {
    answer = Status::Error("cannot fetch " + url + ": " + *fail_with);
  } else if (auto it = chains.find(url); it != chains.end()) {
    answer = it->second;
  }
  if (hold) {
    held_.push_back([done = std::move(done), answer = std::move(answer)] { done(answer); });
  } else {
    done(std::move(answer));
  }
}

int ServingCertFetcher::release() {
  auto held = std::move(held_);
  held_.clear();
  for (auto& answer : held) answer();
  return static_cast<int>(held.size());
}

}  // namespace larder::test
