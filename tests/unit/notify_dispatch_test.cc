// The push channels' dispatcher (daemon/notify/dispatcher.h) with a fake sender and a manual
// clock: routing per event kind, the ntfy and webhook requests, retries with exponential
// backoff up to its cap, refused notifications, the queue's bound, and the one-purpose
// order links (api/order_links.h).
#include <doctest/doctest.h>

#include <algorithm>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>
#include <openssl/evp.h>

#include "api/order_links.h"
#include "larder/clock.h"
#include "larder/config.h"
#include "larder/event_kinds.h"
#include "larder/metrics.h"
#include "larder/texts.h"
#include "larder/time_zone.h"
#include "notify/dispatcher.h"
#include "notify/message.h"

using namespace larder;
using namespace larder::notify;
using nlohmann::json;

namespace {

struct FakeSender final : Sender {
  struct Sent {
    Channel channel;
    Request request;
    std::function<void(SendResult)> done;
  };
  std::vector<Sent> sent;
  void send(Channel channel, const Request& request, std::function<void(SendResult)> done) override {
    sent.push_back({channel, request, std::move(done)});
  }
  // Answers the last request sent.
  void answer(int status, std::string error = {}) {
    REQUIRE(!sent.empty());
    auto done = std::move(sent.back().done);
    REQUIRE(done);
    done(SendResult{status, std::move(error)});
  }
};

NotifyConfig two_channels() {
  NotifyConfig c;
  c.ntfy = NtfyConfig{"https://ntfy.example/larder", std::string("tk_secret"), 3};
  c.webhook = NotifyWebhookConfig{"https://hooks.example/larder", std::string("hook-secret")};
  c.events["low_stock"] = {"ntfy"};
  c.events["order_awaiting_confirmation"] = {"ntfy", "webhook"};
  c.events["order_placed"] = {"webhook"};
  c.public_url = "https://hub.example";
  c.retry_initial_s = 5;
  c.retry_max_s = 60;
  return c;
}

std::string header(const Request& r, const std::string& name) {
  for (const auto& [k, v] : r.headers) {
    if (k == name) return v;
  }
  return "<none>";
}

json ev(const std::string& kind, const std::string& text = "text") {
  return {{"kind", kind}, {"text", text}, {"ts", 1768435200.0}};
}

std::string base64_decode(const std::string& in) {
  std::string out(in.size(), '\0');
  const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(in.data()),
                                static_cast<int>(in.size()));
  REQUIRE(n >= 0);
  // EVP_DecodeBlock counts the zero bytes of the padding too.
  const auto padding = in.size() - in.find_last_not_of('=') - 1;
  out.resize(static_cast<std::size_t>(n) - padding);
  return out;
}

const Texts& english() { return **Texts::for_locale("en"); }
const Texts& german() { return **Texts::for_locale("de"); }

LinkCode fake_code() {
  return [](const std::string& id, const std::string& action) { return action + "-code-" + id; };
}

}  // namespace

TEST_CASE("each kind goes to its channels only, and a kind not routed to none") {
  NotifyConfig config = two_channels();
  ManualClock clock(1768435200);
  Metrics metrics;
  FakeSender sender;
  Dispatcher d(config, TimeZone::utc(), english(), sender, clock, metrics, fake_code());

  d.on_event(ev("low_stock"));
  REQUIRE(sender.sent.size() == 1);
  CHECK(sender.sent[0].channel == Channel::ntfy);
  sender.answer(200);

  d.on_event(ev("order_placed"));
  REQUIRE(sender.sent.size() == 2);
  CHECK(sender.sent[1].channel == Channel::webhook);
  sender.answer(204);

  d.on_event(ev("order_awaiting_confirmation"));
  REQUIRE(sender.sent.size() == 4);
  CHECK(sender.sent[2].channel == Channel::ntfy);
  CHECK(sender.sent[3].channel == Channel::webhook);

  // Not in notify.events: MQTT only.
  d.on_event(ev("refill_detected"));
  d.on_event(ev("sensor_offline"));
  // Not an event at all.
  d.on_event(json::array());
  d.on_event({{"text", "no kind"}});
  CHECK(sender.sent.size() == 4);
}

