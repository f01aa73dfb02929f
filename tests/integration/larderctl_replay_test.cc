// The command lines of larderctl replay, check-config, version and help (docs/larderctl.md,
// tools/larderctl/config_commands.cc): the built binary as a child process, its exit
// statuses and what it refuses before reading a line. The core replay drives is tested in
// tests/unit/replay_test.cc.
#include <doctest/doctest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "support/larderctl_run.h"
#include "support/process.h"
#include "support/tempdir.h"

using namespace larder;
using namespace larder::test;

namespace {

const char* kConfig = R"(mqtt:
  url: tcp://127.0.0.1:1883
state_dir: /tmp/unused
http:
  admin_token: replay-admin-token-0123
consumables:
  pods:
    unit: pcs
    capacity: 80
    pack: {sku: P-40, size: 40}
)";

const char* kInput =
    R"({"ts":1764460800,"topic":"larder/v1/consumable/pods/refilled","payload":{}}
{"ts":1764460900,"query":"pods"}
)";

}  // namespace

TEST_CASE("larderctl replay: a good run writes its answers and exits 0, a bad line exits 1") {
  TempDir dir("larderctl-replay-");
  const std::string config = dir.write("larder.yaml", kConfig);
  const std::string input = dir.write("in.jsonl", kInput);
  CtlRun ok = larderctl({"replay", "--config", config, "--input", input, "--output",
                         dir.file("out.jsonl")});
  CHECK(ok.status.code == 0);
  CHECK(ok.out.empty());  // the answers went to the file
  CHECK(read_file(dir.file("out.jsonl")).find(R"("ts":1764460900,)") != std::string::npos);

  const std::string bad = dir.write("bad.jsonl", std::string(kInput) + "not json\n");
  CtlRun r = larderctl({"replay", "--config", config, "--input", bad});
  CHECK(r.status.code == 1);
  CHECK(r.out.find(R"("consumable":"pods")") != std::string::npos);
  CHECK(r.err.find("line 3: not valid JSON: at column ") != std::string::npos);
}

TEST_CASE("larderctl replay refuses bad arguments and files with exit 2, before reading a line") {
  TempDir dir("larderctl-replay-");
  const std::string config = dir.write("larder.yaml", kConfig);
  const std::string input = dir.write("in.jsonl", kInput);

  SUBCASE("a required option missing: the usage line") {
    CtlRun r = larderctl({"replay", "--input", input});
    CHECK(r.status.code == 2);
    CHECK(r.err.find("usage: larderctl replay --config FILE --input FILE") != std::string::npos);
  }
  SUBCASE("an empty value is refused, not taken for the option left out (stdout)") {
    CtlRun r = larderctl({"replay", "--config", config, "--input", input, "--output", ""});
    CHECK(r.status.code == 2);
    CHECK(r.out.empty());
    CHECK(r.err.find("--output needs a value, not ''") != std::string::npos);
  }
  SUBCASE("a directory as the input") {
    CtlRun r = larderctl({"replay", "--config", config, "--input", dir.path()});
    CHECK(r.status.code == 2);
    CHECK(r.err.find("is a directory") != std::string::npos);
  }
  SUBCASE("the input as the output: the input is left as it was") {
    CtlRun r = larderctl({"replay", "--config", config, "--input", input, "--output", input});
    CHECK(r.status.code == 2);
    CHECK(r.err.find("is the input file") != std::string::npos);
    CHECK(read_file(input) == kInput);
  }
  SUBCASE("the configuration as the output, however spelled: it is left as it was") {
    for (const std::string& output : {config, dir.path() + "/./larder.yaml"}) {
      CtlRun r = larderctl({"replay", "--config", config, "--input", input, "--output", output});
      CHECK(r.status.code == 2);
      CHECK(r.out.empty());
      CHECK(r.err.find("--output " + output + " is the configuration file") != std::string::npos);
      CHECK(read_file(config) == kConfig);
    }
  }
  SUBCASE("an output that cannot be written to the end") {
    if (!std::filesystem::exists("/dev/full")) return;  // a device every Linux has
    CtlRun r = larderctl({"replay", "--config", config, "--input", input, "--output", "/dev/full"});
    CHECK(r.status.code == 2);
    CHECK(r.err.find("writing /dev/full failed") != std::string::npos);
  }
}

TEST_CASE("check-config, version and help refuse what they do not take with the usage line") {
  TempDir dir("larderctl-config-");
  const std::string config = dir.write("larder.yaml", kConfig);
  CtlRun valid = larderctl({"check-config", config});
  CHECK(valid.status.code == 0);
  CHECK(valid.out == config + ": configuration is valid (1 consumables)\n");
  CtlRun version = larderctl({"version"});
  CHECK(version.status.code == 0);
  CHECK(version.out.rfind("larderctl ", 0) == 0);
  CtlRun help = larderctl({"help"});
  CHECK(help.status.code == 0);
  CHECK(help.out.find("Usage: larderctl COMMAND [ARGS]") == 0);
  // The spellings larderd and most command lines answer to.
  CHECK(larderctl({"--version"}).out == version.out);
  for (const char* h : {"--help", "-h"}) {
    CtlRun r = larderctl({h});
    CHECK(r.status.code == 0);
    CHECK(r.out == help.out);
  }
  // One command's usage: asked of help, or of the command itself, whatever else is given.
  CtlRun replay = larderctl({"help", "replay"});
  CHECK(replay.status.code == 0);
  CHECK(replay.out.rfind("Usage: larderctl replay --config FILE --input FILE", 0) == 0);
  CHECK(replay.out.find("audit") == std::string::npos);
  CHECK(larderctl({"replay", "--help"}).out == replay.out);
  CHECK(larderctl({"replay", "--config", "x.yaml", "-h"}).out == replay.out);
  CtlRun orders = larderctl({"orders", "place", "--help"});
  CHECK(orders.status.code == 0);
  CHECK(orders.out.rfind("Usage: larderctl orders list", 0) == 0);
  CHECK(orders.out.find("3 when\nlarderd cannot be reached") != std::string::npos);  // exits
  CHECK(orders.err.empty());

  struct Case {
    std::vector<std::string> args;
    std::string says;
  };
  const std::vector<Case> cases = {
      {{"check-config"}, "FILE is required"},
      {{"check-config", "--json"}, "unknown option '--json'"},
      {{"check-config", config, "--json"}, "unknown option '--json'"},
      {{"check-config", config, "b"}, "unexpected argument 'b'"},
      {{"version", "extra"}, "unexpected argument 'extra'"},
      {{"version", "--json"}, "unknown option '--json'"},
      {{"help", "extra"}, "unknown command 'extra'"},
      {{"help", "replay", "audit"}, "unexpected argument 'audit'"},
      {{"help", "--all"}, "unknown option '--all'"},
  };
  for (const auto& c : cases) {
    CtlRun r = larderctl(c.args);
    INFO(c.args[0], ": ", c.says, ": ", r.err);
    CHECK(r.status.code == 2);
    CHECK(r.out.empty());
    CHECK(r.err.find("larderctl " + c.args[0] + ": " + c.says + "\n") == 0);
    CHECK(r.err.find("\nusage: larderctl " + c.args[0]) != std::string::npos);
  }
}
