// larderctl: the Larder command line. Each command is a function; main only dispatches.
#include <cstdio>
#include <cstring>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "larder/config.h"

namespace {

using Args = std::vector<std::string>;

void usage(std::FILE* out) {
  std::fprintf(out,
               "Usage: larderctl COMMAND [ARGS]\n"
               "Commands:\n"
               "  check-config FILE   validate a configuration file (exit 0 valid, 2 not)\n"
               "  version             print the version\n"
               "  help                print this help\n");
}

int check_config(const Args& args) {
  if (args.size() != 1) {
    std::fprintf(stderr, "larderctl check-config: needs exactly one FILE\n");
    return 2;
  }
  larder::ConfigLoad load = larder::load_config(args[0]);
  if (!load.config) {
    for (const auto& e : load.errors) std::fprintf(stderr, "%s\n", e.to_string().c_str());
    return 2;
  }
  std::printf("%s: configuration is valid (%zu consumables)\n", args[0].c_str(),
              load.config->consumables.size());
  return 0;
}

int version(const Args&) {
  std::printf("larderctl %s\n", LARDER_VERSION);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const std::map<std::string, std::function<int(const Args&)>> commands = {
      {"check-config", check_config},
      {"version", version},
      {"help", [](const Args&) { usage(stdout); return 0; }},
  };
  if (argc < 2) {
    usage(stderr);
    return 2;
  }
  auto it = commands.find(argv[1]);
  if (it == commands.end()) {
    std::fprintf(stderr, "larderctl: unknown command '%s'\n", argv[1]);
    usage(stderr);
    return 2;
  }
  return it->second(Args(argv + 2, argv + argc));
}
