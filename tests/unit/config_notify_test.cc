// The `notify:` section of the configuration (docs/configuration.md,
// docs/notifications.md): channels, routing per event kind, quiet hours, bounds; every error
// names the file, the line, the key and what is wrong.
#include <doctest/doctest.h>

#include <fstream>
#include <string>

#include "larder/config.h"
#include "support/config_support.h"
#include "support/tempdir.h"

using namespace larder;
using namespace larder::test;

namespace {

// minimal() with `notify:` on line 7 and `lines` from line 8 on.
ConfigLoad with_notify(const std::string& lines) {
  return parse_config(minimal("", "notify:\n" + lines), "/x/l.yaml");
}

}  // namespace

TEST_CASE("notify: without the section there are no push notifications") {
  ConfigLoad l = parse_config(minimal(), "/x/l.yaml");
  INFO(dump(l));
  REQUIRE(l.config.has_value());
  CHECK_FALSE(l.config->notify.has_value());
}

TEST_CASE("notify: a full section is read with its defaults") {
  ConfigLoad l = with_notify(
      "  public_url: https://larder.example.net\n"
      "  ntfy:\n"
      "    url: https://ntfy.sh/larder-home-7f3a\n"
      "    token: tk_0123456789abcdef\n"
      "  webhook:\n"
      "    url: http://192.168.1.20:8123/api/webhook/larder\n"
      "    secret: a-long-webhook-secret\n"
      "  events:\n"
      "    low_stock: [ntfy]\n"
      "    order_awaiting_confirmation: [ntfy, webhook]\n"
      "    trunk_not_locked: [ntfy]\n"
      "  quiet_hours:\n"
      "    from: \"22:00\"\n"
      "    to: \"07:30\"\n"
      "    drop: [refill_detected]\n");
  INFO(dump(l));
  REQUIRE(l.config.has_value());
  REQUIRE(l.config->notify.has_value());
  const NotifyConfig& n = *l.config->notify;
  CHECK(n.public_url == "https://larder.example.net");
  REQUIRE(n.ntfy.has_value());
  CHECK(n.ntfy->url == "https://ntfy.sh/larder-home-7f3a");
  CHECK(n.ntfy->token == "tk_0123456789abcdef");
  CHECK(n.ntfy->priority == 3);
  REQUIRE(n.webhook.has_value());
  CHECK(n.webhook->secret == "a-long-webhook-secret");
  CHECK(n.events.at("low_stock") == std::vector<std::string>{"ntfy"});
  CHECK(n.events.at("order_awaiting_confirmation") == std::vector<std::string>{"ntfy", "webhook"});
  CHECK(n.events.count("order_placed") == 0);
  REQUIRE(n.quiet_hours.has_value());
  CHECK(n.quiet_hours->from_minute == 22 * 60);
  CHECK(n.quiet_hours->to_minute == 7 * 60 + 30);
  // Not written: the trunk and grant alerts break through.
  CHECK(n.quiet_hours->break_through ==
        std::vector<std::string>{"trunk_unlocked", "trunk_not_locked", "grant_refused",
                                 "access_revoked"});
  CHECK(n.quiet_hours->drop == std::vector<std::string>{"refill_detected"});
  CHECK(n.queue_size == 100);
  CHECK(n.timeout_s == 10);
  CHECK(n.retry_initial_s == 5);
  CHECK(n.retry_max_s == 300);
}

TEST_CASE("notify: secrets from files, and break_through may be empty") {
  TempDir dir;
  std::ofstream(dir.file("ntfy.token")) << "tk_from_a_file\n";
  ConfigLoad l = parse_config(minimal("", "notify:\n"
                                          "  ntfy:\n"
                                          "    url: http://127.0.0.1:8080/house\n"
                                          "    token_file: ntfy.token\n"
                                          "    priority: 5\n"
                                          "  events: {order_failed: [ntfy]}\n"
                                          "  quiet_hours: {from: \"23:00\", to: \"06:00\", break_through: []}\n"),
                              dir.file("l.yaml"));
  INFO(dump(l));
  REQUIRE(l.config.has_value());
  CHECK(l.config->notify->ntfy->token == "tk_from_a_file");
  CHECK(l.config->notify->ntfy->priority == 5);
  CHECK(l.config->notify->quiet_hours->break_through.empty());
}

