// The `delivery:` section of the configuration (docs/delivery.md), and the vehicle keys the
// carrier needs (make, plate_hint).
#include <doctest/doctest.h>

#include <string>

#include "larder/config.h"
#include "support/config_support.h"

using namespace larder;
using namespace larder::test;

namespace {

const std::string kCar =
    "vehicles:\n"
    "  family-car:\n"
    "    make: VW Golf\n"
    "    plate_hint: M-LR\n";

// minimal() with the one car on lines 7-10 and `lines` after it (line 11 on).
ConfigLoad with(const std::string& lines) {
  return parse_config(minimal("", kCar + lines), "/x/l.yaml");
}

}  // namespace

TEST_CASE("delivery: without the section the defaults hold, with the only car") {
  ConfigLoad l = with("");
  INFO(dump(l));
  REQUIRE(l.config.has_value());
  const DeliveryConfig& d = l.config->delivery;
  CHECK(d.prefer == DeliveryPrefer::automatic);
  CHECK(d.vehicle == "family-car");
  CHECK(d.places.empty());
  CHECK(d.limits.max_weight_kg == doctest::Approx(22.7));
  CHECK(d.limits.max_dims_cm[0] == 66);
  CHECK(d.limits.max_dims_cm[1] == 53);
  CHECK(d.limits.max_dims_cm[2] == 40);
  CHECK_FALSE(d.limits.max_value.has_value());
  CHECK(d.min_probability == doctest::Approx(0.9));
  CHECK(d.lock_timeout_s == 120);
  CHECK(d.max_wrong_codes == 5);
  CHECK(d.carrier_url.empty());
  REQUIRE(l.config->vehicles.size() == 1);
  CHECK(l.config->vehicles[0].make == "VW Golf");
  CHECK(l.config->vehicles[0].plate_hint == "M-LR");
}

TEST_CASE("delivery: a full section is read") {
  ConfigLoad l = with(
      "delivery:\n"
      "  prefer: trunk\n"
      "  vehicle: family-car\n"
      "  places:\n"
      "    home: {lat: 48.1371, lon: 11.5754}\n"
      "    work: {lat: 48.15, lon: 11.6, radius_m: 150}\n"
      "  limits:\n"
      "    max_weight_kg: 15\n"
      "    max_dims_cm: [60, 50, 30]\n"
      "    max_value: 250\n"
      "  min_probability: 0.95\n"
      "  lock_timeout_s: 60\n"
      "  max_wrong_codes: 3\n"
      "  carrier_url: https://hub.example.org:8443/\n");
  INFO(dump(l));
  REQUIRE(l.config.has_value());
  const DeliveryConfig& d = l.config->delivery;
  CHECK(d.prefer == DeliveryPrefer::trunk);
  CHECK(d.vehicle == "family-car");
  REQUIRE(d.places.size() == 2);
  CHECK(d.places[0].name == "home");
  CHECK(d.places[0].lat == doctest::Approx(48.1371));
  CHECK(d.places[0].radius_m == 200);
  CHECK(d.places[1].name == "work");
  CHECK(d.places[1].radius_m == 150);
  CHECK(d.limits.max_weight_kg == 15);
  CHECK(d.limits.max_dims_cm[2] == 30);
  REQUIRE(d.limits.max_value.has_value());
  CHECK(*d.limits.max_value == 250);
  CHECK(d.min_probability == doctest::Approx(0.95));
  CHECK(d.lock_timeout_s == 60);
  CHECK(d.max_wrong_codes == 3);
  CHECK(d.carrier_url == "https://hub.example.org:8443");  // the trailing '/' dropped
}

TEST_CASE("delivery: an older file's orders.delivery_method still means what it said") {
  ConfigLoad trunk = parse_config(minimal("", "orders:\n  delivery_method: trunk\n"), "/x/l.yaml");
  INFO(dump(trunk));
  REQUIRE(trunk.config.has_value());
  CHECK(trunk.config->delivery.prefer == DeliveryPrefer::trunk);
  ConfigLoad door = parse_config(minimal("", "orders:\n  delivery_method: doorstep\n"), "/x/l.yaml");
  REQUIRE(door.config.has_value());
  CHECK(door.config->delivery.prefer == DeliveryPrefer::doorstep);
  // delivery.prefer wins over it.
  ConfigLoad both = parse_config(
      minimal("", "orders:\n  delivery_method: doorstep\ndelivery:\n  prefer: auto\n"), "/x/l.yaml");
  INFO(dump(both));
  REQUIRE(both.config.has_value());
  CHECK(both.config->delivery.prefer == DeliveryPrefer::automatic);
}

