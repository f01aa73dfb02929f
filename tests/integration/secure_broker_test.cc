// The shipped secured broker (config/mosquitto/larder.conf and acl) with the real larderd:
// a test CA and server certificate made here, passwords made with mosquitto_passwd, the
// shipped files with their paths and ports changed to the test's, larderd over TLS with a
// user and password. The hub works; anonymous clients, wrong passwords and users the ACL
// does not allow change nothing.
#include <doctest/doctest.h>

#include <ctime>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include <nlohmann/json.hpp>

#include "support/larderd.h"
#include "support/mosquitto.h"
#include "support/test_client.h"
#include "support/test_pki.h"

using namespace larder::test;
using nlohmann::json;
using namespace std::chrono_literals;

namespace {

const std::string kShipped = std::string(LARDER_SOURCE_DIR) + "/config/mosquitto/";

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void replace_all(std::string& s, const std::string& from, const std::string& to) {
  for (auto at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size())) {
    s.replace(at, from.size(), to);
  }
}

// The PKI, the password file and larderd's password, in a folder of their own.
struct Secrets {
  TempDir dir{"larder-secure-"};
  std::string ca, cert, key, passwd, larderd_pass;

  Secrets() {
    const double now = static_cast<double>(std::time(nullptr));
    constexpr double kDay = 86400;
    TestKey ca_key = TestKey::generate(), server_key = TestKey::generate();
    TestCert ca_cert = TestCert::self_signed(
        {"Larder test home CA", now - kDay, now + 30 * kDay, {}, true, {}}, ca_key);
    TestCert server = ca_cert.issue(
        {"127.0.0.1", now - kDay, now + 30 * kDay, {"localhost"}, false, {"127.0.0.1"}},
        server_key);
    ca = dir.write("ca.crt", ca_cert.pem());
    cert = dir.write("server.crt", server.pem());
    key = dir.write("server.key", server_key.pem());
    passwd = dir.file("passwd");
    add_user("larderd", "hub-secret-7Qm2", /*create=*/true);
    add_user("admin", "admin-secret-x9");
    add_user("coffee-scale", "scale-secret-k3");
    add_user("homeassistant", "ha-secret-p5");
    larderd_pass = dir.write("mqtt.pass", "hub-secret-7Qm2\n");
  }

  // mosquitto_passwd -b, as config/mosquitto/README.md does it.
  void add_user(const std::string& user, const std::string& password, bool create = false) {
    ChildOptions o;
    o.argv = {"mosquitto_passwd"};
    if (create) o.argv.push_back("-c");
    for (const auto& a : {std::string("-b"), passwd, user, password}) o.argv.push_back(a);
    o.stdout_path = dir.file("mosquitto_passwd.log");
    o.stderr_path = o.stdout_path;
    o.append_output = true;
    ChildProcess p(o);
    auto st = p.wait(10s);
    if (!st || !st->success()) {
      throw std::runtime_error("mosquitto_passwd failed: " + read_file(o.stdout_path));
    }
  }
};

// The shipped larder.conf made to fit the test: MosquittoBroker's own loopback listener
// stands in for `listener 1883 127.0.0.1`, the TLS listener moves to `tls_port` on
// 127.0.0.1, and the files are the test's (the ACL is the shipped file itself).
std::vector<std::string> shipped_broker_config(const Secrets& s, std::uint16_t tls_port) {
  std::string conf = slurp(kShipped + "larder.conf");
  // What the test relies on must be there as shipped.
  for (const char* line : {"allow_anonymous false", "password_file /etc/mosquitto/passwd",
                           "acl_file /etc/mosquitto/acl", "listener 1883 127.0.0.1",
                           "listener 8883", "certfile /etc/mosquitto/certs/server.crt",
                           "keyfile /etc/mosquitto/certs/server.key"}) {
    REQUIRE_MESSAGE(conf.find(std::string("\n") + line + "\n") != std::string::npos,
                    "config/mosquitto/larder.conf has no line `" << line << "`");
  }
  replace_all(conf, "/etc/mosquitto/passwd", s.passwd);
  replace_all(conf, "/etc/mosquitto/acl", kShipped + "acl");
  replace_all(conf, "/etc/mosquitto/certs/server.crt", s.cert);
  replace_all(conf, "/etc/mosquitto/certs/server.key", s.key);
  std::vector<std::string> lines;
  std::istringstream in(conf);
  for (std::string line; std::getline(in, line);) {
    if (line == "listener 1883 127.0.0.1") continue;
    if (line == "listener 8883") line = "listener " + std::to_string(tls_port) + " 127.0.0.1";
    lines.push_back(line);
  }
  return lines;
}

std::string daemon_config(const Secrets& s) {
  return R"(mqtt:
  url: @MQTT_URL@
  client_id: larder-test
  username: larderd
  password_file: )" + s.larderd_pass + R"(
  tls:
    ca: )" + s.ca + R"(
state_dir: @STATE_DIR@
http:
  listen: 127.0.0.1:@HTTP_PORT@
  admin_token: test-admin-token-0123456789
log_level: debug
consumables:
  coffee:
    unit: g
    capacity: 1000
    tare: 350
    pack: {sku: COFFEE-500, size: 500}
  pods:
    unit: pcs
    capacity: 80
    pack: {sku: PODS-40, size: 40}
sensors:
  coffee_scale:
    consumable: coffee
    kind: tasmota_hx711
    topic: coffee-scale
)";
}

