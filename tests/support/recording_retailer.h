// Stand-ins for the retailer port and the random source in unit tests of the order desk
// and of what drives it (the voice conversation): the retailer records the port's calls
// and the test answers them. The adapters have their own tests against real servers
// (tests/integration/*_retailer_test.cc); the whole path runs end to end against the real
// larder-sandbox in tests/integration/sandbox_orders_test.cc and voice_hermes_test.cc.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <vector>

#include "orders/random.h"
#include "orders/retailer.h"

namespace larder::test {

// Records the port's calls; the test answers them.
class RecordingRetailer final : public orders::Retailer {
 public:
  std::vector<std::vector<orders::Item>> quotes;
  std::vector<std::function<void(orders::QuoteOutcome)>> quote_answers;
  std::vector<orders::PlaceCall> places;
  std::vector<std::function<void(orders::PlaceResult)>> place_answers;
  std::vector<std::string> cancels;
  std::vector<orders::DeliveryChange> deliveries;
  std::vector<std::function<void(orders::DeliveryChangeOutcome)>> delivery_answers;
  bool trunk = false;  // what offers_trunk() says (as webhook and grocy by default)
  std::string kind() const override { return "recording"; }
  void quote(const std::vector<orders::Item>& items,
             std::function<void(orders::QuoteOutcome)> done) override {
    quotes.push_back(items);
    quote_answers.push_back(std::move(done));
  }
  void place(const orders::PlaceCall& call, std::function<void(orders::PlaceResult)> done) override {
    places.push_back(call);
    place_answers.push_back(std::move(done));
  }
  void cancel(const std::string& id, std::function<void(orders::CancelResult)>) override {
    cancels.push_back(id);
  }
  std::vector<std::string> statuses;  // the polls, by the retailer's order id
  std::vector<std::function<void(orders::StatusOutcome)>> status_answers;
  void status(const std::string& id, std::function<void(orders::StatusOutcome)> done) override {
    statuses.push_back(id);
    status_answers.push_back(std::move(done));
  }
  bool offers_trunk() const override { return trunk; }
  void set_delivery(const orders::DeliveryChange& change,
                    std::function<void(orders::DeliveryChangeOutcome)> done) override {
    deliveries.push_back(change);
    delivery_answers.push_back(std::move(done));
  }
};

struct FixedRandom final : orders::Random {
  unsigned char next = 1;
  bool fill(unsigned char* out, std::size_t n) override {
    for (std::size_t i = 0; i < n; ++i) out[i] = next++;
    return true;
  }
};

// A quote at 8.99 a pack, delivered a day after `now`.
inline orders::Quote quote_for(const std::vector<orders::Item>& items, double now) {
  orders::Quote q;
  q.quote_id = "q1";
  for (const auto& i : items) {
    q.items.push_back({i.sku, i.quantity, 8.99, std::nullopt});
    q.total += 8.99 * i.quantity;
  }
  q.currency = "EUR";
  q.delivery_options = {{"doorstep", orders::Window{now + 86400, now + 90000}}};
  q.expires_at = now + 3600;
  return q;
}

}  // namespace larder::test
