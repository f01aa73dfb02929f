// The MQTT adapter against a real mosquitto 2.0.11 (tests/support/mosquitto.h).
#include "adapters/mqtt/mqtt_client.h"

#include <doctest/doctest.h>

#include <atomic>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <set>
#include <thread>

#include "support/mosquitto.h"
#include "support/process.h"
#include "support/tempdir.h"
#include "support/test_client.h"

using namespace std::chrono_literals;
using larder::test::MosquittoBroker;
using larder::test::Received;
using larder::test::TestClient;
using larder::test::TestClientOptions;

namespace {

// Runs `step` (some of the loop's work) until `pred` holds or `timeout` passes.
bool loop_until(boost::asio::io_context& loop, const std::function<bool()>& pred,
                const std::function<void()>& step, std::chrono::milliseconds timeout) {
  // A loop that ran out of work is stopped (also when an earlier guard went away).
  if (loop.stopped()) loop.restart();
  auto guard = boost::asio::make_work_guard(loop);
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!pred()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    step();
  }
  return true;
}

// Runs the loop in short slices until `pred` holds or `timeout` passes.
bool run_until(boost::asio::io_context& loop, const std::function<bool()>& pred,
               std::chrono::milliseconds timeout) {
  return loop_until(loop, pred, [&] { loop.run_for(10ms); }, timeout);
}

// As run_until, but one handler at a time, calling `each` after every one.
bool step_until(boost::asio::io_context& loop, const std::function<bool()>& pred,
                const std::function<void()>& each, std::chrono::milliseconds timeout) {
  return loop_until(
      loop, pred,
      [&] {
        loop.run_one_for(10ms);
        each();
      },
      timeout);
}

void run_for(boost::asio::io_context& loop, std::chrono::milliseconds d) {
  run_until(loop, [] { return false; }, d);
}

larder::MqttConfig config_for(const std::string& url, const std::string& client_id) {
  larder::MqttConfig c;
  c.url = url;
  c.client_id = client_id;
  c.prefix = "larder";
  return c;
}

// A hub client with its loop, metrics and a record of what its handlers saw.
struct Hub {
  boost::asio::io_context loop;
  larder::Metrics metrics;
  larder::test::TempDir state{"larder-mqtt-state-"};
  larder::MqttClient client;
  std::vector<larder::Message> received;
  int connected_calls = 0;
  int subscribed_at_connect = 0;  // on_connected calls that saw subscribed()
  std::vector<std::string> disconnects;

  Hub(const std::string& url, std::vector<larder::Subscription> subs, const std::string& id = "larder-hub")
      : client(loop, config_for(url, id), state.path(), metrics) {
    client.set_handlers({[this](larder::Message m) { received.push_back(std::move(m)); },
                         [this] {
                           ++connected_calls;
                           if (client.subscribed()) ++subscribed_at_connect;
                         },
                         [this](const std::string& cause) { disconnects.push_back(cause); }});
    client.set_subscriptions(std::move(subs));
  }
  bool start_and_connect(std::chrono::milliseconds timeout = 5s) {
    auto st = client.start();
    REQUIRE_MESSAGE(st.ok(), st.message());
    int before = connected_calls;
    return run_until(loop, [&] { return connected_calls > before; }, timeout);
  }
  std::vector<larder::Message> on(const std::string& topic) const {
    std::vector<larder::Message> out;
    for (const auto& m : received)
      if (m.topic == topic) out.push_back(m);
    return out;
  }
  double metric(const std::string& name) const { return metrics.get(name); }
};

const std::string kStatus = "larder/v1/status";

}  // namespace

