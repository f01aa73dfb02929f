// The configuration's values that come from files: secrets inline or from a file, paths
// relative to the configuration's folder, and TLS files (config_test.cc: the rest).
#include <doctest/doctest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <filesystem>
#include <string>

#include "larder/config.h"
#include "support/config_support.h"
#include "support/tempdir.h"
#include "support/test_pki.h"

namespace fs = std::filesystem;
using namespace larder;
using namespace larder::test;

namespace {
// A cert and its key are read by OpenSSL at load time (core/config_tls.cc).
const std::string& pem_cert() { return test_tls_files().cert; }
const std::string& pem_key() { return test_tls_files().key; }
}  // namespace

TEST_CASE("secrets: inline or from a file, never both, files trimmed, checked and named") {
  TempDir dir;
  std::string cfg = dir.file("larder.yaml");
  auto with_http = [&](const std::string& http) {
    return "mqtt:\n  url: tcp://127.0.0.1:1883\nstate_dir: state\nhttp:\n" + http + "consumables: {}\n";
  };

  SUBCASE("both given") {
    dir.write("admin.token", kAdmin);
    ConfigLoad l = parse_config(with_http("  admin_token: " + kAdmin + "\n  admin_token_file: admin.token\n"), cfg);
    REQUIRE(l.errors.size() == 1);
    expect_error(l, 6, "http.admin_token", "give either admin_token or admin_token_file, not both");
  }
  SUBCASE("a file that cannot be read") {
    ConfigLoad l = parse_config(with_http("  admin_token_file: missing.token\n"), cfg);
    REQUIRE(l.errors.size() == 1);
    expect_error(l, 5, "http.admin_token_file", "cannot read \"" + dir.file("missing.token") + "\": No such file or directory");
    fs::create_directories(dir.file("folder.token"));
    expect_error(parse_config(with_http("  admin_token_file: folder.token\n"), cfg), 5, "http.admin_token_file", "it is a folder");
  }
  SUBCASE("trailing whitespace is trimmed, the token is read at load time") {
    dir.write("admin.token", kAdmin + " \n\n");
    dir.write("sub/read.token", kRead + "\r\n");
    ConfigLoad l = parse_config(with_http("  admin_token_file: admin.token\n  read_token_file: ./sub/../sub/read.token\n"), cfg);
    INFO(dump(l));
    REQUIRE(l.config.has_value());
    CHECK(l.config->http.admin_token == kAdmin);
    CHECK(l.config->http.read_token == kRead);
  }
  SUBCASE("empty and short secrets") {
    dir.write("empty.token", " \n");
    expect_error(parse_config(with_http("  admin_token_file: empty.token\n"), cfg), 5, "http.admin_token_file",
                 "the file \"" + dir.file("empty.token") + "\" is empty");
    expect_error(parse_config(with_http("  admin_token: \"\"\n"), cfg), 5, "http.admin_token", "must not be empty");
    dir.write("short.token", "fifteen-chars15\n");
    expect_error(parse_config(with_http("  admin_token_file: short.token\n"), cfg), 5, "http.admin_token_file",
                 "the content of \"" + dir.file("short.token") + "\" must be 16 to 1024");
    dir.write("two-lines.token", kAdmin + "\n" + kAdmin + "\n");
    expect_error(parse_config(with_http("  admin_token_file: two-lines.token\n"), cfg), 5, "http.admin_token_file",
                 "must hold one line");
    expect_error(parse_config(with_http("  admin_token: \"sixteen chars ok\"\n"), cfg), 5, "http.admin_token",
                 "without spaces");
  }
  SUBCASE("the read token must differ from the admin token") {
    dir.write("read.token", kAdmin);
    ConfigLoad l = parse_config(with_http("  admin_token: " + kAdmin + "\n  read_token_file: read.token\n"), cfg);
    REQUIRE(l.errors.size() == 1);
    expect_error(l, 6, "http.read_token_file", "must differ from the admin token");
  }
  SUBCASE("an MQTT password needs a user name; retailer secrets") {
    ConfigLoad l = parse_config(
        "mqtt:\n  url: tcp://127.0.0.1:1883\n  password: secret\nstate_dir: s\nhttp:\n  admin_token: " + kAdmin +
            "\nretailer:\n  kind: grocy\n  url: http://127.0.0.1:9283\n  webhook_secret_file: nope\nconsumables: {}\n",
        cfg);
    CHECK(where(l) == std::vector<std::pair<int, std::string>>{
                          {3, "mqtt.password"}, {7, "retailer.api_key"}, {10, "retailer.webhook_secret_file"}});
    expect_error(l, 3, "mqtt.password", "needs mqtt.username");
    expect_error(l, 7, "retailer.api_key", "required key is missing: give api_key_file (or api_key)");
  }
}

