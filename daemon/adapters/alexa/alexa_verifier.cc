// The Alexa request checks. OpenSSL does the X.509 path validation (X509_verify_cert at the
// request's time), the SAN lookup, the base64 decoding and the RSA signature check
// (EVP_DigestVerify); this file only arranges the calls, parses the timestamp and keeps the
// cache (rule 1, the certificate URL, is in cert_url.cc). Every OpenSSL object is owned by a
// unique_ptr, and OpenSSL's error queue is emptied before each function returns, so that a
// failure here leaves nothing for the TLS code on the same thread to trip over.
#include "adapters/alexa/alexa_verifier.h"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <ctime>
#include <filesystem>
#include <limits>
#include <map>
#include <optional>
#include <utility>
#include <vector>

#include "larder/json_depth.h"
#include "larder/json_input.h"
#include "larder/text.h"

namespace larder::alexa {
namespace {

using nlohmann::json;

constexpr std::string_view kSignerName = "echo-api.amazon.com";
constexpr std::size_t kMaxChainBytes = std::size_t{64} * 1024;
constexpr std::size_t kMaxChainCerts = 8;
constexpr std::size_t kMaxSignatureChars = 4096;  // RSA-16384 would be 2732

struct Free {
  void operator()(X509* p) const { X509_free(p); }
  void operator()(X509_STORE* p) const { X509_STORE_free(p); }
  void operator()(X509_STORE_CTX* p) const { X509_STORE_CTX_free(p); }
  void operator()(STACK_OF(X509) * p) const { sk_X509_pop_free(p, X509_free); }
  void operator()(GENERAL_NAMES* p) const { GENERAL_NAMES_free(p); }
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
  void operator()(EVP_MD_CTX* p) const { EVP_MD_CTX_free(p); }
  void operator()(BIO* p) const { BIO_free(p); }
};
template <class T>
using Owned = std::unique_ptr<T, Free>;

// Empties OpenSSL's per-thread error queue when the scope ends.
struct ErrorQueueGuard {
  ErrorQueueGuard() = default;
  ~ErrorQueueGuard() { ERR_clear_error(); }
  ErrorQueueGuard(const ErrorQueueGuard&) = delete;
  ErrorQueueGuard& operator=(const ErrorQueueGuard&) = delete;
};

// OpenSSL's last error in words, or `fallback`.
std::string openssl_error(const char* fallback) {
  unsigned long e = ERR_peek_last_error();
  if (e == 0) return fallback;
  char buf[256];
  ERR_error_string_n(e, buf, sizeof buf);
  return buf;
}

// Certificates from PEM text, in order, or why there are none.
Result<std::vector<Owned<X509>>> read_pem_certs(std::string_view pem, std::size_t max) {
  ErrorQueueGuard guard;
  ERR_clear_error();
  Owned<BIO> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (!bio) return Status::Error("out of memory");
  std::vector<Owned<X509>> certs;
  for (;;) {
    Owned<X509> cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
    if (!cert) break;
    if (certs.size() == max) {
      return Status::Error("more than " + std::to_string(max) + " certificates");
    }
    certs.push_back(std::move(cert));
  }
  // The loop ends at the first read that finds no certificate: after the last one that is
  // "no start line"; anything else is a broken certificate.
  unsigned long e = ERR_peek_last_error();
  if (e != 0 && !(ERR_GET_LIB(e) == ERR_LIB_PEM && ERR_GET_REASON(e) == PEM_R_NO_START_LINE)) {
    return Status::Error("a certificate cannot be read: " + openssl_error("bad PEM"));
  }
  if (certs.empty()) return Status::Error("no PEM certificate in it");
  return certs;
}

// An ASN1_TIME as epoch seconds.
std::optional<double> epoch_of(const ASN1_TIME* t) {
  std::tm tm{};
  if (t == nullptr || ASN1_TIME_to_tm(t, &tm) != 1) return std::nullopt;
  using namespace std::chrono;
  year_month_day ymd{year{tm.tm_year + 1900}, month{static_cast<unsigned>(tm.tm_mon + 1)},
                     day{static_cast<unsigned>(tm.tm_mday)}};
  if (!ymd.ok()) return std::nullopt;
  double days = static_cast<double>(sys_days{ymd}.time_since_epoch().count());
  return days * 86400 + tm.tm_hour * 3600.0 + tm.tm_min * 60.0 + tm.tm_sec;
}

// Strict base64 (RFC 4648 alphabet, padded, no white space), decoded by OpenSSL.
std::optional<std::string> decode_base64(std::string_view s) {
  if (s.empty() || s.size() > kMaxSignatureChars || s.size() % 4 != 0) return std::nullopt;
  std::size_t pad = 0;
  while (pad < 2 && pad < s.size() && s[s.size() - 1 - pad] == '=') ++pad;
  for (std::size_t i = 0; i + pad < s.size(); ++i) {
    char c = s[i];
    if (!(is_ascii_alpha(c) || is_ascii_digit(c) || c == '+' || c == '/')) return std::nullopt;
  }
  std::string out(s.size() / 4 * 3, '\0');
  int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(s.data()),
                          static_cast<int>(s.size()));
  ERR_clear_error();
  if (n < 0 || static_cast<std::size_t>(n) < pad) return std::nullopt;
  out.resize(static_cast<std::size_t>(n) - pad);  // EVP_DecodeBlock counts the padding
  if (out.empty()) return std::nullopt;
  return out;
}

// "2026-11-30T12:00:00Z", optionally with a fraction of a second, as epoch seconds.
std::optional<double> parse_timestamp(std::string_view s) {
  auto digits = [&s](std::size_t at, std::size_t n) -> std::optional<int> {
    if (at + n > s.size()) return std::nullopt;
    int v = 0;
    for (std::size_t i = at; i < at + n; ++i) {
      if (!is_ascii_digit(s[i])) return std::nullopt;
      v = v * 10 + (s[i] - '0');
    }
    return v;
  };
  if (s.size() < 20 || s.size() > 40) return std::nullopt;
  auto y = digits(0, 4), mo = digits(5, 2), d = digits(8, 2);
  auto h = digits(11, 2), mi = digits(14, 2), sec = digits(17, 2);
  if (!y || !mo || !d || !h || !mi || !sec || s[4] != '-' || s[7] != '-' || s[10] != 'T' ||
      s[13] != ':' || s[16] != ':') {
    return std::nullopt;
  }
  if (*h > 23 || *mi > 59 || *sec > 59) return std::nullopt;
  double fraction = 0;
  std::size_t at = 19;
  if (s[at] == '.') {
    double scale = 0.1;
    std::size_t start = ++at;
    while (at < s.size() && is_ascii_digit(s[at])) {
      fraction += (s[at] - '0') * scale;
      scale /= 10;
      ++at;
    }
    if (at == start) return std::nullopt;
  }
  if (at + 1 != s.size() || s[at] != 'Z') return std::nullopt;
  using namespace std::chrono;
  year_month_day ymd{year{*y}, month{static_cast<unsigned>(*mo)},
                     day{static_cast<unsigned>(*d)}};
  if (!ymd.ok()) return std::nullopt;
  double days = static_cast<double>(sys_days{ymd}.time_since_epoch().count());
  return days * 86400 + *h * 3600.0 + *mi * 60.0 + *sec + fraction;
}

// The value at `path` in nested objects, or nullptr where a step is missing or not an
// object.
const json* find_path(const json& j, std::initializer_list<const char*> path) {
  const json* at = &j;
  for (const char* key : path) {
    if (!at->is_object()) return nullptr;
    auto it = at->find(key);
    if (it == at->end()) return nullptr;
    at = &*it;
  }
  return at;
}

// A verified chain: the signing key and when the chain stops being valid.
struct Chain {
  std::shared_ptr<EVP_PKEY> key;
  double not_before = 0;  // the latest notBefore in the chain
  double not_after = 0;   // the earliest notAfter in the chain
  std::uint64_t used = 0; // for evicting the least recently used
};

Status chain_error(const std::string& why) {
  return Status::Error("rule 2 (certificate chain): " + why);
}

bool names_signer(X509* cert) {
  Owned<GENERAL_NAMES> names(static_cast<GENERAL_NAMES*>(
      X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr)));
  if (!names) return false;
  for (int i = 0; i < sk_GENERAL_NAME_num(names.get()); ++i) {
    const GENERAL_NAME* name = sk_GENERAL_NAME_value(names.get(), i);
    if (name->type != GEN_DNS) continue;
    const ASN1_IA5STRING* dns = name->d.dNSName;
    std::string_view text(reinterpret_cast<const char*>(ASN1_STRING_get0_data(dns)),
                          static_cast<std::size_t>(ASN1_STRING_length(dns)));
    if (iequals(text, kSignerName)) return true;
  }
  return false;
}

