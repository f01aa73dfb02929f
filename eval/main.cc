// larder-eval: judges the consumption model and reorder policy on the seeded scenarios
// of the forecast protocol, beside the baselines (docs/evaluation.md).
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <string>

#include "eval/experiment.h"
#include "eval/report.h"
#include "larder/log.h"

namespace {

const char* kUsage =
    "usage: larder-eval [--seeds N] [--first-seed S] [--days D] [--item NAME]...\n"
    "                   [--subject NAME]... [--json FILE] [--threads N]\n"
    "  --seeds N        seeds per item (default 10)\n"
    "  --first-seed S   the first seed (default 1): seeds S .. S+N-1\n"
    "  --days D         days per scenario (default 400)\n"
    "  --item NAME      coffee, water_filter, pods, detergent (repeatable; default all)\n"
    "  --subject NAME   larder, oracle, fixed, global, naive, lsq, peritem (repeatable;\n"
    "                   default all but oracle, which runs only when named)\n"
    "  --json FILE      write every metric as JSON to FILE\n"
    "  --threads N      seeds run on N threads (default 2)\n";

bool number(const char* s, double& out) {
  char* end = nullptr;
  out = std::strtod(s, &end);
  return end && end != s && *end == '\0';
}

}  // namespace

int main(int argc, char** argv) {
  using namespace larder::eval;
  EvalOptions o;
  std::string json_file;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--help" || a == "-h") {
      std::cout << kUsage;
      return 0;
    }
    if (i + 1 >= argc) {
      std::cerr << "larder-eval: " << a << " needs a value (or is unknown)\n" << kUsage;
      return 2;
    }
    const char* v = argv[++i];
    double x = 0;
    bool is_num = number(v, x);
    auto whole = [&](double lo) { return is_num && x >= lo && x == static_cast<double>(static_cast<long long>(x)); };
    if (a == "--seeds" && whole(1)) {
      o.seeds = static_cast<int>(x);
    } else if (a == "--first-seed" && whole(0)) {
      o.first_seed = static_cast<std::uint64_t>(x);
    } else if (a == "--days" && is_num) {
      o.days = x;
    } else if (a == "--threads" && whole(1)) {
      o.threads = static_cast<int>(x);
    } else if (a == "--item") {
      o.items.push_back(v);
    } else if (a == "--subject") {
      o.subjects.push_back(v);
    } else if (a == "--json") {
      json_file = v;
    } else {
      std::cerr << "larder-eval: bad option or value: " << a << " " << v << "\n" << kUsage;
      return 2;
    }
  }
  if (auto err = validate(o)) {
    std::cerr << "larder-eval: " << *err << "\n";
    return 2;
  }
  std::ofstream f;
  if (!json_file.empty()) {  // before the run: a bad path fails at once
    f.open(json_file);
    if (!f) {
      std::cerr << "larder-eval: cannot write " << json_file << "\n";
      return 1;
    }
  }
  larder::set_log_level(larder::LogLevel::error);  // the hub's bad-input warnings are expected
  EvalResult r = evaluate(o);
  std::cout << render_table(r);
  if (!json_file.empty()) {
    f << to_json(r).dump(2) << "\n";
    f.close();
    if (!f) {
      std::cerr << "larder-eval: cannot write " << json_file << "\n";
      return 1;
    }
  }
  return 0;
}