TEST_CASE("notify: an unknown key is an error at its line") {
  ConfigLoad l = with_notify(
      "  ntfy:\n"
      "    url: https://ntfy.sh/t\n"
      "    topic: larder\n"
      "  events: {low_stock: [ntfy]}\n");
  expect_error(l, 10, "notify.ntfy.topic", "unknown key");
}

TEST_CASE("notify: bad values name their key and line") {
  SUBCASE("an unknown event kind") {
    expect_error(with_notify("  ntfy: {url: https://ntfy.sh/t}\n"
                             "  events:\n"
                             "    low_stocks: [ntfy]\n"),
                 10, "notify.events.low_stocks", "is not an event kind");
  }
  SUBCASE("an unknown channel") {
    expect_error(with_notify("  ntfy: {url: https://ntfy.sh/t}\n"
                             "  events:\n"
                             "    low_stock: [email]\n"),
                 10, "notify.events.low_stock[0]", "must be ntfy or webhook");
  }
  SUBCASE("a channel that is not configured") {
    expect_error(with_notify("  ntfy: {url: https://ntfy.sh/t}\n"
                             "  events:\n"
                             "    low_stock: [ntfy, webhook]\n"),
                 10, "notify.events.low_stock[1]", "notify.webhook is not configured");
  }
  SUBCASE("no channel at all") {
    ConfigLoad l = with_notify("  events: {}\n");
    CHECK_FALSE(l.config.has_value());
    REQUIRE(find_error(l, "notify.ntfy") != nullptr);
    CHECK(find_error(l, "notify.ntfy")->what.find("needs a channel") != std::string::npos);
  }
  SUBCASE("events is required") {
    expect_error(with_notify("  ntfy: {url: https://ntfy.sh/t}\n"), 7, "notify.events",
                 "required");
  }
  SUBCASE("an ntfy URL without a topic") {
    expect_error(with_notify("  ntfy: {url: https://ntfy.sh}\n"
                             "  events: {low_stock: [ntfy]}\n"),
                 8, "notify.ntfy.url", "must name the topic");
  }
  SUBCASE("a priority out of range") {
    expect_error(with_notify("  ntfy: {url: https://ntfy.sh/t, priority: 6}\n"
                             "  events: {low_stock: [ntfy]}\n"),
                 8, "notify.ntfy.priority", "at most 5");
  }
  SUBCASE("a quiet hour that is no time") {
    expect_error(with_notify("  ntfy: {url: https://ntfy.sh/t}\n"
                             "  events: {low_stock: [ntfy]}\n"
                             "  quiet_hours:\n"
                             "    from: \"24:00\"\n"
                             "    to: \"07:00\"\n"),
                 11, "notify.quiet_hours.from", "HH:MM");
  }
  SUBCASE("quiet hours of no length") {
    expect_error(with_notify("  ntfy: {url: https://ntfy.sh/t}\n"
                             "  events: {low_stock: [ntfy]}\n"
                             "  quiet_hours:\n"
                             "    from: \"07:00\"\n"
                             "    to: \"07:00\"\n"),
                 12, "notify.quiet_hours.to", "must differ");
  }
  SUBCASE("a kind both dropped and breaking through") {
    expect_error(with_notify("  ntfy: {url: https://ntfy.sh/t}\n"
                             "  events: {low_stock: [ntfy]}\n"
                             "  quiet_hours:\n"
                             "    from: \"22:00\"\n"
                             "    to: \"07:00\"\n"
                             "    drop: [trunk_unlocked]\n"),
                 13, "notify.quiet_hours.drop", "also in break_through");
  }
  SUBCASE("a public_url with a trailing slash") {
    expect_error(with_notify("  public_url: https://hub.example/\n"
                             "  ntfy: {url: https://ntfy.sh/t}\n"
                             "  events: {low_stock: [ntfy]}\n"),
                 8, "notify.public_url", "must not end with '/'");
  }
  SUBCASE("retry_max_s below retry_initial_s") {
    expect_error(with_notify("  ntfy: {url: https://ntfy.sh/t}\n"
                             "  events: {low_stock: [ntfy]}\n"
                             "  retry_initial_s: 60\n"
                             "  retry_max_s: 30\n"),
                 11, "notify.retry_max_s", "at least retry_initial_s (60), got 30");
  }
  SUBCASE("retry_initial_s above the default retry_max_s is reported on its own line") {
    expect_error(with_notify("  ntfy: {url: https://ntfy.sh/t}\n"
                             "  events: {low_stock: [ntfy]}\n"
                             "  retry_initial_s: 600\n"),
                 10, "notify.retry_initial_s", "at most retry_max_s (300 by default), got 600");
    // A retry_max_s refused for itself is the one error: no comparison with a default.
    ConfigLoad both = with_notify("  ntfy: {url: https://ntfy.sh/t}\n"
                                  "  events: {low_stock: [ntfy]}\n"
                                  "  retry_initial_s: 600\n"
                                  "  retry_max_s: 0\n");
    CHECK(both.errors.size() == 1);
    expect_error(both, 11, "notify.retry_max_s", "1 or more");
  }
  SUBCASE("a secret is never quoted") {
    ConfigLoad l = with_notify("  webhook:\n"
                               "    url: https://hooks.example/x\n"
                               "    secret: [do-not-print-me]\n"
                               "  events: {low_stock: [webhook]}\n");
    CHECK(dump(l).find("do-not-print-me") == std::string::npos);
    REQUIRE(find_error(l, "notify.webhook.secret") != nullptr);
  }
}

