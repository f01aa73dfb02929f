// Hub: what it tells the household (hub.h, docs/mqtt.md "Events"). The model's events, put
// into words in the configured language and published on <root>/event, not retained.
#include <algorithm>
#include <cmath>
#include <ctime>
#include <string>

#include <nlohmann/json.hpp>

#include "core/hub.h"
#include "larder/text.h"
#include "larder/time_zone.h"

namespace larder {

using nlohmann::json;

namespace {
// How the household calls a consumable: its configured name, else its id.
const std::string& display_name(const ConsumableConfig& c) {
  return c.name.empty() ? c.id : c.name;
}
}  // namespace

void Hub::publish_event(const std::string& kind, const std::string& text, json fields,
                        std::optional<double> ts) {
  fields["kind"] = kind;
  fields["text"] = text;
  fields["ts"] = ts.value_or(clock_.now());
  // Replaced, not thrown: an event may quote outside text (a configuration's value, a
  // file name) that is not UTF-8, and no event is worth the daemon.
  bus_.publish(root_ + "/event", fields.dump(-1, ' ', false, json::error_handler_t::replace),
               /*retain=*/false, 1);
  metrics_.inc("larder_events_total", {{"kind", kind}});
}

void Hub::publish_model_events(Entry& e) {
  for (const ModelEvent& ev : e.model.take_events()) {
    if (ev.kind == "pack_expiring") {
      pack_expiring(e, ev);
    } else if (ev.kind == "use_stopped") {
      use_stopped(e, ev);
    } else {
      publish_event(ev.kind, model_event_text(e, ev.kind), {{"consumable", e.config->id}}, ev.ts);
    }
  }
}

std::string Hub::model_event_text(const Entry& e, const std::string& kind) const {
  const TextArg who = Texts::arg("name", display_name(*e.config));
  if (kind == "refill_detected") return texts_("event.refill_detected", {who});
  if (kind == "low_stock") {
    // Worded from the state just copied from the model (sync()).
    const ConsumableState& s = e.state;
    if (s.status == "empty") return texts_("event.low_stock_empty", {who});
    if (!s.days_left) return texts_("event.low_stock", {who});
    if (std::round(*s.days_left) < 1) return texts_("event.low_stock_less_than_a_day", {who});
    return texts_("event.low_stock_days", {who, texts_.num("n", *s.days_left)});
  }
  return texts_("event.model_event", {who, Texts::arg("kind", kind)});
}

void Hub::use_stopped(const Entry& e, const ModelEvent& ev) {
  const int days = static_cast<int>(std::clamp(ev.amount, 0.0, 1e6));
  publish_event("use_stopped",
                texts_("event.use_stopped",
                       {Texts::arg("name", display_name(*e.config)), texts_.num("n", days)}),
                {{"consumable", e.config->id}, {"days", days}}, ev.ts);
}

void Hub::pack_expiring(const Entry& e, const ModelEvent& ev) {
  // The last day the packs are good: the day before their date's instant.
  // (Clamped: a date read back from a saved state may be any finite number.)
  const double at = std::clamp(ev.at, 1.0, contract::kMaxTs + 3650 * 86400.0);
  auto last = static_cast<std::time_t>(std::floor(zone_.to_local(at - 1)));
  std::tm day{};
  gmtime_r(&last, &day);
  const std::string text = texts_(
      "event.pack_expiring", {Texts::arg("name", display_name(*e.config)), texts_.num("n", ev.amount),
                              Texts::arg("date", texts_.day_month(day.tm_mday, day.tm_mon))});
  const int packs = static_cast<int>(std::clamp(ev.amount, 0.0, 1e6));
  publish_event("pack_expiring", text,
                {{"consumable", e.config->id}, {"packs", packs}, {"best_before", at}}, ev.ts);
}

}  // namespace larder
