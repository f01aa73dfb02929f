// Helpers for tests of the order ledger (tests/unit/orders_*_test.cc): a ledger on recorded
// time and a deterministic random source, requests, quotes and retailer answers, and the
// effects of a Reply picked out by kind.
#pragma once

#include <doctest/doctest.h>

#include <algorithm>
#include <cstddef>
#include <optional>
#include <random>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "orders/ledger.h"
#include "orders/random.h"

namespace larder::test {

inline constexpr double kT0 = 1767571200;  // 2026-01-05 00:00 UTC
inline constexpr double kDay = 86400;

// Keys and ids from a seeded generator; the 8-byte draws (the jitter) are all `jitter`, so
// a test knows the fraction of the delay that is drawn.
struct TestRandom final : orders::Random {
  std::mt19937 gen{42};
  unsigned char jitter = 0x80;
  bool broken = false;
  bool fill(unsigned char* out, std::size_t n) override {
    if (broken) return false;
    for (std::size_t i = 0; i < n; ++i) {
      out[i] = n == 8 ? jitter : static_cast<unsigned char>(gen() & 0xff);
    }
    return true;
  }
};

struct FixedRandom final : orders::Random {
  explicit FixedRandom(unsigned char b) : b(b) {}
  unsigned char b;
  bool fill(unsigned char* out, std::size_t n) override {
    std::fill(out, out + n, b);
    return true;
  }
};

inline double fraction(unsigned char b) {
  FixedRandom r(b);
  return *orders::uniform01(r);
}

inline orders::OrdersConfig test_config() {
  orders::OrdersConfig c;
  c.consumables["coffee"].name = "Coffee beans";
  c.consumables["tea"].name = "Tea";
  c.consumables["milk"].name = "Milk";
  c.retailer = orders::RetailerRef{"sandbox", "0123456789abcdef", true, ""};
  return c;
}

// The same with a webhook retailer: it reports no status, a purchase ends its orders.
inline orders::OrdersConfig webhook_config() {
  orders::OrdersConfig c = test_config();
  c.retailer = orders::RetailerRef{"webhook", "fedcba9876543210", false, ""};
  return c;
}

struct World {
  explicit World(orders::OrdersConfig c = test_config()) : led(std::move(c), rnd) {}
  TestRandom rnd;
  orders::Ledger led;
};

template <class T>
std::vector<T> all_of(const orders::Reply& r) {
  std::vector<T> v;
  for (const auto& e : r.effects) {
    if (const T* x = std::get_if<T>(&e)) v.push_back(*x);
  }
  return v;
}

template <class T>
int index_of(const orders::Reply& r) {
  for (std::size_t i = 0; i < r.effects.size(); ++i) {
    if (std::holds_alternative<T>(r.effects[i])) return static_cast<int>(i);
  }
  return -1;
}

template <class T>
T one(const orders::Reply& r) {
  auto v = all_of<T>(r);
  REQUIRE(v.size() == 1);
  return v.front();
}

inline std::vector<std::string> kinds(const orders::Reply& r) {
  std::vector<std::string> k;
  for (const auto& e : all_of<orders::Event>(r)) k.push_back(e.kind);
  return k;
}

inline bool calls_retailer(const orders::Reply& r) {
  return index_of<orders::RequestQuote>(r) >= 0 || index_of<orders::PlaceOrder>(r) >= 0 ||
         index_of<orders::CancelAtRetailer>(r) >= 0 || index_of<orders::PollStatus>(r) >= 0;
}

inline orders::Request req(const std::string& consumable, orders::Source s, int quantity = 1,
                           bool more = false) {
  orders::Request r;
  r.consumable = consumable;
  r.sku = consumable == "coffee" ? "COFFEE-500" : consumable == "tea" ? "TEA-100" : "MILK-1L";
  r.quantity = quantity;
  r.source = s;
  r.explicit_quantity = more;
  return r;
}

// A quote answering the order: each item at `unit_price`, valid for an hour.
inline orders::Quote quote_for(const orders::Order& o, double now, double unit_price = 8.99) {
  orders::Quote q;
  q.quote_id = "q-" + o.id;
  for (const auto& i : o.items) {
    q.items.push_back({i.sku, i.quantity, unit_price, std::nullopt});
    q.total += unit_price * i.quantity;
  }
  q.currency = "EUR";
  q.delivery_options = {{"doorstep", orders::Window{now + 2 * kDay, now + 2 * kDay + 4 * 3600}},
                        {"trunk", orders::Window{now + 2 * kDay, now + 2 * kDay + 2 * 3600}}};
  q.expires_at = now + 3600;
  return q;
}

inline orders::Reply quote(World& w, const std::string& id, double now,
                           double unit_price = 8.99) {
  return w.led.quote_received(id, quote_for(*w.led.find(id), now, unit_price), now);
}

inline orders::PlaceResult placed_ok(const std::string& rid, double eta) {
  orders::PlaceResult p;
  p.kind = orders::PlaceResult::Kind::ok;
  p.retailer_order_id = rid;
  p.eta = eta;
  return p;
}

inline orders::RetailerStatus rs(const std::string& status, const std::string& reason = "",
                                 std::optional<orders::Window> window = std::nullopt) {
  orders::RetailerStatus r;
  r.status = status;
  r.reason = reason;
  r.window = window;
  return r;
}

inline orders::PlaceResult place_error(orders::PlaceResult::Kind k,
                                       const std::string& reason = "") {
  orders::PlaceResult p;
  p.kind = k;
  p.reason = reason;
  return p;
}

// An order taken through its quote (at kT0 + 5), its undo window if it has one, and its
// place: placed at kPlacedAt.
inline constexpr double kPlacedAt = kT0 + 310;
inline std::string placed_order(World& w, const std::string& consumable = "coffee",
                                orders::Source s = orders::Source::api) {
  auto r = w.led.request(req(consumable, s), kT0);
  REQUIRE(r.ok());
  std::string id = r.order_id;
  REQUIRE(quote(w, id, kT0 + 5).ok());
  if (w.led.find(id)->status == orders::OrderStatus::held) w.led.tick(kT0 + 300);
  REQUIRE(w.led.find(id)->pending == orders::Pending::place);
  REQUIRE(w.led.place_result(id, placed_ok("r-" + id, kT0 + 2 * kDay), kPlacedAt).ok());
  REQUIRE(w.led.find(id)->status == orders::OrderStatus::placed);
  return id;
}

}  // namespace larder::test