TEST_CASE("notify: a refused URL is quoted without what may be a secret in it") {
  // ntfy takes its token as ?auth=, a webhook's path often is its token, and an ntfy.sh
  // topic is as good as a password: an error shows the scheme, host and port only.
  ConfigLoad query = with_notify("  ntfy: {url: \"https://ntfy.sh/larder-home?auth=QmVhcmVyIHRrX0xFQUs\"}\n");
  expect_error(query, 8, "notify.ntfy.url", "got \"https://ntfy.sh/***\"");
  CHECK(dump(query).find("QmVhcmVy") == std::string::npos);
  CHECK(dump(query).find("larder-home") == std::string::npos);
  ConfigLoad path = with_notify("  webhook: {url: \"ftp://me:pw@hooks.example:21/T0/B0/XyZsecret\"}\n");
  expect_error(path, 8, "notify.webhook.url", "got \"ftp://***@hooks.example:21/***\"");
  CHECK(dump(path).find("XyZsecret") == std::string::npos);
  ConfigLoad fragment = with_notify("  ntfy: {url: \"https://ntfy.sh#tok3n\"}\n");
  CHECK(dump(fragment).find("tok3n") == std::string::npos);
  // A password with a '/' in it is a password still.
  ConfigLoad slash = with_notify("  ntfy: {url: \"tcp://me:pa/ss?w#rd@ntfy.sh/t\"}\n");
  expect_error(slash, 8, "notify.ntfy.url", "got \"tcp://***@ntfy.sh/***\"");
  CHECK(dump(slash).find("pa/ss") == std::string::npos);
  // An '@' in the query: what follows the last '@' is no host, so nothing shows.
  ConfigLoad mail = with_notify("  ntfy: {url: \"https://hooks.example/n?user=me@example.com&key=S3CRET\"}\n");
  expect_error(mail, 8, "notify.ntfy.url", "got \"https://***\"");
  CHECK(dump(mail).find("S3CRET") == std::string::npos);
  // Without a scheme, a user name and password are still hidden.
  ConfigLoad bare = with_notify("  ntfy: {url: \"me:s3cret@ntfy.sh/t\"}\n");
  CHECK(dump(bare).find("s3cret") == std::string::npos);
  CHECK(dump(bare).find("***@ntfy.sh/t") != std::string::npos);
}
