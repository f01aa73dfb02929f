// larderd: the Larder hub. Thin: arguments, configuration, then run_daemon().
#include <sys/stat.h>

#include <cstdio>
#include <cstring>
#include <string>
#include <utility>

#include "app/daemon.h"
#include "larder/config.h"
#include "larder/log.h"
#include "larder/text.h"

namespace {

constexpr const char* kDefaultConfig = "/etc/larder/larder.yaml";

void usage(std::FILE* out) {
  std::fprintf(out,
               "Usage: larderd [--config FILE]\n"
               "       larderd --check-config FILE\n"
               "       larderd --version\n"
               "\n"
               "Runs the Larder hub with the configuration FILE (default %s).\n"
               "  --config FILE        the configuration to run with\n"
               "  --check-config FILE  validate FILE, print what is wrong, and exit\n"
               "  --version            print the version and exit\n"
               "  --help               print this help and exit\n"
               "SIGHUP reloads FILE: a valid one takes effect at once, one with errors is\n"
               "logged and changes nothing.\n"
               "Exit status: 0 success, 1 the hub failed at run time, 2 bad arguments or "
               "configuration.\n",
               kDefaultConfig);
}

int bad_usage(const std::string& what) {
  std::fprintf(stderr, "larderd: %s\n", what.c_str());
  usage(stderr);
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  // The household's orders, places and keys are not for other users of the machine: what
  // larderd creates is not world-readable, whatever umask started it (the systemd unit
  // sets UMask=0027 as well; a stricter umask stays). Set while there is one thread.
  ::umask(::umask(0) | 027);
  std::string config_path = kDefaultConfig;
  bool check_only = false;
  bool config_given = false;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--version") {
      std::printf("larderd %s\n", LARDER_VERSION);
      return 0;
    }
    if (arg == "--help" || arg == "-h") {
      usage(stdout);
      return 0;
    }
    if (arg == "--config" || arg == "--check-config") {
      if (config_given) return bad_usage("the configuration file is given twice");
      if (i + 1 >= argc) return bad_usage(arg + " needs a FILE");
      config_path = argv[++i];
      config_given = true;
      check_only = arg == "--check-config";
      continue;
    }
    return bad_usage("unknown argument '" + larder::mask_controls(arg) + "'");
  }

  const std::string shown_path = larder::mask_controls(config_path);  // for a terminal
  // A SIGHUP before run_daemon() listens for it would kill the process (its default
  // action): it waits, held, and run_daemon() applies it once the hub runs.
  larder::hold_hangups(true);
  larder::ConfigLoad load = larder::load_config(config_path);
  if (!load.config) {
    for (const auto& e : load.errors) std::fprintf(stderr, "%s\n", e.to_string().c_str());
    std::fprintf(stderr, "larderd: %zu error(s) in %s\n", load.errors.size(),
                 shown_path.c_str());
    return 2;
  }
  if (check_only) {
    std::printf("%s: configuration is valid (%zu consumables)\n", shown_path.c_str(),
                load.config->consumables.size());
    return 0;
  }
  larder::set_log_level(load.config->log_level);
  larder::Config config = std::move(*load.config);
  for (;;) {
    const int status = larder::run_daemon(config);
    if (status != larder::kRunDaemonAgain) return status;
    // The file as it is now (a SIGHUP may have applied a newer one); as it was, if it is not
    // valid any more.
    larder::ConfigLoad again = larder::load_config(config_path);
    if (again.config) {
      config = std::move(*again.config);
    } else {
      larder::log_error("larderd: " + config_path + " has " +
                        std::to_string(again.errors.size()) +
                        " error(s) now; running again on the configuration it started with");
    }
  }
}
