// The recent events of the hub, for `GET /api/v1/events` and the dashboard.
//
// A Bus in front of the MQTT client: everything published goes on unchanged, and each
// message on `<root>/event` (the hub's, the order desk's and the delivery desk's events
// alike, shared/contract/mqtt-v1.md) is also kept, numbered, in a bounded ring: the
// newest `capacity` events, so memory stays fixed however long the hub runs. A payload
// that is not a JSON object is passed on and not kept (no module publishes one).
// An observer (set_observer) sees each kept event before it goes on: the push
// notifications (notify/dispatcher.h) are offered every event this way.
// Thread rule: event-loop thread only, like every Bus.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <optional>
#include <string>
#include <utility>

#include <nlohmann/json.hpp>

#include "larder/bus.h"

namespace larder {

class EventLog final : public Bus {
 public:
  EventLog(Bus& next, std::string root, std::size_t capacity = 1000);

  void publish(const std::string& topic, std::string payload, bool retain, int qos = 1) override;

  struct Query {
    std::optional<double> since;         // events with ts >= since
    std::optional<std::uint64_t> after;  // events with seq > after
    std::size_t limit = 200;             // at most this many of those
  };
  // {"events":[{...the event, "seq":N}, ...oldest first], "next": seq}. Without `after`, the
  // newest `limit` events that match, and `next` the newest seq kept. With `after` (a poll),
  // the oldest `limit` after it, and `next` the seq to poll after for the rest: the last one
  // returned when more are left, else the newest kept.
  nlohmann::json recent(const Query& q) const;
  std::size_t size() const { return events_.size(); }

  // Called with each event kept (without its "seq"); must not publish on this bus.
  using Observer = std::function<void(const nlohmann::json& event)>;
  void set_observer(Observer observer) { observer_ = std::move(observer); }

 private:
  struct Kept {
    std::uint64_t seq;
    double ts;
    nlohmann::json event;
  };
  Bus& next_;
  std::string topic_;
  std::size_t capacity_;
  std::uint64_t seq_ = 0;
  std::deque<Kept> events_;
  Observer observer_;
};

}  // namespace larder
