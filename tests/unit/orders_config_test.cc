// orders_config_from: the configuration file's `orders:` section and the consumables'
// order keys, as the ledger's OrdersConfig (docs/orders.md). The files are parsed by the
// real loader; the last test runs the real ledger on the result.
#include <doctest/doctest.h>

#include <random>
#include <string>

#include "larder/config.h"
#include "orders/ledger.h"
#include "orders/orders_config.h"
#include "support/config_support.h"

using namespace larder;
using namespace larder::orders;
using namespace larder::test;

namespace {

// A valid file: two consumables, the household's currency, then `extra`.
Config load(const std::string& extra) {
  ConfigLoad l = parse_config(
      "mqtt:\n  url: tcp://127.0.0.1:1883\nstate_dir: /var/lib/larder\nhttp:\n  admin_token: " +
          kAdmin +
          "\nhousehold:\n  currency: CHF\n  timezone: Europe/Berlin\n"
          "consumables:\n"
          "  coffee:\n"
          "    name: Coffee beans\n"
          "    unit: g\n"
          "    capacity: 1000\n"
          "    pack: {sku: C-500, size: 500, price: 8.99}\n"
          "    price_ceiling: 12\n"
          "    allow_substitution: true\n"
          "  milk:\n"
          "    unit: l\n"
          "    capacity: 4\n"
          "    pack: {sku: M-1, size: 1}\n" +
          extra,
      "/x/l.yaml");
  INFO(dump(l));
  REQUIRE(l.config.has_value());
  return *l.config;
}

struct SeededRandom final : Random {
  std::mt19937 gen{7};
  bool fill(unsigned char* out, std::size_t n) override {
    for (std::size_t i = 0; i < n; ++i) out[i] = static_cast<unsigned char>(gen() & 0xff);
    return true;
  }
};

}  // namespace

TEST_CASE("orders config: without an orders section the ledger's defaults apply") {
  const OrdersConfig d;  // the defaults of docs/orders.md
  OrdersConfig c = orders_config_from(load(""));
  CHECK(c.currency == "CHF");
  CHECK(c.zone.name() == "Europe/Berlin");  // the budget's month is the household's
  for (Source s : {Source::sensor, Source::button, Source::voice, Source::api, Source::cli}) {
    CAPTURE(static_cast<int>(s));
    CHECK(c.policy(s).undo_window_s == d.policy(s).undo_window_s);
    CHECK(c.policy(s).ask_first == d.policy(s).ask_first);
  }
  CHECK(c.sensor.undo_window_s == 300);
  CHECK(c.button.undo_window_s == 60);
  CHECK(c.voice.ask_first);
  CHECK_FALSE(c.monthly_budget.has_value());
  CHECK_FALSE(c.max_orders.has_value());
  CHECK(c.combine_within_days == d.combine_within_days);
  CHECK(c.delivery_method == d.delivery_method);
  CHECK(c.backoff_initial_s == d.backoff_initial_s);
  CHECK(c.backoff_max_s == d.backoff_max_s);
  CHECK(c.request_timeout_s == d.request_timeout_s);
  CHECK(c.poll_interval_s == d.poll_interval_s);
  // Not in the file: fixed.
  CHECK(c.quote_margin_s == d.quote_margin_s);
  CHECK(c.max_quantity == d.max_quantity);
  CHECK(c.max_active == d.max_active);
  CHECK(c.keep_finished == d.keep_finished);
}

TEST_CASE("orders config: every key of the section reaches the ledger's settings") {
  OrdersConfig c = orders_config_from(load(
      "orders:\n"
      "  undo_window_s: {sensor: 900, button: 20, voice: 10, api: 5, cli: 3}\n"
      "  confirm_voice: false\n"
      "  monthly_budget: 80\n"
      "  max_orders: {count: 8, days: 14}\n"
      "  combine_within_days: 3\n"
      "  delivery_method: trunk\n"
      "  retry: {initial_s: 2, max_s: 120}\n"
      "  request_timeout_s: 30\n"
      "  poll_interval_s: 600\n"));
  CHECK(c.sensor.undo_window_s == 900);
  CHECK(c.button.undo_window_s == 20);
  CHECK(c.voice.undo_window_s == 10);
  CHECK(c.api.undo_window_s == 5);
  CHECK(c.cli.undo_window_s == 3);
  CHECK_FALSE(c.voice.ask_first);
  // confirm_voice is about voice only: no other source starts asking.
  CHECK_FALSE(c.sensor.ask_first);
  CHECK_FALSE(c.button.ask_first);
  CHECK_FALSE(c.api.ask_first);
  CHECK_FALSE(c.cli.ask_first);
  REQUIRE(c.monthly_budget.has_value());
  CHECK(*c.monthly_budget == 80);
  REQUIRE(c.max_orders.has_value());
  CHECK(c.max_orders->count == 8);
  CHECK(c.max_orders->days == 14);
  CHECK(c.combine_within_days == 3);
  CHECK(c.delivery_method == "trunk");
  CHECK(c.backoff_initial_s == 2);
  CHECK(c.backoff_max_s == 120);
  CHECK(c.request_timeout_s == 30);
  CHECK(c.poll_interval_s == 600);
}

TEST_CASE("orders config: each consumable's name, price ceiling and substitution rule") {
  OrdersConfig c = orders_config_from(load(""));
  REQUIRE(c.consumables.size() == 2);
  const ConsumableOrderConfig* coffee = c.consumable("coffee");
  REQUIRE(coffee != nullptr);
  CHECK(coffee->name == "Coffee beans");
  REQUIRE(coffee->price_ceiling.has_value());
  CHECK(*coffee->price_ceiling == 12);
  CHECK(coffee->allow_substitution);
  const ConsumableOrderConfig* milk = c.consumable("milk");
  REQUIRE(milk != nullptr);
  CHECK(c.name("milk") == "milk");  // no name: the id
  CHECK_FALSE(milk->price_ceiling.has_value());
  CHECK_FALSE(milk->allow_substitution);
}

TEST_CASE("orders config: the ledger holds each source's order for its configured window") {
  OrdersConfig c = orders_config_from(load(
      "orders:\n"
      "  undo_window_s: {button: 15, api: 40}\n"
      "  confirm_voice: false\n"));
  SeededRandom rnd;
  Ledger led(c, rnd);
  const double now = 1767571200;  // 2026-01-05 00:00 UTC

  Reply b = led.request({"coffee", "C-500", 1, Source::button, false, {}}, now);
  REQUIRE(b.ok());
  const Order* ob = led.find(b.order_id);
  REQUIRE(ob != nullptr);
  CHECK(ob->status == OrderStatus::held);
  CHECK(ob->held_until == now + 15);

  Reply v = led.request({"milk", "M-1", 1, Source::voice, false, {}}, now);
  REQUIRE(v.ok());
  const Order* ov = led.find(v.order_id);
  REQUIRE(ov != nullptr);
  // Without the voice question a voice order goes on as any other (voice's window is 0).
  CHECK(ov->status != OrderStatus::awaiting_confirmation);
  CHECK(ov->status != OrderStatus::held);
}
