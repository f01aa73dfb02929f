// The configuration reference (docs/configuration.md) against the loader, both ways, and the
// configurations the documentation shows against the loader:
//  (a) every key the reference documents is one the loader asks for, and a file holding
//      every documented key has no "unknown key" error;
//  (b) every key the loader asks for is documented: the loader's keys are recorded while it
//      reads (config::KeyRecording, core/config_reader.h), so the list cannot drift from it;
//  (c) every ```yaml block of docs/configuration.md and docs/getting-started-pi.md that is a
//      larderd configuration, and every file of config/, loads without an error.
// The reference's convention ("How the tables are read" in docs/configuration.md): a table
// whose first two columns are `key` and `type` lists keys; its first column names each by
// its full dotted path in backticks, `<id>` or `<name>` for a name the user chooses.
#include <doctest/doctest.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <filesystem>
#include <iterator>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "core/config_reader.h"
#include "larder/config.h"
#include "support/config_support.h"
#include "support/tempdir.h"
#include "support/test_pki.h"

namespace fs = std::filesystem;
using namespace larder;
using namespace larder::test;

namespace {

const std::string kSource = LARDER_SOURCE_DIR;
const std::string kReference = "docs/configuration.md";
// The documents whose ```yaml blocks must load (config/*.yaml are added whole).
const std::vector<std::string> kDocsWithBlocks = {"docs/configuration.md",
                                                  "docs/getting-started-pi.md"};

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

std::string trim(const std::string& s) {
  auto b = s.find_first_not_of(" \t");
  if (b == std::string::npos) return "";
  return s.substr(b, s.find_last_not_of(" \t") - b + 1);
}

// The cells of a Markdown table row "| a | b |" ("\|" is a '|' inside a cell).
std::vector<std::string> cells_of(const std::string& row) {
  std::vector<std::string> cells;
  std::string cur;
  for (std::size_t i = 1; i < row.size(); ++i) {
    if (row[i] == '\\' && i + 1 < row.size() && row[i + 1] == '|') {
      cur += '|';
      ++i;
    } else if (row[i] == '|') {
      cells.push_back(trim(cur));
      cur.clear();
    } else {
      cur += row[i];
    }
  }
  return cells;
}

// A documented key: its path with every name the user chooses written "<name>".
struct DocKey {
  std::string path;
  std::string type;  // the table's type column: "map", "number", ...
  int line = 0;
};

// "consumables.<id>.pack.sku" -> "consumables.<name>.pack.sku"; "" when it is no key path.
std::string key_pattern(const std::string& written) {
  static const std::regex segment("[a-z0-9_]+|<[a-z_]+>");
  std::string out, seg;
  std::istringstream in(written);
  bool any = false;
  while (std::getline(in, seg, '.')) {
    if (!std::regex_match(seg, segment)) return "";
    out += (any ? "." : "") + (seg[0] == '<' ? std::string("<name>") : seg);
    any = true;
  }
  return written.empty() || written.back() == '.' ? "" : out;
}

// Every key of the reference's key tables, in file order.
std::vector<DocKey> documented_keys() {
  std::vector<DocKey> keys;
  std::vector<std::string> lines = lines_of(read_file(kSource + "/" + kReference));
  REQUIRE_FALSE(lines.empty());
  for (std::size_t i = 0; i + 1 < lines.size(); ++i) {
    if (lines[i].rfind('|', 0) != 0 || lines[i + 1].rfind("|-", 0) != 0) continue;
    std::vector<std::string> header = cells_of(lines[i]);
    if (header.size() < 2 || header[0] != "key" || header[1] != "type") continue;
    for (std::size_t j = i + 2; j < lines.size() && lines[j].rfind('|', 0) == 0; ++j) {
      std::vector<std::string> cells = cells_of(lines[j]);
      REQUIRE(cells.size() >= 2);
      const std::string& first = cells[0];
      int spans = 0;
      for (std::size_t a = first.find('`'); a != std::string::npos; a = first.find('`', a)) {
        std::size_t b = first.find('`', a + 1);
        INFO(kReference << ":" << j + 1 << ": " << lines[j]);
        REQUIRE_MESSAGE(b != std::string::npos, "an unclosed ` in the key column");
        std::string written = first.substr(a + 1, b - a - 1);
        std::string pattern = key_pattern(written);
        CHECK_MESSAGE(!pattern.empty(), "`" << written << "` in the key column is no key path");
        if (!pattern.empty()) keys.push_back({pattern, cells[1], static_cast<int>(j + 1)});
        ++spans;
        a = b + 1;
      }
      INFO(kReference << ":" << j + 1 << ": " << lines[j]);
      CHECK_MESSAGE(spans > 0, "a row of a key table names no key");
    }
  }
  return keys;
}

// A configuration holding every documented key: maps as maps, everything else "1" (mostly
// a bad value, which is fine: a bad value is reported as such, an unknown key as unknown),
// a name chosen by the user as "sample"; `values` replaces the value of some keys.
std::string sample_config(const std::vector<DocKey>& keys,
                          const std::map<std::string, std::string>& values) {
  // Every path and its prefixes, each with whether it is a map. '.' sorts before every
  // character of a key, so the sorted paths are the tree in order: a map, then its keys.
  std::map<std::string, bool> paths;
  for (const DocKey& k : keys) {
    std::string path = k.path;
    for (auto at = path.find("<name>"); at != std::string::npos; at = path.find("<name>")) {
      path.replace(at, 6, "sample");
    }
    paths[path] = paths[path] || k.type.rfind("map", 0) == 0;
    for (auto dot = path.find('.'); dot != std::string::npos; dot = path.find('.', dot + 1)) {
      paths[path.substr(0, dot)] = true;
    }
  }
  std::string out;
  for (auto it = paths.begin(); it != paths.end(); ++it) {
    const std::string& path = it->first;
    auto depth = static_cast<std::size_t>(std::count(path.begin(), path.end(), '.'));
    auto next = std::next(it);
    bool parent = next != paths.end() && next->first.rfind(path + ".", 0) == 0;
    out += std::string(2 * depth, ' ') + path.substr(path.rfind('.') + 1) + ":";
    auto v = values.find(path);
    if (v != values.end()) {
      out += " " + v->second + "\n";
    } else if (parent) {
      out += "\n";
    } else {
      out += it->second ? " {}\n" : " 1\n";
    }
  }
  return out;
}

// Keys the loader asks for only when another key has a certain value: one sample per value
// (today the retailer's kind and a sensor's kind). A new such condition needs a line here.
const std::vector<std::map<std::string, std::string>> kSampleVariants = {
    {},
    {{"retailer.kind", "sandbox"}, {"sensors.sample.kind", "tasmota_hx711"}},
    {{"retailer.kind", "webhook"}, {"sensors.sample.kind", "tasmota_sr04"}},
    {{"retailer.kind", "grocy"}, {"sensors.sample.kind", "esphome"}},
};

// ---- (c): the documentation's configurations ----

struct Block {
  std::string where;  // FILE:LINE
  std::string source;
  std::string text;
};

// The ```yaml blocks of a Markdown file (a fence may be indented: the block is dedented).
std::vector<Block> yaml_blocks(const std::string& rel) {
  std::vector<Block> blocks;
  std::vector<std::string> lines = lines_of(read_file(kSource + "/" + rel));
  REQUIRE_MESSAGE(!lines.empty(), rel << " is missing or empty");
  for (std::size_t i = 0; i < lines.size(); ++i) {
    std::size_t indent = lines[i].find_first_not_of(' ');
    if (indent == std::string::npos || trim(lines[i]) != "```yaml") continue;
    Block b{rel + ":" + std::to_string(i + 1), rel, ""};
    for (++i; i < lines.size() && trim(lines[i]) != "```"; ++i) {
      b.text += (lines[i].size() > indent ? lines[i].substr(indent) : trim(lines[i])) + "\n";
    }
    blocks.push_back(std::move(b));
  }
  return blocks;
}

std::vector<Block> config_files() {
  std::vector<Block> files;
  for (const auto& e : fs::directory_iterator(kSource + "/config")) {
    if (e.path().extension() != ".yaml") continue;
    std::string rel = "config/" + e.path().filename().string();
    files.push_back({rel, rel, read_file(e.path().string())});
  }
  std::sort(files.begin(), files.end(), [](const Block& a, const Block& b) { return a.where < b.where; });
  return files;
}

void replace_all(std::string& s, const std::string& from, const std::string& to) {
  for (auto at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size())) {
    s.replace(at, from.size(), to);
  }
}

