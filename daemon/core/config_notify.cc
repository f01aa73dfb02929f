// The `notify:` section (docs/notifications.md): the push channels (ntfy, a webhook), which
// event kinds go to which channel, quiet hours in the household's time zone, the hub's
// public address for the links that answer a question, and the delivery queue's bounds.
// Every key is optional but `events`; a channel is on by being there.
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "core/config_checks.h"
#include "core/config_sections.h"
#include "larder/event_kinds.h"

namespace larder::config {
namespace {

std::string check_event_kind(std::string_view v) { return check_one_of(v, kEventKinds); }

// "HH:MM", 00:00 to 23:59.
std::optional<int> parse_clock(std::string_view v) {
  if (v.size() != 5 || v[2] != ':') return std::nullopt;
  auto digit = [](char c) { return c >= '0' && c <= '9'; };
  if (!digit(v[0]) || !digit(v[1]) || !digit(v[3]) || !digit(v[4])) return std::nullopt;
  int h = (v[0] - '0') * 10 + (v[1] - '0');
  int m = (v[3] - '0') * 10 + (v[4] - '0');
  if (h > 23 || m > 59) return std::nullopt;
  return h * 60 + m;
}

std::string check_clock(std::string_view v) {
  return parse_clock(v) ? "" : "must be a local time \"HH:MM\" from 00:00 to 23:59";
}

// A URL without a trailing '/' so that paths can be appended.
std::string check_public_url(std::string_view v) {
  std::string bad = check_http_url(v);
  if (!bad.empty()) return bad;
  if (v.back() == '/') return "must not end with '/'";
  return "";
}

// The ntfy topic is the URL's path: it must have one.
std::string check_ntfy_url(std::string_view v) {
  std::string bad = check_http_url(v);
  if (!bad.empty()) return bad;
  UrlParts parts;
  split_url(v, parts);
  if (parts.path.size() < 2) return "must name the topic: http(s)://host[:port]/<topic>";
  return "";
}

std::vector<std::string> kinds(Section& s, std::string_view key) {
  std::vector<std::string> out;
  if (auto list = s.string_list(key, Need::optional, check_event_kind)) {
    for (const ListItem& i : *list) out.push_back(i.value);
  }
  return out;
}

void read_quiet_hours(Section& s, QuietHoursConfig& out) {
  auto from = s.string("from", Need::required, check_clock);
  auto to = s.string("to", Need::required, check_clock);
  if (from) out.from_minute = *parse_clock(*from);
  if (to) out.to_minute = *parse_clock(*to);
  if (from && to && out.from_minute == out.to_minute) {
    s.error("to", "must differ from `from` (quiet hours of no length, or of a whole day?)");
  }
  if (s.has("break_through")) {
    out.break_through = kinds(s, "break_through");
  } else {
    out.break_through.assign(kDefaultBreakThrough.begin(), kDefaultBreakThrough.end());
  }
  out.drop = kinds(s, "drop");
  for (const std::string& k : out.drop) {
    for (const std::string& b : out.break_through) {
      if (k == b) s.error("drop", "names " + k + ", which is also in break_through");
    }
  }
}

}  // namespace

void read_notify(Section& s, NotifyConfig& out) {
  if (auto v = s.string("public_url", Need::optional, check_public_url)) out.public_url = *v;
  s.section("ntfy", Need::optional, [&](Section& n) {
    NtfyConfig c;
    c.url = n.string("url", Need::required, check_ntfy_url).value_or("");
    c.token = n.secret("token", Need::optional, check_header_value);
    if (auto p = n.whole("priority", Need::optional, 1, 5)) c.priority = *p;
    out.ntfy = std::move(c);
  });
  s.section("webhook", Need::optional, [&](Section& w) {
    NotifyWebhookConfig c;
    c.url = w.string("url", Need::required, check_http_url).value_or("");
    c.secret = w.secret("secret", Need::optional);
    out.webhook = std::move(c);
  });
  s.section("events", Need::required, [&](Section& e) {
    for (const Field& f : e.entries()) {
      std::string bad = check_event_kind(f.key);
      if (!bad.empty()) {
        e.error(f.key, "is not an event kind: " + bad);
        continue;
      }
      auto list = e.string_list(f.key, Need::required, [](std::string_view v) {
        return check_one_of(v, {"ntfy", "webhook"});
      });
      if (!list) continue;
      std::set<std::string> seen;
      for (const ListItem& i : *list) {
        if (!seen.insert(i.value).second) continue;
        bool configured = i.value == "ntfy" ? s.has("ntfy") : s.has("webhook");
        if (!configured) {
          e.reader().error(i.line, i.path,
                           "names the channel " + i.value + ", but notify." + i.value +
                               " is not configured");
          continue;
        }
        out.events[f.key].push_back(i.value);
      }
    }
  });
  s.section("quiet_hours", Need::optional, [&](Section& q) {
    QuietHoursConfig c;
    read_quiet_hours(q, c);
    out.quiet_hours = std::move(c);
  });
  if (auto v = s.whole("queue_size", Need::optional, 1, 10000)) out.queue_size = *v;
  if (auto v = s.number("timeout_s", Need::optional, Range{1.0, 120.0, false, false})) {
    out.timeout_s = *v;
  }
  auto initial = s.number("retry_initial_s", Need::optional, Range{1.0, 3600.0, false, false});
  auto max = s.number("retry_max_s", Need::optional, Range{1.0, 86400.0, false, false});
  if (initial) out.retry_initial_s = *initial;
  if (max) out.retry_max_s = *max;
  // Only when both values are good (written or default) does their order say anything;
  // it is reported on the key the user wrote (as orders.retry does): retry_initial_s: 600
  // alone is too large for the default retry_max_s, and the message points at its line.
  const bool both_good = (initial || !s.has("retry_initial_s")) && (max || !s.has("retry_max_s"));
  if (both_good && out.retry_max_s < out.retry_initial_s) {
    if (s.has("retry_max_s")) {
      s.error("retry_max_s", "must be at least retry_initial_s (" +
                                 format_number(out.retry_initial_s) + "), got " +
                                 format_number(out.retry_max_s));
    } else {
      s.error("retry_initial_s", "must be at most retry_max_s (" +
                                     format_number(out.retry_max_s) + " by default), got " +
                                     format_number(out.retry_initial_s));
    }
  }
  if (!s.has("ntfy") && !s.has("webhook")) {
    s.error("ntfy", "notify needs a channel: give notify.ntfy, notify.webhook or both");
  }
}

}  // namespace larder::config
