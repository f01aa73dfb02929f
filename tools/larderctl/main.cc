// larderctl: the Larder command line. Each command is a function; main only dispatches.
#include <cstdio>
#include <cstring>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include <fstream>
#include <iostream>

#include "larder/config.h"
#include "larder/log.h"
#include "replay/replay.h"

namespace {

using Args = std::vector<std::string>;

void usage(std::FILE* out) {
  std::fprintf(out,
               "Usage: larderctl COMMAND [ARGS]\n"
               "Commands:\n"
               "  check-config FILE   validate a configuration file (exit 0 valid, 2 not)\n"
               "  replay --config FILE --input FILE [--output FILE]\n"
               "                      run the core on recorded time (docs/replay.md); exit 1\n"
               "                      when input lines were malformed, 2 for bad arguments\n"
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

int replay_command(const Args& args) {
  std::string config_path, input_path, output_path;
  for (std::size_t i = 0; i < args.size(); ++i) {
    auto value = [&](std::string& into) {
      if (i + 1 >= args.size()) return false;
      into = args[++i];
      return true;
    };
    bool ok = (args[i] == "--config" && value(config_path)) ||
              (args[i] == "--input" && value(input_path)) ||
              (args[i] == "--output" && value(output_path));
    if (!ok) {
      std::fprintf(stderr, "larderctl replay: unexpected '%s' (usage: larderctl replay --config FILE --input FILE [--output FILE])\n",
                   args[i].c_str());
      return 2;
    }
  }
  if (config_path.empty() || input_path.empty()) {
    std::fprintf(stderr, "larderctl replay: --config FILE and --input FILE are required\n");
    return 2;
  }
  larder::ConfigLoad load = larder::load_config(config_path);
  if (!load.config) {
    for (const auto& e : load.errors) std::fprintf(stderr, "%s\n", e.to_string().c_str());
    return 2;
  }
  std::ifstream input(input_path);
  if (!input) {
    std::fprintf(stderr, "larderctl replay: cannot read %s\n", input_path.c_str());
    return 2;
  }
  std::ofstream file;
  if (!output_path.empty()) {
    file.open(output_path, std::ios::trunc);
    if (!file) {
      std::fprintf(stderr, "larderctl replay: cannot write %s\n", output_path.c_str());
      return 2;
    }
  }
  // Refused input is reported per line below; the hub's own log would say it twice.
  larder::set_log_level(larder::LogLevel::error);
  std::ios::sync_with_stdio(false);
  auto r = larder::replay(*load.config, input, output_path.empty() ? std::cout : file, std::cerr);
  if (file.is_open()) {
    file.flush();
    if (!file) {
      std::fprintf(stderr, "larderctl replay: writing %s failed\n", output_path.c_str());
      return 1;
    }
  }
  return r.bad_lines > 0 ? 1 : 0;
}

int version(const Args&) {
  std::printf("larderctl %s\n", LARDER_VERSION);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const std::map<std::string, std::function<int(const Args&)>> commands = {
      {"check-config", check_config},
      {"replay", replay_command},
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