TEST_CASE("the ntfy request: the text as body, Title, Priority, Tags, Click and no credential") {
  NotifyConfig config = two_channels();
  ManualClock clock(1768435200);
  Metrics metrics;
  FakeSender sender;
  Dispatcher d(config, TimeZone::utc(), english(), sender, clock, metrics, fake_code());
  d.on_event({{"kind", "low_stock"}, {"text", "Coffee beans is running low: about 3 days left."},
              {"consumable", "coffee"}, {"ts", 1768435200.0}});
  REQUIRE(sender.sent.size() == 1);
  const Request& r = sender.sent[0].request;
  CHECK(r.body == "Coffee beans is running low: about 3 days left.");
  CHECK(r.content_type.rfind("text/plain", 0) == 0);
  CHECK(header(r, "Title") == "Running low");
  CHECK(header(r, "Priority") == "3");
  CHECK(header(r, "Tags") == "shopping_cart,larder,low_stock");
  CHECK(header(r, "Click") == "https://hub.example/");
  CHECK(header(r, "Actions") == "<none>");
  // The token is the adapter's to add; the request the core builds never holds it.
  CHECK(header(r, "Authorization") == "<none>");
}

TEST_CASE("every event kind the hub publishes may be routed, and has a title of its own") {
  for (std::string_view kind : kEventKinds) {
    CAPTURE(kind);
    NotifyConfig config = two_channels();
    config.events[std::string(kind)] = {"ntfy"};
    ManualClock clock(1768435200);
    Metrics metrics;
    FakeSender sender;
    Dispatcher d(config, TimeZone::utc(), english(), sender, clock, metrics, fake_code());
    d.on_event(ev(std::string(kind)));
    REQUIRE(sender.sent.size() == 1);
    const std::string title = header(sender.sent[0].request, "Title");
    CHECK(title.rfind("Larder: ", 0) != 0);  // words of its own, not "Larder: <kind>"
    CHECK(title != "<none>");
    // In German too: a catalog that lacks a kind's title fails its check (texts_test.cc),
    // and here by the kind's name.
    CHECK(german().has("notify.title." + std::string(kind)));
  }
  // Best-before, vacation mode and the configuration's reload among them.
  for (const char* kind : {"pack_expiring", "vacation_started", "config_refused"}) {
    CHECK(std::find(kEventKinds.begin(), kEventKinds.end(), kind) != kEventKinds.end());
  }
}

TEST_CASE("a question carries its answers: Confirm and Cancel as one-purpose links") {
  NotifyConfig config = two_channels();
  ManualClock clock(1768435200);
  Metrics metrics;
  FakeSender sender;
  Dispatcher d(config, TimeZone::utc(), english(), sender, clock, metrics, fake_code());
  d.on_event({{"kind", "order_awaiting_confirmation"}, {"text", "Order 2 x Coffee for 17.98?"},
              {"order_id", "ord-1"}, {"consumable", "coffee"}, {"ts", 1768435200.0}});
  REQUIRE(sender.sent.size() == 2);
  const Request& n = sender.sent[0].request;
  CHECK(header(n, "Title") == "Order needs your confirmation");
  // ntfy's JSON form of the header.
  CHECK(json::parse(header(n, "Actions")) ==
        json::parse(R"([{"action":"http","label":"Confirm","method":"POST","clear":true,
          "url":"https://hub.example/api/v1/orders/ord-1/confirm/confirm-code-ord-1"},
          {"action":"http","label":"Cancel","method":"POST","clear":true,
          "url":"https://hub.example/api/v1/orders/ord-1/cancel/cancel-code-ord-1"}])"));

  const Request& w = sender.sent[1].request;
  CHECK(w.content_type == "application/json");
  json body = json::parse(w.body);
  CHECK(body["kind"] == "order_awaiting_confirmation");
  CHECK(body["title"] == "Order needs your confirmation");
  CHECK(body["message"] == "Order 2 x Coffee for 17.98?");
  CHECK(body["order_id"] == "ord-1");
  CHECK(body["consumable"] == "coffee");
  CHECK(body["time"] == "2026-01-15T00:00:00Z");
  REQUIRE(body["actions"].size() == 2);
  CHECK(body["actions"][0] == json{{"label", "Confirm"}, {"method", "POST"},
                                   {"url", "https://hub.example/api/v1/orders/ord-1/confirm/confirm-code-ord-1"}});
  CHECK(body["actions"][1]["label"] == "Cancel");

  // Without public_url there is nothing to link to.
  NotifyConfig bare = two_channels();
  bare.public_url.clear();
  FakeSender s2;
  Dispatcher d2(bare, TimeZone::utc(), english(), s2, clock, metrics, fake_code());
  d2.on_event({{"kind", "order_awaiting_confirmation"}, {"text", "?"}, {"order_id", "ord-1"}});
  REQUIRE(s2.sent.size() == 2);
  CHECK(header(s2.sent[0].request, "Actions") == "<none>");
  CHECK(header(s2.sent[0].request, "Click") == "<none>");
  CHECK(json::parse(s2.sent[1].request.body)["actions"].empty());
}