TEST_CASE("mqtt client connects, publishes online retained and offline on stop") {
  MosquittoBroker broker;
  Hub hub(broker.url(), {});
  REQUIRE(hub.start_and_connect());
  CHECK(hub.client.connected());
  CHECK(hub.metric("larder_mqtt_connected") == 1);
  CHECK(hub.metric("larder_mqtt_reconnects_total") == 0);

  TestClient watcher(broker.url());
  watcher.connect();
  watcher.subscribe(kStatus);
  auto online = watcher.wait_for(kStatus, 3s);
  REQUIRE(online);
  CHECK(online->payload == "online");
  CHECK(online->retained);  // it is the retained state
  CHECK(online->qos == 1);

  bool done = false;
  hub.client.stop([&] { done = true; });
  REQUIRE(run_until(hub.loop, [&] { return done; }, 5s));
  CHECK_FALSE(hub.client.connected());
  CHECK(hub.metric("larder_mqtt_connected") == 0);
  auto offline = watcher.wait_for_payload(kStatus, "offline", 3s);
  REQUIRE(offline);
  CHECK_FALSE(offline->retained);  // live traffic

  // Subscribing again gets the retained value: `offline`.
  // (Each extra Paho client in one process costs ~2 s to connect: Paho C's receive thread
  // only notices a new socket after its 1 s poll times out. So the tests reuse clients.)
  watcher.clear();
  watcher.subscribe(kStatus);
  auto st = watcher.wait_for(kStatus, 3s);
  REQUIRE(st);
  CHECK(st->payload == "offline");
  CHECK(st->retained);
  CHECK(hub.metric("larder_mqtt_messages_published_total") >= 2);  // online + offline

  // After stop, publishing is harmless and counted as dropped.
  hub.client.publish("larder/v1/event", "{}", false, 1);
  CHECK(hub.metric("larder_mqtt_dropped_total") == 1);
}

// Helper process for the will test: runs an MqttClient until it is killed.
TEST_CASE("mqtt client helper process for the will test" * doctest::skip()) {
  const char* url = std::getenv("LARDER_TEST_MQTT_URL");
  if (!url) return;
  Hub hub(url, {}, "larder-will-child");
  if (!hub.start_and_connect(10s)) std::_Exit(3);
  std::printf("connected\n");
  std::fflush(stdout);
  run_for(hub.loop, 30s);  // the parent kills us long before
  std::_Exit(4);
}

TEST_CASE("mqtt will publishes offline when the client process dies") {
  MosquittoBroker broker;
  larder::test::TempDir dir;
  larder::test::ChildOptions o;
  o.argv = {larder::test::self_exe(), "--no-skip", "--test-case=mqtt client helper process for the will test"};
  // TMPDIR: the child is killed, so its own temp dirs are made inside ours.
  o.env = {{"LARDER_TEST_MQTT_URL", broker.url()}, {"TMPDIR", dir.path()}};
  o.stdout_path = dir.file("child.out");
  o.stderr_path = dir.file("child.err");
  larder::test::ChildProcess child(o);
  const bool up = larder::test::wait_until(
      [&] { return larder::test::read_file(o.stdout_path).find("connected") != std::string::npos; }, 10s);
  REQUIRE_MESSAGE(up, "child stderr: " << larder::test::read_file(o.stderr_path));

  TestClient watcher(broker.url());
  watcher.connect();
  watcher.subscribe(kStatus);
  auto online = watcher.wait_for(kStatus, 3s);
  REQUIRE(online);
  CHECK(online->payload == "online");

  child.kill();  // SIGKILL: no DISCONNECT, the broker must publish the will
  auto offline = watcher.wait_for_payload(kStatus, "offline", 5s);
  REQUIRE_MESSAGE(offline, broker.log());
  // And it is retained.
  watcher.clear();
  watcher.subscribe(kStatus);
  auto st = watcher.wait_for(kStatus, 3s);
  REQUIRE(st);
  CHECK(st->payload == "offline");
  CHECK(st->retained);
}

