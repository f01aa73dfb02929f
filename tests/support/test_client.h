// TestClient: a small synchronous MQTT 5 client (Paho) for integration tests: it plays the
// devices, plugins and dashboards around the hub.
//
// Every call blocks until the broker answered or the timeout passed (fine in a test, never
// in the daemon). Failures throw std::runtime_error, except try_publish which returns false.
// Every message that arrives is recorded (topic, payload, QoS, retained flag) until clear().
// Thread rule: calls may come from any one thread at a time; the record is locked, so the
// wait_* functions can watch it from another thread.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace mqtt {
class async_client;
}

namespace larder::test {

struct Received {
  std::string topic;
  std::string payload;
  int qos = 0;
  bool retained = false;
};

struct TestClientOptions {
  std::string client_id;           // empty: a unique "test-<pid>-<n>"
  bool clean_start = true;
  int session_expiry = 0;          // seconds; > 0 keeps the session after a disconnect
  bool auto_reconnect = false;     // Paho's automatic reconnect, 1..2 s
  std::string username, password;  // empty: none
  std::string ca_file;             // TLS (an ssl:// URL): trust this CA, check the host name
  std::string will_topic, will_payload;  // empty topic: no will (QoS 1, retained)
};

class TestClient {
 public:
  using ms = std::chrono::milliseconds;

  explicit TestClient(const std::string& url, TestClientOptions opts = {});
  ~TestClient();  // disconnects if connected
  TestClient(const TestClient&) = delete;
  TestClient& operator=(const TestClient&) = delete;

  void connect(ms timeout = ms(5000));
  void disconnect(ms timeout = ms(2000));
  bool connected() const;

  // Subscribes with QoS `qos`; retained_wanted=false: MQTT 5 "do not send retained".
  // Throws if the broker refuses or does not answer.
  void subscribe(const std::string& filter, int qos = 1, bool retained_wanted = true, ms timeout = ms(5000));
  // Publishes and waits until it is complete (the PUBACK for QoS 1). Throws on failure.
  void publish(const std::string& topic, const std::string& payload, int qos = 1, bool retain = false,
               ms timeout = ms(5000));
  // The same, but false on any failure or timeout (for publishing through broker restarts).
  bool try_publish(const std::string& topic, const std::string& payload, int qos = 1, bool retain = false,
                   ms timeout = ms(2000));

  // The first recorded message on `topic` (exact name) that satisfies `pred` (any if
  // null), waiting up to `timeout` for it.
  std::optional<Received> wait_for(const std::string& topic, ms timeout,
                                   const std::function<bool(const Received&)>& pred = nullptr);
  std::optional<Received> wait_for_payload(const std::string& topic, const std::string& payload, ms timeout);
  // Waits until `pred` holds for the whole record.
  bool wait_until(const std::function<bool(const std::vector<Received>&)>& pred, ms timeout);

  std::vector<Received> messages() const;
  std::vector<Received> messages(const std::string& topic) const;
  void clear();

 private:
  void on_message(Received r);
  std::string url_;
  TestClientOptions opts_;
  std::unique_ptr<mqtt::async_client> cli_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Received> record_;
};

}  // namespace larder::test
