#include "notify/dispatcher.h"

#include <algorithm>
#include <cmath>
#include <utility>

#include "larder/log.h"

namespace larder::notify {
namespace {

std::string describe(const SendResult& r) {
  return r.status == 0 ? "no answer: " + r.error : "HTTP " + std::to_string(r.status);
}

std::string seconds(double s) { return std::to_string(static_cast<long long>(std::lround(s))) + " s"; }

}  // namespace

bool delivered(const SendResult& r) { return r.status >= 200 && r.status < 300; }

bool worth_retrying(const SendResult& r) {
  return r.status == 0 || r.status == 408 || r.status == 429 || r.status >= 500;
}

Dispatcher::Dispatcher(const NotifyConfig& config, const TimeZone& zone, const Texts& texts,
                       Sender& sender, const Clock& clock, Metrics& metrics, LinkCode link_code)
    : config_(config),
      texts_(&texts),
      sender_(sender),
      clock_(clock),
      metrics_(metrics),
      link_code_(std::move(link_code)),
      self_(std::make_shared<Dispatcher*>(this)) {
  if (config_.quiet_hours) {
    quiet_.emplace(*config_.quiet_hours, zone);
    break_through_.insert(config_.quiet_hours->break_through.begin(),
                          config_.quiet_hours->break_through.end());
    drop_.insert(config_.quiet_hours->drop.begin(), config_.quiet_hours->drop.end());
  }
  if (config_.ntfy) queues_.push_back(Queue{Channel::ntfy, {}, {}, 0, 0});
  if (config_.webhook) queues_.push_back(Queue{Channel::webhook, {}, {}, 0, 0});
  metrics_.describe("larder_notify_sent_total", "counter",
                    "Notifications delivered, by channel.");
  metrics_.describe("larder_notify_failures_total", "counter",
                    "Failed attempts to deliver a notification (each retry counts), by channel.");
  metrics_.describe("larder_notify_dropped_total", "counter",
                    "Notifications given up, by channel and reason (queue_full, rejected, "
                    "quiet_hours).");
  metrics_.describe("larder_notify_queued", "gauge",
                    "Notifications waiting to be delivered (held ones too), by channel.");
  for (const Queue& q : queues_) update_gauge(q);
}

void Dispatcher::set_zone(const TimeZone& zone) {
  if (config_.quiet_hours) quiet_.emplace(*config_.quiet_hours, zone);
}

Dispatcher::~Dispatcher() { *self_ = nullptr; }

bool Dispatcher::quiet_now() const { return quiet_ && quiet_->quiet_at(clock_.now()); }

std::size_t Dispatcher::queued(Channel channel) const {
  for (const Queue& q : queues_) {
    if (q.channel == channel) return q.items.size();
  }
  return 0;
}

Dispatcher::Queue* Dispatcher::queue_of(Channel c) {
  for (Queue& q : queues_) {
    if (q.channel == c) return &q;
  }
  return nullptr;
}

void Dispatcher::on_event(const nlohmann::json& event) {
  if (!event.is_object()) return;
  auto k = event.find("kind");
  if (k == event.end() || !k->is_string()) return;
  auto route = config_.events.find(k->get<std::string>());
  if (route == config_.events.end() || route->second.empty()) return;  // MQTT only
  const std::string& kind = route->first;
  const bool urgent = break_through_.count(kind) != 0;
  auto note = make_notification(event, *texts_, config_.public_url, link_code_, urgent);
  if (!note) return;
  const bool dropped_in_quiet = drop_.count(kind) != 0 && quiet_now();
  for (const std::string& name : route->second) {
    auto channel = parse_channel(name);
    Queue* q = channel ? queue_of(*channel) : nullptr;
    if (!q) continue;
    if (dropped_in_quiet) {
      metrics_.inc("larder_notify_dropped_total",
                   {{"channel", name}, {"reason", "quiet_hours"}});
      log_debug("notify: " + name + ": " + kind + " dropped in quiet hours");
      continue;
    }
    Item item;
    item.id = ++next_id_;
    item.note = *note;
    item.request = *channel == Channel::ntfy
                       ? ntfy_request(*note, config_.ntfy ? config_.ntfy->priority : 3)
                       : webhook_request(*note);
    push(*q, std::move(item));
  }
}

void Dispatcher::push(Queue& q, Item item) {
  const auto cap = static_cast<std::size_t>(std::max(config_.queue_size, 1));
  while (q.items.size() >= cap) {
    // The oldest that is not on its way; the one in flight is left to its answer.
    auto victim = std::find_if(q.items.begin(), q.items.end(), [&](const Item& i) {
      return !q.in_flight || i.id != *q.in_flight;
    });
    if (victim == q.items.end()) break;
    const std::string name(channel_name(q.channel));
    metrics_.inc("larder_notify_dropped_total", {{"channel", name}, {"reason", "queue_full"}});
    log_warn("notify: " + name + ": queue full (" + std::to_string(cap) + "), dropped the oldest (" +
             victim->note.kind + ")");
    q.items.erase(victim);
  }
  q.items.push_back(std::move(item));
  update_gauge(q);
  pump(q);
}

void Dispatcher::tick() {
  for (Queue& q : queues_) pump(q);
}

void Dispatcher::pump(Queue& q) {
  if (q.in_flight || q.items.empty()) return;
  const double now = clock_.now();
  if (now < q.next_at) return;  // backing off after a failure
  const bool quiet = quiet_now();
  auto it = std::find_if(q.items.begin(), q.items.end(),
                         [&](const Item& i) { return !quiet || i.note.urgent; });
  if (it == q.items.end()) return;  // all held until the quiet hours end
  q.in_flight = it->id;
  sender_.send(q.channel, it->request,
               [self = self_, c = q.channel, id = it->id](const SendResult& r) {
                 if (*self) (*self)->finished(c, id, r);
               });
}

void Dispatcher::finished(Channel c, std::uint64_t id, const SendResult& r) {
  Queue* q = queue_of(c);
  if (!q) return;
  q->in_flight.reset();
  auto it = std::find_if(q->items.begin(), q->items.end(), [&](const Item& i) { return i.id == id; });
  const std::string name(channel_name(c));
  const std::string kind = it != q->items.end() ? it->note.kind : std::string("?");
  if (delivered(r)) {
    metrics_.inc("larder_notify_sent_total", {{"channel", name}});
    if (q->failures > 0) log_info("notify: " + name + ": delivering again");
    q->failures = 0;
    q->next_at = 0;
    if (it != q->items.end()) q->items.erase(it);
  } else {
    metrics_.inc("larder_notify_failures_total", {{"channel", name}});
    if (!worth_retrying(r)) {
      // The endpoint refuses this notification; asking again would get the same answer.
      metrics_.inc("larder_notify_dropped_total", {{"channel", name}, {"reason", "rejected"}});
      log_warn("notify: " + name + ": " + kind + " refused (" + describe(r) + "), dropped");
      if (it != q->items.end()) q->items.erase(it);
    } else {
      ++q->failures;
      const double wait = std::min(config_.retry_max_s,
                                   config_.retry_initial_s *
                                       std::pow(2.0, std::min(q->failures - 1, 30)));
      q->next_at = clock_.now() + wait;
      log_warn("notify: " + name + ": " + kind + " not delivered (" + describe(r) +
               "), retry in " + seconds(wait) + ", " + std::to_string(q->items.size()) +
               " waiting");
    }
  }
  update_gauge(*q);
  pump(*q);
}

void Dispatcher::update_gauge(const Queue& q) {
  metrics_.set("larder_notify_queued", {{"channel", std::string(channel_name(q.channel))}},
               static_cast<double>(q.items.size()));
}

}  // namespace larder::notify