TEST_CASE("mqtt subscriptions deliver messages with the right retained flag") {
  MosquittoBroker broker;
  TestClient device(broker.url());
  device.connect();
  const std::string level = "larder/v1/consumable/coffee/level";
  const std::string press = "larder/v1/button/kitchen/press";
  device.publish(level, R"({"value":400,"unit":"g"})", 1, true);
  device.publish(press, R"({"action":"single"})", 1, true);  // a stale retained press

  Hub hub(broker.url(), {{"larder/v1/consumable/+/level", true}, {"larder/v1/button/+/press", false}});
  REQUIRE(hub.start_and_connect());
  // The retained level arrives flagged retained.
  REQUIRE(run_until(hub.loop, [&] { return !hub.on(level).empty(); }, 3s));
  CHECK(hub.on(level)[0].retained);
  CHECK(hub.on(level)[0].payload == R"({"value":400,"unit":"g"})");
  CHECK(hub.on(level)[0].qos == 1);

  // Live messages arrive unflagged, also when published with retain. The retained press
  // is never delivered (retain handling): it would have come before the live one.
  device.publish(press, R"({"action":"double"})", 1, false);
  device.publish(level, R"({"value":350,"unit":"g"})", 1, true);
  REQUIRE(run_until(hub.loop, [&] { return hub.on(level).size() == 2 && !hub.on(press).empty(); }, 3s));
  REQUIRE(hub.on(press).size() == 1);
  CHECK(hub.on(press)[0].payload == R"({"action":"double"})");
  CHECK_FALSE(hub.on(press)[0].retained);
  CHECK(hub.on(level)[1].payload == R"({"value":350,"unit":"g"})");
  CHECK_FALSE(hub.on(level)[1].retained);
  CHECK(hub.metric("larder_mqtt_messages_received_total") == 3);
  // Topics outside the subscriptions are not delivered.
  device.publish("larder/v1/voice/intent", "{}", 1, false);
  run_for(hub.loop, 200ms);
  CHECK(hub.received.size() == 3);
}

// A plugin that waits for `online` and publishes at once must be heard: `online` goes out
// only after the broker acknowledged every subscription. The broker's log is in order (one
// thread); mosquitto writes it out when it stops.
TEST_CASE("mqtt online follows every SUBACK, also after a reconnect") {
  MosquittoBroker broker;
  Hub hub(broker.url(), {{"larder/v1/consumable/+/level", true},
                         {"larder/v1/consumable/+/used", false},
                         {"larder/v1/button/+/press", false}},
          "larder-order");
  // The broker acknowledged `online` (and so logged it) when the count of publishes grows.
  auto acknowledged = [&](double n) {
    return run_until(hub.loop, [&] {
      return hub.metric("larder_mqtt_messages_published_total") >= n;
    }, 20s);
  };
  // Between the CONNACK and the last SUBACK the client is connected, not yet subscribed
  // (the reload path relies on it): checked after every handler the loop runs.
  int waiting = 0;  // handlers after which the client was connected, its SUBACKs out
  auto connect_round = [&](int calls) {
    return step_until(
        hub.loop, [&] { return hub.connected_calls > calls; },
        [&] {
          if (hub.client.connected() && hub.connected_calls == calls) {
            ++waiting;
            CHECK_FALSE(hub.client.subscribed());
          }
        },
        20s);
  };
  CHECK_FALSE(hub.client.subscribed());
  REQUIRE(hub.client.start().ok());
  REQUIRE(connect_round(0));
  CHECK(waiting >= 1);
  REQUIRE(acknowledged(1));
  CHECK(hub.client.subscribed());
  broker.restart();
  // The loss first (a handler from Paho's thread): until then the old connection's state.
  REQUIRE(step_until(hub.loop, [&] { return !hub.client.connected(); }, [] {}, 10s));
  waiting = 0;
  REQUIRE(connect_round(1));
  CHECK(waiting >= 1);
  REQUIRE(acknowledged(2));
  CHECK(hub.subscribed_at_connect == hub.connected_calls);  // the reload path relies on it
  broker.stop();
  REQUIRE(run_until(hub.loop, [&] { return !hub.client.connected(); }, 10s));
  CHECK_FALSE(hub.client.subscribed());

  const std::string log = broker.log();
  const std::string run_start = "Config loaded from";
  const auto second = log.find(run_start, log.find(run_start) + 1);
  REQUIRE_MESSAGE(second != std::string::npos, log);
  for (const auto& [from, to] : {std::pair{std::size_t(0), second}, {second, log.size()}}) {
    const std::string run = log.substr(from, to - from);
    const auto online = run.find("Received PUBLISH from larder-order (d0, q1, r1, m");
    REQUIRE_MESSAGE(online != std::string::npos, run);
    int subacks = 0;
    std::size_t last_suback = 0;
    for (auto at = run.find("Sending SUBACK to larder-order"); at != std::string::npos;
         at = run.find("Sending SUBACK to larder-order", at + 1)) {
      ++subacks;
      last_suback = at;
    }
    CHECK_MESSAGE(subacks == 3, run);
    CHECK_MESSAGE(online > last_suback, run);
  }
}

