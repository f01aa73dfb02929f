// larder-sandbox's retailer (tools/larder-sandbox): RetailerSim's rules on a ManualClock,
// the callbacks' signatures (SandboxApi: sandbox_api_test.cc; the faults:
// sandbox_faults_test.cc).
#include "retailer_sim.h"

#include <openssl/core_names.h>
#include <openssl/evp.h>

#include <doctest/doctest.h>

#include <cstdio>

#include <nlohmann/json.hpp>

#include "api/http_types.h"
#include "faults.h"
#include "sandbox_api.h"
#include "support/sandbox_fixtures.h"
#include "support/sandbox_sim_rig.h"

using namespace larder;
using namespace larder::sandbox;
using nlohmann::json;
using namespace larder::test::sandbox;

namespace {

// HMAC-SHA256 through OpenSSL's EVP_MAC interface: another path than sign_body's HMAC().
std::string independent_hmac(const std::string& key, const std::string& data) {
  EVP_MAC* mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
  REQUIRE(mac != nullptr);
  EVP_MAC_CTX* ctx = EVP_MAC_CTX_new(mac);
  char digest[] = "SHA256";
  OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
                         OSSL_PARAM_construct_end()};
  REQUIRE(EVP_MAC_init(ctx, reinterpret_cast<const unsigned char*>(key.data()), key.size(),
                       params) == 1);
  REQUIRE(EVP_MAC_update(ctx, reinterpret_cast<const unsigned char*>(data.data()), data.size()) ==
          1);
  unsigned char out[64];
  std::size_t len = 0;
  REQUIRE(EVP_MAC_final(ctx, out, &len, sizeof out) == 1);
  EVP_MAC_CTX_free(ctx);
  EVP_MAC_free(mac);
  std::string hex;
  char buf[3];
  for (std::size_t i = 0; i < len; ++i) {
    std::snprintf(buf, sizeof buf, "%02x", out[i]);
    hex += buf;
  }
  return hex;
}

json trunk_access(const std::string& order_id, const std::string& code = "secret-trunk-code-4711") {
  return {{"method", "trunk"},
          {"access",
           {{"code", code},
            {"carrier_api", "https://hub.example/api/v1/carrier/deliveries/" + order_id}}}};
}

}  // namespace

TEST_CASE("a quote has the contract's shape, prices, package and delivery options") {
  Sim s;
  json q = s.quote("COFFEE-500", 1);
  CHECK(q["quote_id"] == "q1");
  REQUIRE(q["items"].size() == 1);
  CHECK(q["items"][0] == json{{"sku", "COFFEE-500"},
                              {"quantity", 1},
                              {"unit_price", 8.99},
                              {"substitute_for", nullptr}});
  CHECK(q["total"] == 8.99);
  CHECK(q["currency"] == "EUR");
  CHECK(q["package"] == json{{"weight_kg", 0.55},
                             {"dims_cm", {20, 12, 8}},
                             {"value", 8.99},
                             {"signature_required", false},
                             {"temperature_sensitive", false}});
  // The timeline is 1 h + 12 h + 2 h; the doorstep window is 2 h wide, the trunk's 4 h.
  double start = kStart + 15 * 3600;
  CHECK(window_of(q, "doorstep") == json{{"start", start}, {"end", start + 2 * 3600}});
  CHECK(window_of(q, "trunk") == json{{"start", start}, {"end", start + 4 * 3600}});
  CHECK(q["delivery_options"][0]["method"] == "doorstep");
  CHECK(q["expires_at"] == kStart + 900);
  CHECK(s->quote({{"items", {{{"sku", "MILK-1L"}, {"quantity", 2}}}}}).body["quote_id"] == "q2");
}

