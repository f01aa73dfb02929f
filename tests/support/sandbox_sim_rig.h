// RetailerSim on a ManualClock, for the sandbox's unit tests (sandbox_sim_test.cc: its rules,
// sandbox_faults_test.cc: its faults), and the error code of a refused reply.
#pragma once

#include <memory>
#include <string>
#include <utility>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "retailer_sim.h"
#include "support/sandbox_fixtures.h"

namespace larder::test::sandbox {

using larder::ManualClock;
using larder::sandbox::RetailerSim;
using larder::sandbox::SimOptions;
using larder::sandbox::SimReply;

struct Sim {
  ManualClock clock{kStart};
  SimOptions options;
  std::unique_ptr<RetailerSim> sim;

  explicit Sim(SimOptions o = {}) : options(std::move(o)) {
    REQUIRE(check_options(options).ok());
    sim = std::make_unique<RetailerSim>(clock, options);
  }
  RetailerSim* operator->() { return sim.get(); }

  json quote(const std::string& sku = "COFFEE-500", int quantity = 1) {
    SimReply r = sim->quote({{"items", {{{"sku", sku}, {"quantity", quantity}}}}});
    REQUIRE_MESSAGE(r.status == 200, r.body.dump());
    return r.body;
  }
};

inline std::string code(const SimReply& r) {
  REQUIRE_MESSAGE(r.body.contains("error"), r.body.dump());
  CHECK(r.body["error"]["message"].is_string());
  CHECK_FALSE(r.body["error"]["message"].get<std::string>().empty());
  return r.body["error"]["code"].get<std::string>();
}

}  // namespace larder::test::sandbox