// Rule 2 for the certificates of one chain (signing certificate first) at `now`.
Result<Chain> check_chain(const std::vector<Owned<X509>>& certs, X509_STORE* trust,
                          double now) {
  ErrorQueueGuard guard;
  X509* leaf = certs.front().get();
  Owned<STACK_OF(X509)> untrusted(sk_X509_new_null());
  if (!untrusted) return chain_error("out of memory");
  for (std::size_t i = 1; i < certs.size(); ++i) {
    if (sk_X509_push(untrusted.get(), certs[i].get()) <= 0) return chain_error("out of memory");
    X509_up_ref(certs[i].get());  // the stack now owns a reference
  }
  Owned<X509_STORE_CTX> ctx(X509_STORE_CTX_new());
  if (!ctx || X509_STORE_CTX_init(ctx.get(), trust, leaf, untrusted.get()) != 1) {
    return chain_error("cannot set up the check: " + openssl_error("out of memory"));
  }
  X509_VERIFY_PARAM_set_time(X509_STORE_CTX_get0_param(ctx.get()),
                             static_cast<time_t>(std::floor(now)));
  if (X509_verify_cert(ctx.get()) != 1) {
    int err = X509_STORE_CTX_get_error(ctx.get());
    return chain_error(std::string(X509_verify_cert_error_string(err)) + " (certificate " +
                       std::to_string(X509_STORE_CTX_get_error_depth(ctx.get())) +
                       " of the chain)");
  }
  Chain chain;
  chain.not_before = -std::numeric_limits<double>::infinity();
  chain.not_after = std::numeric_limits<double>::infinity();
  STACK_OF(X509)* verified = X509_STORE_CTX_get0_chain(ctx.get());  // leaf to trust anchor
  for (int i = 0; i < sk_X509_num(verified); ++i) {
    X509* c = sk_X509_value(verified, i);
    auto from = epoch_of(X509_get0_notBefore(c));
    auto until = epoch_of(X509_get0_notAfter(c));
    if (!from || !until) return chain_error("a certificate has an unreadable validity");
    chain.not_before = std::max(chain.not_before, *from);
    chain.not_after = std::min(chain.not_after, *until);
  }
  if (!names_signer(leaf)) {
    return chain_error("the signing certificate's subject alternative names do not include " +
                       std::string(kSignerName));
  }
  EVP_PKEY* key = X509_get_pubkey(leaf);
  if (key == nullptr) return chain_error("the signing certificate's key cannot be read");
  chain.key = std::shared_ptr<EVP_PKEY>(key, Free{});
  if (EVP_PKEY_base_id(key) != EVP_PKEY_RSA) {
    return chain_error("the signing certificate's key is not an RSA key");
  }
  return chain;
}

