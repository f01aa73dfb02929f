#include "delivery/outlook.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>

#include "larder/texts.h"

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

std::string age_words(const Texts& t, double seconds) {
  if (seconds < 2 * kDay) {
    return t("delivery.basis.age_hours", {Texts::arg("n", t.fixed(seconds / 3600, 1))});
  }
  return t("delivery.basis.age_days", {Texts::arg("n", t.fixed(seconds / kDay, 1))});
}

// Where the car is now, in words, for the place the outlook settles on (may be null).
std::string now_words(const Texts& t, const std::vector<Place>& places,
                      const std::optional<CarNow>& car, const Place* best, double now,
                      const OutlookOptions& options) {
  if (!car) return t("delivery.basis.no_position");
  const double age = now - car->ts;
  if (!std::isfinite(age)) return t("delivery.basis.position_no_time");
  if (age > options.stale_s) {
    return t("delivery.basis.position_old", {Texts::arg("age", age_words(t, age))});
  }
  if (car->moving) return t("delivery.basis.moving");
  const Place* at = best && inside(*best, car->at, car->accuracy_m)
                        ? best
                        : place_of(places, car->at, car->accuracy_m);
  if (at) return t("delivery.basis.parked_at_now", {Texts::arg("place", at->name)});
  // Inside by its centre but not by its whole accuracy circle: say why it does not count.
  if (const Place* near = place_of(places, car->at, 0)) {
    return t("delivery.basis.parked_near_now", {Texts::arg("place", near->name),
                                                Texts::arg("accuracy", t.fixed(car->accuracy_m, 0))});
  }
  return t("delivery.basis.parked_outside_now");
}

}  // namespace

std::string format_percent(const Texts& t, double p) {
  if (!std::isfinite(p)) return t("delivery.percent_unknown");
  // The small lift keeps 0.29 (28.999...%) from reading as 28%.
  return t("delivery.percent", {t.num("n", std::floor(std::clamp(p, 0.0, 1.0) * 100 + 1e-6))});
}

std::string format_window(const Texts& t, const TimeZone& tz, orders::Window window) {
  if (!valid(window)) return t("delivery.window.invalid");
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
    const double d = day + 4 - 7 * std::floor((day + 4) / 7);  // 1970-01-01: Thursday (4)
    return t("delivery.day." + std::to_string(static_cast<int>(std::clamp(d, 0.0, 6.0))));
  };
  double day_start = 0, day_end = 0;
  std::string from, to;
  split(window.start, day_start, from);
  split(window.end, day_end, to);
  std::string out = weekday(day_start) + " " + from + "-";
  if (day_end != day_start) out += weekday(day_end) + " ";
  out += to;
  if (window.end - window.start >= 6 * kDay) {
    const double days = (window.end - window.start) / kDay;
    out = t("delivery.window.days", {Texts::arg("window", out), Texts::arg("n", t.fixed(days, 0))});
  }
  return out;
}

CarOutlook car_outlook(const WeeklyPattern& parking, const std::vector<Place>& places,
                       const std::optional<CarNow>& now_state, orders::Window window,
                       double now, OutlookOptions options) {
  const Texts& t = options.texts ? *options.texts : texts_for("en");
  CarOutlook out;
  if (!valid(window)) {
    out.basis = t("delivery.basis.window_invalid");
    return out;
  }
  if (places.empty()) {
    out.basis = t("delivery.basis.no_places");
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
  if (w >= kMention) basis = now_words(t, places, now_state, place, now, options);
  if (1 - w >= kMention) {
    if (!basis.empty()) basis += "; ";
    const TextArg when = Texts::arg("window", format_window(t, parking.time_zone(), window));
    if (!enough) {
      basis += t("delivery.basis.little_history",
                 {when, Texts::arg("hours", t.fixed(evidence, 1)),
                  Texts::arg("needed", t.fixed(options.min_evidence_hours, 1))});
    } else if (place) {
      basis += t(best_learned >= 0.5 ? "delivery.basis.usually_parked"
                                     : "delivery.basis.parked_only",
                 {Texts::arg("place", place->name), when,
                  Texts::arg("chance", format_percent(t, best_learned))});
    } else {
      basis += t("delivery.basis.not_usually_parked", {when});
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
