// Replay speed: one consumable-year of 5-minute readings through `larderctl replay`'s core.
// Prints figures; asserts nothing (docs/replay.md: "well under one second").
//   build/bench_replay [--days N]
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <sstream>
#include <string>

#include "larder/config.h"
#include "replay/replay.h"

int main(int argc, char** argv) {
  int days = 365;
  if (argc == 3 && std::string(argv[1]) == "--days") days = std::atoi(argv[2]);
  if (days <= 0) {
    std::fprintf(stderr, "usage: bench_replay [--days N]\n");
    return 2;
  }
  larder::ConfigLoad load = larder::parse_config(R"(mqtt:
  url: tcp://127.0.0.1:1883
state_dir: /tmp/unused
http:
  admin_token: bench-admin-token-0123
consumables:
  coffee:
    unit: g
    capacity: 1000
    tare: 350
    pack: {sku: C-500, size: 500}
)",
                                                 "bench.yaml");
  if (!load.config) return 1;

  // A jar that loses 24 g a day in scoops and is refilled when it runs low, read by a
  // scale every 5 minutes, with a forecast query every 4 hours.
  std::string input;
  double t0 = 1764460800, level = 500;
  unsigned seed = 12345;
  auto noise = [&] {
    seed = seed * 1103515245u + 12345u;
    return ((seed >> 16) % 2001) / 1000.0 - 1.0;
  };
  std::size_t readings = 0;
  for (int i = 0; i < days * 288; ++i) {
    double ts = t0 + i * 300.0;
    if (i % 36 == 0) level -= 3;  // a scoop every 3 hours
    if (level < 40) level += 500;
    char line[200];
    std::snprintf(line, sizeof line,
                  "{\"ts\":%.0f,\"topic\":\"larder/v1/consumable/coffee/level\",\"payload\":"
                  "{\"value\":%.1f,\"unit\":\"g\",\"gross\":true}}\n",
                  ts, level + 350 + noise());
    input += line;
    ++readings;
    if (i % 48 == 0) {
      std::snprintf(line, sizeof line, "{\"ts\":%.0f,\"query\":\"coffee\"}\n", ts);
      input += line;
    }
  }
  std::istringstream in(input);
  std::ostringstream out, err;
  auto start = std::chrono::steady_clock::now();
  auto r = larder::replay(*load.config, in, out, err);
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("| what | figure |\n|---|---|\n");
  std::printf("| days replayed | %d |\n| readings | %zu |\n| queries | %zu |\n", days, readings,
              r.queries);
  std::printf("| replay time | %.3f s |\n| readings per second | %.0f |\n", secs,
              readings / secs);
  std::printf("| malformed lines | %zu |\n", r.bad_lines);
  return r.bad_lines == 0 ? 0 : 1;
}
