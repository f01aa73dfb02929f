#include "adapters/mqtt/offline_buffer.h"

#include <utility>

namespace larder {

std::size_t OfflineBuffer::keep(Message m) {
  if (m.retained) {
    auto it = retained_.find(m.topic);
    if (it != retained_.end()) {
      it->second = std::move(m);
      return 0;
    }
    if (retained_.size() >= max_retained_) return 1;
    std::string topic = m.topic;
    retained_.emplace(std::move(topic), std::move(m));
    return 0;
  }
  if (max_queued_ == 0) return 1;
  std::size_t dropped = 0;
  if (queue_.size() >= max_queued_) {
    queue_.pop_front();
    dropped = 1;
  }
  queue_.push_back(std::move(m));
  return dropped;
}

std::size_t OfflineBuffer::keep_older(Message m) {
  if (m.retained) return has_retained(m.topic) ? 0 : keep(std::move(m));
  if (queue_.size() >= max_queued_) return 1;  // the newer events win the room (or none)
  queue_.push_front(std::move(m));
  return 0;
}

void OfflineBuffer::drain(const std::function<bool(const Message&)>& send) {
  for (auto it = retained_.begin(); it != retained_.end();) {
    if (!send(it->second)) return;
    it = retained_.erase(it);
  }
  while (!queue_.empty()) {
    if (!send(queue_.front())) return;
    queue_.pop_front();
  }
}

std::size_t OfflineBuffer::clear() {
  const std::size_t n = size();
  retained_.clear();
  queue_.clear();
  return n;
}

}  // namespace larder
