// larderctl orders, status and consumables end to end: a real mosquitto, the real larderd
// (with the real larder-sandbox as its retailer where orders are placed) and the built
// larderctl, each a child process. What the commands print, what they change at the
// daemon and the retailer, their refusals and their exit statuses.
#include <doctest/doctest.h>

#include <chrono>
#include <ctime>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "support/larderctl_run.h"
#include "support/larderd.h"
#include "support/mosquitto.h"
#include "support/order_world.h"
#include "support/process.h"
#include "support/sandbox.h"
#include "support/tempdir.h"
#include "support/test_client.h"

using namespace larder;
using namespace larder::test;
using nlohmann::json;
using namespace std::chrono_literals;

namespace {

bool has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// The command's stdout parsed; fails the test when it is not JSON.
json json_of(const CtlRun& r) {
  json j = json::parse(r.out, nullptr, /*allow_exceptions=*/false);
  REQUIRE_MESSAGE(!j.is_discarded(), r.out);
  return j;
}

// The orders larderd knows, through larderctl itself.
json orders_of(const std::string& config) {
  auto r = larderctl({"orders", "list", "--json", "--config", config});
  REQUIRE_MESSAGE(r.status.code == 0, r.err);
  json j = json_of(r);
  REQUIRE(j.is_array());
  return j;
}

// The line of the table that names `id`.
std::string line_of(const std::string& table, const std::string& id) {
  for (std::size_t at = 0; at < table.size();) {
    std::size_t end = table.find('\n', at);
    if (end == std::string::npos) end = table.size();
    std::string line = table.substr(at, end - at);
    if (line.rfind(id + " ", 0) == 0) return line;
    at = end + 1;
  }
  return {};
}

}  // namespace

TEST_CASE("larderctl orders places, lists, cancels and confirms at the running larderd") {
  // Orders from larderctl wait 300 s for their undo: they stay held until confirmed.
  World world("{sensor: 300, button: 0, api: 300, cli: 300}");
  auto& [broker, daemon, sandbox, w] = world;
  const std::string config = daemon.config_path();

  auto none = larderctl({"orders", "list", "--config", config});
  INFO(none.out, none.err, daemon.log());
  CHECK(none.status.code == 0);
  CHECK(none.out == "no orders\n");

  // place → held; list shows it.
  auto placed = larderctl({"orders", "place", "coffee", "--quantity", "2", "--config", config});
  CHECK(placed.status.code == 0);
  CHECK(placed.err.empty());
  json list = orders_of(config);
  REQUIRE(list.size() == 1);
  const std::string id = list[0]["order_id"];
  CHECK(list[0]["quantity"] == 2);
  CHECK(list[0]["source"] == "cli");
  CHECK(placed.out == "placed order " + id + " (2 x coffee): held\n");
  auto table = larderctl({"orders", "list", "--config", config});
  CHECK(table.status.code == 0);
  CHECK(table.out.rfind("ORDER", 0) == 0);
  CHECK(has(table.out, "HOLD REASON"));
  const std::string row = line_of(table.out, id);
  CHECK(has(row, "coffee"));
  CHECK(has(row, " 2 "));
  CHECK(has(row, "held"));

  // A second place: the order in flight, nothing new.
  auto again = larderctl({"orders", "place", "coffee", "--config", config, "--json"});
  CHECK(again.status.code == 0);
  json again_json = json_of(again);
  CHECK(again_json["existing"] == true);
  CHECK(again_json["order_id"] == id);
  auto again_text = larderctl({"orders", "place", "coffee", "--config", config});
  CHECK(again_text.status.code == 0);
  CHECK(has(again_text.out, "an order for coffee is already in flight, nothing new was ordered: "
                            "order " + id));
  CHECK(orders_of(config).size() == 1);

  // status counts it as in flight.
  auto status = larderctl({"status", "--config", config});
  CHECK(status.status.code == 0);
  CHECK(has(status.out, "larderd at http://127.0.0.1:" + std::to_string(daemon.http_port()) +
                            ": up\n"));
  CHECK(has(status.out, "orders in flight: 1 (held 1)\n"));

  // cancel → cancelled, in the list too; the retailer never heard of it.
  auto cancelled = larderctl({"orders", "cancel", id, "--config", config});
  CHECK(cancelled.status.code == 0);
  CHECK(cancelled.out.rfind("cancelled: order " + id + " (2 x coffee): cancelled", 0) == 0);
  auto after = larderctl({"orders", "list", "--config", config});
  CHECK(has(line_of(after.out, id), "cancelled"));
  auto only = larderctl({"orders", "list", "--status", "cancelled", "--json", "--config", config});
  CHECK(only.status.code == 0);
  json only_json = json_of(only);
  REQUIRE(only_json.size() == 1);
  CHECK(only_json[0]["status"] == "cancelled");
  CHECK(json_of(larderctl({"orders", "list", "--status", "held", "--json", "--config", config}))
            .empty());
  CHECK(larderctl({"orders", "list", "--status", "held", "--config", config}).out ==
        "no orders with status held\n");
  CHECK(sandbox_orders(sandbox) == 0);

  // confirm of a held order: it goes on to the retailer at once.
  auto pods = larderctl({"orders", "place", "pods", "--config", config, "--json"});
  REQUIRE(pods.status.code == 0);
  json pods_json = json_of(pods);
  CHECK(pods_json["status"] == "held");
  const std::string pods_id = pods_json["order_id"];
  auto confirmed = larderctl({"orders", "confirm", pods_id, "--config", config});
  CHECK(confirmed.status.code == 0);
  CHECK(confirmed.out.rfind("confirmed: order " + pods_id + " (1 x pods): ", 0) == 0);
  CHECK_FALSE(has(confirmed.out, ": held"));
  CHECK(wait_until([&] { return sandbox_orders(sandbox) == 1; }, 10s));
  CHECK(wait_until([&] {
    for (const json& o : orders_of(config)) {
      if (o["order_id"] == pods_id) return o["status"] == "placed";
    }
    return false;
  }, 10s));
  auto placed_row = line_of(larderctl({"orders", "list", "--config", config}).out, pods_id);
  CHECK(has(placed_row, "placed"));
  CHECK(has(placed_row, "doorstep"));

  // Refusals are larderd's, with its message: exit 1.
  auto unknown = larderctl({"orders", "cancel", "no-such-order", "--config", config});
  CHECK(unknown.status.code == 1);
  CHECK(unknown.out.empty());
  CHECK(has(unknown.err, "larderctl orders cancel: no order no-such-order (HTTP 404 not_found)"));
  auto too_late = larderctl({"orders", "confirm", id, "--config", config});
  CHECK(too_late.status.code == 1);
  CHECK(has(too_late.err, "the order was cancelled (HTTP 409 conflict)"));
  auto no_tea = larderctl({"orders", "place", "tea", "--config", config});
  CHECK(no_tea.status.code == 1);
  CHECK(has(no_tea.err, "no consumable 'tea' is configured; known: coffee, pods"));
  CHECK(orders_of(config).size() == 2);
  CHECK(daemon.terminate().success());

  // And once it is gone: exit 3.
  auto gone = larderctl({"orders", "list", "--config", config});
  CHECK(gone.status.code == 3);
  CHECK(has(gone.err, "is larderd running?"));
}

