// What the sandbox's unit tests share (sandbox_sim_test.cc: RetailerSim's rules,
// sandbox_api_test.cc: SandboxApi): the start of their manual clocks, idempotency keys, and
// order bodies built from a quote.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace larder::test::sandbox {

using nlohmann::json;

inline constexpr double kStart = 1'764'460'800;  // 2025-11-30 00:00 UTC
inline constexpr const char* kKey1 = "0b7f6f7c-5d47-4c1f-9d43-4a3f2d1e0a01";
inline constexpr const char* kKey2 = "0b7f6f7c-5d47-4c1f-9d43-4a3f2d1e0a02";
inline constexpr const char* kKey3 = "0B7F6F7C-5D47-4C1F-9D43-4A3F2D1E0A03";

inline json window_of(const json& quote, const std::string& method) {
  for (const auto& o : quote["delivery_options"]) {
    if (o["method"] == method) return o["window"];
  }
  return nullptr;
}

inline json vehicle() {
  return {{"make", "VW"},
          {"plate_hint", "B-LA 12"},
          {"parked_near", {{"lat", 52.52}, {"lon", 13.405}}}};
}

inline json order_body(const json& quote, const std::string& method = "trunk") {
  json d = {{"method", method}, {"window", window_of(quote, method)}};
  if (method == "trunk") d["vehicle"] = vehicle();
  return {{"quote_id", quote["quote_id"]}, {"delivery", d}};
}

}  // namespace larder::test::sandbox
