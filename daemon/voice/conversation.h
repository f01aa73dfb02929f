// The household's conversation with its voice assistants, once, on the canonical intents
// of shared/contract/mqtt-v1.md. Every assistant is a thin translator around it: the
// hermes plugin (plugins/hermes), the Alexa endpoint (api/alexa_routes.h), or any third
// party on <root>/voice/intent.
//
// What it does with each intent (docs/voice.md):
//   - Reorder (item, quantity): one order through the household's ledger, source `voice`.
//     The ledger takes a quote first; the answer waits for it (at most answer_timeout_s)
//     and states the product, quantity, price and delivery day. With confirm_voice (the
//     default) it is a question: "yes" (ConfirmOrder) places the order without an undo
//     window, "no" (DenyOrder) drops it, and a question left unanswered for
//     question_timeout_s (or a session ended) drops it too. An order already in flight is
//     reported, not duplicated; a spoken quantity is the user's explicit ask for more.
//   - StockQuery, Refilled, DeliveryQuery, RevokeAccess are in conversation_questions.cc.
//   - StockQuery (item): what is left and for how long; without an item, what is running
//     low, soonest first, in days.
//   - CancelOrder (item): that order; without an item the one this conversation talked
//     about, or the only one in flight, or the hub asks which.
//   - Refilled (item): a new pack opened (as the canonical `refilled {}`).
//   - DeliveryQuery (item): when the orders on their way arrive.
//   - RevokeAccess (item): revokes trunk access for the deliveries in flight (of that item
//     only, with one); they go to the doorstep.
//   - StartVacation (until), EndVacation, VacationStatus (conversation_vacation.cc):
//     vacation mode (docs/vacation.md) on, off, and whether it is on. `until` is a local
//     date, YYYY-MM-DD (Alexa's AMAZON.DATE), the start of that day; without it the
//     absence lasts until switched off. A date that is not such a day, or not in the
//     future, is answered and changes nothing.
// Items resolve through names and synonyms (items.h); an unknown item gets an answer
// listing what is known. An intent below the confidence floor is answered ("please say
// it again") and not acted on. A well-formed intent the hub cannot serve gets a spoken
// "Sorry, ..." and changes nothing.
//
// Every intent gets exactly one answer, through its `Answer`, now or later (on a later
// call of on_order_changed() or tick()). Dialogs (a question waiting for its answer, the
// order last talked about) are kept per session, or per site for assistants without
// sessions; at most kMaxDialogs, the oldest dropped.
// Thread rule: event-loop thread only; no I/O but through Household.
#pragma once

#include <cstddef>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/consumable_state.h"
#include "core/contract.h"
#include "larder/clock.h"
#include "larder/config.h"
#include "larder/metrics.h"
#include "larder/status.h"
#include "larder/time_zone.h"
#include "larder/voice.h"
#include "orders/ledger.h"
#include "voice/items.h"
#include "voice/phrases.h"

namespace larder::voice {

// What the conversation reads and does: the daemon's hub and order desk (app/voice_desk.h).
class Household {
 public:
  virtual ~Household() = default;
  virtual const ConsumableState* consumable(const std::string& id) const = 0;
  virtual std::vector<const orders::Order*> orders() const = 0;  // newest first
  virtual const orders::Order* order(const std::string& order_id) const = 0;
  // One request through the ledger (source voice); explicit_quantity: the user said how many.
  virtual orders::Reply request(const std::string& consumable, int quantity,
                                bool explicit_quantity) = 0;
  virtual orders::Reply confirm(const std::string& order_id) = 0;
  virtual orders::Reply cancel(const std::string& order_id) = 0;
  // A new pack opened, as the canonical refilled {} of the consumable at `ts`.
  virtual Status refilled(const std::string& consumable, double ts) = 0;
  // Revokes trunk access of the orders in flight (those with the consumable, when given);
  // the number of orders whose access was revoked.
  virtual int revoke_access(const std::optional<std::string>& consumable) = 0;
  // Vacation mode (Hub::start_vacation and end_vacation, by "voice"): the absence in force
  // now, if any.
  struct Away {
    double from = 0;
    std::optional<double> until;  // nothing: until switched off
  };
  virtual std::optional<Away> away() const = 0;
  virtual Status start_vacation(std::optional<double> until) = 0;
  virtual Status end_vacation() = 0;  // refused when nobody is away
};

class Conversation {
 public:
  using Answer = std::function<void(VoiceSay)>;
  static constexpr std::size_t kMaxDialogs = 64;
  static constexpr int kMaxQuantity = 20;

  Conversation(const Config& config, Household& household, const Clock& clock,
               Metrics& metrics);

