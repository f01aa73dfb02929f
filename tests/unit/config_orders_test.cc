// The `orders:` section and the consumables' order keys (docs/configuration.md, docs/orders.md).
#include <doctest/doctest.h>

#include <string>

#include "larder/config.h"
#include "support/config_support.h"

using namespace larder;
using namespace larder::test;

// ---- orders (docs/orders.md) -----------------------------------------------------------

namespace {

// minimal() with `orders:` on line 7 and `lines` (each indented by two) from line 8 on.
ConfigLoad with_orders(const std::string& lines) {
  return parse_config(minimal("", "orders:\n" + lines), "/x/l.yaml");
}

// A file with one consumable whose keys end with `extra` (lines from 12 on).
ConfigLoad with_priced_consumable(const std::string& extra) {
  return parse_config("mqtt:\n  url: tcp://127.0.0.1:1883\nstate_dir: /var/lib/larder\nhttp:\n"
                      "  admin_token: " + kAdmin + "\n"
                      "consumables:\n"              // 6
                      "  coffee:\n"                 // 7
                      "    unit: g\n"               // 8
                      "    capacity: 1000\n"        // 9
                      "    pack: {sku: C-500, size: 500, price: 8.99}\n"  // 10
                      "    name: Coffee beans\n" +  // 11
                          extra,
                      "/x/l.yaml");
}

}  // namespace

TEST_CASE("orders: without the section every setting is the ledger's default") {
  ConfigLoad l = parse_config(minimal(), "/x/l.yaml");
  INFO(dump(l));
  REQUIRE(l.config.has_value());
  const OrdersSettings& o = l.config->orders;
  CHECK(o.undo_window_s.sensor == 300);
  CHECK(o.undo_window_s.button == 60);
  CHECK(o.undo_window_s.voice == 0);
  CHECK(o.undo_window_s.api == 0);
  CHECK(o.undo_window_s.cli == 0);
  CHECK(o.confirm_voice);
  CHECK_FALSE(o.monthly_budget.has_value());
  CHECK_FALSE(o.max_orders.has_value());
  CHECK(o.combine_within_days == 0);
  CHECK(o.delivery_method == "doorstep");
  CHECK(o.retry.initial_s == 1);
  CHECK(o.retry.max_s == 300);
  CHECK(o.request_timeout_s == 120);
  CHECK(o.poll_interval_s == 900);

  // An empty section, and an empty map of windows, are the same.
  ConfigLoad empty = with_orders("  undo_window_s: {}\n");
  INFO(dump(empty));
  REQUIRE(empty.config.has_value());
  CHECK(empty.config->orders.undo_window_s.sensor == 300);
  CHECK(empty.config->orders.undo_window_s.button == 60);
  REQUIRE(parse_config(minimal("", "orders: {}\n"), "/x/l.yaml").config.has_value());

  // Per consumable: no ceiling, no substitution.
  ConfigLoad c = with_priced_consumable("");
  INFO(dump(c));
  REQUIRE(c.config.has_value());
  REQUIRE(c.config->consumables.size() == 1);
  CHECK_FALSE(c.config->consumables[0].price_ceiling.has_value());
  CHECK_FALSE(c.config->consumables[0].allow_substitution);
}

TEST_CASE("orders: every key is read") {
  ConfigLoad l = with_orders(
      "  undo_window_s:\n"
      "    sensor: 600\n"
      "    button: 30\n"
      "    voice: 15\n"
      "    api: 5\n"
      "    cli: 2.5\n"
      "  confirm_voice: false\n"
      "  monthly_budget: 80.5\n"
      "  max_orders: {count: 8, days: 30.5}\n"
      "  combine_within_days: 3\n"
      "  delivery_method: trunk\n"
      "  retry: {initial_s: 2, max_s: 600}\n"
      "  request_timeout_s: 60\n"
      "  poll_interval_s: 1800\n");
  INFO(dump(l));
  REQUIRE(l.config.has_value());
  const OrdersSettings& o = l.config->orders;
  CHECK(o.undo_window_s.sensor == 600);
  CHECK(o.undo_window_s.button == 30);
  CHECK(o.undo_window_s.voice == 15);
  CHECK(o.undo_window_s.api == 5);
  CHECK(o.undo_window_s.cli == 2.5);
  CHECK_FALSE(o.confirm_voice);
  REQUIRE(o.monthly_budget.has_value());
  CHECK(*o.monthly_budget == 80.5);
  REQUIRE(o.max_orders.has_value());
  CHECK(o.max_orders->count == 8);
  CHECK(o.max_orders->days == 30.5);
  CHECK(o.combine_within_days == 3);
  CHECK(o.delivery_method == "trunk");
  CHECK(o.retry.initial_s == 2);
  CHECK(o.retry.max_s == 600);
  CHECK(o.request_timeout_s == 60);
  CHECK(o.poll_interval_s == 1800);

  // Written in part, the rest keeps its default: the window of one source, the limit's days.
  ConfigLoad part = with_orders("  undo_window_s: {button: 0}\n  max_orders: {count: 3}\n"
                                "  retry: {max_s: 10}\n");
  INFO(dump(part));
  REQUIRE(part.config.has_value());
  CHECK(part.config->orders.undo_window_s.button == 0);
  CHECK(part.config->orders.undo_window_s.sensor == 300);
  REQUIRE(part.config->orders.max_orders.has_value());
  CHECK(part.config->orders.max_orders->count == 3);
  CHECK(part.config->orders.max_orders->days == 30);
  CHECK(part.config->orders.retry.initial_s == 1);
  CHECK(part.config->orders.retry.max_s == 10);
}