TEST_CASE("a German household's notifications: titles and answers in German, encoded") {
  // They were English whatever household.locale, and a header can carry no UTF-8: "ä"
  // became "??". ntfy decodes an RFC 2047 encoded-word in its headers.
  NotifyConfig config = two_channels();
  ManualClock clock(1768435200);
  Metrics metrics;
  FakeSender sender;
  Dispatcher d(config, TimeZone::utc(), german(), sender, clock, metrics, fake_code());
  d.on_event({{"kind", "order_awaiting_confirmation"}, {"text", "2 x Kaffee für 17,98 €?"},
              {"order_id", "ord-1"}, {"ts", 1768435200.0}});
  REQUIRE(sender.sent.size() == 2);
  const Request& n = sender.sent[0].request;
  CHECK(header(n, "Title") ==
        "=?UTF-8?B?QmVzdGVsbHVuZyB3YXJ0ZXQgYXVmIEJlc3TDpHRpZ3VuZw==?=");  // ...Bestätigung
  CHECK(n.body == "2 x Kaffee für 17,98 €?");  // the body is UTF-8 as it is
  // The labels as JSON escapes: the header is ASCII.
  const std::string actions = header(n, "Actions");
  CHECK(actions.find("\"Best\\u00e4tigen\"") != std::string::npos);
  CHECK(std::all_of(actions.begin(), actions.end(),
                    [](char c) { return c >= 0x20 && c < 0x7f; }));
  json labels = json::parse(actions);
  CHECK(labels[0]["label"] == "Bestätigen");
  CHECK(labels[1]["label"] == "Stornieren");
  // A long title that is not ASCII: encoded-words of at most 75 characters, each of whole
  // characters (a decoder joins them and drops the spaces between).
  Notification long_one;
  long_one.kind = "x";
  long_one.title = std::string(44, 'a') + "äöü" + std::string(300, 'b');
  const std::string words = ntfy_request(long_one, 3).headers[0].second;
  std::size_t count = 0;
  std::string decoded;
  for (std::size_t at = 0; at < words.size();) {
    std::size_t end = words.find(' ', at);
    if (end == std::string::npos) end = words.size();
    const std::string word = words.substr(at, end - at);
    CAPTURE(word);
    CHECK(word.size() <= 75);
    REQUIRE(word.rfind("=?UTF-8?B?", 0) == 0);
    REQUIRE(word.size() >= 12);
    decoded += base64_decode(word.substr(10, word.size() - 12));
    ++count;
    at = end + 1;
  }
  CHECK(count == 6);  // 256 bytes of the title, 45 at most in each
  CHECK(decoded.size() == 256);
  CHECK(decoded.substr(44, 6) == "äöü");
  // Bytes that are no UTF-8 (a run of continuation bytes) make words of 45 bytes too, not
  // an empty title nor words of one byte.
  long_one.title = std::string(300, '\x80');
  const std::string odd = ntfy_request(long_one, 3).headers[0].second;
  CHECK(std::count(odd.begin(), odd.end(), ' ') == 5);  // 256 bytes: 6 words
  // The webhook's JSON carries the words themselves.
  json body = json::parse(sender.sent[1].request.body);
  CHECK(body["title"] == "Bestellung wartet auf Bestätigung");
  CHECK(body["actions"][0]["label"] == "Bestätigen");
  // A title in ASCII goes as it is; a reload that changes household.locale changes the
  // language of what comes next.
  config.events["trunk_unlocked"] = {"ntfy"};
  Dispatcher d2(config, TimeZone::utc(), german(), sender, clock, metrics, fake_code());
  d2.on_event(ev("trunk_unlocked"));
  CHECK(header(sender.sent.back().request, "Title") == "Kofferraum entriegelt");
  sender.answer(200);  // one request in flight at a time
  d2.set_texts(english());
  d2.on_event(ev("trunk_unlocked"));
  CHECK(header(sender.sent.back().request, "Title") == "Trunk unlocked");
}