// Rule 3.
Status check_signature(EVP_PKEY* key, const std::string& signature, const std::string& body) {
  ErrorQueueGuard guard;
  auto error = [](const std::string& why) {
    return Status::Error("rule 3 (signature): " + why);
  };
  Owned<EVP_MD_CTX> md(EVP_MD_CTX_new());
  EVP_PKEY_CTX* pctx = nullptr;  // owned by md
  if (!md || EVP_DigestVerifyInit(md.get(), &pctx, EVP_sha256(), nullptr, key) != 1 ||
      EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) <= 0) {
    return error("cannot set up the check: " + openssl_error("unknown error"));
  }
  int r = EVP_DigestVerify(md.get(), reinterpret_cast<const unsigned char*>(signature.data()),
                           signature.size(), reinterpret_cast<const unsigned char*>(body.data()),
                           body.size());
  if (r != 1) return error("Signature-256 is not the certificate's signature of the body");
  return Status::Ok();
}

// Rule 4.
Status check_timestamp(const json& envelope, double now) {
  auto error = [](const std::string& why) {
    return Status::Error("rule 4 (timestamp): " + why);
  };
  const json* ts = find_path(envelope, {"request", "timestamp"});
  if (ts == nullptr || ts->is_null()) return error("request.timestamp is missing");
  if (!ts->is_string()) return error("request.timestamp is not a string");
  const auto& text = ts->get_ref<const std::string&>();
  auto t = parse_timestamp(text);
  if (!t) return error("request.timestamp " + quote_excerpt(text) + " is not an ISO 8601 UTC time");
  double off = *t - now;
  if (!(std::fabs(off) <= kMaxClockSkew)) {
    return error("request.timestamp " + quote_excerpt(text) + " is " +
                 std::to_string(static_cast<long long>(std::lround(std::fabs(off)))) + " s " +
                 (off < 0 ? "old" : "ahead") + " (at most 150 s either way)");
  }
  return Status::Ok();
}

