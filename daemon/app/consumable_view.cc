#include "app/consumable_view.h"

#include <algorithm>
#include <cmath>
#include <utility>
#include <vector>

#include "forecast/consumable_model.h"

namespace larder {

namespace {

using nlohmann::json;

json number_or_null(const std::optional<double>& v) {
  return v && std::isfinite(*v) ? json(*v) : json(nullptr);
}

// The last point of each of `max_points` equal slices of the points' own span (oldest
// first).
std::vector<std::pair<double, double>> downsample(const std::vector<std::pair<double, double>>& in,
                                                  std::size_t max_points) {
  if (in.size() <= max_points || max_points == 0) return in;
  const double since = in.front().first, until = in.back().first;
  std::vector<std::pair<double, double>> out;
  out.reserve(max_points);
  const double width = (until - since) / static_cast<double>(max_points);
  if (!(width > 0)) return {in.back()};  // all at one time
  auto slice_of = [&](double ts) {
    return static_cast<std::size_t>(
        std::clamp((ts - since) / width, 0.0, static_cast<double>(max_points - 1)));
  };
  for (std::size_t i = 0; i < in.size(); ++i) {
    // The last point of its slice: the next one is in another slice, or there is none.
    if (i + 1 == in.size() || slice_of(in[i + 1].first) != slice_of(in[i].first)) {
      out.push_back(in[i]);
    }
  }
  return out;
}

}  // namespace

json ConsumableView::summary(const ConsumableConfig& c) const {
  json j = json::object();
  if (const ConsumableState* s = hub_.consumable(c.id)) {
    j = json::parse(s->to_json(), nullptr, /*allow_exceptions=*/false);
    if (!j.is_object()) j = json::object();
  }
  j["id"] = c.id;
  j["name"] = c.name;
  return j;
}

json ConsumableView::list() const {
  json out = json::array();
  for (const auto& c : config_.consumables) out.push_back(summary(c));
  return out;
}

Result<std::optional<json>> ConsumableView::detail(const std::string& id,
                                                   std::optional<double> since_opt,
                                                   std::optional<double> until_opt,
                                                   std::size_t max_points) const {
  const ConsumableConfig* c = nullptr;
  for (const auto& cc : config_.consumables) {
    if (cc.id == id) c = &cc;
  }
  if (!c) return std::optional<json>{};
  const double now = clock_.now();
  const double until = until_opt.value_or(now + 1);
  const double since = since_opt.value_or(until - kDefaultSpanS);

  json j = summary(*c);
  j["pack_size"] = c->pack.size;
  const ConsumableModel* model = hub_.model(id);
  j["supply"] = model ? number_or_null(model->supply_now()) : json(nullptr);
  j["reorder_point"] = model ? number_or_null(model->reorder_point(now)) : json(nullptr);
  json curve = json::array();
  if (model) {
    for (const auto& p : model->curve(now)) curve.push_back({p.ts, p.median, p.low, p.high});
  }
  j["forecast"] = std::move(curve);

  // A level sensor's own readings; else the container rebuilt from the events since the
  // beginning (a counter's events are few).
  auto rows = store_.readings(id, since, until, kMaxReadings);
  if (!rows.ok()) return rows.status();
  std::vector<std::pair<double, double>> points;
  for (const Reading& r : rows.value()) {
    if (r.kind == "level") points.emplace_back(r.ts, r.value);
  }
  if (points.empty()) {
    auto all = store_.readings(id, -1e300, until, kMaxReadings);
    if (!all.ok()) return all.status();
    std::optional<double> level;
    for (const Reading& r : all.value()) {
      if (r.kind == "refilled") {
        level = r.value;
      } else if (r.kind == "used" && level) {
        level = std::max(0.0, *level - r.value);
      } else {
        continue;
      }
      if (r.ts >= since) points.emplace_back(r.ts, *level);
    }
  }
  json history = json::array();
  for (const auto& [ts, level] : downsample(points, max_points)) {
    history.push_back({ts, level});
  }
  j["history"] = std::move(history);
  return std::optional<json>{std::move(j)};
}

}  // namespace larder
