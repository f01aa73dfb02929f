// The MQTT adapter's implementation class, shared by mqtt_client.cc (connect, subscribe,
// publish) and mqtt_client_lifecycle.cc (reconnects, a client's replacement, stop).
// Private to daemon/adapters/mqtt; see mqtt_client.h for the behaviour.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mqtt/async_client.h>
#include <string>
#include <utility>
#include <vector>

#include "adapters/mqtt/mqtt_client.h"
#include "adapters/mqtt/offline_buffer.h"
#include "adapters/mqtt/paho_setup.h"
#include "larder/log.h"

namespace larder {
namespace mqtt_detail {

using namespace std::chrono_literals;

inline constexpr int kSessionExpirySeconds = 7 * 24 * 3600;
inline constexpr int kMaxPacketBytes = 1 << 20;
inline constexpr int kKeepAliveSeconds = 30;
inline constexpr int kRetryMinSeconds = 1;
inline constexpr int kRetryMaxSeconds = 30;
inline constexpr auto kOfflineWait = 2s;        // for the PUBACK of `offline` in stop()
inline constexpr auto kDisconnectWait = 1s;     // for the DISCONNECT to complete in stop()
inline constexpr int kDisconnectQuiesceMs = 500;
inline constexpr auto kBackpressureRetry = 50ms;
// Paho C counts queued publishes against maxBufferedMessages even while connected
// (default 100): leave room for both offline buffers and a burst.
inline constexpr int kPahoMaxBuffered = 60000;
// QoS 1/2 publishes handed to Paho and not yet acknowledged. Paho C stalls for seconds when
// it holds many (a start with 1,000 retained states took 40 s): the rest wait in our buffer
// and go out as acknowledgements come back.
inline constexpr std::size_t kMaxInFlight = 10;
// Counted publishes remembered until acknowledged (older connections' included, which
// Paho resends after a reconnect): enough for several reconnects in a row.
inline constexpr std::size_t kMaxUnacked = 8 * kMaxInFlight;

inline const std::string kReceived = "larder_mqtt_messages_received_total";
inline const std::string kPublished = "larder_mqtt_messages_published_total";
inline const std::string kErrors = "larder_mqtt_publish_errors_total";
inline const std::string kReconnects = "larder_mqtt_reconnects_total";
inline const std::string kConnected = "larder_mqtt_connected";
inline const std::string kDropped = "larder_mqtt_dropped_total";
inline const std::string kReplaced = "larder_mqtt_clients_replaced_total";

inline double mono_seconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

inline std::string describe_token(const mqtt::token& t) {
  return mqtt::exception::printable_error(t.get_return_code(), t.get_reason_code());
}

// An action listener that only hands the outcome to `fn` (run on Paho's thread; it must
// copy what it needs and post).
class Listener final : public mqtt::iaction_listener {
 public:
  using Fn = std::function<void(const mqtt::token&, bool ok)>;
  explicit Listener(Fn fn) : fn_(std::move(fn)) {}
  void on_success(const mqtt::token& t) override { fn_(t, true); }
  void on_failure(const mqtt::token& t) override { fn_(t, false); }

 private:
  Fn fn_;
};

enum class Sent { ok, keep, failed };

// A SUBSCRIBE's user context: the connection epoch and the subscription's index.
inline constexpr unsigned kIndexBits = 20;
inline constexpr std::uintptr_t kIndexMask = (std::uintptr_t(1) << kIndexBits) - 1;

}  // namespace mqtt_detail

using namespace mqtt_detail;  // NOLINT(google-build-using-namespace): the adapter's own

class MqttClient::Impl : public std::enable_shared_from_this<Impl> {
 public:
  Impl(boost::asio::io_context& loop, const MqttConfig& cfg, const std::string& state_dir, Metrics& m)
      : loop_(loop), cfg_(cfg), state_dir_(state_dir), metrics_(m), retry_timer_(loop),
        stop_timer_(loop), reconnect_timer_(loop) {
    if (cfg_.client_id.empty()) cfg_.client_id = default_client_id();
    metrics_.describe(kReceived, "counter", "MQTT messages received from the broker");
    metrics_.describe(kPublished, "counter", "MQTT messages acknowledged by the broker (QoS 0: written)");
    metrics_.describe(kErrors, "counter", "MQTT publishes that failed or were refused");
    metrics_.describe(kReconnects, "counter", "MQTT connects after the first one");
    metrics_.describe(kConnected, "gauge", "1 while connected to the MQTT broker");
    metrics_.describe(kDropped, "counter", "MQTT messages dropped from full offline buffers or after stop");
    metrics_.describe(kReplaced, "counter",
                      "MQTT clients retired (kept until exit) after a publish failed on a lost "
                      "connection");
    metrics_.set(kConnected, {}, 0);
  }