// `over` on top of `base`: maps merge key by key, anything else replaces.
YAML::Node merged(const YAML::Node& base, const YAML::Node& over) {
  if (!base.IsMap() || !over.IsMap()) return YAML::Clone(over);
  YAML::Node out = YAML::Clone(base);
  for (auto it = over.begin(); it != over.end(); ++it) {
    const std::string key = it->first.Scalar();
    out[key] = merged(out[key], it->second);
  }
  return out;
}

// The files a configuration names that must exist when it loads (secrets, TLS files, a
// trust store), as written, each with what it holds: "key" (a TLS private key), "cert" (a
// TLS certificate or CA) or "" (a secret).
using NamedFile = std::pair<std::string, std::string>;
void named_files(const YAML::Node& map, const std::string& map_key, std::vector<NamedFile>& out) {
  for (auto it = map.begin(); it != map.end(); ++it) {
    const std::string key = it->first.Scalar();
    const YAML::Node v = it->second;  // a copy: `it->` yields a temporary
    if (v.IsMap()) {
      named_files(v, key, out);
    } else if (v.IsScalar()) {
      bool tls_file = map_key == "tls" && (key == "ca" || key == "cert" || key == "key");
      bool is_file = key.size() > 5 && key.compare(key.size() - 5, 5, "_file") == 0;
      if (is_file || tls_file || key == "trust_store") {
        out.emplace_back(v.Scalar(), tls_file ? (key == "key" ? "key" : "cert") : "");
      }
    }
  }
}

