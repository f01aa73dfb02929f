// SandboxProcess: the built larder-sandbox (tools/larder-sandbox, docs/sandbox.md) as a
// child process, for the tests of the sandbox and of the hub's retailer adapter.
//
// start() runs it with `--listen 127.0.0.1:0 --api-key <kApiKey>` and the given extra
// arguments, and reads the port it chose from its stdout ("listening on
// 127.0.0.1:<port>"). Its log (stderr) goes to log(). request() talks HTTP to it with
// the key (and Content-Type: application/json when there is a body).
// Thread rule: use from the test's thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "support/larderd.h"
#include "support/process.h"
#include "support/tempdir.h"

namespace larder::test {

class SandboxProcess {
 public:
  static constexpr const char* kApiKey = "sandbox-test-key-0123456789";

  // Does not start it; see start().
  explicit SandboxProcess(std::vector<std::string> extra_args = {});

  // Starts larder-sandbox and waits up to `timeout` for its port; throws with the log on
  // failure. Returns the time from spawn to the port.
  std::chrono::milliseconds start(std::chrono::milliseconds timeout = std::chrono::seconds(10));
  ExitStatus terminate(std::chrono::milliseconds grace = std::chrono::seconds(5));
  ExitStatus kill();
  bool running() { return child_.running(); }
  ChildProcess& child() { return child_; }

  std::uint16_t port() const { return port_; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  std::string log() const;
  const TempDir& dir() const { return dir_; }

  // One request with `Authorization: Bearer <kApiKey>` (see http_request()).
  HttpAnswer request(const std::string& method, const std::string& path,
                     const std::string& body = {}, std::vector<std::string> headers = {}) const;
  // GET /sandbox/orders, parsed; throws unless 200.
  nlohmann::json orders() const;
  // POST /sandbox/faults with `faults`; throws unless 200.
  void add_faults(const nlohmann::json& faults) const;
  // POST /sandbox/advance; throws unless 200.
  void advance(double seconds) const;

 private:
  TempDir dir_;
  std::vector<std::string> extra_;
  std::uint16_t port_ = 0;
  ChildProcess child_;
};

}  // namespace larder::test
