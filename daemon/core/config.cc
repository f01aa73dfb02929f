// load_config and parse_config: the file as a whole; each section is read by its own
// function (config_sections.h) through the walker of config_reader.h.
#include "larder/config.h"

#include <yaml-cpp/depthguard.h>
#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "core/config_checks.h"
#include "core/config_reader.h"
#include "core/config_sections.h"
#include "larder/text.h"

namespace larder {
namespace {

using config::Need;
using config::Section;

constexpr std::size_t kMaxConfigBytes = std::size_t{1024} * 1024;

std::optional<LogLevel> parse_log_level(std::string_view s) {
  for (LogLevel l : {LogLevel::error, LogLevel::warn, LogLevel::info, LogLevel::debug}) {
    if (log_level_name(l) == s) return l;
  }
  return std::nullopt;
}

// The top level, in the order of the contract (shared/contract/config.md).
void read_root(Section& root, Config& cfg) {
  root.section("mqtt", Need::required, [&](Section& s) { config::read_mqtt(s, cfg.mqtt); });
  if (auto dir = root.path("state_dir", Need::required)) cfg.state_dir = *dir;
  root.section("http", Need::required, [&](Section& s) { config::read_http(s, cfg.http); });
  root.section("household", Need::optional,
               [&](Section& s) { config::read_household(s, cfg.household); });
  auto level = root.string("log_level", Need::optional, [](std::string_view v) {
    return config::check_one_of(v, {"error", "warn", "info", "debug"});
  });
  if (level) cfg.log_level = *parse_log_level(*level);
  root.section("forecast", Need::optional,
               [&](Section& s) { config::read_forecast(s, cfg.forecast); });
  root.section("storage", Need::optional,
               [&](Section& s) { config::read_storage(s, cfg.storage, cfg.state_dir); });
  root.section("orders", Need::optional, [&](Section& s) { config::read_orders(s, cfg.orders); });
  root.section("consumables", Need::required,
               [&](Section& s) { config::read_consumables(s, cfg.consumables); });
  // The retailer and the devices name consumables: read after them (errors are sorted by
  // line anyway).
  root.section("retailer", Need::optional, [&](Section& s) {
    RetailerConfig r;
    config::read_retailer(s, r, cfg.consumables);
    cfg.retailer = std::move(r);
  });
  root.section("buttons", Need::optional,
               [&](Section& s) { config::read_buttons(s, cfg.buttons, cfg.consumables); });
  root.section("sensors", Need::optional,
               [&](Section& s) { config::read_sensors(s, cfg.sensors, cfg.consumables); });
  config::DeviceClaims owntracks;
  root.section("vehicles", Need::optional,
               [&](Section& s) { config::read_vehicles(s, cfg.vehicles, owntracks); });
  root.section("people", Need::optional,
               [&](Section& s) { config::read_people(s, cfg.people, owntracks); });
  root.section("plugins", Need::optional, [&](Section& s) { config::read_plugins(s, cfg.plugins); });
  root.section("voice", Need::optional, [&](Section& s) { config::read_voice(s, cfg.voice); });
  bool delivery = root.section("delivery", Need::optional, [&](Section& s) {
    config::read_delivery(s, cfg.delivery, cfg.vehicles, cfg.orders);
  });
  root.section("notify", Need::optional, [&](Section& s) {
    NotifyConfig n;
    config::read_notify(s, n);
    cfg.notify = std::move(n);
  });
  // Without the section the defaults hold, with the one car (if there is exactly one) and
  // what an older file's orders.delivery_method asked for.
  if (!delivery) {
    if (cfg.vehicles.size() == 1) cfg.delivery.vehicle = cfg.vehicles.front().id;
    if (cfg.orders.delivery_method_set) {
      cfg.delivery.prefer = cfg.orders.delivery_method == "trunk" ? DeliveryPrefer::trunk
                                                                   : DeliveryPrefer::doorstep;
    }
  }
}

// Where each document of a stream starts, and its first node; ignores everything else.
class DocumentMarks final : public YAML::EventHandler {
 public:
  std::vector<YAML::Mark> starts, nodes;
  void OnDocumentStart(const YAML::Mark& mark) override {
    starts.push_back(mark);
    nodes.push_back(mark);
    fresh_ = true;
  }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark& mark, YAML::anchor_t) override { node(mark); }
  void OnAlias(const YAML::Mark& mark, YAML::anchor_t) override { node(mark); }
  void OnScalar(const YAML::Mark& mark, const std::string&, YAML::anchor_t,
                const std::string&) override {
    node(mark);
  }
  void OnSequenceStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t,
                       YAML::EmitterStyle::value) override {
    node(mark);
  }
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t,
                  YAML::EmitterStyle::value) override {
    node(mark);
  }
  void OnMapEnd() override {}

 private:
  void node(const YAML::Mark& mark) {
    if (fresh_) nodes.back() = mark;
    fresh_ = false;
  }
  bool fresh_ = false;
};

struct Documents {
  std::optional<YAML::Node> first;   // absent: no document at all
  std::optional<YAML::Mark> second;  // where a second document starts, if there is one
};

