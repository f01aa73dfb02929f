#include "core/config_reader.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstring>
#include <utility>

#include "core/config_checks.h"
#include "larder/text.h"

namespace larder::config {
namespace {

constexpr std::size_t kMaxString = 4096;
constexpr std::size_t kMaxSecretFile = std::size_t{64} * 1024;

// How many bytes the well-formed UTF-8 character at `s[i]` (not ASCII) takes, or 0.
std::size_t utf8_length_at(std::string_view s, std::size_t i) {
  const auto b = static_cast<unsigned char>(s[i]);
  const std::size_t len = b >= 0xc2 && b <= 0xdf ? 2 : b >= 0xe0 && b <= 0xef ? 3
                          : b >= 0xf0 && b <= 0xf4                            ? 4
                                                                              : 0;
  if (len == 0 || s.size() - i < len) return 0;
  return utf8_invalid_at(s.substr(i, len)) == std::string_view::npos ? len : 0;
}

// A URL as an error may show it: its scheme, host and port. Its user name and password,
// path, query and fragment are "***", for that is where secrets go (ntfy's ?auth=, the
// token in a webhook's path, an ntfy.sh topic):
// "https://u:pw@ntfy.sh/home?auth=x" -> "https://***@ntfy.sh/***". With an '@' anywhere
// (a password may hold '/', '?' or '#'; a query an e-mail address), all before the last one
// is hidden, and what follows shows only if it is a host; without a scheme, "u:pw@host"
// loses its user name and password too. Anything else as it is.
std::string masked_url(std::string_view s) {
  const auto last_at = s.rfind('@');
  const auto scheme = s.find("://");
  if (scheme == std::string_view::npos) {
    const bool userinfo = last_at != std::string_view::npos &&
                          s.substr(0, last_at).find(':') != std::string_view::npos &&
                          s.find(' ') == std::string_view::npos;
    return userinfo ? "***" + std::string(s.substr(last_at)) : std::string(s);
  }
  auto start = scheme + 3;
  std::string out(s.substr(0, start));
  const bool userinfo = last_at != std::string_view::npos && last_at >= start;
  if (userinfo) start = last_at + 1;
  const auto end = s.find_first_of("/?#", start);
  const std::string_view host = s.substr(start, end == std::string_view::npos ? end : end - start);
  if (userinfo) {
    const bool host_like = !host.empty() && std::all_of(host.begin(), host.end(), [](char c) {
      return is_ascii_alpha(c) || is_ascii_digit(c) || c == '.' || c == '-' || c == '_' ||
             c == ':' || c == '[' || c == ']';
    });
    if (!host_like) return out + "***";
    out += "***@";
  }
  out += host;
  if (end != std::string_view::npos) {
    out += s[end];
    if (end + 1 < s.size()) out += "***";
  }
  return out;
}

// "text" with quotes, backslashes, control characters and bytes that are not UTF-8 escaped,
// cut after 60 characters (never inside one), and a URL's secrets hidden (masked_url).
std::string quote(std::string_view text) {
  const std::string s = masked_url(text);
  std::string out = "\"";
  std::size_t n = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (++n > 60) {
      out += "...";
      break;
    }
    const char c = s[i];
    auto u = static_cast<unsigned char>(c);
    if (u >= 0x80) {
      const std::size_t len = utf8_length_at(s, i);
      if (len != 0 && !has_control(std::string_view(s).substr(i, len))) {
        out.append(s, i, len);
        i += len - 1;
        continue;
      }
    }
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\t') {
      out += "\\t";
    } else if (u < 0x20 || u >= 0x7f) {
      static const char* hex = "0123456789abcdef";
      out += "\\x";
      out += hex[u >> 4];
      out += hex[u & 15];
    } else {
      out += c;
    }
  }
  return out + "\"";
}

int line_of(const YAML::Node& n, int fallback) {
  if (!n.IsDefined() || n.IsNull()) return fallback;  // a null's mark points past it
  const YAML::Mark m = n.Mark();
  return m.is_null() ? fallback : m.line + 1;
}

