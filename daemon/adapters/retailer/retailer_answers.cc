// The retailers' answers read apart from the network I/O (retailer_answers.h): the helpers
// of retailer_http.h that need no cpprestsdk, the sandbox's answers and Grocy's rows.
#include "adapters/retailer/retailer_answers.h"

#include <algorithm>
#include <cmath>
#include <string_view>
#include <utility>

#include "larder/json_input.h"

namespace larder::retailer {

std::string printable(std::string_view s, std::size_t max) {
  std::string out;
  for (char c : s.substr(0, max)) out += (c >= 0x20 && c < 0x7f) ? c : ' ';
  if (s.size() > max) out += "...";
  return out;
}

std::string encode_segment(std::string_view segment) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (char ch : segment) {
    auto c = static_cast<unsigned char>(ch);
    bool plain = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                 c == '-' || c == '.' || c == '_' || c == '~';
    if (plain) {
      out += ch;
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 0xf];
    }
  }
  return out;
}

bool retryable(const HttpReply& r) { return r.status == 0 || r.status == 429 || r.status >= 500; }

bool success(const HttpReply& r) { return r.status >= 200 && r.status < 300; }

bool unjudged(const HttpReply& r) {
  if (r.status == 401 || r.status == 403) return true;
  if (r.status != 422) return false;
  auto j = json_body(r);
  if (!j || !j->is_object() || !j->contains("error") || !(*j)["error"].is_object()) return false;
  auto code = short_string((*j)["error"], "code");
  return code && *code == "idempotency_key_reused";
}

std::optional<nlohmann::json> json_body(const HttpReply& r) {
  if (r.too_large || r.body.empty()) return std::nullopt;
  std::string repeated;  // an answer naming a key twice is as unreadable as bad JSON
  auto j = parse_json_input(r.body, repeated);
  if (j.is_discarded()) return std::nullopt;
  return j;
}

std::string describe(const HttpReply& r) {
  if (r.status == 0) return "no answer: " + r.error;
  std::string s = "HTTP " + std::to_string(r.status);
  if (r.too_large) return s + " (an answer over 256 KiB)";
  if (auto j = json_body(r); j && j->is_object()) {
    const auto* e = j->contains("error") ? &(*j)["error"] : nullptr;
    if (e && e->is_object()) {
      auto code = short_string(*e, "code");
      auto message = short_string(*e, "message");
      if (code) s += " " + printable(*code, 64);
      if (message) s += ": " + printable(*message, 200);
      if (code || message) return s;
    }
    if (auto m = short_string(*j, "error_message")) return s + ": " + printable(*m, 200);  // Grocy
  }
  if (!r.body.empty()) s += ": " + printable(r.body, 120);
  return s;
}

