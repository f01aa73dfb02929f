// What the learned patterns and the latest reports say about one delivery window: the
// chance that the car is parked inside an allowed place for the whole window, and the
// chance that someone is at home for the whole window.
//
// Both blend "now" with "usually", by how soon the window begins: with lead = window.start
// - now, w = exp(-lead / tau_s) (w = 1 once the window has begun) and
//   p = w * p_now + (1 - w) * p_learned.
// The car (for the trunk option's window): for each allowed place, p_now is 1 when the
// latest report is fresh (not older than stale_s), says the car is not moving, and puts
// its whole accuracy circle inside the place (geo.h inside()); otherwise 0: a stale or
// missing report promises nothing. p_learned is parking.share_over(window, index of the
// place), the smallest share over the window's local hours, or 0 when the evidence for
// those hours is below min_evidence_hours: no history is no promise. The best place wins
// (the first on a tie).
// Someone at home (for the doorstep option's window): the same blend, with state 1 of the
// presence pattern ("someone at home"): the chance that someone is at home for the WHOLE
// window (the smallest share over its hours), because a parcel may come at any time in it.
// An unknown "now" leaves the pattern alone (w = 0); a pattern with too little evidence
// counts 0 (as for the car); nullopt when neither knows anything.
// What a habit is worth: a pattern holds at most 1 / (1 - 2^(-7 / half_life_days)) hours of
// evidence per hour of the week (6.3 for 28 days), and share() adds a prior of a quarter
// hour, so a perfectly regular habit gives (6.3 + 0.06) / 6.55 = 0.97 once learned, and
// (2 + 0.06) / 2.25 = 0.92 after two weeks (two hours of evidence, min_evidence_hours):
// enough for the default min_probability of 0.9; a habit kept three times out of four is not.
// Pure functions of their arguments: no clock, no I/O. Thread rule: none needed.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "delivery/geo.h"
#include "delivery/weekly_pattern.h"
#include "orders/order.h"

namespace larder {
class Texts;
}

namespace larder::delivery {

struct OutlookOptions {
  double tau_s = 7200;            // how fast "parked there now" gives way to "usually"
  double stale_s = 3600;          // an older report says nothing about now
  double min_evidence_hours = 2;  // less history for the window's hours counts as none
  // The words of CarOutlook::basis (the delivery.basis.* messages); nullptr: English.
  const Texts* texts = nullptr;
};

// The car's latest location report (mqtt-v1 `larder/v1/vehicle/<id>/location`).
struct CarNow {
  GeoPoint at;
  double accuracy_m = 0;
  bool moving = false;
  double ts = 0;
};

struct CarOutlook {
  double probability = 0;  // the chance the car is parked inside `place` for the whole window
  std::string place;       // the allowed place it is most likely in ("" if none)
  std::string basis;       // in words: "parked at home now; usually parked at home Tue
                           // 09:00-12:00 (94%)"
};

// `parking` has the states of the car's pattern: place i of `places` is state i (then
// "elsewhere", then "moving"). An invalid window (not finite, or end before start) or no
// places gives probability 0 with the reason as basis.
CarOutlook car_outlook(const WeeklyPattern& parking, const std::vector<Place>& places,
                       const std::optional<CarNow>& now_state, orders::Window window,
                       double now, OutlookOptions options = {});

// The chance that someone is at home for the whole window, from a presence pattern of two
// states (0 nobody at home, 1 someone at home) and whether someone is at home now (nullopt:
// unknown). nullopt when neither the present nor the pattern knows anything, or the window
// is invalid.
std::optional<double> home_outlook(const WeeklyPattern& presence,
                                   std::optional<bool> someone_home_now, orders::Window window,
                                   double now, OutlookOptions options = {});

// A chance in words, rounded down so that 89.7% never reads as the 90% it missed: "89%"
// (the catalog's delivery.percent: "89 %" in German).
std::string format_percent(const Texts& t, double p);

// A window in the household's local time: "Tue 09:00-12:00", or "Tue 22:00-Wed 02:00"
// (the catalog's delivery.day.* names: "Di 09:00-12:00").
std::string format_window(const Texts& t, const TimeZone& tz, orders::Window window);

}  // namespace larder::delivery