TEST_CASE("relative paths are relative to the configuration file's folder") {
  TempDir dir;
  dir.write("conf/tls/http.pem", pem_cert());
  dir.write("conf/tls/http.key", pem_key());
  std::string text = "mqtt:\n  url: tcp://127.0.0.1:1883\nstate_dir: ../state/./db\nhttp:\n  admin_token: " + kAdmin +
                     "\n  tls:\n    cert: tls/http.pem\n    key: " + dir.file("conf/tls/http.key") + "\nconsumables: {}\n";
  std::string path = dir.write("conf/larder.yaml", text);
  ConfigLoad l = load_config(path);
  INFO(dump(l));
  REQUIRE(l.config.has_value());
  CHECK(l.config->state_dir == dir.file("state/db"));
  CHECK(l.config->http.tls->cert == dir.file("conf/tls/http.pem"));
  CHECK(l.config->http.tls->key == dir.file("conf/tls/http.key"));

  // parse_config anchors them at the folder of the path it is given.
  ConfigLoad p = parse_config(minimal().replace(minimal().find("/var/lib/larder"), 15, "state"), "/srv/larder/l.yaml");
  REQUIRE(p.config.has_value());
  CHECK(p.config->state_dir == "/srv/larder/state");
}

TEST_CASE("TLS files must exist and go in pairs") {
  TempDir dir;
  std::string cfg = dir.file("larder.yaml");
  dir.write("c.pem", pem_cert());
  dir.write("c.key", pem_key());
  auto with_mqtt = [&](const std::string& url, const std::string& tls) {
    return "mqtt:\n  url: " + url + "\n  tls:\n" + tls + "state_dir: s\nhttp:\n  admin_token: " + kAdmin +
           "\nconsumables: {}\n";
  };
  ConfigLoad ok = parse_config(with_mqtt("mqtts://127.0.0.1:8883", "    cert: c.pem\n    key: c.key\n"), cfg);
  INFO(dump(ok));
  REQUIRE(ok.config.has_value());
  CHECK(ok.config->mqtt.tls->ca.empty());
  CHECK(parse_config(with_mqtt("ssl://127.0.0.1:8883", "    {}\n"), cfg).config.has_value());

  expect_error(parse_config(with_mqtt("ssl://127.0.0.1:8883", "    cert: c.pem\n"), cfg), 3, "mqtt.tls.key",
               "cert and key go together");
  expect_error(parse_config(with_mqtt("ssl://127.0.0.1:8883", "    ca: none.pem\n"), cfg), 4, "mqtt.tls.ca",
               "cannot read \"" + dir.file("none.pem") + "\"");
  expect_error(parse_config(with_mqtt("tcp://127.0.0.1:1883", "    ca: c.pem\n"), cfg), 3, "mqtt.tls",
               "mqtt.url does not use TLS");

  ConfigLoad http = parse_config(minimal("  tls:\n    cert: c.pem\n    ca: c.pem\n"), cfg);
  CHECK(where(http) == std::vector<std::pair<int, std::string>>{{6, "http.tls.key"}, {8, "http.tls.ca"}});
}

