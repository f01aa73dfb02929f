#include "app/event_log.h"

#include <algorithm>
#include <utility>
#include <vector>

namespace larder {

EventLog::EventLog(Bus& next, std::string root, std::size_t capacity)
    : next_(next), topic_(std::move(root) + "/event"), capacity_(std::max<std::size_t>(capacity, 1)) {}

void EventLog::publish(const std::string& topic, std::string payload, bool retain, int qos) {
  if (topic == topic_) {
    nlohmann::json ev = nlohmann::json::parse(payload, nullptr, /*allow_exceptions=*/false);
    if (ev.is_object()) {
      if (observer_) observer_(ev);
      double ts = 0;
      if (auto it = ev.find("ts"); it != ev.end() && it->is_number()) ts = it->get<double>();
      ev["seq"] = ++seq_;
      events_.push_back({seq_, ts, std::move(ev)});
      if (events_.size() > capacity_) events_.pop_front();
    }
  }
  next_.publish(topic, std::move(payload), retain, qos);
}

nlohmann::json EventLog::recent(const Query& q) const {
  nlohmann::json list = nlohmann::json::array();
  auto wanted = [&q](const Kept& k) { return !q.since || k.ts >= *q.since; };
  if (q.after) {
    // A poll: the oldest `limit` after it, so that a poller that fell behind by more than
    // the limit gets the rest with the next `after` instead of losing them.
    std::uint64_t next = seq_;
    auto it = std::upper_bound(events_.begin(), events_.end(), *q.after,
                               [](std::uint64_t a, const Kept& k) { return a < k.seq; });
    for (; it != events_.end(); ++it) {
      if (!wanted(*it)) continue;
      if (list.size() == q.limit) {
        next = std::prev(it)->seq;  // what is returned ends before this one
        break;
      }
      list.push_back(it->event);
    }
    return {{"events", std::move(list)}, {"next", next}};
  }
  std::vector<const Kept*> picked;
  // Newest first until the limit, then reversed: the answer is oldest first.
  for (auto it = events_.rbegin(); it != events_.rend() && picked.size() < q.limit; ++it) {
    if (wanted(*it)) picked.push_back(&*it);
  }
  for (auto it = picked.rbegin(); it != picked.rend(); ++it) list.push_back((*it)->event);
  return {{"events", std::move(list)}, {"next", seq_}};
}

}  // namespace larder