// Loads `cfg` as /etc/larder/larder.yaml would be, in a folder of its own under `dir`:
// /etc/larder/ becomes that folder, scripts/demo's @STATE_DIR@ and @*_PORT@ are filled in,
// and every file it names there is created (a secret: a token of its own per file).
ConfigLoad load_as_etc(const YAML::Node& cfg, const TempDir& dir, int n) {
  const std::string etc = dir.file("etc" + std::to_string(n) + "/larder");
  fs::create_directories(etc);
  std::vector<NamedFile> files;
  named_files(cfg, "", files);
  for (auto [f, holds] : files) {
    if (!fs::path(f).is_absolute()) f = etc + "/" + f;
    if (f.rfind(dir.path() + "/", 0) != 0) continue;  // a file of the system (a CA bundle)
    fs::create_directories(fs::path(f).parent_path());
    std::string text = "doc-" + fs::path(f).filename().string() + "-0123456789abcdef\n";
    // TLS files: a cert and its key are read by OpenSSL at load time.
    if (holds == "cert") text = test_tls_files().cert;
    if (holds == "key") text = test_tls_files().key;
    dir.write(f.substr(dir.path().size() + 1), text);
  }
  std::string rel = "etc" + std::to_string(n) + "/larder/larder.yaml";
  return load_config(dir.write(rel, YAML::Dump(cfg) + "\n"));
}

// The text with the installation's paths and demo placeholders made to fit `dir`.
std::string localised(std::string text, const TempDir& dir, int n) {
  replace_all(text, "/etc/larder/", dir.file("etc" + std::to_string(n) + "/larder/"));
  replace_all(text, "@STATE_DIR@", dir.file("state"));
  text = std::regex_replace(text, std::regex("@[A-Z_]+_PORT@"), "18080");
  return text;
}

struct BlockResult {
  Block block;
  bool complete = false;
  ConfigLoad load;
};

