#include "notify/message.h"

#include <algorithm>
#include <cmath>
#include <ctime>

namespace larder::notify {
namespace {

using json = nlohmann::json;

struct KindText {
  std::string_view kind, title, tag;  // tag: an ntfy emoji short code, or ""
};

constexpr KindText kTexts[] = {
    {"low_stock", "Running low", "shopping_cart"},
    {"refill_detected", "Refilled", "package"},
    {"sensor_offline", "Sensor offline", "electric_plug"},
    {"sensor_online", "Sensor back online", "electric_plug"},
    {"use_stopped", "No use seen", "mag"},
    {"order_held", "Order waiting to go out", "hourglass"},
    {"order_awaiting_confirmation", "Order needs your confirmation", "question"},
    {"order_placed", "Order placed", "shopping_cart"},
    {"order_shipped", "Order shipped", "truck"},
    {"order_delivered", "Order delivered", "package"},
    {"order_cancelled", "Order cancelled", "x"},
    {"order_failed", "Order failed", "x"},
    {"order_exists", "Order already on its way", "shopping_cart"},
    {"order_uncertain", "Order not confirmed by the retailer", "question"},
    {"delivery_planned", "Delivery planned", "truck"},
    {"delivery_replanned", "Delivery replanned", "truck"},
    {"grant_issued", "Trunk access granted", "key"},
    {"grant_refused", "Trunk access refused", "warning"},
    {"trunk_unlocked", "Trunk unlocked", "unlock"},
    {"trunk_relocked", "Trunk locked again", "lock"},
    {"trunk_not_locked", "Trunk not locked", "warning"},
    {"access_revoked", "Trunk access revoked", "warning"},
    {"store_error", "Larder cannot save", "warning"},
    {"store_recovered", "Larder saves again", "white_check_mark"},
    {"store_over_ceiling", "Larder's database is too large", "warning"},
    {"config_reloaded", "Configuration reloaded", "gear"},
    {"config_refused", "Configuration refused", "warning"},
    {"vacation_started", "Vacation mode on", "palm_tree"},
    {"vacation_ended", "Vacation mode off", "house"},
    {"pack_expiring", "Pack past its date before use", "hourglass"},
};

const KindText* text_of(std::string_view kind) {
  for (const KindText& t : kTexts) {
    if (t.kind == kind) return &t;
  }
  return nullptr;
}

std::string string_field(const json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// An HTTP header value: printable ASCII only (others become '?'), at most `max` bytes.
std::string header_safe(std::string_view s, std::size_t max = 256) {
  std::string out;
  for (char c : s.substr(0, max)) out += (c >= 0x20 && c < 0x7f) ? c : '?';
  return out;
}

std::string iso_time(double ts) {
  if (!std::isfinite(ts)) ts = 0;
  auto t = static_cast<std::time_t>(std::floor(ts));
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

// ntfy's Actions header: "http, Confirm, URL, method=POST, clear=true; ...".
std::string ntfy_actions(const std::vector<Action>& actions) {
  std::string out;
  for (const Action& a : actions) {
    if (!out.empty()) out += "; ";
    out += "http, " + header_safe(a.label, 40) + ", " + header_safe(a.url, 1024) +
           ", method=" + header_safe(a.method, 10) + ", clear=true";
  }
  return out;
}

}  // namespace

std::string_view channel_name(Channel c) { return c == Channel::ntfy ? "ntfy" : "webhook"; }

std::optional<Channel> parse_channel(std::string_view name) {
  if (name == "ntfy") return Channel::ntfy;
  if (name == "webhook") return Channel::webhook;
  return std::nullopt;
}

std::optional<Notification> make_notification(const json& event, const std::string& public_url,
                                              const LinkCode& code, bool urgent) {
  if (!event.is_object()) return std::nullopt;
  Notification n;
  n.kind = string_field(event, "kind");
  if (n.kind.empty()) return std::nullopt;
  const KindText* t = text_of(n.kind);
  n.title = t ? std::string(t->title) : "Larder: " + n.kind;
  n.message = string_field(event, "text");
  if (n.message.empty()) n.message = n.title;
  if (auto it = event.find("ts"); it != event.end() && it->is_number()) n.ts = it->get<double>();
  n.consumable = string_field(event, "consumable");
  n.order_id = string_field(event, "order_id");
  n.vehicle = string_field(event, "vehicle");
  n.urgent = urgent;
  if (!public_url.empty()) {
    n.click = public_url + "/";
    if (n.kind == "order_awaiting_confirmation" && !n.order_id.empty() && code) {
      const std::string base = public_url + "/api/v1/orders/" + n.order_id + "/";
      n.actions.push_back({"Confirm", "POST", base + "confirm/" + code(n.order_id, "confirm")});
      n.actions.push_back({"Cancel", "POST", base + "cancel/" + code(n.order_id, "cancel")});
    }
  }
  return n;
}

Request ntfy_request(const Notification& n, int priority) {
  Request r;
  r.content_type = "text/plain; charset=utf-8";
  r.body = n.message;
  const int p = std::clamp(n.urgent ? std::max(priority, 4) : priority, 1, 5);
  r.headers.emplace_back("Title", header_safe(n.title));
  r.headers.emplace_back("Priority", std::to_string(p));
  std::string tags = "larder," + header_safe(n.kind, 64);
  if (const KindText* t = text_of(n.kind); t && !t->tag.empty()) {
    tags = std::string(t->tag) + "," + tags;
  }
  r.headers.emplace_back("Tags", tags);
  if (!n.click.empty()) r.headers.emplace_back("Click", header_safe(n.click, 1024));
  if (!n.actions.empty()) r.headers.emplace_back("Actions", ntfy_actions(n.actions));
  return r;
}

Request webhook_request(const Notification& n) {
  json actions = json::array();
  for (const Action& a : n.actions) {
    actions.push_back({{"label", a.label}, {"method", a.method}, {"url", a.url}});
  }
  json body = {{"kind", n.kind},       {"title", n.title}, {"message", n.message},
               {"ts", n.ts},           {"time", iso_time(n.ts)}, {"urgent", n.urgent},
               {"actions", actions}};
  if (!n.consumable.empty()) body["consumable"] = n.consumable;
  if (!n.order_id.empty()) body["order_id"] = n.order_id;
  if (!n.vehicle.empty()) body["vehicle"] = n.vehicle;
  if (!n.click.empty()) body["click"] = n.click;
  Request r;
  r.content_type = "application/json";
  r.body = body.dump(-1, ' ', false, json::error_handler_t::replace);
  return r;
}

}  // namespace larder::notify
