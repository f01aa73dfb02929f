// Who a configuration names as retailer (adapters/retailer/retailer_ref.cc): the url's
// fingerprint is taken of its normal form, so another spelling of the same url is the same
// retailer, and orders recorded of the url as written are still recognised.
#include <doctest/doctest.h>

#include <string>

#include <nlohmann/json.hpp>

#include "adapters/retailer/retailer_factory.h"
#include "orders/ledger.h"
#include "support/ledger_world.h"

using namespace larder;
using namespace larder::orders;
using namespace larder::test;
using nlohmann::json;

namespace {

RetailerConfig sandbox_at(const std::string& url) {
  RetailerConfig r;
  r.kind = "sandbox";
  r.url = url;
  return r;
}

}  // namespace

TEST_CASE("the normal form of a retailer url") {
  CHECK(normal_url("http://127.0.0.1:8081") == "http://127.0.0.1:8081");
  CHECK(normal_url("HTTP://Shop.Example:80/") == "http://shop.example");
  CHECK(normal_url("https://shop.example:443/api//") == "https://shop.example/api");
  CHECK(normal_url("https://shop.example:8443/api/") == "https://shop.example:8443/api");
  CHECK(normal_url("http://[::1]:80/x/") == "http://[::1]/x");
  // The user information and the query are kept as written (either may be a secret).
  CHECK(normal_url("https://Key:SeCrEt@Shop.example/?Token=AbC/") ==
        "https://Key:SeCrEt@shop.example?Token=AbC/");
  CHECK(normal_url("http://shop.example:8080") == "http://shop.example:8080");
  CHECK(normal_url("https://shop.example:0443/") == "https://shop.example");
  CHECK(normal_url("http://shop.example:08081") == "http://shop.example:8081");
  CHECK(normal_url("http://[::1]") == "http://[::1]");
  CHECK(normal_url("not a url") == "not a url");
}

TEST_CASE("another spelling of the same url is the same retailer; another url is not") {
  const RetailerRef a = retailer_ref(sandbox_at("http://shop.example:8081/"));
  CHECK(a.url_hash.size() == 16);
  CHECK(a.same(retailer_ref(sandbox_at("HTTP://Shop.Example:8081"))));
  CHECK_FALSE(a.same(retailer_ref(sandbox_at("http://shop.example:8082/"))));
  CHECK_FALSE(a.same(retailer_ref(sandbox_at("http://shop.example:8081/other"))));
  RetailerConfig grocy = sandbox_at("http://shop.example:8081/");
  grocy.kind = "grocy";
  CHECK_FALSE(a.same(retailer_ref(grocy)));
}

TEST_CASE("an order recorded of the url as written is the configured retailer's, restamped") {
  // larderd of 2026-12-07 took the fingerprint of the url as written; its orders must not
  // be parked by the normal form, and are stored with it from now on.
  const RetailerConfig now = sandbox_at("http://Shop.example:8081/");
  OrdersConfig config = test_config();
  config.retailer = retailer_ref(now);
  REQUIRE(config.retailer->url_hash != config.retailer->written_hash);
  World before(config);
  const std::string id = placed_order(before);
  json saved = before.led.save();
  saved["orders"][0]["retailer"]["url_hash"] = config.retailer->written_hash;

  World after(config);
  REQUIRE(after.led.load(saved).ok());
  const Order* o = after.led.find(id);
  REQUIRE(o);
  CHECK_FALSE(after.led.parked(*o));
  CHECK(o->retailer->url_hash == config.retailer->url_hash);
  const auto rewritten = after.led.rewritten();
  REQUIRE(rewritten.size() == 1);
  CHECK(rewritten[0].order["retailer"]["url_hash"] == config.retailer->url_hash);
  // Later spelt another way: still the same retailer.
  OrdersConfig respelt = test_config();
  respelt.retailer = retailer_ref(sandbox_at("http://shop.example:8081"));
  World later(respelt);
  REQUIRE(later.led.load(after.led.save()).ok());
  CHECK_FALSE(later.led.parked(*later.led.find(id)));

  // An order of another url, stored the old way, is still another retailer's: parked, and
  // its fingerprint left as it was.
  json elsewhere = saved;
  elsewhere["orders"][0]["retailer"]["url_hash"] =
      retailer_ref(sandbox_at("http://other.example:8081/")).written_hash;
  World other(config);
  REQUIRE(other.led.load(elsewhere).ok());
  CHECK(other.led.parked(*other.led.find(id)));
  CHECK(other.led.rewritten().empty());
}
