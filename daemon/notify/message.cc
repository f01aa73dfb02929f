#include "notify/message.h"

#include <algorithm>
#include <cmath>
#include <ctime>

#include <openssl/evp.h>

namespace larder::notify {
namespace {

using json = nlohmann::json;

// The ntfy emoji short code of each kind ("" for none); the title is the catalog's
// `notify.title.<kind>` (locales/*.json).
struct KindTag {
  std::string_view kind, tag;
};

constexpr KindTag kTags[] = {
    {"low_stock", "shopping_cart"},
    {"refill_detected", "package"},
    {"sensor_offline", "electric_plug"},
    {"sensor_online", "electric_plug"},
    {"use_stopped", "mag"},
    {"order_held", "hourglass"},
    {"order_awaiting_confirmation", "question"},
    {"order_placed", "shopping_cart"},
    {"order_shipped", "truck"},
    {"order_delivered", "package"},
    {"order_cancelled", "x"},
    {"order_failed", "x"},
    {"order_exists", "shopping_cart"},
    {"order_uncertain", "question"},
    {"delivery_planned", "truck"},
    {"delivery_replanned", "truck"},
    {"grant_issued", "key"},
    {"grant_refused", "warning"},
    {"trunk_unlocked", "unlock"},
    {"trunk_relocked", "lock"},
    {"trunk_not_locked", "warning"},
    {"access_revoked", "warning"},
    {"store_error", "warning"},
    {"store_recovered", "white_check_mark"},
    {"store_over_ceiling", "warning"},
    {"config_reloaded", "gear"},
    {"config_refused", "warning"},
    {"vacation_started", "palm_tree"},
    {"vacation_ended", "house"},
    {"pack_expiring", "hourglass"},
};

std::string_view tag_of(std::string_view kind) {
  for (const KindTag& t : kTags) {
    if (t.kind == kind) return t.tag;
  }
  return {};
}

std::string string_field(const json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// An HTTP header value of plain ASCII: printable characters only (others become '?'), at
// most `max` bytes. For URLs, kinds and methods.
std::string header_safe(std::string_view s, std::size_t max = 256) {
  std::string out;
  for (char c : s.substr(0, max)) out += (c >= 0x20 && c < 0x7f) ? c : '?';
  return out;
}

// A title as an HTTP header value: at most `max` bytes of it, cut at a character's start,
// control characters as spaces. Printable ASCII goes as it is. Other text goes as RFC 2047
// encoded-words ("=?UTF-8?B?<base64>?=", which ntfy decodes), for a header carries no
// UTF-8: each of at most 75 characters (45 bytes of text), whole characters in each, one
// space between them (which a decoder drops).
std::string header_words(std::string_view s, std::size_t max) {
  auto continuation = [](char c) { return (static_cast<unsigned char>(c) & 0xC0) == 0x80; };
  // Back to the start of the character at `at`: at most 3 bytes (UTF-8's longest is 4); in
  // bytes that are no UTF-8, `at` itself.
  auto char_start = [&](std::string_view t, std::size_t at, std::size_t lowest) {
    for (std::size_t k = at; k + 3 >= at && k > lowest; --k) {
      if (!continuation(t[k])) return k;
    }
    return at;
  };
  if (s.size() > max) s = s.substr(0, char_start(s, max, 0));
  std::string text;
  bool ascii = true;
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) c = ' ';
    if (u >= 0x80) ascii = false;
    text += c;
  }
  if (ascii) return text;
  constexpr std::size_t kWordBytes = 45;  // 60 characters of base64, 72 with the frame
  std::string out;
  for (std::size_t at = 0; at < text.size();) {
    std::size_t end = std::min(at + kWordBytes, text.size());
    if (end < text.size()) end = char_start(text, end, at);
    const std::string_view part = std::string_view(text).substr(at, end - at);
    std::string b64(4 * ((part.size() + 2) / 3) + 1, '\0');
    const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(b64.data()),
                                  reinterpret_cast<const unsigned char*>(part.data()),
                                  static_cast<int>(part.size()));
    b64.resize(static_cast<std::size_t>(std::max(n, 0)));
    if (!out.empty()) out += ' ';
    out += "=?UTF-8?B?" + b64 + "?=";
    at = end;
  }
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

// ntfy's Actions header in its JSON form, [{"action":"http","label":...}], with every
// character beyond ASCII escaped (\u00e4): a header carries no UTF-8, and a label in the
// simple form ("http, <label>, <url>, ...") could not hold a comma, a quote or nothing.
std::string ntfy_actions(const std::vector<Action>& actions) {
  json out = json::array();
  for (const Action& a : actions) {
    out.push_back({{"action", "http"},
                   {"label", a.label},
                   {"url", header_safe(a.url, 1024)},
                   {"method", header_safe(a.method, 10)},
                   {"clear", true}});
  }
  return out.dump(-1, ' ', /*ensure_ascii=*/true, json::error_handler_t::replace);
}

}  // namespace

std::string_view channel_name(Channel c) { return c == Channel::ntfy ? "ntfy" : "webhook"; }

std::optional<Channel> parse_channel(std::string_view name) {
  if (name == "ntfy") return Channel::ntfy;
  if (name == "webhook") return Channel::webhook;
  return std::nullopt;
}

std::optional<Notification> make_notification(const json& event, const Texts& texts,
                                              const std::string& public_url, const LinkCode& code,
                                              bool urgent) {
  if (!event.is_object()) return std::nullopt;
  Notification n;
  n.kind = string_field(event, "kind");
  if (n.kind.empty()) return std::nullopt;
  const std::string title_id = "notify.title." + n.kind;
  n.title = texts.has(title_id) ? texts(title_id)
                                : texts("notify.title.other", {Texts::arg("kind", n.kind)});
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
      n.actions.push_back({texts("notify.action.confirm"), "POST",
                           base + "confirm/" + code(n.order_id, "confirm")});
      n.actions.push_back({texts("notify.action.cancel"), "POST",
                           base + "cancel/" + code(n.order_id, "cancel")});
    }
  }
  return n;
}

Request ntfy_request(const Notification& n, int priority) {
  Request r;
  r.content_type = "text/plain; charset=utf-8";
  r.body = n.message;
  const int p = std::clamp(n.urgent ? std::max(priority, 4) : priority, 1, 5);
  r.headers.emplace_back("Title", header_words(n.title, 256));
  r.headers.emplace_back("Priority", std::to_string(p));
  std::string tags = "larder," + header_safe(n.kind, 64);
  if (const std::string_view tag = tag_of(n.kind); !tag.empty()) {
    tags = std::string(tag) + "," + tags;
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
