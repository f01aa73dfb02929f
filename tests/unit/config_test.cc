// load_config / parse_config against the fixtures of tests/fixtures/config and small
// files written into temporary folders (secrets, TLS files and relative paths:
// config_files_test.cc).
#include <doctest/doctest.h>
#include <unistd.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "larder/config.h"
#include "support/config_support.h"
#include "support/tempdir.h"
#include "support/test_pki.h"

namespace fs = std::filesystem;
using namespace larder;
using namespace larder::test;

namespace {

std::string fixture(const std::string& name) {
  return std::string(LARDER_SOURCE_DIR) + "/tests/fixtures/config/" + name;
}

}  // namespace

TEST_CASE("a full file loads with every value") {
  TempDir dir;
  std::string path = dir.write("larder.yaml", read_file(fixture("full.yaml")));
  dir.write("secrets/mqtt.pass", "broker-pass\n");
  dir.write("secrets/admin.token", kAdmin + "\n\n");
  dir.write("secrets/read.token", kRead + "  \n");
  dir.write("secrets/retailer.key", "retailer-key\n");
  dir.write("secrets/retailer.secret", "retailer-secret");
  // A cert and its key are read by OpenSSL at load time: they must belong together.
  for (const char* f : {"tls/ca.pem", "tls/client.pem", "tls/http.pem"}) {
    dir.write(f, test_tls_files().cert);
  }
  for (const char* f : {"tls/client.key", "tls/http.key"}) dir.write(f, test_tls_files().key);

  ConfigLoad l = load_config(path);
  INFO(dump(l));
  REQUIRE(l.errors.empty());
  REQUIRE(l.config.has_value());
  const Config& c = *l.config;
  CHECK(c.path == path);
  CHECK(c.mqtt.url == "ssl://127.0.0.1:8883");
  CHECK(c.mqtt.client_id == "larder-test");
  CHECK(c.mqtt.username == "larder");
  CHECK(c.mqtt.password == "broker-pass");
  REQUIRE(c.mqtt.tls.has_value());
  CHECK(c.mqtt.tls->ca == dir.file("tls/ca.pem"));
  CHECK(c.mqtt.tls->cert == dir.file("tls/client.pem"));
  CHECK(c.mqtt.tls->key == dir.file("tls/client.key"));
  CHECK(c.mqtt.prefix == "home");
  CHECK(c.mqtt.root() == "home/v1");
  CHECK(c.state_dir == dir.file("state"));
  CHECK(c.http.host == "::1");
  CHECK(c.http.port == 8443);
  CHECK(c.http.admin_token == kAdmin);
  CHECK(c.http.read_token == kRead);
  REQUIRE(c.http.tls.has_value());
  CHECK(c.http.tls->ca.empty());
  CHECK(c.http.tls->cert == dir.file("tls/http.pem"));
  CHECK(c.http.tls->key == dir.file("tls/http.key"));
  CHECK(c.household.timezone == "Europe/Berlin");
  CHECK(c.household.currency == "GBP");
  CHECK(c.household.locale == "de-DE");
  CHECK(c.log_level == LogLevel::debug);
  REQUIRE(c.retailer.has_value());
  CHECK(c.retailer->kind == "webhook");
  CHECK(c.retailer->url == "https://127.0.0.1:8090/shop");
  CHECK(c.retailer->api_key == "retailer-key");
  CHECK(c.retailer->webhook_secret == "retailer-secret");

  REQUIRE(c.consumables.size() == 3);  // in the order of the file
  CHECK(c.consumables[0].id == "coffee");
  CHECK(c.consumables[1].id == "milk");
  CHECK(c.consumables[2].id == "batteries");
  const ConsumableConfig* coffee = c.consumable("coffee");
  REQUIRE(coffee == &c.consumables[0]);
  CHECK(coffee->name == "Coffee beans");
  CHECK(coffee->unit == Unit::g);
  CHECK(coffee->capacity == 1000);
  CHECK(coffee->tare == 12.5);
  CHECK(coffee->synonyms == std::vector<std::string>{"beans", "coffee beans"});
  CHECK(coffee->lead_time_days == 3);
  CHECK(coffee->pack.sku == "COFFEE-500");
  CHECK(coffee->pack.size == 500);
  CHECK(coffee->pack.price == 8.99);
  const ConsumableConfig* milk = c.consumable("milk");
  REQUIRE(milk != nullptr);
  CHECK(milk->unit == Unit::l);
  CHECK(milk->pack.price == std::nullopt);
  const ConsumableConfig* aa = c.consumable("batteries");
  REQUIRE(aa != nullptr);
  CHECK(aa->unit == Unit::pcs);
  CHECK(aa->synonyms == std::vector<std::string>{"double a", "AA cells"});
  CHECK(aa->lead_time_days == 0.5);
  CHECK(aa->pack.price == 0.0);
  CHECK(c.consumable("tea") == nullptr);
}