// Rule 5.
Status check_application(const json& envelope, const std::string& skill_id) {
  auto error = [](const std::string& why) {
    return Status::Error("rule 5 (application id): " + why);
  };
  if (skill_id.empty()) return error("no skill id is configured");
  const json* ids[] = {find_path(envelope, {"session", "application", "applicationId"}),
                       find_path(envelope, {"context", "System", "application", "applicationId"})};
  const char* where[] = {"session.application.applicationId",
                         "context.System.application.applicationId"};
  bool any = false;
  for (int i = 0; i < 2; ++i) {
    if (ids[i] == nullptr || ids[i]->is_null()) continue;
    any = true;
    if (!ids[i]->is_string()) return error(std::string(where[i]) + " is not a string");
    const auto& id = ids[i]->get_ref<const std::string&>();
    if (id != skill_id) {
      return error(std::string(where[i]) + " " + quote_excerpt(id) + " is not this skill's");
    }
  }
  if (!any) return error("the request names no application id");
  return Status::Ok();
}

}  // namespace

// --- TrustStore ---

TrustStore::~TrustStore() { X509_STORE_free(store_); }

Result<std::shared_ptr<TrustStore>> TrustStore::system() {
  ErrorQueueGuard guard;
  Owned<X509_STORE> store(X509_STORE_new());
  if (!store || X509_STORE_set_default_paths(store.get()) != 1) {
    return Status::Error("alexa: cannot load the system's CA certificates: " +
                         openssl_error("unknown error"));
  }
  return std::shared_ptr<TrustStore>(new TrustStore(store.release()));
}

