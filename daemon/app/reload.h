// What a configuration reload (SIGHUP, `systemctl reload larder`) may change in a running
// larderd, and what waits for a restart.
//
// Applied at once: everything built from the configuration (app/services.h): consumables
// and their models' settings, buttons, sensors, vehicles, people, plugins, the retailer,
// orders, forecast, delivery and voice settings, the household's zone, currency and locale,
// the HTTP tokens, the log level.
// At the next restart: what belongs to the process: `state_dir` (the open database), the
// whole `mqtt` section (the connection and its session stay up: nothing in flight is lost),
// `http.listen` and `http.tls` (the listening socket), `storage` (the maintenance of the
// open database) and `notify` (the push channels and what their queues hold). A reload that changes them
// applies the rest and says which keys wait (docs/configuration.md, "Reloading").
#pragma once

#include <string>
#include <vector>

#include "larder/config.h"

namespace larder {

// The dotted keys that differ between `running` and `next` and need a restart.
std::vector<std::string> restart_only_changes(const Config& running, const Config& next);

// `next` with the restart-only settings of `running`, which stay in force until a restart.
Config keep_restart_only(const Config& running, Config next);

}  // namespace larder