TEST_CASE("the minimal file loads with the defaults") {
  ConfigLoad l = load_config(fixture("minimal.yaml"));
  INFO(dump(l));
  REQUIRE(l.config.has_value());
  const Config& c = *l.config;
  char host[256] = {};
  REQUIRE(::gethostname(host, sizeof host - 1) == 0);
  CHECK(c.mqtt.client_id == std::string("larder-") + host);
  CHECK(c.mqtt.url == "tcp://127.0.0.1:1883");
  CHECK_FALSE(c.mqtt.username.has_value());
  CHECK_FALSE(c.mqtt.password.has_value());
  CHECK_FALSE(c.mqtt.tls.has_value());
  CHECK(c.mqtt.prefix == "larder");
  CHECK(c.mqtt.root() == "larder/v1");
  CHECK(c.state_dir == "/var/lib/larder");
  CHECK(c.http.host == "127.0.0.1");
  CHECK(c.http.port == 8080);
  CHECK(c.http.admin_token == "minimal-admin-token-0123456789");
  CHECK_FALSE(c.http.read_token.has_value());
  CHECK_FALSE(c.http.tls.has_value());
  CHECK(c.household.timezone == "UTC");
  CHECK(c.household.currency == "EUR");
  CHECK(c.household.locale == "en-GB");
  CHECK(c.log_level == LogLevel::info);
  CHECK_FALSE(c.retailer.has_value());
  REQUIRE(c.consumables.size() == 1);
  const ConsumableConfig& salt = c.consumables[0];
  CHECK(salt.id == "salt");
  CHECK(salt.name == "salt");
  CHECK(salt.unit == Unit::kg);
  CHECK(salt.capacity == 1);
  CHECK(salt.tare == 0);
  CHECK(salt.synonyms.empty());
  CHECK(salt.lead_time_days == 2);
  CHECK(salt.pack.sku == "SALT-1KG");
  CHECK(salt.pack.size == 1);
  CHECK_FALSE(salt.pack.price.has_value());

  ConfigLoad empty = parse_config(minimal(), "/etc/larder/larder.yaml");
  INFO(dump(empty));
  REQUIRE(empty.config.has_value());
  CHECK(empty.config->consumables.empty());
}

TEST_CASE("unknown keys are errors at every level, with a suggestion") {
  std::string path = fixture("unknown_keys.yaml");
  ConfigLoad l = load_config(path);
  CHECK(where(l) == std::vector<std::pair<int, std::string>>{
                        {3, "mqtt.prefx"},
                        {7, "loglevel"},
                        {11, "consumables.coffee.capacty"},
                        {13, "consumables.coffee.pack.colour"},
                        {14, "frobnicate"}});
  expect_error(l, 3, "mqtt.prefx", "unknown key (did you mean 'prefix'?)");
  expect_error(l, 7, "loglevel", "did you mean 'log_level'?");
  expect_error(l, 11, "consumables.coffee.capacty", "did you mean 'capacity'?");
  expect_error(l, 13, "consumables.coffee.pack.colour", "unknown key (known here: best_before_days, price, size, sku)");
  expect_error(l, 14, "frobnicate", "unknown key");
  REQUIRE_FALSE(l.errors.empty());
  CHECK(l.errors[0].file == path);
  CHECK(l.errors[0].to_string() == path + ":3: mqtt.prefx: unknown key (did you mean 'prefix'?)");
}

