#include "adapters/store/store_journal.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <nlohmann/json.hpp>
#include <utility>

#include "adapters/crypto/os_random.h"
#include "adapters/fs/state_file.h"
#include "larder/log.h"
#include "orders/random.h"

namespace larder {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

std::string errno_text() { return std::strerror(errno); }

// The database's absolute path, as journals name it.
std::string journal_db_key(const std::string& db_path) {
  std::error_code ec;
  return fs::absolute(db_path, ec).lexically_normal().string();
}

// One line per record; nlohmann's dump() escapes every control character, so a value
// cannot break a line.
std::string line(const json& j) {
  return j.dump(-1, ' ', false, json::error_handler_t::replace) + "\n";
}

// A record line, or false when it is not one (the caller counts it as skipped).
bool read_record(const json& j, JournalContents& out) {
  if (!j.is_object() || j.size() != 1) return false;
  // Not a binding to *j.items().begin(): that proxy is a temporary, and its key() too.
  const auto only = j.begin();
  const std::string& key = only.key();
  const json& a = only.value();
  if (!a.is_array()) return false;
  auto num = [](const json& v) { return v.is_number() && std::isfinite(v.get<double>()); };
  if (key == "r" && a.size() == 5 && a[0].is_string() && num(a[1]) && a[2].is_string() &&
      num(a[3]) && (a[4].is_null() || num(a[4]))) {
    Reading r{a[0].get<std::string>(), a[1].get<double>(), a[2].get<std::string>(),
              a[3].get<double>()};
    if (!a[4].is_null()) r.best_before = a[4].get<double>();
    out.readings.push_back(std::move(r));
    return true;
  }
  if (key == "s" && a.size() == 4 && a[0].is_string() && a[1].is_string() && num(a[2]) &&
      a[3].is_number_unsigned()) {
    out.states.push_back(JournalState{
        StoredState{a[0].get<std::string>(), a[1].get<std::string>(), a[2].get<double>()},
        a[3].get<std::uint64_t>()});
    return true;
  }
  if (key == "o" && a.size() == 4 && a[0].is_string() && !a[0].get<std::string>().empty() &&
      a[1].is_string() && a[2].is_boolean() && num(a[3])) {
    out.orders.push_back(StoredOrder{a[0].get<std::string>(), a[1].get<std::string>(),
                                     a[2].get<bool>(), a[3].get<double>()});
    return true;
  }
  return false;
}

// Of `lines` (in file order), for each key the last line and the last of those whose
// `updated` is at least every earlier line's of that key; the others go.
template <typename T, typename Key, typename Updated>
std::vector<T> needed_lines(std::vector<T>& lines, Key key, Updated updated) {
  std::map<std::string, std::pair<std::size_t, std::size_t>> at;  // (newest, last)
  for (std::size_t i = 0; i < lines.size(); ++i) {
    auto [it, fresh] = at.try_emplace(key(lines[i]), i, i);
    if (fresh) continue;
    if (updated(lines[i]) >= updated(lines[it->second.first])) it->second.first = i;
    it->second.second = i;
  }
  std::vector<bool> keep(lines.size(), false);
  for (const auto& entry : at) keep[entry.second.first] = keep[entry.second.second] = true;
  std::vector<T> out;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    if (keep[i]) out.push_back(std::move(lines[i]));
  }
  return out;
}

}  // namespace

StoreJournal::StoreJournal(std::string path, const std::string& db_path)
    : path_(std::move(path)), db_path_(journal_db_key(db_path)) {}

void StoreJournal::resume(const JournalContents& contents) {
  id_ = contents.id;
  std::error_code ec;
  size_ = fs::file_size(path_, ec);
  if (ec) size_ = 0;
  compacted_size_ = size_;
}

