// Hub: what it keeps and what it publishes of each consumable (hub.h): the states read
// back from the store at start, the checkpoints written by persist(), time passing in
// tick(), and the retained state publications with their throttle.
#include <string>

#include <nlohmann/json.hpp>

#include "core/hub.h"
#include "larder/log.h"
#include "larder/text.h"
#include "larder/timing.h"

namespace larder {

using nlohmann::json;

Status Hub::restore() {
  auto states = store_.load_states();
  if (!states.ok()) return states.status();
  // The readings committed after a state was (the daemon was killed between two
  // checkpoints of a busy model).
  auto missed = store_.readings_after_states();
  if (!missed.ok()) return missed.status();
  // Nothing is published until the readings after the checkpoints are learned again: a
  // checkpoint's state would be out of date, and its correction held back 2 s.
  restoring_ = true;
  for (const auto& s : *states) {
    auto it = consumables_.find(s.consumable);
    if (it == consumables_.end()) continue;
    Entry& e = it->second;
    json saved = json::parse(s.json, nullptr, false);
    if (saved.is_object() && saved.contains("state") && saved["state"].is_object()) {
      // A unit changed in the file while larderd was stopped: the history (the model, the
      // readings) is in the old unit and would be read in the new one. Refused as a bad
      // configuration (a reload refuses it the same way, app/services.h).
      auto u = saved["state"].find("unit");
      if (u != saved["state"].end() && u->is_string() &&
          parse_unit(u->get<std::string>()) != e.config->unit) {
        const std::string stored = mask_controls(u->get<std::string>().substr(0, 8));
        return Status::Error("consumable '" + s.consumable + "' is configured in " +
                             std::string(unit_name(e.config->unit)) +
                             " but its stored history is in " + stored +
                             ": keep the unit, or give the consumable a new id to start it afresh");
      }
    }
    Status st = saved.is_object() && saved.contains("model") && saved.contains("state")
                    ? e.model.load(saved["model"])
                    : Status::Error("not a saved consumable");
    if (st.ok()) st = e.state.restore(saved["state"].dump());
    if (!st.ok()) {
      log_warn("stored state of '" + s.consumable + "' ignored: " + st.message());
      continue;
    }
    // A level is checked against the newest level, not against `updated` (the newest
    // input of any kind: a purchase stamped a little ahead must not refuse the next level).
    e.state.last_reading_ts = e.model.last_level_ts();
    sync(e);
    e.unsaved = false;  // what the store holds
    e.stored = true;
    e.saved_version = e.model.version();
  }
  // The absence in force, before the readings below are learned again.
  restore_vacation(*states);
  std::size_t relearned = 0;
  for (const Reading& r : *missed) {
    auto it = consumables_.find(r.consumable);
    if (it == consumables_.end() || !it->second.stored) continue;
    // A late level (docs/mqtt.md) was kept in the history only, the first time too.
    if (r.kind == "level" && r.ts < it->second.state.last_reading_ts) continue;
    if (Status st = learn(it->second, r); !st.ok()) {
      log_warn("a committed " + r.kind + " reading of '" + r.consumable + "' at " +
               short_number(r.ts) + " not learned again: " + st.message());
      continue;
    }
    ++relearned;
  }
  if (relearned > 0) {
    log_info("learned again " + std::to_string(relearned) +
             " committed readings that came after the last saved states");
    for (auto& [id, e] : consumables_) {
      if (!e.unsaved) continue;
      (void)e.model.take_events();  // announced the first time
      sync(e);
      e.must_save = true;  // the next checkpoint holds them
    }
  }
  restoring_ = false;
  for (auto& [id, e] : consumables_) {
    // The orders in flight (restored before the hub: Services::restore), so that the first
    // state published says `ordered` already.
    e.order_in_flight = order_actions_ && order_actions_->in_flight(id);
    show_order(e);
    if (!e.ever_published) publish_state(e);
  }
  return Status::Ok();
}

void Hub::changed(Entry& e) {
  if (e.model.version() != e.saved_version) {
    e.saved_version = e.model.version();
    e.unsaved = true;
  }
  if (restoring_) return;  // restore() publishes every state once it is done
  if (e.ever_published && !meaningful_change(e.published, e.state)) return;
  if (clock_.now() - e.last_publish >= options_.min_publish_interval) {
    publish_state(e);
  } else {
    e.dirty = true;
  }
}

void Hub::persist() {
  const double now = clock_.now();
  for (auto& [id, e] : consumables_) {
    const double since = now - e.last_saved;
    const bool due = e.must_save || (e.unsaved && (!e.stored || since >= kBusySaveSeconds)) ||
                     (e.ticked && since >= kCheckpointSeconds);
    if (!due) continue;
    // The stored form is {"model": ..., "state": ...}, written as text: the state is JSON
    // text already, so it is not parsed again only to be printed.
    std::string text = R"({"model":)";
    text += e.model.save().dump();
    text += R"(,"state":)";
    text += e.state.to_json();
    text += '}';
    store_.put_state(id, std::move(text), e.state.updated);
    e.unsaved = false;
    e.must_save = false;
    e.ticked = false;
    e.stored = true;
    e.last_saved = now;
  }
}

void Hub::tick() {
  static const TimingNames kNames("larder_forecast_tick_seconds");  // every model's advance
  ScopedTiming timing(metrics_, kNames);
  double now = clock_.now();
  tick_vacation(now);
  for (auto& [id, e] : consumables_) {
    if (!e.holds_ticks(now)) {
      e.model.advance(now);
      e.ticked = true;
    }
    sync(e);
    if (e.dirty && now - e.last_publish >= options_.min_publish_interval) publish_state(e);
  }
}

void Hub::publish_pending() {
  for (auto& [id, e] : consumables_) {
    if (e.dirty) publish_state(e);
    // The next persist() saves every model that moved: the store keeps where it stopped.
    if (e.ticked || e.unsaved) e.must_save = true;
  }
}

void Hub::republish_retained() {
  for (auto& [id, e] : consumables_) {
    if (e.ever_published) publish_state(e);
  }
  republish_vacation();
}

void Hub::publish_state(Entry& e) {
  bus_.publish(root_ + "/consumable/" + e.state.id + "/state", e.state.to_json(),
               /*retain=*/true, 1);
  metrics_.inc("larder_state_published_total");
  e.published = e.state;
  e.ever_published = true;
  e.dirty = false;
  e.last_publish = clock_.now();
}

}  // namespace larder