TEST_CASE("wrong types are errors") {
  ConfigLoad l = load_config(fixture("wrong_types.yaml"));
  CHECK(l.errors.size() == 10);
  expect_error(l, 2, "mqtt.url", "must be a string, got a list");
  expect_error(l, 3, "state_dir", "must be a string, got a map");
  expect_error(l, 7, "http.listen", "the port is missing), got \"8080\"");
  expect_error(l, 8, "log_level", "must be error, warn, info or debug, got \"3\"");
  expect_error(l, 12, "consumables.coffee.capacity", "must be a number greater than 0, got \"abc\"");
  expect_error(l, 13, "consumables.coffee.tare",
               "must be a number of 0 or more, got the string \"5\" (write numbers without quotes)");
  expect_error(l, 14, "consumables.coffee.synonyms", "must be a list of strings, like [a, b], got \"beans\"");
  expect_error(l, 15, "consumables.coffee.lead_time_days",
               "must be a number greater than 0 and at most 60, got \"true\"");
  expect_error(l, 16, "consumables.coffee.pack", "must be a map of keys, got \"COFFEE-500\"");
  expect_error(l, 17, "consumables.tea", "must be a map of keys, got \"plenty\"");

  ConfigLoad null_value = parse_config(minimal("  listen:\n"), "/x/larder.yaml");
  expect_error(null_value, 6, "http.listen", "must be a string, got nothing");
}

TEST_CASE("missing required keys are errors at the line of their section") {
  ConfigLoad l = load_config(fixture("missing_required.yaml"));
  CHECK(where(l) == std::vector<std::pair<int, std::string>>{
                        {0, "state_dir"},
                        {1, "mqtt.url"},
                        {3, "http.admin_token"},
                        {6, "consumables.coffee.unit"},
                        {8, "consumables.coffee.pack.sku"}});
  expect_error(l, 0, "state_dir", "required key is missing");
  expect_error(l, 3, "http.admin_token", "give admin_token_file (or admin_token)");
  // A missing top-level key has no line (docs/configuration.md, "Errors").
  CHECK(l.errors[0].to_string() ==
        fixture("missing_required.yaml") + ": state_dir: required key is missing");

  ConfigLoad none = parse_config("log_level: info\n", "/x/larder.yaml");
  CHECK(where(none) == std::vector<std::pair<int, std::string>>{
                           {0, "mqtt"}, {0, "state_dir"}, {0, "http"}, {0, "consumables"}});
  ConfigLoad no_pack = parse_config(minimal("", "").replace(minimal().find("consumables: {}"), 15,
                                                            "consumables:\n  tea:\n    unit: g\n    capacity: 5"),
                                    "/x/larder.yaml");
  expect_error(no_pack, 7, "consumables.tea.pack", "required key is missing");
}

TEST_CASE("bad values are errors, and every one is reported in file order") {
  ConfigLoad l = load_config(fixture("bad_values.yaml"));
  CHECK(where(l) == std::vector<std::pair<int, std::string>>{
                        {2, "mqtt.url"},
                        {3, "mqtt.prefix"},
                        {6, "http.listen"},
                        {7, "http.admin_token"},
                        {9, "household.timezone"},
                        {10, "household.currency"},
                        {11, "household.locale"},
                        {13, "retailer.kind"},
                        {14, "retailer.url"},
                        {16, "consumables.Coffee"},
                        {17, "consumables.Coffee.unit"},
                        {18, "consumables.Coffee.capacity"},
                        {19, "consumables.Coffee.pack.size"},
                        {19, "consumables.Coffee.pack.price"},
                        {21, "consumables.tea.unit"},
                        {23, "consumables.tea.tare"},
                        {24, "consumables.tea.lead_time_days"},
                        {25, "consumables.tea.synonyms[1]"},
                        {26, "consumables.tea.pack.size"},
                        {28, "consumables.chai.synonyms[0]"}});
  expect_error(l, 2, "mqtt.url", "(it has an unknown scheme), got \"http://127.0.0.1:1883\"");
  expect_error(l, 3, "mqtt.prefix", "must be 1 to 8 MQTT topic levels");
  expect_error(l, 6, "http.listen", "names are not resolved");
  expect_error(l, 7, "http.admin_token", "must be 16 to 1024 printable ASCII characters without spaces (it has 5 characters)");
  CHECK(find_error(l, "http.admin_token")->what.find("short") == std::string::npos);  // secrets are never echoed
  expect_error(l, 9, "household.timezone", "must be UTC or a time zone of the tz database");
  expect_error(l, 10, "household.currency", "three capital letters");
  expect_error(l, 11, "household.locale", "like en-GB, de-DE or en, got \"english\"");
  expect_error(l, 13, "retailer.kind", "must be sandbox, webhook or grocy, got \"amazon\"");
  expect_error(l, 14, "retailer.url", "must be an http:// or https:// URL");
  expect_error(l, 16, "consumables.Coffee", "is not a valid consumable id");
  expect_error(l, 17, "consumables.Coffee.unit", "must be g, kg, ml, l or pcs, got \"oz\"");
  expect_error(l, 18, "consumables.Coffee.capacity", "must be a number greater than 0, got \"-5\"");
  expect_error(l, 19, "consumables.Coffee.pack.size", "greater than 0, got \"0\"");
  expect_error(l, 19, "consumables.Coffee.pack.price", "must be a number of 0 or more, got \"-1\"");
  expect_error(l, 21, "consumables.tea.unit", "% is for readings");
  expect_error(l, 23, "consumables.tea.tare", "must be a number of 0 or more, got \"-3\"");
  expect_error(l, 24, "consumables.tea.lead_time_days", "greater than 0 and at most 60, got \"61\"");
  expect_error(l, 25, "consumables.tea.synonyms[1]", "must not be empty");
  expect_error(l, 26, "consumables.tea.pack.size", "got \".inf\"");
  expect_error(l, 28, "consumables.chai.synonyms[0]", "\"Cuppa\" already names consumable 'tea'");
}