TEST_CASE("TLS files that are not PEM are named with their key and line at load time") {
  // A token, a DER file or the key given as the certificate: before, the check said valid
  // and larderd failed at start with exit status 1 and no key named.
  TempDir dir;
  std::string cfg = dir.file("larder.yaml");
  dir.write("c.pem", pem_cert());
  dir.write("c.key", pem_key());
  dir.write("token", "a-token-not-a-certificate-0123456789\n");
  ConfigLoad swapped = parse_config(minimal("  tls:\n    cert: c.key\n    key: c.pem\n"), cfg);
  expect_error(swapped, 7, "http.tls.cert", "holds no PEM certificate");
  expect_error(swapped, 8, "http.tls.key", "holds no PEM private key");
  ConfigLoad token = parse_config(minimal("  tls:\n    cert: token\n    key: c.key\n"), cfg);
  CHECK(where(token) == std::vector<std::pair<int, std::string>>{{7, "http.tls.cert"}});
  std::string mqtt = "mqtt:\n  url: mqtts://127.0.0.1:8883\n  tls:\n    ca: token\nstate_dir: s\n"
                     "http:\n  admin_token: " + kAdmin + "\nconsumables: {}\n";
  expect_error(parse_config(mqtt, cfg), 4, "mqtt.tls.ca", "holds no PEM certificate");
  // The message names the file, never what it holds (a key file is a secret).
  for (const auto& e : token.errors) CHECK(e.what.find("a-token") == std::string::npos);
}

TEST_CASE("a TLS key that does not fit its certificate is named at load time") {
  // Before, `--check-config` said valid and larderd failed at start with exit status 1.
  TempDir dir;
  std::string cfg = dir.file("larder.yaml");
  dir.write("c.pem", pem_cert());
  dir.write("c.key", pem_key());
  dir.write("other.key", test_tls_files().other_key);
  dir.write("bad.pem", "-----BEGIN CERTIFICATE-----\nnot base64 at all\n-----END CERTIFICATE-----\n");
  // The key encrypted with a passphrase, which larderd could not ask for.
  std::string encrypted;
  {
    const TestKey& key = AlexaTestPki::shared().signer_key;
    BIO* bio = BIO_new(BIO_s_mem());
    REQUIRE(bio != nullptr);
    char pass[] = "passphrase";
    REQUIRE(PEM_write_bio_PKCS8PrivateKey(bio, key.get(), EVP_aes_256_cbc(), pass, 10, nullptr,
                                          nullptr) == 1);
    char* data = nullptr;
    long n = BIO_get_mem_data(bio, &data);
    encrypted.assign(data, static_cast<std::size_t>(n));
    BIO_free(bio);
  }
  dir.write("locked.key", encrypted);

  auto http = [&](const std::string& cert, const std::string& key) {
    return parse_config(minimal("  tls:\n    cert: " + cert + "\n    key: " + key + "\n"), cfg);
  };
  ConfigLoad good = http("c.pem", "c.key");
  INFO(dump(good));
  CHECK(good.config.has_value());
  expect_error(http("c.pem", "other.key"), 8, "http.tls.key",
               "does not belong to the certificate in cert (\"" + dir.file("c.pem") + "\")");
  expect_error(http("c.pem", "locked.key"), 8, "http.tls.key", "protected by a passphrase");
  expect_error(http("bad.pem", "c.key"), 7, "http.tls.cert", "OpenSSL cannot read");
  // The same for the broker's client certificate.
  std::string mqtt = "mqtt:\n  url: mqtts://127.0.0.1:8883\n  tls:\n    cert: c.pem\n"
                     "    key: other.key\nstate_dir: s\nhttp:\n  admin_token: " + kAdmin +
                     "\nconsumables: {}\n";
  expect_error(parse_config(mqtt, cfg), 5, "mqtt.tls.key", "does not belong to the certificate");
}
