#include "burst.h"

#include <chrono>
#include <cstdio>

namespace larder::bench {

std::string consumable_id(int i) { return "b" + std::to_string(i); }

std::string level_topic(int i) { return "larder/v1/consumable/" + consumable_id(i) + "/level"; }

std::string level_payload(double value, double ts) {
  char buf[96];
  if (ts > 0) {
    std::snprintf(buf, sizeof buf, R"({"value":%.1f,"unit":"g","ts":%.3f})", value, ts);
  } else {
    std::snprintf(buf, sizeof buf, R"({"value":%.1f,"unit":"g"})", value);
  }
  return buf;
}

double epoch_now() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::vector<Outgoing> level_burst(int consumables, int count, double start_ts) {
  std::vector<Outgoing> out;
  out.reserve(static_cast<std::size_t>(count));
  std::vector<std::string> topics;
  topics.reserve(static_cast<std::size_t>(consumables));
  for (int c = 0; c < consumables; ++c) topics.push_back(level_topic(c));
  for (int i = 0; i < count; ++i) {
    int c = i % consumables;
    int k = i / consumables;
    double value = 1000 - 0.5 * (k % 1800);
    out.push_back({topics[static_cast<std::size_t>(c)], level_payload(value, start_ts + 60.0 * k)});
  }
  return out;
}

}  // namespace larder::bench
