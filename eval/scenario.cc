#include "eval/scenario.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace larder::eval {

namespace {

// Stream numbers (the `b` of stream_seed; `a` is the item's index, or kHousehold).
enum Stream : std::uint64_t {
  kUses = 1, kLifts, kObjects, kReadings, kChange, kDeliveries, kOpenings, kTopUps,
};
constexpr std::uint64_t kHousehold = 99;

// Use peaks of the day (protocol: 45% morning, 25% noon, 30% evening; scenario.h).
constexpr double kMorning = kUsePeaks[0].at, kNoon = kUsePeaks[1].at, kEvening = kUsePeaks[2].at;
constexpr double kPeakSd = kUsePeakSd;

ItemSpec spec(std::string id, std::string name, int index, Sensor sensor, bool intermittent,
              Unit unit, double capacity, double tare, double pack, double per_day,
              double mean, double sd, double lo, double hi, double weekend, double noise) {
  ItemSpec s;
  s.id = std::move(id);
  s.name = std::move(name);
  s.index = index;
  s.sensor = sensor;
  s.intermittent = intermittent;
  s.unit = unit;
  s.capacity = capacity;
  s.tare = tare;
  s.pack = pack;
  s.uses_per_day = per_day;
  s.use_mean = mean;
  s.use_sd = sd;
  s.use_min = lo;
  s.use_max = hi;
  s.weekend_factor = weekend;
  s.noise = noise;
  return s;
}

}  // namespace

bool is_weekend(double t) {
  auto day = static_cast<long long>(std::floor((t - kStartEpoch) / kDay));
  long long wd = ((day % 7) + 7) % 7;  // 0 = Monday (kStartEpoch is a Monday)
  return wd >= 5;
}

namespace {

// Intervals sorted by start with a bounded length: the ones holding t.
template <typename F>
void covering(const std::vector<Interval>& v, double t, double max_len, F&& f) {
  auto it = std::upper_bound(v.begin(), v.end(), t,
                             [](double x, const Interval& i) { return x < i.start; });
  while (it != v.begin()) {
    --it;
    if (it->start < t - max_len) break;
    if (it->contains(t)) f(*it);
  }
}

}  // namespace

const std::vector<ItemSpec>& protocol_items() {
  static const std::vector<ItemSpec> items = {
      spec("coffee", "Coffee beans", 0, Sensor::scale, false, Unit::g, 1000, 350, 500, 3, 8,
           1.5, 2, 16, 1.3, 1),
      spec("water_filter", "Water filter", 1, Sensor::counter, false, Unit::l, 200, 0, 150, 4,
           1, 0.25, 0.25, 2.5, 1.3, 0),
      spec("pods", "Coffee pods", 2, Sensor::counter, false, Unit::pcs, 80, 0, 40, 2.2, 1, 0,
           1, 1, 1.3, 0),
      spec("detergent", "Detergent", 3, Sensor::level, true, Unit::ml, 2000, 0, 1500, 0.6, 60,
           0, 60, 60, 2.0, 15),
  };
  return items;
}

const ItemSpec* find_item(std::string_view id) {
  for (const auto& i : protocol_items()) {
    if (i.id == id) return &i;
  }
  return nullptr;
}

bool Scenario::in_outage(double t) const {
  bool in = false;
  covering(outages, t, 1e18, [&](const Interval&) { in = true; });
  return in;
}

bool Scenario::in_lift(double t, double after) const {
  auto it = std::upper_bound(lifts.begin(), lifts.end(), t,
                             [](double x, const Interval& i) { return x < i.start; });
  while (it != lifts.begin()) {
    --it;
    if (it->start < t - 120 - after) break;
    if (t < it->end + after) return true;
  }
  return false;
}

double Scenario::object_weight(double t) const {
  double w = 0;
  covering(objects, t, 3600, [&](const Interval& i) { w += i.weight; });
  return w;
}

double draw_delivery_days(Rng& rng) {
  double d = kDeliveryBaseDays + rng.gamma(kDeliveryShape, kDeliveryScaleDays);
  if (rng.bernoulli(kLateDeliveryChance)) d += kLateDeliveryDays;
  return d;
}

double draw_opening_delay(Rng& rng) { return rng.uniform(0, kOpenDelayMaxHours * 3600); }

