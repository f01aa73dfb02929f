// larderctl: the Larder command line (docs/larderctl.md). Each command is a function in a
// file of its own (commands.h); main only dispatches.
#include <sys/stat.h>

#include <cstdio>
#include <functional>
#include <map>
#include <string>

#include "commands.h"
#include "larder/text.h"

namespace {

// Each command's usage line and what it does, as `help` lists them and `COMMAND --help`
// prints one.
struct CommandHelp {
  const char* name;
  const char* text;  // from two spaces in, the command first
  bool api = false;  // talks to the running larderd (kFooter says how it exits)
};
constexpr CommandHelp kCommands[] = {
    {"check-config",
     "  check-config FILE   validate a configuration file (exit 0 valid, 2 not)\n"},
    {"replay",
     "  replay --config FILE --input FILE [--output FILE]\n"
     "                      run the core on recorded time (docs/replay.md); exit 1\n"
     "                      when input lines were malformed, 2 for bad arguments\n"},
    {"audit",
     "  audit --config FILE [--json] [--since SEQ]\n"
     "                      print the trunk access audit log and verify its hash\n"
     "                      chain; exit 0 verified, 1 broken, 2 bad arguments\n"},
    {"deliveries",
     "  deliveries --config FILE [--json] [--ca FILE]\n"
     "                      list the deliveries of the running larderd\n", true},
    {"revoke",
     "  revoke ORDER_ID --config FILE [--ca FILE]\n"
     "                      revoke an order's trunk access\n", true},
    {"status",
     "  status --config FILE [--json] [--ca FILE]\n"
     "                      whether larderd is up, its consumables, orders in\n"
     "                      flight and pending deliveries\n", true},
    {"consumables",
     "  consumables [ID] --config FILE [--json] [--ca FILE]\n"
     "                      the consumables' levels and forecasts, or one in detail\n", true},
    {"orders",
     "  orders list [--status STATUS] | place CONSUMABLE [--quantity N] |\n"
     "         cancel ORDER_ID | confirm ORDER_ID  --config FILE [--json] [--ca FILE]\n"
     "                      list, place, cancel or confirm orders\n", true},
    {"vacation",
     "  vacation show | start [--until DATE] | end  --config FILE [--json] [--ca FILE]\n"
     "                      vacation mode: automatic orders wait for the return;\n"
     "                      DATE is local, YYYY-MM-DD or YYYY-MM-DDTHH:MM\n", true},
    {"backup",
     "  backup FILE --config FILE [--force]\n"
     "                      a consistent copy of the database, also while larderd\n"
     "                      runs; --force replaces an existing FILE\n"},
    {"restore",
     "  restore FILE --config FILE\n"
     "                      put a backup back with larderd stopped (the old database\n"
     "                      is kept beside it); exit 1 while larderd runs\n"},
    {"version",
     "  version             print the version\n"},
    {"help",
     "  help [COMMAND]      print this help, or one command's\n"},
};

constexpr const char kFooter[] =
    "deliveries, revoke, status, consumables, orders and vacation talk to the running\n"
    "larderd: they exit 1 when larderd refused, 2 for bad arguments, 3 when\n"
    "larderd cannot be reached.\n";

void usage(std::FILE* out) {
  std::fputs("Usage: larderctl COMMAND [ARGS]\n"
             "Commands:\n",
             out);
  for (const CommandHelp& c : kCommands) std::fputs(c.text, out);
  std::fputs(kFooter, out);
}

const CommandHelp* command_help(const std::string& name) {
  for (const CommandHelp& c : kCommands) {
    if (name == c.name) return &c;
  }
  return nullptr;
}

// One command's usage: "Usage: larderctl replay --config FILE ...", then what it does.
int print_command_help(const CommandHelp& c) {
  std::printf("Usage: larderctl %s", c.text + 2);
  if (c.api) std::fputs(kFooter, stdout);
  return larderctl::kExitOk;
}

int help_command(const larderctl::Args& args) {
  auto opts = larderctl::parse_options(args, {{}, {}, 1});
  const char* line = "usage: larderctl help [COMMAND]";
  if (!opts.ok()) return larderctl::refuse_usage("help", opts.status().message(), line);
  if (opts->positional.empty()) {
    usage(stdout);
    return larderctl::kExitOk;
  }
  const std::string& name = opts->positional.front();
  if (const CommandHelp* c = command_help(name)) return print_command_help(*c);
  return larderctl::refuse_usage("help", "unknown command '" + larder::mask_controls(name) + "'",
                                 line);
}

}  // namespace

int main(int argc, char** argv) {
  // A backup, or a database restored into the state directory, holds the household's data:
  // not world-readable, whatever umask larderctl was started with (as larderd does).
  ::umask(::umask(0) | 027);
  using larderctl::Args;
  const std::map<std::string, std::function<int(const Args&)>> commands = {
      {"check-config", larderctl::check_config_command},
      {"replay", larderctl::replay_command},
      {"audit", larderctl::audit_command},
      {"deliveries", larderctl::deliveries_command},
      {"revoke", larderctl::revoke_command},
      {"status", larderctl::status_command},
      {"consumables", larderctl::consumables_command},
      {"orders", larderctl::orders_command},
      {"vacation", larderctl::vacation_command},
      {"backup", larderctl::backup_command},
      {"restore", larderctl::restore_command},
      {"version", larderctl::version_command},
      {"help", help_command},
      // The spellings every other command line answers to (larderd's too).
      {"--version", larderctl::version_command},
      {"--help", help_command},
      {"-h", help_command},
  };
  if (argc < 2) {
    usage(stderr);
    return larderctl::kExitUsage;
  }
  auto it = commands.find(argv[1]);
  if (it == commands.end()) {
    std::fprintf(stderr, "larderctl: unknown command '%s'\n",
                 larder::mask_controls(argv[1]).c_str());
    usage(stderr);
    return larderctl::kExitUsage;
  }
  // `larderctl replay --help`: that command's usage, whatever else is on the line.
  const CommandHelp* help = command_help(argv[1]);
  for (int i = 2; help && i < argc; ++i) {
    if (std::string(argv[i]) == "--help" || std::string(argv[i]) == "-h") {
      return print_command_help(*help);
    }
  }
  return it->second(Args(argv + 2, argv + argc));
}
