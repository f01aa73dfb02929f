// The walker the configuration sections are written with (private to daemon/core/config*).
//
// A ConfigReader collects every error of one file. A Section is one YAML map of it: its
// typed accessors (string, number, secret, path, ...) look a key up, mark it as known,
// check its type and value and report what is wrong at the key's line with its dotted
// path; they return nothing when the key is absent or bad, so a section function reads
// every key without stopping at the first error. When a section function returns, the
// keys nobody asked for are reported as unknown (with a did-you-mean suggestion).
//
// A new section is one function `void read_foo(Section& s, FooConfig& out)` in its own
// file config_foo.cc, declared in config_sections.h and called from parse_config.
// Thread rule: one reader per load, on one thread.
#pragma once

#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <functional>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "larder/config.h"

namespace larder::config {

enum class Need { optional, required };

// Checks a text value: returns an empty string when it is fine, otherwise what is wrong
// ("must be ..."). The reader appends `, got "<value>"` (never for secrets).
using TextCheck = std::function<std::string(std::string_view)>;

// Allowed numbers, and how to say so: "a number greater than 0 and at most 60".
struct Range {
  std::optional<double> min, max;
  bool min_open = false, max_open = false;
  static Range any() { return {}; }
  static Range positive() { return {0.0, std::nullopt, true, false}; }
  static Range non_negative() { return {0.0, std::nullopt, false, false}; }
  bool contains(double v) const;
  std::string describe() const;
};

// One `key: value` of a map, as written.
struct Field {
  std::string key;
  std::string path;  // dotted, e.g. consumables.coffee
  int line = 0;      // the key's line
  YAML::Node value;
};

// One item of a list of strings.
struct ListItem {
  std::string value;
  std::string path;  // e.g. consumables.coffee.synonyms[1]
  int line = 0;
};

class ConfigReader {
 public:
  ConfigReader(std::string file, std::filesystem::path base_dir);
  void error(int line, std::string key, std::string what);
  bool has_errors() const { return !errors_.empty(); }
  // Every error, in file order (by line; ties in the order found).
  std::vector<ConfigError> take_errors();
  // `p` made absolute against the configuration file's folder, lexically normalised.
  std::string resolve(const std::string& p) const;

 private:
  std::string file_;
  std::filesystem::path base_;
  std::vector<ConfigError> errors_;
};

class Section {
 public:
  // `map` must be a YAML map; `path` is its dotted path ("" for the root), `line` the line
  // its key is on (used for keys missing from it). Reports keys given twice.
  Section(ConfigReader& reader, YAML::Node map, std::string path, int line);
  Section(const Section&) = delete;
  Section& operator=(const Section&) = delete;

  ConfigReader& reader() { return reader_; }
  const std::string& path() const { return path_; }
  int line() const { return line_; }
  std::string key_path(std::string_view key) const;

  // Whether the key is written (does not mark it as known).
  bool has(std::string_view key) const;
  // The line `key` is on; the section's line when it is absent.
  int key_line(std::string_view key) const;
  // Reports `what` for `key` at its line (the section's line when it is absent).
  void error(std::string_view key, std::string what);

  // A non-empty single-line string of at most 4096 characters that passes `check`.
  std::optional<std::string> string(std::string_view key, Need need, const TextCheck& check = {});
  // A finite number (a plain YAML scalar) inside `range`.
  std::optional<double> number(std::string_view key, Need need, const Range& range = Range::any());
  // A whole number from `min` to `max`.
  std::optional<int> whole(std::string_view key, Need need, int min, int max);
  // A list of such numbers; nothing when it is not a list or an item is bad (each bad
  // item is reported, by its index: "key[1]").
  std::optional<std::vector<double>> number_list(std::string_view key, Need need,
                                                 const Range& range = Range::any());
  // `true` or `false`.
  std::optional<bool> boolean(std::string_view key, Need need);
  // A list of non-empty single-line strings, each passing `check`; returns the good items
  // (each bad one is reported), nothing when it is not a list.
  std::optional<std::vector<ListItem>> string_list(std::string_view key, Need need,
                                                   const TextCheck& check = {});
  // A secret given as `key` (inline) or `key_file` (read now, trailing whitespace
  // trimmed), never both; non-empty, no control characters, passes `check` (whose message
  // must not quote the secret). `used` tells which key it came from.
  std::optional<std::string> secret(std::string_view key, Need need, const TextCheck& check = {},
                                    std::string* used = nullptr);
  // A path, made absolute against the configuration file's folder.
  std::optional<std::string> path(std::string_view key, Need need);
  // A path (absolute) to a regular file that can be opened for reading now.
  std::optional<std::string> readable_file(std::string_view key, Need need);

  // A nested map: calls `read` with it, then reports its unknown keys. Returns whether the
  // key held a map (false when absent or not a map; both reported as needed).
  bool section(std::string_view key, Need need, const std::function<void(Section&)>& read);
  // The same for a field from entries().
  bool section(const Field& field, const std::function<void(Section&)>& read);
  // Every field in file order (first occurrences), all marked as known: for maps whose
  // keys are names chosen by the user (consumables).
  std::vector<Field> entries();

  // Reports every key no accessor asked for. Called by section(); call it yourself for a
  // Section you built.
  void finish();

 private:
  const Field* lookup(std::string_view key);  // marks known
  const Field* find(std::string_view key) const;
  void missing(std::string_view key, const std::string& what = {});
  void record(std::string_view key) const;  // to the KeyRecording of this thread, if any

  ConfigReader& reader_;
  std::string path_;
  int line_;
  std::vector<Field> fields_;  // first occurrences, in file order
  std::set<std::string, std::less<>> known_;
  std::string pattern_;  // path_ with "<name>" for the keys chosen by the user
  bool named_ = false;   // entries() was called: its keys are names, not keys
};

// The keys the loader knows, as the accessors ask for them. While a KeyRecording lives,
// every Section of a load on this thread adds to it the dotted pattern of each key an
// accessor or section() asks for (written in the file or not), with "<name>" for keys the
// user chooses (entries()): `consumables.<name>.pack.sku`, `retailer.products.<name>`. Keys
// asked for only under a condition (another key's value) are there when a load meets it.
// tests/unit/config_docs_test.cc compares them with docs/configuration.md.
class KeyRecording {
 public:
  KeyRecording();
  ~KeyRecording();
  KeyRecording(const KeyRecording&) = delete;
  KeyRecording& operator=(const KeyRecording&) = delete;
  const std::set<std::string>& keys() const { return keys_; }
  void add(std::string key) { keys_.insert(std::move(key)); }

 private:
  KeyRecording* outer_;  // the one this replaces while it lives
  std::set<std::string> keys_;
};

// For a map whose keys are ids chosen by the user (buttons, sensors, vehicles, people):
// each key must be a valid id ("is not a valid <what> id: ..."), and `read` is called with
// the key and its map.
void read_named(Section& s, std::string_view what,
                const std::function<void(const std::string& id, Section&)>& read);

// How a YAML value reads in an error: "nothing", "a map", "a list" or "\"text\"".
std::string describe_value(const YAML::Node& node);
// Reads a small file whole; returns an error text ("cannot read \"P\": ...") or "".
std::string read_small_file(const std::string& path, std::size_t max_bytes, std::string& out);

}  // namespace larder::config