Scenario make_scenario(const ItemSpec& item, std::uint64_t seed, double days) {
  Scenario s;
  s.item = &item;
  s.seed = seed;
  s.days = days;
  s.t_end = s.t0 + days * kDay;
  const auto a = static_cast<std::uint64_t>(item.index);
  s.delivery_seed = stream_seed(seed, a, kDeliveries);
  s.opening_seed = stream_seed(seed, a, kOpenings);
  s.topup_seed = stream_seed(seed, a, kTopUps);

  // The household: one vacation, then hub outages from day 1 on (the setup of day 0 is
  // always seen), gaps exponential with a mean of 30 days, 6 to 48 hours long.
  Rng house(stream_seed(seed, kHousehold, 0));
  double vstart = s.t0 + house.uniform(30, std::max(30.0, days - 30)) * kDay;
  s.vacation = {vstart, vstart + house.uniform(5, 14) * kDay, 0};
  for (double t = s.t0 + kDay;;) {
    double start = t + house.exponential(kOutageEveryDays * kDay);
    if (start >= s.t_end) break;
    double end = start + house.uniform(6, 48) * 3600;
    s.outages.push_back({start, std::min(end, s.t_end), 0});
    t = end;
  }

  // One lasting change of habit after day 120.
  Rng change(stream_seed(seed, a, kChange));
  double cday = std::floor(change.uniform(kChangeAfterDay, std::max(kChangeAfterDay, days - 30)));
  double cfac = change.bernoulli(0.5) ? 0.6 : 1.6;
  if (days > kChangeAfterDay) {
    s.change_day = cday;
    s.change_factor = cfac;
  }

  // Demand: Poisson uses a day around three peaks; weekends and the change scale the count.
  Rng uses(stream_seed(seed, a, kUses));
  auto ndays = static_cast<long long>(std::ceil(days));
  for (long long d = 0; d < ndays; ++d) {
    double day0 = s.t0 + static_cast<double>(d) * kDay;
    double mean = item.uses_per_day * (is_weekend(day0) ? item.weekend_factor : 1.0);
    if (s.change_day >= 0 && static_cast<double>(d) >= s.change_day) mean *= s.change_factor;
    int n = uses.poisson(mean);
    for (int i = 0; i < n; ++i) {
      double u = uses.uniform();
      double peak = u < 0.45 ? kMorning : u < 0.70 ? kNoon : kEvening;
      double tod = std::clamp(peak + uses.normal(0, kPeakSd), 0.0, kDay - 1);
      double amount = std::clamp(uses.normal(item.use_mean, item.use_sd), item.use_min, item.use_max);
      double t = day0 + tod;
      if (t >= s.t_end || s.vacation.contains(t)) continue;
      s.uses.push_back({t, amount});
    }
  }
  std::sort(s.uses.begin(), s.uses.end(), [](const Use& x, const Use& y) { return x.t < y.t; });

  if (item.sensor == Sensor::scale) {
    Rng lifts(stream_seed(seed, a, kLifts));
    for (const auto& u : s.uses) s.lifts.push_back({u.t, u.t + lifts.uniform(20, 120), 0});
    Rng objects(stream_seed(seed, a, kObjects));
    for (long long d = 0; d < ndays; ++d) {
      int n = objects.poisson(kObjectsPerDay);
      for (int i = 0; i < n; ++i) {
        double start = s.t0 + (static_cast<double>(d) + objects.uniform()) * kDay;
        double len = objects.uniform(120, 3600);
        double w = objects.uniform(100, 600);
        if (start < s.t_end) s.objects.push_back({start, start + len, w});
      }
    }
    std::sort(s.objects.begin(), s.objects.end(),
              [](const Interval& x, const Interval& y) { return x.start < y.start; });
  }

  s.readings = static_cast<std::size_t>(std::floor(days * kDay / kReadingInterval));
  if (has_readings(item)) {
    Rng rd(stream_seed(seed, a, kReadings));
    s.offsets.resize(s.readings);
    s.spike.resize(s.readings);
    for (std::size_t k = 0; k < s.readings; ++k) {
      double noise = rd.normal(0, item.noise);
      bool spike = rd.bernoulli(kSpikeShare);
      double size = rd.uniform(0.3, 1.5) * item.pack;
      double sign = rd.bernoulli(0.5) ? 1.0 : -1.0;
      s.offsets[k] = noise + (spike ? sign * size : 0.0);
      s.spike[k] = spike ? 1 : 0;
    }
  }
  return s;
}

std::string input_topic(const ItemSpec& item, InputKind kind) {
  static const char* names[] = {"level", "used", "refilled", "purchased"};
  return "larder/v1/consumable/" + item.id + "/" + names[static_cast<int>(kind)];
}

void input_payload(const ItemSpec& item, InputKind kind, double ts, double value,
                   std::string& payload) {
  char buf[160];
  std::string unit(unit_name(item.unit));
  int n = 0;
  switch (kind) {
    case InputKind::level:
      n = std::snprintf(buf, sizeof buf, R"({"value":%.1f,"unit":"%s",%s"ts":%.3f})", value,
                        unit.c_str(), item.sensor == Sensor::scale ? R"("gross":true,)" : "", ts);
      break;
    case InputKind::used:
      n = std::snprintf(buf, sizeof buf, R"({"amount":%.6g,"unit":"%s","ts":%.3f})", value,
                        unit.c_str(), ts);
      break;
    case InputKind::refilled:
      n = std::isnan(value)
              ? std::snprintf(buf, sizeof buf, R"({"ts":%.3f})", ts)
              : std::snprintf(buf, sizeof buf, R"({"amount":%.6g,"unit":"%s","ts":%.3f})", value,
                              unit.c_str(), ts);
      break;
    case InputKind::purchased:
      n = std::snprintf(buf, sizeof buf, R"({"packs":%d,"ts":%.3f})", static_cast<int>(value), ts);
      break;
  }
  payload.assign(buf, static_cast<std::size_t>(std::max(n, 0)));
}

}  // namespace larder::eval