Status StoreJournal::append(const std::vector<const Reading*>& readings,
                            const std::vector<JournalState>& states,
                            const std::vector<StoredOrder>& orders) {
  if (readings.empty() && states.empty() && orders.empty()) return Status::Ok();
  const bool fresh = id_.empty();
  std::string id = id_;
  if (fresh) {
    OsRandom random;
    auto made = orders::random_hex(random, 16);
    if (!made) return Status::Error("store journal: no random bytes for its id");
    id = *made;
  }
  const std::string data = format(fresh ? id : "", db_path_, readings, states, orders);
  std::error_code ec;
  fs::create_directories(fs::path(path_).parent_path(), ec);
  // A new journal replaces any file left at the path (one already imported).
  const int flags = O_WRONLY | O_CREAT | O_CLOEXEC | (fresh ? O_TRUNC : O_APPEND);
  const int fd = ::open(path_.c_str(), flags, 0640);
  if (fd < 0) return Status::Error("store journal: cannot open " + path_ + ": " + errno_text());
  struct stat before {};
  const bool sized = ::fstat(fd, &before) == 0;
  const bool ok = write_all(fd, data) && ::fdatasync(fd) == 0;
  const std::string why = ok ? "" : errno_text();
  if (!ok) {
    // Part of `data` may be in the file, its last line cut: taken back, or the next append
    // (the store writes what failed again) would add its lines twice and glue its first
    // line to the cut one, which then does not parse.
    if (!sized || ::ftruncate(fd, before.st_size) != 0) {
      ::close(fd);
      return Status::Error("store journal: writing " + path_ + " failed: " + why +
                           ", and what it wrote of it cannot be taken back: " + errno_text());
    }
  }
  ::close(fd);
  if (!ok) return Status::Error("store journal: writing " + path_ + " failed: " + why);
  if (fresh) sync_parent_dir(path_);  // the new file's name must survive a power cut too
  id_ = id;
  if (fresh) compacted_size_ = 0;
  size_ = fresh ? data.size() : size_ + data.size();
  if (size_ > 2 * compacted_size_ + kCompactSlack) {
    if (Status c = compact(); !c.ok()) log_warn(c.message());
  }
  return Status::Ok();
}

Status StoreJournal::compact() {
  if (id_.empty()) return Status::Ok();
  auto file = read(path_, db_path_);
  if (!file.ok()) return Status::Error("store journal: not compacted: " + file.status().message());
  std::vector<const Reading*> readings;
  readings.reserve(file->readings.size());
  for (const Reading& r : file->readings) readings.push_back(&r);
  const auto states = needed_lines(
      file->states, [](const JournalState& s) { return s.state.consumable; },
      [](const JournalState& s) { return s.state.updated; });
  const auto orders = needed_lines(
      file->orders, [](const StoredOrder& o) { return o.order_id; },
      [](const StoredOrder& o) { return o.updated; });
  const std::string data = format(id_, db_path_, readings, states, orders);
  const std::string tmp = path_ + ".compacting";
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
  if (fd < 0) return Status::Error("store journal: cannot open " + tmp + ": " + errno_text());
  bool ok = write_all(fd, data) && ::fdatasync(fd) == 0;
  std::string why = ok ? "" : errno_text();
  ::close(fd);
  if (ok && ::rename(tmp.c_str(), path_.c_str()) != 0) {
    ok = false;
    why = errno_text();
  }
  if (!ok) {
    ::unlink(tmp.c_str());
    return Status::Error("store journal: compacting " + path_ + " failed: " + why);
  }
  sync_parent_dir(path_);
  log_info("store journal: compacted " + path_ + " from " + std::to_string(size_) + " to " +
           std::to_string(data.size()) + " bytes");
  size_ = compacted_size_ = data.size();
  return Status::Ok();
}

std::string StoreJournal::format(const std::string& id, const std::string& db_path,
                                 const std::vector<const Reading*>& readings,
                                 const std::vector<JournalState>& states,
                                 const std::vector<StoredOrder>& orders) {
  std::string data;
  if (!id.empty()) {
    data = line({{"larder_journal", 1}, {"db", journal_db_key(db_path)}, {"id", id}});
  }
  for (const Reading* r : readings) {
    data += line({{"r", {r->consumable, r->ts, r->kind, r->value,
                         r->best_before ? json(*r->best_before) : json()}}});
  }
  for (const JournalState& s : states) {
    data += line({{"s", {s.state.consumable, s.state.json, s.state.updated, s.through}}});
  }
  for (const StoredOrder& o : orders) {
    data += line({{"o", {o.order_id, o.json, o.finished, o.updated}}});
  }
  return data;
}

Status StoreJournal::remove() {
  std::error_code ec;
  fs::remove(path_, ec);
  id_.clear();
  size_ = compacted_size_ = 0;
  if (ec) return Status::Error("store journal: cannot remove " + path_ + ": " + ec.message());
  return Status::Ok();
}

