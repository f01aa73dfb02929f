#include "replay/replay.h"

#include <cmath>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "app/plugin_host.h"
#include "core/contract.h"
#include "core/hub.h"
#include "core/null_store.h"
#include "larder/bus.h"
#include "larder/clock.h"
#include "larder/json_input.h"
#include "larder/metrics.h"
#include "larder/store.h"
#include "larder/text.h"
#include "plugins/plugins.h"
#include "replay/replay_voice.h"

namespace larder {
namespace {

using nlohmann::json;

// Replay has no broker: what the hub publishes goes nowhere.
class SilentBus final : public Bus {
 public:
  void publish(const std::string&, std::string, bool, int) override {}
};

using ordered = nlohmann::ordered_json;

ordered opt(const std::optional<double>& v) { return v ? ordered(*v) : ordered(nullptr); }

// The parser's reason without its exception's name, made safe for a terminal: "syntax
// error while parsing value - invalid literal; last read: 'N'" (a line is one line of
// JSON, so its "line 1" is left out; the column stays). The parser also throws
// out_of_range.406 for a number beyond a double ("number overflow parsing '1e400'").
std::string parse_reason(const json::exception& e) {
  std::string_view what = e.what();
  if (what.starts_with('[')) {  // "[json.exception.parse_error.101] "
    if (auto end = what.find("] "); end != std::string_view::npos) what.remove_prefix(end + 2);
  }
  constexpr std::string_view kLineOne = "parse error at line 1, ";
  std::string reason;
  if (what.starts_with(kLineOne)) {
    what.remove_prefix(kLineOne.size());
    reason = "at ";
  }
  const std::string quoted = quote_excerpt(what, 200, '"');  // control bytes, UTF-8 as '?'
  return reason + quoted.substr(1, quoted.size() - 2);
}

// `ts` is echoed as the input gave it: 1764547200 stays an integer. The fields come in the
// contract's order (replay.md), so that an answer can be compared with one written there
// as text, not only as JSON.
ordered answer(const json& ts, const std::string& id, const ConsumableState& s) {
  return {{"ts", ordered::parse(ts.dump())},
          {"consumable", id},
          {"level", opt(s.level)},
          {"unit", std::string(unit_name(s.unit))},
          {"rate_per_day", opt(s.rate_per_day)},
          {"empty_at", opt(s.empty_at)},
          {"empty_at_low", opt(s.empty_at_low)},
          {"empty_at_high", opt(s.empty_at_high)},
          {"status", s.status},
          {"reorder", s.reorder}};
}

}  // namespace

ReplayResult replay(const Config& config, std::istream& input, std::ostream& output,
                    std::ostream& errors) {
  ReplayResult r;
  ManualClock clock(0);
  Metrics metrics;
  NullStore store;
  SilentBus bus;
  HubOptions options;
  options.min_publish_interval = 0;
  // The hub is up for the whole input (larderd ticks twice a second): a quiet spell
  // between lines is time passing, never an outage whose counter uses the model would
  // assume; and queries, which tick too, change nothing.
  options.bridge_outages = false;
  options.hold_for_history = false;  // the clock is the stamps: nothing to hold
  Hub hub(config, bus, store, clock, metrics, options);
  // The daemon's plugins, so that device formats replay too (a Tasmota SENSOR, a button).
  PluginHost plugins(hub, bus, clock, metrics, config.mqtt.root());
  for (auto& plugin : plugins::make_plugins(config)) plugins.add(std::move(plugin));
  // The daemon's conversation, so that a voice intent acts as it does there (a refill).
  ReplayVoice voice(config, hub, clock, metrics);
  const std::string root_prefix = config.mqtt.root() + "/";
  bool started = false;
  // Lets time pass up to `ts`, as the daemon's tick does.
  auto tick_to = [&](double ts) {
    if (started && ts <= clock.now()) return;
    clock.set(ts);
    started = true;
    hub.tick();
    plugins.tick();
    voice.tick();
  };

  std::string line;
  auto bad = [&](std::string why) {
    ++r.bad_lines;
    // What the line held is quoted where it is named; a control character that slipped
    // into a reason (the hub's, say) must not reach the terminal either.
    errors << "line " << r.lines << ": " << mask_controls(std::move(why)) << "\n";
  };
  // A line that is skipped changes nothing, the clock included: every check comes before
  // the line's `ts` is taken as the time.
  while (std::getline(input, line)) {
    ++r.lines;
    if (line.empty() || line.find_first_not_of(" \t\r") == std::string::npos) continue;
    std::string repeated;
    json j = parse_json_input(line, repeated);
    if (j.is_discarded()) {
      if (!repeated.empty()) {
        bad("not valid JSON: " + repeated_key_message(repeated));
        continue;
      }
      try {  // again, for the parser's words: where and what
        [[maybe_unused]] const json again = json::parse(line);
        bad("not valid JSON");
      } catch (const json::exception& e) {  // parse_error, or out_of_range for 1e400
        bad("not valid JSON: " + parse_reason(e));
      }
      continue;
    }
    if (!j.is_object()) {
      bad("not a JSON object");
      continue;
    }
    auto ts_it = j.find("ts");
    if (ts_it == j.end() || !ts_it->is_number() || !std::isfinite(ts_it->get<double>())) {
      bad("'ts' must be a number");
      continue;
    }
    double ts = ts_it->get<double>();
    if (ts < 0 || ts > contract::kMaxTs) {  // the forecaster would walk every day up to it
      bad("'ts' must be epoch seconds from 0 to 4102444800 (2100-01-01)");
      continue;
    }
    if (started && ts < clock.now()) {
      bad("'ts' goes backwards (the input must be in time order)");
      continue;
    }

    if (auto q = j.find("query"); q != j.end()) {
      if (j.contains("topic") || j.contains("payload")) {
        // Answering the query would drop the message, handling the message the query.
        bad("a line is a message (\"topic\" and \"payload\") or a query (\"query\"), "
            "not both");
        continue;
      }
      if (!q->is_string()) {
        bad("'query' must be a consumable id or \"*\"");
        continue;
      }
      const std::string& id = q->get_ref<const std::string&>();
      if (id != "*" && !hub.consumable(id)) {
        bad("no consumable " + quote_excerpt(id, 120, '\'') + " is configured");
        continue;
      }
      tick_to(ts);
      if (id == "*") {
        for (const auto& c : config.consumables) {
          output << answer(*ts_it, c.id, *hub.consumable(c.id)).dump() << "\n";
        }
      } else {
        output << answer(*ts_it, id, *hub.consumable(id)).dump() << "\n";
      }
      ++r.queries;
      continue;
    }

    auto topic = j.find("topic");
    auto payload = j.find("payload");
    if (topic == j.end() || !topic->is_string() || payload == j.end()) {
      bad("a line is a message (\"topic\" and \"payload\") or a query (\"query\")");
      continue;
    }
    Message m{topic->get<std::string>(), {}, 1, false};
    const bool canonical = m.topic.compare(0, root_prefix.size(), root_prefix) == 0;
    if (!canonical && !plugins.reads(m.topic)) {
      bad("no plugin of this configuration reads " + quote_excerpt(m.topic, 200, '\'') +
          " (and it is not under " + root_prefix + ")");
      continue;
    }
    // The message comes at `ts`; if it is refused, the time it brought is taken back.
    const double before = clock.now();
    clock.set(ts);
    const std::uint64_t rejected_before = hub.rejected();
    if (!canonical) {
      m.payload = payload->is_string() ? payload->get<std::string>() : payload->dump();
      plugins.on_message(m);
    } else if (payload->is_string()) {
      m.payload = payload->get<std::string>();
      hub.on_message(m);
    } else if (line.size() > contract::kMaxPayload) {
      // Maybe too large for MQTT's side of the contract: as text, the hub measures it.
      m.payload = payload->dump();
      hub.on_message(m);
    } else {
      hub.on_message(m, &*payload);  // parsed already: no second parse of its text
    }
    if (hub.rejected() != rejected_before) {
      clock.set(before);
      bad("refused: " + hub.last_rejection());
      continue;
    }
    clock.set(before);
    tick_to(ts);
    ++r.messages;
  }
  return r;
}

}  // namespace larder