TEST_CASE("mqtt no QoS 1 input is lost when the broker restarts") {
  MosquittoBroker broker;
  const std::string topic = "larder/v1/consumable/pods/used";
  Hub hub(broker.url(), {{"larder/v1/consumable/+/used", false}});
  REQUIRE(hub.start_and_connect());

  constexpr int N = 500;
  TestClientOptions po;
  po.client_id = "pod-machine";
  po.clean_start = false;
  po.session_expiry = 300;
  po.auto_reconnect = true;
  TestClient publisher(broker.url(), po);
  publisher.connect();
  std::atomic<int> acked{0};
  std::atomic<bool> give_up{false};
  std::thread pub([&] {
    // QoS 1 from the publisher's side: each message is resent until the broker acks it.
    for (int i = 0; i < N && !give_up; ++i) {
      const std::string payload = R"({"amount":1,"unit":"pcs","seq":)" + std::to_string(i) + "}";
      while (!give_up && !publisher.try_publish(topic, payload, 1, false, 1500ms))
        std::this_thread::sleep_for(20ms);
      ++acked;
    }
  });
  auto distinct = [&] {
    std::set<std::string> s;
    for (const auto& m : hub.on(topic)) s.insert(m.payload);
    return s.size();
  };
  const bool mid = run_until(hub.loop, [&] { return acked >= N / 3; }, 10s);
  if (mid) broker.restart();  // SIGTERM: the broker saves sessions and queued messages
  // The session's queued messages may arrive before the re-subscription's SUBACK (and so
  // before on_connected): wait for both.
  const bool all = run_until(
      hub.loop, [&] { return distinct() == std::size_t(N) && hub.connected_calls >= 2; }, 20s);
  give_up = true;
  pub.join();
  REQUIRE(mid);
  CHECK_MESSAGE(all, "received " << distinct() << " of " << N << "\n" << broker.log());
  CHECK(distinct() == std::size_t(N));
  CHECK(acked == N);
  CHECK(hub.client.connected());
  CHECK(hub.metric("larder_mqtt_reconnects_total") >= 1);
  CHECK(hub.connected_calls >= 2);
  CHECK(hub.disconnects.size() >= 1);
}