TEST_CASE("a package sums weights, stacks units and flags cold goods and signatures") {
  Sim s;
  SimReply r = s->quote(
      {{"items",
        {{{"sku", "MILK-1L"}, {"quantity", 2}}, {{"sku", "COFFEE-500"}, {"quantity", 1}}}}});
  REQUIRE(r.status == 200);
  CHECK(r.body["total"] == 11.17);
  CHECK(r.body["package"]["weight_kg"] == doctest::Approx(2.65));
  CHECK(r.body["package"]["dims_cm"] == json{20, 12, 22});  // 7 + 7 + 8 high
  CHECK(r.body["package"]["temperature_sensitive"] == true);
  CHECK(r.body["delivery_options"].size() == 2);

  // 13 packs of pods are worth 156.00: a signature is needed, so no trunk delivery.
  json q = s.quote("PODS-40", 13);
  CHECK(q["total"] == 156.0);
  CHECK(q["package"]["signature_required"] == true);
  REQUIRE(q["delivery_options"].size() == 1);
  CHECK(q["delivery_options"][0]["method"] == "doorstep");
  json trunk = {
      {"quote_id", q["quote_id"]},
      {"delivery",
       {{"method", "trunk"}, {"window", window_of(q, "doorstep")}, {"vehicle", vehicle()}}}};
  SimReply placed = s->place(kKey1, trunk);
  CHECK(placed.status == 422);
  CHECK(code(placed) == "method_unavailable");

  SimOptions o;
  o.catalogue = default_catalogue();
  o.catalogue[0].signature_required = true;
  Sim t(o);
  CHECK(t.quote("COFFEE-500", 1)["package"]["signature_required"] == true);
}

TEST_CASE("malformed quote requests are 400, unknown SKUs and too many units 422") {
  Sim s;
  auto status_of = [&](const json& body) { return s->quote(body).status; };
  CHECK(status_of(json::array()) == 400);
  CHECK(status_of(json::object()) == 400);
  CHECK(status_of({{"items", json::array()}}) == 400);
  CHECK(status_of({{"items", {{{"sku", "COFFEE-500"}, {"quantity", 1}}}}, {"note", "x"}}) == 400);
  CHECK(status_of({{"items", {{{"sku", "COFFEE-500"}, {"quantity", 0}}}}}) == 400);
  CHECK(status_of({{"items", {{{"sku", "COFFEE-500"}, {"quantity", -1}}}}}) == 400);
  CHECK(status_of({{"items", {{{"sku", "COFFEE-500"}, {"quantity", 1.5}}}}}) == 400);
  CHECK(status_of({{"items", {{{"sku", "COFFEE-500"}, {"quantity", "1"}}}}}) == 400);
  CHECK(status_of({{"items", {{{"sku", "COFFEE-500"}}}}}) == 400);
  CHECK(status_of({{"items", {{{"sku", ""}, {"quantity", 1}}}}}) == 400);
  CHECK(status_of({{"items", {{{"sku", 7}, {"quantity", 1}}}}}) == 400);
  CHECK(status_of({{"items", {{{"sku", "COFFEE-500"}, {"quantity", 1}, {"qty", 1}}}}}) == 400);
  CHECK(status_of({{"items",
                    {{{"sku", "COFFEE-500"}, {"quantity", 1}},
                     {{"sku", "COFFEE-500"}, {"quantity", 2}}}}}) == 400);
  SimReply unknown = s->quote({{"items", {{{"sku", "CAVIAR-50"}, {"quantity", 1}}}}});
  CHECK(unknown.status == 422);
  CHECK(code(unknown) == "unknown_sku");
  SimReply many = s->quote({{"items", {{{"sku", "COFFEE-500"}, {"quantity", 21}}}}});
  CHECK(many.status == 422);
  CHECK(code(many) == "quantity_limit");
  CHECK(code(s->quote({{"items", {{{"sku", "COFFEE-500"}, {"quantity", 1}}}}, {"x", 1}})) ==
        "bad_request");
  CHECK(s->report()["quotes"] == 0);  // nothing refused was kept
}

TEST_CASE("placing is idempotent by key: same key 200, other body 422, key checked") {
  Sim s;
  json q = s.quote();
  json body = order_body(q);
  SimReply first = s->place(kKey1, body);
  REQUIRE_MESSAGE(first.status == 201, first.body.dump());
  CHECK(first.body["order_id"] == "r-1001");
  CHECK(first.body["status"] == "placed");
  CHECK(first.body["window"] == window_of(q, "trunk"));
  CHECK(first.body["eta"] == kStart + 15 * 3600);
  CHECK(first.body["delivery"] == json{{"method", "trunk"}, {"access_given", false}});
  CHECK(first.body["updated"] == kStart);
  CHECK(first.body["total"] == 8.99);
  CHECK_FALSE(first.body.contains("reason"));

  s.clock.advance(60);
  SimReply again = s->place(kKey1, json::parse(body.dump()));
  CHECK(again.status == 200);
  CHECK(again.body == first.body);

  // Past the quote's expiry the key still finds its order.
  s.clock.advance(3600);
  CHECK(s->place(kKey1, body).status == 200);

  json other = body;
  other["delivery"]["vehicle"]["make"] = "Skoda";
  SimReply reused = s->place(kKey1, other);
  CHECK(reused.status == 422);
  CHECK(code(reused) == "idempotency_key_reused");

  CHECK(code(s->place("", body)) == "bad_request");
  CHECK(s->place("not-a-uuid", body).status == 400);
  CHECK(s->place(std::string(kKey1) + "0", body).status == 400);
  CHECK(is_uuid(kKey3));
  CHECK_FALSE(is_uuid("0b7f6f7c-5d47-4c1f-9d43_4a3f2d1e0a01"));
  CHECK_FALSE(is_uuid("0b7f6f7c-5d47-4c1f-9d43-4a3f2d1e0a0g"));
  CHECK(s->report()["orders"].size() == 1);
}