Result<std::shared_ptr<TrustStore>> TrustStore::from_path(const std::string& file_or_dir) {
  ErrorQueueGuard guard;
  std::error_code ec;
  bool dir = std::filesystem::is_directory(file_or_dir, ec);
  if (!dir && !std::filesystem::is_regular_file(file_or_dir, ec)) {
    return Status::Error("alexa: the CA path " + file_or_dir +
                         " is neither a file nor a directory");
  }
  Owned<X509_STORE> store(X509_STORE_new());
  if (!store) return Status::Error("alexa: out of memory");
  int ok = dir ? X509_STORE_load_locations(store.get(), nullptr, file_or_dir.c_str())
               : X509_STORE_load_locations(store.get(), file_or_dir.c_str(), nullptr);
  if (ok != 1) {
    return Status::Error("alexa: cannot load CA certificates from " + file_or_dir + ": " +
                         openssl_error("no certificate in it"));
  }
  return std::shared_ptr<TrustStore>(new TrustStore(store.release()));
}

Result<std::shared_ptr<TrustStore>> TrustStore::from_pem(const std::string& pem) {
  ErrorQueueGuard guard;
  auto certs = read_pem_certs(pem, 1000);
  if (!certs.ok()) return Status::Error("alexa: CA certificates: " + certs.status().message());
  Owned<X509_STORE> store(X509_STORE_new());
  if (!store) return Status::Error("alexa: out of memory");
  for (const auto& cert : *certs) {
    if (X509_STORE_add_cert(store.get(), cert.get()) != 1) {  // takes its own reference
      return Status::Error("alexa: cannot add a CA certificate: " + openssl_error("unknown"));
    }
  }
  return std::shared_ptr<TrustStore>(new TrustStore(store.release()));
}

// --- AlexaVerifier ---

namespace {

// A request waiting for its chain: what rules 3 to 5 still need.
struct Waiter {
  std::string body;
  std::string signature;  // decoded
  double now = 0;
  std::function<void(Result<json>)> done;
};

}  // namespace

struct AlexaVerifier::State {
  std::string skill_id;
  std::shared_ptr<TrustStore> trust;
  CertFetcher* fetcher = nullptr;
  std::size_t cache_size = 8;
  std::map<std::string, Chain> cache;                  // by normalised URL
  std::map<std::string, std::vector<Waiter>> pending;  // fetches under way
  std::uint64_t clock = 0;                             // for least recently used

  // A cached chain valid at `now`, or nullptr (an expired one is dropped).
  const Chain* cached(const std::string& url, double now) {
    auto it = cache.find(url);
    if (it == cache.end()) return nullptr;
    // As X509_verify_cert sees it: whole seconds, valid from notBefore and until just
    // before notAfter (it takes a certificate at its notAfter second as expired).
    double t = std::floor(now);
    if (t >= it->second.not_after || t < it->second.not_before) {
      cache.erase(it);
      return nullptr;
    }
    it->second.used = ++clock;
    return &it->second;
  }

  void remember(const std::string& url, Chain chain, double now) {
    if (cache.find(url) == cache.end() && cache.size() >= cache_size) {
      double t = std::floor(now);
      std::erase_if(cache, [t](const auto& e) { return t >= e.second.not_after; });
      if (cache.size() >= cache_size) {
        auto lru = std::min_element(cache.begin(), cache.end(), [](const auto& a, const auto& b) {
          return a.second.used < b.second.used;
        });
        cache.erase(lru);
      }
    }
    chain.used = ++clock;
    cache[url] = std::move(chain);
  }

  // Rules 3 to 5 with a verified key.
  void finish(EVP_PKEY* key, Waiter& w) {
    Status s = check_signature(key, w.signature, w.body);
    if (!s.ok()) return w.done(s);
    if (json_nests_deeper(w.body, kMaxJsonDepth)) {
      return w.done(Status::Error("the body nests JSON deeper than " +
                                  std::to_string(kMaxJsonDepth) + " levels"));
    }
    std::string repeated;
    json envelope = parse_json_input(w.body, repeated);
    if (!repeated.empty()) {
      return w.done(
          Status::Error("the body is not valid JSON: " + repeated_key_message(repeated)));
    }
    if (envelope.is_discarded() || !envelope.is_object()) {
      return w.done(Status::Error("the body is not a JSON object"));
    }
    if (s = check_timestamp(envelope, w.now); !s.ok()) return w.done(s);
    if (s = check_application(envelope, skill_id); !s.ok()) return w.done(s);
    w.done(std::move(envelope));
  }

