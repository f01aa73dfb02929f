// The vehicle_tracker plugin: OwnTracks (shared/formats.md) to the canonical vehicle
// location and presence inputs (shared/contract/mqtt-v1.md).
//
// Each vehicle and person that names an OwnTracks device ("<user>/<device>") is heard on
// <base>/<user>/<device> (locations, lwt; retained messages wanted: the last known fix) and
// <base>/<user>/<device>/event (transitions), <base> being plugins.owntracks_base.
//
// Vehicles: every valid location fix becomes vehicle/<id>/location
// {"lat","lon","acc" (when the fix has one),"moving","ts": tst}. `moving` is derived here,
// because OwnTracks has no parked flag and the trunk delivery needs one:
//   - The still period starts at an anchor fix. A fix farther from the anchor than
//     max(acc of both fixes, 20 m) (haversine), or with "vel" above 5 km/h, is movement:
//     it becomes the new anchor and is reported moving:true.
//   - A fix within that distance is jitter: moving:false once it is parked_after_s or more
//     after the anchor, moving:true before that.
//   - The first fix after start is an anchor too, so a car is never claimed parked before
//     it has been seen still for parked_after_s (a wrong "parked" could send a courier to
//     a car that is gone; a late "parked" only delays a decision).
//   - OwnTracks stays silent while nothing moves, so tick(now) declares the car parked
//     when now reaches anchor + parked_after_s without movement: the last fix again, with
//     moving:false and ts = anchor + parked_after_s, once per still period.
// Order: a fix older than the device's newest fix is refused as bad_input("time")
// (OwnTracks queues fixes while offline and may resend them; the hub would refuse an older
// location anyway). A fix with the newest fix's tst is a duplicate (a retained copy after a
// reconnect, a QoS 1 resend) and is dropped without a word: OwnTracks gives even pings a
// fresh tst. A fix newer than the newest fix but older than a parked claim made by tick()
// (a fix queued while offline) is reported only when it shows movement, and then at the
// claim's ts, correcting it; a still one sends nothing (the hub refuses an older ts).
//
// People: a location fix carrying "inregions" becomes presence/<id> {"home": inregions
// holds home_region, "ts": tst}; without "inregions" there is no presence. A transition
// {"_type":"transition","event":"enter"|"leave","desc":<region>,"tst":..} whose desc is
// the home_region (exact spelling) becomes presence/<id> {"home": event == "enter",
// "ts": tst}; other regions are ignored, and so is a presence older than the person's last
// one (transitions and locations may arrive out of order). Transitions heard on a device
// only vehicles use are ignored.
//
// The retained flag of the device message is passed on. `lwt` is logged (the broker lost
// the app) and changes nothing; every other `_type` (waypoint, waypoints, card, cmd,
// status, steps, beacon, configuration, encrypted, unknown ones) is ignored.
// Bad input (Sink::bad_input, reason codes): too_large (> 64 KiB, not parsed), json (not
// JSON, not an object), shape (no string `_type`; lat, lon or tst missing or not numbers;
// acc or vel given but not numbers, null counting as absent; inregions not a list of
// strings, checked where a person listens; a transition without string event and desc or
// numeric tst), value (lat outside -90..90, lon outside -180..180, negative acc or tst,
// non-finite numbers, an event other than enter or leave), time (a fix older than the
// newest one).
// Thread rule: a plain value; every call on the event-loop thread (plugins/plugin.h).
#pragma once

#include <memory>

#include "larder/config.h"
#include "plugins/plugin.h"

namespace larder::plugins {

// nullptr when no vehicle and no person names an OwnTracks device.
std::unique_ptr<Plugin> make_vehicle_tracker(const Config& config);

}  // namespace larder::plugins
