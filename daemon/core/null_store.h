// NullStore: a Store that keeps nothing and holds nothing. `larderctl replay` runs the hub
// without a database (daemon/replay), and so do the fuzz targets (fuzz/).
// Thread rule: plain value; use from one thread.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "larder/store.h"

namespace larder {

class NullStore final : public Store {
 public:
  void append(Reading) override {}
  void put_state(const std::string&, std::string, double) override {}
  Status flush() override { return Status::Ok(); }
  std::size_t pending() const override { return 0; }
  Result<std::vector<StoredState>> load_states() override { return std::vector<StoredState>{}; }
  Result<std::vector<Reading>> readings_after_states() override { return std::vector<Reading>{}; }
  Result<std::vector<Reading>> readings(const std::string&, double, double,
                                        std::size_t) override {
    return std::vector<Reading>{};
  }
  Status save_order(const StoredOrder&) override { return Status::Ok(); }
  Result<std::vector<StoredOrder>> load_orders(std::size_t, double, std::size_t) override {
    return std::vector<StoredOrder>{};
  }
};

}  // namespace larder
