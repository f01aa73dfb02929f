// What a push notification says (docs/notifications.md): one event of `<root>/event` as a
// Notification, and a Notification as the HTTP request of each channel.
//
//   ntfy     POST to the topic URL; the event's text as the plain-text body; headers Title
//            (RFC 2047 encoded-words when not ASCII), Priority, Tags, Click (the dashboard,
//            with notify.public_url) and Actions (ntfy's JSON form, ASCII: the answers of a
//            question: for order_awaiting_confirmation, http actions that POST to the
//            one-purpose links of api/order_links.h).
//   webhook  POST of JSON {kind, title, message, ts, time, consumable, order_id, vehicle,
//            click, actions:[{label, method, url}]}; the adapter signs it.
//
// Links need notify.public_url; without it a notification carries no Click and no actions.
// No credential of the API goes into a notification: an action's URL holds a code that
// confirms (or cancels) that one order and nothing else.
// Thread rule: pure functions.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "larder/texts.h"

namespace larder::notify {

enum class Channel { ntfy, webhook };
std::string_view channel_name(Channel c);  // "ntfy", "webhook"
std::optional<Channel> parse_channel(std::string_view name);

struct Action {
  std::string label;   // "Confirm"
  std::string method;  // "POST"
  std::string url;
};

struct Notification {
  std::string kind;
  std::string title;
  std::string message;
  double ts = 0;
  std::string consumable, order_id, vehicle;  // "" when the event has none
  std::string click;                          // a page to open; "" for none
  std::vector<Action> actions;
  bool urgent = false;  // a kind that breaks quiet hours: sent with a higher priority
};

// The code of a one-purpose link for `action` ("confirm", "cancel") on the order `order_id`.
using LinkCode = std::function<std::string(const std::string& order_id, const std::string& action)>;

// The event as a notification; nothing when it is not an object with a string "kind".
// The title and the answers' labels are in `texts`' language (`notify.title.<kind>`,
// `notify.action.*`); the message is the event's text, in the household's language already.
// `public_url` ("" for none) and `code` make the links.
std::optional<Notification> make_notification(const nlohmann::json& event, const Texts& texts,
                                              const std::string& public_url, const LinkCode& code,
                                              bool urgent);

using Headers = std::vector<std::pair<std::string, std::string>>;

struct Request {
  std::string content_type;
  std::string body;
  Headers headers;  // without credentials: the adapter adds those
};

// `priority` 1-5 (notify.ntfy.priority); urgent notifications get at least 4.
Request ntfy_request(const Notification& n, int priority);
Request webhook_request(const Notification& n);

}  // namespace larder::notify
