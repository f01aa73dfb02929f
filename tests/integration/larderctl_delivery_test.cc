// larderctl deliveries / revoke end to end: a real mosquitto, the real larderd (HTTP and
// HTTPS) and the built larderctl, each a child process. The full trunk path with a real
// grant is in the delivery integration test; here: the answers, the refusals and the exit
// statuses of the command line.
#include <doctest/doctest.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "support/larderctl_run.h"
#include "support/larderd.h"
#include "support/mosquitto.h"
#include "support/process.h"
#include "support/tempdir.h"

using namespace larder;
using namespace larder::test;
using nlohmann::json;
using namespace std::chrono_literals;

namespace {

void replace(std::string& s, const std::string& from, const std::string& to) {
  auto at = s.find(from);
  REQUIRE_MESSAGE(at != std::string::npos, from);
  s.replace(at, from.size(), to);
}

// The daemon's configuration with HTTPS from `cert` and `key`.
std::string tls_config(const std::string& cert, const std::string& key) {
  std::string c = default_daemon_config();
  const std::string token = "  read_token: test-read-token-0123456789\n";
  replace(c, token, token + "  tls:\n    cert: " + cert + "\n    key: " + key + "\n");
  return c;
}

// A self-signed certificate (its own CA) for the DNS name `name` only: no IP address.
void make_cert(const TempDir& dir, const std::string& name) {
  const std::string cmd =
      "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2"
      " -subj /CN=" + name + " -addext subjectAltName=DNS:" + name + " -keyout " +
      dir.file(name + ".key") + " -out " + dir.file(name + ".pem") + " 2>/dev/null";
  REQUIRE(std::system(cmd.c_str()) == 0);
}

// A PEM file holding only a certificate revocation list, issued by `name`'s certificate
// (made by make_cert): OpenSSL loads it as trust material, and it trusts nothing.
std::string write_crl_only(const TempDir& dir, const std::string& name) {
  FILE* f = std::fopen(dir.file(name + ".key").c_str(), "r");
  REQUIRE(f != nullptr);
  EVP_PKEY* key = PEM_read_PrivateKey(f, nullptr, nullptr, nullptr);
  std::fclose(f);
  REQUIRE(key != nullptr);
  X509_CRL* crl = X509_CRL_new();
  X509_NAME* issuer = X509_NAME_new();
  X509_NAME_add_entry_by_txt(issuer, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>(name.c_str()), -1, -1, 0);
  X509_CRL_set_version(crl, 1);
  X509_CRL_set_issuer_name(crl, issuer);
  ASN1_TIME* now = ASN1_TIME_set(nullptr, std::time(nullptr));
  X509_CRL_set1_lastUpdate(crl, now);
  REQUIRE(X509_CRL_sign(crl, key, EVP_sha256()) > 0);
  const std::string path = dir.file(name + ".crl.pem");
  FILE* out = std::fopen(path.c_str(), "w");
  REQUIRE(out != nullptr);
  CHECK(PEM_write_X509_CRL(out, crl) == 1);
  std::fclose(out);
  ASN1_TIME_free(now);
  X509_NAME_free(issuer);
  X509_CRL_free(crl);
  EVP_PKEY_free(key);
  return path;
}

}  // namespace