// A scalar written in quotes (or tagged !!str) is a string even when it looks like a number.
bool quoted(const YAML::Node& n) {
  const std::string& t = n.Tag();
  return !(t == "?" || t == "tag:yaml.org,2002:int" || t == "tag:yaml.org,2002:float" ||
           t == "tag:yaml.org,2002:bool");
}

std::optional<double> parse_number(std::string_view t) {
  if (!t.empty() && t[0] == '+') {
    t.remove_prefix(1);
    if (!t.empty() && t[0] == '-') return std::nullopt;
  }
  double v = 0;
  auto [p, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
  if (p != t.data() + t.size() || t.empty()) return std::nullopt;
  if (ec == std::errc::result_out_of_range) return HUGE_VAL;  // reported as not finite
  if (ec != std::errc()) return std::nullopt;
  return v;
}

std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diag = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      std::size_t up = row[j];
      bool same = std::tolower(static_cast<unsigned char>(a[i - 1])) ==
                  std::tolower(static_cast<unsigned char>(b[j - 1]));
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (same ? 0 : 1)});
      diag = up;
    }
  }
  return row[b.size()];
}

// Opens `path` for reading without blocking (a FIFO must not hang the load); returns the
// descriptor or -1 with `err` set.
int open_regular(const std::string& path, std::string& err) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) {
    err = "cannot read " + quote(path) + ": " + std::strerror(errno);
    return -1;
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    err = "cannot read " + quote(path) + ": " +
          (S_ISDIR(st.st_mode) ? "it is a folder" : "it is not a regular file");
    ::close(fd);
    return -1;
  }
  return fd;
}

thread_local KeyRecording* t_recording = nullptr;

}  // namespace

KeyRecording::KeyRecording() : outer_(t_recording) { t_recording = this; }
KeyRecording::~KeyRecording() { t_recording = outer_; }

bool Range::contains(double v) const {
  if (!std::isfinite(v)) return false;
  if (min && (min_open ? v <= *min : v < *min)) return false;
  if (max && (max_open ? v >= *max : v > *max)) return false;
  return true;
}

std::string Range::describe() const {
  std::string s = "a number";
  if (min) s += min_open ? " greater than " + format_number(*min) : " of " + format_number(*min) + " or more";
  if (min && max) s += " and";
  if (max) s += max_open ? " less than " + format_number(*max) : " at most " + format_number(*max);
  return s;
}

std::string describe_value(const YAML::Node& node) {
  if (!node.IsDefined() || node.IsNull()) return "nothing";
  if (node.IsMap()) return "a map";
  if (node.IsSequence()) return "a list";
  return quote(node.Scalar());
}

std::string read_small_file(const std::string& path, std::size_t max_bytes, std::string& out) {
  std::string err;
  int fd = open_regular(path, err);
  if (fd < 0) return err;
  out.clear();
  char buf[4096];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      err = "cannot read " + quote(path) + ": " + std::strerror(errno);
      break;
    }
    if (n == 0) break;
    out.append(buf, static_cast<std::size_t>(n));
    if (out.size() > max_bytes) {
      err = quote(path) + " is larger than " + std::to_string(max_bytes) + " bytes";
      break;
    }
  }
  ::close(fd);
  return err;
}

// ---- ConfigReader ----

ConfigReader::ConfigReader(std::string file, std::filesystem::path base_dir)
    : file_(std::move(file)), base_(std::move(base_dir)) {}

void ConfigReader::error(int line, std::string key, std::string what) {
  errors_.push_back(ConfigError{file_, line, std::move(key), std::move(what)});
}

std::vector<ConfigError> ConfigReader::take_errors() {
  std::stable_sort(errors_.begin(), errors_.end(),
                   [](const ConfigError& a, const ConfigError& b) { return a.line < b.line; });
  return std::move(errors_);
}

