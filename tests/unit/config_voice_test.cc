// The `voice:` section of the configuration (docs/configuration.md): the conversation's
// timings, the hermes plugin's mapping and the Alexa skill.
#include <doctest/doctest.h>

#include <filesystem>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "larder/config.h"
#include "larder/text.h"
#include "support/config_support.h"
#include "support/tempdir.h"

using namespace larder;
using namespace larder::test;

namespace {

// minimal() with `voice:` on line 7 and `lines` from line 8 on.
ConfigLoad with_voice(const std::string& lines, const std::string& path = "/x/l.yaml") {
  return parse_config(minimal("", "voice:\n" + lines), path);
}

}  // namespace

TEST_CASE("voice: without the section the defaults apply and no assistant runs") {
  ConfigLoad l = parse_config(minimal(), "/x/l.yaml");
  INFO(dump(l));
  REQUIRE(l.config.has_value());
  const VoiceConfig& v = l.config->voice;
  CHECK(v.confidence_floor == 0.5);
  CHECK(v.answer_timeout_s == 6);
  CHECK(v.question_timeout_s == 120);
  CHECK_FALSE(v.hermes.has_value());
  CHECK_FALSE(v.alexa.has_value());

  // An empty section is the same.
  ConfigLoad empty = parse_config(minimal("", "voice: {}\n"), "/x/l.yaml");
  INFO(dump(empty));
  REQUIRE(empty.config.has_value());
  CHECK(empty.config->voice.confidence_floor == 0.5);
  CHECK_FALSE(empty.config->voice.hermes.has_value());
  CHECK_FALSE(empty.config->voice.alexa.has_value());

  // `hermes: {}` switches the plugin on with no mapping: canonical names only.
  ConfigLoad hermes = with_voice("  hermes: {}\n");
  INFO(dump(hermes));
  REQUIRE(hermes.config.has_value());
  REQUIRE(hermes.config->voice.hermes.has_value());
  CHECK(hermes.config->voice.hermes->intents.empty());
  CHECK(hermes.config->voice.hermes->slots.empty());
  CHECK_FALSE(hermes.config->voice.alexa.has_value());
}

TEST_CASE("voice: a full section is read, relative trust stores against the file's folder") {
  TempDir dir;
  dir.write("ca.pem", "-----BEGIN CERTIFICATE-----\n");
  const std::string path = dir.file("larder.yaml");
  ConfigLoad l = with_voice(
      "  confidence_floor: 0.7\n"
      "  answer_timeout_s: 4.5\n"
      "  question_timeout_s: 60\n"
      "  hermes:\n"
      "    intents: {OrderMore: Reorder, HowMuchLeft: StockQuery, \"alice:Yes\": ConfirmOrder}\n"
      "    slots: {product: item, amount: quantity}\n"
      "  alexa:\n"
      "    skill_id: amzn1.ask.skill.0000-1111\n"
      "    trust_store: ca.pem\n",
      path);
  INFO(dump(l));
  REQUIRE(l.config.has_value());
  const VoiceConfig& v = l.config->voice;
  CHECK(v.confidence_floor == 0.7);
  CHECK(v.answer_timeout_s == 4.5);
  CHECK(v.question_timeout_s == 60);
  REQUIRE(v.hermes.has_value());
  CHECK(v.hermes->intents == std::map<std::string, std::string>{{"OrderMore", "Reorder"},
                                                                {"HowMuchLeft", "StockQuery"},
                                                                {"alice:Yes", "ConfirmOrder"}});
  CHECK(v.hermes->slots ==
        std::map<std::string, std::string>{{"product", "item"}, {"amount", "quantity"}});
  REQUIRE(v.alexa.has_value());
  CHECK(v.alexa->skill_id == "amzn1.ask.skill.0000-1111");
  CHECK(v.alexa->trust_store == dir.file("ca.pem"));

  // A folder of certificates is a trust store too; without one the system's is used.
  std::filesystem::create_directory(dir.file("certs"));
  ConfigLoad folder = with_voice("  alexa: {skill_id: amzn1.ask.skill.x, trust_store: certs}\n",
                                 path);
  INFO(dump(folder));
  REQUIRE(folder.config.has_value());
  CHECK(folder.config->voice.alexa->trust_store == dir.file("certs"));
  ConfigLoad system = with_voice("  alexa: {skill_id: amzn1.ask.skill.x}\n", path);
  INFO(dump(system));
  REQUIRE(system.config.has_value());
  CHECK(system.config->voice.alexa->trust_store.empty());
  CHECK_FALSE(system.config->voice.hermes.has_value());

  // Every canonical intent may be a target.
  for (const char* target : {"Reorder", "StockQuery", "CancelOrder", "ConfirmOrder", "DenyOrder",
                             "Refilled", "DeliveryQuery", "RevokeAccess", "StartVacation",
                             "EndVacation", "VacationStatus"}) {
    ConfigLoad t = with_voice(std::string("  hermes:\n    intents: {Say: ") + target + "}\n");
    INFO(target << dump(t));
    REQUIRE(t.config.has_value());
    CHECK(t.config->voice.hermes->intents.at("Say") == target);
  }
}