TEST_CASE("larderctl deliveries and revoke talk to the running larderd, exit 3 once it stopped") {
  MosquittoBroker broker;
  LarderdProcess daemon(broker.url());
  daemon.start();
  const std::string config = daemon.config_path();

  auto list = larderctl({"deliveries", "--config", config});
  INFO(list.out, list.err, daemon.log());
  CHECK(list.status.code == 0);
  CHECK(list.out == "no deliveries\n");
  auto as_json = larderctl({"deliveries", "--json", "--config", config});
  CHECK(as_json.status.code == 0);
  CHECK(json::parse(as_json.out) == json::array());

  auto revoke = larderctl({"revoke", "no-such-order", "--config", config});
  CHECK(revoke.status.code == 1);
  CHECK(revoke.out.empty());
  CHECK(revoke.err.find("larderctl revoke: no order no-such-order (HTTP 404 not_found)") !=
        std::string::npos);

  // Tokens the daemon does not know: the API refuses, and says so.
  std::string wrong = read_file(config);
  replace(wrong, "test-admin-token-0123456789", "another-admin-token-0123456789");
  replace(wrong, "test-read-token-0123456789", "another-read-token-0123456789");
  TempDir dir;
  const std::string wrong_config = dir.write("wrong.yaml", wrong);
  auto refused = larderctl({"deliveries", "--config", wrong_config});
  CHECK(refused.status.code == 1);
  // The form of every command: "larderctl COMMAND: MESSAGE (HTTP ...)".
  CHECK(refused.err.rfind("larderctl deliveries: wrong token (HTTP 401", 0) == 0);
  auto refused_revoke = larderctl({"revoke", "no-such-order", "--config", wrong_config});
  CHECK(refused_revoke.status.code == 1);
  CHECK(refused_revoke.err.find("HTTP 401") != std::string::npos);

  REQUIRE(daemon.terminate().success());
  auto gone = larderctl({"deliveries", "--config", config});
  CHECK(gone.status.code == 3);
  CHECK(gone.out.empty());
  CHECK(gone.err.find("cannot connect to larderd at http://127.0.0.1:" +
                      std::to_string(daemon.http_port())) != std::string::npos);
  CHECK(gone.err.find("is larderd running?") != std::string::npos);
  auto gone_revoke = larderctl({"revoke", "no-such-order", "--config", config});
  CHECK(gone_revoke.status.code == 3);
  CHECK(gone_revoke.err.find("is larderd running?") != std::string::npos);
}

TEST_CASE("larderctl deliveries and revoke refuse bad arguments with the usage line: exit 2") {
  TempDir dir;
  std::string text = default_daemon_config();
  replace(text, "@MQTT_URL@", "tcp://127.0.0.1:1883");
  replace(text, "@STATE_DIR@", dir.file("state"));
  replace(text, "@HTTP_PORT@", std::to_string(free_loopback_port()));
  const std::string config = dir.write("larder.yaml", text);

  struct Case {
    std::vector<std::string> args;
    std::string says;
  };
  const std::vector<Case> cases = {
      {{"deliveries"}, "--config FILE is required"},
      {{"deliveries", "--config"}, "--config needs a value"},
      {{"deliveries", "--config", "--json"}, "--config needs a value"},
      {{"deliveries", "--ca", "--config", config}, "--ca needs a value"},
      {{"deliveries", "--config", config, "--bogus"}, "unknown option '--bogus'"},
      {{"deliveries", "--config", config, "extra"}, "unexpected argument 'extra'"},
      {{"deliveries", "--config", config, "--bogus\x1b[31m"}, "unknown option '--bogus?[31m'"},
      {{"deliveries", "--config", ""}, "--config needs a value, not ''"},
      {{"deliveries", "--config", config, "--ca", dir.file("ca.pem")}, "--ca is for HTTPS"},
      {{"revoke", "--config", config}, "ORDER_ID is required"},
      {{"revoke", "a", "b", "--config", config}, "unexpected argument 'b'"},
      {{"revoke", "", "--config", config}, "an argument is empty ('')"},
      {{"revoke", "Bad/Order", "--config", config}, "'Bad/Order' is not an order id"},
      {{"revoke", "x", "--config", config, "--json"}, "unknown option '--json'"},
  };
  for (const auto& c : cases) {
    auto r = larderctl(c.args);
    INFO(c.says, ": ", r.err);
    CHECK(r.status.code == 2);
    CHECK(r.out.empty());
    CHECK(r.err.find(c.says) != std::string::npos);
    CHECK(r.err.find("usage: larderctl " + c.args[0]) != std::string::npos);
  }
  // A configuration that does not load: its errors, naming the file.
  auto missing = larderctl({"deliveries", "--config", dir.file("nope.yaml")});
  CHECK(missing.status.code == 2);
  CHECK(missing.err.find(dir.file("nope.yaml")) != std::string::npos);
  // Its name as typed, but no control of it reaches the terminal.
  auto escaped = larderctl({"deliveries", "--config", "a\x1b[31mb.yaml"});
  CHECK(escaped.status.code == 2);
  CHECK(escaped.err.find("larderctl deliveries: a?[31mb.yaml: ") != std::string::npos);
  CHECK(escaped.err.find('\x1b') == std::string::npos);
}

