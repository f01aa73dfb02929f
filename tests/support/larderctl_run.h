// Runs the built larderctl (LARDERCTL_PATH) as a child process and captures what it said:
// for the tests of the command line (larderctl_*_test.cc, trunk_delivery_test.cc).
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "support/process.h"
#include "support/tempdir.h"

namespace larder::test {

struct CtlRun {
  ExitStatus status;
  std::string out, err;
};

inline CtlRun larderctl(const std::vector<std::string>& args) {
  TempDir dir("larderctl-run-");
  ChildOptions o;
  o.argv = {LARDERCTL_PATH};
  o.argv.insert(o.argv.end(), args.begin(), args.end());
  o.stdout_path = dir.file("out");
  o.stderr_path = dir.file("err");
  ChildProcess p(o);
  auto status = p.wait(std::chrono::seconds(60));  // a bound for a hung child, not a timing
  if (!status) status = p.kill();
  return {*status, read_file(o.stdout_path), read_file(o.stderr_path)};
}

}  // namespace larder::test