TEST_CASE("delivery: every bad value is refused with its line and key") {
  // Line 11 is `delivery:`, 12 the first key under it.
  expect_error(with("delivery:\n  prefer: drone\n"), 12, "delivery.prefer", "auto, trunk or doorstep");
  expect_error(with("delivery:\n  vehicle: bike\n"), 12, "delivery.vehicle", "must name a vehicle");
  expect_error(with("delivery:\n  places:\n    home: {lat: 91, lon: 0}\n"), 13,
               "delivery.places.home.lat", "90");
  expect_error(with("delivery:\n  places:\n    home: {lat: 1, lon: 181}\n"), 13,
               "delivery.places.home.lon", "180");
  expect_error(with("delivery:\n  places:\n    home: {lat: 1, lon: 1, radius_m: 5}\n"), 13,
               "delivery.places.home.radius_m", "20");
  expect_error(with("delivery:\n  places:\n    home: {lon: 1}\n"), 13, "delivery.places.home.lat",
               "missing");
  expect_error(with("delivery:\n  places:\n    Home!: {lat: 1, lon: 1}\n"), 13,
               "delivery.places.Home!", "not a valid place id");
  expect_error(with("delivery:\n  limits:\n    max_weight_kg: 0\n"), 13,
               "delivery.limits.max_weight_kg", "greater than 0");
  expect_error(with("delivery:\n  limits:\n    max_dims_cm: [60, 50]\n"), 13,
               "delivery.limits.max_dims_cm", "three sizes");
  expect_error(with("delivery:\n  limits:\n    max_dims_cm: [60, 50, -1]\n"), 13,
               "delivery.limits.max_dims_cm[2]", "greater than 0");
  // The sizes are numbers as every number is: no quotes, no hexadecimal, not a map.
  expect_error(with("delivery:\n  limits:\n    max_dims_cm: [\"66\", 53, 40]\n"), 13,
               "delivery.limits.max_dims_cm[0]", "write numbers without quotes");
  expect_error(with("delivery:\n  limits:\n    max_dims_cm: [66, 0x10, 40]\n"), 13,
               "delivery.limits.max_dims_cm[1]", "greater than 0 and at most 500, got \"0x10\"");
  expect_error(with("delivery:\n  limits:\n    max_dims_cm: [66, 53, 501]\n"), 13,
               "delivery.limits.max_dims_cm[2]", "at most 500");
  expect_error(with("delivery:\n  limits:\n    max_dims_cm: {a: 1}\n"), 13,
               "delivery.limits.max_dims_cm", "must be a list of numbers");
  expect_error(with("delivery:\n  limits:\n    max_value: 0\n"), 13, "delivery.limits.max_value",
               "greater than 0");
  expect_error(with("delivery:\n  min_probability: 0.3\n"), 12, "delivery.min_probability", "0.5");
  expect_error(with("delivery:\n  lock_timeout_s: 5\n"), 12, "delivery.lock_timeout_s", "10");
  expect_error(with("delivery:\n  max_wrong_codes: 2.5\n"), 12, "delivery.max_wrong_codes",
               "whole number");
  expect_error(with("delivery:\n  carrier_url: ftp://hub\n"), 12, "delivery.carrier_url", "http");
  expect_error(with("delivery:\n  carrier_url: https://hub/x?y=1\n"), 12, "delivery.carrier_url",
               "'?'");
  expect_error(with("delivery:\n  prefer: trunk\n"), 12, "delivery.prefer", "no `places`");
  expect_error(with("delivery:\n  colour: red\n"), 12, "delivery.colour", "");
}

TEST_CASE("delivery: trunk places need one car, and say which when there are several") {
  // No car at all.
  ConfigLoad none = parse_config(
      minimal("", "delivery:\n  places:\n    home: {lat: 1, lon: 1}\n"), "/x/l.yaml");
  INFO(dump(none));
  CHECK_FALSE(none.config.has_value());
  CHECK(find_error(none, "delivery.places") != nullptr);
  // Two cars, none named.
  ConfigLoad two = parse_config(minimal("", "vehicles:\n  a: {}\n  b: {}\n"
                                            "delivery:\n  places:\n    home: {lat: 1, lon: 1}\n"),
                                "/x/l.yaml");
  INFO(dump(two));
  CHECK_FALSE(two.config.has_value());
  CHECK(find_error(two, "delivery.vehicle") != nullptr);
  // Two cars, one named.
  ConfigLoad named = parse_config(
      minimal("", "vehicles:\n  a: {}\n  b: {}\n"
                  "delivery:\n  vehicle: b\n  places:\n    home: {lat: 1, lon: 1}\n"),
      "/x/l.yaml");
  INFO(dump(named));
  REQUIRE(named.config.has_value());
  CHECK(named.config->delivery.vehicle == "b");
  // A vehicle's make is one short line.
  expect_error(parse_config(minimal("", "vehicles:\n  a:\n    make: " + std::string(70, 'x') + "\n"),
                            "/x/l.yaml"),
               9, "vehicles.a.make", "64");
}