TEST_CASE("over HTTPS larderctl trusts only a certificate from --ca that names the address") {
  TempDir pki;
  make_cert(pki, "localhost");
  make_cert(pki, "example.org");
  MosquittoBroker broker;
  LarderdProcess daemon(broker.url(),
                        tls_config(pki.file("localhost.pem"), pki.file("localhost.key")));
  daemon.start();
  const std::string config = daemon.config_path();
  const std::string url = "https://127.0.0.1:" + std::to_string(daemon.http_port());

  // At a loopback address a certificate for localhost names the machine connected to.
  auto ok = larderctl({"deliveries", "--config", config, "--ca", pki.file("localhost.pem")});
  INFO(ok.out, ok.err, daemon.log());
  CHECK(ok.status.code == 0);
  CHECK(ok.out == "no deliveries\n");
  auto revoke = larderctl({"revoke", "no-such-order", "--config", config, "--ca",
                           pki.file("localhost.pem")});
  CHECK(revoke.status.code == 1);
  CHECK(revoke.err.find("no order no-such-order") != std::string::npos);

  // The system's trust store does not know a self-signed certificate.
  auto untrusted = larderctl({"deliveries", "--config", config});
  CHECK(untrusted.status.code == 3);
  CHECK(untrusted.err.find("the TLS handshake with larderd at " + url + " failed") !=
        std::string::npos);
  CHECK(untrusted.err.find("--ca FILE") != std::string::npos);
  // Trusting another certificate does not help either.
  auto other_ca =
      larderctl({"deliveries", "--config", config, "--ca", pki.file("example.org.pem")});
  CHECK(other_ca.status.code == 3);
  CHECK(other_ca.err.find("its certificate is not trusted") != std::string::npos);
  auto no_file = larderctl({"deliveries", "--config", config, "--ca", pki.file("none.pem")});
  CHECK(no_file.status.code == 2);
  CHECK(no_file.err.find("cannot read the CA file " + pki.file("none.pem") +
                         ": it does not exist") != std::string::npos);
  // A CA file that is no CA file is a bad argument (exit 2, nothing sent), not an
  // unreachable larderd.
  const std::string not_pem = pki.write("not.pem", "not a certificate\n");
  const std::string crl_only = write_crl_only(pki, "localhost");
  struct BadCa {
    std::string file, says;
  };
  for (const BadCa& bad : {BadCa{pki.path(), "the CA file " + pki.path() + " is a directory"},
                           BadCa{not_pem, "the CA file " + not_pem + " holds no PEM certificate"},
                           BadCa{crl_only, "the CA file " + crl_only + " holds no PEM certificate"},
                           BadCa{"", "--ca needs a value, not ''"},
                           BadCa{pki.file("localhost.key"), "the CA file " +
                                     pki.file("localhost.key") + " holds no PEM certificate"}}) {
    for (const std::string command : {"deliveries", "status"}) {
      auto r = larderctl({command, "--config", config, "--ca", bad.file});
      INFO(command, " --ca ", bad.file, ": ", r.err);
      CHECK(r.status.code == 2);
      CHECK(r.out.empty());
      CHECK(r.err.find("larderctl " + command + ": " + bad.says) != std::string::npos);
      CHECK(r.err.find("usage: larderctl " + command) != std::string::npos);
    }
  }

  // A trusted certificate for another name is refused too.
  REQUIRE(daemon.terminate().success());
  daemon.set_config(tls_config(pki.file("example.org.pem"), pki.file("example.org.key")));
  daemon.start();
  auto wrong_name =
      larderctl({"deliveries", "--config", config, "--ca", pki.file("example.org.pem")});
  CHECK(wrong_name.status.code == 3);
  CHECK(wrong_name.err.find("its certificate does not name 127.0.0.1 (nor localhost)") !=
        std::string::npos);
}
