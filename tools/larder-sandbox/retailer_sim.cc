// RetailerSim: catalogue, options, quotes, faults, callbacks and the report. The orders
// (placing, the timeline, cancel, delivery changes) are in retailer_orders.cc.
#include "retailer_sim.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <set>

#include "adapters/crypto/signature.h"
#include "json_check.h"
#include "sim_util.h"

namespace larder::sandbox {

std::vector<Sku> default_catalogue() {
  return {
      {"COFFEE-500", 8.99, 0.55, {20, 12, 8}, false, false},
      {"DETERGENT-1500", 6.49, 1.6, {25, 15, 10}, false, false},
      {"PODS-40", 12.00, 0.3, {18, 12, 10}, false, false},
      {"FILTER-150", 9.90, 0.4, {20, 14, 6}, false, false},
      {"MILK-1L", 1.09, 1.05, {20, 7, 7}, false, true},
  };
}

Result<std::vector<Sku>> parse_catalogue(const nlohmann::json& j) {
  if (!j.is_array() || j.empty() || j.size() > 1000) {
    return Status::Error("the catalogue must be a JSON array of 1 to 1000 SKUs");
  }
  std::vector<Sku> out;
  std::set<std::string> seen;
  for (std::size_t i = 0; i < j.size(); ++i) {
    const auto& e = j[i];
    std::string what = "catalogue[" + std::to_string(i) + "]";
    Status err = check_object(
        e, {"sku", "price", "weight_kg", "dims_cm", "signature_required", "temperature_sensitive"},
        what);
    if (!err) return err;
    Sku s;
    auto sku = string_at(e, "sku", what, 64, err);
    if (!sku) return err;
    if (!valid_sku(*sku))
      return Status::Error(what + ": an SKU is made of A-Z, a-z, 0-9, '.', '_' and '-'");
    if (!seen.insert(*sku).second)
      return Status::Error(what + ": SKU " + *sku + " is listed twice");
    s.sku = *sku;
    auto price = number_at(e, "price", what, err);
    if (!price) return err;
    if (*price <= 0 || *price > 1e6)
      return Status::Error(what + ": \"price\" must be above 0 and at most 1000000");
    s.price = money(*price);
    auto weight = number_at(e, "weight_kg", what, err);
    if (!weight) return err;
    if (*weight <= 0 || *weight > 1000)
      return Status::Error(what + ": \"weight_kg\" must be above 0 and at most 1000");
    s.weight_kg = *weight;
    if (!e.contains("dims_cm") || !e["dims_cm"].is_array() || e["dims_cm"].size() != 3) {
      return Status::Error(what + " needs \"dims_cm\" as [length, width, height]");
    }
    for (std::size_t d = 0; d < 3; ++d) {
      const auto& v = e["dims_cm"][d];
      if (!v.is_number_integer() || v.get<long long>() < 1 || v.get<long long>() > 1000) {
        return Status::Error(what + ": \"dims_cm\" holds whole centimetres from 1 to 1000");
      }
      s.dims_cm[d] = v.get<int>();
    }
    for (const char* flag : {"signature_required", "temperature_sensitive"}) {
      if (!e.contains(flag)) continue;
      if (!e[flag].is_boolean())
        return Status::Error(what + ": \"" + flag + "\" must be true or false");
    }
    s.signature_required = e.value("signature_required", false);
    s.temperature_sensitive = e.value("temperature_sensitive", false);
    out.push_back(std::move(s));
  }
  return out;
}

Status check_options(const SimOptions& o) {
  auto finite_nonneg = [](double d) { return std::isfinite(d) && d >= 0; };
  if (o.catalogue.empty()) return Status::Error("the catalogue is empty");
  if (!(std::isfinite(o.speed) && o.speed > 0 && o.speed <= 1e6)) {
    return Status::Error("the speed must be above 0 and at most 1000000");
  }
  if (o.currency.size() != 3 || !std::all_of(o.currency.begin(), o.currency.end(),
                                             [](char c) { return c >= 'A' && c <= 'Z'; })) {
    return Status::Error("the currency must be three capital letters (ISO 4217)");
  }
  if (!(finite_nonneg(o.ship_after) && finite_nonneg(o.out_after) &&
        finite_nonneg(o.deliver_after))) {
    return Status::Error("the timeline's durations must be finite and not negative");
  }
  if (!(std::isfinite(o.quote_ttl) && o.quote_ttl > 0))
    return Status::Error("the quote lifetime must be above 0");
  if (!(std::isfinite(o.doorstep_window) && o.doorstep_window > 0 &&
        std::isfinite(o.trunk_window) && o.trunk_window > 0)) {
    return Status::Error("the delivery windows must be wider than 0");
  }
  if (!(finite_nonneg(o.signature_value)))
    return Status::Error("the signature value must not be negative");
  if (o.max_quantity < 1) return Status::Error("the most units of one SKU must be at least 1");
  for (double r : {o.fail_rate, o.lost_answer_rate}) {
    if (!(r >= 0 && r <= 1)) return Status::Error("failure rates must be from 0 to 1");
  }
  if (!o.callback_url.empty() && o.webhook_secret.empty()) {
    return Status::Error("status callbacks need a webhook secret to sign them");
  }
  return Status::Ok();
}

SimReply error_reply(int status, const std::string& code, const std::string& message) {
  return {status, {{"error", {{"code", code}, {"message", message}}}}};
}

std::string sign_body(const std::string& secret, const std::string& body) {
  return signature_header(secret, body);
}

bool is_uuid(const std::string& key) {
  if (key.size() != 36) return false;
  for (std::size_t i = 0; i < key.size(); ++i) {
    char c = key[i];
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (c != '-') return false;
    } else if (!std::isxdigit(static_cast<unsigned char>(c))) {
      return false;
    }
  }
  return true;
}

