// Quiet hours (daemon/notify/quiet_hours.h) in the household's local time, across the days
// on which Europe/Berlin changes its clocks, and held notifications released when they end.
#include <doctest/doctest.h>

#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "larder/clock.h"
#include "larder/config.h"
#include "larder/metrics.h"
#include "larder/texts.h"
#include "larder/time_zone.h"
#include "notify/dispatcher.h"
#include "notify/quiet_hours.h"

using namespace larder;
using namespace larder::notify;

namespace {

constexpr double kHour = 3600;
// 2026-03-29 00:00 UTC: Europe/Berlin goes from CET (+1) to CEST (+2) at 01:00 UTC.
constexpr double kSpringDay = 1774742400;
// 2026-10-25 00:00 UTC: back from CEST to CET at 01:00 UTC.
constexpr double kAutumnDay = 1792886400;

TimeZone berlin() {
  auto z = TimeZone::load("Europe/Berlin");
  REQUIRE_MESSAGE(z.ok(), z.status().message());
  return z.value();
}

QuietHoursConfig span(int from_h, int to_h) {
  QuietHoursConfig c;
  c.from_minute = from_h * 60;
  c.to_minute = to_h * 60;
  c.break_through = {"trunk_not_locked"};
  return c;
}

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
};

}  // namespace

TEST_CASE("quiet hours across midnight in local time: 22:00 to 07:00 in Berlin") {
  QuietHours q(span(22, 7), berlin());
  const double jan15 = 1768435200;  // 2026-01-15 00:00 UTC, CET (+1)
  CHECK(q.local_minute(jan15) == 60);
  CHECK(q.quiet_at(jan15));                     // 01:00 local
  CHECK(q.quiet_at(jan15 + 5 * kHour + 1800));  // 06:30 local
  CHECK_FALSE(q.quiet_at(jan15 + 6 * kHour));   // 07:00 local: the end is not quiet
  CHECK_FALSE(q.quiet_at(jan15 + 20 * kHour + 3599));  // 21:59:59 local
  CHECK(q.quiet_at(jan15 + 21 * kHour));        // 22:00 local
}

TEST_CASE("quiet hours inside one day: 13:00 to 15:00") {
  QuietHours q(span(13, 15), TimeZone::utc());
  const double day = 1768435200;
  CHECK_FALSE(q.quiet_at(day + 12 * kHour + 3599));
  CHECK(q.quiet_at(day + 13 * kHour));
  CHECK(q.quiet_at(day + 14 * kHour + 3599));
  CHECK_FALSE(q.quiet_at(day + 15 * kHour));
  CHECK_FALSE(q.quiet_at(day));
}

TEST_CASE("spring forward in Berlin: quiet hours end at 07:00 summer time, an hour earlier in UTC") {
  QuietHours q(span(22, 7), berlin());
  // The day before: 07:00 CET is 06:00 UTC.
  CHECK(q.quiet_at(kSpringDay - 24 * kHour + 5 * kHour + 1800));   // 06:30 CET
  CHECK_FALSE(q.quiet_at(kSpringDay - 24 * kHour + 6 * kHour));    // 07:00 CET
  // The day of the change: 07:00 CEST is 05:00 UTC.
  CHECK(q.quiet_at(kSpringDay + 4 * kHour + 3599));                // 06:59:59 CEST
  CHECK_FALSE(q.quiet_at(kSpringDay + 5 * kHour));                 // 07:00 CEST
  CHECK_FALSE(q.quiet_at(kSpringDay + 5 * kHour + 1800));          // 07:30 CEST
  // Around the change itself (01:00 UTC: 02:00 CET becomes 03:00 CEST) it stays quiet.
  CHECK(q.quiet_at(kSpringDay + kHour - 1));
  CHECK(q.quiet_at(kSpringDay + kHour));
  CHECK(q.local_minute(kSpringDay + kHour) == 3 * 60);
  // That evening 22:00 CEST is 20:00 UTC.
  CHECK_FALSE(q.quiet_at(kSpringDay + 19 * kHour + 3599));
  CHECK(q.quiet_at(kSpringDay + 20 * kHour));
}

TEST_CASE("fall back in Berlin: quiet hours end at 07:00 winter time, an hour later in UTC") {
  QuietHours q(span(22, 7), berlin());
  // The day before: 07:00 CEST is 05:00 UTC.
  CHECK_FALSE(q.quiet_at(kAutumnDay - 24 * kHour + 5 * kHour + 1800));  // 07:30 CEST
  // The day of the change: 07:00 CET is 06:00 UTC.
  CHECK(q.quiet_at(kAutumnDay + 5 * kHour + 1800));  // 06:30 CET
  CHECK_FALSE(q.quiet_at(kAutumnDay + 6 * kHour));   // 07:00 CET
  // 02:30 happens twice (00:30 UTC in CEST, 01:30 UTC in CET): quiet both times.
  CHECK(q.local_minute(kAutumnDay + 1800) == 150);
  CHECK(q.local_minute(kAutumnDay + kHour + 1800) == 150);
  CHECK(q.quiet_at(kAutumnDay + 1800));
  CHECK(q.quiet_at(kAutumnDay + kHour + 1800));
  // That evening 22:00 CET is 21:00 UTC.
  CHECK_FALSE(q.quiet_at(kAutumnDay + 20 * kHour + 3599));
  CHECK(q.quiet_at(kAutumnDay + 21 * kHour));
}

