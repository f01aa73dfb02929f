// The MQTT adapter's reconnects, the replacement of a Paho client that must not reconnect,
// and stop(). See mqtt_client.h.
#include <algorithm>

#include "adapters/mqtt/mqtt_client_impl.h"
#include "adapters/mqtt/paho_setup.h"

namespace larder {

// Backoff: 1 s, doubling to 30 s; back to 1 s after a connect.
void MqttClient::Impl::schedule_reconnect() {
  if (reconnect_scheduled_ || stopping_ || stopped_) return;
  reconnect_scheduled_ = true;
  reconnect_timer_.expires_after(std::chrono::seconds(backoff_s_));
  backoff_s_ = std::min(backoff_s_ * 2, kRetryMaxSeconds);
  reconnect_timer_.async_wait([w = weak_from_this()](const boost::system::error_code& ec) {
    if (ec) return;
    if (auto s = w.lock()) {
      s->reconnect_scheduled_ = false;
      s->reconnect();
    }
  });
}

void MqttClient::Impl::reconnect() {
  if (connected_ || stopping_ || stopped_) return;
  if ((poisoned_ || !cli_) && !replace_client()) {
    schedule_reconnect();
    return;
  }
  try {
    cli_->connect(*conn_opts_, nullptr, *connect_listener_);
  } catch (const std::exception& e) {
    on_connect_failed(e.what());
  }
}

// Paho C 1.3.12 frees the topic of a QoS 1/2 publish whose write fails but keeps the
// publish in the session, and resends it at the next connect (a use-after-free; a second
// free when the session is gone). Such a client is retired, never reconnected nor
// destroyed, and a new one with the same client id resumes the broker's session. What
// the old one held unacknowledged is sent again by the new one: at least once, as QoS 1.
bool MqttClient::Impl::replace_client() {
  poisoned_ = false;
  if (cli_) {
    log_warn("mqtt: a publish failed on the lost connection; reconnecting with a new client "
             "(a Paho C fault, docs/debian-traps.md)");
    try {
      cli_->disable_callbacks();
    } catch (const std::exception&) {
      // Not connected, no callback will come; the listeners stay valid anyway.
    }
    std::vector<std::unique_ptr<mqtt::iaction_listener>> listeners;
    for (auto* l : {&connect_listener_, &subscribe_listener_, &publish_listener_, &offline_listener_,
                    &disconnect_listener_})
      listeners.push_back(std::move(*l));
    retire_client(std::move(cli_), std::move(conn_opts_), std::move(listeners));
    metrics_.inc(kReplaced);
  }
  for (auto it = unacked_.rbegin(); it != unacked_.rend(); ++it) {
    if (std::size_t dropped = buffer_.keep_older(std::move(it->second.message)))
      metrics_.inc(kDropped, {}, double(dropped));
  }
  unacked_.clear();
  try {
    make_client();
  } catch (const std::exception& e) {
    cli_.reset();
    log_error(std::string("mqtt: cannot set up a new client: ") + e.what() + "; retrying");
    return false;
  }
  return true;
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
  reconnect_timer_.cancel();
  reconnect_scheduled_ = false;
  if (!cli_) {
    finish_stop();
    return;
  }
  try {
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
  reconnect_timer_.cancel();
  const bool was = connected_;
  connected_ = false;
  metrics_.set(kConnected, {}, 0);
  log_info(std::string("mqtt: stopped") + (was ? "; disconnected from " + cfg_.url : ""));
  if (stop_done_) boost::asio::post(loop_, std::move(stop_done_));
  stop_done_ = nullptr;
}

}  // namespace larder
