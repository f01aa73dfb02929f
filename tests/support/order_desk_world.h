// The order desk's world for its unit tests: the real hub and ledger with a manual clock, a
// store whose order commits can fail, and a recording retailer that answers when the test
// says so (order_desk_test.cc, order_desk_restart_test.cc).
#pragma once

#include <string>
#include <utility>
#include <vector>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "app/order_desk.h"
#include "support/fake_bus.h"
#include "support/recording_retailer.h"
#include "support/test_consumables.h"

namespace larder::test {

inline constexpr double kDeskT0 = 1764460800;

Config desk_config() {
  Config c;
  c.state_dir = "/nonexistent";
  ConsumableConfig coffee = test::coffee_beans();
  c.consumables = {coffee};
  ButtonConfig b;
  b.id = "coffee_button";
  b.consumable = "coffee";
  b.single = ButtonEffect::reorder;
  b.double_press = ButtonEffect::cancel;
  b.long_press = ButtonEffect::confirm;
  c.buttons = {b};
  c.orders.undo_window_s.button = 60;
  c.orders.undo_window_s.api = 0;
  c.orders.request_timeout_s = 30;
  c.retailer = RetailerConfig{};
  return c;
}

// A store whose order commits fail while `broken` (a full disk, a read-only file).
class FlakyStore final : public Store {
 public:
  bool broken = false;
  std::vector<StoredOrder> saved;
  void append(Reading r) override { inner_.append(std::move(r)); }
  void put_state(const std::string& c, std::string j, double u) override {
    inner_.put_state(c, std::move(j), u);
  }
  Status flush() override { return inner_.flush(); }
  std::size_t pending() const override { return inner_.pending(); }
  Result<std::vector<StoredState>> load_states() override { return inner_.load_states(); }
  Result<std::vector<Reading>> readings_after_states() override {
    return inner_.readings_after_states();
  }
  Result<std::vector<Reading>> readings(const std::string& c, double s, double u,
                                        std::size_t l) override {
    return inner_.readings(c, s, u, l);
  }
  Status save_order(const StoredOrder& o) override {
    if (broken) return Status::Error("disk full");
    saved.push_back(o);
    Status s = inner_.save_order(o);
    committed_with_order.push_back(*inner_.load_states());  // what a crash now would keep
    return s;
  }
  std::vector<std::vector<StoredState>> committed_with_order;
  std::vector<double> loaded_since;  // what each load_orders() was asked for
  Result<std::vector<StoredOrder>> load_orders(std::size_t n, double since,
                                               std::size_t max) override {
    loaded_since.push_back(since);
    return inner_.load_orders(n, since, max);
  }

 private:
  MemoryStore inner_;
};


struct Desk {
  Config config = desk_config();
  test::FakeBus bus;
  FlakyStore store;
  ManualClock clock{kDeskT0};
  Metrics metrics;
  Hub hub{config, bus, store, clock, metrics};
  FixedRandom random;
  RecordingRetailer retailer;
  OrderDesk desk{config, random, store, bus, hub, &retailer, clock, metrics};
  explicit Desk(Config c = desk_config()) : config(std::move(c)) { hub.set_order_actions(&desk); }

  std::vector<nlohmann::json> events(const std::string& kind) const {
    std::vector<nlohmann::json> out;
    for (const auto& m : bus.on("larder/v1/event")) {
      nlohmann::json j = nlohmann::json::parse(m.payload);
      if (j["kind"] == kind) out.push_back(j);
    }
    return out;
  }
  // An API order of one coffee, quoted and placed at the retailer as "r-1"; its id. (Any
  // other source: its undo window has passed first.)
  std::string place_api_order(orders::Source source = orders::Source::api) {
    auto r = desk.request(*desk.make_request("coffee", 1, source, false));
    REQUIRE(r.ok());
    if (source != orders::Source::api) {
      clock.advance(config.orders.undo_window_s.sensor + 1);
      desk.tick();
    }
    REQUIRE(retailer.quotes.size() == 1);
    retailer.quote_answers[0]({quote_for(retailer.quotes[0], clock.now()), false, ""});
    REQUIRE(retailer.places.size() == 1);
    orders::PlaceResult placed;
    placed.retailer_order_id = "r-1";
    retailer.place_answers[0](placed);
    return r.order_id;
  }
  // The retailer answers 404 for the placed order on three polls in a row: it fails.
  void forget_at_retailer() {
    orders::StatusOutcome gone;
    gone.reason = "HTTP 404 not_found: no order r-1";
    gone.final = gone.unknown_order = true;
    for (int i = 0; i < 3; ++i) {
      clock.advance(config.orders.poll_interval_s + 1);
      desk.tick();
      retailer.status_answers.back()(gone);
    }
  }
  void press(const std::string& action) {
    hub.on_message(Message{"larder/v1/button/coffee_button/press",
                           R"({"action":")" + action + R"("})", 1, false});
  }
};

}  // namespace larder::test
