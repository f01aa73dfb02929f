// Conversation: the questions about the household's state, refills and deliveries
// (conversation.h, docs/voice.md): StockQuery, Refilled, DeliveryQuery, RevokeAccess.
#include <algorithm>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "larder/log.h"
#include "voice/conversation.h"
#include "voice/phrases.h"

namespace larder::voice {

using orders::Order;
using orders::OrderStatus;

void Conversation::stock(const contract::IntentInput& in, const VoiceSay& base, Answer& answer) {
  double now = clock_.now();
  if (in.slots.count("item")) {
    auto id = item(in, base, answer, true);
    if (!id) return;
    const ConsumableState* s = household_.consumable(*id);
    if (!s) {
      say(answer, base, phrases_.no_state(names_.spoken(*id)));
      return;
    }
    std::string level = s->level ? phrases_.amount(*s->level, s->unit) : "";
    if (!s->days_left) {
      say(answer, base, phrases_.stock_unknown(names_.spoken(*id), level));
      return;
    }
    std::string until = s->empty_at ? phrases_.day(*s->empty_at, now, zone_) : "";
    say(answer, base,
        phrases_.stock(names_.spoken(*id), level, phrases_.days(*s->days_left), until, s->on_hand,
                       s->status == "ordered"));
    return;
  }
  std::vector<std::pair<double, std::string>> known;
  std::vector<std::string> low;
  for (const auto& c : config_.consumables) {
    const ConsumableState* s = household_.consumable(c.id);
    if (!s || !s->days_left) continue;
    known.emplace_back(*s->days_left, c.id);
  }
  std::sort(known.begin(), known.end());
  for (const auto& [days, id] : known) {
    const ConsumableState* s = household_.consumable(id);
    bool is_low = s->status == "low" || s->status == "empty" || s->status == "ordered" || days <= 7;
    if (is_low && low.size() < 5) {
      low.push_back(phrases_.low_entry(names_.spoken(id), phrases_.days(days)));
    }
  }
  if (!low.empty()) {
    say(answer, base, phrases_.running_low(low));
  } else if (!known.empty()) {
    say(answer, base, phrases_.nothing_low(names_.spoken(known.front().second),
                                           phrases_.days(known.front().first)));
  } else {
    say(answer, base, phrases_.no_forecasts());
  }
}

void Conversation::refilled(const contract::IntentInput& in, const VoiceSay& base, Answer& answer) {
  auto id = item(in, base, answer, true);
  if (!id) return;
  if (Status s = household_.refilled(*id, in.ts.value_or(clock_.now())); !s.ok()) {
    log_info("voice: the refill of " + *id + " was refused: " + s.message());
    say(answer, base, phrases_.refused("not_recorded"));
    return;
  }
  say(answer, base, phrases_.refilled(names_.spoken(*id)));
}

void Conversation::deliveries(const contract::IntentInput& in, const VoiceSay& base,
                              Answer& answer) {
  std::optional<std::string> id;
  if (in.slots.count("item")) {
    id = item(in, base, answer, true);
    if (!id) return;
  }
  std::vector<std::string> lines;
  for (const Order* o : in_flight()) {
    if (o->status != OrderStatus::placing && o->status != OrderStatus::placed &&
        o->status != OrderStatus::shipped) {
      continue;
    }
    bool concerns = !id;
    for (const auto& i : o->items) concerns = concerns || i.consumable == *id;
    if (!concerns) continue;
    std::string arrival = arrival_text(*o);
    lines.push_back(phrases_.arrives(items_text(*o), arrival));
  }
  if (lines.empty()) {
    say(answer, base, id ? phrases_.no_delivery_of(names_.spoken(*id)) : phrases_.no_deliveries());
    return;
  }
  std::string text;
  for (const auto& l : lines) text += (text.empty() ? "" : " ") + l;
  say(answer, base, std::move(text));
}

void Conversation::revoke(const contract::IntentInput& in, const VoiceSay& base, Answer& answer) {
  std::optional<std::string> id;
  if (in.slots.count("item")) {
    id = item(in, base, answer, true);
    if (!id) return;
  }
  int n = household_.revoke_access(id);
  say(answer, base, n > 0 ? phrases_.access_revoked(n) : phrases_.no_access_granted());
}

}  // namespace larder::voice