  ~Impl() {
    // Paho stops calling back once the client is destroyed; posted work finds no Impl.
    cli_.reset();
  }

  // ---- called by MqttClient on the loop thread ----

  Status start();
  void publish(const std::string& topic, std::string payload, bool retain, int qos);
  void stop(std::function<void()> done);
  void set_subscriptions(std::vector<Subscription> subs);

  MqttHandlers handlers_;
  bool connected_ = false;
  bool subscribed() const { return connected_ && notified_epoch_ == epoch_; }
  std::size_t pending() const { return buffer_.size(); }

 private:

  // Runs f on the loop if this Impl still exists then. Callable from any thread.
  static void post_to(boost::asio::io_context* loop, std::weak_ptr<Impl> w, std::function<void(Impl&)> f) {
    boost::asio::post(*loop, [w = std::move(w), f = std::move(f)] {
      if (auto self = w.lock()) f(*self);
    });
  }

  void make_client();  // throws what Paho throws
  void install_callbacks();
  void on_connected(const std::string& cause);
  void on_lost(const std::string& cause);
  void on_connect_failed(const std::string& error);
  void schedule_reconnect();
  void reconnect();
  bool replace_client();
  void on_subscribed(std::uint64_t epoch, std::size_t index, bool ok, int code, const std::string& error);
  void subscribe_all(std::uint64_t epoch);
  Sent send_now(const std::string& topic, const std::string& payload, int qos, bool retain,
                mqtt::iaction_listener& listener);
  void keep(Message m);
  // The counted publish `seq` completed (or failed on a dead connection): frees its
  // in-flight slot.
  void acknowledged(std::uint64_t seq, bool dead_connection);
  // At stop everything still waiting goes to Paho at once, ahead of `offline`.
  bool window_full(int qos) const { return qos > 0 && inflight_ >= kMaxInFlight && !stopping_; }
  void flush();
  void schedule_flush();
  void disconnect_for_stop();
  void finish_stop();
  void warn(const std::string& key, const std::string& line) {
    rate_log_.log(LogLevel::warn, key, line, mono_seconds());
  }

  boost::asio::io_context& loop_;
  MqttConfig cfg_;
  std::string state_dir_;
  Metrics& metrics_;
  RateLimitedLog rate_log_{5, 60};
  std::vector<Subscription> subs_;

  bool started_ = false;
  bool stopping_ = false;
  bool disconnecting_ = false;
  bool stopped_ = false;
  std::uint64_t epoch_ = 0;           // increments on every connect and loss
  std::uint64_t notified_epoch_ = 0;  // the connect on_connected was called for
  std::size_t suback_missing_ = 0;    // SUBACKs still awaited for this epoch
  int connects_ = 0;
  std::size_t inflight_ = 0;          // counted QoS 1/2 publishes of this epoch not yet done
  struct Unacked {
    std::uint64_t epoch;
    Message message;
  };
  std::map<std::uint64_t, Unacked> unacked_;  // counted publishes by sequence number
  std::uint64_t next_seq_ = 0;
  // A counted publish failed on a dead socket: Paho C keeps it with its topic freed and
  // would resend it at the next connect (docs/debian-traps.md). Reconnect with a new client.
  bool poisoned_ = false;
  int backoff_s_ = kRetryMinSeconds;
  bool reconnect_scheduled_ = false;
  OfflineBuffer buffer_{MqttClient::kMaxQueued, MqttClient::kMaxRetainedTopics};
  bool flush_scheduled_ = false;
  std::function<void()> stop_done_;

  boost::asio::steady_timer retry_timer_;
  boost::asio::steady_timer stop_timer_;
  boost::asio::steady_timer reconnect_timer_;
  // Paho holds raw pointers to these listeners and to conn_opts_' properties: they are
  // declared before cli_, so the client is destroyed first.
  std::unique_ptr<Listener> connect_listener_, subscribe_listener_, publish_listener_,
      offline_listener_, disconnect_listener_;
  std::unique_ptr<mqtt::connect_options> conn_opts_;
  std::unique_ptr<mqtt::async_client> cli_;
};

}  // namespace larder