std::string ConfigReader::resolve(const std::string& p) const {
  std::filesystem::path q(p);
  if (!q.is_absolute()) q = base_ / q;
  return q.lexically_normal().string();
}

// ---- Section ----

Section::Section(ConfigReader& reader, YAML::Node map, std::string path, int line)
    : reader_(reader), path_(std::move(path)), line_(line) {
  for (auto it = map.begin(); it != map.end(); ++it) {
    const YAML::Node k = it->first;  // a copy: `it->` yields a temporary
    int kline = line_of(k, line_);
    if (!k.IsScalar()) {
      reader_.error(kline, path_, "a key must be a plain name, got " + describe_value(k));
      continue;
    }
    if (const Field* first = find(k.Scalar())) {
      reader_.error(kline, key_path(k.Scalar()),
                    "given twice (first on line " + std::to_string(first->line) + ")");
      continue;
    }
    fields_.push_back(Field{k.Scalar(), key_path(k.Scalar()), kline, it->second});
  }
}

std::string Section::key_path(std::string_view key) const {
  return path_.empty() ? std::string(key) : path_ + "." + std::string(key);
}

const Field* Section::find(std::string_view key) const {
  for (const Field& f : fields_) {
    if (f.key == key) return &f;
  }
  return nullptr;
}

const Field* Section::lookup(std::string_view key) {
  known_.emplace(key);
  record(named_ ? "<name>" : key);
  return find(key);
}

void Section::record(std::string_view key) const {
  if (!t_recording) return;
  t_recording->add(pattern_.empty() ? std::string(key) : pattern_ + "." + std::string(key));
}

bool Section::has(std::string_view key) const { return find(key) != nullptr; }

int Section::key_line(std::string_view key) const {
  const Field* f = find(key);
  return f ? f->line : line_;
}

void Section::error(std::string_view key, std::string what) {
  reader_.error(key_line(key), key_path(key), std::move(what));
}

void Section::missing(std::string_view key, const std::string& what) {
  reader_.error(line_, key_path(key), what.empty() ? "required key is missing" : what);
}

std::optional<std::string> Section::string(std::string_view key, Need need, const TextCheck& check) {
  const Field* f = lookup(key);
  if (!f) {
    if (need == Need::required) missing(key);
    return std::nullopt;
  }
  if (!f->value.IsScalar()) {
    error(key, "must be a string, got " + describe_value(f->value));
    return std::nullopt;
  }
  const std::string& s = f->value.Scalar();
  std::string what;
  if (s.empty()) {
    what = "must not be empty";
  } else if (s.size() > kMaxString) {
    what = "must be at most " + std::to_string(kMaxString) + " characters";
  } else if (has_control(s)) {
    what = "must be one line without control characters, got " + quote(s);
  } else if (check) {
    what = check(s);
    if (!what.empty()) what += ", got " + quote(s);
  }
  if (!what.empty()) {
    error(key, std::move(what));
    return std::nullopt;
  }
  return s;
}

namespace {

// `v` as a number inside `range`, or what is wrong with it (in `what`).
std::optional<double> read_number(const YAML::Node& v, const Range& range, std::string& what) {
  std::string must = "must be " + range.describe() + ", got ";
  if (!v.IsScalar()) {
    what = must + describe_value(v);
    return std::nullopt;
  }
  if (quoted(v)) {
    what = must + "the string " + quote(v.Scalar()) + " (write numbers without quotes)";
    return std::nullopt;
  }
  std::optional<double> d = parse_number(v.Scalar());
  if (!d || !range.contains(*d)) {
    what = must + quote(v.Scalar());
    return std::nullopt;
  }
  return d;
}

}  // namespace

std::optional<double> Section::number(std::string_view key, Need need, const Range& range) {
  const Field* f = lookup(key);
  if (!f) {
    if (need == Need::required) missing(key);
    return std::nullopt;
  }
  std::string what;
  auto d = read_number(f->value, range, what);
  if (!d) error(key, std::move(what));
  return d;
}