TEST_CASE("break-through kinds are sent with at least priority 4") {
  NotifyConfig config = two_channels();
  config.events["trunk_not_locked"] = {"ntfy"};
  config.quiet_hours = QuietHoursConfig{};
  config.quiet_hours->break_through = {"trunk_not_locked"};
  ManualClock clock(1768435200 + 12 * 3600);  // noon UTC: not quiet
  Metrics metrics;
  FakeSender sender;
  Dispatcher d(config, TimeZone::utc(), english(), sender, clock, metrics, {});
  d.on_event(ev("trunk_not_locked"));
  REQUIRE(sender.sent.size() == 1);
  CHECK(header(sender.sent[0].request, "Priority") == "4");
  CHECK(header(sender.sent[0].request, "Tags") == "warning,larder,trunk_not_locked");
}

TEST_CASE("a failed delivery is retried with exponential backoff up to its cap, in order") {
  NotifyConfig config = two_channels();
  ManualClock clock(1768435200);
  Metrics metrics;
  FakeSender sender;
  Dispatcher d(config, TimeZone::utc(), english(), sender, clock, metrics, {});
  d.on_event(ev("low_stock", "first"));
  d.on_event(ev("low_stock", "second"));
  REQUIRE(sender.sent.size() == 1);  // one in flight per channel
  CHECK(d.queued(Channel::ntfy) == 2);

  // Waits after each failure: 5, 10, 20, 40, then the cap of 60, 60.
  std::vector<double> waits;
  const std::vector<SendResult> failures = {{0, "connection refused"}, {503, ""}, {429, ""},
                                            {0, "timeout"},           {500, ""}, {408, ""}};
  for (const SendResult& f : failures) {
    const std::size_t before = sender.sent.size();
    sender.sent.back().done(f);
    const double failed_at = clock.now();
    // Not a moment before its time, however often the loop ticks.
    double t = failed_at;
    while (sender.sent.size() == before) {
      t += 0.5;
      clock.set(t);
      d.tick();
      REQUIRE(t - failed_at < 1000);
    }
    waits.push_back(t - failed_at);
    CHECK(sender.sent.back().request.body == "first");  // the same one again, still first
  }
  CHECK(waits == std::vector<double>{5, 10, 20, 40, 60, 60});
  CHECK(metrics.get("larder_notify_failures_total", {{"channel", "ntfy"}}) == 6);

  // Success: the next goes at once, and the backoff starts over.
  sender.answer(200);
  REQUIRE(sender.sent.back().request.body == "second");
  sender.answer(503);
  const std::size_t before = sender.sent.size();
  clock.advance(4.5);
  d.tick();
  CHECK(sender.sent.size() == before);
  clock.advance(0.5);
  d.tick();
  CHECK(sender.sent.size() == before + 1);
  sender.answer(200);
  CHECK(d.queued(Channel::ntfy) == 0);
  CHECK(metrics.get("larder_notify_sent_total", {{"channel", "ntfy"}}) == 2);
}