TEST_CASE("mqtt publish while disconnected keeps retained state and buffers events") {
  MosquittoBroker broker;
  // The hub listens to what it publishes itself (no_local is off), so it is its own witness.
  const std::string state = "larder/v1/consumable/coffee/state";
  const std::string event = "larder/v1/event";
  Hub hub(broker.url(), {{"larder/v1/consumable/+/state", true}, {event, true}});
  REQUIRE(hub.start_and_connect());
  broker.stop();
  REQUIRE(run_until(hub.loop, [&] { return !hub.client.connected(); }, 5s));
  CHECK(hub.disconnects.size() == 1);
  CHECK(hub.metric("larder_mqtt_connected") == 0);

  CHECK_NOTHROW(hub.client.publish(state, R"({"level":1})", true, 1));
  CHECK_NOTHROW(hub.client.publish(state, R"({"level":2})", true, 1));  // replaces level 1
  CHECK_NOTHROW(hub.client.publish(event, R"({"kind":"a"})", false, 1));
  CHECK_NOTHROW(hub.client.publish(event, R"({"kind":"b"})", false, 1));
  CHECK(hub.client.pending() == 3);
  CHECK(hub.metric("larder_mqtt_publish_errors_total") == 0);

  broker.start();
  REQUIRE(run_until(hub.loop, [&] { return hub.connected_calls == 2; }, 10s));
  CHECK(hub.client.connected());
  CHECK(hub.metric("larder_mqtt_reconnects_total") == 1);
  CHECK(hub.client.pending() == 0);
  // The re-subscribe brings the retained state back flagged retained; the events come live
  // (through the session the broker kept, or after the re-subscribe).
  auto retained_state = [&] {
    for (const auto& m : hub.on(state))
      if (m.retained) return true;
    return false;
  };
  REQUIRE_MESSAGE(run_until(hub.loop, [&] { return retained_state() && hub.on(event).size() >= 2; }, 5s),
                  broker.log());
  for (const auto& m : hub.on(state)) CHECK(m.payload == R"({"level":2})");  // never level 1
  auto events = hub.on(event);
  REQUIRE(events.size() == 2);
  CHECK(events[0].payload == R"({"kind":"a"})");
  CHECK(events[1].payload == R"({"kind":"b"})");
  CHECK_FALSE(events[0].retained);
}

TEST_CASE("mqtt a burst of 2000 retained QoS 1 states all arrive (in-flight window)") {
  MosquittoBroker broker;
  const std::string prefix = "larder/v1/consumable/";
  Hub hub(broker.url(), {{prefix + "+/state", true}});  // its own witness
  REQUIRE(hub.start_and_connect());
  constexpr int N = 2000;
  for (int i = 0; i < N; ++i) {
    hub.client.publish(prefix + "c" + std::to_string(i) + "/state",
                       R"({"level":)" + std::to_string(i) + "}", true, 1);
  }
  // At most a few are in flight; the rest wait in the client, in order.
  CHECK(hub.client.pending() > 0);
  std::set<std::string> topics;
  std::size_t seen = 0;
  auto all = [&] {
    for (; seen < hub.received.size(); ++seen) topics.insert(hub.received[seen].topic);
    return topics.size() == std::size_t(N) &&
           hub.metric("larder_mqtt_messages_published_total") >= N + 1;  // + online
  };
  CHECK_MESSAGE(run_until(hub.loop, all, 120s),
                "received " << topics.size() << " of " << N << "\n" << broker.log());
  CHECK(hub.client.pending() == 0);
  CHECK(hub.metric("larder_mqtt_publish_errors_total") == 0);
  CHECK(hub.metric("larder_mqtt_dropped_total") == 0);
  for (const auto& m : hub.received) {
    const std::string id = m.topic.substr(prefix.size() + 1, m.topic.find("/state") -
                                                                 prefix.size() - 1);
    CHECK(m.payload == R"({"level":)" + id + "}");
  }
  bool done = false;
  hub.client.stop([&] { done = true; });
  REQUIRE(run_until(hub.loop, [&] { return done; }, 5s));
}

TEST_CASE("mqtt client keeps trying until the broker appears") {
  MosquittoBroker broker;
  broker.stop();
  Hub hub(broker.url(), {{"larder/v1/#", true}});
  const std::string early = "larder/v1/consumable/milk/state";
  hub.client.publish(early, "{}", true, 1);  // before start(): kept as well
  REQUIRE(hub.client.start().ok());
  run_for(hub.loop, 300ms);
  CHECK_FALSE(hub.client.connected());
  const std::string state = "larder/v1/consumable/tea/state";
  hub.client.publish(state, "{}", true, 1);  // kept, no throw
  broker.start();
  REQUIRE(run_until(hub.loop, [&] { return hub.connected_calls == 1; }, 10s));
  CHECK(hub.metric("larder_mqtt_reconnects_total") == 0);
  // Subscribed to its own root after publishing: the retained state comes back to it on
  // subscribe, and `online` after the SUBACK.
  REQUIRE(run_until(hub.loop, [&] { return !hub.on(state).empty() && !hub.on(early).empty() && !hub.on(kStatus).empty(); }, 3s));
  CHECK(hub.on(state).back().retained);
  CHECK(hub.on(kStatus).back().payload == "online");
}