std::optional<int> Section::whole(std::string_view key, Need need, int min, int max) {
  auto v = number(key, need, Range{double(min), double(max), false, false});
  if (!v) return std::nullopt;
  if (*v != std::floor(*v)) {
    error(key, "must be a whole number from " + std::to_string(min) + " to " +
                   std::to_string(max));
    return std::nullopt;
  }
  return static_cast<int>(*v);
}

std::optional<std::vector<double>> Section::number_list(std::string_view key, Need need,
                                                        const Range& range) {
  const Field* f = lookup(key);
  if (!f) {
    if (need == Need::required) missing(key);
    return std::nullopt;
  }
  if (!f->value.IsSequence()) {
    error(key, "must be a list of numbers, like [1, 2], got " + describe_value(f->value));
    return std::nullopt;
  }
  std::vector<double> out;
  bool bad = false;
  std::size_t i = 0;
  for (const YAML::Node& item : f->value) {
    std::string what;
    if (auto d = read_number(item, range, what)) {
      out.push_back(*d);
    } else {
      reader_.error(line_of(item, f->line), f->path + "[" + std::to_string(i) + "]",
                    std::move(what));
      bad = true;
    }
    ++i;
  }
  if (bad) return std::nullopt;
  return out;
}

std::optional<bool> Section::boolean(std::string_view key, Need need) {
  const Field* f = lookup(key);
  if (!f) {
    if (need == Need::required) missing(key);
    return std::nullopt;
  }
  const YAML::Node& v = f->value;
  if (v.IsScalar() && !quoted(v)) {
    const std::string& s = v.Scalar();
    if (s == "true" || s == "True" || s == "TRUE") return true;
    if (s == "false" || s == "False" || s == "FALSE") return false;
  }
  error(key, "must be true or false, got " + describe_value(v));
  return std::nullopt;
}

std::optional<std::vector<ListItem>> Section::string_list(std::string_view key, Need need,
                                                          const TextCheck& check) {
  const Field* f = lookup(key);
  if (!f) {
    if (need == Need::required) missing(key);
    return std::nullopt;
  }
  if (!f->value.IsSequence()) {
    error(key, "must be a list of strings, like [a, b], got " + describe_value(f->value));
    return std::nullopt;
  }
  std::vector<ListItem> items;
  std::size_t i = 0;
  for (const YAML::Node& item : f->value) {
    ListItem li{{}, f->path + "[" + std::to_string(i++) + "]", line_of(item, f->line)};
    std::string what;
    if (!item.IsScalar()) {
      what = "must be a string, got " + describe_value(item);
    } else if (item.Scalar().empty()) {
      what = "must not be empty";
    } else if (item.Scalar().size() > kMaxString || has_control(item.Scalar())) {
      what = "must be one line of at most 4096 characters, got " + quote(item.Scalar());
    } else if (check) {
      what = check(item.Scalar());
      if (!what.empty()) what += ", got " + quote(item.Scalar());
    }
    if (!what.empty()) {
      reader_.error(li.line, li.path, std::move(what));
      continue;
    }
    li.value = item.Scalar();
    items.push_back(std::move(li));
  }
  return items;
}

