// Rule 1 of the Alexa request checks (daemon/adapters/alexa/cert_url.cc): which
// SignatureCertChainUrl values are accepted, their normal form (what is fetched and cached
// by), and which are refused. The other rules are in alexa_verifier_test.cc.
#include "adapters/alexa/alexa_verifier.h"

#include <doctest/doctest.h>

#include <string>

using namespace larder;
using namespace larder::alexa;

namespace {

const std::string kUrl(kAmazonCertUrl);

}  // namespace

TEST_CASE("check_cert_url accepts the URL forms of formats.md") {
  const char* accepted[] = {
      "https://s3.amazonaws.com/echo.api/echo-api-cert.pem",
      "https://s3.amazonaws.com:443/echo.api/echo-api-cert.pem",
      "https://s3.amazonaws.com/echo.api/../echo.api/echo-api-cert.pem",
      "HTTPS://s3.amazonaws.com/echo.api/echo-api-cert.pem",
      "HtTpS://s3.amazonaws.com/echo.api/echo-api-cert.pem",
      "https://S3.AMAZONAWS.COM/echo.api/echo-api-cert.pem",
      "https://S3.AmAzOnAwS.cOm:443/echo.api/echo-api-cert.pem",
      "HTTPS://S3.AMAZONAWS.COM/echo.api/../echo.api/echo-api-cert.pem",
  };
  for (const char* url : accepted) {
    INFO(url);
    Status s = check_cert_url(url);
    CHECK_MESSAGE(s.ok(), s.message());
    auto n = normalise_cert_url(url);
    REQUIRE(n.ok());
    CHECK(*n == kUrl);  // what is fetched and cached by
  }
}

TEST_CASE("check_cert_url normalises dot segments and unreserved escapes as RFC 3986 does") {
  CHECK(*normalise_cert_url("https://s3.amazonaws.com/echo.api/./a/../echo-api-cert.pem") ==
        kUrl);
  CHECK(*normalise_cert_url("https://s3.amazonaws.com/../echo.api/echo-api-cert.pem") == kUrl);
  CHECK(*normalise_cert_url("https://s3.amazonaws.com/%65cho.api/echo-api-cert.pem") == kUrl);
  CHECK(*normalise_cert_url("https://s3.amazonaws.com/x/%2e%2E/echo.api/echo-api-cert.pem") ==
        kUrl);
  CHECK(*normalise_cert_url("https://s3.amazonaws.com/echo.api/a%20b.pem") ==
        "https://s3.amazonaws.com/echo.api/a%20b.pem");
}

TEST_CASE("check_cert_url rejects the URL forms of formats.md and other oddities") {
  const char* rejected[] = {
      // formats.md
      "http://s3.amazonaws.com/echo.api/echo-api-cert.pem",
      "https://notamazon.com/echo.api/echo-api-cert.pem",
      "https://s3.amazonaws.com/EcHo.aPi/echo-api-cert.pem",
      "https://s3.amazonaws.com/invalid.path/echo-api-cert.pem",
      "https://s3.amazonaws.com:563/echo.api/echo-api-cert.pem",
      // dot segments that leave /echo.api/
      "https://s3.amazonaws.com/echo.api/../invalid.path/echo-api-cert.pem",
      "https://s3.amazonaws.com/echo.api/%2e%2e/invalid.path/echo-api-cert.pem",
      "https://s3.amazonaws.com/echo.api",
      "https://s3.amazonaws.com/echo.api/..",
      "https://s3.amazonaws.com",
      "https://s3.amazonaws.com/",
      // other hosts, ports, schemes
      "https://s3.amazonaws.com.evil.example/echo.api/echo-api-cert.pem",
      "https://evil.example/s3.amazonaws.com/echo.api/echo-api-cert.pem",
      "https://s3.amazonaws.com./echo.api/echo-api-cert.pem",
      "https://[::1]/echo.api/echo-api-cert.pem",
      "https://s3.amazonaws.com:/echo.api/echo-api-cert.pem",
      "https://s3.amazonaws.com:443x/echo.api/echo-api-cert.pem",
      "https://s3.amazonaws.com:-443/echo.api/echo-api-cert.pem",
      "https://s3.amazonaws.com:4430/echo.api/echo-api-cert.pem",
      "https://s3.amazonaws.com:80/echo.api/echo-api-cert.pem",
      "ftp://s3.amazonaws.com/echo.api/echo-api-cert.pem",
      "https:/s3.amazonaws.com/echo.api/echo-api-cert.pem",
      "s3.amazonaws.com/echo.api/echo-api-cert.pem",
      "/echo.api/echo-api-cert.pem",
      "",
      // user info, queries, fragments, escapes, characters
      "https://user@s3.amazonaws.com/echo.api/echo-api-cert.pem",
      "https://evil.example@s3.amazonaws.com/echo.api/echo-api-cert.pem",
      "https://s3.amazonaws.com/echo.api/echo-api-cert.pem?x=1",
      "https://s3.amazonaws.com/echo.api/echo-api-cert.pem#frag",
      "https://s3.amazonaws.com?/echo.api/echo-api-cert.pem",
      "https://s3.amazonaws.com/echo.api%2F../echo.api/echo-api-cert.pem",
      "https://s3.amazonaws.com/echo.api/%5C..%5C/echo-api-cert.pem",
      "https://s3.amazonaws.com/echo.api/%zz",
      "https://s3.amazonaws.com/echo.api/%4",
      "https://s3.amazonaws.com/echo.api/a b.pem",
      "https://s3.amazonaws.com/echo.api\\..\\x.pem",
      "https://s3.amazonaws.com/echo.api/\x01.pem",
  };
  for (const char* url : rejected) {
    INFO(url);
    Status s = check_cert_url(url);
    CHECK_FALSE(s.ok());
    CHECK(s.message().find("rule 1") != std::string::npos);
  }
  CHECK_FALSE(check_cert_url("https://s3.amazonaws.com/echo.api/" + std::string(3000, 'a')).ok());
}
