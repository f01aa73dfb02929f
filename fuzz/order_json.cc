// Fuzz target: the order records that come from outside the process (daemon/orders/
// order.cc): the retailer's quote (`POST /v1/quotes`' answer, parse_quote) and an order
// as the ledger saved it in the database (load_order, read back at every start). Both are
// read strictly; what one accepts must write back (quote_json, save_order) to a form it
// accepts again, unchanged: a record that saves but does not load would be lost at the
// next start. Input: JSON bytes. Seeds: fuzz/corpus/order_json/.
#include <cstddef>
#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "orders/order.h"

namespace {

using nlohmann::json;
using namespace larder::orders;

void quote(const json& j) {
  auto q = parse_quote(j);
  if (!q.ok()) return;
  const json once = quote_json(*q);
  auto again = parse_quote(once);
  if (!again.ok() || quote_json(*again) != once) __builtin_trap();
}

void order(const json& j) {
  auto o = load_order(j);
  if (!o.ok()) return;
  const json once = save_order(*o);
  auto again = load_order(once);
  if (!again.ok() || save_order(*again) != once) __builtin_trap();
  (void)state_json(*o).dump(-1, ' ', false, json::error_handler_t::replace);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  json j = json::parse(std::string(reinterpret_cast<const char*>(data), size), nullptr,
                       /*allow_exceptions=*/false);
  if (j.is_discarded()) return 0;
  quote(j);
  order(j);
  // The retailer wraps a quote in an error answer too ({"error":{"quote":...}}).
  if (j.is_object() && j.contains("quote")) quote(j["quote"]);
  return 0;
}