TEST_CASE("quotes expire, are used once, and a refused key is not bound") {
  Sim s;
  json q = s.quote();
  s.clock.advance(901);
  SimReply expired = s->place(kKey1, order_body(q));
  CHECK(expired.status == 409);
  CHECK(code(expired) == "quote_expired");

  // The refused key is free: with a fresh quote it places the order.
  json fresh = s.quote();
  s.clock.advance(899);
  REQUIRE(s->place(kKey1, order_body(fresh)).status == 201);
  SimReply used = s->place(kKey2, order_body(fresh));
  CHECK(used.status == 409);
  CHECK(code(used) == "quote_used");

  json unknown = order_body(fresh);
  unknown["quote_id"] = "q999";
  CHECK(code(s->place(kKey2, unknown)) == "unknown_quote");
  CHECK(s->place(kKey2, unknown).status == 422);
}

TEST_CASE("order bodies are checked strictly") {
  Sim s;
  json q = s.quote();
  auto place = [&](const json& body) { return s->place(kKey1, body); };
  json ok = order_body(q);

  json with_access = ok;
  with_access["delivery"]["access"] = {{"code", "1234"}, {"carrier_api", "https://hub.example/x"}};
  SimReply a = place(with_access);
  CHECK(a.status == 400);
  CHECK(a.body["error"]["message"].get<std::string>().find("PUT") != std::string::npos);

  json no_vehicle = ok;
  no_vehicle["delivery"].erase("vehicle");
  CHECK(place(no_vehicle).status == 400);
  json door_vehicle = order_body(q, "doorstep");
  door_vehicle["delivery"]["vehicle"] = vehicle();
  CHECK(place(door_vehicle).status == 400);
  json bad_method = ok;
  bad_method["delivery"]["method"] = "drone";
  CHECK(place(bad_method).status == 400);
  json bad_lat = ok;
  bad_lat["delivery"]["vehicle"]["parked_near"]["lat"] = 91;
  CHECK(place(bad_lat).status == 400);
  json extra = ok;
  extra["note"] = "leave at the back";
  CHECK(place(extra).status == 400);
  json no_window = ok;
  no_window["delivery"].erase("window");
  CHECK(place(no_window).status == 400);
  json reversed = ok;
  reversed["delivery"]["window"] = {{"start", 10}, {"end", 5}};
  CHECK(place(reversed).status == 400);
  CHECK(place("[]"_json).status == 400);
  json long_make = ok;
  long_make["delivery"]["vehicle"]["make"] = std::string(257, 'x');
  CHECK(place(long_make).status == 400);
  json control = ok;
  control["delivery"]["vehicle"]["plate_hint"] = "B-\tLA";
  CHECK(place(control).status == 400);

  json wrong_window = ok;
  wrong_window["delivery"]["window"] = window_of(q, "doorstep");  // the doorstep window for trunk
  SimReply w = place(wrong_window);
  CHECK(w.status == 422);
  CHECK(code(w) == "window_unavailable");
  CHECK(s->report()["orders"].empty());
  // What larderd's configuration accepts for a car: no make (sent empty) and a plate hint of
  // 64 characters, here 64 two-byte letters.
  json lenient = ok;
  lenient["delivery"]["vehicle"]["make"] = "";
  std::string hint;
  for (int i = 0; i < 64; ++i) hint += "\xc3\xa4";
  lenient["delivery"]["vehicle"]["plate_hint"] = hint;
  CHECK(place(lenient).status == 201);
}

