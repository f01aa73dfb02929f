// Hub: vacation mode (hub.h, docs/vacation.md). The absence is one record in the store, under
// a key no consumable can have ("@vacation": ids start with [a-z0-9]).
#include <cmath>

#include <nlohmann/json.hpp>

#include "core/hub.h"

namespace larder {

using nlohmann::json;

namespace {
constexpr const char* kStoreKey = "@vacation";

json to_json(const std::optional<Vacation>& v, bool away) {
  json j = {{"away", away}};
  if (v) {
    j["from"] = v->from;
    j["until"] = v->until ? json(*v->until) : json(nullptr);
  }
  return j;
}
}  // namespace

std::optional<Vacation> Hub::vacation() const {
  if (!vacation_ || vacation_ended_) return std::nullopt;
  if (vacation_->until && clock_.now() >= *vacation_->until) return std::nullopt;
  return vacation_;
}

Status Hub::start_vacation(std::optional<double> until, const std::string& by) {
  const double now = clock_.now();
  if (until && (!std::isfinite(*until) || *until <= now)) {
    return Status::Error("the vacation's end must be in the future");
  }
  if (until && *until > contract::kMaxTs) {
    return Status::Error("the vacation's end must be before 2100");
  }
  vacation_ = Vacation{now, until};
  vacation_ended_ = false;
  apply_vacation();
  vacation_changed("vacation_started",
                   texts_(until ? "event.vacation_started" : "event.vacation_started_open"), by);
  return Status::Ok();
}

Status Hub::end_vacation(const std::string& by) {
  if (!vacation()) return Status::Error("vacation mode is not on");
  const double now = clock_.now();
  vacation_->until = now;
  vacation_ended_ = true;
  apply_vacation();
  vacation_changed("vacation_ended", texts_("event.vacation_ended"), by);
  return Status::Ok();
}

void Hub::tick_vacation(double now) {
  if (!vacation_ || vacation_ended_ || !vacation_->until || now < *vacation_->until) return;
  vacation_ended_ = true;
  vacation_changed("vacation_ended", texts_("event.vacation_ended"), "schedule");
}

void Hub::apply_vacation() {
  if (!vacation_) return;
  for (auto& [id, e] : consumables_) {
    e.model.set_away(vacation_->from, vacation_->until);
    e.must_save = true;  // the models' checkpoints follow the absence
    sync(e);
  }
}

void Hub::vacation_changed(const char* kind, const std::string& text, const std::string& by) {
  const bool away = !vacation_ended_;
  json state = to_json(vacation_, away);
  store_.put_state(kStoreKey, state.dump(), clock_.now());
  bus_.publish(root_ + "/vacation/state", state.dump(), /*retain=*/true, 1);
  json fields = {{"by", by}};
  if (vacation_ && vacation_->until) fields["until"] = *vacation_->until;
  publish_event(kind, text, fields);
  log_info(std::string(kind) + " (by " + by + ")");
}

void Hub::restore_vacation(const std::vector<StoredState>& states) {
  for (const auto& s : states) {
    if (s.consumable != kStoreKey) continue;
    json j = json::parse(s.json, nullptr, false);
    if (!j.is_object() || !j.contains("from") || !j["from"].is_number()) return;
    Vacation v{j["from"].get<double>(), std::nullopt};
    if (j.contains("until") && j["until"].is_number()) v.until = j["until"].get<double>();
    // An absence that ended still keeps its days out of the rate (they may not all be
    // learned yet); one in force goes on, and an end that came while larderd was down is
    // announced at the first tick.
    vacation_ = v;
    // Read as strictly as the rest: json::value() would throw on an "away" that is not a
    // boolean (a hand-edited record), and with it restore() at every start.
    auto away = j.find("away");
    vacation_ended_ = !(away != j.end() && away->is_boolean() && away->get<bool>());
    apply_vacation();
    bus_.publish(root_ + "/vacation/state", to_json(vacation_, !vacation_ended_).dump(), true, 1);
  }
}

void Hub::republish_vacation() {
  if (!vacation_) return;  // none was ever set: nothing retained to restore
  bus_.publish(root_ + "/vacation/state", to_json(vacation_, !vacation_ended_).dump(),
               /*retain=*/true, 1);
}

}  // namespace larder
