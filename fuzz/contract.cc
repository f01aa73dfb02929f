// Fuzz target: the canonical contract's parser (daemon/core/contract.cc) on any topic and
// payload under larder/v1, as raw MQTT bytes and, when the payload is JSON, as the parsed
// value `larderctl replay` hands it. A rejection's reason may quote invalid UTF-8 from the
// topic: it must dump as the hub publishes it on larder/v1/error (error_handler replace).
// Input: "<topic>\n<payload>" (fuzz_support.h). Seeds: fuzz/corpus/contract/.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include <nlohmann/json.hpp>

#include "core/contract.h"
#include "fuzz_support.h"

namespace {

void check(const larder::contract::Parsed& p) {
  if (p.ok()) {
    (void)larder::contract::input_kind(*p.input);
    (void)larder::contract::retained_may_initialise(*p.input);
    (void)larder::contract::input_ts(*p.input);
    (void)larder::contract::consumable_of(*p.input);
    return;
  }
  try {
    (void)nlohmann::json({{"reason", p.rejection.reason}, {"kind", p.rejection.kind}})
        .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  } catch (const nlohmann::json::exception&) {
    std::abort();  // a reason that breaks the error report
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  larder::Message m = larder::fuzz::message(data, size);
  check(larder::contract::parse_input("larder/v1", m));
  nlohmann::json payload = nlohmann::json::parse(m.payload, nullptr, false);
  if (!payload.is_discarded()) check(larder::contract::parse_input("larder/v1", m, &payload));
  return 0;
}