TEST_CASE(
    "the timeline runs at the configured speed: placed, shipped, out for delivery, delivered") {
  SimOptions o;
  o.speed = 60;  // 1 h of shipping passes in 60 s
  Sim s(o);
  json q = s.quote();
  CHECK(q["expires_at"] == kStart + 15);
  double start = kStart + 15 * 60;
  CHECK(window_of(q, "doorstep") == json{{"start", start}, {"end", start + 120}});
  s.clock.advance(10);
  SimReply placed = s->place(kKey1, order_body(q, "doorstep"));
  REQUIRE(placed.status == 201);
  double t0 = kStart + 10;
  CHECK(placed.body["eta"] == t0 + 900);
  REQUIRE(s->next_change().has_value());
  CHECK(*s->next_change() == doctest::Approx(t0 + 60));

  s.clock.advance(59.9);
  CHECK(s->order("r-1001").body["status"] == "placed");
  s.clock.advance(0.2);
  json shipped = s->order("r-1001").body;
  CHECK(shipped["status"] == "shipped");
  CHECK(shipped["updated"] == t0 + 60);  // when it shipped, not when we looked
  s.clock.set(t0 + 60 + 720);
  CHECK(s->order("r-1001").body["status"] == "out_for_delivery");
  s.clock.set(t0 + 900);
  json delivered = s->order("r-1001").body;
  CHECK(delivered["status"] == "delivered");
  CHECK(delivered["updated"] == t0 + 900);
  CHECK(delivered["eta"].get<double>() >= delivered["window"]["start"].get<double>());
  CHECK(delivered["eta"].get<double>() <= delivered["window"]["end"].get<double>());
  CHECK_FALSE(s->next_change().has_value());

  json history = s->report()["orders"][0]["history"];
  REQUIRE(history.size() == 4);
  CHECK(history[1] == json{{"status", "shipped"}, {"at", t0 + 60}});
  CHECK(history[3]["status"] == "delivered");
  CHECK(s->order("r-9").status == 404);
}

TEST_CASE("advance moves the sandbox's clock and the orders with it") {
  Sim s;
  json q = s.quote();
  REQUIRE(s->place(kKey1, order_body(q, "doorstep")).status == 201);
  s->advance(15 * 3600);
  CHECK(s->now() == doctest::Approx(kStart + 15 * 3600));
  json o = s->order("r-1001").body;
  CHECK(o["status"] == "delivered");
  CHECK(s->report()["orders"][0]["history"].size() == 4);
  s->advance(-5);  // ignored
  CHECK(s->now() == doctest::Approx(kStart + 15 * 3600));
}

TEST_CASE("cancel works until the order ships, then 409") {
  Sim s;
  REQUIRE(s->place(kKey1, order_body(s.quote(), "doorstep")).status == 201);
  REQUIRE(s->place(kKey2, order_body(s.quote(), "doorstep")).status == 201);
  SimReply c = s->cancel("r-1001");
  CHECK(c.status == 200);
  CHECK(c.body["status"] == "cancelled");
  CHECK(s->cancel("r-1001").status == 200);  // a retried cancel is harmless
  s->advance(3600);
  CHECK(s->order("r-1001").body["status"] == "cancelled");
  CHECK(s->order("r-1002").body["status"] == "shipped");
  SimReply late = s->cancel("r-1002");
  CHECK(late.status == 409);
  CHECK(code(late) == "already_shipped");
  CHECK(s->cancel("r-77").status == 404);
  // A cancelled order's key still replays it.
  CHECK(s->report()["orders"][0]["status"] == "cancelled");
}

