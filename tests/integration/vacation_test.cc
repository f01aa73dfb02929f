// Vacation mode against the running larderd (docs/vacation.md): on and off over MQTT, the
// HTTP API and larderctl; bad requests refused; kept across a restart.
#include <doctest/doctest.h>

#include <ctime>
#include <string>

#include <nlohmann/json.hpp>

#include "support/larderctl_run.h"
#include "support/larderd.h"
#include "support/mosquitto.h"
#include "support/tempdir.h"
#include "support/test_client.h"

using namespace larder;
using namespace larder::test;
using nlohmann::json;
using namespace std::chrono_literals;

namespace {

const std::vector<std::string> kAdmin = {"Authorization: Bearer test-admin-token-0123456789"};

json get_vacation(const LarderdProcess& d) {
  auto r = http_request(d.http_port(), "GET", "/api/v1/vacation", kAdmin);
  REQUIRE(r.status == 200);
  return json::parse(r.body);
}

HttpAnswer put_vacation(const LarderdProcess& d, const std::string& body) {
  auto headers = kAdmin;
  headers.push_back("Content-Type: application/json");
  return http_request(d.http_port(), "PUT", "/api/v1/vacation", headers, body);
}

}  // namespace

TEST_CASE("vacation mode over MQTT and HTTP: state, events, refusals, and a restart keeps it") {
  MosquittoBroker broker;
  LarderdProcess daemon(broker.url());
  daemon.start();
  TestClient watcher(broker.url());
  watcher.connect();
  watcher.subscribe("larder/v1/#");
  REQUIRE(watcher.wait_for_payload("larder/v1/status", "online", 15s));
  CHECK(get_vacation(daemon) == json{{"away", false}});

  const double until = static_cast<double>(std::time(nullptr)) + 7 * 86400;
  TestClient hass(broker.url());
  hass.connect();
  hass.publish("larder/v1/vacation", json{{"away", true}, {"until", until}}.dump());
  auto started = watcher.wait_for("larder/v1/event", 15s, [](const Received& r) {
    return json::parse(r.payload)["kind"] == "vacation_started";
  });
  REQUIRE_MESSAGE(started, daemon.log());
  CHECK(json::parse(started->payload)["by"] == "mqtt");
  auto state = watcher.wait_for("larder/v1/vacation/state", 15s);
  REQUIRE(state);
  CHECK(json::parse(state->payload)["away"] == true);
  json v = get_vacation(daemon);
  CHECK(v["away"] == true);
  CHECK(v["until"] == until);

  // Bad requests change nothing.
  hass.publish("larder/v1/vacation", R"({"away":true,"until":1000})");
  auto err = watcher.wait_for("larder/v1/error", 15s);
  REQUIRE(err);
  CHECK(json::parse(err->payload)["reason"] == "the vacation's end must be in the future");
  CHECK(put_vacation(daemon, R"({"until":"soon"})").status == 400);
  CHECK(put_vacation(daemon, R"({"until":null,"x":1})").status == 400);
  // `until` is required: {} is not an open-ended vacation.
  auto empty = put_vacation(daemon, "{}");
  CHECK(empty.status == 400);
  CHECK(empty.body.find(R"({\"until\":null})") != std::string::npos);
  CHECK(put_vacation(daemon, R"([1])").status == 400);
  auto read_only = http_request(daemon.http_port(), "DELETE", "/api/v1/vacation",
                                {"Authorization: Bearer test-read-token-0123456789"});
  CHECK(read_only.status == 403);
  CHECK(get_vacation(daemon)["until"] == until);

  // Kept across a restart.
  REQUIRE(daemon.terminate().code == 0);
  daemon.start();
  CHECK(get_vacation(daemon)["until"] == until);

  // Off over HTTP; a second "off" is a conflict.
  auto off = http_request(daemon.http_port(), "DELETE", "/api/v1/vacation", kAdmin);
  CHECK(off.status == 200);
  CHECK(json::parse(off.body) == json{{"away", false}});
  CHECK(http_request(daemon.http_port(), "DELETE", "/api/v1/vacation", kAdmin).status == 409);
  // Open-ended over HTTP.
  auto on = put_vacation(daemon, R"({"until":null})");
  CHECK(on.status == 200);
  CHECK(json::parse(on.body)["until"].is_null());
}