TEST_CASE("a YAML syntax error names the file and the line") {
  std::string path = fixture("syntax_error.yaml");
  ConfigLoad l = load_config(path);
  REQUIRE(l.errors.size() == 1);
  CHECK_FALSE(l.config.has_value());
  CHECK(l.errors[0].file == path);
  CHECK(l.errors[0].line == 6);
  CHECK(l.errors[0].key.empty());
  CHECK(l.errors[0].what.find("YAML syntax error") == 0);
  CHECK(l.errors[0].to_string().find(path + ":6: YAML syntax error: ") == 0);

  ConfigLoad flow = parse_config("mqtt: [1,\nstate_dir: x\n", "/x/larder.yaml");
  REQUIRE(flow.errors.size() == 1);
  CHECK(flow.errors[0].line == 3);

  expect_error(parse_config(minimal("", "mqtt: {}\n"), "/x/l.yaml"), 7, "mqtt", "given twice (first on line 1)");
  ConfigLoad two = parse_config(minimal() + "---\nlog_level: info\n", "/x/l.yaml");
  REQUIRE(two.errors.size() == 1);
  CHECK(two.errors[0].what.find("more than one YAML document") != std::string::npos);
  ConfigLoad empty = parse_config("# nothing\n", "/x/l.yaml");
  REQUIRE(empty.errors.size() == 1);
  CHECK(empty.errors[0].to_string() == "/x/l.yaml: is empty: it needs at least mqtt, state_dir, http and consumables");
  ConfigLoad list = parse_config("- a\n- b\n", "/x/l.yaml");
  REQUIRE(list.errors.size() == 1);
  CHECK(list.errors[0].what.find("must be a map of sections") == 0);

  // yaml-cpp stops at 500 levels and calls that "bad file": said as what it is.
  std::string deep = minimal("", "x:\n");  // x: is line 7
  for (int i = 0; i < 600; ++i) deep += std::string(2 * i + 2, ' ') + "k:\n";
  ConfigLoad nested = parse_config(deep, "/x/l.yaml");
  REQUIRE(nested.errors.size() == 1);
  CHECK_FALSE(nested.config.has_value());
  CHECK(nested.errors[0].line > 7);
  CHECK(nested.errors[0].what == "maps and lists are nested too deeply (500 levels; a "
                                 "configuration needs a handful)");
  ConfigLoad brackets =
      parse_config(minimal("", "x: " + std::string(600, '[') + "\n"), "/x/l.yaml");
  REQUIRE(brackets.errors.size() == 1);
  CHECK(brackets.errors[0].what.find("nested too deeply") != std::string::npos);
}

