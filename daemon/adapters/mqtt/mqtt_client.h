// The MQTT adapter: larder::Bus on Paho MQTT C++ (MQTT 5), the only file set that
// includes <mqtt/...> (this header does not: pimpl).
//
// What it does
// - Connects to cfg.url as MQTT 5 with the stable client id cfg.client_id (default
//   larder-<hostname>), a persistent session (clean start off, Session Expiry 7 days), keep
//   alive 30 s, user name / password and TLS from MqttConfig. It reconnects by itself
//   (backoff 1 s doubling to 30 s), also when the very first attempt fails; not with
//   Paho's automatic reconnect, because after a QoS 1 publish failed on a dead socket the
//   next connect must use a new Paho client (Paho C 1.3.12 would resend that publish with
//   its topic freed; docs/debian-traps.md). The old client is kept, never destroyed.
// - Will: `<root>/status` = `offline`, retained, QoS 1. On EVERY connect it sends what was
//   kept while disconnected, subscribes every Subscription with QoS 1 (the broker may have
//   lost the session: re-subscribing is always done), and once every SUBACK is in
//   publishes `online` (retained, QoS 1: a client that waits for it is heard) and calls
//   on_connected.
// - Inbound messages reach on_message as larder::Message (topic, payload bytes, QoS, the
//   retained flag as delivered: set only for retained messages sent because of a
//   subscribe, never for live traffic). Packets above 1 MiB are refused by the broker on
//   our behalf (MQTT 5 Maximum Packet Size).
// - publish() never throws and never blocks. While disconnected (or before start()),
//   retained messages are kept (the latest per topic) and other messages are queued up to
//   10,000 (oldest dropped and counted) in an OfflineBuffer (offline_buffer.h); both are
//   sent after the next connect. QoS 1 messages Paho has already accepted are resent by
//   Paho itself after a reconnect, or, when the client was replaced, put back in that
//   buffer ahead of the newer ones and sent by the new client. While connected, at most 10 QoS 1/2 publishes are in
//   flight (Paho C stalls for seconds with thousands unacknowledged); the others wait in
//   the same buffer, in order, and go out as PUBACKs come back (all at once at stop()).
// - stop(done) publishes `offline` (retained, QoS 1), waits up to 2 s for its PUBACK,
//   disconnects cleanly (so the broker does not also fire the will), then posts done.
//
// Persistence: Paho keeps its in-flight state in memory (MQTTCLIENT_PERSISTENCE_NONE).
// Inbound durability comes from the broker's persistent session; outbound state is
// retained and re-published by the core after a restart; a file store would cost a synced
// file per QoS 1 message on an SD card and would not cover our own offline queue anyway.
//
// Metrics: larder_mqtt_messages_received_total, larder_mqtt_messages_published_total
// (acknowledged by the broker, or written for QoS 0), larder_mqtt_publish_errors_total,
// larder_mqtt_reconnects_total (connects after the first), larder_mqtt_connected (gauge),
// larder_mqtt_dropped_total (messages lost in the offline buffers or published after stop).
//
// Thread rule: every public method is called on the event-loop thread (the thread running
// `loop`); handlers are invoked on that thread too. Paho's threads only post onto the loop.
// The io_context must outlive this object. Call stop() before destroying a started client:
// destroying it sends a normal DISCONNECT (Paho does that), so neither `offline` nor the
// will is published and `<root>/status` would stay `online`.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "larder/bus.h"
#include "larder/config.h"
#include "larder/metrics.h"
#include "larder/status.h"

namespace boost::asio {
class io_context;
}

namespace larder {

struct Subscription {
  std::string filter;
  // false: MQTT 5 retain handling "do not send retained messages on subscribe".
  bool retained_wanted = true;
};

struct MqttHandlers {
  std::function<void(Message)> on_message;
  // After every (re)connect, once the subscriptions are acknowledged and `online` is queued.
  std::function<void()> on_connected;
  // When an established connection is lost (not for failed connect attempts, not on stop).
  std::function<void(const std::string& cause)> on_disconnected;
};

class MqttClient final : public Bus {
 public:
  // Bounds of the offline buffers.
  static constexpr std::size_t kMaxQueued = 10000;          // non-retained messages
  static constexpr std::size_t kMaxRetainedTopics = 10000;  // distinct retained topics

  // Nothing happens until start(). `state_dir` is the daemon's writable directory (kept
  // for a future file store; Paho's persistence is in memory, see above).
  MqttClient(boost::asio::io_context& loop, const MqttConfig& cfg, const std::string& state_dir,
             Metrics& metrics);
  ~MqttClient() override;
  MqttClient(const MqttClient&) = delete;
  MqttClient& operator=(const MqttClient&) = delete;

  void set_handlers(MqttHandlers handlers);
  // Replaces the subscriptions; they take effect at the next connect (and at once when
  // connected).
  void set_subscriptions(std::vector<Subscription> subscriptions);

  // Begins connecting and returns at once. An error means bad setup (a URL Paho refuses,
  // a TLS file that cannot be read, TLS settings with a tcp:// URL, started twice);
  // a broker that cannot be reached is not an error: the client keeps trying.
  Status start();

  // See Bus::publish. Bad arguments (empty topic, wildcards, QoS outside 0..2) are counted
  // as publish errors and logged; nothing is sent.
  void publish(const std::string& topic, std::string payload, bool retain, int qos = 1) override;

  // Publishes `offline`, disconnects and then posts `done` onto the loop (within ~3.5 s
  // even when the broker does not answer). Messages still buffered and later publishes are
  // dropped (counted). Safe to call twice, and without start().
  void stop(std::function<void()> done);

  bool connected() const;
  // Connected, and on_connected has run for this connection (the connect's SUBACKs were in
  // then; a later set_subscriptions' may still be out).
  bool subscribed() const;
  // Messages waiting for the next connect or for room in the in-flight window (retained
  // topics + queued messages).
  std::size_t pending() const;

 private:
  class Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace larder
