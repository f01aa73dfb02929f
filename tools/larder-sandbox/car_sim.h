// CarSim: the family car's bridge, as larder-sandbox plays it (docs/sandbox.md, "The car"),
// on the canonical vehicle topics of shared/contract/mqtt-v1.md. Pure logic on an injected
// clock and a Bus: main.cc wires it to the hub's MqttClient, the tests to a FakeBus.
//
// Topics (root = <prefix>/v1, vehicle = <id>):
//   <root>/vehicle/<id>/location  {"lat","lon","acc":10,"moving","ts"}  at start(), every
//                                 `report_every` seconds and at once after move(); QoS 1,
//                                 retained.
//   <root>/vehicle/<id>/trunk     {"state":"locked"|"closed"|"open","ts"}  at start()
//                                 ("locked") and at every change the carrier or a command
//                                 makes; QoS 1, retained (the hub ignores retained trunk
//                                 messages as events; the broker keeps the last state).
//   <root>/vehicle/<id>/command   read: {"command":"unlock_trunk","grant":"<grant id>","ts"}
//                                 or {"command":"lock","ts"}.
//
// The trunk. Locked at start. unlock_trunk (with a grant id) leaves it closed but
// unlocked and publishes nothing: the hub hears of it when the carrier opens it. The
// carrier (CarrierSim) opens it ("open"), puts the parcel in and closes it ("closed");
// then, with autolock, the car locks itself `autolock_after` seconds later ("locked").
// Without autolock it stays closed and unlocked until the hub sends lock. lock locks a
// closed trunk ("locked"; again "locked" when it already was); an open trunk cannot be
// locked (refused). unlock_trunk without a grant id, a retained command (a stale one the
// broker kept), a payload that is not a JSON object, an unknown command or a field of
// the wrong type are logged and change nothing.
//
// Times: `ts` and the intervals are on the car's clock (larder-sandbox gives it the real
// clock, the hub's, not the sandbox's advanced one: the hub refuses a ts from the future).
// Thread rule: the sandbox's event-loop thread only.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "larder/bus.h"
#include "larder/clock.h"
#include "larder/status.h"
#include "retailer_sim.h"

namespace larder::sandbox {

struct CarOptions {
  std::string prefix = "larder";      // the contract root is <prefix>/v1
  std::string vehicle = "family-car";  // the contract's id: [a-z0-9][a-z0-9_-]{0,63}
  double lat = 0, lon = 0;            // where it starts, parked
  bool autolock = true;               // locks itself after the carrier closed the trunk
  double autolock_after = 5;          // seconds on the car's clock from closed to locked
  double report_every = 30;           // seconds on the car's clock between location reports
};

// Why the options cannot be used (a bad id or prefix, a position off the globe, ...), or Ok.
Status check_car_options(const CarOptions& options);

class CarSim {
 public:
  enum class Trunk { locked, closed, open };  // closed: closed and unlocked

  // `clock` and `bus` must outlive the car. Nothing is published before start().
  CarSim(const Clock& clock, Bus& bus, CarOptions options);

  // Publishes the position and the trunk (locked).
  void start();
  // Publishes the position when a report is due, and locks when the autolock is due.
  void tick();
  // When tick() next has something to do, on the car's clock.
  std::optional<double> next_change() const;

  std::string command_topic() const { return topic("command"); }
  // One message from the command topic (see the header comment).
  void on_command(const std::string& payload, bool retained);

  // The carrier's hands. open_trunk: closed and unlocked -> open; close_trunk: open ->
  // closed (and the autolock starts). Each publishes the new state; false, and nothing
  // published, when the trunk is not in the state it needs.
  bool unlocked() const { return trunk_ == Trunk::closed; }
  bool open_trunk();
  bool close_trunk();
  Trunk trunk() const { return trunk_; }

  // POST /sandbox/car {"lat","lon","moving"?}: moves the car and publishes the position
  // at once. 400 for anything else (unknown keys, a position off the globe).
  SimReply move(const nlohmann::json& body);
  // GET /sandbox/car: where it is, its trunk and what it was asked to do.
  nlohmann::json report() const;

 private:
  std::string topic(const char* leaf) const;
  void publish_location();
  void set_trunk(Trunk state);
  void refuse(const std::string& why);

  const Clock& clock_;
  Bus& bus_;
  CarOptions options_;
  bool started_ = false;
  double lat_, lon_;
  bool moving_ = false;
  Trunk trunk_ = Trunk::locked;
  double next_report_ = 0;
  std::optional<double> lock_at_;  // the autolock, when it is due
  std::string last_grant_;         // the grant id of the last unlock (an id, not a code)
  std::uint64_t unlocks_ = 0, locks_ = 0, autolocks_ = 0, opens_ = 0, refused_ = 0;
};

const char* trunk_name(CarSim::Trunk state);

}  // namespace larder::sandbox
