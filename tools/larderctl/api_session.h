// What the larderctl commands that talk to the running larderd share (deliveries, revoke,
// status, consumables, orders): the configuration and the API target with its token, one
// request with its failure mapped to an exit status and said on stderr, and defensive
// readers of the JSON answers.
//
// Exit statuses (cli.h): a transport failure is kExitUnreachable, an HTTP error answer
// (4xx, 5xx) kExitRefused with larderd's message, bad arguments or configuration kExitUsage.
// Thread rule: plain functions; larderctl has one thread.
#pragma once

#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "api_client.h"
#include "cli.h"

namespace larderctl {

// A configuration that loaded, and where and how to reach its daemon.
struct Session {
  larder::Config config;
  ApiTarget target;
};

// Reads --config and --ca. The token: the admin token; with !admin the read token does
// when there is no admin token. nullopt (after saying why on stderr) when they do not do;
// the caller exits with kExitUsage.
std::optional<Session> open_session(const std::string& command, const Options& o,
                                    const char* usage, bool admin);

// One request's outcome: the answer (2xx), or the exit status after saying on stderr why
// there is none ("larderctl COMMAND: <transport failure>" → kExitUnreachable,
// "larderctl COMMAND: <larderd's message>" → kExitRefused).
struct Call {
  int exit = kExitOk;
  ApiReply reply;
  bool ok() const { return exit == kExitOk; }
};
Call call_get(const std::string& command, ApiClient& client, const std::string& path);
Call call_post(const std::string& command, ApiClient& client, const std::string& path,
               const nlohmann::json& body);
Call call_put(const std::string& command, ApiClient& client, const std::string& path,
              const nlohmann::json& body);
Call call_delete(const std::string& command, ApiClient& client, const std::string& path);

// Says on stderr that larderd's answer is not `what` (e.g. "a list of orders"); returns
// kExitRefused.
int unexpected_answer(const std::string& command, const std::string& what);

// The answer for --json: indented by two, one newline at the end.
void print_json(const nlohmann::json& j);

// j[key], or null when j is not an object or lacks it (answers are read defensively).
nlohmann::json field(const nlohmann::json& j, const char* key);
// A string as it is, another value as JSON, "-" for null or missing.
std::string text_of(const nlohmann::json& j, const char* key);
// A finite number, or nothing.
std::optional<double> number_of(const nlohmann::json& j, const char* key);

}  // namespace larderctl
