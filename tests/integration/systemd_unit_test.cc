// systemd/larderd.service checked by systemd's own tools: `systemd-analyze verify` on a copy
// whose ExecStart names a binary that exists (the built larderd) and a temporary config,
// plus the hardening exposure score (`systemd-analyze security --offline`).
#include <doctest/doctest.h>
#include <unistd.h>

#include <chrono>
#include <sstream>
#include <string>
#include <vector>

#include "support/process.h"
#include "support/tempdir.h"

using larder::test::ChildOptions;
using larder::test::ChildProcess;
using larder::test::TempDir;

namespace {

const std::string kExecStart = "ExecStart=/usr/bin/larderd --config /etc/larder/larder.yaml";

std::string unit_text() {
  return larder::test::read_file(std::string(LARDER_SOURCE_DIR) + "/systemd/larderd.service");
}

bool have_systemd_analyze() {
  for (const char* dir : {"/usr/bin", "/bin", "/usr/local/bin"}) {
    if (::access((std::string(dir) + "/systemd-analyze").c_str(), X_OK) == 0) return true;
  }
  return false;
}

struct Run {
  larder::test::ExitStatus status;
  std::string out;
  std::string err;
};

Run run(const TempDir& t, std::vector<std::string> argv) {
  ChildOptions o;
  o.argv = std::move(argv);
  o.stdout_path = t.file("out.txt");
  o.stderr_path = t.file("err.txt");
  ChildProcess p(o);
  auto st = p.wait(std::chrono::seconds(60));
  REQUIRE(st.has_value());
  return {*st, larder::test::read_file(o.stdout_path), larder::test::read_file(o.stderr_path)};
}

// Writes a copy of the unit with ExecStart=<binary> --config <temp config>; returns its path.
std::string unit_copy(const TempDir& t, const std::string& binary) {
  std::string unit = unit_text();
  const auto at = unit.find(kExecStart);
  REQUIRE(at != std::string::npos);
  const std::string config = t.write("larder.yaml", "state_dir: " + t.file("state") + "\n");
  unit.replace(at, kExecStart.size(), "ExecStart=" + binary + " --config " + config);
  return t.write("larderd.service", unit);
}

// Lines of `text` that mention the unit.
std::string lines_about_unit(const std::string& text) {
  std::istringstream in(text);
  std::string line, out;
  while (std::getline(in, line)) {
    if (line.find("larderd.service") != std::string::npos) out += line + "\n";
  }
  return out;
}

void verify_clean(const std::string& binary) {
  if (!have_systemd_analyze()) {
    MESSAGE("systemd-analyze is not installed: the unit is not verified");
    WARN(have_systemd_analyze());
    return;
  }
  TempDir t("larder-unit-");
  const std::string copy = unit_copy(t, binary);
  Run r = run(t, {"systemd-analyze", "verify", copy});
  INFO("stderr: " << r.err);
  CHECK(r.status.success());
  CHECK(lines_about_unit(r.err).empty());
}

}  // namespace

TEST_CASE("systemd unit: has the settings the daemon relies on") {
  const std::string unit = unit_text();
  REQUIRE_FALSE(unit.empty());
  for (const char* line :
       {"Type=notify\n", "NotifyAccess=main\n", "WatchdogSec=30\n", "Restart=on-failure\n",
        "DynamicUser=yes\n", "StateDirectory=larder\n", "ConfigurationDirectory=larder\n",
        "RuntimeDirectory=larder\n", "RuntimeDirectoryPreserve=yes\n",
        "ProtectSystem=strict\n", "CapabilityBoundingSet=\n", "UMask=0027\n",
        "NoNewPrivileges=yes\n", "MemoryDenyWriteExecute=yes\n",
        "RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6\n",
        "SystemCallFilter=@system-service\n", "SystemCallFilter=~@privileged @resources\n",
        "SystemCallArchitectures=native\n", "ExecReload=/bin/kill -HUP $MAINPID\n"}) {
    CAPTURE(line);
    CHECK(unit.find(std::string("\n") + line) != std::string::npos);
  }
  CHECK(unit.find(kExecStart + "\n") != std::string::npos);
}

TEST_CASE("systemd unit: systemd-analyze verify accepts it (ExecStart=/bin/true)") {
  verify_clean("/bin/true");
}

TEST_CASE("systemd unit: systemd-analyze verify accepts it with the built larderd") {
  REQUIRE(::access(LARDERD_PATH, X_OK) == 0);
  verify_clean(LARDERD_PATH);
}

TEST_CASE("systemd unit: the check catches a broken unit") {
  if (!have_systemd_analyze()) {
    MESSAGE("systemd-analyze is not installed");
    WARN(have_systemd_analyze());
    return;
  }
  TempDir t("larder-unit-");
  const std::string copy = unit_copy(t, t.file("no-such-larderd"));
  Run r = run(t, {"systemd-analyze", "verify", copy});
  CHECK_FALSE(r.status.success());
  CHECK_FALSE(lines_about_unit(r.err).empty());
}

TEST_CASE("systemd unit: hardening exposure stays low") {
  if (!have_systemd_analyze()) {
    MESSAGE("systemd-analyze is not installed");
    WARN(have_systemd_analyze());
    return;
  }
  TempDir t("larder-unit-");
  const std::string copy = unit_copy(t, "/bin/true");
  // --threshold is on systemd's 0-100 scale: 20 is an exposure of 2.0 ("OK").
  Run r = run(t, {"systemd-analyze", "security", "--offline=true", "--threshold=20", copy});
  INFO("stdout: " << r.out << "\nstderr: " << r.err);
  CHECK(r.status.success());
  CHECK(r.out.find("Overall exposure level for larderd.service") != std::string::npos);
}
