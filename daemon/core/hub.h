// The hub's core: canonical inputs in, consumable state, errors and readings out.
//
// Every message of the contract (contract.h) goes through on_message(). A valid input
// updates what the hub knows, is queued in the store, and may publish the consumable's
// retained state. A bad input changes nothing: it is counted
// (`larder_messages_rejected_total{reason}`), logged rate-limited per topic, and
// reported on `<root>/error`. The retained rules of the contract are applied here.
// Each consumable has a consumption model (forecast/consumable_model.h) that sees every
// accepted input and the facts of the order ledger; the state carries its forecast and
// status, and its events (refill_detected, low_stock) go to `<root>/event`.
// State is published when it changes meaningfully (consumable_state.h), at most once
// per `min_publish_interval` per consumable; tick() sends what that delayed. The model
// and the state are written to the store by persist(), once per flush.
// Files: hub.cc (inputs, the model's view, events, order facts), hub_state.cc (restore,
// persist, tick, the retained publications), hub_vacation.cc (vacation mode).
// Thread rule: event-loop thread only; no I/O but through Bus and Store.
#pragma once

#include <algorithm>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "core/consumable_state.h"
#include "core/contract.h"
#include "forecast/consumable_model.h"
#include "larder/bus.h"
#include "larder/clock.h"
#include "larder/config.h"
#include "larder/log.h"
#include "larder/metrics.h"
#include "larder/store.h"
#include "larder/texts.h"
#include "larder/time_zone.h"

namespace larder {

struct HubOptions {
  double min_publish_interval = 2.0;  // seconds between two states of one consumable
  double max_future_skew = 300;       // a ts further ahead of the clock is rejected
  bool bridge_outages = true;         // ModelSettings::bridge_outages (replay: false)
  // A history published with its stamps holds the ticks (Hub::kBackfillLagS). Replay's
  // clock is the stamps already: false there.
  bool hold_for_history = true;
};

// Vacation mode: the household is away from `from` until `until` (nothing: open-ended).
struct Vacation {
  double from = 0;
  std::optional<double> until;
};

struct VehicleFacts {
  std::optional<contract::LocationInput> location;
  std::optional<std::string> trunk;
  double updated = 0;        // the location's ts, or when it came without one
  double trunk_updated = 0;  // the trunk state's ts, or when it came without one
};

// What a button's order effects (reorder, confirm, cancel) ask of the order desk
// (app/order_desk.h). The hub only resolves the button; the desk owns the ledger.
class OrderActions {
 public:
  virtual ~OrderActions() = default;
  virtual void button(const std::string& button_id, const std::string& consumable,
                      ButtonEffect effect, double ts) = 0;
  // Whether an order for the consumable is in flight and on its way without the user (the
  // state's `ordered`): what restore() asks; order_in_flight() tells the changes.
  virtual bool in_flight(const std::string& /*consumable*/) const { return false; }
  // The household bought packs of the consumable: an accepted `purchased` input, as
  // stored (`value` the packs, `ts` its time).
  virtual void purchased(const std::string& /*consumable*/, const Reading& /*purchase*/) {}
};

// Where accepted voice intents go (the daemon's voice desk, app/voice_desk.h): from
// <root>/voice/intent and from the voice plugins alike.
class VoiceActions {
 public:
  virtual ~VoiceActions() = default;
  virtual void intent(const contract::IntentInput& in) = 0;
};

// Where accepted vehicle and presence facts go (the delivery desk, app/delivery_desk.h),
// after the hub recorded them; `ts` is the message's time (or the clock's when it had none).
class VehicleActions {
 public:
  virtual ~VehicleActions() = default;
  virtual void location(const contract::LocationInput& in, double ts) = 0;
  virtual void trunk(const contract::TrunkInput& in, double ts) = 0;
  virtual void presence(const contract::PresenceInput& in, double ts) = 0;
};

class Hub {
 public:
  Hub(const Config& config, Bus& bus, Store& store, const Clock& clock, Metrics& metrics,
      HubOptions options = {});

  // Loads the last committed state of each configured consumable from the store, learns
  // again the committed readings that state does not reflect (after a crash), and
  // publishes it (retained). Stored state of consumables no longer configured is ignored.
  Status restore();