namespace {

void run_tool(const std::vector<std::string>& argv, const larder::test::TempDir& dir) {
  larder::test::ChildOptions o;
  o.argv = argv;
  o.cwd = dir.path();
  o.stdout_path = dir.file("tool.log");
  o.stderr_path = o.stdout_path;
  larder::test::ChildProcess p(o);
  auto st = p.wait(10s);
  REQUIRE_MESSAGE((st && st->success()), argv[0] << " failed: " << larder::test::read_file(o.stdout_path));
}

// A CA, a server certificate for IP 127.0.0.1 and a client certificate (EC keys: quick).
void make_pki(const larder::test::TempDir& d) {
  const std::vector<std::string> ec = {"-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"};
  auto req = [&](std::vector<std::string> a) {
    std::vector<std::string> v = {"openssl", "req"};
    v.insert(v.end(), ec.begin(), ec.end());
    v.insert(v.end(), a.begin(), a.end());
    run_tool(v, d);
  };
  req({"-x509", "-days", "2", "-keyout", "ca.key", "-out", "ca.crt", "-subj", "/CN=larder test CA"});
  req({"-x509", "-days", "2", "-keyout", "other-ca.key", "-out", "other-ca.crt", "-subj", "/CN=other CA"});
  d.write("server.ext", "subjectAltName=IP:127.0.0.1\n");
  for (std::string who : {"server", "client"}) {
    req({"-keyout", who + ".key", "-out", who + ".csr", "-subj", "/CN=" + who});
    std::vector<std::string> sign = {"openssl", "x509", "-req", "-in", who + ".csr", "-CA", "ca.crt",
                                     "-CAkey", "ca.key", "-CAcreateserial", "-days", "2", "-out", who + ".crt"};
    if (who == "server") sign.insert(sign.end(), {"-extfile", "server.ext"});
    run_tool(sign, d);
  }
  run_tool({"mosquitto_passwd", "-b", "-c", d.file("passwords"), "larder", "s3cret"}, d);
}

}  // namespace

TEST_CASE("mqtt client connects over TLS with a client certificate and a password") {
  larder::test::TempDir pki("larder-pki-");
  make_pki(pki);
  const auto tls_port = larder::test::free_loopback_port();
  larder::test::BrokerOptions bo;
  bo.allow_anonymous = false;
  bo.extra_config = {"password_file " + pki.file("passwords"),
                     "listener " + std::to_string(tls_port) + " 127.0.0.1",
                     "cafile " + pki.file("ca.crt"), "certfile " + pki.file("server.crt"),
                     "keyfile " + pki.file("server.key"), "require_certificate true"};
  MosquittoBroker broker(bo);
  REQUIRE(larder::test::wait_until([&] { return larder::test::port_accepts(tls_port); }, 5s));
  const std::string url = "ssl://127.0.0.1:" + std::to_string(tls_port);

  auto make_cfg = [&](const std::string& ca) {
    auto cfg = config_for(url, "larder-tls");
    cfg.username = "larder";
    cfg.password = "s3cret";
    cfg.tls = larder::TlsConfig{pki.file(ca), pki.file("client.crt"), pki.file("client.key")};
    return cfg;
  };
  boost::asio::io_context loop;
  larder::Metrics metrics;
  {
    // A server certificate from an untrusted CA is refused.
    larder::MqttClient c(loop, make_cfg("other-ca.crt"), pki.path(), metrics);
    REQUIRE(c.start().ok());
    run_for(loop, 1500ms);
    CHECK_FALSE(c.connected());
    bool done = false;
    c.stop([&] { done = true; });
    REQUIRE(run_until(loop, [&] { return done; }, 5s));
  }
  {
    larder::MqttClient c(loop, make_cfg("ca.crt"), pki.path(), metrics);
    int connected = 0;
    std::vector<larder::Message> got;
    c.set_handlers({[&](larder::Message m) { got.push_back(std::move(m)); }, [&] { ++connected; }, nullptr});
    c.set_subscriptions({{kStatus, true}});
    REQUIRE(c.start().ok());
    REQUIRE_MESSAGE(run_until(loop, [&] { return connected == 1; }, 10s), broker.log());
    // It hears its own retained `online` through the authenticated TLS session.
    REQUIRE(run_until(loop, [&] { return !got.empty(); }, 3s));
    CHECK(got[0].payload == "online");
    bool done = false;
    c.stop([&] { done = true; });
    REQUIRE(run_until(loop, [&] { return done; }, 5s));
  }
}