Result<std::vector<Reading>> StoreJournal::readings_but_last(std::size_t last) const {
  auto file = read(path_, db_path_);
  if (!file.ok()) return file.status();
  std::vector<Reading>& all = file->readings;
  all.resize(all.size() - std::min(last, all.size()));
  return std::move(all);
}

Result<JournalContents> StoreJournal::read(const std::string& path, const std::string& db_path) {
  std::error_code ec;
  if (!fs::exists(path, ec)) return JournalContents{};
  std::ifstream in(path);
  if (!in) return Status::Error("store journal: cannot read " + path);
  return parse(in, path, db_path);
}

Result<JournalContents> StoreJournal::parse(std::istream& in, const std::string& path,
                                            const std::string& db_path) {
  JournalContents out;
  std::string text;
  if (!std::getline(in, text)) return out;  // empty: a journal that never got its first line
  json head = json::parse(text, nullptr, false);
  // Every field checked for its type before it is read: value() throws on a wrong one.
  if (head.is_discarded() || !head.is_object() || !head.contains("larder_journal") ||
      head["larder_journal"] != 1 ||
      !head.contains("id") || !head["id"].is_string() || !head.contains("db") ||
      !head["db"].is_string()) {
    return Status::Error("store journal: " + path + " is not a larder journal");
  }
  out.id = head["id"].get<std::string>();
  out.db = head["db"].get<std::string>();
  if (out.id.empty()) return Status::Error("store journal: " + path + " has no id");
  if (out.db != journal_db_key(db_path)) {
    return Status::Error("store journal: " + path + " was written for " + out.db + ", not " +
                         db_path);
  }
  while (std::getline(in, text)) {
    json j = json::parse(text, nullptr, false);
    if (j.is_discarded() || !read_record(j, out)) ++out.skipped_lines;
  }
  return out;
}

void CarriedJournal::take(JournalContents c) {
  for (JournalState& js : c.states) states_[js.state.consumable] = std::move(js);
  readings_ = std::move(c.readings);
  for (StoredOrder& o : c.orders) orders_[o.order_id] = std::move(o);
}

void CarriedJournal::clear() {
  readings_.clear();
  states_.clear();
  orders_.clear();
}

void CarriedJournal::states_over(std::vector<StoredState>& states) const {
  for (const auto& entry : states_) {
    const StoredState& mine = entry.second.state;
    auto at = std::find_if(states.begin(), states.end(), [&](const StoredState& st) {
      return st.consumable == mine.consumable;
    });
    if (at != states.end()) {
      *at = mine;
    } else {
      states.push_back(mine);
    }
  }
}

void CarriedJournal::readings_over(std::vector<Reading>& after,
                                   const std::vector<StoredState>& states) const {
  if (readings_.empty() && states_.empty()) return;
  std::set<std::string> with_state;
  for (const StoredState& st : states) with_state.insert(st.consumable);
  std::erase_if(after, [&](const Reading& r) { return states_.count(r.consumable) > 0; });
  for (std::size_t i = 0; i < readings_.size(); ++i) {
    const Reading& r = readings_[i];
    auto own = states_.find(r.consumable);
    if (own != states_.end() ? i >= own->second.through : with_state.count(r.consumable) > 0) {
      after.push_back(r);
    }
  }
}

void CarriedJournal::orders_over(std::vector<StoredOrder>& orders) const {
  for (const auto& entry : orders_) {
    const StoredOrder& o = entry.second;
    auto at = std::find_if(orders.begin(), orders.end(),
                           [&](const StoredOrder& x) { return x.order_id == o.order_id; });
    if (at == orders.end()) {
      orders.push_back(o);
    } else if (o.updated >= at->updated) {
      *at = o;
    }
  }
}

std::vector<StoredOrder> CarriedJournal::orders() const {
  std::vector<StoredOrder> out;
  for (const auto& [id, o] : orders_) out.push_back(o);
  return out;
}

std::string store_journal_path(const std::string& dir, const std::string& db_path) {
  // FNV-1a of the absolute path: stable, and a different name for every database.
  const std::string key = journal_db_key(db_path);
  std::uint64_t h = 1469598103934665603ULL;
  for (unsigned char c : key) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  char name[64];
  std::snprintf(name, sizeof name, "larder-%016llx.journal", static_cast<unsigned long long>(h));
  return (fs::path(dir) / name).string();
}

}  // namespace larder
