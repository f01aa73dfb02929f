// larderctl orders list|place|cancel|confirm: the running daemon's order endpoints
// (docs/orders.md#http) through api_session.h. Arguments are checked before anything is
// sent: a bad one is refused with the usage line (exit 2) and no request is made.
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "api_session.h"
#include "commands.h"
#include "larder/text.h"
#include "larder/texts.h"
#include "orders/order.h"
#include "orders/orders_config.h"

namespace larderctl {

namespace order_impl {

using nlohmann::json;
using larder::orders::kMaxQuantity;

constexpr const char* kOrdersUsage =
    "usage: larderctl orders list [--status STATUS] --config FILE [--json] [--ca FILE]\n"
    "       larderctl orders place CONSUMABLE [--quantity N] --config FILE [--json] [--ca FILE]\n"
    "       larderctl orders cancel ORDER_ID --config FILE [--json] [--ca FILE]\n"
    "       larderctl orders confirm ORDER_ID --config FILE [--json] [--ca FILE]";

int refuse(const std::string& command, const std::string& why) {
  return refuse_usage(command, why, kOrdersUsage);
}

std::string all_statuses() {
  std::string out;
  for (int i = 0; i <= static_cast<int>(larder::orders::OrderStatus::failed); ++i) {
    out += (out.empty() ? "" : ", ") +
           std::string(larder::orders::status_name(static_cast<larder::orders::OrderStatus>(i)));
  }
  return out;
}

// A quantity as the user wrote it: digits only, from 1 to kMaxQuantity.
std::optional<int> parse_quantity(const std::string& s) {
  if (s.empty() || s.size() > 4 || s.find_first_not_of("0123456789") != std::string::npos) {
    return std::nullopt;
  }
  const int q = std::stoi(s);
  if (q < 1 || q > kMaxQuantity) return std::nullopt;
  return q;
}


// Each item's consumable, and each one's quantity: "coffee" / "2", "pods, coffee" / "1, 1".
std::pair<std::string, std::string> items_text(const json& o) {
  const json items = field(o, "items");
  if (!items.is_array() || items.empty()) return {text_of(o, "consumable"), text_of(o, "quantity")};
  std::string what, qty;
  for (const json& i : items) {
    what += (what.empty() ? "" : ", ") + text_of(i, "consumable");
    qty += (qty.empty() ? "" : ", ") + text_of(i, "quantity");
  }
  return {what, qty};
}

// "8.99 EUR", "1500 JPY"; "-" before the retailer's quote.
std::string total_text(const json& o) {
  auto price = number_of(o, "price");
  if (!price) return "-";
  const json currency = field(o, "currency");
  // Rounded as the daemon's texts write it (larder::Texts::amount).
  const std::string code = currency.is_string() ? currency.get<std::string>() : "";
  const std::string number = larder::Texts::amount(*price, code, ".");
  return code.empty() ? number : number + " " + code;
}

std::string time_text(const json& o, const char* key, const larder::TimeZone& zone) {
  auto ts = number_of(o, key);
  return ts ? local_format(*ts, zone, "%Y-%m-%d %H:%M") : "-";
}

std::string order_table(const json& list, const larder::TimeZone& zone) {
  std::vector<std::vector<std::string>> rows;
  for (const json& o : list) {
    auto [what, qty] = items_text(o);
    rows.push_back({text_of(o, "order_id"), what, qty, text_of(o, "status"),
                    text_of(o, "hold_reason"), total_text(o), time_text(o, "placed_at", zone),
                    text_of(field(o, "delivery"), "method")});
  }
  return format_table({"ORDER", "CONSUMABLE", "QTY", "STATUS", "HOLD REASON", "TOTAL",
                       "PLACED (" + zone.name() + ")", "DELIVERY"},
                      rows);
}

// "order 7f3a (2 x coffee): held, awaiting confirmation (voice)".
std::string order_line(const json& o) {
  auto [what, qty] = items_text(o);
  std::string s = "order " + text_of(o, "order_id") + " (" + qty + " x " + what +
                  "): " + text_of(o, "status");
  const json reason = field(o, "hold_reason");
  if (reason.is_string()) s += " (" + reason.get<std::string>() + ")";
  if (number_of(o, "price")) s += ", total " + total_text(o);
  return larder::mask_controls(s);
}

struct Sub {
  std::string command;  // "orders place", for messages
  Options opts;
  Session session;
};

// Checks the answer is an order; prints it (as JSON, or `line` then the order's line).
int print_order(const Sub& s, const Call& c, const std::string& line) {
  if (!c.reply.body.is_object() || !c.reply.body.contains("order_id")) {
    return unexpected_answer(s.command, "an order");
  }
  if (s.opts.has("--json")) {
    print_json(c.reply.body);
  } else {
    std::printf("%s%s\n", line.c_str(), order_line(c.reply.body).c_str());
  }
  return kExitOk;
}

int list(Sub& s) {
  std::string path = "/api/v1/orders";
  if (auto st = s.opts.value("--status")) path += "?status=" + *st;  // checked: plain letters
  ApiClient client(s.session.target);
  Call c = call_get(s.command, client, path);
  if (!c.ok()) return c.exit;
  if (!c.reply.body.is_array()) return unexpected_answer(s.command, "a list of orders");
  if (s.opts.has("--json")) {
    print_json(c.reply.body);
  } else if (c.reply.body.empty()) {
    auto st = s.opts.value("--status");
    std::printf("no orders%s\n", st ? (" with status " + *st).c_str() : "");
  } else {
    std::fputs(order_table(c.reply.body, household_zone(s.session.config)).c_str(), stdout);
  }
  return kExitOk;
}

int place(Sub& s, int quantity) {
  const std::string& consumable = s.opts.positional[0];
  ApiClient client(s.session.target);
  Call c = call_post(s.command, client, "/api/v1/orders",
                     {{"consumable", consumable}, {"quantity", quantity}, {"source", "cli"}});
  if (!c.ok()) return c.exit;
  const bool existing = field(c.reply.body, "existing") == true;
  return print_order(s, c,
                     existing ? "an order for " + consumable +
                                    " is already in flight, nothing new was ordered: "
                              : "placed ");
}

int change(Sub& s, const std::string& verb) {
  const std::string& id = s.opts.positional[0];
  ApiClient client(s.session.target);
  Call c = call_post(s.command, client, "/api/v1/orders/" + id + "/" + verb, json::object());
  if (!c.ok()) return c.exit;
  // 202: the retailer is being asked to cancel; the order is not cancelled yet.
  const std::string line = c.reply.status == 202 ? "cancel requested, the retailer is asked: "
                           : verb == "cancel"     ? "cancelled: "
                                                  : "confirmed: ";
  return print_order(s, c, line);
}

}  // namespace order_impl

int orders_command(const Args& args) {
  using namespace order_impl;
  if (args.empty() || args[0].empty() || args[0][0] == '-') {
    return refuse("orders", "a subcommand is required: list, place, cancel or confirm");
  }
  const std::string& sub = args[0];
  const std::map<std::string, OptionSpec> specs = {
      {"list", {{"--config", "--ca", "--status"}, {"--json"}, 0}},
      {"place", {{"--config", "--ca", "--quantity"}, {"--json"}, 1}},
      {"cancel", {{"--config", "--ca"}, {"--json"}, 1}},
      {"confirm", {{"--config", "--ca"}, {"--json"}, 1}},
  };
  auto spec = specs.find(sub);
  if (spec == specs.end()) {
    return refuse("orders", "unknown subcommand '" + larder::mask_controls(sub.substr(0, 64)) +
                                "' (list, place, cancel or confirm)");
  }
  const std::string command = "orders " + sub;
  auto opts = parse_options(Args(args.begin() + 1, args.end()), spec->second);
  if (!opts.ok()) return refuse(command, opts.status().message());

  // Every argument is checked before the configuration is read and anything is sent.
  int quantity = 1;
  if (sub == "list") {
    if (auto st = opts->value("--status"); st && !larder::orders::parse_status(*st)) {
      return refuse(command, "no order status '" + larder::mask_controls(st->substr(0, 64)) +
                                 "' (" + all_statuses() + ")");
    }
  } else if (opts->positional.empty()) {
    return refuse(command, sub == "place" ? "CONSUMABLE is required" : "ORDER_ID is required");
  } else if (sub == "place") {
    if (auto why = bad_id(opts->positional[0], "a consumable id")) return refuse(command, *why);
    if (auto q = opts->value("--quantity")) {
      auto n = parse_quantity(*q);
      if (!n) {
        return refuse(command, "--quantity must be a whole number of packs from 1 to " +
                                   std::to_string(kMaxQuantity) + ", not '" +
                                   larder::mask_controls(q->substr(0, 64)) + "'");
      }
      quantity = *n;
    }
  } else if (auto why = bad_id(opts->positional[0], "an order id")) {
    return refuse(command, *why);
  }

  auto session = open_session(command, *opts, kOrdersUsage, /*admin=*/sub != "list");
  if (!session) return kExitUsage;
  Sub s{command, std::move(*opts), std::move(*session)};
  if (sub == "list") return list(s);
  if (sub == "place") return place(s, quantity);
  return change(s, sub);
}

}  // namespace larderctl
