#include "carrier_sim.h"

#include <algorithm>
#include <set>
#include <utility>

#include <boost/asio/post.hpp>

#include "callback_client.h"
#include "larder/log.h"
#include "sim_util.h"

namespace larder::sandbox {

namespace {

const char* step_name(int step) {
  static const char* kNames[] = {"asking", "unlocking", "waiting_for_car", "loading",
                                 "delivered", "refused", "ended"};
  return kNames[step];
}

// The hub's error code from {"error":{"code":..}}: short, printable, never the secret.
std::string hub_code(const std::string& body, const std::string& secret) {
  auto j = nlohmann::json::parse(body, nullptr, false);
  if (j.is_discarded() || !j.is_object() || !j.contains("error") || !j["error"].is_object())
    return {};
  auto it = j["error"].find("code");
  if (it == j["error"].end() || !it->is_string()) return {};
  std::string code = it->get<std::string>().substr(0, 64);
  for (char c : code) {
    if (c < 0x20 || c > 0x7e) return {};
  }
  if (!secret.empty() && code.find(secret) != std::string::npos) return {};
  return code;
}

bool worth_retrying(int status) { return status == 0 || status == 429 || status >= 500; }

}  // namespace

CarrierSim::CarrierSim(RetailerSim& sim, CarSim* car, CarrierHttp http, CarrierOptions options)
    : sim_(sim), car_(car), http_(std::move(http)), options_(options) {}

void CarrierSim::tick() {
  double now = sim_.now();
  std::set<std::string> due;
  for (auto& t : sim_.trunk_visits_due()) {
    due.insert(t.order_id);
    if (visits_.count(t.order_id)) continue;
    Visit v;
    v.carrier_api = t.carrier_api;
    v.code = std::move(t.code);
    v.window_end = t.window_end;
    v.arrived = stamp(now);
    log_info("carrier: at order " + t.order_id + "'s car, asking the hub at " + t.carrier_api);
    auto& placed = visits_.emplace(t.order_id, std::move(v)).first->second;
    send(t.order_id, placed);
  }
  for (auto& [id, v] : visits_) {
    if (v.step == Step::delivered || v.step == Step::refused || v.step == Step::ended) continue;
    if (!due.count(id) && v.step != Step::loading) {
      // The window ended (or the order closed) before the trunk was opened.
      log_info("carrier: order " + id + ": the window is over; the trunk was not opened");
      end(v, Step::ended);
      continue;
    }
    if (v.in_flight) continue;
    if (v.retry_at && now >= *v.retry_at) {
      v.retry_at.reset();
      send(id, v);
    } else if (v.step == Step::waiting_for_car && (!car_ || car_->open_trunk())) {
      v.trunk_opened = true;
      v.step = Step::loading;
      v.close_at = now + (car_ ? options_.load_time / sim_.speed() : 0);
    }
    if (v.step == Step::loading && now >= v.close_at.value_or(now)) {
      if (car_) car_->close_trunk();
      log_info("carrier: order " + id + " is in the trunk");
      end(v, Step::delivered);
      sim_.carrier_delivered(id);
    }
  }
}

std::optional<double> CarrierSim::next_change() const {
  std::optional<double> next;
  for (const auto& [id, v] : visits_) {
    for (const auto& at : {v.retry_at, v.close_at}) {
      if (at && v.step != Step::delivered && (!next || *at < *next)) next = at;
    }
  }
  return next;
}

void CarrierSim::send(const std::string& order_id, Visit& v) {
  CarrierRequest r;
  r.code = v.code;
  if (v.step == Step::asking) {
    ++v.asked;
    r.method = "GET";
    r.url = v.carrier_api;
  } else {
    ++v.unlock_requests;
    r.method = "POST";
    std::size_t query = v.carrier_api.find('?');
    r.url = v.carrier_api.substr(0, query) + "/unlock" +
            (query == std::string::npos ? "" : v.carrier_api.substr(query));
  }
  v.in_flight = true;
  http_(std::move(r), [this, order_id](CarrierReply reply) { answered(order_id, reply); });
}

void CarrierSim::answered(const std::string& order_id, const CarrierReply& reply) {
  auto it = visits_.find(order_id);
  if (it == visits_.end()) return;
  Visit& v = it->second;
  v.in_flight = false;
  if (v.step != Step::asking && v.step != Step::unlocking) return;  // the visit has ended
  bool asking = v.step == Step::asking;
  (asking ? v.ask_status : v.unlock_status) = reply.status;
  const char* what = asking ? "asking" : "unlock";
  bool ok = asking ? reply.status == 200 : (reply.status == 200 || reply.status == 202);
  if (ok) {
    v.error.clear();
    if (asking) {
      auto j = nlohmann::json::parse(reply.body, nullptr, false);
      if (!j.is_discarded() && j.is_object() && j.contains("window")) v.window = j["window"];
      v.step = Step::unlocking;
      send(order_id, v);
    } else {
      log_info("carrier: order " + order_id + ": the hub unlocks the trunk");
      v.unlocked = true;
      v.step = Step::waiting_for_car;
      tick();
    }
    return;
  }
  std::string code = hub_code(reply.body, v.code);
  if (worth_retrying(reply.status) || (reply.status >= 200 && reply.status < 300)) {
    // A 2xx other than expected is garbled on the way, as a lost answer.
    v.error = reply.status == 0 ? "no answer" : "HTTP " + std::to_string(reply.status);
    if (!code.empty()) v.error += " " + code;
    v.retry_at = sim_.now() + options_.retry_after / sim_.speed();
    log_warn("carrier: order " + order_id + ": " + what + " failed (" + v.error +
             "); trying again");
    return;
  }
  v.refusal = {{"step", asking ? "ask" : "unlock"},
               {"status", reply.status},
               {"code", code.empty() ? nlohmann::json() : nlohmann::json(code)}};
  log_warn("carrier: order " + order_id + ": the hub refused (" + what + ": HTTP " +
           std::to_string(reply.status) + (code.empty() ? "" : " " + code) +
           "); no trunk delivery");
  end(v, Step::refused);
  sim_.carrier_failed(order_id, "trunk_refused");
}

void CarrierSim::end(Visit& v, Step step) {
  v.step = step;
  v.code.clear();
  v.retry_at.reset();
  v.close_at.reset();
}

nlohmann::json CarrierSim::report(const std::string& order_id) const {
  auto it = visits_.find(order_id);
  if (it == visits_.end()) return nullptr;
  const Visit& v = it->second;
  auto status = [](const std::optional<int>& s) {
    return s ? nlohmann::json(*s) : nlohmann::json();
  };
  nlohmann::json j = {{"state", step_name(static_cast<int>(v.step))},
                      {"arrived", v.arrived},
                      {"asked", v.asked},
                      {"ask_status", status(v.ask_status)},
                      {"window", v.window},
                      {"unlock_requests", v.unlock_requests},
                      {"unlock_status", status(v.unlock_status)},
                      {"unlocked", v.unlocked},
                      {"trunk_opened", v.trunk_opened}};
  if (!v.refusal.is_null()) j["refusal"] = v.refusal;
  if (!v.error.empty()) j["error"] = v.error;
  return j;
}

CarrierHttpClient::CarrierHttpClient(boost::asio::io_context& ioc,
                                     std::shared_ptr<boost::asio::ssl::context> tls,
                                     std::chrono::milliseconds timeout)
    : ioc_(ioc), tls_(std::move(tls)), timeout_(timeout) {}

CarrierHttpClient::~CarrierHttpClient() { close(); }

CarrierHttp CarrierHttpClient::port() {
  return [this](CarrierRequest r, std::function<void(CarrierReply)> done) {
    send(std::move(r), std::move(done));
  };
}

void CarrierHttpClient::close() {
  closed_ = true;
  auto in_flight = std::move(in_flight_);
  in_flight_.clear();
  for (auto& [id, abandon] : in_flight) abandon();
}

void CarrierHttpClient::send(CarrierRequest request, std::function<void(CarrierReply)> done) {
  if (closed_) return;
  auto url = parse_callback_url(request.url);  // the same rules as for the hub's callbacks
  if (!url) {
    // Answered on the loop, never inside the call (the port's rule).
    boost::asio::post(ioc_, [done = std::move(done), why = url.status().message()] {
      done(CarrierReply{0, "", "cannot use the carrier URL: " + why});
    });
    return;
  }
  HttpExchange x{request.method, *url, {{"Authorization", "Bearer " + request.code}}, {}};
  if (request.method == "POST") x.body = "{}";
  std::uint64_t id = next_++;
  in_flight_[id] = send_exchange(ioc_, tls_.get(), std::move(x), timeout_,
                                 [this, id, done = std::move(done)](ExchangeReply r) {
                                   in_flight_.erase(id);
                                   done(CarrierReply{r.status, std::move(r.body), r.error});
                                 });
}

}  // namespace larder::sandbox