// Every larderd configuration among the blocks and files: a complete one (mqtt, state_dir,
// http and consumables) loads as it is; a part of one (only top-level keys of the loader)
// loads on top of the first complete block of its document, else the smallest valid file.
// Blocks of other YAML (an ESPHome node, zigbee2mqtt's configuration) are left alone.
std::vector<BlockResult> load_blocks(const TempDir& dir) {
  std::set<std::string> roots;
  {
    config::KeyRecording rec;
    parse_config(minimal(), dir.file("minimal.yaml"));
    for (const std::string& k : rec.keys()) {
      if (k.find('.') == std::string::npos) roots.insert(k);
    }
  }
  std::vector<Block> blocks = config_files();
  for (const std::string& doc : kDocsWithBlocks) {
    for (Block& b : yaml_blocks(doc)) blocks.push_back(std::move(b));
  }
  std::vector<BlockResult> results;
  std::map<std::string, YAML::Node> base_of;  // document -> its first complete block
  int n = 0;
  for (const Block& b : blocks) {
    ++n;
    INFO(b.where << ":\n" << b.text);
    YAML::Node node;
    REQUIRE_NOTHROW(node = YAML::Load(localised(b.text, dir, n)));
    if (!node.IsMap()) continue;
    bool larder = true, complete = true;
    for (auto it = node.begin(); it != node.end(); ++it) {
      larder = larder && roots.count(it->first.Scalar()) == 1;
    }
    const YAML::Node& top = node;  // const: looking a key up adds nothing
    for (const char* k : {"mqtt", "state_dir", "http", "consumables"}) {
      complete = complete && top[k].IsDefined();
    }
    if (!larder) continue;
    if (complete) {
      base_of.emplace(b.source, YAML::Clone(node));
    } else {
      auto base = base_of.find(b.source);
      node = merged(base != base_of.end() ? base->second : YAML::Load(minimal()), node);
    }
    results.push_back({b, complete, load_as_etc(node, dir, n)});
  }
  return results;
}

}  // namespace

TEST_CASE("every key docs/configuration.md documents is one the loader knows") {
  std::vector<DocKey> keys = documented_keys();
  REQUIRE(keys.size() > 100);
  std::set<std::string> seen;
  for (const DocKey& k : keys) {
    INFO(kReference << ":" << k.line << ": `" << k.path << "`");
    CHECK_MESSAGE(seen.insert(k.path).second, "documented twice");
  }

  TempDir dir;
  config::KeyRecording rec;
  for (const auto& values : kSampleVariants) {
    std::string text = sample_config(keys, values);
    ConfigLoad l = parse_config(text, dir.file("sample.yaml"));
    INFO("a file with every documented key:\n" << text);
    CHECK_FALSE(l.errors.empty());  // "1" is no good value for most keys
    for (const ConfigError& e : l.errors) {
      INFO(e.to_string());
      CHECK(e.what.rfind("unknown key", 0) != 0);
    }
  }
  for (const DocKey& k : keys) {
    INFO(kReference << ":" << k.line << ": `" << k.path
                    << "` is documented but the loader does not ask for it");
    CHECK(rec.keys().count(k.path) == 1);
  }
}

TEST_CASE("every key the loader knows is documented in docs/configuration.md") {
  std::set<std::string> documented;
  for (const DocKey& k : documented_keys()) documented.insert(k.path);

  TempDir dir;
  config::KeyRecording rec;
  for (const auto& values : kSampleVariants) {
    parse_config(sample_config(documented_keys(), values), dir.file("sample.yaml"));
  }
  load_blocks(dir);  // the documentation's own configurations, for keys only they reach
  REQUIRE(rec.keys().count("consumables.<name>.pack.sku") == 1);  // the recording works

  for (const std::string& k : rec.keys()) {
    // The keys of a map of names (retailer.products, voice.hermes.intents) are the names:
    // the map's own row documents them.
    const std::string names = ".<name>";
    bool of_names = k.size() > names.size() && k.compare(k.size() - names.size(), names.size(), names) == 0;
    std::string parent = of_names ? k.substr(0, k.size() - names.size()) : "";
    INFO("the loader knows `" << k << "`: add a row for it to a key table of " << kReference);
    CHECK((documented.count(k) == 1 || (!parent.empty() && documented.count(parent) == 1)));
  }
}

TEST_CASE("the configurations of the documentation and of config/ load") {
  TempDir dir;
  std::vector<BlockResult> results = load_blocks(dir);
  std::map<std::string, int> complete;
  for (const BlockResult& r : results) {
    const std::string how = r.complete ? " (a complete file)" : " (on top of its document's file)";
    INFO(r.block.where << how << ":\n" << r.block.text << "\nerrors:\n" << dump(r.load));
    CHECK(r.load.config.has_value());
    if (r.complete) ++complete[r.block.source];
  }
  // What must be there for this test to mean something.
  CHECK(complete["config/example.yaml"] == 1);
  CHECK(complete["config/demo.yaml"] == 1);
  CHECK(complete["docs/getting-started-pi.md"] >= 1);
}