TEST_CASE("a missing configuration file is an error naming it") {
  TempDir dir;
  ConfigLoad l = load_config(dir.file("nope.yaml"));
  REQUIRE(l.errors.size() == 1);
  CHECK(l.errors[0].file == dir.file("nope.yaml"));
  CHECK(l.errors[0].line == 0);
  CHECK(l.errors[0].what.find("No such file or directory") != std::string::npos);
  CHECK_FALSE(load_config(dir.path()).errors.empty());  // a folder
}

TEST_CASE("URLs, listen addresses and the other single values") {
  auto mqtt_url = [](const std::string& url) {
    std::string text = minimal();
    text.replace(text.find("tcp://127.0.0.1:1883"), 20, url);
    return parse_config(text, "/x/l.yaml");
  };
  for (const char* good : {"tcp://127.0.0.1:1883", "mqtt://broker.local:1", "ssl://[::1]:8883",
                           "mqtts://b-1.example:65535", "ws://127.0.0.1:9001/mqtt", "wss://127.0.0.1:443"}) {
    INFO(std::string(good));
    CHECK(mqtt_url(good).config.has_value());
  }
  for (const char* bad : {"tcp://127.0.0.1", "tcp://127.0.0.1:0", "tcp://127.0.0.1:65536", "tcp://:1883",
                          "tcp://127.0.0.1:1883/x", "tcp://user:pw@127.0.0.1:1883", "127.0.0.1:1883",
                          "tcp://[::1:1883", "tcp://::1:1883", "udp://127.0.0.1:1883", "tcp://h:18a3"}) {
    INFO(std::string(bad));
    expect_error(mqtt_url(bad), 2, "mqtt.url", "like tcp://127.0.0.1:1883");
  }

  // Error messages never show a secret: a URL's user name and password are not quoted.
  ConfigLoad secret = mqtt_url("tcp://larder:S3cretPassw0rd@127.0.0.1:1883");
  expect_error(secret, 2, "mqtt.url", "got \"tcp://***@127.0.0.1:1883\"");
  CHECK(dump(secret).find("S3cret") == std::string::npos);

  auto listen = [](const std::string& value) { return parse_config(minimal("  listen: " + value + "\n"), "/x/l.yaml"); };
  ConfigLoad any = listen("0.0.0.0:0");
  REQUIRE(any.config.has_value());
  CHECK(any.config->http.host == "0.0.0.0");
  CHECK(any.config->http.port == 0);
  CHECK(listen("\"[::]:80\"").config->http.host == "::");
  for (const char* bad : {"127.0.0.1", "\"127.0.0.1:\"", "127.0.0.1:65536", "127.0.0.1:http", "\"::1:8080\"",
                          "\"[::1]8080\"", "256.0.0.1:80", "localhost:8080"}) {
    INFO(std::string(bad));
    expect_error(listen(bad), 6, "http.listen", "must be HOST:PORT");
  }

  auto household = [](const std::string& key, const std::string& value) {
    return parse_config(minimal("", "household:\n  " + key + ": " + value + "\n"), "/x/l.yaml");
  };
  CHECK(household("timezone", "UTC").config.has_value());
  CHECK(household("timezone", "America/Argentina/Buenos_Aires").config.has_value());
  for (const char* bad : {"Europe", "../../etc/passwd", "/etc/localtime", "Europe/Nowhere", "utc"}) {
    INFO(std::string(bad));
    expect_error(household("timezone", bad), 8, "household.timezone", "tz database");
  }
  CHECK(household("locale", "en").config.has_value());
  CHECK(household("locale", "gsw-CH").config.has_value());
  for (const char* bad : {"en_GB", "EN-gb", "en-GBR", "e"}) expect_error(household("locale", bad), 8, "household.locale", "like en-GB");
  for (const char* bad : {"EU", "EURO", "E1R"}) expect_error(household("currency", bad), 8, "household.currency", "ISO 4217");

  auto prefix = [](const std::string& value) {
    std::string text = minimal();
    text.insert(text.find("state_dir"), "  prefix: " + value + "\n");
    return parse_config(text, "/x/l.yaml");
  };
  for (const char* bad : {"$SYS", "a+b", "a#", "a b", "\"\"", "/larder", "larder/", "home//larder",
                          "a/b/c/d/e/f/g/h/i"}) {
    INFO(std::string(bad));
    CHECK(find_error(prefix(bad), "mqtt.prefix") != nullptr);
  }
  for (const char* good : {"larder", "home/larder", "a/b/c/d/e/f/g/h", "site-1/$x"}) {
    INFO(std::string(good));
    ConfigLoad l = prefix(good);
    REQUIRE(l.config.has_value());
    CHECK(l.config->mqtt.root() == std::string(good) + "/v1");
  }

  ConfigLoad levels = parse_config(minimal("", "log_level: warn\n"), "/x/l.yaml");
  REQUIRE(levels.config.has_value());
  CHECK(levels.config->log_level == LogLevel::warn);
}