TEST_CASE("larderctl orders refuses bad arguments with the usage line, exit 2, nothing sent") {
  World world("{sensor: 300, button: 0, api: 300, cli: 300}");
  auto& [broker, daemon, sandbox, w] = world;
  const std::string config = daemon.config_path();

  struct Case {
    std::vector<std::string> args;
    std::string says;
  };
  const std::vector<Case> cases = {
      {{"place", "coffee", "--quantity", "0"}, "--quantity must be a whole number of packs"},
      {{"place", "coffee", "--quantity", "-1"}, "not '-1'"},
      {{"place", "coffee", "--quantity", "1.5"}, "not '1.5'"},
      {{"place", "coffee", "--quantity", "two"}, "not 'two'"},
      {{"place", "coffee", "--quantity", "100"}, "from 1 to 99"},
      {{"place", "coffee", "--quantity"}, "--quantity needs a value"},
      {{"place"}, "CONSUMABLE is required"},
      {{"place", "Bad/Id"}, "'Bad/Id' is not a consumable id"},
      {{"place", "coffee", "pods"}, "unexpected argument 'pods'"},
      {{"cancel"}, "ORDER_ID is required"},
      {{"confirm"}, "ORDER_ID is required"},
      {{"cancel", "../x"}, "'../x' is not an order id"},
      {{"cancel", "x", "--quantity", "2"}, "unknown option '--quantity'"},
      {{"list", "--status", "lost"}, "no order status 'lost' (held, awaiting_confirmation"},
      {{"list", "extra"}, "unexpected argument 'extra'"},
      // A value left out: the next option is not taken for it.
      {{"list", "--status", "--quantity", "2"}, "--status needs a value"},
      {{"frobnicate"}, "unknown subcommand 'frobnicate'"},
      {{}, "a subcommand is required"},
  };
  for (const auto& c : cases) {
    // orders [SUBCOMMAND] --config FILE [the rest]: a last "--quantity" stays last.
    std::vector<std::string> args = {"orders"};
    if (!c.args.empty()) args.push_back(c.args[0]);
    args.insert(args.end(), {"--config", config});
    if (c.args.size() > 1) args.insert(args.end(), c.args.begin() + 1, c.args.end());
    auto r = larderctl(args);
    INFO(c.says, ": ", r.err);
    CHECK(r.status.code == 2);
    CHECK(r.out.empty());
    CHECK(has(r.err, c.says));
    CHECK(has(r.err, "usage: larderctl orders"));
  }
  // Nothing reached larderd nor the retailer.
  CHECK(orders_of(config).empty());
  CHECK(sandbox_orders(sandbox) == 0);
  CHECK(daemon.terminate().success());

  // Arguments are checked before anything is sent: still 2, not 3, with larderd gone.
  auto r = larderctl({"orders", "place", "coffee", "--quantity", "0", "--config", config});
  CHECK(r.status.code == 2);
}