TEST_CASE("delivery changes: access only after shipping, nothing once out for delivery") {
  Sim s;
  REQUIRE(s->place(kKey1, order_body(s.quote(), "trunk")).status == 201);
  SimReply early = s->change_delivery("r-1001", trunk_access("r-1001"));
  CHECK(early.status == 409);
  CHECK(code(early) == "not_shipped");
  // Doorstep is fine before shipping; the window becomes the doorstep window.
  SimReply door = s->change_delivery("r-1001", {{"method", "doorstep"}});
  REQUIRE(door.status == 200);
  CHECK(door.body["delivery"] == json{{"method", "doorstep"}});
  CHECK(door.body["window"]["end"] == kStart + 17 * 3600);

  s->advance(3600);
  REQUIRE(s->order("r-1001").body["status"] == "shipped");
  SimReply trunk = s->change_delivery("r-1001", trunk_access("r-1001"));
  REQUIRE_MESSAGE(trunk.status == 200, trunk.body.dump());
  CHECK(trunk.body["delivery"] == json{{"method", "trunk"}, {"access_given", true}});
  CHECK(trunk.body["window"]["end"] == kStart + 19 * 3600);
  CHECK(s->report()["orders"][0]["carrier_api"] ==
        "https://hub.example/api/v1/carrier/deliveries/r-1001");
  // The code is kept nowhere.
  CHECK(s->report().dump().find("secret-trunk-code-4711") == std::string::npos);
  CHECK(trunk.body.dump().find("secret-trunk-code-4711") == std::string::npos);

  // Malformed changes.
  CHECK(s->change_delivery("r-1001", {{"method", "trunk"}}).status == 400);
  CHECK(
      s->change_delivery("r-1001", {{"method", "doorstep"}, {"access", {{"code", "1"}}}}).status ==
      400);
  json bad_url = trunk_access("r-1001");
  bad_url["access"]["carrier_api"] = "ftp://hub.example/x";
  CHECK(s->change_delivery("r-1001", bad_url).status == 400);
  json empty_code = trunk_access("r-1001", "");
  CHECK(s->change_delivery("r-1001", empty_code).status == 400);
  CHECK(s->change_delivery("r-1001", {{"method", "drone"}}).status == 400);
  CHECK(s->change_delivery("r-404", {{"method", "doorstep"}}).status == 404);

  s->advance(12 * 3600);
  REQUIRE(s->order("r-1001").body["status"] == "out_for_delivery");
  SimReply late = s->change_delivery("r-1001", {{"method", "doorstep"}});
  CHECK(late.status == 409);
  CHECK(code(late) == "out_for_delivery");
  s->advance(2 * 3600);
  CHECK(s->order("r-1001").body["status"] == "delivered");
  CHECK(code(s->change_delivery("r-1001", {{"method", "doorstep"}})) == "order_closed");
}

TEST_CASE("trunk delivery needs a vehicle from the order and access before delivery") {
  Sim s;
  REQUIRE(s->place(kKey1, order_body(s.quote(), "doorstep")).status == 201);
  REQUIRE(s->place(kKey2, order_body(s.quote(), "trunk")).status == 201);
  s->advance(3600);
  SimReply no_vehicle = s->change_delivery("r-1001", trunk_access("r-1001"));
  CHECK(no_vehicle.status == 422);
  CHECK(code(no_vehicle) == "no_vehicle");
  // r-1002 is a trunk order that never gets its access: the carrier cannot open the car.
  s->advance(14 * 3600);
  json o = s->order("r-1002").body;
  CHECK(o["status"] == "failed");
  CHECK(o["reason"] == "trunk_access_missing");
  CHECK(s->order("r-1001").body["status"] == "delivered");
  CHECK(code(s->cancel("r-1002")) == "order_closed");
  // Switching back to doorstep after access was given forgets it.
  REQUIRE(s->place(kKey3, order_body(s.quote(), "trunk")).status == 201);
  s->advance(3600);
  REQUIRE(s->change_delivery("r-1003", trunk_access("r-1003")).status == 200);
  SimReply door = s->change_delivery("r-1003", {{"method", "doorstep"}});
  CHECK(door.body["delivery"] == json{{"method", "doorstep"}});
  CHECK_FALSE(s->report()["orders"][2].contains("carrier_api"));
}

TEST_CASE("callbacks carry the order and an HMAC-SHA256 signature of the body") {
  // RFC 4231, test case 2.
  CHECK(sign_body("Jefe", "what do ya want for nothing?") ==
        "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");

  SimOptions o;
  o.callback_url = "http://127.0.0.1:9/api/v1/retailer/events";
  o.webhook_secret = "whsec-0123456789";
  Sim s(o);
  CHECK(s->take_callbacks().empty());
  REQUIRE(s->place(kKey1, order_body(s.quote(), "trunk")).status == 201);
  auto placed = s->take_callbacks();
  REQUIRE(placed.size() == 1);
  CHECK(placed[0].order_id == "r-1001");
  CHECK(placed[0].status == "placed");
  json body = json::parse(placed[0].body);
  CHECK(body == s->order("r-1001").body);
  CHECK(placed[0].signature == "sha256=" + independent_hmac("whsec-0123456789", placed[0].body));

  s->advance(3600);
  REQUIRE(s->change_delivery("r-1001", trunk_access("r-1001")).status == 200);
  s->advance(14 * 3600);
  auto later = s->take_callbacks();
  REQUIRE(later.size() == 3);
  CHECK(later[0].status == "shipped");
  CHECK(later[1].status == "out_for_delivery");
  CHECK(later[2].status == "delivered");
  for (const auto& cb : later) {
    CHECK(cb.signature == "sha256=" + independent_hmac("whsec-0123456789", cb.body));
    CHECK(cb.body.find("secret-trunk-code-4711") == std::string::npos);
    CHECK(json::parse(cb.body)["status"] == cb.status);
  }
  s->callback_sent(true);
  s->callback_sent(false);
  CHECK(s->report()["callbacks"] ==
        json{{"queued", 0}, {"sent", 1}, {"failed", 1}, {"dropped", 0}});

  SimOptions unsigned_options;
  unsigned_options.callback_url = "http://127.0.0.1:9/x";
  CHECK_FALSE(check_options(unsigned_options).ok());
}