TEST_CASE("larderctl vacation: start with a local date, show, end, and bad dates") {
  MosquittoBroker broker;
  LarderdProcess daemon(broker.url());
  daemon.start();
  const std::string config = daemon.config_path();

  // DATE has two forms, YYYY-MM-DD and YYYY-MM-DDTHH:MM: any other is refused with the
  // usage line before anything is sent (the show below finds vacation mode still off).
  for (const std::string until : {"24.12.2030", "2099-12-01T10:00:00", "2099-12-01 10:00",
                                  "2099-12-01T10:00Z", "2099-12-1", "2099-12-01T25:00"}) {
    auto bad = larderctl({"vacation", "start", "--until", until, "--config", config});
    INFO(until, ": ", bad.err);
    CHECK(bad.status.code == 2);
    CHECK(bad.out.empty());
    CHECK(bad.err.find("--until must be a local date YYYY-MM-DD or YYYY-MM-DDTHH:MM, not '" +
                       until + "'") != std::string::npos);
    CHECK(bad.err.find("usage: larderctl vacation") != std::string::npos);
  }
  // The right form with a day the calendar does not have says so.
  for (const std::string until : {"2099-02-30", "2099-02-29T10:00", "2099-13-01"}) {
    auto bad = larderctl({"vacation", "start", "--until", until, "--config", config});
    INFO(until, ": ", bad.err);
    CHECK(bad.status.code == 2);
    CHECK(bad.err.find("--until names a day that does not exist: '" + until + "'") !=
          std::string::npos);
  }
  // The date is an argument: checked before the configuration is read, so a bad one is
  // named as such even when the configuration cannot be read.
  auto both = larderctl({"vacation", "start", "--until", "soon", "--config", "/nonexistent"});
  CHECK(both.status.code == 2);
  CHECK(both.err.find("--until must be a local date") != std::string::npos);
  CHECK(both.err.find("nonexistent") == std::string::npos);
  CHECK(larderctl({"vacation", "pause", "--config", config}).status.code == 2);
  auto past = larderctl({"vacation", "start", "--until", "2020-01-01", "--config", config});
  CHECK(past.status.code == 1);
  CHECK(past.err.find("in the future") != std::string::npos);
  CHECK(larderctl({"vacation", "show", "--config", config}).out == "vacation mode is off\n");

  auto start = larderctl({"vacation", "start", "--until", "2099-12-24", "--config", config});
  CHECK(start.status.code == 0);
  CHECK(start.out.find("vacation mode is on since") != std::string::npos);
  CHECK(start.out.find("until 2099-12-24 00:00 (UTC)") != std::string::npos);
  auto shown = larderctl({"vacation", "show", "--json", "--config", config});
  CHECK(json::parse(shown.out)["until"] == 4101753600.0);  // 2099-12-24T00:00:00Z
  auto end = larderctl({"vacation", "end", "--config", config});
  CHECK(end.status.code == 0);
  CHECK(end.out == "vacation mode is off\n");
  CHECK(larderctl({"vacation", "end", "--config", config}).status.code == 1);

  // Refused by larderd (a token it does not know): its message, one line, exit 1.
  std::string wrong = read_file(config);
  for (const std::string token : {"test-admin-token-0123456789", "test-read-token-0123456789"}) {
    const auto at = wrong.find(token);
    REQUIRE(at != std::string::npos);
    wrong.replace(at, token.size(), "another-" + token);
  }
  TempDir dir;
  const std::string wrong_config = dir.write("wrong.yaml", wrong);
  for (const std::string sub : {"show", "start", "end"}) {
    auto refused = larderctl({"vacation", sub, "--config", wrong_config});
    INFO(sub, ": ", refused.err);
    CHECK(refused.status.code == 1);
    CHECK(refused.out.empty());
    CHECK(refused.err.find("HTTP 401") != std::string::npos);
    CHECK(refused.err.find('\n') == refused.err.size() - 1);  // nothing more said
  }

  // larderd gone: why on stderr, one line, exit 3.
  REQUIRE(daemon.terminate().success());
  for (const std::string sub : {"show", "start", "end"}) {
    auto gone = larderctl({"vacation", sub, "--config", config});
    INFO(sub, ": ", gone.err);
    CHECK(gone.status.code == 3);
    CHECK(gone.out.empty());
    CHECK(gone.err.find("is larderd running?") != std::string::npos);
    CHECK(gone.err.find('\n') == gone.err.size() - 1);
  }
}
