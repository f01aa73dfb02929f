#include "support/sandbox.h"

#include <stdexcept>
#include <thread>

namespace larder::test {

SandboxProcess::SandboxProcess(std::vector<std::string> extra_args)
    : dir_("larder-sandbox-test-"), extra_(std::move(extra_args)) {}

std::chrono::milliseconds SandboxProcess::start(std::chrono::milliseconds timeout) {
  auto spawned = std::chrono::steady_clock::now();
  ChildOptions opts;
  opts.argv = {LARDER_SANDBOX_PATH, "--listen", "127.0.0.1:0", "--api-key", kApiKey};
  opts.argv.insert(opts.argv.end(), extra_.begin(), extra_.end());
  opts.stdout_path = dir_.file("stdout");
  opts.stderr_path = dir_.file("sandbox.log");
  child_ = ChildProcess(opts);
  const std::string prefix = "listening on 127.0.0.1:";
  auto deadline = spawned + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    std::string out = read_file(dir_.file("stdout"));
    std::size_t at = out.find(prefix);
    std::size_t end = at == std::string::npos ? at : out.find('\n', at);
    if (end != std::string::npos) {
      port_ = static_cast<std::uint16_t>(
          std::stoi(out.substr(at + prefix.size(), end - at - prefix.size())));
      return std::chrono::duration_cast<std::chrono::milliseconds>(
          std::chrono::steady_clock::now() - spawned);
    }
    if (!child_.running()) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  throw std::runtime_error("larder-sandbox did not report its port; its log:\n" + log());
}

ExitStatus SandboxProcess::terminate(std::chrono::milliseconds grace) {
  return child_.terminate(grace);
}

ExitStatus SandboxProcess::kill() { return child_.kill(); }

std::string SandboxProcess::log() const { return read_file(dir_.file("sandbox.log")); }

HttpAnswer SandboxProcess::request(const std::string& method, const std::string& path,
                                   const std::string& body,
                                   std::vector<std::string> headers) const {
  headers.push_back(std::string("Authorization: Bearer ") + kApiKey);
  if (!body.empty()) headers.emplace_back("Content-Type: application/json");
  return http_request(port_, method, path, headers, body);
}

nlohmann::json SandboxProcess::orders() const {
  HttpAnswer a = request("GET", "/sandbox/orders");
  if (a.status != 200)
    throw std::runtime_error("GET /sandbox/orders: " + std::to_string(a.status) + " " + a.body);
  return nlohmann::json::parse(a.body);
}

void SandboxProcess::add_faults(const nlohmann::json& faults) const {
  HttpAnswer a = request("POST", "/sandbox/faults", faults.dump());
  if (a.status != 200)
    throw std::runtime_error("POST /sandbox/faults: " + std::to_string(a.status) + " " + a.body);
}

void SandboxProcess::advance(double seconds) const {
  HttpAnswer a = request("POST", "/sandbox/advance", nlohmann::json{{"seconds", seconds}}.dump());
  if (a.status != 200)
    throw std::runtime_error("POST /sandbox/advance: " + std::to_string(a.status) + " " + a.body);
}

}  // namespace larder::test