  static void fetched(const std::weak_ptr<State>& weak, const std::string& url,
                      Result<std::string> pem) {
    auto self = weak.lock();  // keeps the state while the waiters are answered
    if (!self) return;        // the verifier is gone: nobody to answer
    auto it = self->pending.find(url);
    if (it == self->pending.end()) return;  // a second answer of the same fetch
    std::vector<Waiter> waiters = std::move(it->second);
    self->pending.erase(it);
    std::optional<Status> failed;
    Result<std::vector<Owned<X509>>> certs = Status::Error("not read");
    if (!pem.ok()) {
      failed = chain_error("cannot fetch the certificate chain: " + pem.status().message());
    } else if (pem->size() > kMaxChainBytes) {
      failed = chain_error("the certificate chain at " + url + " is over 64 KiB");
    } else if (certs = read_pem_certs(*pem, kMaxChainCerts); !certs.ok()) {
      failed = chain_error("the certificate chain at " + url + ": " + certs.status().message());
    }
    for (Waiter& w : waiters) {
      if (failed) {
        w.done(*failed);
        continue;
      }
      auto chain = check_chain(*certs, self->trust->get(), w.now);
      if (!chain.ok()) {
        w.done(chain.status());
        continue;
      }
      auto key = chain->key;  // the cache may drop the chain inside finish()
      self->remember(url, std::move(*chain), w.now);
      self->finish(key.get(), w);
    }
  }
};

AlexaVerifier::AlexaVerifier(std::string skill_id, std::shared_ptr<TrustStore> trust,
                             CertFetcher& fetcher, std::size_t cache_size)
    : state_(std::make_shared<State>()) {
  state_->skill_id = std::move(skill_id);
  state_->trust = std::move(trust);
  state_->fetcher = &fetcher;
  state_->cache_size = std::max<std::size_t>(cache_size, 1);
}

AlexaVerifier::~AlexaVerifier() = default;

std::size_t AlexaVerifier::cached_chains() const { return state_->cache.size(); }

void AlexaVerifier::verify(const HttpRequest& req, double now,
                           std::function<void(Result<json>)> done) {
  const std::string& url_header = req.header("signaturecertchainurl");
  const std::string& signature_header = req.header("signature-256");
  if (url_header.empty()) {
    return done(
        Status::Error("rule 1 (certificate URL): the SignatureCertChainUrl header is missing"));
  }
  if (signature_header.empty()) {
    return done(Status::Error("rule 3 (signature): the Signature-256 header is missing"));
  }
  if (!state_->trust) return done(chain_error("no trust store"));
  if (!std::isfinite(now) || std::fabs(now) > 1e11) {
    return done(Status::Error("the verifier was given no valid time"));  // a caller's bug
  }
  auto url = normalise_cert_url(url_header);
  if (!url.ok()) return done(url.status());
  if (req.body.size() > kMaxBodyBytes) {
    return done(Status::Error("the body is over 128 KiB"));
  }
  auto signature = decode_base64(signature_header);
  if (!signature) {
    return done(Status::Error("rule 3 (signature): Signature-256 is not base64"));
  }
  Waiter w{req.body, std::move(*signature), now, std::move(done)};
  if (const Chain* chain = state_->cached(*url, now)) {
    auto key = chain->key;
    return state_->finish(key.get(), w);
  }
  auto [it, first] = state_->pending.try_emplace(*url);
  it->second.push_back(std::move(w));
  if (!first) return;  // it waits for the fetch under way
  std::weak_ptr<State> weak = state_;
  // The fetcher may answer inside this call: the waiter is already in `pending`.
  state_->fetcher->fetch(*url, [weak, u = *url](Result<std::string> pem) {
    State::fetched(weak, u, std::move(pem));
  });
}

}  // namespace larder::alexa