TEST_CASE("voice: the edges of each range are allowed") {
  for (const char* ok : {"  confidence_floor: 0\n", "  confidence_floor: 1\n",
                         "  answer_timeout_s: 1\n", "  answer_timeout_s: 30\n",
                         "  question_timeout_s: 10\n", "  question_timeout_s: 3600\n"}) {
    ConfigLoad l = with_voice(ok);
    INFO(ok << dump(l));
    CHECK(l.config.has_value());
  }
  // The longest intent name and skill id.
  ConfigLoad l = with_voice("  hermes:\n    intents: {" + std::string(128, 'N') +
                            ": Reorder}\n  alexa:\n    skill_id: " + std::string(256, 's') + "\n");
  INFO(dump(l));
  CHECK(l.config.has_value());
}

TEST_CASE("voice: every bad value names the file, the line and the key") {
  struct Bad {
    std::string yaml;  // from line 8
    int line;
    std::string key, says;
  };
  const std::vector<Bad> cases = {
      {"  confidence_floor: -0.1\n", 8, "voice.confidence_floor",
       "must be a number of 0 or more and at most 1, got \"-0.1\""},
      {"  confidence_floor: 1.5\n", 8, "voice.confidence_floor", "at most 1"},
      {"  confidence_floor: \"0.5\"\n", 8, "voice.confidence_floor",
       "write numbers without quotes"},
      {"  answer_timeout_s: 0.5\n", 8, "voice.answer_timeout_s",
       "must be a number of 1 or more and at most 30, got \"0.5\""},
      {"  answer_timeout_s: 31\n", 8, "voice.answer_timeout_s", "at most 30"},
      {"  question_timeout_s: 9\n", 8, "voice.question_timeout_s",
       "must be a number of 10 or more and at most 3600, got \"9\""},
      {"  question_timeout_s: 3601\n", 8, "voice.question_timeout_s", "at most 3600"},
      {"  question_timeout_s: .inf\n", 8, "voice.question_timeout_s", "at most 3600"},
      {"  hermes: 5\n", 8, "voice.hermes", "must be a map of keys, got \"5\""},
      {"  hermes:\n", 8, "voice.hermes", "must be a map of keys, got nothing"},
      {"  hermes:\n    intents: [OrderMore]\n", 9, "voice.hermes.intents",
       "must be a map of keys, got a list"},
      {"  hermes:\n    intents:\n      OrderMore: Buy\n", 10, "voice.hermes.intents.OrderMore",
       "must be Reorder, StockQuery, CancelOrder, ConfirmOrder, DenyOrder, Refilled, "
       "DeliveryQuery, RevokeAccess, StartVacation, EndVacation or VacationStatus, got \"Buy\""},
      {"  hermes:\n    intents:\n      OrderMore: reorder\n", 10,
       "voice.hermes.intents.OrderMore", "got \"reorder\""},
      {"  hermes:\n    intents:\n      OrderMore: {x: 1}\n", 10, "voice.hermes.intents.OrderMore",
       "must be a string, got a map"},
      {"  hermes:\n    intents:\n      OrderMore:\n", 10, "voice.hermes.intents.OrderMore",
       "must be a string, got nothing"},
      {"  hermes:\n    intents:\n      a/b: Reorder\n", 10, "voice.hermes.intents.a/b",
       "is not a Hermes intent name: 1 to 128 bytes without '/', '+', '#'"},
      {"  hermes:\n    intents:\n      \"a+b\": Reorder\n", 10, "voice.hermes.intents.a+b",
       "is not a Hermes intent name"},
      {"  hermes:\n    intents:\n      \"a#\": Reorder\n", 10, "voice.hermes.intents.a#",
       "is not a Hermes intent name"},
      {"  hermes:\n    intents:\n      \"\": Reorder\n", 10, "voice.hermes.intents.",
       "is not a Hermes intent name"},
      {"  hermes:\n    intents:\n      " + std::string(129, 'N') + ": Reorder\n", 10,
       "voice.hermes.intents." + std::string(129, 'N'), "is not a Hermes intent name"},
      {"  hermes:\n    slots:\n      product: name\n", 10, "voice.hermes.slots.product",
       "must be item or quantity, got \"name\""},
      {"  hermes:\n    slots:\n      \"\": item\n", 10, "voice.hermes.slots.",
       "is not a Hermes slot name"},
      {"  hermes:\n    slots: item\n", 9, "voice.hermes.slots", "must be a map of keys"},
      // Unicode's line separator and a C1 control break a one-line name as '\n' does.
      {"  hermes:\n    intents:\n      \"a\u2028b\": Reorder\n", 10,
       "voice.hermes.intents.a\u2028b", "is not a Hermes intent name"},
      {"  hermes:\n    slots:\n      \"a\u009bb\": item\n", 10, "voice.hermes.slots.a\u009bb",
       "is not a Hermes slot name"},
      {"  alexa: {}\n", 8, "voice.alexa.skill_id", "required key is missing"},
      {"  alexa: 1\n", 8, "voice.alexa", "must be a map of keys, got \"1\""},
      {"  alexa:\n    skill_id: \"\"\n", 9, "voice.alexa.skill_id", "must not be empty"},
      {"  alexa:\n    skill_id: amzn1.ask.skill. 0000\n", 9, "voice.alexa.skill_id",
       "must not contain whitespace, got \"amzn1.ask.skill. 0000\""},
      {"  alexa:\n    skill_id: " + std::string(257, 's') + "\n", 9, "voice.alexa.skill_id",
       "must be at most 256 bytes"},
      {"  alexa:\n    skill_id: amzn1.ask.skill.x\n    trust_store: /nonexistent/ca.pem\n", 10,
       "voice.alexa.trust_store", "\"/nonexistent/ca.pem\" does not exist"},
      {"  alexa:\n    skill_id: amzn1.ask.skill.x\n    trust_store: missing.pem\n", 10,
       "voice.alexa.trust_store", "\"/x/missing.pem\" does not exist"},
      {"  alexa:\n    skill_id: amzn1.ask.skill.x\n    trust_store: /dev/null\n", 10,
       "voice.alexa.trust_store", "must be a file of certificates or a folder"},
  };
  for (const Bad& b : cases) {
    ConfigLoad l = with_voice(b.yaml);
    INFO(b.yaml);
    expect_error(l, b.line, b.key, b.says);
    CHECK(l.errors.size() == 1);
    const ConfigError* e = find_error(l, b.key);
    REQUIRE(e != nullptr);
    // As printed: a control character of a key is shown as '?'.
    const std::string prefix =
        mask_controls("/x/l.yaml:" + std::to_string(b.line) + ": " + b.key + ": ");
    CHECK(e->to_string().rfind(prefix, 0) == 0);
  }

  // A trust store file that holds no certificate is refused now, not at start-up.
  TempDir dir;
  const std::string not_pem = dir.write("passwd", "root:x:0:0:root:/root:/bin/bash\n");
  expect_error(with_voice("  alexa:\n    skill_id: amzn1.ask.skill.x\n    trust_store: " +
                          not_pem + "\n"),
               10, "voice.alexa.trust_store", "holds no PEM certificate");

  // Not a map at all.
  expect_error(parse_config(minimal("", "voice: on\n"), "/x/l.yaml"), 7, "voice",
               "must be a map of keys, got \"on\"");

  // Every error of the section at once, in file order.
  ConfigLoad many = with_voice(
      "  confidence_floor: 2\n"
      "  hermes:\n"
      "    intents: {OrderMore: Buy}\n"
      "  alexa:\n"
      "    skill_id: a b\n");
  CHECK(where(many) == std::vector<std::pair<int, std::string>>{
                           {8, "voice.confidence_floor"},
                           {10, "voice.hermes.intents.OrderMore"},
                           {12, "voice.alexa.skill_id"}});
}

TEST_CASE("voice: unknown keys are refused at every level") {
  expect_error(with_voice("  confidence_flor: 0.5\n"), 8, "voice.confidence_flor",
               "unknown key (did you mean 'confidence_floor'?)");
  expect_error(with_voice("  confidence: 0.5\n"), 8, "voice.confidence",
               "unknown key (known here: alexa, answer_timeout_s, confidence_floor, hermes, "
               "question_timeout_s)");
  expect_error(with_voice("  snips: {}\n"), 8, "voice.snips", "unknown key");
  expect_error(with_voice("  hermes:\n    intent: {OrderMore: Reorder}\n"), 9,
               "voice.hermes.intent", "did you mean 'intents'?");
  expect_error(with_voice("  alexa:\n    skill_id: amzn1.ask.skill.x\n    skil: y\n"), 10,
               "voice.alexa.skil", "unknown key");
  expect_error(with_voice("  hermes: {}\n  hermes: {}\n"), 9, "voice.hermes",
               "given twice (first on line 8)");
}
