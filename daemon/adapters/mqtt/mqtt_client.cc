#include "adapters/mqtt/mqtt_client.h"

#include <memory>
#include <mqtt/async_client.h>
#include <utility>
#include <vector>

#include "adapters/mqtt/message_inbox.h"
#include "adapters/mqtt/mqtt_client_impl.h"
#include "adapters/mqtt/paho_setup.h"
#include "adapters/mqtt/tcp_nodelay.h"
#include "larder/log.h"

namespace larder {

Status MqttClient::Impl::start() {
  if (started_) return Status::Error("mqtt: start() called twice");
  if (Status checked = check_client_setup(cfg_); !checked.ok()) return checked;
  try {
    make_client();
    started_ = true;
    log_info("mqtt: connecting to " + cfg_.url + " as '" + cfg_.client_id + "'");
    cli_->connect(*conn_opts_, nullptr, *connect_listener_);
  } catch (const std::exception& e) {
    cli_.reset();
    return Status::Error("mqtt: cannot set up the client for '" + cfg_.url + "': " + e.what());
  }
  return Status::Ok();
}

// The reconnects are the adapter's own (schedule_reconnect()), not Paho's automatic ones:
// after a publish failed on a dead socket the next connect must use a new client.
void MqttClient::Impl::make_client() {
  cli_ = std::make_unique<mqtt::async_client>(cfg_.url, cfg_.client_id,
                                              paho_create_options(kPahoMaxBuffered),
                                              static_cast<mqtt::iclient_persistence*>(nullptr));
  conn_opts_ = std::make_unique<mqtt::connect_options>();
  fill_connect_options(*conn_opts_, cfg_, kKeepAliveSeconds, kSessionExpirySeconds, kMaxPacketBytes);
  install_callbacks();
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
    // The sequence number of a QoS 1/2 publish counted in flight, 0 for the others.
    const auto seq =
        static_cast<std::uint64_t>(reinterpret_cast<std::uintptr_t>(t.get_user_context()));
    if (ok) {
      post([seq](Impl& s) {
        s.metrics_.inc(kPublished);
        s.acknowledged(seq, false);
      });
      return;
    }
    // MQTTASYNC_FAILURE without a reason code from the broker: the write failed.
    const bool dead = t.get_return_code() == MQTTASYNC_FAILURE && int(t.get_reason_code()) < 0x80;
    auto topic = t.get_topics() && !t.get_topics()->empty() ? (*t.get_topics())[0] : std::string("?");
    post([topic, seq, dead, e = describe_token(t)](Impl& s) {
      s.metrics_.inc(kErrors);
      s.warn("publish", "mqtt: publish to '" + topic + "' failed: " + e +
                            (dead && seq ? "; it is sent again after the reconnect" : ""));
      s.acknowledged(seq, dead);
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
  suback_missing_ = 0;
  inflight_ = 0;  // what Paho resends from before completes with an older epoch
  backoff_s_ = kRetryMinSeconds;
  if (connects_ > 1) metrics_.inc(kReconnects);
  connected_ = true;
  metrics_.set(kConnected, {}, 1);
  // Paho's cause for a plain connect says nothing ("connect onSuccess called").
  const bool plain = cause.empty() || cause.find("onSuccess") != std::string::npos;
  log_info("mqtt: connected to " + cfg_.url + (connects_ > 1 ? " again" : "") +
           (plain ? "" : " (" + cause + ")"));
  if (set_tcp_nodelay_to_port(mqtt_url_port(cfg_.url)) == 0) {
    log_debug("mqtt: could not set TCP_NODELAY on the broker connection");
  }
  if (stopping_) return;  // Paho resends the pending `offline`; stop() goes on
  // An `online` kept from before (unsent, or unacknowledged on a replaced client) would go
  // out ahead of the SUBSCRIBEs: the SUBACKs bring a new one.
  buffer_.forget_retained(cfg_.root() + "/status");
  flush();
  subscribe_all(epoch_);
}

void MqttClient::Impl::on_lost(const std::string& cause) {
  if (!connected_) return;
  connected_ = false;
  ++epoch_;
  suback_missing_ = 0;
  inflight_ = 0;
  metrics_.set(kConnected, {}, 0);
  if (stopping_ || stopped_) return;
  log_warn("mqtt: disconnected from " + cfg_.url + ": " + cause + "; reconnecting");
  schedule_reconnect();
  if (handlers_.on_disconnected) handlers_.on_disconnected(cause);
}

void MqttClient::Impl::on_connect_failed(const std::string& error) {
  if (stopped_ || stopping_) return;
  const bool tls = tls_url(cfg_.url);
  warn("connect", "mqtt: cannot connect to " + cfg_.url + ": " + error +
                      (tls ? " (with TLS, check the CA, the client certificate and the host name)" : "") +
                      "; retrying in " + std::to_string(backoff_s_) + " s");
  schedule_reconnect();
}

// One SUBSCRIBE per filter: Paho 1.2.0 crashes in MQTTAsync_subscribeMany when given
// per-topic v5 subscribe options (its response_options copy loses the options array).
void MqttClient::Impl::subscribe_all(std::uint64_t epoch) {
  // Added: the SUBACKs still due from an earlier call in this connect (a reload's) count.
  suback_missing_ += subs_.size();
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
      // NOLINTNEXTLINE(performance-no-int-to-ptr): Paho's user context is a void*
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
  // `online` only now: a plugin that waits for it and publishes at once is heard (before
  // every SUBACK the broker could still drop what it sends to the inputs).
  const std::string status = cfg_.root() + "/status";
  if (send_now(status, "online", 1, true, *publish_listener_) == Sent::keep) {
    keep(Message{status, "online", 1, true});  // a flush sends it, or the next connect a new one
    schedule_flush();
  }
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
  const std::uint64_t seq = counted ? ++next_seq_ : 0;
  // NOLINTNEXTLINE(performance-no-int-to-ptr): Paho's user context is a void*
  void* context = reinterpret_cast<void*>(static_cast<std::uintptr_t>(seq));
  try {
    if (counted) {
      // The oldest entry is one an older connection never completed (this one has at
      // most kMaxInFlight, newer), e.g. after the broker lost the session.
      if (unacked_.size() >= kMaxUnacked) unacked_.erase(unacked_.begin());
      unacked_.emplace(seq, Unacked{epoch_, Message{topic, payload, qos, retain}});
    }
    cli_->publish(mqtt::message::create(topic, payload.data(), payload.size(), qos, retain),
                  context, listener);
    if (counted) ++inflight_;
    return Sent::ok;
  } catch (const mqtt::exception& e) {
    unacked_.erase(seq);
    const int rc = e.get_return_code();
    if (rc == MQTTASYNC_DISCONNECTED || rc == MQTTASYNC_MAX_BUFFERED_MESSAGES ||
        rc == MQTTASYNC_NO_MORE_MSGIDS)
      return Sent::keep;
    metrics_.inc(kErrors);
    warn("publish", "mqtt: publish to '" + topic + "' failed: " + e.what());
  } catch (const std::exception& e) {
    unacked_.erase(seq);
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

void MqttClient::Impl::acknowledged(std::uint64_t seq, bool dead_connection) {
  auto it = unacked_.find(seq);
  if (it == unacked_.end()) return;
  const std::uint64_t epoch = it->second.epoch;
  if (dead_connection) {
    poisoned_ = true;  // kept for the new client, see replace_client()
  } else {
    unacked_.erase(it);
  }
  if (epoch != epoch_ || inflight_ == 0) return;
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
bool MqttClient::subscribed() const { return impl_->subscribed(); }
std::size_t MqttClient::pending() const { return impl_->pending(); }

}  // namespace larder
