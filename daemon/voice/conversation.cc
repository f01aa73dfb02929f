#include "voice/conversation.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <string>
#include <utility>

#include "larder/log.h"
#include "orders/guards.h"
#include "orders/orders_config.h"
#include "voice/phrases.h"

namespace larder::voice {
namespace {

using orders::Order;
using orders::OrderStatus;

const std::vector<std::string> kYesNo = {"ConfirmOrder", "DenyOrder"};
constexpr double kDialogIdle = 3600;  // a dialog without a question is forgotten after this

// A spoken quantity, 1..max packs, as a recogniser writes it: decimal digits, perhaps with
// a zero fraction ("2", "2.0", a number slot's JSON text); not " 2", "+2", "0x2" or "2e0".
std::optional<int> quantity_of(const std::string& text, int max) {
  const std::size_t dot = text.find('.');
  const std::string whole = text.substr(0, dot);
  if (whole.empty() || whole.size() > 9) return std::nullopt;
  for (char c : whole) {
    if (c < '0' || c > '9') return std::nullopt;
  }
  if (dot != std::string::npos &&
      (dot + 1 == text.size() || text.find_first_not_of('0', dot + 1) != std::string::npos)) {
    return std::nullopt;
  }
  const int v = std::stoi(whole);
  if (v < 1 || v > max) return std::nullopt;
  return v;
}

bool asks_first(const Order& o) {
  return o.status == OrderStatus::awaiting_confirmation && o.hold_reason &&
         (*o.hold_reason == "voice" || *o.hold_reason == "confirmation");
}

}  // namespace

Conversation::Conversation(const Config& config, Household& household, const Clock& clock,
                           Metrics& metrics)
    : config_(config),
      household_(household),
      clock_(clock),
      metrics_(metrics),
      names_(config, texts_for(config.household.locale)("voice.item_case") == "lower"),
      phrases_(texts_for(config.household.locale)) {
  if (auto zone = TimeZone::load(config.household.timezone)) {
    zone_ = *zone;
  } else {
    log_warn("voice: days are spoken in UTC: " + zone.status().message());
  }
}

std::string Conversation::key_of(const std::string& session, const std::string& site) {
  return session.empty() ? "site:" + site : "session:" + session;
}

Conversation::Dialog& Conversation::dialog(const std::string& key) {
  auto it = dialogs_.find(key);
  if (it == dialogs_.end()) {
    if (dialogs_.size() >= kMaxDialogs) {
      // The dialog touched longest ago goes, with its question.
      auto oldest = std::min_element(dialogs_.begin(), dialogs_.end(), [](const auto& a, const auto& b) {
        return a.second.touched < b.second.touched;
      });
      drop_question(oldest->second);
      dialogs_.erase(oldest);
    }
    it = dialogs_.emplace(key, Dialog{}).first;
  }
  it->second.touched = clock_.now();
  return it->second;
}

void Conversation::say(Answer& answer, VoiceSay base, std::string text, bool end,
                       std::vector<std::string> expect, bool card) {
  base.text = std::move(text);
  base.end_session = end;
  base.expect = end ? std::vector<std::string>{} : std::move(expect);
  if (card) base.card = VoiceCard{phrases_.card_title(), base.text};
  log_info("voice: says \"" + base.text + "\"" + (end ? "" : " and waits for an answer"));
  if (answer) answer(std::move(base));
}

void Conversation::on_intent(const contract::IntentInput& in, Answer answer) {
  metrics_.inc("larder_voice_intents_total", {{"intent", in.intent}});
  VoiceSay base;
  base.site = in.site;
  base.session = in.session;
  std::string key = key_of(in.session, in.site);
  if (in.confidence && *in.confidence < config_.voice.confidence_floor) {
    metrics_.inc("larder_voice_unsure_total");
    say(answer, base, phrases_.not_understood(), false);
    return;
  }
  // The slots of mqtt-v1.md's intents; any other is a request the hub cannot serve.
  for (const auto& [slot, value] : in.slots) {
    if (!has_slot(in.intent, slot)) {
      say(answer, base, phrases_.unknown_slot(slot));
      return;
    }
  }
  if (in.intent == "Reorder") {
    reorder(in, key, base, answer);
  } else if (in.intent == "ConfirmOrder") {
    confirm(key, base, answer);
  } else if (in.intent == "DenyOrder") {
    deny(key, base, answer);
  } else if (in.intent == "CancelOrder") {
    cancel(in, key, base, answer);
  } else if (in.intent == "StockQuery") {
    stock(in, base, answer);
  } else if (in.intent == "Refilled") {
    refilled(in, base, answer);
  } else if (in.intent == "DeliveryQuery") {
    deliveries(in, base, answer);
  } else if (in.intent == "RevokeAccess") {
    revoke(in, base, answer);
  } else if (in.intent == "StartVacation") {
    start_vacation(in, base, answer);
  } else if (in.intent == "EndVacation") {
    end_vacation(base, answer);
  } else if (in.intent == "VacationStatus") {
    vacation_status(base, answer);
  } else {
    say(answer, base, phrases_.cannot_yet());
  }
}

std::optional<std::string> Conversation::item(const contract::IntentInput& in,
                                              const VoiceSay& base, Answer& answer,
                                              bool required) {
  auto it = in.slots.find("item");
  if (it == in.slots.end() || ItemNames::normalise(it->second).empty()) {
    if (required) say(answer, base, phrases_.which_item(names_.known()), false);
    return std::nullopt;
  }
  auto id = names_.resolve(it->second);
  if (!id) say(answer, base, phrases_.unknown_item(it->second, names_.known()));
  return id;
}

// ---- Orders ------------------------------------------------------------------------------

void Conversation::reorder(const contract::IntentInput& in, const std::string& key,
                           const VoiceSay& base, Answer& answer) {
  auto id = item(in, base, answer, true);
  if (!id) return;
  int quantity = 1;
  bool explicit_quantity = false;
  if (auto q = in.slots.find("quantity"); q != in.slots.end()) {
    auto n = quantity_of(q->second, kMaxQuantity);
    if (!n) {
      say(answer, base, phrases_.bad_quantity(kMaxQuantity));
      return;
    }
    quantity = *n;
    explicit_quantity = true;
  }
  orders::Reply reply = household_.request(*id, quantity, explicit_quantity);
  if (!reply.ok()) {
    say(answer, base, refusal(reply, nullptr));
    return;
  }
  Dialog& d = dialog(key);
  d.last_order = reply.order_id;
  const Order* o = household_.order(reply.order_id);
  if (!o) {
    say(answer, base, phrases_.order_missing(true));
    return;
  }
  if (reply.existing) {
    say(answer, base,
        phrases_.already_ordered(names_.spoken(*id), status_text(*o), arrival_text(*o)), true, {},
        true);
    return;
  }
  Waiting w{reply.order_id, key, base, std::move(answer),
            clock_.now() + config_.voice.answer_timeout_s};
  if (!settle(w, false)) waiting_.push_back(std::move(w));
}

bool Conversation::settle(Waiting& w, bool timed_out) {
  const Order* o = household_.order(w.order_id);
  if (!o) {
    say(w.answer, w.say, phrases_.order_missing(true));
    return true;
  }
  std::string items = items_text(*o);
  switch (o->status) {
    case OrderStatus::failed:
      say(w.answer, w.say,
          phrases_.order_failed(
              items, orders::reason_text(phrases_.texts(), o->reason, o->reason_why)),
          true, {}, true);
      return true;
    case OrderStatus::cancelled:
      say(w.answer, w.say, phrases_.order_cancelled(items), true, {}, true);
      return true;
    case OrderStatus::awaiting_confirmation: {
      if (!o->quote) {
        if (!timed_out) return false;
        // No price to ask about: the question cannot be asked, so nothing is ordered.
        std::string id = o->id;
        household_.cancel(id);
        say(w.answer, w.say, phrases_.no_price_in_time());
        return true;
      }
      Dialog& d = dialog(w.key);
      d.question = o->id;
      d.question_reason = o->hold_reason;
      d.question_since = clock_.now();
      say(w.answer, w.say, question_text(*o), false, kYesNo, true);
      return true;
    }
    case OrderStatus::held:
    case OrderStatus::placing:
    case OrderStatus::placed:
    case OrderStatus::shipped:
    case OrderStatus::delivered: {
      if (!o->quote && !timed_out) return false;
      if (!o->quote) {
        say(w.answer, w.say, phrases_.no_price_yet(items), true, {}, true);
        return true;
      }
      double undo = o->status == OrderStatus::held ? o->held_until - clock_.now() : 0;
      say(w.answer, w.say, phrases_.ordering(items, price_text(*o), arrival_text(*o), undo), true,
          {}, true);
      return true;
    }
  }
  return true;
}

void Conversation::confirm(const std::string& key, const VoiceSay& base, Answer& answer) {
  Dialog& d = dialog(key);
  std::string id;
  // The order asked about here that someone else confirmed meanwhile: this yes is answered
  // as confirmed, as long as it has gone on. Held again for a new reason (a dearer quote),
  // it is not: the asker never heard that reason, and it is asked below.
  const Order* answered = nullptr;
  if (!d.answered.empty() && clock_.now() - d.answered_at < config_.voice.question_timeout_s) {
    answered = household_.order(d.answered);
  }
  d.answered.clear();
  if (d.question) {
    id = *d.question;
    d.question.reset();
  } else if (answered && answered->status != OrderStatus::awaiting_confirmation) {
    id = answered->id;  // answered below as gone on (or as what became of it)
  } else {
    std::vector<const Order*> waiting;
    for (const Order* o : in_flight()) {
      if (o->status == OrderStatus::awaiting_confirmation) waiting.push_back(o);
    }
    if (waiting.empty()) {
      say(answer, base, phrases_.nothing_to_confirm());
      return;
    }
    if (waiting.size() > 1) {
      std::vector<std::string> names;
      names.reserve(waiting.size());
      for (const Order* o : waiting) names.push_back(items_text(*o));
      say(answer, base, phrases_.several_waiting(names));
      return;
    }
    const Order* only = waiting.front();
    for (auto& [k, other] : dialogs_) {
      if (&other == &d || other.question != only->id) continue;
      // Another dialog asked about it: this yes may be a repeat of an answered one, or be
      // meant for something else. Not placed on it: the question moves here and is asked
      // again (that dialog's session may be gone: Rhasspy ends one it did not understand).
      other.question.reset();
      d.question = only->id;
      d.question_reason = only->hold_reason;
      d.question_since = clock_.now();
      d.last_order = only->id;
      say(answer, base, question_text(*only), false, kYesNo, true);
      return;
    }
    id = only->id;
  }
  orders::Reply reply = household_.confirm(id);
  const Order* o = household_.order(id);
  // Confirmed meanwhile by someone else (a button, the dashboard): the ledger answers that
  // it waits for nothing, but for the one asked the order has gone on as they wanted.
  bool gone_on = reply.code == orders::Code::conflict && o &&
                 o->status != OrderStatus::cancelled && o->status != OrderStatus::failed;
  if ((!reply.ok() && !gone_on) || !o) {
    say(answer, base, reply.ok() ? phrases_.order_missing(false) : refusal(reply, o));
    return;
  }
  d.last_order = id;
  if (o->status == OrderStatus::awaiting_confirmation) {
    // Confirmed past one reason, the order waits for another (a guard on the new quote).
    d.question = id;
    d.question_reason = o->hold_reason;
    d.question_since = clock_.now();
    say(answer, base, phrases_.ask_anyway(items_text(*o), price_text(*o), o->hold_reason.value_or("")),
        false, kYesNo, true);
    return;
  }
  say(answer, base, phrases_.confirmed(items_text(*o), price_text(*o), arrival_text(*o)), true, {},
      true);
}

void Conversation::deny(const std::string& key, const VoiceSay& base, Answer& answer) {
  Dialog& d = dialog(key);
  if (!d.question) {
    say(answer, base, phrases_.nothing_to_deny());
    return;
  }
  drop_question(d);
  say(answer, base, phrases_.dropped());
}

void Conversation::drop_question(Dialog& d) {
  if (!d.question) return;
  std::string id = *d.question;
  d.question.reset();
  const Order* o = household_.order(id);
  if (o && o->status == OrderStatus::awaiting_confirmation) {
    orders::Reply r = household_.cancel(id);
    if (!r.ok()) log_warn("voice: cannot drop order " + id + ": " + r.status.message());
  }
}

void Conversation::cancel(const contract::IntentInput& in, const std::string& key, const VoiceSay& base,
                          Answer& answer) {
  const Order* target = nullptr;
  std::vector<const Order*> flying = in_flight();
  if (in.slots.count("item")) {
    auto id = item(in, base, answer, true);
    if (!id) return;
    for (const Order* o : flying) {
      for (const auto& i : o->items) {
        if (i.consumable == *id && !target) target = o;
      }
    }
    if (!target) {
      say(answer, base, phrases_.no_order_of(names_.spoken(*id)));
      return;
    }
  } else {
    Dialog& d = dialog(key);
    for (const Order* o : flying) {
      if (o->id == d.last_order) target = o;
    }
    // The order this dialog talked about has ended (cancelled already, delivered): "cancel
    // that" again is about it, not about another session's order that happens to be alone.
    if (!target && !d.last_order.empty()) {
      if (const Order* talked = household_.order(d.last_order)) {
        const std::string status(orders::status_name(talked->status));
        say(answer, base, phrases_.order_over(items_text(*talked), phrases_.status(status)));
        return;
      }
    }
    if (!target && flying.size() == 1) target = flying.front();
    if (!target && flying.empty()) {
      say(answer, base, phrases_.no_orders());
      return;
    }
    if (!target) {
      std::vector<std::string> names;
      names.reserve(flying.size());
      for (const Order* o : flying) names.push_back(items_text(*o));
      say(answer, base, phrases_.which_order(names), false, {"CancelOrder"});
      return;
    }
  }
  std::string id = target->id;
  std::string items = items_text(*target);
  Dialog& d = dialog(key);
  if (d.question == id) d.question.reset();
  d.last_order = id;
  orders::Reply reply = household_.cancel(id);
  if (!reply.ok()) {
    say(answer, base, refusal(reply, household_.order(id)));
  } else if (reply.pending) {
    say(answer, base, phrases_.cancel_asked(items), true, {}, true);
  } else if (const Order* o = household_.order(id);
             o && o->reason_why.id == "order.reason.cancelled_here_only") {
    // Parked (sent to another retailer than the configured one): nobody was asked.
    say(answer, base, phrases_.cancelled_here_only(items), true, {}, true);
  } else {
    say(answer, base, phrases_.cancelled(items), true, {}, true);
  }
}

std::string Conversation::refusal(const orders::Reply& reply, const Order* o) const {
  // The ledger's words are English and for the log; the household hears its language.
  log_info("voice: refused: " + reply.status.message());
  if (o && reply.code == orders::Code::conflict &&
      o->status != OrderStatus::awaiting_confirmation && o->status != OrderStatus::held) {
    // Too late (shipped, delivered) or over (cancelled, failed): say what became of it.
    return phrases_.order_over(items_text(*o), phrases_.status(std::string(
                                                   orders::status_name(o->status))));
  }
  if (reply.status.message() == orders::kNoRetailer) return phrases_.refused("no_retailer");
  switch (reply.code) {
    case orders::Code::conflict: return phrases_.refused("conflict");
    case orders::Code::not_found: return phrases_.refused("not_found");
    default: return phrases_.refused("other");
  }
}

// ---- Time --------------------------------------------------------------------------------

void Conversation::on_order_changed(const std::string& order_id) {
  for (auto& [key, d] : dialogs_) {
    if (d.question != order_id) continue;
    const Order* o = household_.order(order_id);
    // Confirmed or cancelled elsewhere (a button, the API): the question is moot. So it is
    // when the order waits for a yes again for another reason (held by a guard after the
    // confirmation): what was asked was answered, and the new reason is not this dialog's
    // to drop at its timeout.
    if (!o || o->status != OrderStatus::awaiting_confirmation ||
        o->hold_reason != d.question_reason) {
      d.question.reset();
      // Gone on (not held again for a new reason): this dialog's yes, if it still comes,
      // is the same wish, and is answered as confirmed.
      if (o && o->status != OrderStatus::awaiting_confirmation) {
        d.answered = order_id;
        d.answered_at = clock_.now();
      }
    }
  }
  std::vector<Waiting> due;
  for (auto it = waiting_.begin(); it != waiting_.end();) {
    if (it->order_id == order_id) {
      due.push_back(std::move(*it));
      it = waiting_.erase(it);
    } else {
      ++it;
    }
  }
  for (auto& w : due) {
    if (!settle(w, false)) waiting_.push_back(std::move(w));
  }
}

void Conversation::answer_waiting_now() {
  std::vector<Waiting> due;
  due.swap(waiting_);
  for (auto& w : due) {
    if (settle(w, false)) continue;
    const Order* o = household_.order(w.order_id);  // settle() answered for none
    const std::string items = items_text(*o);
    say(w.answer, w.say,
        o->status == OrderStatus::awaiting_confirmation ? phrases_.price_later(items)
                                                        : phrases_.no_price_yet(items),
        true, {}, true);
  }
}

void Conversation::tick() {
  double now = clock_.now();
  std::vector<Waiting> due;
  for (auto it = waiting_.begin(); it != waiting_.end();) {
    if (now >= it->deadline) {
      due.push_back(std::move(*it));
      it = waiting_.erase(it);
    } else {
      ++it;
    }
  }
  for (auto& w : due) settle(w, true);
  for (auto it = dialogs_.begin(); it != dialogs_.end();) {
    Dialog& d = it->second;
    if (d.question && now - d.question_since >= config_.voice.question_timeout_s) {
      log_info("voice: the question about order " + *d.question + " was not answered; dropped");
      drop_question(d);
    }
    if (!d.question && now - d.touched >= kDialogIdle) {
      it = dialogs_.erase(it);
    } else {
      ++it;
    }
  }
}

void Conversation::end_session(const std::string& session, const std::string& site) {
  auto it = dialogs_.find(key_of(session, site));
  if (it == dialogs_.end()) return;
  drop_question(it->second);
  dialogs_.erase(it);
}

void Conversation::on_turn(Turn turn, const std::string& session, const std::string& site,
                           Answer answer) {
  VoiceSay base;
  base.session = session;
  base.site = site;
  switch (turn) {
    case Turn::launch:
      say(answer, base, phrases_.welcome(), false);
      return;
    case Turn::help:
      say(answer, base, phrases_.help(names_.known()), false);
      return;
    case Turn::unknown:
      say(answer, base, phrases_.not_possible(names_.known()), false);
      return;
    case Turn::stop:
      end_session(session, site);
      say(answer, base, phrases_.goodbye());
      return;
  }
}

// ---- Words about orders -------------------------------------------------------------------

std::vector<const Order*> Conversation::in_flight() const {
  std::vector<const Order*> out;
  for (const Order* o : household_.orders()) {
    if (!orders::finished(o->status)) out.push_back(o);
  }
  return out;
}

std::string Conversation::question_text(const Order& o) const {
  // An order held for the voice's own question (or orders.confirm_voice) is asked about
  // plainly; one a guard holds says why.
  return asks_first(o) ? phrases_.ask_order(items_text(o), price_text(o), arrival_text(o))
                       : phrases_.ask_anyway(items_text(o), price_text(o),
                                             o.hold_reason.value_or(""));
}

std::string Conversation::items_text(const Order& o) const {
  std::vector<std::string> parts;
  for (const auto& i : o.items) {
    const ConsumableConfig* c = config_.consumable(i.consumable);
    std::string name = c && !c->name.empty() ? c->name : i.consumable;
    parts.push_back(phrases_.item(i.quantity, name));
  }
  return phrases_.list(parts);
}

std::string Conversation::price_text(const Order& o) const {
  if (!o.quote) return "";
  return phrases_.price(o.quote->total, o.quote->currency);
}

std::string Conversation::arrival_text(const Order& o) const {
  double now = clock_.now();
  if (o.delivery && o.delivery->window) {
    return phrases_.arriving(phrases_.on_day(o.delivery->window->start, now, zone_));
  }
  if (o.eta) return phrases_.arriving(phrases_.on_day(*o.eta, now, zone_));
  const ConsumableConfig* c = config_.consumable(o.consumable());
  if (c) return phrases_.arriving_in(c->lead_time_days);
  return "";
}

std::string Conversation::status_text(const Order& o) const {
  return phrases_.status(std::string(orders::status_name(o.status)));
}

}  // namespace larder::voice
