// larderctl check-config, replay and version: the commands that need no daemon.
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>

#include "commands.h"
#include "larder/config.h"
#include "larder/log.h"
#include "replay/replay.h"

namespace larderctl {

namespace {

constexpr const char* kCheckConfigUsage = "usage: larderctl check-config FILE";
constexpr const char* kReplayUsage =
    "usage: larderctl replay --config FILE --input FILE [--output FILE]";
constexpr const char* kVersionUsage = "usage: larderctl version";

}  // namespace

int check_config_command(const Args& args) {
  // No options: "--json" is one, not a file name (a file named so is ./--json).
  auto opts = parse_options(args, {{}, {}, 1});
  if (!opts.ok()) return refuse_usage("check-config", opts.status().message(), kCheckConfigUsage);
  if (opts->positional.empty()) {
    return refuse_usage("check-config", "FILE is required", kCheckConfigUsage);
  }
  const std::string& path = opts->positional[0];
  larder::ConfigLoad load = larder::load_config(path);
  if (!load.config) {
    for (const auto& e : load.errors) std::fprintf(stderr, "%s\n", e.to_string().c_str());
    return kExitUsage;
  }
  std::printf("%s: configuration is valid (%zu consumables)\n", path.c_str(),
              load.config->consumables.size());
  return kExitOk;
}

int replay_command(const Args& args) {
  auto opts = parse_options(args, {{"--config", "--input", "--output"}, {}, 0});
  if (!opts.ok()) {
    std::fprintf(stderr, "larderctl replay: %s (%s)\n", opts.status().message().c_str(),
                 kReplayUsage);
    return kExitUsage;
  }
  const std::string config_path = opts->value("--config").value_or("");
  const std::string input_path = opts->value("--input").value_or("");
  const std::string output_path = opts->value("--output").value_or("");
  if (config_path.empty() || input_path.empty()) {
    std::fprintf(stderr, "larderctl replay: --config FILE and --input FILE are required (%s)\n",
                 kReplayUsage);
    return kExitUsage;
  }
  larder::ConfigLoad load = larder::load_config(config_path);
  if (!load.config) {
    for (const auto& e : load.errors) std::fprintf(stderr, "%s\n", e.to_string().c_str());
    return kExitUsage;
  }
  std::error_code ec;
  if (std::filesystem::is_directory(input_path, ec)) {
    std::fprintf(stderr, "larderctl replay: %s is a directory\n", input_path.c_str());
    return kExitUsage;
  }
  std::ifstream input(input_path);
  if (!input) {
    std::fprintf(stderr, "larderctl replay: cannot read %s\n", input_path.c_str());
    return kExitUsage;
  }
  // Opening the output empties it: neither the input (before a line of it is read) nor
  // the configuration may be the output. equivalent() sees through other spellings and
  // links of the same file.
  if (!output_path.empty() && std::filesystem::equivalent(input_path, output_path, ec)) {
    std::fprintf(stderr, "larderctl replay: --output %s is the input file\n",
                 output_path.c_str());
    return kExitUsage;
  }
  if (!output_path.empty() && std::filesystem::equivalent(config_path, output_path, ec)) {
    std::fprintf(stderr, "larderctl replay: --output %s is the configuration file\n",
                 output_path.c_str());
    return kExitUsage;
  }
  std::ofstream file;
  if (!output_path.empty()) {
    file.open(output_path, std::ios::trunc);
    if (!file) {
      std::fprintf(stderr, "larderctl replay: cannot write %s\n", output_path.c_str());
      return kExitUsage;
    }
  }
  // Refused input is reported per line below; the hub's own log would say it twice.
  larder::set_log_level(larder::LogLevel::error);
  std::ios::sync_with_stdio(false);
  std::ostream& out = output_path.empty() ? std::cout : file;
  auto r = larder::replay(*load.config, input, out, std::cerr);
  if (input.bad()) {
    std::fprintf(stderr, "larderctl replay: reading %s failed after line %zu\n",
                 input_path.c_str(), r.lines);
    return kExitUsage;
  }
  out.flush();
  if (!out) {
    std::fprintf(stderr, "larderctl replay: writing %s failed\n",
                 output_path.empty() ? "the standard output" : output_path.c_str());
    return kExitUsage;
  }
  return r.bad_lines > 0 ? kExitRefused : kExitOk;
}

int version_command(const Args& args) {
  auto opts = parse_options(args, {{}, {}, 0});
  if (!opts.ok()) return refuse_usage("version", opts.status().message(), kVersionUsage);
  std::printf("larderctl %s\n", LARDER_VERSION);
  return kExitOk;
}

}  // namespace larderctl
