// OfflineBuffer: what the MQTT adapter keeps while the broker is unreachable.
//
// Retained messages are state: only the latest per topic matters, so a new one replaces
// the kept one (up to `max_retained_topics` distinct topics; a new topic beyond that is
// dropped). Other messages are events: kept in order up to `max_queued`; when full, the
// oldest is dropped to make room. drain() hands everything to a sender, retained state
// first, then the events in the order they were kept.
//
// (Paho's own offline buffer was tried and not used: in 1.2.0 / C 1.3.11 the tokens of
// the messages it drops never complete, so drops cannot be counted, and retained messages
// to one topic all take room and push events out.)
// Thread rule: plain value; the event-loop thread owns it.
#pragma once

#include <cstddef>
#include <deque>
#include <functional>
#include <map>
#include <string>

#include "larder/bus.h"

namespace larder {

class OfflineBuffer {
 public:
  OfflineBuffer(std::size_t max_queued, std::size_t max_retained_topics)
      : max_queued_(max_queued), max_retained_(max_retained_topics) {}

  // Keeps `m`; returns how many messages were dropped for it (0 or 1).
  std::size_t keep(Message m);
  // Keeps `m`, sent earlier and never acknowledged, ahead of what was kept since: a
  // retained one only if no newer one to its topic is kept, an event before the queued
  // ones. Returns how many messages were dropped for it (0 or 1).
  std::size_t keep_older(Message m);
  // Sends kept messages in order through `send` and forgets each one sent; stops at the
  // first one `send` returns false for (that one and the rest stay kept).
  void drain(const std::function<bool(const Message&)>& send);
  // Forgets everything; returns how many messages that were.
  std::size_t clear();
  // Forgets the retained message kept for `topic`; false when none was.
  bool forget_retained(const std::string& topic) { return retained_.erase(topic) > 0; }

  bool has_retained(const std::string& topic) const { return retained_.count(topic) > 0; }
  bool has_queued() const { return !queue_.empty(); }
  std::size_t size() const { return retained_.size() + queue_.size(); }
  bool empty() const { return size() == 0; }

 private:
  std::size_t max_queued_;
  std::size_t max_retained_;
  std::map<std::string, Message> retained_;
  std::deque<Message> queue_;
};

}  // namespace larder
