#include "adapters/mqtt/mqtt_client.h"

#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <fstream>
#include <memory>
#include <mqtt/async_client.h>
#include <utility>
#include <vector>

#include "adapters/mqtt/message_inbox.h"
#include "adapters/mqtt/offline_buffer.h"
#include "adapters/mqtt/tcp_nodelay.h"
#include "larder/log.h"

namespace larder {
namespace {

using namespace std::chrono_literals;

constexpr int kSessionExpirySeconds = 7 * 24 * 3600;
constexpr int kMaxPacketBytes = 1 << 20;
constexpr int kKeepAliveSeconds = 30;
constexpr int kRetryMinSeconds = 1;
constexpr int kRetryMaxSeconds = 30;
constexpr auto kOfflineWait = 2s;        // for the PUBACK of `offline` in stop()
constexpr auto kDisconnectWait = 1s;     // for the DISCONNECT to complete in stop()
constexpr int kDisconnectQuiesceMs = 500;
constexpr auto kBackpressureRetry = 50ms;
// Paho C counts queued publishes against maxBufferedMessages even while connected
// (default 100): leave room for both offline buffers and a burst.
constexpr int kPahoMaxBuffered = 60000;
// QoS 1/2 publishes handed to Paho and not yet acknowledged. Paho C stalls for seconds when
// it holds many (a start with 1,000 retained states took 40 s): the rest wait in our buffer
// and go out as acknowledgements come back.
constexpr std::size_t kMaxInFlight = 10;

const std::string kReceived = "larder_mqtt_messages_received_total";
const std::string kPublished = "larder_mqtt_messages_published_total";
const std::string kErrors = "larder_mqtt_publish_errors_total";
const std::string kReconnects = "larder_mqtt_reconnects_total";
const std::string kConnected = "larder_mqtt_connected";
const std::string kDropped = "larder_mqtt_dropped_total";

double mono_seconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

std::string describe_token(const mqtt::token& t) {
  return mqtt::exception::printable_error(t.get_return_code(), t.get_reason_code());
}

bool readable(const std::string& path) { return std::ifstream(path).good(); }

bool tls_url(const std::string& url) {
  return url.rfind("ssl://", 0) == 0 || url.rfind("mqtts://", 0) == 0 || url.rfind("wss://", 0) == 0;
}

std::string default_client_id() {
  char host[256] = {};
  if (gethostname(host, sizeof host - 1) != 0 || host[0] == '\0') return "larder";
  return std::string("larder-") + host;
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
constexpr unsigned kIndexBits = 20;
constexpr std::uintptr_t kIndexMask = (std::uintptr_t(1) << kIndexBits) - 1;

}  // namespace

class MqttClient::Impl : public std::enable_shared_from_this<Impl> {
 public:
  Impl(boost::asio::io_context& loop, const MqttConfig& cfg, const std::string& state_dir, Metrics& m)
      : loop_(loop), cfg_(cfg), state_dir_(state_dir), metrics_(m), retry_timer_(loop),
        stop_timer_(loop) {
    if (cfg_.client_id.empty()) cfg_.client_id = default_client_id();
    metrics_.describe(kReceived, "counter", "MQTT messages received from the broker");
    metrics_.describe(kPublished, "counter", "MQTT messages acknowledged by the broker (QoS 0: written)");
    metrics_.describe(kErrors, "counter", "MQTT publishes that failed or were refused");
    metrics_.describe(kReconnects, "counter", "MQTT connects after the first one");
    metrics_.describe(kConnected, "gauge", "1 while connected to the MQTT broker");
    metrics_.describe(kDropped, "counter", "MQTT messages dropped from full offline buffers or after stop");
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
  std::size_t pending() const { return buffer_.size(); }

 private:

  // Runs f on the loop if this Impl still exists then. Callable from any thread.
  static void post_to(boost::asio::io_context* loop, std::weak_ptr<Impl> w, std::function<void(Impl&)> f) {
    boost::asio::post(*loop, [w = std::move(w), f = std::move(f)] {
      if (auto self = w.lock()) f(*self);
    });
  }

  void install_callbacks();
  void on_connected(const std::string& cause);
  void on_lost(const std::string& cause);
  void on_connect_failed(const std::string& error);
  void on_subscribed(std::uint64_t epoch, std::size_t index, bool ok, int code, const std::string& error);
  void subscribe_all(std::uint64_t epoch);
  Sent send_now(const std::string& topic, const std::string& payload, int qos, bool retain,
                mqtt::iaction_listener& listener);
  void keep(Message m);
  // A counted publish of connection `epoch` completed: frees its in-flight slot.
  void acknowledged(std::uint64_t epoch);
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
  OfflineBuffer buffer_{MqttClient::kMaxQueued, MqttClient::kMaxRetainedTopics};
  bool flush_scheduled_ = false;
  std::function<void()> stop_done_;

  boost::asio::steady_timer retry_timer_;
  boost::asio::steady_timer stop_timer_;
  // Paho holds raw pointers to these listeners and to conn_opts_' properties: they are
  // declared before cli_, so the client is destroyed first.
  std::unique_ptr<Listener> connect_listener_, subscribe_listener_, publish_listener_,
      offline_listener_, disconnect_listener_;
  std::unique_ptr<mqtt::connect_options> conn_opts_;
  std::unique_ptr<mqtt::async_client> cli_;
};

Status MqttClient::Impl::start() {
  if (started_) return Status::Error("mqtt: start() called twice");
  const bool tls = tls_url(cfg_.url);
  if (cfg_.tls && !tls) {
    return Status::Error("mqtt.tls is set but mqtt.url '" + cfg_.url +
                         "' is not a TLS URL (use ssl://host:port)");
  }
  if (cfg_.tls) {
    for (const auto& [key, path] : {std::pair{"ca", cfg_.tls->ca}, {"cert", cfg_.tls->cert},
                                    {"key", cfg_.tls->key}}) {
      if (!path.empty() && !readable(path))
        return Status::Error(std::string("mqtt.tls.") + key + ": cannot read '" + path + "'");
    }
    if (cfg_.tls->cert.empty() != cfg_.tls->key.empty())
      return Status::Error("mqtt.tls: cert and key must be given together");
  }
  if (cfg_.password && !cfg_.username) return Status::Error("mqtt.password is set without mqtt.username");

  try {
    mqtt::create_options create(MQTTVERSION_5);
    create.set_send_while_disconnected(false);  // our own buffers, see the header
    create.set_max_buffered_messages(kPahoMaxBuffered);
    cli_ = std::make_unique<mqtt::async_client>(cfg_.url, cfg_.client_id, create,
                                                static_cast<mqtt::iclient_persistence*>(nullptr));

    auto& o = *(conn_opts_ = std::make_unique<mqtt::connect_options>());
    o.set_clean_session(false);
    o.set_mqtt_version(MQTTVERSION_5);
    o.set_clean_start(false);
    o.set_keep_alive_interval(kKeepAliveSeconds);
    o.set_connect_timeout(10);
    o.set_automatic_reconnect(kRetryMinSeconds, kRetryMaxSeconds);
    // On this object, never on a copy: Paho 1.2.0 copies drop v5 connect properties.
    o.set_properties(mqtt::properties{
        {mqtt::property::SESSION_EXPIRY_INTERVAL, kSessionExpirySeconds},
        {mqtt::property::MAXIMUM_PACKET_SIZE, kMaxPacketBytes}});
    o.set_will(mqtt::will_options(cfg_.root() + "/status", std::string("offline"), 1, true));
    if (cfg_.username) o.set_user_name(*cfg_.username);
    if (cfg_.password) o.set_password(*cfg_.password);
    if (tls) {
      mqtt::ssl_options ssl;
      if (cfg_.tls && !cfg_.tls->ca.empty()) ssl.set_trust_store(cfg_.tls->ca);  // else system store
      if (cfg_.tls && !cfg_.tls->cert.empty()) {
        ssl.set_key_store(cfg_.tls->cert);
        ssl.set_private_key(cfg_.tls->key);
      }
      ssl.set_enable_server_cert_auth(true);
      ssl.set_verify(true);  // host name check
      // No set_error_handler: Paho keeps a pointer to the ssl_options copy made inside
      // connect(), which is gone when the handler would run.
      o.set_ssl(ssl);
    }
    install_callbacks();
    started_ = true;
    log_info("mqtt: connecting to " + cfg_.url + " as '" + cfg_.client_id + "'");
    cli_->connect(*conn_opts_, nullptr, *connect_listener_);
  } catch (const std::exception& e) {
    cli_.reset();
    return Status::Error("mqtt: cannot set up the client for '" + cfg_.url + "': " + e.what());
  }
  return Status::Ok();
}

void MqttClient::Impl::install_callbacks() {
  boost::asio::io_context* loop = &loop_;
  std::weak_ptr<Impl> w = weak_from_this();
  auto inbox = std::make_shared<MessageInbox>();
  auto post = [loop, w, inbox](std::function<void(Impl&)> f) {
    inbox->close_then([&] { post_to(loop, w, std::move(f)); });
  };

  connect_listener_ = std::make_unique<Listener>([post](const mqtt::token& t, bool ok) {
    if (!ok) post([e = describe_token(t)](Impl& s) { s.on_connect_failed(e); });
  });
  subscribe_listener_ = std::make_unique<Listener>([post](const mqtt::token& t, bool ok) {
    const auto tag = reinterpret_cast<std::uintptr_t>(t.get_user_context());
    // One topic per SUBSCRIBE: the token's reason code is the topic's (Paho 1.2.0's
    // get_subscribe_response() holds garbage for a single topic).
    const int code = int(t.get_reason_code());
    post([tag, ok, code, e = ok ? std::string() : describe_token(t)](Impl& s) {
      s.on_subscribed(tag >> kIndexBits, tag & kIndexMask, ok, code, e);
    });
  });
  publish_listener_ = std::make_unique<Listener>([post](const mqtt::token& t, bool ok) {
    // The connection epoch of a QoS 1/2 publish counted in flight, 0 for the others.
    const auto epoch =
        static_cast<std::uint64_t>(reinterpret_cast<std::uintptr_t>(t.get_user_context()));
    if (ok) {
      post([epoch](Impl& s) {
        s.metrics_.inc(kPublished);
        s.acknowledged(epoch);
      });
      return;
    }
    auto topic = t.get_topics() && !t.get_topics()->empty() ? (*t.get_topics())[0] : std::string("?");
    post([topic, epoch, e = describe_token(t)](Impl& s) {
      s.metrics_.inc(kErrors);
      s.warn("publish", "mqtt: publish to '" + topic + "' failed: " + e);
      s.acknowledged(epoch);
    });
  });
  offline_listener_ = std::make_unique<Listener>([post](const mqtt::token&, bool ok) {
    post([ok](Impl& s) {
      s.metrics_.inc(ok ? kPublished : kErrors);
      s.disconnect_for_stop();
    });
  });
  disconnect_listener_ = std::make_unique<Listener>([post](const mqtt::token&, bool) {
    post([](Impl& s) { s.finish_stop(); });
  });

  cli_->set_connected_handler([post](const std::string& cause) {
    post([cause](Impl& s) { s.on_connected(cause); });
  });
  cli_->set_connection_lost_handler([post](const std::string& cause) {
    post([cause](Impl& s) { s.on_lost(cause.empty() ? "connection lost" : cause); });
  });
  cli_->set_disconnected_handler([post](const mqtt::properties&, mqtt::ReasonCode rc) {
    std::string why = mqtt::exception::reason_code_str(rc);
    post([why](Impl& s) { s.on_lost("the broker sent DISCONNECT (" + why + ")"); });
  });
  cli_->set_message_callback([loop, w, inbox](const mqtt::const_message_ptr& m) {
    if (!m) return;
    Message msg{m->get_topic(), m->get_payload_str(), m->get_qos(), m->is_retained()};
    inbox->add(std::move(msg), [&](std::shared_ptr<MessageInbox::Batch> batch) {
      post_to(loop, w, [inbox, batch = std::move(batch)](Impl& s) {
        for (Message& one : inbox->take(batch)) {
          if (s.stopped_) return;
          s.metrics_.inc(kReceived);
          if (s.handlers_.on_message) s.handlers_.on_message(std::move(one));
        }
      });
    });
  });
}

void MqttClient::Impl::on_connected(const std::string& cause) {
  if (stopped_ || disconnecting_) return;
  ++epoch_;
  ++connects_;
  inflight_ = 0;  // what Paho resends from before completes with an older epoch
  if (connects_ > 1) metrics_.inc(kReconnects);
  connected_ = true;
  metrics_.set(kConnected, {}, 1);
  log_info("mqtt: connected to " + cfg_.url + (connects_ > 1 ? " again" : "") +
           (cause.empty() ? "" : " (" + cause + ")"));
  if (set_tcp_nodelay_to_port(mqtt_url_port(cfg_.url)) == 0) {
    log_debug("mqtt: could not set TCP_NODELAY on the broker connection");
  }
  if (stopping_) return;  // Paho resends the pending `offline`; stop() goes on
  const std::string status = cfg_.root() + "/status";
  if (send_now(status, "online", 1, true, *publish_listener_) == Sent::keep) keep(Message{status, "online", 1, true});
  flush();
  subscribe_all(epoch_);
}

void MqttClient::Impl::on_lost(const std::string& cause) {
  if (!connected_) return;
  connected_ = false;
  ++epoch_;
  inflight_ = 0;
  metrics_.set(kConnected, {}, 0);
  if (stopping_ || stopped_) return;
  log_warn("mqtt: disconnected from " + cfg_.url + ": " + cause + "; reconnecting");
  if (handlers_.on_disconnected) handlers_.on_disconnected(cause);
}

void MqttClient::Impl::on_connect_failed(const std::string& error) {
  if (stopped_ || stopping_) return;
  const bool tls = tls_url(cfg_.url);
  warn("connect", "mqtt: cannot connect to " + cfg_.url + ": " + error +
                      (tls ? " (with TLS, check the CA, the client certificate and the host name)" : "") +
                      "; retrying");
}

// One SUBSCRIBE per filter: Paho 1.2.0 crashes in MQTTAsync_subscribeMany when given
// per-topic v5 subscribe options (its response_options copy loses the options array).
void MqttClient::Impl::subscribe_all(std::uint64_t epoch) {
  suback_missing_ = subs_.size();
  if (subs_.empty()) {
    on_subscribed(epoch, 0, true, 0, "");
    return;
  }
  for (std::size_t i = 0; i < subs_.size() && i <= kIndexMask; ++i) {
    mqtt::subscribe_options opts(false /*no local*/, false /*retain as published*/,
                                 subs_[i].retained_wanted ? mqtt::subscribe_options::SEND_RETAINED_ON_SUBSCRIBE
                                                          : mqtt::subscribe_options::DONT_SEND_RETAINED);
    const auto tag = (static_cast<std::uintptr_t>(epoch) << kIndexBits) | i;
    try {
      cli_->subscribe(subs_[i].filter, 1, reinterpret_cast<void*>(tag), *subscribe_listener_, opts);
    } catch (const std::exception& e) {
      // The connection is going down; the next connect subscribes again.
      on_subscribed(epoch, i, false, 0, e.what());
    }
  }
}

void MqttClient::Impl::on_subscribed(std::uint64_t epoch, std::size_t index, bool ok, int code,
                                     const std::string& error) {
  if ((epoch & (~std::uint64_t(0) >> kIndexBits)) != (epoch_ & (~std::uint64_t(0) >> kIndexBits)) ||
      !connected_ || stopping_ || stopped_)
    return;
  const std::string filter = index < subs_.size() ? subs_[index].filter : "?";
  if (!ok) {
    log_error("mqtt: subscribe to '" + filter + "' failed: " + error);
  } else if (code >= 0x80) {
    log_error("mqtt: the broker refused the subscription to '" + filter +
              "': " + mqtt::exception::reason_code_str(code));
  }
  if (suback_missing_ > 0) --suback_missing_;
  if (suback_missing_ > 0 || notified_epoch_ == epoch_) return;
  notified_epoch_ = epoch_;
  if (handlers_.on_connected) handlers_.on_connected();
}

void MqttClient::Impl::set_subscriptions(std::vector<Subscription> subs) {
  std::vector<std::string> removed;
  for (const auto& old : subs_) {
    bool still = false;
    for (const auto& s : subs) still = still || s.filter == old.filter;
    if (!still) removed.push_back(old.filter);
  }
  subs_ = std::move(subs);
  if (!connected_ || stopping_) return;
  try {
    if (!removed.empty()) cli_->unsubscribe(mqtt::string_collection::create(removed));
  } catch (const std::exception& e) {
    warn("subscribe", std::string("mqtt: unsubscribe failed: ") + e.what());
  }
  if (!subs_.empty()) subscribe_all(epoch_);
}

Sent MqttClient::Impl::send_now(const std::string& topic, const std::string& payload, int qos,
                                bool retain, mqtt::iaction_listener& listener) {
  // Only QoS 1/2 publishes with the regular listener count against the in-flight window.
  const bool counted = qos > 0 && &listener == publish_listener_.get();
  void* context = counted ? reinterpret_cast<void*>(static_cast<std::uintptr_t>(epoch_)) : nullptr;
  try {
    cli_->publish(mqtt::message::create(topic, payload.data(), payload.size(), qos, retain),
                  context, listener);
    if (counted) ++inflight_;
    return Sent::ok;
  } catch (const mqtt::exception& e) {
    const int rc = e.get_return_code();
    if (rc == MQTTASYNC_DISCONNECTED || rc == MQTTASYNC_MAX_BUFFERED_MESSAGES ||
        rc == MQTTASYNC_NO_MORE_MSGIDS)
      return Sent::keep;
    metrics_.inc(kErrors);
    warn("publish", "mqtt: publish to '" + topic + "' failed: " + e.what());
  } catch (const std::exception& e) {
    metrics_.inc(kErrors);
    warn("publish", "mqtt: publish to '" + topic + "' failed: " + e.what());
  }
  return Sent::failed;
}

void MqttClient::Impl::publish(const std::string& topic, std::string payload, bool retain, int qos) {
  if (topic.empty() || topic.size() > 65535 || topic.find_first_of(std::string("+#\0", 3)) != std::string::npos ||
      qos < 0 || qos > 2) {
    metrics_.inc(kErrors);
    warn("publish-arg", "mqtt: refusing to publish to '" + topic + "' with QoS " + std::to_string(qos) +
                            ": empty topic, wildcard or bad QoS");
    return;
  }
  if (stopped_ || disconnecting_) {
    metrics_.inc(kDropped);
    warn("drop", "mqtt: dropping a message to '" + topic + "': the client is stopped");
    return;
  }
  // Keep the order: while anything waits, new messages wait behind it.
  const bool backlog = retain ? buffer_.has_retained(topic) : buffer_.has_queued();
  if (connected_ && !backlog && !window_full(qos)) {
    Sent r = send_now(topic, payload, qos, retain, *publish_listener_);
    if (r != Sent::keep) return;
  }
  keep(Message{topic, std::move(payload), qos, retain});
  // A full window is drained by the acknowledgements; anything else by a retry.
  if (connected_ && !window_full(qos)) schedule_flush();
}

void MqttClient::Impl::acknowledged(std::uint64_t epoch) {
  if (epoch == 0 || epoch != epoch_ || inflight_ == 0) return;
  --inflight_;
  if (!buffer_.empty()) flush();
}

void MqttClient::Impl::keep(Message m) {
  const std::string topic = m.topic;
  if (std::size_t dropped = buffer_.keep(std::move(m))) {
    metrics_.inc(kDropped, {}, double(dropped));
    warn("drop", "mqtt: the offline buffer is full; dropped a message (keeping one to '" + topic + "')");
  }
}

void MqttClient::Impl::flush() {
  if (!connected_) return;
  buffer_.drain([this](const Message& m) {
    if (window_full(m.qos)) return false;  // the next acknowledgement drains on
    if (send_now(m.topic, m.payload, m.qos, m.retained, *publish_listener_) != Sent::keep) return true;
    schedule_flush();  // Paho is disconnected again or its buffer is full: later
    return false;
  });
}

// Retries a flush shortly when Paho pushed back while connected (its own buffer full).
void MqttClient::Impl::schedule_flush() {
  if (flush_scheduled_ || !connected_) return;
  flush_scheduled_ = true;
  retry_timer_.expires_after(kBackpressureRetry);
  retry_timer_.async_wait([w = weak_from_this()](const boost::system::error_code&) {
    if (auto s = w.lock()) {
      s->flush_scheduled_ = false;
      s->flush();
    }
  });
}

void MqttClient::Impl::stop(std::function<void()> done) {
  if (stopping_ && !stopped_) {  // a second stop while the first one runs: done after it
    stop_done_ = [first = std::move(stop_done_), then = std::move(done)] {
      if (first) first();
      if (then) then();
    };
    return;
  }
  if (stopped_ || !cli_) {  // stopped already, or never started
    stopped_ = true;
    if (const std::size_t lost = buffer_.clear()) metrics_.inc(kDropped, {}, double(lost));
    if (done) boost::asio::post(loop_, std::move(done));
    return;
  }
  stopping_ = true;
  stop_done_ = std::move(done);
  flush();  // what waited for the in-flight window
  if (!connected_ ||
      send_now(cfg_.root() + "/status", "offline", 1, true, *offline_listener_) != Sent::ok) {
    disconnect_for_stop();
    return;
  }
  stop_timer_.expires_after(kOfflineWait);
  stop_timer_.async_wait([w = weak_from_this()](const boost::system::error_code& ec) {
    if (ec) return;
    if (auto s = w.lock()) {
      log_warn("mqtt: `offline` was not acknowledged in time; disconnecting anyway");
      s->disconnect_for_stop();
    }
  });
}

void MqttClient::Impl::disconnect_for_stop() {
  if (!stopping_ || disconnecting_ || stopped_) return;
  disconnecting_ = true;
  stop_timer_.cancel();
  if (const std::size_t lost = buffer_.clear()) {
    metrics_.inc(kDropped, {}, double(lost));
    log_warn("mqtt: stopping with " + std::to_string(lost) + " unsent message(s)");
  }
  try {
    // Also ends Paho's reconnect attempts when the connection is down.
    cli_->disconnect(kDisconnectQuiesceMs, nullptr, *disconnect_listener_);
  } catch (const std::exception&) {
    finish_stop();  // not connected: nothing to wait for
    return;
  }
  stop_timer_.expires_after(kDisconnectWait + std::chrono::milliseconds(kDisconnectQuiesceMs));
  stop_timer_.async_wait([w = weak_from_this()](const boost::system::error_code& ec) {
    if (ec) return;
    if (auto s = w.lock()) s->finish_stop();
  });
}

void MqttClient::Impl::finish_stop() {
  if (stopped_) return;
  stopped_ = true;
  stop_timer_.cancel();
  retry_timer_.cancel();
  const bool was = connected_;
  connected_ = false;
  metrics_.set(kConnected, {}, 0);
  log_info(std::string("mqtt: stopped") + (was ? "; disconnected from " + cfg_.url : ""));
  if (stop_done_) boost::asio::post(loop_, std::move(stop_done_));
  stop_done_ = nullptr;
}

// ---- MqttClient ----

MqttClient::MqttClient(boost::asio::io_context& loop, const MqttConfig& cfg, const std::string& state_dir,
                       Metrics& metrics)
    : impl_(std::make_shared<Impl>(loop, cfg, state_dir, metrics)) {
  // Paho C formats every trace record at MINIMUM and above into an in-memory ring buffer
  // (for a dump after a fatal error), under a mutex, even with no trace callback: about
  // three vsnprintf calls a message, 6% of larderd's instructions a reading (callgrind).
  // Errors are still recorded.
  MQTTAsync_setTraceLevel(MQTTASYNC_TRACE_ERROR);
}

MqttClient::~MqttClient() = default;

void MqttClient::set_handlers(MqttHandlers handlers) { impl_->handlers_ = std::move(handlers); }
void MqttClient::set_subscriptions(std::vector<Subscription> s) { impl_->set_subscriptions(std::move(s)); }
Status MqttClient::start() { return impl_->start(); }
void MqttClient::publish(const std::string& topic, std::string payload, bool retain, int qos) {
  impl_->publish(topic, std::move(payload), retain, qos);
}
void MqttClient::stop(std::function<void()> done) { impl_->stop(std::move(done)); }
bool MqttClient::connected() const { return impl_->connected_; }
std::size_t MqttClient::pending() const { return impl_->pending(); }

}  // namespace larder
