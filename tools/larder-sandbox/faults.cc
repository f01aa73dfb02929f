#include "faults.h"

#include <array>
#include <utility>

#include "json_check.h"

namespace larder::sandbox {

namespace {

constexpr double kMaxDelaySeconds = 300;
constexpr int kMaxCount = 100000;
constexpr std::size_t kMaxText = 64;

std::optional<Route> route_from(const std::string& name) {
  for (Route r : {Route::quotes, Route::orders, Route::order, Route::cancel, Route::delivery}) {
    if (name == route_name(r)) return r;
  }
  return std::nullopt;
}

}  // namespace

const char* route_name(Route route) {
  switch (route) {
    case Route::quotes:
      return "quotes";
    case Route::orders:
      return "orders";
    case Route::order:
      return "order";
    case Route::cancel:
      return "cancel";
    case Route::delivery:
      return "delivery";
  }
  return "?";
}

const char* fault_kind_name(FaultKind kind) {
  switch (kind) {
    case FaultKind::error:
      return "error";
    case FaultKind::slow:
      return "slow";
    case FaultKind::hang:
      return "hang";
    case FaultKind::price_change:
      return "price_change";
    case FaultKind::substitute:
      return "substitute";
    case FaultKind::fail_order:
      return "fail_order";
  }
  return "?";
}

nlohmann::json Fault::to_json() const {
  nlohmann::json j = {{"kind", fault_kind_name(kind)}, {"count", count}};
  switch (kind) {
    case FaultKind::error:
      j["status"] = status;
      j["after"] = after;
      if (retry_after > 0) j["retry_after"] = retry_after;
      break;
    case FaultKind::slow:
    case FaultKind::hang:
      j["delay_ms"] = static_cast<long long>(delay * 1000 + 0.5);
      if (kind == FaultKind::hang) j["after"] = after;
      break;
    case FaultKind::price_change:
      if (!sku.empty()) j["sku"] = sku;
      if (price) j["price"] = *price;
      break;
    case FaultKind::substitute:
      j["sku"] = sku;
      j["with"] = with;
      break;
    case FaultKind::fail_order:
      j["stage"] = stage;
      j["reason"] = reason;
      break;
  }
  if (kind == FaultKind::error || kind == FaultKind::slow || kind == FaultKind::hang) {
    j["route"] = route ? route_name(*route) : "any";
  }
  if (random) j["random"] = true;
  return j;
}

Result<Fault> parse_fault(const nlohmann::json& j) {
  Status err;
  if (!j.is_object()) return Status::Error("a fault must be a JSON object");
  auto kind_text = string_at(j, "kind", "a fault", kMaxText, err);
  if (!kind_text) return err;
  Fault f;
  const std::string& k = *kind_text;
  std::string what = "a " + k + " fault";
  if (k == "error") {
    f.kind = FaultKind::error;
    err = check_object(j, {"kind", "count", "route", "status", "after", "retry_after"}, what);
  } else if (k == "slow" || k == "hang") {
    f.kind = k == "slow" ? FaultKind::slow : FaultKind::hang;
    err = k == "slow" ? check_object(j, {"kind", "count", "route", "delay_ms"}, what)
                      : check_object(j, {"kind", "count", "route", "delay_ms", "after"}, what);
  } else if (k == "price_change") {
    f.kind = FaultKind::price_change;
    err = check_object(j, {"kind", "count", "sku", "price"}, what);
  } else if (k == "substitute") {
    f.kind = FaultKind::substitute;
    err = check_object(j, {"kind", "count", "sku", "with"}, what);
  } else if (k == "fail_order") {
    f.kind = FaultKind::fail_order;
    err = check_object(j, {"kind", "count", "stage", "reason"}, what);
  } else {
    return Status::Error("unknown fault kind '" + k +
                         "' (error, slow, hang, price_change, substitute, fail_order)");
  }
  if (!err) return err;

  if (j.contains("count")) {
    auto c = integer_at(j, "count", what, 1, kMaxCount, err);
    if (!c) return err;
    f.count = static_cast<int>(*c);
  }
  if (j.contains("route")) {
    auto r = string_at(j, "route", what, kMaxText, err);
    if (!r) return err;
    if (*r != "any") {
      f.route = route_from(*r);
      if (!f.route) {
        return Status::Error(what + ": unknown route '" + *r +
                             "' (any, quotes, orders, order, cancel, delivery)");
      }
    }
  }
  if (j.contains("after")) {
    if (!j["after"].is_boolean()) return Status::Error(what + ": \"after\" must be true or false");
    f.after = j["after"].get<bool>();
  }
  switch (f.kind) {
    case FaultKind::error: {
      if (j.contains("status")) {
        auto s = integer_at(j, "status", what, 429, 599, err);
        if (!s) return err;
        if (*s != 429 && *s < 500)
          return Status::Error(what + ": \"status\" must be 429 or 500-599");
        f.status = static_cast<int>(*s);
      }
      if (j.contains("retry_after")) {
        auto s = integer_at(j, "retry_after", what, 0, 3600, err);
        if (!s) return err;
        f.retry_after = static_cast<int>(*s);
      }
      break;
    }
    case FaultKind::slow:
    case FaultKind::hang: {
      f.delay = f.kind == FaultKind::hang ? 30 : 2;
      if (j.contains("delay_ms")) {
        auto d = integer_at(j, "delay_ms", what, 0, static_cast<long long>(kMaxDelaySeconds * 1000),
                            err);
        if (!d) return err;
        f.delay = static_cast<double>(*d) / 1000;
      }
      break;
    }
    case FaultKind::price_change: {
      if (j.contains("sku")) {
        auto s = string_at(j, "sku", what, kMaxText, err);
        if (!s) return err;
        f.sku = *s;
      }
      if (j.contains("price")) {
        auto p = number_at(j, "price", what, err);
        if (!p) return err;
        if (*p <= 0 || *p > 1e6)
          return Status::Error(what + ": \"price\" must be above 0 and at most 1000000");
        f.price = *p;
      }
      break;
    }
    case FaultKind::substitute: {
      auto s = string_at(j, "sku", what, kMaxText, err);
      if (!s) return err;
      auto w = string_at(j, "with", what, kMaxText, err);
      if (!w) return err;
      if (*s == *w) return Status::Error(what + ": \"with\" must differ from \"sku\"");
      f.sku = *s;
      f.with = *w;
      break;
    }
    case FaultKind::fail_order: {
      if (j.contains("stage")) {
        auto s = string_at(j, "stage", what, kMaxText, err);
        if (!s) return err;
        if (*s != "shipped" && *s != "out_for_delivery" && *s != "delivered") {
          return Status::Error(what + ": \"stage\" must be shipped, out_for_delivery or delivered");
        }
        f.stage = *s;
      }
      if (j.contains("reason")) {
        auto r = string_at(j, "reason", what, kMaxText, err);
        if (!r) return err;
        f.reason = *r;
      }
      break;
    }
  }
  return f;
}

void FaultBook::clear() {
  scripted_.clear();
  fail_rate_ = 0;
  lost_rate_ = 0;
}

void FaultBook::set_rates(double fail_rate, double lost_answer_rate) {
  fail_rate_ = fail_rate;
  lost_rate_ = lost_answer_rate;
}

std::optional<Fault> FaultBook::consume(std::deque<Fault>::iterator it) {
  Fault f = *it;
  f.count = 1;
  if (--it->count <= 0) scripted_.erase(it);
  return f;
}

std::optional<Fault> FaultBook::take_http(Route route) {
  for (auto it = scripted_.begin(); it != scripted_.end(); ++it) {
    bool http =
        it->kind == FaultKind::error || it->kind == FaultKind::slow || it->kind == FaultKind::hang;
    if (http && (!it->route || *it->route == route)) return consume(it);
  }
  std::uniform_real_distribution<double> uniform(0.0, 1.0);
  if (fail_rate_ > 0 && uniform(rng_) < fail_rate_) {
    static constexpr std::array<int, 3> kStatuses = {500, 502, 503};
    Fault f;
    f.status = kStatuses[std::uniform_int_distribution<std::size_t>(0, kStatuses.size() - 1)(rng_)];
    f.random = true;
    ++random_failures_;
    return f;
  }
  if (lost_rate_ > 0 && uniform(rng_) < lost_rate_) {
    Fault f;
    f.status = 502;
    f.after = true;
    f.random = true;
    ++random_failures_;
    return f;
  }
  return std::nullopt;
}

std::optional<Fault> FaultBook::take(FaultKind kind,
                                     const std::function<bool(const Fault&)>& matches) {
  for (auto it = scripted_.begin(); it != scripted_.end(); ++it) {
    if (it->kind == kind && matches(*it)) return consume(it);
  }
  return std::nullopt;
}

nlohmann::json FaultBook::to_json() const {
  nlohmann::json list = nlohmann::json::array();
  for (const auto& f : scripted_) list.push_back(f.to_json());
  return {{"fail_rate", fail_rate_},
          {"lost_answer_rate", lost_rate_},
          {"scripted", std::move(list)},
          {"random_failures", random_failures_}};
}

}  // namespace larder::sandbox
