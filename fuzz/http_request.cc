// Fuzz target: HTTP requests as the server reads them, then the API's router.
// The bytes are one request on the wire, parsed by Beast's request parser with the server's
// limits (daemon/adapters/http/http_server.h); a complete request becomes an HttpRequest
// as the server builds it (lower-case header names, repeated headers joined, the target
// split and decoded by parse_target) and is answered by a Router with the system,
// consumable, vacation and dashboard routes (access checks with tokens, cookies and CSRF,
// JSON bodies, path parameters, query values). Every answer must be a valid HTTP status.
// Input: raw HTTP/1.x request bytes. Seeds: fuzz/corpus/http_request/.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>

#include "api/access.h"
#include "api/consumable_routes.h"
#include "api/dashboard_routes.h"
#include "api/http_types.h"
#include "api/router.h"
#include "api/vacation_routes.h"
#include "app/consumable_view.h"
#include "app/event_log.h"
#include "core/hub.h"
#include "fuzz_support.h"
#include "larder/clock.h"
#include "larder/metrics.h"

namespace {

namespace bhttp = boost::beast::http;
using namespace larder;

class NullBus final : public Bus {
 public:
  void publish(const std::string&, std::string, bool, int) override {}
};

// What the routes need besides the Router and Access, built once.
struct World {
  ManualClock clock{1764460800};
  Metrics metrics;
  NullStore store;
  NullBus bus;
  Hub hub{fuzz::config(), bus, store, clock, metrics};
  EventLog events{bus, fuzz::config().mqtt.root()};
  ConsumableView view{fuzz::config(), hub, store, clock};
};

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static World world;
  bhttp::request_parser<bhttp::string_body> parser;
  parser.body_limit(std::size_t{64} * 1024);  // HttpServerOptions' defaults
  parser.header_limit(8 * 1024);
  boost::beast::error_code ec;
  parser.put(boost::asio::buffer(data, size), ec);
  if (!ec && !parser.is_done()) parser.put_eof(ec);
  if (ec || !parser.is_done()) return 0;  // the server answers 400/413/431 or waits

  const auto& req = parser.get();
  HttpRequest r;
  r.method = std::string(req.method_string());
  r.target = std::string(req.target());
  for (const auto& field : req) {
    std::string name = lower(std::string_view(field.name_string().data(),
                                              field.name_string().size()));
    std::string value(field.value());
    auto [it, fresh] = r.headers.emplace(name, value);
    if (!fresh) it->second += (name == "cookie" ? "; " : ", ") + value;
  }
  r.body = req.body();
  r.remote = "127.0.0.1";
  if (!parse_target(r.target, r)) return 0;  // 400 bad_target

  Access access(fuzz::config().http, world.clock, world.metrics);
  Router router(access);
  if (!add_system_routes(router, world.metrics, access) ||
      !add_consumable_routes(router, world.view, world.events) ||
      !add_vacation_routes(router, world.hub) ||
      !add_dashboard_routes(router, LARDER_SOURCE_DIR "/web")) {
    __builtin_trap();
  }
  // Twice: a session signed in by the first answer is used by the second.
  for (int i = 0; i < 2; ++i) {
    HttpResponse answer = router.handle(r);
    if (answer.status < 100 || answer.status > 599) __builtin_trap();
  }
  return 0;
}