RetailerSim::RetailerSim(const Clock& clock, SimOptions options)
    : clock_(clock), options_(std::move(options)), faults_(options_.seed) {
  faults_.set_rates(options_.fail_rate, options_.lost_answer_rate);
}

double RetailerSim::now() const { return clock_.now() + offset_; }

void RetailerSim::advance(double seconds) {
  if (std::isfinite(seconds) && seconds > 0) offset_ += seconds;
  tick();
}

std::optional<double> RetailerSim::price(const std::string& sku) const {
  const Sku* s = find_sku(sku);
  if (!s) return std::nullopt;
  return s->price;
}

const Sku* RetailerSim::find_sku(const std::string& sku) const {
  for (const auto& s : options_.catalogue) {
    if (s.sku == sku) return &s;
  }
  return nullptr;
}

RetailerSim::Quote RetailerSim::make_quote(std::vector<Item> items) {
  Quote q;
  q.id = "q" + std::to_string(next_quote_++);
  double total = 0;
  double weight = 0;
  std::array<int, 3> box{0, 0, 0};
  bool signature = false;
  bool cold = false;
  for (auto& item : items) {
    const Sku* s = find_sku(item.sku);  // the callers checked every SKU
    item.unit_price = s->price;
    total += s->price * item.quantity;
    weight += s->weight_kg * item.quantity;
    // Units stand side by side on their largest faces: a simple, stable box.
    std::array<int, 3> d = s->dims_cm;
    std::sort(d.begin(), d.end(), std::greater<>());
    box[0] = std::max(box[0], d[0]);
    box[1] = std::max(box[1], d[1]);
    box[2] += d[2] * item.quantity;
    signature = signature || s->signature_required;
    cold = cold || s->temperature_sensitive;
  }
  q.items = std::move(items);
  q.total = money(total);
  signature = signature || q.total >= options_.signature_value;
  q.package = {{"weight_kg", std::round(weight * 1000) / 1000},
               {"dims_cm", box},
               {"value", q.total},
               {"signature_required", signature},
               {"temperature_sensitive", cold}};
  double t = now();
  double speed = options_.speed;
  double start =
      stamp(t + (options_.ship_after + options_.out_after + options_.deliver_after) / speed);
  q.doorstep = {start, stamp(start + options_.doorstep_window / speed)};
  if (!signature) q.trunk = Window{start, stamp(start + options_.trunk_window / speed)};
  q.created = stamp(t);
  q.expires_at = stamp(t + options_.quote_ttl / speed);
  return q;
}

