// The `retailer:` section's keys of the grocy adapter (docs/retailers.md).
#include <doctest/doctest.h>

#include <string>

#include "larder/config.h"
#include "support/config_support.h"

using namespace larder;
using namespace larder::test;

namespace {

// A file with two consumables (packs COFFEE-500 and MILK-1L) and `retailer:` after them, on
// line 19; `retailer` holds the lines from line 20 on.
std::string with_retailer(const std::string& retailer) {
  return "mqtt:\n  url: tcp://127.0.0.1:1883\nstate_dir: /tmp/s\nhttp:\n  admin_token: " + kAdmin +
         "\nconsumables:\n"
         "  coffee:\n    unit: g\n    capacity: 1000\n    pack:\n      sku: COFFEE-500\n      size: 500\n"
         "  milk:\n    unit: l\n    capacity: 4\n    pack:\n      sku: MILK-1L\n      size: 1\n"
         "retailer:\n" +
         retailer;
}

}  // namespace

TEST_CASE("a grocy retailer reads its product ids and shopping list") {
  ConfigLoad l = parse_config(with_retailer("  kind: grocy\n  url: http://127.0.0.1:9283\n  api_key: k\n"
                                            "  products:\n    COFFEE-500: 12\n    MILK-1L: 7\n"
                                            "  shopping_list_id: 3\n"),
                              "/x/larder.yaml");
  INFO(dump(l));
  REQUIRE(l.config);
  REQUIRE(l.config->retailer);
  const RetailerConfig& r = *l.config->retailer;
  CHECK(r.kind == "grocy");
  CHECK(r.products == std::map<std::string, int>{{"COFFEE-500", 12}, {"MILK-1L", 7}});
  CHECK(r.shopping_list_id == 3);

  // The list defaults to 1; a product of no consumable is allowed (a pack to come).
  ConfigLoad d = parse_config(with_retailer("  kind: grocy\n  url: http://127.0.0.1:9283\n  api_key: k\n"
                                            "  products: {COFFEE-500: 12, MILK-1L: 7, TEA-20: 9}\n"),
                              "/x/larder.yaml");
  INFO(dump(d));
  REQUIRE(d.config);
  CHECK(d.config->retailer->shopping_list_id == 1);
  CHECK(d.config->retailer->products.size() == 3);
}

TEST_CASE("a grocy retailer needs a product id for every consumable's sku") {
  SUBCASE("one sku missing: the error names it, at the products key") {
    ConfigLoad l = parse_config(with_retailer("  kind: grocy\n  url: http://127.0.0.1:9283\n  api_key: k\n"
                                              "  products:\n    COFFEE-500: 12\n"),
                                "/x/larder.yaml");
    REQUIRE(l.errors.size() == 1);
    expect_error(l, 23, "retailer.products", "no Grocy product id for sku MILK-1L (consumable 'milk')");
  }
  SUBCASE("no products at all: one error per sku, at the retailer section") {
    ConfigLoad l = parse_config(with_retailer("  kind: grocy\n  url: http://127.0.0.1:9283\n  api_key: k\n"),
                                "/x/larder.yaml");
    REQUIRE(l.errors.size() == 2);
    CHECK(l.errors[0].key == "retailer.products");
    CHECK(l.errors[0].line == 19);
    CHECK(l.errors[0].what.find("sku COFFEE-500") != std::string::npos);
    CHECK(l.errors[1].what.find("sku MILK-1L") != std::string::npos);
  }
  SUBCASE("a kind other than grocy needs no products") {
    ConfigLoad l = parse_config(with_retailer("  kind: webhook\n  url: http://127.0.0.1:9283\n"), "/x/larder.yaml");
    INFO(dump(l));
    CHECK(l.config);
  }
}

TEST_CASE("grocy product ids and the shopping list id are positive whole numbers") {
  ConfigLoad l = parse_config(with_retailer("  kind: grocy\n  url: http://127.0.0.1:9283\n  api_key: k\n"
                                            "  products:\n    COFFEE-500: 0\n    MILK-1L: 2.5\n"
                                            "    TEA-20: \"9\"\n    SUGAR-1K: [1]\n"
                                            "  shopping_list_id: -1\n"),
                              "/x/larder.yaml");
  CHECK(where(l) == std::vector<std::pair<int, std::string>>{{24, "retailer.products.COFFEE-500"},
                                                             {25, "retailer.products.MILK-1L"},
                                                             {26, "retailer.products.TEA-20"},
                                                             {27, "retailer.products.SUGAR-1K"},
                                                             {28, "retailer.shopping_list_id"}});
  expect_error(l, 24, "retailer.products.COFFEE-500", "must be a number of 1 or more and at most 2147483647, got \"0\"");
  expect_error(l, 25, "retailer.products.MILK-1L", "must be a whole number of 1 or more, got 2.5");
  expect_error(l, 26, "retailer.products.TEA-20", "write numbers without quotes");
  expect_error(l, 28, "retailer.shopping_list_id", "got \"-1\"");

  ConfigLoad f = parse_config(with_retailer("  kind: grocy\n  url: http://127.0.0.1:9283\n  api_key: k\n"
                                            "  products: {COFFEE-500: 1, MILK-1L: 2}\n  shopping_list_id: 1.5\n"),
                              "/x/larder.yaml");
  REQUIRE(f.errors.size() == 1);
  expect_error(f, 24, "retailer.shopping_list_id", "must be a whole number of 1 or more, got 1.5");

  ConfigLoad m = parse_config(with_retailer("  kind: grocy\n  url: http://127.0.0.1:9283\n  api_key: k\n"
                                            "  products: [COFFEE-500, MILK-1L]\n"),
                              "/x/larder.yaml");
  REQUIRE(m.errors.size() == 1);  // not a map; the missing skus are not reported on top
  expect_error(m, 23, "retailer.products", "must be a map");
}

TEST_CASE("products and shopping_list_id are refused for the other kinds") {
  ConfigLoad s = parse_config(with_retailer("  url: http://127.0.0.1:8090\n  products:\n    COFFEE-500: 12\n"),
                              "/x/larder.yaml");
  REQUIRE(s.errors.size() == 1);
  expect_error(s, 21, "retailer.products", "is only for kind grocy (this retailer is sandbox)");

  ConfigLoad w = parse_config(with_retailer("  kind: webhook\n  url: http://127.0.0.1:8090\n  shopping_list_id: 2\n"),
                              "/x/larder.yaml");
  REQUIRE(w.errors.size() == 1);
  expect_error(w, 22, "retailer.shopping_list_id", "is only for kind grocy (this retailer is webhook)");

  // An unknown kind is reported once, not again for the keys that depend on it.
  ConfigLoad u = parse_config(with_retailer("  kind: amazon\n  url: http://127.0.0.1:8090\n  shopping_list_id: 2\n"),
                              "/x/larder.yaml");
  REQUIRE(u.errors.size() == 1);
  CHECK(u.errors[0].key == "retailer.kind");
}