TEST_CASE("a container may weigh more than it holds") {
  // A 350 g glass jar holding 250 g of coffee: tare is not bounded by capacity.
  std::string text = minimal();
  text.replace(text.find("consumables: {}"), 15,
               "consumables:\n  coffee:\n    unit: g\n    capacity: 250\n    tare: 350\n"
               "    pack: {sku: C-250, size: 250}");
  ConfigLoad l = parse_config(text, "/x/l.yaml");
  REQUIRE(l.config.has_value());
  CHECK(l.config->consumables.at(0).tare == 350);
}

TEST_CASE("ids, names and synonyms name one consumable each, ignoring case") {
  auto two = [](const std::string& first, const std::string& second) {
    std::string text = minimal();
    text.replace(text.find("consumables: {}"), 15,
                 "consumables:\n  coffee:\n    unit: g\n    capacity: 1\n    pack: {sku: A, size: 1}\n" + first +
                     "  tea:\n    unit: g\n    capacity: 1\n    pack: {sku: B, size: 1}\n" + second);
    return parse_config(text, "/x/l.yaml");
  };
  CHECK(two("    name: Coffee\n    synonyms: [COFFEE, beans, beans]\n", "").config.has_value());
  expect_error(two("", "    name: Coffee\n"), 15, "consumables.tea.name", "\"Coffee\" already names consumable 'coffee'");
  // Ids are claimed first: the synonym is the one in the way.
  expect_error(two("    synonyms: [Tea]\n", ""), 11, "consumables.coffee.synonyms[0]", "\"Tea\" already names consumable 'tea'");
  expect_error(two("    synonyms: [brew]\n", "    synonyms:\n      - x\n      - \" BREW \"\n"), 18,
               "consumables.tea.synonyms[1]", "already names consumable 'coffee'");
  // Compared without their outer spaces, a name or synonym of spaces only names nothing.
  expect_error(two("    name: \"  \"\n", ""), 11, "consumables.coffee.name",
               "must not be only spaces, got \"  \"");
  expect_error(two("", "    synonyms: [tisane, \" \"]\n"), 15, "consumables.tea.synonyms[1]",
               "must not be only spaces, got \" \"");
  CHECK(two("    name: \" Coffee \"\n    synonyms: [\" beans\"]\n", "").config.has_value());
}

TEST_CASE("numbers must be finite plain numbers") {
  auto capacity = [](const std::string& value) {
    std::string text = minimal();
    text.replace(text.find("consumables: {}"), 15,
                 "consumables:\n  c:\n    unit: ml\n    capacity: " + value + "\n    pack: {sku: A, size: 1}\n");
    return parse_config(text, "/x/l.yaml");
  };
  CHECK(capacity("1e3").config->consumables[0].capacity == 1000);
  CHECK(capacity("+2.5").config->consumables[0].capacity == 2.5);
  for (const char* bad : {".inf", "inf", ".nan", "nan", "1e999", "0x10", "1_000", "+-1", "12 g", "[1]", "\"1\"", "~"}) {
    INFO(std::string(bad));
    expect_error(capacity(bad), 9, "consumables.c.capacity", "must be a number greater than 0, got");
  }
}

