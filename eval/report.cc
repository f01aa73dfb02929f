#include "eval/report.h"

#include <algorithm>
#include <cstdio>
#include <functional>

namespace larder::eval {

namespace {

using Get = std::function<std::optional<double>(const ItemMetrics&)>;

struct Row {
  const char* key;
  const char* label;
  int decimals;
  Get get;
  // Whether the row applies to a subject (else "-").
  std::function<bool(const ItemMetrics&, const ItemSpec&)> applies;
};

bool always(const ItemMetrics&, const ItemSpec&) { return true; }

const std::vector<Row>& rows() {
  static const std::vector<Row> r = {
      {"mae", "days-to-empty MAE (d)", 2, [](auto& m) { return m.mae; },
       [](auto& m, auto&) { return m.forecasts; }},
      {"mae_short", "MAE, horizon <= 7 d (d)", 2, [](auto& m) { return m.mae_short; },
       [](auto& m, auto&) { return m.forecasts; }},
      {"bias", "bias (d, + = late)", 2, [](auto& m) { return m.bias; },
       [](auto& m, auto&) { return m.forecasts; }},
      {"vs_naive", "MAE / naive's MAE", 2, nullptr, nullptr},
      {"coverage", "90% interval coverage", 3, [](auto& m) { return m.coverage; },
       [](auto& m, auto&) { return m.intervals; }},
      {"answered", "queries answered (share)", 3,
       [](auto& m) -> std::optional<double> {
         if (m.counted == 0) return std::nullopt;
         return static_cast<double>(m.answered) / static_cast<double>(m.counted);
       },
       [](auto& m, auto&) { return m.forecasts; }},
      {"stockouts", "stockouts / item-year", 2,
       [](auto& m) -> std::optional<double> { return m.stockouts; }, always},
      {"stockout_days", "stockout days / item-year", 2,
       [](auto& m) -> std::optional<double> { return m.stockout_days; }, always},
      {"early_median", "days early, median", 2, [](auto& m) { return m.early_median; }, always},
      {"early_p90", "days early, p90", 2, [](auto& m) { return m.early_p90; }, always},
      {"vs_global", "median early / global's", 2, nullptr, nullptr},
      {"orders", "orders / year", 2,
       [](auto& m) -> std::optional<double> { return m.orders_per_year; }, always},
      {"duplicates", "duplicate orders (all seeds)", 0,
       [](auto& m) -> std::optional<double> { return m.duplicates; }, always},
      {"lift_orders", "orders on a lift/object (all seeds)", 0,
       [](auto& m) -> std::optional<double> { return m.lift_orders + m.object_orders; },
       [](auto&, auto& i) { return i.sensor == Sensor::scale; }},
      {"refill_precision", "refill precision", 3, [](auto& m) { return m.refill_precision; },
       [](auto& m, auto&) { return m.sensor_refills; }},
      {"refill_recall", "refill recall", 3, [](auto& m) { return m.refill_recall; },
       [](auto& m, auto&) { return m.sensor_refills; }},
      {"refill_delay", "refill delay, median (h)", 1, [](auto& m) { return m.refill_delay_h; },
       [](auto& m, auto&) { return m.sensor_refills; }},
  };
  return r;
}

std::string num(std::optional<double> v, int decimals) {
  if (!v) return "null";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, *v);
  return buf;
}

std::vector<std::string> columns(const EvalResult& r) {
  std::vector<std::string> c;
  for (const auto& n : subject_names()) {
    if ((r.options.subjects.empty() && n != kOracle) ||
        std::find(r.options.subjects.begin(), r.options.subjects.end(), n) !=
            r.options.subjects.end()) {
      c.push_back(n);
    }
  }
  return c;
}

std::string header(const std::string& name, const EvalResult& r, const ItemResult& ir) {
  auto pct = [](std::optional<int> p, bool met) {
    return p ? std::to_string(*p) + "%" + (met ? "" : "*") : std::string("?");
  };
  if (name == kLarder) return "Larder";
  if (name == kOracle) return "oracle";
  if (name == kFixed) return "fixed 25%";
  if (name == kGlobal) return "global " + pct(r.global_pct, r.global_met);
  if (name == kNaive) return "naive 7d";
  if (name == kLine) return "LSQ 14d";
  if (name == kPerItem) return "per-item " + pct(ir.peritem_pct, ir.peritem_met);
  return name;
}

const char* sensor_name(Sensor s) {
  return s == Sensor::scale ? "scale" : s == Sensor::level ? "level sensor" : "counter";
}

nlohmann::json opt(std::optional<double> v) { return v ? nlohmann::json(*v) : nlohmann::json(); }

nlohmann::json metrics_json(const ItemMetrics& m) {
  return {{"runs", m.runs}, {"item_years", m.item_years},
          {"queries_counted", m.counted}, {"queries_answered", m.answered},
          {"mae_days", opt(m.mae)}, {"bias_days", opt(m.bias)},
          {"mae_short_days", opt(m.mae_short)}, {"coverage", opt(m.coverage)},
          {"stockouts_per_item_year", m.stockouts}, {"stockout_count", m.stockout_count},
          {"stockout_days_per_item_year", m.stockout_days}, {"packs_delivered", m.packs},
          {"days_early_median", opt(m.early_median)}, {"days_early_p90", opt(m.early_p90)},
          {"orders", m.orders}, {"orders_per_year", m.orders_per_year},
          {"duplicate_orders", m.duplicates}, {"lift_orders", m.lift_orders},
          {"object_orders", m.object_orders}, {"true_refills", m.true_refills},
          {"refills_detected", m.detections}, {"refill_precision", opt(m.refill_precision)},
          {"refill_recall", opt(m.refill_recall)}, {"refill_delay_h", opt(m.refill_delay_h)},
          {"refill_ts_error_h", opt(m.refill_ts_error_h)}};
}

}  // namespace