nlohmann::json RetailerSim::quote_json(const Quote& q) const {
  nlohmann::json items = nlohmann::json::array();
  for (const auto& i : q.items)
    items.push_back(item_json(i.sku, i.quantity, i.unit_price, i.substitute_for));
  nlohmann::json options = nlohmann::json::array();
  options.push_back(
      {{"method", "doorstep"}, {"window", window_json(q.doorstep.start, q.doorstep.end)}});
  if (q.trunk)
    options.push_back({{"method", "trunk"}, {"window", window_json(q.trunk->start, q.trunk->end)}});
  return {{"quote_id", q.id},          {"items", std::move(items)},
          {"total", q.total},          {"currency", options_.currency},
          {"package", q.package},      {"delivery_options", std::move(options)},
          {"expires_at", q.expires_at}};
}

SimReply RetailerSim::quote(const nlohmann::json& body) {
  tick();
  Status err = check_object(body, {"items"}, "the quote request");
  if (!err) return error_reply(400, "bad_request", err.message());
  if (!body.contains("items") || !body["items"].is_array() || body["items"].empty() ||
      body["items"].size() > 50) {
    return error_reply(400, "bad_request",
                       "the quote request needs \"items\": an array of 1 to 50 items");
  }
  std::vector<Item> items;
  std::set<std::string> seen;
  for (std::size_t i = 0; i < body["items"].size(); ++i) {
    const auto& e = body["items"][i];
    std::string what = "items[" + std::to_string(i) + "]";
    err = check_object(e, {"sku", "quantity"}, what);
    if (!err) return error_reply(400, "bad_request", err.message());
    auto sku = string_at(e, "sku", what, 64, err);
    if (!sku) return error_reply(400, "bad_request", err.message());
    auto quantity = integer_at(e, "quantity", what, 1, 1000000, err);
    if (!quantity) return error_reply(400, "bad_request", err.message());
    if (!seen.insert(*sku).second) {
      return error_reply(400, "bad_request",
                         "SKU " + *sku + " is listed twice; give one item per SKU");
    }
    items.push_back({*sku, static_cast<int>(*quantity), 0, std::nullopt});
  }
  for (const auto& item : items) {
    if (!find_sku(item.sku))
      return error_reply(422, "unknown_sku", "no SKU " + item.sku + " in the catalogue");
    if (item.quantity > options_.max_quantity) {
      return error_reply(422, "quantity_limit",
                         "at most " + std::to_string(options_.max_quantity) + " units of " +
                             item.sku + " per order");
    }
  }
  for (auto& item : items) {
    auto sub =
        faults_.take(FaultKind::substitute, [&](const Fault& f) { return f.sku == item.sku; });
    if (!sub) continue;
    item.substitute_for = item.sku;
    item.sku = sub->with;
  }
  Quote q = make_quote(std::move(items));
  nlohmann::json answer = quote_json(q);
  quote_ids_.push_back(q.id);
  quotes_.emplace(q.id, std::move(q));
  prune_quotes();
  return {200, std::move(answer)};
}

void RetailerSim::prune_quotes() {
  while (quote_ids_.size() > kMaxQuotes) {
    quotes_.erase(quote_ids_.front());
    quote_ids_.pop_front();
  }
}

