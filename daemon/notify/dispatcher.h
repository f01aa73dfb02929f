// The push channels' delivery (docs/notifications.md): every event published on
// `<root>/event` is offered to on_event(); `notify.events` says which channels it goes to.
//
// Per channel: a bounded queue in memory (notify.queue_size), one request in flight at a
// time, oldest first. A failure worth retrying (no answer, 408, 429, 5xx) keeps the
// notification in its place and the channel sends nothing for notify.retry_initial_s,
// doubled after each failure in a row up to notify.retry_max_s; a success starts over.
// Another answer (4xx) drops it. A full queue drops its
// oldest waiting notification (`larder_notify_dropped_total{reason="queue_full"}` and a
// warning). A dead endpoint so costs a bounded queue and one request at a time, never the
// loop: requests go out through the Sender, which answers later on the loop.
//
// Quiet hours (quiet_hours.h): a notification of a kind in `break_through` goes out at
// once; one of a kind in `drop` is dropped (counted as reason="quiet_hours"); any other is
// held in its queue and sent when the quiet hours end (tick() notices). Held notifications
// do not keep a break-through one behind them (it is sent first).
// Thread rule: event-loop thread only; the Sender's `done` must run there too, never inside
// send().
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "larder/clock.h"
#include "larder/config.h"
#include "larder/metrics.h"
#include "larder/texts.h"
#include "larder/time_zone.h"
#include "notify/message.h"
#include "notify/quiet_hours.h"

namespace larder::notify {

struct SendResult {
  int status = 0;     // the HTTP status; 0 when there was no answer
  std::string error;  // status 0: why (never holds a secret)
};

// 2xx.
bool delivered(const SendResult& r);
// No answer, 408, 429 or 5xx.
bool worth_retrying(const SendResult& r);

// The port to the HTTP client (adapters/notify/http_sender.h); tests fake it.
class Sender {
 public:
  virtual ~Sender() = default;
  // Sends `request` to `channel`'s endpoint; `done` runs once, later, on the loop.
  virtual void send(Channel channel, const Request& request,
                    std::function<void(SendResult)> done) = 0;
};

class Dispatcher {
 public:
  // `texts`: the household's language (titles, answers' labels); it must outlive the
  // dispatcher (Texts::for_locale's catalogs live as long as the process).
  Dispatcher(const NotifyConfig& config, const TimeZone& zone, const Texts& texts, Sender& sender,
             const Clock& clock, Metrics& metrics, LinkCode link_code);
  ~Dispatcher();
  Dispatcher(const Dispatcher&) = delete;
  Dispatcher& operator=(const Dispatcher&) = delete;

  // One event as published (a JSON object with "kind"); others are ignored.
  void on_event(const nlohmann::json& event);
  // Sends what is due: retries whose time has come, what quiet hours held.
  void tick();
  // The household's language after a reload changed household.locale: for what comes next.
  void set_texts(const Texts& texts) { texts_ = &texts; }
  // The household's time zone after a reload changed household.timezone: the quiet hours
  // are kept in it from now on (what they hold now waits for their new end).
  void set_zone(const TimeZone& zone);

  // What waits (in flight included) on `channel`.
  std::size_t queued(Channel channel) const;
  bool quiet_now() const;

 private:
  struct Item {
    std::uint64_t id = 0;
    Notification note;
    Request request;
  };
  struct Queue {
    Channel channel = Channel::ntfy;
    std::deque<Item> items;
    std::optional<std::uint64_t> in_flight;  // the item whose request is out
    int failures = 0;                        // in a row: the backoff's exponent
    double next_at = 0;                      // after a failure, nothing before this time
  };

  Queue* queue_of(Channel c);
  void push(Queue& q, Item item);
  void pump(Queue& q);
  void finished(Channel c, std::uint64_t id, const SendResult& r);
  void update_gauge(const Queue& q);

  NotifyConfig config_;
  std::optional<QuietHours> quiet_;
  std::set<std::string, std::less<>> break_through_, drop_;
  const Texts* texts_;
  Sender& sender_;
  const Clock& clock_;
  Metrics& metrics_;
  LinkCode link_code_;
  std::vector<Queue> queues_;
  std::uint64_t next_id_ = 0;
  // Cleared by the destructor: an answer after it finds no dispatcher.
  std::shared_ptr<Dispatcher*> self_;
};

}  // namespace larder::notify
