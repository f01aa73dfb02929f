// Fuzz target: the retailers' answers as the adapters read them (daemon/adapters/retailer/
// retailer_answers.cc, apart from the network I/O): the sandbox's answers to a quote, a
// place, a cancel, a status and a delivery change (shared/contract/retailer-v1.md), mapped
// onto the port's outcomes; Grocy's shopping list rows (what is still open of an order,
// an order's lines found by its note); and describe(), the words every adapter (webhook
// too) puts into an order's reason from a failed answer.
// Input: a first line "<call> <status>" (call: quote, place, cancel, status, delivery,
// grocy; status: the HTTP status, 0 for no answer), then the body. Checks: windows are
// finite and not reversed, ids and reasons are short, a delivery change's reasons never
// carry the trunk's code sent with it, Grocy's lines are within their bounds and what is
// open is among the order's products, and every text dumps as JSON with replacement.
// Seeds: fuzz/corpus/retailer_answer/.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "adapters/retailer/retailer_answers.h"

namespace {

using nlohmann::json;
using namespace larder;
using namespace larder::retailer;

constexpr const char* kCode = "A1b2C3d4E5f6G7h8J9k0";  // the trunk's code sent with the change

[[noreturn]] void trap() { __builtin_trap(); }

void text(const std::string& s) {
  (void)json(s).dump(-1, ' ', false, json::error_handler_t::replace);
}

void window(const std::optional<orders::Window>& w) {
  if (w && (!std::isfinite(w->start) || !std::isfinite(w->end) || w->end < w->start)) trap();
}

void finite(const std::optional<double>& d) {
  if (d && !std::isfinite(*d)) trap();
}

void sandbox_answer(std::string_view call, const HttpReply& r) {
  if (call == "quote") {
    auto q = sandbox::quote_outcome(r);
    text(q.reason);
    if (q.quote && q.quote->quote_id.empty()) trap();
  } else if (call == "place") {
    auto p = sandbox::place_result(r);
    text(p.reason);
    if (p.kind == orders::PlaceResult::Kind::ok) {
      if (p.retailer_order_id.empty() || p.retailer_order_id.size() > 256) trap();
      window(p.window);
      finite(p.eta);
    }
  } else if (call == "cancel") {
    text(sandbox::cancel_result(r).reason);
  } else if (call == "status") {
    auto s = sandbox::status_outcome(r);
    text(s.reason);
    if (s.status) {
      if (s.status->status.empty() || s.status->reason.size() > 256) trap();
      window(s.status->window);
      finite(s.status->eta);
    }
  } else if (call == "delivery") {
    auto d = sandbox::delivery_outcome(r, std::string(kCode));
    if (d.reason.find(kCode) != std::string::npos) trap();
    if (d.error_code.find(kCode) != std::string::npos) trap();
    text(d.reason);
    text(d.error_code);
    window(d.window);
  }
}

void grocy_rows(const HttpReply& r) {
  auto rows = json_body(r);
  if (!rows || !rows->is_array()) return;
  const std::string note = "Larder order 0f8fad5b-d9cb-469f-a165-70867728950e";
  auto lines = grocy::open_lines(*rows, 1, note);
  for (const auto& l : lines) {
    if (l.product_id < 1 || l.amount < 1 || l.amount > 1000000) trap();
  }
  // The order's products as the adapter knows them, and the rows' own products.
  std::vector<grocy::Line> order = {{1, 1}, {2, 3}, {2147483647, 1}};
  for (const auto& l : lines) order.push_back(l);
  for (int open : grocy::open_on_list(*rows, 1, note, order)) {
    bool known = false;
    for (const auto& l : order) known = known || l.product_id == open;
    if (!known) trap();
  }
  for (const json& row : *rows) {
    if (!row.is_object()) continue;
    (void)grocy::integer_at(row, "amount");
    if (auto n = row.find("note"); n != row.end() && n->is_string()) {
      (void)grocy::note_of(n->get<std::string>());
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view all(reinterpret_cast<const char*>(data), size);
  std::size_t nl = all.find('\n');
  if (nl == std::string_view::npos) return 0;
  std::string_view head = all.substr(0, nl);
  std::size_t sp = head.find(' ');
  if (sp == std::string_view::npos || head.size() - sp > 4) return 0;
  int status = 0;
  for (char c : head.substr(sp + 1)) {
    if (c < '0' || c > '9') return 0;
    status = status * 10 + (c - '0');
  }
  HttpReply r;
  r.status = status;
  r.body = std::string(all.substr(nl + 1));
  if (status == 0) r.error = r.body;
  r.too_large = r.body.size() > kMaxAnswerBytes;
  const std::string_view call = head.substr(0, sp);
  text(describe(r));
  if (call == "grocy") {
    grocy_rows(r);
  } else {
    sandbox_answer(call, r);
  }
  return 0;
}