TEST_CASE("mqtt offline buffer is bounded and stop works without a broker") {
  // Nothing listens on this port: the client never connects.
  const std::string url = "tcp://127.0.0.1:" + std::to_string(larder::test::free_loopback_port());
  Hub hub(url, {});
  REQUIRE(hub.client.start().ok());
  for (std::size_t i = 0; i < larder::MqttClient::kMaxQueued + 5; ++i)
    hub.client.publish("larder/v1/event", std::to_string(i), false, 1);
  hub.client.publish("larder/v1/consumable/a/state", "1", true, 1);
  CHECK(hub.client.pending() == larder::MqttClient::kMaxQueued + 1);
  CHECK(hub.metric("larder_mqtt_dropped_total") == 5);

  // Bad arguments are counted, not thrown.
  hub.client.publish("", "x", false, 1);
  hub.client.publish("larder/v1/+/x", "x", false, 1);
  hub.client.publish("larder/v1/x", "x", false, 3);
  CHECK(hub.metric("larder_mqtt_publish_errors_total") == 3);

  bool done = false;
  const auto t0 = std::chrono::steady_clock::now();
  hub.client.stop([&] { done = true; });
  REQUIRE(run_until(hub.loop, [&] { return done; }, 5s));
  CHECK(std::chrono::steady_clock::now() - t0 < 3s);
  CHECK(hub.metric("larder_mqtt_dropped_total") == 5 + larder::MqttClient::kMaxQueued + 1);
  bool again = false;
  hub.client.stop([&] { again = true; });  // twice is fine
  REQUIRE(run_until(hub.loop, [&] { return again; }, 1s));
}

TEST_CASE("mqtt start refuses bad setup") {
  boost::asio::io_context loop;
  larder::Metrics metrics;
  larder::test::TempDir dir;
  {
    larder::MqttClient c(loop, config_for("http://127.0.0.1:1", "x"), dir.path(), metrics);
    auto st = c.start();
    CHECK_FALSE(st.ok());
    CHECK(st.message().find("http://127.0.0.1:1") != std::string::npos);
  }
  {
    auto cfg = config_for("tcp://127.0.0.1:1", "x");
    cfg.tls = larder::TlsConfig{};
    larder::MqttClient c(loop, cfg, dir.path(), metrics);
    auto st = c.start();
    CHECK_FALSE(st.ok());
    CHECK(st.message().find("ssl://") != std::string::npos);
  }
  {
    auto cfg = config_for("ssl://127.0.0.1:1", "x");
    cfg.tls = larder::TlsConfig{dir.file("missing-ca.pem"), "", ""};
    larder::MqttClient c(loop, cfg, dir.path(), metrics);
    auto st = c.start();
    CHECK_FALSE(st.ok());
    CHECK(st.message().find("missing-ca.pem") != std::string::npos);
  }
  {
    larder::MqttClient c(loop, config_for("tcp://127.0.0.1:1", "x"), dir.path(), metrics);
    CHECK(c.start().ok());
    CHECK_FALSE(c.start().ok());  // twice
  }
}