std::string render_table(const EvalResult& r, const Targets& t) {
  std::string out;
  char buf[512];
  const auto& o = r.options;
  std::snprintf(buf, sizeof buf,
                "# Forecast evaluation: %d seeds (%llu..%llu) x %g days, readings every 5 min\n\n",
                o.seeds, static_cast<unsigned long long>(o.first_seed),
                static_cast<unsigned long long>(o.first_seed + o.seeds - 1), o.days);
  out += buf;
  std::snprintf(buf, sizeof buf,
                "Threshold sweep 5%%..60%% of a pack; bound: stockouts <= %.3f per item-year "
                "(%s). `*`: no threshold met it, the fewest stockouts shown (then no global "
                "threshold is a rival at equal stockouts).\n\n",
                r.stockout_bound, r.bound_source.c_str());
  out += buf;
  int pass = 0, total = 0, unjudged = 0;
  auto cols = columns(r);
  bool larder = std::find(cols.begin(), cols.end(), kLarder) != cols.end();
  for (const auto& ir : r.items) {
    const ItemSpec& item = *ir.item;
    double years = ir.subjects.empty() ? 0 : ir.subjects.begin()->second.item_years;
    std::snprintf(buf, sizeof buf, "## %s: %s, %s, %s, pack %g %s (%.2f item-years)\n\n",
                  item.id.c_str(), item.name.c_str(), sensor_name(item.sensor),
                  item.intermittent ? "intermittent" : "regular", item.pack,
                  std::string(unit_name(item.unit)).c_str(), years);
    out += buf;
    out += "| metric |";
    for (const auto& c : cols) out += " " + header(c, r, ir) + " |";
    out += larder ? " target | Larder |\n|---|" : "\n|---|";
    for (std::size_t i = 0; i < cols.size(); ++i) out += "---:|";
    out += larder ? "---|---|\n" : "\n";
    auto checks = check_targets(ir, t);
    for (const auto& row : rows()) {
      const Check* check = nullptr;
      for (const auto& c : checks) {
        if (c.row == row.key) check = &c;
      }
      bool larder_only = !row.get;
      if (larder_only && !check) continue;
      if (!larder_only && row.key == std::string("lift_orders") && item.sensor != Sensor::scale) continue;
      if (!larder_only && std::string(row.key).rfind("refill", 0) == 0 && !has_readings(item)) continue;
      out += "| " + std::string(row.label) + " |";
      for (const auto& c : cols) {
        auto it = ir.subjects.find(c);
        std::string cell = "-";
        if (larder_only) {
          if (c == kLarder) cell = num(check->value, row.decimals);
        } else if (it != ir.subjects.end() && row.applies(it->second, item)) {
          cell = num(row.get(it->second), row.decimals);
        }
        out += " " + cell + " |";
      }
      if (larder) {
        const char* verdict = !check            ? ""
                              : !check->judged ? "n/a"
                              : check->pass    ? "PASS"
                                               : "**FAIL**";
        out += check ? " " + check->target + " | " + verdict + " |\n" : " | |\n";
      } else {
        out += "\n";
      }
      if (check && check->judged) {
        ++total;
        pass += check->pass ? 1 : 0;
      } else if (check) {
        ++unjudged;
      }
    }
    out += "\n";
  }
  if (larder) {
    std::snprintf(buf, sizeof buf, "Larder: %d of %d targets met", pass, total);
    out += buf;
    if (unjudged > 0) {
      std::snprintf(buf, sizeof buf, " (%d more not judged: no threshold reaches its stockouts)",
                    unjudged);
      out += buf;
    }
    std::snprintf(buf, sizeof buf, ".\n");
    out += buf;
  }
  std::snprintf(buf, sizeof buf, "Run time: %.1f s on %d thread(s).\n", r.seconds, o.threads);
  out += buf;
  return out;
}

nlohmann::json to_json(const EvalResult& r, const Targets& t) {
  nlohmann::json j;
  const auto& o = r.options;
  j["options"] = {{"seeds", o.seeds}, {"first_seed", o.first_seed}, {"days", o.days},
                  {"items", o.items}, {"subjects", o.subjects}, {"threads", o.threads}};
  j["stockout_bound_per_item_year"] = r.stockout_bound;
  j["stockout_bound_source"] = r.bound_source;
  j["global_threshold_pct"] = r.global_pct ? nlohmann::json(*r.global_pct) : nlohmann::json();
  j["global_threshold_met_bound"] = r.global_met;
  j["seconds"] = r.seconds;
  for (const auto& ir : r.items) {
    nlohmann::json& ji = j["items"][ir.item->id];
    for (const auto& [name, m] : ir.subjects) ji["subjects"][name] = metrics_json(m);
    for (const auto& [pct, m] : ir.sweep) ji["threshold_sweep"][std::to_string(pct)] = metrics_json(m);
    ji["peritem_threshold_pct"] = ir.peritem_pct ? nlohmann::json(*ir.peritem_pct) : nlohmann::json();
    ji["peritem_threshold_met_bound"] = ir.peritem_met;
    ji["checks"] = nlohmann::json::array();
    for (const auto& c : check_targets(ir, t)) {
      ji["checks"].push_back({{"metric", c.row}, {"target", c.target}, {"value", opt(c.value)},
                              {"pass", c.judged ? nlohmann::json(c.pass) : nlohmann::json()},
                              {"judged", c.judged}});
    }
  }
  return j;
}

}  // namespace larder::eval