TEST_CASE("orders: the edges of each range are allowed") {
  for (const char* ok : {"  undo_window_s: {sensor: 0, button: 86400, voice: 0, api: 86400}\n",
                         "  undo_window_s: {cli: 0}\n",
                         "  monthly_budget: 0.01\n",
                         "  max_orders: {count: 1, days: 0.5}\n",
                         "  max_orders: {count: 1000, days: 366}\n",
                         "  combine_within_days: 0\n",
                         "  combine_within_days: 60\n",
                         "  retry: {initial_s: 3600, max_s: 3600}\n",
                         "  retry: {initial_s: 0.001, max_s: 86400}\n",
                         "  request_timeout_s: 5\n",
                         "  request_timeout_s: 3600\n",
                         "  poll_interval_s: 10\n",
                         "  poll_interval_s: 86400\n"}) {
    ConfigLoad l = with_orders(ok);
    INFO(ok << dump(l));
    CHECK(l.config.has_value());
  }
}

TEST_CASE("orders: a value out of its range names the file, the line and the key") {
  struct Bad {
    std::string yaml;  // from line 8
    int line;
    std::string key, says;
  };
  const std::vector<Bad> cases = {
      {"  undo_window_s:\n    sensor: -1\n", 9, "orders.undo_window_s.sensor",
       "must be a number of 0 or more and at most 86400, got \"-1\""},
      {"  undo_window_s:\n    button: 86401\n", 9, "orders.undo_window_s.button", "at most 86400"},
      {"  undo_window_s:\n    voice: -0.5\n", 9, "orders.undo_window_s.voice", "0 or more"},
      {"  undo_window_s:\n    api: 90000\n", 9, "orders.undo_window_s.api", "at most 86400"},
      {"  undo_window_s:\n    cli: \"10\"\n", 9, "orders.undo_window_s.cli",
       "write numbers without quotes"},
      {"  undo_window_s: 60\n", 8, "orders.undo_window_s", "must be a map of keys, got \"60\""},
      {"  confirm_voice: maybe\n", 8, "orders.confirm_voice",
       "must be true or false, got \"maybe\""},
      {"  monthly_budget: 0\n", 8, "orders.monthly_budget",
       "must be a number greater than 0, got \"0\""},
      {"  monthly_budget: -80\n", 8, "orders.monthly_budget", "greater than 0"},
      {"  monthly_budget: .inf\n", 8, "orders.monthly_budget", "greater than 0"},
      {"  monthly_budget: .nan\n", 8, "orders.monthly_budget", "greater than 0"},
      {"  max_orders: {count: 0, days: 30}\n", 8, "orders.max_orders.count",
       "must be a number of 1 or more and at most 1000, got \"0\""},
      {"  max_orders: {count: 1001}\n", 8, "orders.max_orders.count", "at most 1000"},
      {"  max_orders: {count: 2.5}\n", 8, "orders.max_orders.count",
       "must be a whole number of orders, got 2.5"},
      {"  max_orders: {days: 30}\n", 8, "orders.max_orders.count", "required key is missing"},
      {"  max_orders:\n    count: 8\n    days: 0\n", 10, "orders.max_orders.days",
       "must be a number greater than 0 and at most 366, got \"0\""},
      {"  max_orders:\n    count: 8\n    days: 367\n", 10, "orders.max_orders.days", "at most 366"},
      {"  max_orders: 8\n", 8, "orders.max_orders", "must be a map of keys"},
      {"  combine_within_days: -1\n", 8, "orders.combine_within_days",
       "must be a number of 0 or more and at most 60, got \"-1\""},
      {"  combine_within_days: 61\n", 8, "orders.combine_within_days", "at most 60"},
      {"  delivery_method: drone\n", 8, "orders.delivery_method",
       "must be doorstep or trunk, got \"drone\""},
      {"  retry:\n    initial_s: 0\n", 9, "orders.retry.initial_s",
       "must be a number greater than 0 and at most 3600, got \"0\""},
      {"  retry:\n    initial_s: 3601\n    max_s: 7200\n", 9, "orders.retry.initial_s",
       "at most 3600"},
      {"  retry:\n    max_s: 86401\n", 9, "orders.retry.max_s", "at most 86400"},
      {"  retry:\n    initial_s: 10\n    max_s: 5\n", 10, "orders.retry.max_s",
       "must be at least initial_s (10), got 5"},
      {"  retry:\n    initial_s: 400\n", 9, "orders.retry.initial_s",
       "must be at most max_s (300 by default), got 400"},
      {"  request_timeout_s: 4\n", 8, "orders.request_timeout_s",
       "must be a number of 5 or more and at most 3600, got \"4\""},
      {"  request_timeout_s: 3601\n", 8, "orders.request_timeout_s", "at most 3600"},
      {"  poll_interval_s: 9.5\n", 8, "orders.poll_interval_s",
       "must be a number of 10 or more and at most 86400, got \"9.5\""},
      {"  poll_interval_s: 86401\n", 8, "orders.poll_interval_s", "at most 86400"},
  };
  for (const Bad& b : cases) {
    ConfigLoad l = with_orders(b.yaml);
    INFO(b.yaml);
    expect_error(l, b.line, b.key, b.says);
    CHECK(l.errors.size() == 1);
    const ConfigError* e = find_error(l, b.key);
    REQUIRE(e != nullptr);
    const std::string prefix = "/x/l.yaml:" + std::to_string(b.line) + ": " + b.key + ": ";
    CHECK(e->to_string().rfind(prefix, 0) == 0);
  }

  // Not a map at all, and a key without a value.
  expect_error(parse_config(minimal("", "orders: 5\n"), "/x/l.yaml"), 7, "orders",
               "must be a map of keys, got \"5\"");
  expect_error(parse_config(minimal("", "orders:\n"), "/x/l.yaml"), 7, "orders",
               "must be a map of keys, got nothing");

  // Every error of the section at once, in file order.
  ConfigLoad many =
      with_orders("  monthly_budget: 0\n  combine_within_days: 99\n  poll_interval_s: 1\n");
  CHECK(where(many) == std::vector<std::pair<int, std::string>>{{8, "orders.monthly_budget"},
                                                                {9, "orders.combine_within_days"},
                                                                {10, "orders.poll_interval_s"}});
}

