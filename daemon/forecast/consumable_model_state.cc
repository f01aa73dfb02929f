// ConsumableModel::save and ::load: everything the model learned, as one JSON object of
// bounded size (every part is a fixed number of values or a ring with a fixed capacity).
#include <array>
#include <cmath>

#include "forecast/consumable_model.h"
#include "forecast/json_io.h"

namespace larder {

using nlohmann::json;

namespace {
constexpr int kFormat = 1;

const char* source_name(int s) {
  switch (s) {
    case 1: return "counter";
    case 2: return "level";
    default: return "none";
  }
}
}  // namespace

json ConsumableModel::save() const {
  json events = json::array();
  for (const auto& e : events_) {
    events.push_back(e.at != 0 ? json{e.kind, e.ts, e.amount, e.at} : json{e.kind, e.ts, e.amount});
  }
  return {
      {"format", kFormat},
      {"consumable", config_.id},
      {"source", source_name(static_cast<int>(source_))},
      {"counter_level", counter_level_ ? json(*counter_level_) : json(nullptr)},
      {"level_var", level_var_},
      {"on_hand", on_hand_},
      {"refilled_total", refilled_total_},
      {"used_total", used_total_},
      {"was_empty", was_empty_},
      {"stocked", stocked_},
      {"last_used_ts", last_used_ts_},
      {"last_refill_ts", last_refill_ts_},
      {"last_purchase_ts", last_purchase_ts_},
      {"last_advance", last_advance_},
      {"advance_gap", advance_gap_},
      {"credit", credit_},
      {"credit_from", credit_from_},
      {"credit_to", credit_to_},
      {"announced_until", announced_until_},
      {"detected_ts", detected_ts_},
      {"detected_claimed", detected_claimed_},
      {"refill_quiet", refill_quiet_},
      {"parts", {parts_amount_, parts_ts_}},
      {"at_risk", at_risk_},
      {"quiet_days", quiet_days_},
      {"use_size", use_size_},
      {"use_sizes", use_sizes_},
      {"events", events},
      {"level", filter_.save()},
      {"daily", daily_.save()},
      {"rate", rate_.save()},
      {"delivery", delivery_.save()},
      {"policy", policy_.save()},
      {"dates", dates_.save()},
      {"expiring", expiring_},
      {"expiring_at", expiring_at_ ? json(*expiring_at_) : json(nullptr)},
  };
}

Status ConsumableModel::load(const json& j) {
  forecast::JsonReader r(j, "model");
  ConsumableModel m = *this;
  if (r.ok() && r.num("format") != kFormat) r.fail("format", "is not a known format");
  const json& src = j.is_object() && j.contains("source") ? j["source"] : json();
  if (src == "counter") {
    m.source_ = Source::counter;
  } else if (src == "level") {
    m.source_ = Source::level;
  } else if (src == "none") {
    m.source_ = Source::none;
  } else {
    r.fail("source", "is not none, counter or level");
  }
  const json& cl = j.is_object() && j.contains("counter_level") ? j["counter_level"] : json();
  if (cl.is_null()) {
    m.counter_level_.reset();
  } else if (cl.is_number() && std::isfinite(cl.get<double>()) && cl.get<double>() >= 0) {
    m.counter_level_ = cl.get<double>();
  } else {
    r.fail("counter_level", "is not null or a number >= 0");
  }
  m.level_var_ = r.num("level_var");
  if (m.level_var_ < 0) r.fail("level_var", "is negative");
  double on_hand = r.num("on_hand");
  if (on_hand < 0 || on_hand > 1e6) r.fail("on_hand", "is out of range");
  m.on_hand_ = static_cast<int>(on_hand);
  m.refilled_total_ = r.num("refilled_total");
  m.used_total_ = r.num("used_total");
  m.was_empty_ = r.flag("was_empty");
  m.stocked_ = r.flag_or("stocked", false);  // absent in a state saved before it
  m.last_used_ts_ = r.num("last_used_ts");
  m.last_refill_ts_ = r.num("last_refill_ts");
  m.last_purchase_ts_ = r.num("last_purchase_ts");
  m.last_advance_ = r.num("last_advance");
  m.advance_gap_ = r.num("advance_gap");
  m.credit_ = r.num("credit");
  m.credit_from_ = r.num("credit_from");
  m.credit_to_ = r.num("credit_to");
  m.announced_until_ = r.num("announced_until");
  m.detected_ts_ = r.num("detected_ts");
  m.detected_claimed_ = r.flag("detected_claimed");
  m.refill_quiet_ = r.flag_or("refill_quiet", false);  // these two came later
  const auto parts = j.is_object() && j.contains("parts") ? r.nums<2>("parts")
                                                          : std::array<double, 2>{0, 0};
  m.parts_amount_ = parts[0];
  m.parts_ts_ = parts[1];
  if (m.parts_amount_ < 0) r.fail("parts", "holds a negative amount");
  m.at_risk_ = r.flag("at_risk");
  const double quiet = r.num_or("quiet_days", -1);  // -1: a state saved before it
  if (quiet < -1 || quiet > 1e6) r.fail("quiet_days", "is out of range");
  m.quiet_days_ = static_cast<int>(quiet);
  m.use_size_ = r.num("use_size");
  m.use_sizes_ = r.num("use_sizes");
  if (m.use_size_ < 0 || m.use_sizes_ < 0) r.fail("use_size", "is negative");
  if (m.use_sizes_ >= 5) m.rate_.set_use_size(m.use_size_);
  m.events_.clear();
  for (const auto& e : r.list("events", 32)) {
    if (!e.is_array() || e.size() < 3 || e.size() > 4 || !e[0].is_string() ||
        !e[1].is_number() || !e[2].is_number() || (e.size() == 4 && !e[3].is_number())) {
      r.fail("events", "holds a malformed event");
      break;
    }
    m.events_.push_back({e[0].get<std::string>(), e[1].get<double>(), e[2].get<double>(),
                         e.size() == 4 ? e[3].get<double>() : 0.0});
  }
  if (!r.ok()) return Status::Error(r.error());
  Status st;
  if (st.ok()) st = m.filter_.load(r.object("level"));
  if (st.ok()) st = m.daily_.load(r.object("daily"));
  if (st.ok()) st = m.rate_.load(r.object("rate"));
  // A state from before quiet_days: the rate model's run so far is this run (away days
  // did not end it then); a run already past the notice is not told late.
  if (m.quiet_days_ < 0) m.quiet_days_ = m.rate_.zero_run();
  if (st.ok()) st = m.delivery_.load(r.object("delivery"));
  if (st.ok()) st = m.policy_.load(r.object("policy"));
  // Best-before dates came later: a state saved before them has none.
  bool dated = j.contains("dates");
  if (st.ok()) st = m.dates_.load(dated ? j["dates"] : json());
  double expiring = dated ? r.num("expiring") : 0;
  if (expiring < 0 || expiring > 1e6) r.fail("expiring", "is out of range");
  m.expiring_ = r.ok() ? static_cast<int>(expiring) : 0;
  m.expiring_at_.reset();
  if (dated && j.contains("expiring_at") && !j["expiring_at"].is_null()) {
    m.expiring_at_ = r.num("expiring_at");
  }
  m.dates_.trim(m.on_hand_);
  m.dates_checked_ = -1e300;
  if (st.ok() && !r.ok()) st = Status::Error(r.error());
  if (!st.ok()) return st;
  ++m.version_;
  ++m.rate_version_;
  m.proj_version_ = ~0u;
  m.cache_version_ = ~0u;
  m.bound_until_ = -1e300;
  *this = m;
  return Status::Ok();
}

}  // namespace larder
