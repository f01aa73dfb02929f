#include "support/test_client.h"

#include <unistd.h>

#include <atomic>
#include <mqtt/async_client.h>
#include <stdexcept>

namespace larder::test {
namespace {
std::atomic<int> g_counter{0};
}

TestClient::TestClient(const std::string& url, TestClientOptions opts) : url_(url), opts_(std::move(opts)) {
  if (opts_.client_id.empty())
    opts_.client_id = "test-" + std::to_string(getpid()) + "-" + std::to_string(++g_counter);
  mqtt::create_options create(MQTTVERSION_5);
  cli_ = std::make_unique<mqtt::async_client>(url_, opts_.client_id, create,
                                              static_cast<mqtt::iclient_persistence*>(nullptr));
  cli_->set_message_callback([this](mqtt::const_message_ptr m) {
    if (m) on_message(Received{m->get_topic(), m->get_payload_str(), m->get_qos(), m->is_retained()});
  });
}

TestClient::~TestClient() {
  try {
    if (cli_->is_connected()) cli_->disconnect(0)->wait_for(std::chrono::seconds(2));
  } catch (...) {
  }
  cli_.reset();  // before the record and its lock go away: no callback after this
}

void TestClient::connect(ms timeout) {
  mqtt::connect_options o;  // passed as is (copies of connect_options drop v5 properties)
  o.set_clean_session(false);
  o.set_mqtt_version(MQTTVERSION_5);
  o.set_clean_start(opts_.clean_start);
  o.set_keep_alive_interval(30);
  o.set_connect_timeout(5);
  if (opts_.session_expiry > 0)
    o.set_properties(mqtt::properties{{mqtt::property::SESSION_EXPIRY_INTERVAL, opts_.session_expiry}});
  if (opts_.auto_reconnect) o.set_automatic_reconnect(1, 2);
  if (!opts_.username.empty()) o.set_user_name(opts_.username);
  if (!opts_.password.empty()) o.set_password(opts_.password);
  if (!opts_.ca_file.empty()) {
    mqtt::ssl_options ssl;
    ssl.set_trust_store(opts_.ca_file);
    ssl.set_enable_server_cert_auth(true);
    ssl.set_verify(true);
    o.set_ssl(ssl);
  }
  if (!opts_.will_topic.empty()) o.set_will(mqtt::will_options(opts_.will_topic, opts_.will_payload, 1, true));
  try {
    auto tok = cli_->connect(o);
    if (!tok->wait_for(timeout)) throw std::runtime_error("timed out");
  } catch (const std::exception& e) {
    throw std::runtime_error("TestClient " + opts_.client_id + ": connect to " + url_ + " failed: " + e.what());
  }
}

void TestClient::disconnect(ms timeout) {
  try {
    cli_->disconnect(0)->wait_for(timeout);
  } catch (const std::exception& e) {
    throw std::runtime_error("TestClient " + opts_.client_id + ": disconnect failed: " + e.what());
  }
}

bool TestClient::connected() const { return cli_->is_connected(); }

void TestClient::subscribe(const std::string& filter, int qos, bool retained_wanted, ms timeout) {
  mqtt::subscribe_options so(false, false,
                             retained_wanted ? mqtt::subscribe_options::SEND_RETAINED_ON_SUBSCRIBE
                                             : mqtt::subscribe_options::DONT_SEND_RETAINED);
  try {
    auto tok = cli_->subscribe(filter, qos, so);
    if (!tok->wait_for(timeout)) throw std::runtime_error("timed out");
    // Paho 1.2.0: get_subscribe_response() holds garbage for a single topic; the token's
    // own reason code is right.
    if (tok->get_reason_code() >= 0x80)
      throw std::runtime_error("refused: " + mqtt::exception::reason_code_str(tok->get_reason_code()));
  } catch (const std::exception& e) {
    throw std::runtime_error("TestClient " + opts_.client_id + ": subscribe to '" + filter +
                             "' failed: " + e.what());
  }
}

void TestClient::publish(const std::string& topic, const std::string& payload, int qos, bool retain,
                         ms timeout) {
  try {
    auto tok = cli_->publish(topic, payload.data(), payload.size(), qos, retain);
    if (!tok->wait_for(timeout)) throw std::runtime_error("timed out");
  } catch (const std::exception& e) {
    throw std::runtime_error("TestClient " + opts_.client_id + ": publish to '" + topic + "' failed: " +
                             e.what());
  }
}

bool TestClient::try_publish(const std::string& topic, const std::string& payload, int qos, bool retain,
                             ms timeout) {
  try {
    auto tok = cli_->publish(topic, payload.data(), payload.size(), qos, retain);
    return tok->wait_for(timeout);
  } catch (const std::exception&) {
    return false;
  }
}

void TestClient::on_message(Received r) {
  {
    std::lock_guard<std::mutex> g(mu_);
    record_.push_back(std::move(r));
  }
  cv_.notify_all();
}

std::optional<Received> TestClient::wait_for(const std::string& topic, ms timeout,
                                             const std::function<bool(const Received&)>& pred) {
  std::optional<Received> found;
  wait_until(
      [&](const std::vector<Received>& rec) {
        for (const auto& r : rec) {
          if (r.topic == topic && (!pred || pred(r))) {
            found = r;
            return true;
          }
        }
        return false;
      },
      timeout);
  return found;
}

std::optional<Received> TestClient::wait_for_payload(const std::string& topic, const std::string& payload,
                                                     ms timeout) {
  return wait_for(topic, timeout, [&](const Received& r) { return r.payload == payload; });
}

bool TestClient::wait_until(const std::function<bool(const std::vector<Received>&)>& pred, ms timeout) {
  std::unique_lock<std::mutex> g(mu_);
  return cv_.wait_for(g, timeout, [&] { return pred(record_); });
}

std::vector<Received> TestClient::messages() const {
  std::lock_guard<std::mutex> g(mu_);
  return record_;
}

std::vector<Received> TestClient::messages(const std::string& topic) const {
  std::lock_guard<std::mutex> g(mu_);
  std::vector<Received> out;
  for (const auto& r : record_)
    if (r.topic == topic) out.push_back(r);
  return out;
}

void TestClient::clear() {
  std::lock_guard<std::mutex> g(mu_);
  record_.clear();
}

}  // namespace larder::test