TEST_CASE("held in quiet hours, sent when they end on the spring change day, at 07:00 CEST") {
  NotifyConfig config;
  config.ntfy = NtfyConfig{"https://ntfy.example/larder", std::nullopt, 3};
  config.events["low_stock"] = {"ntfy"};
  config.events["trunk_not_locked"] = {"ntfy"};
  config.quiet_hours = span(22, 7);
  ManualClock clock(kSpringDay + 3 * kHour);  // 05:00 CEST
  Metrics metrics;
  FakeSender sender;
  Dispatcher d(config, berlin(), **Texts::for_locale("en"), sender, clock, metrics, {});
  CHECK(d.quiet_now());

  d.on_event({{"kind", "low_stock"}, {"text", "Coffee is running low."}, {"ts", clock.now()}});
  CHECK(sender.sent.empty());
  CHECK(d.queued(Channel::ntfy) == 1);

  // A break-through kind goes out at once, past the held one.
  d.on_event({{"kind", "trunk_not_locked"}, {"text", "The trunk is not locked."}});
  REQUIRE(sender.sent.size() == 1);
  CHECK(sender.sent[0].request.body == "The trunk is not locked.");
  sender.sent[0].done(SendResult{200, ""});
  CHECK(d.queued(Channel::ntfy) == 1);

  // 06:59 CEST: still held (in winter time that would be 05:59, long before the end).
  clock.set(kSpringDay + 4 * kHour + 59 * 60);
  d.tick();
  CHECK(sender.sent.size() == 1);
  // 07:00 CEST = 05:00 UTC: the end.
  clock.set(kSpringDay + 5 * kHour);
  d.tick();
  REQUIRE(sender.sent.size() == 2);
  CHECK(sender.sent[1].request.body == "Coffee is running low.");
  sender.sent[1].done(SendResult{200, ""});
  CHECK(d.queued(Channel::ntfy) == 0);
  CHECK(metrics.get("larder_notify_sent_total", {{"channel", "ntfy"}}) == 2);
}

TEST_CASE("a kind listed in quiet_hours.drop is dropped in quiet hours and sent outside them") {
  NotifyConfig config;
  config.ntfy = NtfyConfig{"https://ntfy.example/larder", std::nullopt, 3};
  config.events["refill_detected"] = {"ntfy"};
  config.quiet_hours = span(22, 7);
  config.quiet_hours->drop = {"refill_detected"};
  ManualClock clock(kAutumnDay + 5 * kHour + 1800);  // 06:30 CET: quiet
  Metrics metrics;
  FakeSender sender;
  Dispatcher d(config, berlin(), **Texts::for_locale("en"), sender, clock, metrics, {});
  d.on_event({{"kind", "refill_detected"}, {"text", "Coffee: a new pack was opened."}});
  CHECK(d.queued(Channel::ntfy) == 0);
  CHECK(metrics.get("larder_notify_dropped_total", {{"channel", "ntfy"}, {"reason", "quiet_hours"}}) == 1);
  clock.set(kAutumnDay + 6 * kHour);  // 07:00 CET
  d.tick();
  CHECK(sender.sent.empty());  // nothing was held
  d.on_event({{"kind", "refill_detected"}, {"text", "Coffee: a new pack was opened."}});
  CHECK(sender.sent.size() == 1);
}

TEST_CASE("a reload's new time zone moves the quiet hours, and releases what they held") {
  NotifyConfig config;
  config.ntfy = NtfyConfig{"https://ntfy.example/larder", std::nullopt, 3};
  config.events["low_stock"] = {"ntfy"};
  config.quiet_hours = span(22, 7);
  const double jan15 = 1768435200;     // 2026-01-15 00:00 UTC
  // 06:00 in Berlin (quiet), 14:00 in Tokyo, 00:00 in New York.
  ManualClock clock(jan15 + 5 * kHour);
  Metrics metrics;
  FakeSender sender;
  Dispatcher d(config, berlin(), **Texts::for_locale("en"), sender, clock, metrics, {});
  CHECK(d.quiet_now());
  d.on_event({{"kind", "low_stock"}, {"text", "Running low: Coffee beans"}});
  d.tick();
  CHECK(sender.sent.empty());  // held until 07:00 in Berlin
  auto tokyo = TimeZone::load("Asia/Tokyo");
  REQUIRE(tokyo.ok());
  d.set_zone(tokyo.value());
  CHECK_FALSE(d.quiet_now());
  d.tick();
  CHECK(sender.sent.size() == 1);
  auto new_york = TimeZone::load("America/New_York");
  REQUIRE(new_york.ok());
  d.set_zone(new_york.value());
  CHECK(d.quiet_now());
}