std::optional<std::string> Section::secret(std::string_view key, Need need, const TextCheck& check,
                                           std::string* used) {
  const std::string name(key);
  const std::string file_key = name + "_file";
  const Field* inl = lookup(name);
  const Field* fil = lookup(file_key);
  if (inl && fil) {
    reader_.error(std::max(inl->line, fil->line), key_path(name),
                  "give either " + name + " or " + file_key + ", not both");
    return std::nullopt;
  }
  if (!inl && !fil) {
    if (need == Need::required) {
      missing(name, "required key is missing: give " + file_key + " (or " + name + ")");
    }
    return std::nullopt;
  }
  std::string value, where;  // `where` names the file in messages
  if (inl) {
    if (!inl->value.IsScalar()) {  // never quote a scalar: it is the secret
      error(name, "must be a string, got " + describe_value(inl->value));
      return std::nullopt;
    }
    value = inl->value.Scalar();
  } else {
    std::optional<std::string> p = path(file_key, Need::required);
    if (!p) return std::nullopt;
    std::string err = read_small_file(*p, kMaxSecretFile, value);
    if (!err.empty()) {
      error(file_key, err);
      return std::nullopt;
    }
    while (!value.empty() && std::isspace(static_cast<unsigned char>(value.back()))) value.pop_back();
    where = quote(*p);
  }
  const std::string& k = inl ? name : file_key;
  std::string what;
  if (value.empty()) {
    what = inl ? "must not be empty" : "the file " + where + " is empty";
  } else if (has_control(value) || value.size() > kMaxString) {
    what = inl ? "must be one line of at most 4096 characters without control characters"
               : "the file " + where +
                     " must hold one line of at most 4096 characters (only trailing whitespace is "
                     "trimmed)";
  } else if (check) {
    what = check(value);
    if (!what.empty() && !inl) what = "the content of " + where + " " + what;
  }
  if (!what.empty()) {
    error(k, std::move(what));
    return std::nullopt;
  }
  if (used) *used = k;
  return value;
}

std::optional<std::string> Section::path(std::string_view key, Need need) {
  std::optional<std::string> p = string(key, need);
  if (!p) return std::nullopt;
  return reader_.resolve(*p);
}

std::optional<std::string> Section::readable_file(std::string_view key, Need need) {
  std::optional<std::string> p = path(key, need);
  if (!p) return std::nullopt;
  std::string err;
  int fd = open_regular(*p, err);
  if (fd < 0) {
    error(key, err);
    return std::nullopt;
  }
  ::close(fd);
  return p;
}

bool Section::section(std::string_view key, Need need, const std::function<void(Section&)>& read) {
  const Field* f = lookup(key);
  if (!f) {
    if (need == Need::required) missing(key);
    return false;
  }
  return section(*f, read);
}

bool Section::section(const Field& field, const std::function<void(Section&)>& read) {
  if (!field.value.IsMap()) {
    reader_.error(field.line, field.path, "must be a map of keys, got " + describe_value(field.value));
    return false;
  }
  Section child(reader_, field.value, field.path, field.line);
  const std::string key = named_ ? "<name>" : field.key;
  child.pattern_ = pattern_.empty() ? key : pattern_ + "." + key;
  read(child);
  child.finish();
  return true;
}

void read_named(Section& s, std::string_view what,
                const std::function<void(const std::string& id, Section&)>& read) {
  for (const Field& f : s.entries()) {
    if (!valid_id(f.key)) {
      s.reader().error(f.line, f.path,
                       "is not a valid " + std::string(what) +
                           " id: 1 to 64 of a-z, 0-9, '_' and '-', starting with a letter or digit");
    }
    s.section(f, [&](Section& child) { read(f.key, child); });
  }
}

std::vector<Field> Section::entries() {
  named_ = true;
  record("<name>");
  for (const Field& f : fields_) known_.insert(f.key);
  return fields_;
}

void Section::finish() {
  for (const Field& f : fields_) {
    if (known_.count(f.key)) continue;
    std::string best;
    std::size_t best_d = 0;
    for (const std::string& k : known_) {
      std::size_t d = edit_distance(f.key, k);
      if (best.empty() || d < best_d) {
        best = k;
        best_d = d;
      }
    }
    std::string what = "unknown key";
    if (!best.empty() && best_d <= std::max<std::size_t>(1, best.size() / 3)) {
      what += " (did you mean '" + best + "'?)";
    } else if (!known_.empty()) {
      std::string list;
      for (const std::string& k : known_) list += (list.empty() ? "" : ", ") + k;
      what += " (known here: " + list + ")";
    }
    reader_.error(f.line, f.path, std::move(what));
  }
}

}  // namespace larder::config
