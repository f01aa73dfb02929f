// Counters and gauges of the whole hub, rendered in the Prometheus text format.
//
// A metric is a name, optional labels and a value. Counters only grow. The registry is
// owned by the daemon and passed by reference to every module that counts.
// Thread rule: event-loop thread only (no atomics needed).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace larder {

using Labels = std::vector<std::pair<std::string, std::string>>;

class Metrics {
 public:
  // Declares a metric's help text and type ("counter" or "gauge"); optional.
  void describe(const std::string& name, const std::string& type, const std::string& help);
  void inc(const std::string& name, const Labels& labels = {}, double by = 1);
  void set(const std::string& name, const Labels& labels, double value);
  double get(const std::string& name, const Labels& labels = {}) const;
  std::string render() const;  // Prometheus text exposition format 0.0.4

 private:
  struct Family {
    std::string type = "counter";
    std::string help;
    std::map<Labels, double> values;
  };
  std::map<std::string, Family> families_;
};

}  // namespace larder