TEST_CASE("orders: unknown keys are refused at every level") {
  expect_error(with_orders("  monthly_budgt: 80\n"), 8, "orders.monthly_budgt",
               "unknown key (did you mean 'monthly_budget'?)");
  expect_error(with_orders("  undo_window_s:\n    alexa: 10\n"), 9, "orders.undo_window_s.alexa",
               "unknown key");
  expect_error(with_orders("  undo_window_s:\n    buton: 10\n"), 9, "orders.undo_window_s.buton",
               "did you mean 'button'?");
  expect_error(with_orders("  max_orders: {count: 8, per: 30}\n"), 8, "orders.max_orders.per",
               "unknown key");
  expect_error(with_orders("  retry: {initial_s: 1, factor: 2}\n"), 8, "orders.retry.factor",
               "unknown key");
  // Keys of the ledger that are fixed, not configured.
  expect_error(with_orders("  max_active: 10\n"), 8, "orders.max_active", "unknown key");
  // A key given twice.
  expect_error(with_orders("  confirm_voice: true\n  confirm_voice: false\n"), 9,
               "orders.confirm_voice", "given twice (first on line 8)");
}

TEST_CASE("orders: a consumable's price ceiling and substitution rule") {
  ConfigLoad l = with_priced_consumable("    price_ceiling: 12.5\n    allow_substitution: true\n");
  INFO(dump(l));
  REQUIRE(l.config.has_value());
  REQUIRE(l.config->consumables.size() == 1);
  REQUIRE(l.config->consumables[0].price_ceiling.has_value());
  CHECK(*l.config->consumables[0].price_ceiling == 12.5);
  CHECK(l.config->consumables[0].allow_substitution);

  ConfigLoad no = with_priced_consumable("    allow_substitution: false\n");
  REQUIRE(no.config.has_value());
  CHECK_FALSE(no.config->consumables[0].allow_substitution);

  const std::string ceiling = "consumables.coffee.price_ceiling";
  expect_error(with_priced_consumable("    price_ceiling: 0\n"), 12, ceiling,
               "must be a number greater than 0, got \"0\"");
  expect_error(with_priced_consumable("    price_ceiling: -3\n"), 12, ceiling,
               "greater than 0");
  expect_error(with_priced_consumable("    price_ceiling: \"9.99\"\n"), 12, ceiling,
               "write numbers without quotes");
  expect_error(with_priced_consumable("    allow_substitution: yes\n"), 12,
               "consumables.coffee.allow_substitution", "must be true or false, got \"yes\"");
  expect_error(with_priced_consumable("    price_cieling: 10\n"), 12,
               "consumables.coffee.price_cieling", "did you mean 'price_ceiling'?");
}