TEST_CASE("a notification the endpoint refuses (4xx) is dropped, not retried") {
  NotifyConfig config = two_channels();
  ManualClock clock(1768435200);
  Metrics metrics;
  FakeSender sender;
  Dispatcher d(config, TimeZone::utc(), english(), sender, clock, metrics, {});
  d.on_event(ev("low_stock", "first"));
  d.on_event(ev("low_stock", "second"));
  sender.answer(403);
  CHECK(metrics.get("larder_notify_dropped_total", {{"channel", "ntfy"}, {"reason", "rejected"}}) == 1);
  REQUIRE(sender.sent.size() == 2);
  CHECK(sender.sent[1].request.body == "second");
  sender.answer(200);
  CHECK(d.queued(Channel::ntfy) == 0);
}

TEST_CASE("a dead endpoint: the queue stays bounded and drops its oldest, counted") {
  NotifyConfig config = two_channels();
  config.queue_size = 3;
  ManualClock clock(1768435200);
  Metrics metrics;
  FakeSender sender;
  Dispatcher d(config, TimeZone::utc(), english(), sender, clock, metrics, {});
  d.on_event(ev("low_stock", "e0"));  // in flight, never answered yet
  for (int i = 1; i <= 10; ++i) d.on_event(ev("low_stock", "e" + std::to_string(i)));
  CHECK(d.queued(Channel::ntfy) == 3);
  CHECK(sender.sent.size() == 1);
  CHECK(metrics.get("larder_notify_dropped_total", {{"channel", "ntfy"}, {"reason", "queue_full"}}) == 8);
  CHECK(metrics.get("larder_notify_queued", {{"channel", "ntfy"}}) == 3);
  // The one in flight was kept for its answer; the newest two wait behind it.
  sender.answer(0, "timeout");
  clock.advance(5);
  d.tick();
  REQUIRE(sender.sent.size() == 2);
  CHECK(sender.sent[1].request.body == "e0");
  sender.answer(200);
  REQUIRE(sender.sent.size() == 3);
  CHECK(sender.sent[2].request.body == "e9");
  sender.answer(200);
  CHECK(sender.sent.back().request.body == "e10");
  sender.answer(200);
  CHECK(d.queued(Channel::ntfy) == 0);
}

TEST_CASE("an answer after the dispatcher is gone is ignored") {
  NotifyConfig config = two_channels();
  ManualClock clock(1768435200);
  Metrics metrics;
  FakeSender sender;
  {
    Dispatcher d(config, TimeZone::utc(), english(), sender, clock, metrics, {});
    d.on_event(ev("low_stock"));
  }
  REQUIRE(sender.sent.size() == 1);
  sender.answer(200);  // must not touch the destroyed dispatcher
  CHECK(metrics.get("larder_notify_sent_total", {{"channel", "ntfy"}}) == 0);
}

TEST_CASE("order links: the code is for one action on one order under one key") {
  const std::string key = "0123456789abcdef0123456789abcdef";
  const std::string code = order_link_code(key, "ord-1", "confirm");
  CHECK(code.size() == 64);
  CHECK(check_order_link_code(key, "ord-1", "confirm", code));
  CHECK_FALSE(check_order_link_code(key, "ord-2", "confirm", code));
  CHECK_FALSE(check_order_link_code(key, "ord-1", "cancel", code));
  CHECK_FALSE(check_order_link_code("another key, just as long as it", "ord-1", "confirm", code));
  CHECK_FALSE(check_order_link_code(key, "ord-1", "confirm", code.substr(1)));
  CHECK_FALSE(check_order_link_code(key, "ord-1", "confirm", ""));
  CHECK_FALSE(check_order_link_code("", "ord-1", "confirm", order_link_code("", "ord-1", "confirm")));
}