TEST_CASE("larderctl consumables and status show the running larderd, exit 3 once it stopped") {
  MosquittoBroker broker;
  LarderdProcess daemon(broker.url());  // no retailer: a low consumable stays low
  daemon.start();
  wait_subscribed(daemon);
  const std::string config = daemon.config_path();
  TestClient w(broker.url());
  w.connect();
  w.subscribe("larder/v1/consumable/+/state");
  publish_low_coffee(w);
  REQUIRE_MESSAGE(w.wait_for("larder/v1/consumable/coffee/state", 60s, [](const Received& r) {
    const json s = json::parse(r.payload);
    return (s["status"] == "low" || s["status"] == "empty") && s["days_left"].is_number();
  }), daemon.log());

  auto table = larderctl({"consumables", "--config", config});
  INFO(table.out, table.err, daemon.log());
  CHECK(table.status.code == 0);
  CHECK(table.out.rfind("ID", 0) == 0);
  CHECK(has(table.out, "EMPTY (UTC)"));
  CHECK(has(table.out, "90% INTERVAL"));
  const std::string coffee = line_of(table.out, "coffee");
  CHECK(has(coffee, " g "));       // the level with its unit
  CHECK(has(coffee, " .. "));      // the empty time's interval
  CHECK(has(line_of(table.out, "pods"), "unknown"));

  auto list = larderctl({"consumables", "--json", "--config", config});
  CHECK(list.status.code == 0);
  json list_json = json_of(list);
  REQUIRE(list_json.size() == 2);
  CHECK(list_json[0]["id"] == "coffee");
  CHECK(list_json[1]["id"] == "pods");

  auto detail = larderctl({"consumables", "coffee", "--config", config});
  CHECK(detail.status.code == 0);
  CHECK(has(detail.out, "name           Coffee beans\n"));
  CHECK(has(detail.out, "rate per day   "));
  CHECK(has(detail.out, "reorder point  "));
  CHECK(has(detail.out, "forecast end   "));
  CHECK(has(detail.out, "time zone      UTC\n"));
  auto detail_json = json_of(larderctl({"consumables", "coffee", "--json", "--config", config}));
  CHECK(detail_json["rate_per_day"].get<double>() == doctest::Approx(150).epsilon(0.1));
  REQUIRE(detail_json["history"].is_array());
  CHECK(!detail_json["history"].empty());
  CHECK(has(detail.out, "history        " + std::to_string(detail_json["history"].size()) +
                            " points ("));
  CHECK(detail_json["forecast"].is_array());

  auto unknown = larderctl({"consumables", "tea", "--config", config});
  CHECK(unknown.status.code == 1);
  CHECK(has(unknown.err, "larderctl consumables: no consumable 'tea' (HTTP 404 not_found)"));
  auto bad = larderctl({"consumables", "Tea!", "--config", config});
  CHECK(bad.status.code == 2);
  CHECK(has(bad.err, "'Tea!' is not a consumable id"));

  auto status = larderctl({"status", "--config", config});
  CHECK(status.status.code == 0);
  CHECK(has(status.out, ": up\nconsumables: 2 ("));
  CHECK(has(status.out, "unknown 1"));
  CHECK(has(status.out, "low or empty:\nID "));
  CHECK(has(line_of(status.out, "coffee"), " .. "));
  CHECK(line_of(status.out, "pods").empty());
  CHECK(has(status.out, "orders in flight: 0\n"));
  CHECK(has(status.out, "deliveries pending: 0\n"));
  json status_json = json_of(larderctl({"status", "--json", "--config", config}));
  CHECK(status_json["health"]["status"] == "ok");
  CHECK(status_json["summary"]["low_or_empty"] == json::array({"coffee"}));
  CHECK(status_json["summary"]["consumables_by_status"]["unknown"] == 1);
  CHECK(status_json["summary"]["deliveries_pending"] == 0);
  CHECK(status_json["consumables"].size() == 2);

  REQUIRE(daemon.terminate().success());
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"status", "--config", config},
        std::vector<std::string>{"consumables", "--config", config},
        std::vector<std::string>{"consumables", "coffee", "--json", "--config", config}}) {
    auto gone = larderctl(args);
    INFO(args[0], ": ", gone.err);
    CHECK(gone.status.code == 3);
    CHECK(gone.out.empty());
    CHECK(has(gone.err, "cannot connect to larderd at http://127.0.0.1:" +
                            std::to_string(daemon.http_port())));
  }
}