TestClientOptions user(const std::string& name, const std::string& password,
                       const std::string& ca = {}) {
  TestClientOptions o;
  o.username = name;
  o.password = password;
  o.ca_file = ca;
  return o;
}

std::string pods_level(double value, int i) {
  return json{{"value", value}, {"unit", "pcs"}, {"ts", 1764460200 + 300 * i}}.dump();
}

bool has_level(const Received& r, double value) {
  auto j = json::parse(r.payload, nullptr, false);
  return j.is_object() && j.contains("level") && j["level"].is_number() && j["level"] == value;
}

}  // namespace

TEST_CASE("the shipped secured broker: larderd over TLS with a password, others refused") {
  Secrets secrets;
  const std::uint16_t tls_port = free_loopback_port();
  BrokerOptions bo;
  bo.allow_anonymous = false;
  bo.extra_config = shipped_broker_config(secrets, tls_port);
  MosquittoBroker broker(bo);
  const std::string tls_url = "ssl://127.0.0.1:" + std::to_string(tls_port);

  LarderdProcess daemon(tls_url, daemon_config(secrets));
  daemon.start();

  // Home Assistant may read the hub's topics (over TLS, checking the test CA).
  TestClient ha(tls_url, user("homeassistant", "ha-secret-p5", secrets.ca));
  ha.connect();
  ha.subscribe("larder/v1/#");
  REQUIRE_MESSAGE(ha.wait_for_payload("larder/v1/status", "online", 15s),
                  "larderd did not come online over TLS\n" << daemon.log());

  SUBCASE("anonymous clients and wrong passwords cannot connect, on either listener") {
    TestClient anon_plain(broker.url());
    CHECK_THROWS(anon_plain.connect());
    TestClient anon_tls(tls_url, user("", "", secrets.ca));
    CHECK_THROWS(anon_tls.connect());
    TestClient wrong(broker.url(), user("coffee-scale", "not-the-password"));
    CHECK_THROWS(wrong.connect());
    TestClient unknown(tls_url, user("intruder", "scale-secret-k3", secrets.ca));
    CHECK_THROWS(unknown.connect());
  }

  SUBCASE("users the ACL does not allow cannot feed the hub's inputs") {
    // Signed-in users whose ACL entries give no write right on larder/v1/: their
    // readings are dropped by the broker (or refused to the client: either is fine).
    TestClient ha_pub(tls_url, user("homeassistant", "ha-secret-p5", secrets.ca));
    ha_pub.connect();
    TestClient scale(broker.url(), user("coffee-scale", "scale-secret-k3"));
    scale.connect();
    for (int i = 0; i < 3; ++i) {
      ha_pub.try_publish("larder/v1/consumable/pods/level", pods_level(17, i));
      scale.try_publish("larder/v1/consumable/pods/level", pods_level(17, i));
    }

    // The scale's own readings are allowed and the hub turns them into state: 0.912 kg
    // gross minus the 350 g jar. They went through the broker after the refused ones.
    for (int i = 0; i < 3; ++i) {
      scale.publish("tele/coffee-scale/SENSOR", R"({"HX711":{"Weight":0.912}})");
    }
    REQUIRE_MESSAGE(ha.wait_for("larder/v1/consumable/coffee/state", 15s,
                                [](const Received& r) { return has_level(r, 562); }),
                    "no coffee state from the scale's readings\n" << daemon.log());
    for (const auto& r : ha.messages("larder/v1/consumable/pods/state")) {
      CHECK_MESSAGE(!has_level(r, 17), "a refused reading reached the hub: " << r.payload);
    }
    // The same readings from a user the ACL allows (admin) do change the state: the
    // refused ones would have.
    TestClient admin(broker.url(), user("admin", "admin-secret-x9"));
    admin.connect();
    for (int i = 0; i < 3; ++i) admin.publish("larder/v1/consumable/pods/level", pods_level(17, i));
    CHECK(ha.wait_for("larder/v1/consumable/pods/state", 15s,
                      [](const Received& r) { return has_level(r, 17); }));
    // mosquitto writes its log when it stops (stdout is buffered into the file).
    broker.stop();
    CHECK(broker.log().find("Denied PUBLISH from") != std::string::npos);
  }

  SUBCASE("a Home Assistant user cannot publish as the hub") {
    TestClient ha_pub(tls_url, user("homeassistant", "ha-secret-p5", secrets.ca));
    ha_pub.connect();
    ha_pub.try_publish("larder/v1/status", "offline", 1, true);
    TestClient admin(broker.url(), user("admin", "admin-secret-x9"));
    admin.connect();
    admin.subscribe("larder/v1/status");
    // The refused publish came first: the retained status is still the hub's own.
    auto first = admin.wait_for("larder/v1/status", 10s);
    REQUIRE(first);
    CHECK(first->payload == "online");
  }
}