  // Where button presses with an order effect go (the daemon's order desk). Without one
  // (replay, tests of the core) such a press is accepted and logged, and changes nothing.
  void set_order_actions(OrderActions* actions) { order_actions_ = actions; }
  // Where voice intents go. Without one (replay, tests of the core) an intent is
  // accepted and logged, and changes nothing.
  void set_voice_actions(VoiceActions* actions) { voice_actions_ = actions; }
  // Where vehicle locations, trunk states and presence go. Without one they are only kept
  // (vehicle(), presence()).
  void set_vehicle_actions(VehicleActions* actions) { vehicle_actions_ = actions; }

  std::vector<contract::Filter> subscriptions() const;
  // Returns false when the message was refused (counted, logged, reported on <root>/error),
  // true when it was applied or ignored (a retained copy of what is known).
  bool on_message(const Message& m);
  // The same with the payload already parsed (`m.payload` is not read); for replay.
  bool on_message(const Message& m, const nlohmann::json* payload);
  // The same for a canonical input a plugin made of a device's message on `device_topic`:
  // a refusal names that topic too (`device_topic` on <root>/error, and in the log), so
  // the household finds the device. Empty: as above.
  bool on_message(const Message& m, const nlohmann::json* payload,
                  std::string_view device_topic);
  // Lets time pass for every consumable's model, and publishes states whose
  // publication was delayed by the rate limit.
  void tick();
  // Publishes at once every state whose publication waits for the rate limit (at
  // shutdown, so the retained state is the one the store keeps), and has the next
  // persist() save every model advanced since its last save.
  void publish_pending();
  // Publishes again every retained state the hub has published (consumables, vacation):
  // after a reconnect to a broker that lost its retained messages (restarted without
  // persistence), they would be missing until the next meaningful change.
  void republish_retained();

  // Facts from the order ledger (issue: orders), passed to the consumable's model.
  // Unknown ids are ignored.
  void order_placed(const std::string& id, double ts);
  void order_cancelled(const std::string& id, double ts, bool by_user);
  void order_delivered(const std::string& id, double ts, int packs, double delivery_days);
  // Whether an order for the consumable is in flight, from its undo window on (the model
  // hears of it once the retailer accepts it): the state says `ordered` instead of `ok` or
  // `low` while one is (mqtt-v1.md: "an order is in flight"). Not while it waits for the
  // user's confirmation: nothing is ordered unless they act (OrderDesk::in_flight).
  // `show`: false when the model's news of the order follows at once, whose sync shows
  // both (one state, not two).
  void order_in_flight(const std::string& id, bool in_flight, bool show = true);
  // Queues in the store the state (a checkpoint of the model) of the consumables that need
  // one; the daemon calls it right before each flush, which commits the readings too.
  // - An order fact, or stopping (publish_pending()): at once, as no reading holds it.
  // - The first state of a consumable: at once, with its first reading.
  // - Readings: at most every kBusySaveSeconds per consumable. The readings are committed
  //   at every flush and the store knows which ones a state reflects, so restore() learns
  //   those that came after it again (Store::readings_after_states): a crash loses nothing
  //   committed, and a burst costs one model serialisation per consumable and interval,
  //   not one per flush.
  // - Time only (the outage detection): at most kCheckpointSeconds late, spread out.
  void persist();
  // The settings every consumable's model gets: the configured risk and cancel wait, and
  // the household's time zone `zone` for the days of use.
  static ModelSettings model_settings(const Config& config, const TimeZone& zone);
  static constexpr double kCheckpointSeconds = 60;
  static constexpr double kBusySaveSeconds = 5;

  // For the plugins (plugins/host.h): a device message that fits no known form is counted,
  // logged and reported on `<root>/error` like a bad canonical input; an event goes to
  // `<root>/event` with its kind, text, time and the ids in `fields`.
  void report_bad_input(const Message& m, const std::string& reason_code, const std::string& reason);
  void publish_event(const std::string& kind, const std::string& text, nlohmann::json fields,
                     std::optional<double> ts = std::nullopt);
  // The household.locale's catalog: the words of every event's text (larder/texts.h).
  const Texts& texts() const { return texts_; }

