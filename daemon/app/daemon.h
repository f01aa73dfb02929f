// The running hub: wires the core to its adapters on one event loop.
//
// run() opens the store (migrated), restores the consumables, starts the HTTP server,
// reports READY to systemd, connects to MQTT (in the background: a broker that is down
// does not stop the hub), and runs the event loop until SIGTERM or SIGINT, or until a
// store opened read-only can be written again (kRunDaemonAgain). SIGHUP reloads
// the configuration from config.path (docs/configuration.md, "Reloading"). Shutdown
// stops the HTTP server, flushes the store, reports STOPPING, publishes `offline` and
// disconnects. Every adapter's callbacks only post onto the loop.
// Thread rule: run() owns the calling thread until shutdown.
#pragma once

#include "larder/config.h"

namespace larder {

struct DaemonOptions {
  double flush_interval = 0.2;     // seconds between store commits while readings wait
  double tick_interval = 0.5;      // seconds between core ticks (delayed state, timers)
};

// What run_daemon returns, never an exit status, when it stopped because its store, opened
// read-only (a read-only file system, a full disk), can be written again: the caller runs
// it again, and the new run opens the store for writing and imports its journal.
constexpr int kRunDaemonAgain = -1;

// Returns the process exit status: 0 after a clean shutdown, 1 when the hub could not
// start (the store or the HTTP address unusable); or kRunDaemonAgain.
int run_daemon(const Config& config, DaemonOptions options = {});

// Blocks SIGHUP in the calling thread (hold) or unblocks it: a reload asked for while no
// handler listens (the start, the teardown, between two runs) waits instead of killing the
// process with SIGHUP's default action. main() holds it before any thread starts, so that
// every thread inherits the mask; run_daemon() lets it through once its handler listens.
void hold_hangups(bool hold);

}  // namespace larder