// The first document of `text`, and where a second one starts. Not YAML::LoadAll: in
// yaml-cpp 0.7 it never returns on some malformed text (a stray ',' where a node should
// start, as in ",\n" or "# larder\n,\n"): its parser hands out the same empty document again
// and again without consuming the token, and LoadAll collects them until memory runs out
// (fixed upstream in yaml-cpp 0.8, PR #1319; found here by fuzzing, docs/fuzzing.md). So
// the documents are walked at most three times, and a document that starts where the one
// before it did is that stuck parser: a syntax error at its mark.
Documents load_documents(const std::string& text) {
  std::istringstream in(text);
  YAML::Parser parser(in);
  DocumentMarks walk;
  for (int i = 0; i < 3 && parser.HandleNextDocument(walk); ++i) {
    const auto& s = walk.starts;
    if (s.size() >= 2 && s[s.size() - 1].pos == s[s.size() - 2].pos) {
      throw YAML::ParserException(s.back(), "unexpected token where a node should start");
    }
  }
  Documents docs;
  if (walk.starts.empty()) return docs;
  docs.first = YAML::Load(text);  // the first document only; YAML::Load always returns
  if (walk.nodes.size() > 1) docs.second = walk.nodes[1];
  return docs;
}

}  // namespace

const ConsumableConfig* Config::consumable(std::string_view id) const {
  auto it = std::find_if(consumables.begin(), consumables.end(),
                         [&](const ConsumableConfig& c) { return c.id == id; });
  return it == consumables.end() ? nullptr : &*it;
}

std::string ConfigError::to_string() const {
  // The file's name as given on a command line and a key as written in the file: no
  // control in either may reach a terminal.
  std::string s = file;
  if (line > 0) s += ":" + std::to_string(line);
  s += ": ";
  if (!key.empty()) s += key + ": ";
  return mask_controls(s + what);
}

ConfigLoad parse_config(const std::string& yaml_text, const std::string& path) {
  std::error_code ec;
  std::filesystem::path abs = std::filesystem::absolute(path, ec);
  if (ec) abs = path;
  config::ConfigReader reader(path, abs.parent_path());
  Config cfg;
  cfg.path = path;
  if (std::size_t bad = utf8_invalid_at(yaml_text); bad != std::string_view::npos) {
    // yaml-cpp passes such bytes through, and a name or text holding them would make every
    // JSON the hub writes about it throw (its state, events, the API): refused here, whole.
    const std::string_view before(yaml_text.data(), bad);
    const std::size_t last_newline = before.rfind('\n');
    const std::size_t line_start = last_newline == std::string_view::npos ? 0 : last_newline + 1;
    const auto line = static_cast<int>(std::count(before.begin(), before.end(), '\n')) + 1;
    char byte[8];
    std::snprintf(byte, sizeof byte, "0x%02X", static_cast<unsigned char>(yaml_text[bad]));
    reader.error(line, "",
                 "is not UTF-8: byte " + std::string(byte) + " at column " +
                     std::to_string(bad - line_start + 1) + " (save the file as UTF-8)");
    ConfigLoad load;
    load.errors = reader.take_errors();
    return load;
  }
  try {
    Documents docs = load_documents(yaml_text);
    if (!docs.first || docs.first->IsNull()) {
      reader.error(0, "", "is empty: it needs at least mqtt, state_dir, http and consumables");
    } else if (!docs.first->IsMap()) {
      reader.error(docs.first->Mark().line + 1, "",
                   "must be a map of sections (mqtt, state_dir, http, ...), got " +
                       config::describe_value(*docs.first));
    } else {
      if (docs.second) {
        reader.error(docs.second->is_null() ? 0 : docs.second->line + 1, "",
                     "holds more than one YAML document ('---'); the configuration is one");
      }
      // A missing top-level key has no line of its own: it is reported without one.
      Section root(reader, *docs.first, "", 0);
      read_root(root, cfg);
      root.finish();
    }
  } catch (const YAML::DeepRecursion& e) {
    // yaml-cpp's own message for it is "bad file".
    reader.error(e.mark.is_null() ? 0 : e.mark.line + 1, "",
                 "maps and lists are nested too deeply (" + std::to_string(e.depth()) +
                     " levels; a configuration needs a handful)");
  } catch (const YAML::Exception& e) {
    reader.error(e.mark.is_null() ? 0 : e.mark.line + 1, "", "YAML syntax error: " + e.msg);
  } catch (const std::exception& e) {
    reader.error(0, "", std::string("cannot be read: ") + e.what());
  }
  ConfigLoad load;
  load.errors = reader.take_errors();
  if (load.errors.empty()) load.config = std::move(cfg);
  return load;
}

ConfigLoad load_config(const std::string& path) {
  std::string text;
  std::string err = config::read_small_file(path, kMaxConfigBytes, text);
  if (!err.empty()) {
    ConfigLoad load;
    load.errors.push_back(ConfigError{path, 0, "", err});
    return load;
  }
  return parse_config(text, path);
}

}  // namespace larder