TEST_CASE("ConfigError::to_string") {
  CHECK(ConfigError{"/etc/larder/larder.yaml", 12, "consumables.coffee.capacity", "must be a number greater than 0, got \"abc\""}
            .to_string() == "/etc/larder/larder.yaml:12: consumables.coffee.capacity: must be a number greater than 0, got \"abc\"");
  CHECK(ConfigError{"f.yaml", 0, "state_dir", "required key is missing"}.to_string() ==
        "f.yaml: state_dir: required key is missing");
  CHECK(ConfigError{"f.yaml", 3, "", "YAML syntax error: x"}.to_string() == "f.yaml:3: YAML syntax error: x");
  // A file named with a terminal's escape (C0 ESC, C1 CSI) is shown masked.
  CHECK(ConfigError{"a\x1b[31m\xc2\x9b" "1mb.yaml", 0, "", "cannot be read"}.to_string() ==
        "a?[31m?1mb.yaml: cannot be read");
  // So is a key written with one (a double-quoted YAML key may hold any character).
  ConfigLoad l = parse_config(minimal() + "\"a\\e[2Jb\": 1\n", "/x/l.yaml");
  REQUIRE_FALSE(l.errors.empty());
  const std::string shown = l.errors.back().to_string();
  CHECK(shown.find('\x1b') == std::string::npos);
  CHECK(shown.find("a?[2Jb") != std::string::npos);
}

TEST_CASE("config/example.yaml is valid") {
  std::string example = std::string(LARDER_SOURCE_DIR) + "/config/example.yaml";
  std::string text = read_file(example);
  REQUIRE_FALSE(text.empty());

  // As shipped it names files under /etc/larder that a fresh machine does not have: the
  // only errors are that those files cannot be read.
  if (!fs::exists("/etc/larder")) {
    ConfigLoad as_is = load_config(example);
    INFO(dump(as_is));
    CHECK(as_is.errors.size() == 12);
    for (const ConfigError& e : as_is.errors) {
      CHECK(e.what.find("cannot read \"/etc/larder/") == 0);
    }
  }

  // With those files present (in a temporary copy of /etc/larder) it loads.
  TempDir dir;
  std::string etc = dir.file("etc/larder");
  std::string copy = text;
  for (std::size_t at = copy.find("/etc/larder/"); at != std::string::npos; at = copy.find("/etc/larder/", at)) {
    copy.replace(at, 12, etc + "/");
    at += etc.size() + 1;
  }
  std::string path = dir.write("etc/larder/larder.yaml", copy);
  dir.write("etc/larder/admin.token", "admin-0123456789abcdef\n");
  dir.write("etc/larder/read.token", "read-0123456789abcdef\n");
  for (const char* f : {"mqtt.pass", "retailer.key", "retailer.secret", "ntfy.token",
                        "notify-webhook.secret"}) {
    dir.write(std::string("etc/larder/") + f, "x\n");
  }
  // TLS files: a cert and its key are read by OpenSSL at load time.
  for (const char* f : {"ca.pem", "client.pem", "http.pem"}) {
    dir.write(std::string("etc/larder/") + f, test_tls_files().cert);
  }
  for (const char* f : {"client.key", "http.key"}) {
    dir.write(std::string("etc/larder/") + f, test_tls_files().key);
  }
  ConfigLoad l = load_config(path);
  INFO(dump(l));
  REQUIRE(l.config.has_value());
  const Config& c = *l.config;
  CHECK(c.state_dir == "/var/lib/larder");
  CHECK(c.http.admin_token == "admin-0123456789abcdef");
  CHECK(c.mqtt.tls->cert == etc + "/client.pem");
  CHECK(c.household.timezone == "Europe/Berlin");
  REQUIRE(c.retailer.has_value());
  CHECK(c.retailer->kind == "sandbox");
  REQUIRE(c.consumables.size() == 2);
  CHECK(c.consumables[0].id == "coffee");
  CHECK(c.consumables[1].id == "milk");
}

TEST_CASE("config/demo.yaml is valid once scripts/demo filled in its placeholders") {
  std::string text = read_file(std::string(LARDER_SOURCE_DIR) + "/config/demo.yaml");
  REQUIRE_FALSE(text.empty());
  TempDir dir;
  for (const auto& [from, to] : {std::pair<std::string, std::string>{"@MQTT_PORT@", "1883"},
                                 {"@HTTP_PORT@", "8080"},
                                 {"@SANDBOX_PORT@", "8090"},
                                 {"@STATE_DIR@", dir.file("state")}}) {
    for (auto at = text.find(from); at != std::string::npos; at = text.find(from, at)) {
      text.replace(at, from.size(), to);
    }
  }
  ConfigLoad l = load_config(dir.write("demo.yaml", text));
  INFO(dump(l));
  REQUIRE(l.config.has_value());
  REQUIRE(l.config->retailer.has_value());
  CHECK(l.config->retailer->url == "http://127.0.0.1:8090");
  CHECK(l.config->orders.undo_window_s.sensor == 8);
  bool reorder_button = false;
  for (const auto& b : l.config->buttons) reorder_button |= b.single == ButtonEffect::reorder;
  CHECK(reorder_button);
}

