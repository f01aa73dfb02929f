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

void usage(std::FILE* out) {
  std::fprintf(out,
               "Usage: larderctl COMMAND [ARGS]\n"
               "Commands:\n"
               "  check-config FILE   validate a configuration file (exit 0 valid, 2 not)\n"
               "  replay --config FILE --input FILE [--output FILE]\n"
               "                      run the core on recorded time (docs/replay.md); exit 1\n"
               "                      when input lines were malformed, 2 for bad arguments\n"
               "  audit --config FILE [--json] [--since SEQ]\n"
               "                      print the trunk access audit log and verify its hash\n"
               "                      chain; exit 0 verified, 1 broken, 2 bad arguments\n"
               "  deliveries --config FILE [--json] [--ca FILE]\n"
               "                      list the deliveries of the running larderd\n"
               "  revoke ORDER_ID --config FILE [--ca FILE]\n"
               "                      revoke an order's trunk access\n"
               "  status --config FILE [--json] [--ca FILE]\n"
               "                      whether larderd is up, its consumables, orders in\n"
               "                      flight and pending deliveries\n"
               "  consumables [ID] --config FILE [--json] [--ca FILE]\n"
               "                      the consumables' levels and forecasts, or one in detail\n"
               "  orders list [--status STATUS] | place CONSUMABLE [--quantity N] |\n"
               "         cancel ORDER_ID | confirm ORDER_ID  --config FILE [--json] [--ca FILE]\n"
               "                      list, place, cancel or confirm orders\n"
               "  vacation show | start [--until DATE] | end  --config FILE [--json] [--ca FILE]\n"
               "                      vacation mode: automatic orders wait for the return;\n"
               "                      DATE is local, YYYY-MM-DD or YYYY-MM-DDTHH:MM\n"
               "  backup FILE --config FILE [--force]\n"
               "                      a consistent copy of the database, also while larderd\n"
               "                      runs; --force replaces an existing FILE\n"
               "  restore FILE --config FILE\n"
               "                      put a backup back with larderd stopped (the old database\n"
               "                      is kept beside it); exit 1 while larderd runs\n"
               "  version             print the version\n"
               "  help                print this help\n"
               "deliveries, revoke, status, consumables, orders and vacation talk to the running\n"
               "larderd: they exit 1 when larderd refused, 2 for bad arguments, 3 when\n"
               "larderd cannot be reached.\n");
}

int help_command(const larderctl::Args& args) {
  auto opts = larderctl::parse_options(args, {{}, {}, 0});
  if (!opts.ok()) {
    return larderctl::refuse_usage("help", opts.status().message(), "usage: larderctl help");
  }
  usage(stdout);
  return larderctl::kExitOk;
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
  return it->second(Args(argv + 2, argv + argc));
}