  const ConsumableState* consumable(const std::string& id) const;
  // The consumption model of a configured consumable (for plots: its curve and reorder
  // point), or nullptr.
  const ConsumableModel* model(const std::string& id) const;
  // Inputs refused so far, and the reason of the last one (for replay and tests).
  std::uint64_t rejected() const { return rejected_; }
  const std::string& last_rejection() const { return last_rejection_; }
  // A new pack opened, told in words (a voice intent): the canonical `refilled {}` of the
  // consumable at `ts`, with every check of the input; the refusal's reason if refused.
  Status told_refilled(const std::string& consumable, double ts);

  // Vacation mode (hub_vacation.cc; docs/vacation.md), from <root>/vacation, the API, the
  // CLI and buttons. start_vacation() begins an absence now until `until` (nothing: until
  // end_vacation()); a new one replaces the one in force. Every model is told (no use
  // expected, no lesson from those days, no automatic order arriving before the return).
  // The absence is kept in the store, published retained on <root>/vacation/state, and
  // its start and end go out as events. An `until` that is not in the future is refused.
  Status start_vacation(std::optional<double> until, const std::string& by);
  Status end_vacation(const std::string& by);  // refused when nobody is away
  std::optional<Vacation> vacation() const;    // the absence in force now, if any
  const VehicleFacts* vehicle(const std::string& id) const;
  std::optional<bool> presence(const std::string& person) const;
  // The volatile facts of `old` (a hub a reload replaces): each configured vehicle's
  // location and trunk, each configured person's presence. They are not stored, and a
  // location or presence sent without retain would otherwise be unknown until the next.
  void carry_over(const Hub& old);

  // An input stamped this much before it came is history being published (a plugin's
  // buffer, the demo's backdated weeks); the ticks wait until none came for kBackfillSettleS.
  // (More than the 300 s a device's clock may lag: plugins/consumable_sensor.) A clock that
  // lags further holds them kBackfillMaxS at most, until its inputs pause.
  static constexpr double kBackfillLagS = 600;
  static constexpr double kBackfillSettleS = 30;
  static constexpr double kBackfillMaxS = 600;

 private:
  // The identity of an input with an explicit ts: its time and values (kind is the key it
  // is kept under). Plain numbers, so that checking costs no allocation.
  struct Stamp {
    double ts = 0;
    std::optional<double> value;  // a level's value, a use's or refill's amount
    int unit = -1;                // the Unit, -1 when none is given
    int packs = 0;
    std::optional<double> best_before;      // a purchase's date, as a time or a day
    std::optional<double> best_before_day;
    bool gross = false;
    bool operator==(const Stamp&) const = default;
    // 64 bits of every field: what the recent inputs keep of a stamp (8 bytes, not 72).
    std::uint64_t digest() const;
  };
  struct Entry {
    const ConsumableConfig* config;
    ConsumableModel model;
    ConsumableState state;
    ConsumableState published;
    bool ever_published = false;
    bool unsaved = false;             // learned something since the last persist()
    bool must_save = false;           // ... that no reading holds (an order fact), or stopping
    bool ticked = false;              // advanced in time since the last persist()
    bool stored = false;              // the store has a state of it
    double last_saved = 0;            // clock time of the last persist() of this one
    unsigned saved_version = 0;       // the model's version() when last looked at
    bool dirty = false;               // a meaningful change waits for the rate limit
    double last_publish = -1e300;     // clock time
    // A history being published, stamped well before it arrives (kBackfillLagS): clock
    // times of its first input and its latest. While it comes in, tick() leaves the model's
    // time alone, for its own stamps are its clock; a tick at the hub's clock would close
    // the days still coming as unused.
    double history_since = 0;
    double history_last = -1e300;
    bool holds_ticks(double now) const {
      return now < std::min(history_last + kBackfillSettleS, history_since + kBackfillMaxS);
    }
    bool order_in_flight = false;     // order_in_flight()
    // The recent inputs with an explicit ts, per kind, the newest last (at most
    // kRecentInputs): QoS 1 is at-least-once, so the same message may come twice (a
    // redelivery after a reconnect, a publisher's retry), and not always right after the
    // first (a broker restart reorders: docs/mqtt.md, "Late inputs").
    std::map<std::string, std::vector<std::uint64_t>, std::less<>> recent_stamps = {};
  };