TEST_CASE("the forecast section sets the reorder risk and the wait after a cancel") {
  const std::string base = R"(mqtt:
  url: tcp://127.0.0.1:1883
state_dir: /tmp/s
http:
  admin_token: test-admin-token-0123456789
consumables: {}
)";
  ConfigLoad defaults = parse_config(base, "/x/larder.yaml");
  REQUIRE(defaults.config);
  CHECK(defaults.config->forecast.reorder_risk == doctest::Approx(0.01));
  CHECK(defaults.config->forecast.cancel_wait_days == doctest::Approx(2));
  ConfigLoad set = parse_config(base + "forecast:\n  reorder_risk: 0.02\n  cancel_wait_days: 1\n",
                                "/x/larder.yaml");
  REQUIRE(set.config);
  CHECK(set.config->forecast.reorder_risk == doctest::Approx(0.02));
  CHECK(set.config->forecast.cancel_wait_days == doctest::Approx(1));
  ConfigLoad bad = parse_config(base + "forecast:\n  reorder_risk: 0\n  cancel_wait_days: -1\n  risk: 1\n",
                                "/x/larder.yaml");
  CHECK_FALSE(bad.config);
  REQUIRE(bad.errors.size() == 3);
  CHECK(bad.errors[0].key == "forecast.reorder_risk");
  CHECK(bad.errors[0].line == 8);
  CHECK(bad.errors[1].key == "forecast.cancel_wait_days");
  CHECK(bad.errors[2].key == "forecast.risk");
}

TEST_CASE("a pack's best_before_days is a shelf life of up to ten years") {
  const std::string base = R"(mqtt:
  url: tcp://127.0.0.1:1883
state_dir: /tmp/s
http:
  admin_token: test-admin-token-0123456789
consumables:
  milk:
    unit: pcs
    capacity: 12
    pack: {sku: MILK-6, size: 6)";
  ConfigLoad none = parse_config(base + "}\n", "/x/larder.yaml");
  REQUIRE(none.config);
  CHECK_FALSE(none.config->consumables[0].pack.best_before_days);
  ConfigLoad set = parse_config(base + ", best_before_days: 7.5}\n", "/x/larder.yaml");
  REQUIRE(set.config);
  CHECK(set.config->consumables[0].pack.best_before_days == doctest::Approx(7.5));
  for (const char* bad : {"0", "-1", "3651", "soon", ".inf"}) {
    ConfigLoad l = parse_config(base + ", best_before_days: " + bad + "}\n", "/x/larder.yaml");
    INFO(bad);
    CHECK_FALSE(l.config);
    REQUIRE(l.errors.size() == 1);
    CHECK(l.errors[0].key == "consumables.milk.pack.best_before_days");
    CHECK(l.errors[0].line == 10);
  }
}

TEST_CASE("malformed YAML on which yaml-cpp 0.7's LoadAll never returns is a syntax error") {
  // Found by fuzzing (docs/fuzzing.md): a stray ',' where a node should start made the
  // loader collect empty documents until memory ran out.
  for (const char* text : {",", ",\n", "\n,\n", "# larder\n,\nmqtt: {}\n"}) {
    CAPTURE(text);
    ConfigLoad l = parse_config(text, "/x/l.yaml");
    REQUIRE(l.errors.size() == 1);
    CHECK_FALSE(l.config.has_value());
    CHECK(l.errors[0].what.find("YAML syntax error") == 0);
  }
  // A second document after a good one is still reported as one.
  ConfigLoad two = parse_config(minimal() + "---\n,\n", "/x/l.yaml");
  REQUIRE_FALSE(two.errors.empty());
  CHECK_FALSE(two.config.has_value());
}