std::string json_text(const nlohmann::json& j) {
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::optional<std::string> short_string(const nlohmann::json& j, const char* key) {
  if (!j.is_object()) return std::nullopt;
  auto it = j.find(key);
  if (it == j.end() || !it->is_string()) return std::nullopt;
  const auto& s = it->get_ref<const std::string&>();
  if (s.empty() || s.size() > 256) return std::nullopt;
  return s;
}

std::optional<double> finite_number(const nlohmann::json& j, const char* key) {
  if (!j.is_object()) return std::nullopt;
  auto it = j.find(key);
  if (it == j.end() || !it->is_number()) return std::nullopt;
  double d = it->get<double>();
  if (!std::isfinite(d)) return std::nullopt;
  return d;
}

namespace sandbox {

using nlohmann::json;
using orders::CancelResult;
using orders::PlaceResult;

namespace {
const std::set<std::string> kStatuses = {"placed",    "shipped",   "out_for_delivery",
                                         "delivered", "cancelled", "failed"};
}  // namespace

std::optional<orders::Window> window_at(const json& j, const char* key) {
  if (!j.is_object() || !j.contains(key) || !j[key].is_object()) return std::nullopt;
  auto start = finite_number(j[key], "start");
  auto end = finite_number(j[key], "end");
  if (!start || !end || *end < *start) return std::nullopt;
  return orders::Window{*start, *end};
}

std::string timing_at(const json& j, std::optional<double>& eta,
                      std::optional<orders::Window>& window) {
  eta = finite_number(j, "eta");
  window = window_at(j, "window");
  std::string ignored;
  auto given = [&j](const char* key) {
    return j.is_object() && j.contains(key) && !j[key].is_null();
  };
  if (!eta && given("eta")) ignored = "\"eta\" " + printable(json_text(j["eta"]), 60);
  if (!window && given("window")) {
    if (!ignored.empty()) ignored += ", ";
    ignored += "\"window\" " + printable(json_text(j["window"]), 120);
  }
  if (ignored.empty()) return ignored;
  return "left out " + ignored +
         " (eta: epoch seconds; window: {\"start\",\"end\"}, start <= end)";
}

orders::QuoteOutcome quote_outcome(const HttpReply& r) {
  orders::QuoteOutcome out;
  if (success(r)) {
    auto j = json_body(r);
    if (!j) {
      // Garbled on the way (or a proxy's page): asking again may well work.
      out.retryable = true;
      out.reason = "the retailer's quote is not JSON (" + describe(r) + ")";
      return out;
    }
    auto q = orders::parse_quote(*j);
    if (q.ok()) {
      out.quote = std::move(q.value());
    } else {
      out.reason = "the retailer's quote is invalid: " + q.status().message();
    }
    return out;
  }
  out.retryable = retryable(r);
  out.reason = describe(r);
  return out;
}

PlaceResult place_result(const HttpReply& r) {
  PlaceResult out;
  if (success(r)) {
    auto j = json_body(r);
    auto id = j ? short_string(*j, "order_id") : std::nullopt;
    if (!id) {
      // The order may well exist: the same key again returns it.
      out.kind = PlaceResult::Kind::retryable;
      out.reason = "the retailer's answer names no order_id (" + describe(r) + ")";
      return out;
    }
    out.kind = PlaceResult::Kind::ok;
    out.retailer_order_id = *id;
    out.ignored = timing_at(*j, out.eta, out.window);
    return out;
  }
  out.reason = describe(r);
  if (r.status == 409) {
    // An expired, used or re-priced quote: nothing was placed under the key.
    out.kind = PlaceResult::Kind::quote_expired;
    auto j = json_body(r);
    if (j && j->is_object() && j->contains("error") && (*j)["error"].is_object() &&
        (*j)["error"].contains("quote")) {
      auto q = orders::parse_quote((*j)["error"]["quote"]);
      if (q.ok()) out.quote = std::move(q.value());
    }
    return out;
  }
  out.kind = retryable(r) ? PlaceResult::Kind::retryable : PlaceResult::Kind::rejected;
  out.may_hold = out.kind == PlaceResult::Kind::rejected && unjudged(r);
  return out;
}

CancelResult cancel_result(const HttpReply& r) {
  CancelResult out;
  if (success(r)) return out;  // the order, cancelled (or already so)
  out.reason = describe(r);
  if (r.status == 409) {
    out.kind = CancelResult::Kind::too_late;  // shipped, or closed
  } else {
    out.kind = retryable(r) ? CancelResult::Kind::retryable : CancelResult::Kind::rejected;
  }
  return out;
}

// Puts `secret` nowhere it does not belong: a retailer (or a proxy's page) that echoes the
// request back must not carry the trunk's code into a reason, a log line or an event.
std::string without(std::string text, const std::optional<std::string>& secret) {
  if (!secret || secret->empty()) return text;
  for (std::size_t at = text.find(*secret); at != std::string::npos; at = text.find(*secret, at)) {
    text.replace(at, secret->size(), "[code]");
    at += 6;
  }
  return text;
}

orders::DeliveryChangeOutcome delivery_outcome(const HttpReply& r,
                                               const std::optional<std::string>& code) {
  orders::DeliveryChangeOutcome out;
  if (success(r)) {
    // The change is made; a garbled body only costs the window, which status() also gives.
    out.ok = true;
    if (auto j = json_body(r)) out.window = window_at(*j, "window");
    return out;
  }
  out.retryable = retryable(r);
  out.reason = without(describe(r), code);
  if (!out.retryable) {
    auto j = json_body(r);
    if (j && j->is_object() && j->contains("error")) {
      out.error_code = without(short_string((*j)["error"], "code").value_or(""), code);
    }
  }
  return out;
}

orders::StatusOutcome status_outcome(const HttpReply& r) {
  orders::StatusOutcome out;
  if (!success(r)) {
    out.reason = describe(r);
    out.final = !retryable(r);
    out.unknown_order = r.status == 404;
    return out;
  }
  auto j = json_body(r);
  auto status = j ? short_string(*j, "status") : std::nullopt;
  if (!status || kStatuses.count(*status) == 0) {
    out.reason = "the retailer's order has no known status (" + describe(r) + ")";
    return out;
  }
  orders::RetailerStatus s;
  s.status = *status;
  s.reason = short_string(*j, "reason").value_or("");
  out.ignored = timing_at(*j, s.eta, s.window);
  s.updated = finite_number(*j, "updated");  // orders it against the callbacks
  out.status = std::move(s);
  return out;
}

}  // namespace sandbox

namespace grocy {

using nlohmann::json;

namespace {
constexpr std::string_view kIdPrefix = "grocy-";
}  // namespace

std::optional<long long> integer_at(const json& row, const char* key) {
  auto it = row.find(key);
  if (it == row.end()) return std::nullopt;
  if (it->is_number_integer()) return it->get<long long>();
  if (it->is_number_float()) {
    // Cut to a whole number; beyond +-2^53 (or beyond long long, where the cast is UB) no
    // row holds a meaningful count or id.
    double d = it->get<double>();
    if (!(std::fabs(d) <= 9007199254740992.0)) return std::nullopt;
    return static_cast<long long>(d);
  }
  if (it->is_string()) {
    const auto& s = it->get_ref<const std::string&>();
    if (s.empty() || s.size() > 18 || s.find_first_not_of("0123456789") != std::string::npos) {
      return std::nullopt;
    }
    return std::stoll(s);
  }
  if (it->is_boolean()) return it->get<bool>() ? 1 : 0;
  return std::nullopt;
}

std::set<int> open_on_list(const json& rows, int list_id, const std::string& note,
                           const std::vector<Line>& lines) {
  std::set<int> wanted, open;
  for (const Line& l : lines) wanted.insert(l.product_id);
  for (const json& row : rows) {
    if (!row.is_object()) continue;
    auto list = integer_at(row, "shopping_list_id");
    auto product = integer_at(row, "product_id");
    auto n = row.find("note");
    if (list && *list != list_id) continue;  // the query should have filtered it already
    // An id beyond int would alias another product once cut to int.
    if (!product || *product < 1 || *product > 2147483647) continue;
    if (!wanted.count(static_cast<int>(*product))) continue;
    if (n == row.end() || !n->is_string() || n->get_ref<const std::string&>() != note) continue;
    if (integer_at(row, "done").value_or(0) != 0) continue;  // bought, not yet cleared
    open.insert(static_cast<int>(*product));
  }
  return open;
}

std::string retailer_order_id(const std::string& order_id) {
  return std::string(kIdPrefix) + order_id;
}

std::string note_for(const std::string& order_id) { return "Larder order " + order_id; }

std::optional<std::string> note_of(const std::string& retailer_order_id) {
  if (retailer_order_id.rfind(kIdPrefix, 0) != 0 || retailer_order_id.size() == kIdPrefix.size()) {
    return std::nullopt;
  }
  return note_for(retailer_order_id.substr(kIdPrefix.size()));
}

std::vector<Line> open_lines(const json& rows, int list_id, const std::string& note) {
  std::vector<Line> out;
  for (const json& row : rows) {
    if (!row.is_object()) continue;
    auto list = integer_at(row, "shopping_list_id");
    auto product = integer_at(row, "product_id");
    auto n = row.find("note");
    if ((list && *list != list_id) || !product || *product < 1 || *product > 2147483647) continue;
    if (n == row.end() || !n->is_string() || n->get_ref<const std::string&>() != note) continue;
    if (integer_at(row, "done").value_or(0) != 0) continue;
    long long amount = integer_at(row, "amount").value_or(1);
    out.push_back({static_cast<int>(*product),
                   static_cast<int>(std::clamp<long long>(amount, 1, 1000000))});
  }
  return out;
}

}  // namespace grocy

}  // namespace larder::retailer
