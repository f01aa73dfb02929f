#include "larder/metrics.h"

#include <cmath>
#include <cstdio>

namespace larder {

void Metrics::describe(const std::string& name, const std::string& type, const std::string& help) {
  auto& f = families_[name];
  f.type = type;
  f.help = help;
}

void Metrics::inc(const std::string& name, const Labels& labels, double by) {
  families_[name].values[labels] += by;
}

void Metrics::set(const std::string& name, const Labels& labels, double value) {
  families_[name].values[labels] = value;
}

double Metrics::get(const std::string& name, const Labels& labels) const {
  auto f = families_.find(name);
  if (f == families_.end()) return 0;
  auto v = f->second.values.find(labels);
  return v == f->second.values.end() ? 0 : v->second;
}

namespace {
std::string escape_label(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '\\' || c == '"') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out;
}

std::string format_value(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  char buf[64];
  if (v == std::floor(v) && std::fabs(v) < 1e15) {
    std::snprintf(buf, sizeof buf, "%.0f", v);
  } else {
    std::snprintf(buf, sizeof buf, "%.17g", v);
  }
  return buf;
}
}  // namespace

std::string Metrics::render() const {
  std::string out;
  for (const auto& [name, f] : families_) {
    if (!f.help.empty()) out += "# HELP " + name + " " + f.help + "\n";
    out += "# TYPE " + name + " " + f.type + "\n";
    if (f.values.empty()) {
      out += name + " 0\n";
      continue;
    }
    for (const auto& [labels, v] : f.values) {
      out += name;
      if (!labels.empty()) {
        out += "{";
        for (std::size_t i = 0; i < labels.size(); ++i) {
          if (i) out += ",";
          out += labels[i].first + "=\"" + escape_label(labels[i].second) + "\"";
        }
        out += "}";
      }
      out += " " + format_value(v) + "\n";
    }
  }
  return out;
}

}  // namespace larder
