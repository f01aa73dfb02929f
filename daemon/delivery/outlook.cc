#include "delivery/outlook.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>

namespace larder::delivery {

namespace {

constexpr double kDay = 86400;
// Below this weight a part of the blend is not worth mentioning in the basis.
constexpr double kMention = 0.01;

bool valid(orders::Window w) {
  return std::isfinite(w.start) && std::isfinite(w.end) && w.end >= w.start;
}

// How much "now" weighs for a window that begins at `start`.
double now_weight(double start, double now, double tau_s) {
  const double lead = start - now;
  if (!(lead > 0)) return 1;
  if (!(tau_s > 0) || !std::isfinite(tau_s)) return 0;
  return std::exp(-lead / tau_s);
}

std::string fixed(double v, int decimals) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

std::string age_words(double seconds) {
  if (seconds < 2 * kDay) return fixed(seconds / 3600, 1) + " h";
  return fixed(seconds / kDay, 1) + " days";
}

// Where the car is now, in words, for the place the outlook settles on (may be null).
std::string now_words(const std::vector<Place>& places, const std::optional<CarNow>& car,
                      const Place* best, double now, const OutlookOptions& options) {
  if (!car) return "no position of the car is known";
  const double age = now - car->ts;
  if (!std::isfinite(age) || age > options.stale_s) {
    return "the car's last position is " + (std::isfinite(age) ? age_words(age) : "of no time") +
           " old";
  }
  if (car->moving) return "the car is moving now";
  if (best && inside(*best, car->at, car->accuracy_m)) return "parked at " + best->name + " now";
  if (const Place* other = place_of(places, car->at, car->accuracy_m)) {
    return "parked at " + other->name + " now";
  }
  // Inside by its centre but not by its whole accuracy circle: say why it does not count.
  if (const Place* near = place_of(places, car->at, 0)) {
    return "parked near " + near->name + " now, but the position is only accurate to " +
           fixed(car->accuracy_m, 0) + " m";
  }
  return "parked outside the allowed places now";
}

}  // namespace

std::string format_percent(double p) {
  if (!std::isfinite(p)) return "unknown";
  // The small lift keeps 0.29 (28.999...%) from reading as 28%.
  return fixed(std::floor(std::clamp(p, 0.0, 1.0) * 100 + 1e-6), 0) + "%";
}

std::string format_window(const TimeZone& tz, orders::Window window) {
  static constexpr std::array<const char*, 7> kDays = {"Mon", "Tue", "Wed", "Thu",
                                                       "Fri", "Sat", "Sun"};
  if (!valid(window)) return "an invalid window";
  auto split = [&](double ts, double& day, std::string& clock) {
    const double local = tz.to_local(ts);
    day = std::floor(local / kDay);
    const double minutes = std::floor((local - day * kDay) / 60);
    char buf[16];
    std::snprintf(buf, sizeof buf, "%02d:%02d", static_cast<int>(minutes / 60),
                  static_cast<int>(std::fmod(minutes, 60)));
    clock = buf;
  };
  auto weekday = [&](double day) {
    const double d = day + 3 - 7 * std::floor((day + 3) / 7);  // 1970-01-01: Thursday
    return std::string(kDays[static_cast<std::size_t>(std::clamp(d, 0.0, 6.0))]);
  };
  double day_start = 0, day_end = 0;
  std::string from, to;
  split(window.start, day_start, from);
  split(window.end, day_end, to);
  std::string out = weekday(day_start) + " " + from + "-";
  if (day_end != day_start) out += weekday(day_end) + " ";
  out += to;
  if (window.end - window.start >= 6 * kDay) {
    out += " (" + fixed((window.end - window.start) / kDay, 0) + " days)";
  }
  return out;
}

CarOutlook car_outlook(const WeeklyPattern& parking, const std::vector<Place>& places,
                       const std::optional<CarNow>& now_state, orders::Window window,
                       double now, OutlookOptions options) {
  CarOutlook out;
  if (!valid(window)) {
    out.basis = "the delivery window is not valid";
    return out;
  }
  if (places.empty()) {
    out.basis = "no place for trunk delivery is set up";
    return out;
  }
  const double w = now_weight(window.start, now, options.tau_s);
  const bool fresh = now_state && !now_state->moving && now - now_state->ts <= options.stale_s;
  const double evidence = parking.evidence_hours(window.start, window.end);
  const bool enough = evidence >= options.min_evidence_hours;

  std::size_t best = places.size();
  double best_p = 0, best_learned = 0;
  for (std::size_t i = 0; i < places.size(); ++i) {
    const double p_now = fresh && inside(places[i], now_state->at, now_state->accuracy_m);
    const double p_learned = enough ? parking.share_over(window.start, window.end, i) : 0;
    const double p = w * p_now + (1 - w) * p_learned;
    if (p > best_p) {
      best = i;
      best_p = p;
      best_learned = p_learned;
    }
  }
  const Place* place = best < places.size() ? &places[best] : nullptr;
  out.probability = best_p;
  if (place) out.place = place->name;

  std::string basis;
  if (w >= kMention) basis = now_words(places, now_state, place, now, options);
  if (1 - w >= kMention) {
    if (!basis.empty()) basis += "; ";
    const std::string when = format_window(parking.time_zone(), window);
    if (!enough) {
      basis += "too little parking history for " + when + " (" + fixed(evidence, 1) +
               " h of the " + fixed(options.min_evidence_hours, 1) + " h needed)";
    } else if (place && best_learned >= 0.5) {
      basis += "usually parked at " + place->name + " " + when + " (" +
               format_percent(best_learned) + ")";
    } else if (place) {
      basis += "parked at " + place->name + " " + when + " only " +
               format_percent(best_learned) + " of the time";
    } else {
      basis += "not usually parked at an allowed place " + when;
    }
  }
  out.basis = basis;
  return out;
}

std::optional<double> home_outlook(const WeeklyPattern& presence,
                                   std::optional<bool> someone_home_now, orders::Window window,
                                   double now, OutlookOptions options) {
  if (!valid(window)) return std::nullopt;
  const bool enough =
      presence.evidence_hours(window.start, window.end) >= options.min_evidence_hours;
  const double p_learned = enough ? presence.share_over(window.start, window.end, 1) : 0;
  if (!someone_home_now) {
    if (!enough) return std::nullopt;
    return p_learned;
  }
  const double w = now_weight(window.start, now, options.tau_s);
  return w * (*someone_home_now ? 1.0 : 0.0) + (1 - w) * p_learned;
}

}  // namespace larder::delivery