void RetailerSim::presented(const std::string& key) {
  if (!is_uuid(key)) return;  // not a key place() could accept
  auto it = keys_.find(key);
  if (it == keys_.end()) {
    if (keys_.size() >= kMaxKeys) return;
    it = keys_.emplace(key, KeyUse{}).first;
  }
  ++it->second.presented;
}

SimReply RetailerSim::add_faults(const nlohmann::json& body) {
  std::vector<Fault> parsed;
  std::optional<double> fail_rate;
  std::optional<double> lost_rate;
  if (body.is_object() && body.contains("kind")) {
    auto f = parse_fault(body);
    if (!f) return error_reply(400, "bad_request", f.status().message());
    parsed.push_back(std::move(*f));
  } else {
    Status err =
        check_object(body, {"faults", "fail_rate", "lost_answer_rate"}, "the faults request");
    if (!err) return error_reply(400, "bad_request", err.message());
    if (body.contains("faults")) {
      const auto& list = body["faults"];
      if (!list.is_array() || list.size() > 1000) {
        return error_reply(400, "bad_request",
                           "\"faults\" must be an array of at most 1000 faults");
      }
      for (std::size_t i = 0; i < list.size(); ++i) {
        auto f = parse_fault(list[i]);
        if (!f)
          return error_reply(400, "bad_request",
                             "faults[" + std::to_string(i) + "]: " + f.status().message());
        parsed.push_back(std::move(*f));
      }
    }
    for (auto [key, slot] :
         {std::pair{"fail_rate", &fail_rate}, std::pair{"lost_answer_rate", &lost_rate}}) {
      if (!body.contains(key)) continue;
      auto r = number_at(body, key, "the faults request", err);
      if (!r || *r < 0 || *r > 1) {
        return error_reply(400, "bad_request",
                           std::string("\"") + key + "\" must be a number from 0 to 1");
      }
      *slot = *r;
    }
  }
  for (const auto& f : parsed) {
    for (const std::string* sku : {&f.sku, &f.with}) {
      if (!sku->empty() && !find_sku(*sku)) {
        return error_reply(422, "unknown_sku", "no SKU " + *sku + " in the catalogue");
      }
    }
  }
  for (auto& f : parsed) faults_.add(std::move(f));
  faults_.set_rates(fail_rate.value_or(faults_.fail_rate()),
                    lost_rate.value_or(faults_.lost_answer_rate()));
  return {200, faults_.to_json()};
}

std::vector<Callback> RetailerSim::take_callbacks() {
  std::vector<Callback> out(std::make_move_iterator(callbacks_.begin()),
                            std::make_move_iterator(callbacks_.end()));
  callbacks_.clear();
  return out;
}

nlohmann::json RetailerSim::report() const {
  nlohmann::json orders = nlohmann::json::array();
  for (const auto& o : orders_) {
    nlohmann::json j = order_json(o);
    auto k = keys_.find(o.key);
    j["idempotency_key"] = o.key;
    j["presented"] = k == keys_.end() ? 0 : k->second.presented;
    j["placed_at"] = o.placed_at;
    if (!o.carrier_api.empty()) j["carrier_api"] = o.carrier_api;
    nlohmann::json history = nlohmann::json::array();
    for (const auto& [status, at] : o.history) history.push_back({{"status", status}, {"at", at}});
    j["history"] = std::move(history);
    orders.push_back(std::move(j));
  }
  nlohmann::json keys = nlohmann::json::array();
  for (const auto& [key, use] : keys_) {
    keys.push_back(
        {{"key", key},
         {"presented", use.presented},
         {"order_id", use.order_id.empty() ? nlohmann::json() : nlohmann::json(use.order_id)}});
  }
  return {{"now", stamp(now())},
          {"orders", std::move(orders)},
          {"keys", std::move(keys)},
          {"quotes", quotes_.size()},
          {"callbacks",
           {{"queued", callbacks_.size()},
            {"sent", callbacks_ok_},
            {"failed", callbacks_failed_},
            {"dropped", callbacks_dropped_}}}};
}

}  // namespace larder::sandbox
