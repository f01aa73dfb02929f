// larder-sandbox's command line (docs/sandbox.md): what the options set, their checks and
// the help text. main.cc wires what they describe.
// Thread rule: pure functions, called once at start.
#pragma once

#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>

#include "car_sim.h"
#include "larder/log.h"
#include "retailer_sim.h"

namespace larder::sandbox {

struct SandboxArgs {
  std::string host = "127.0.0.1";
  std::uint16_t port = 8090;
  std::string api_key;
  std::string callback_ca;
  LogLevel log_level = LogLevel::info;
  SimOptions sim;
  std::string mqtt_url;
  bool car = false;  // --car-at given
  CarOptions car_options;
};

// The help text.
void usage(std::FILE* out);
// Prints `what` and a hint to stderr; returns the exit status of bad arguments (2).
int bad_usage(const std::string& what);
// Parses and checks the command line (without --help and --version); an error message,
// or nullopt with `args` filled.
std::optional<std::string> parse_args(int argc, char** argv, SandboxArgs& args);

}  // namespace larder::sandbox