  void reject(const Message& m, const contract::Rejection& r);
  void apply(const Message& m, const contract::Input& in);
  bool apply_consumable(const Message& m, const contract::Input& in, Entry& e, double ts);
  // Gives the model one reading (in the consumable's unit), live or, in restore(), one
  // committed after its saved state: the same way both times.
  Status learn(Entry& e, const Reading& r);
  // What the button's configuration says a press does (a refill of its consumable).
  bool press_button(const Message& m, const contract::PressInput& press, double ts);
  // A location, trunk or presence message names a configured vehicle or person; else it is
  // refused (unknown_vehicle, unknown_person), as a press for an unknown button is.
  bool known_device(const Message& m, const contract::Input& in);
  // The identity of an input with an explicit ts; nothing without ts.
  static std::optional<Stamp> stamp(const contract::Input& in);
  void changed(Entry& e);
  // An input learned with its stamp `ts`: history being published holds the ticks.
  void note_history(Entry& e, double ts);
  // `ordered` over `ok` and `low` while an order is in flight (order_in_flight()).
  static void show_order(Entry& e);
  // Copies the model's view into the state, publishes the model's events.
  void sync(Entry& e);
  // The model's events (take_events()) on <root>/event, in words (hub_events.cc).
  void publish_model_events(Entry& e);
  std::string model_event_text(const Entry& e, const std::string& kind) const;
  void use_stopped(const Entry& e, const ModelEvent& ev);
  void pack_expiring(const Entry& e, const ModelEvent& ev);
  void with_entry(const std::string& id, const std::function<void(Entry&)>& fn);
  void publish_state(Entry& e);
  void apply_vacation();             // tells every model the latest absence
  void vacation_changed(const char* kind, const std::string& text, const std::string& by);
  // The absence kept in the store, from the states restore() has already loaded.
  void restore_vacation(const std::vector<StoredState>& states);
  void tick_vacation(double now);    // an absence whose end has come ends

  const Config& config_;
  Bus& bus_;
  Store& store_;
  const Clock& clock_;
  Metrics& metrics_;
  HubOptions options_;
  std::string root_;
  const Texts& texts_;
  TimeZone zone_;                     // household.timezone (UTC when it cannot be loaded)
  std::map<std::string, Entry, std::less<>> consumables_;
  std::map<std::string, VehicleFacts> vehicles_;
  struct PresenceFact {
    bool home = false;
    double updated = 0;  // the message's ts, or when it came without one
  };
  std::map<std::string, PresenceFact> presence_;
  // The last presses and voice intents that carried a ts: QoS 1 may deliver them twice
  // (after a reconnect it resends every unacknowledged one, so several are kept), and a
  // press that opens a pack must not open two.
  struct IntentStamp {
    double ts = 0;
    std::string intent, session, site, text;
    std::map<std::string, std::string> slots;
    bool operator==(const IntentStamp&) const = default;
  };
  struct PressStamp {
    double ts = 0;
    std::string button, action;
    bool operator==(const PressStamp&) const = default;
  };
  std::deque<PressStamp> last_presses_;  // the newest last, at most kRecentStamps
  std::deque<IntentStamp> last_intents_;  // the newest last, at most kRecentStamps
  static constexpr std::size_t kRecentStamps = 16;
  // A redelivery comes from a window of messages in flight (mosquitto's
  // max_inflight_messages is 20 per client, a publisher's about as many).
  static constexpr std::size_t kRecentInputs = 32;
  bool repeated_intent(const contract::IntentInput& in);
  void republish_vacation();          // its retained state again, if there is one
  std::optional<Vacation> vacation_;  // the latest absence (in force or ended)
  bool vacation_ended_ = true;        // its end was announced
  bool restoring_ = false;  // restore() is under way: no state is published yet
  std::uint64_t rejected_ = 0;
  std::string last_rejection_;
  std::string_view device_topic_;  // while on_message() handles a plugin's input
  OrderActions* order_actions_ = nullptr;
  VoiceActions* voice_actions_ = nullptr;
  VehicleActions* vehicle_actions_ = nullptr;
  // Per topic, and over all topics: a flood of bad input on ever new topics must neither
  // fill the log (journald drops a service's lines past its burst) nor crowd events,
  // answers and vehicle commands out of the outgoing MQTT queue with its reports.
  RateLimitedLog bad_input_log_{5, 60, 60};
  RateLimitedLog error_reports_{20, 10, 50};
};

}  // namespace larder