TEST_CASE("the report counts every presentation of every key") {
  Sim s;
  json q = s.quote();
  s->presented(kKey1);
  REQUIRE(s->place(kKey1, order_body(q)).status == 201);
  s->presented(kKey1);
  s->presented(kKey1);
  s->presented(kKey2);
  json r = s->report();
  REQUIRE(r["orders"].size() == 1);
  CHECK(r["orders"][0]["idempotency_key"] == kKey1);
  CHECK(r["orders"][0]["presented"] == 3);
  CHECK(r["orders"][0]["placed_at"] == kStart);
  REQUIRE(r["keys"].size() == 2);
  CHECK(r["keys"][0] == json{{"key", kKey1}, {"presented", 3}, {"order_id", "r-1001"}});
  CHECK(r["keys"][1] == json{{"key", kKey2}, {"presented", 1}, {"order_id", nullptr}});
  CHECK(r["now"] == kStart);
}

TEST_CASE("a key that placed an order finds it again however many keys were presented") {
  // The report counts presentations of at most 100,000 keys; once that many were shown
  // (refused requests count), a new order's key was no longer bound, and the same key
  // again got 409 quote_used and then placed a second order with a new quote.
  Sim s;
  char key[37];
  for (int i = 0; i < 100000; ++i) {
    std::snprintf(key, sizeof key, "00000000-0000-4000-8000-%012d", i);
    s->presented(key);
  }
  s->presented("fill-1");  // not a key place() could take: never counted
  json q = s.quote();
  s->presented(kKey1);
  SimReply first = s->place(kKey1, order_body(q));
  REQUIRE(first.status == 201);
  SimReply again = s->place(kKey1, order_body(q));
  CHECK(again.status == 200);
  CHECK(again.body == first.body);
  json other = order_body(s.quote());
  CHECK(code(s->place(kKey1, other)) == "idempotency_key_reused");
  CHECK(s->report()["orders"].size() == 1);
}

TEST_CASE("catalogues and options are validated") {
  auto c = parse_catalogue(json::parse(
      R"([{"sku":"TEA-100","price":3.5,"weight_kg":0.12,"dims_cm":[10,8,5],"temperature_sensitive":false}])"));
  REQUIRE(c.ok());
  CHECK(c->at(0).sku == "TEA-100");
  CHECK(c->at(0).dims_cm == std::array<int, 3>{10, 8, 5});
  CHECK_FALSE(parse_catalogue(json::array()).ok());
  CHECK_FALSE(
      parse_catalogue(json::parse(R"([{"sku":"A","price":0,"weight_kg":1,"dims_cm":[1,1,1]}])"))
          .ok());
  CHECK_FALSE(
      parse_catalogue(json::parse(R"([{"sku":"A B","price":1,"weight_kg":1,"dims_cm":[1,1,1]}])"))
          .ok());
  CHECK_FALSE(
      parse_catalogue(json::parse(R"([{"sku":"A","price":1,"weight_kg":1,"dims_cm":[1,1]}])"))
          .ok());
  CHECK_FALSE(parse_catalogue(
                  json::parse(R"([{"sku":"A","price":1,"weight_kg":1,"dims_cm":[1,1,1],"x":1}])"))
                  .ok());
  CHECK_FALSE(
      parse_catalogue(
          json::parse(
              R"([{"sku":"A","price":1,"weight_kg":1,"dims_cm":[1,1,1]},{"sku":"A","price":2,"weight_kg":1,"dims_cm":[1,1,1]}])"))
          .ok());
  SimOptions o;
  CHECK(check_options(o).ok());
  o.speed = 0;
  CHECK_FALSE(check_options(o).ok());
  o = {};
  o.currency = "eur";
  CHECK_FALSE(check_options(o).ok());
  o = {};
  o.ship_after = -1;
  CHECK_FALSE(check_options(o).ok());
}

// ---- SandboxApi: the HTTP face -------------------------------------------------------