  // Answers one intent (once, through `answer`, now or later).
  void on_intent(const contract::IntentInput& in, Answer answer);
  // The order changed (its state, a quote, an event): answers that waited for it go out.
  void on_order_changed(const std::string& order_id);
  // Answers that waited too long, questions left unanswered.
  void tick();
  // Every answer still waiting for its order's price, given now with what is known; the
  // order stays as it is (one waiting for a yes is asked about by the dashboard and the
  // notifications). For a conversation that is going (a reload): an answer it dropped would
  // reach the assistant as an error.
  void answer_waiting_now();
  // The assistant ended the session (Alexa's SessionEndedRequest or "stop"): a question
  // waiting in it is dropped, with its order.
  void end_session(const std::string& session, const std::string& site);
  // Turns of an assistant that are not intents (Alexa): the skill opened without a
  // request, a plea for help, a request the hub does not know ("sorry", and what it can
  // do), and "stop" (the session ends; its question is dropped).
  enum class Turn { launch, help, unknown, stop };
  void on_turn(Turn turn, const std::string& session, const std::string& site, Answer answer);

  // For tests: the dialogs kept, and answers still waiting.
  std::size_t dialogs() const { return dialogs_.size(); }
  std::size_t waiting() const { return waiting_.size(); }

 private:
  struct Dialog {
    std::optional<std::string> question;  // an order waiting for yes or no
    std::optional<std::string> question_reason;  // its hold_reason when it was asked
    double question_since = 0;
    std::string last_order;               // the order last talked about
    double touched = 0;
    // The order asked about that someone else confirmed meanwhile (a button, the API), and
    // when: a yes that comes after it is still answered as confirmed.
    std::string answered;
    double answered_at = 0;
  };
  // An answer that waits for its order's price (or its end).
  struct Waiting {
    std::string order_id;
    std::string key;                      // the dialog
    VoiceSay say;                         // site and session filled in
    Answer answer;
    double deadline = 0;
  };

  static std::string key_of(const std::string& session, const std::string& site);
  Dialog& dialog(const std::string& key);
  void say(Answer& answer, VoiceSay base, std::string text, bool end = true,
           std::vector<std::string> expect = {}, bool card = false);

  void reorder(const contract::IntentInput& in, const std::string& key, const VoiceSay& base,
               Answer& answer);
  void confirm(const std::string& key, const VoiceSay& base, Answer& answer);
  void deny(const std::string& key, const VoiceSay& base, Answer& answer);
  void cancel(const contract::IntentInput& in, const std::string& key, const VoiceSay& base,
              Answer& answer);
  void stock(const contract::IntentInput& in, const VoiceSay& base, Answer& answer);
  void refilled(const contract::IntentInput& in, const VoiceSay& base, Answer& answer);
  // What to say when the household's ledger refused (its words are English, for the log):
  // what became of the order `o` when it is too late, else the kind of refusal.
  std::string refusal(const orders::Reply& reply, const orders::Order* o) const;
  void deliveries(const contract::IntentInput& in, const VoiceSay& base, Answer& answer);
  void revoke(const contract::IntentInput& in, const VoiceSay& base, Answer& answer);
  void start_vacation(const contract::IntentInput& in, const VoiceSay& base, Answer& answer);
  void end_vacation(const VoiceSay& base, Answer& answer);
  void vacation_status(const VoiceSay& base, Answer& answer);
  // Whether `intent` has the slot `slot` (mqtt-v1.md and its vacation extension).
  static bool has_slot(const std::string& intent, const std::string& slot);

  // The item of the intent's `item` slot: its id, or the spoken "sorry" was answered.
  std::optional<std::string> item(const contract::IntentInput& in, const VoiceSay& base,
                                  Answer& answer, bool required);
  // Answers a waiting Reorder from its order's state; false while it must wait longer.
  bool settle(Waiting& w, bool timed_out);
  void drop_question(Dialog& d);

  // The question about `o` waiting for a yes: "Shall I order ...?", or why it waits.
  std::string question_text(const orders::Order& o) const;
  std::string items_text(const orders::Order& o) const;
  std::string price_text(const orders::Order& o) const;
  std::string arrival_text(const orders::Order& o) const;
  std::string status_text(const orders::Order& o) const;
  std::vector<const orders::Order*> in_flight() const;

  const Config& config_;
  Household& household_;
  const Clock& clock_;
  Metrics& metrics_;
  ItemNames names_;
  Phrases phrases_;                     // the household.locale's words
  TimeZone zone_;
  std::map<std::string, Dialog> dialogs_;
  std::vector<Waiting> waiting_;
};

}  // namespace larder::voice
