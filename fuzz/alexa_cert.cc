// Fuzz target: what an Alexa request brings besides its envelope: the certificate URL
// (SignatureCertChainUrl, rule 1 of shared/formats.md, daemon/adapters/alexa/cert_url.cc)
// and the certificate chain fetched from it (PEM text from the network), through
// AlexaVerifier::verify with a fetcher that serves the fuzzer's chain. A URL the rule
// accepts must normalise, and its normal form must pass the rule again.
// Input: "<url>\n<signature-256>\n<PEM chain>". Seeds: fuzz/corpus/alexa_cert/.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "adapters/alexa/alexa_verifier.h"

namespace {

using namespace larder;

class ServeChain final : public alexa::CertFetcher {
 public:
  std::string pem;
  void fetch(const std::string&, std::function<void(Result<std::string>)> done) override {
    done(pem);
  }
};

std::string_view cut(std::string_view& rest) {
  std::size_t nl = rest.find('\n');
  std::string_view line = rest.substr(0, nl);
  rest = nl == std::string_view::npos ? std::string_view() : rest.substr(nl + 1);
  return line;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static std::shared_ptr<alexa::TrustStore> trust = [] {
    auto t = alexa::TrustStore::system();
    if (!t) __builtin_trap();
    return t.value();
  }();
  std::string_view rest(reinterpret_cast<const char*>(data), size);
  std::string_view url = cut(rest);
  std::string_view signature = cut(rest);

  bool passes = static_cast<bool>(alexa::check_cert_url(url));
  auto normal = alexa::normalise_cert_url(url);
  if (passes != static_cast<bool>(normal)) __builtin_trap();
  if (normal && !alexa::check_cert_url(normal.value())) __builtin_trap();

  ServeChain fetcher;
  fetcher.pem = std::string(rest);
  alexa::AlexaVerifier verifier("amzn1.ask.skill.fuzz", trust, fetcher);
  HttpRequest req;
  req.method = "POST";
  req.target = req.path = "/alexa";
  req.headers["signaturecertchainurl"] = std::string(url);
  req.headers["signature-256"] = std::string(signature);
  req.body = R"({"version":"1.0","request":{"type":"LaunchRequest"}})";
  bool answered = false;
  verifier.verify(req, 1764460800, [&](Result<nlohmann::json>) { answered = true; });
  if (!answered) __builtin_trap();  // the fetcher answers at once, so must the verifier
  return 0;
}
