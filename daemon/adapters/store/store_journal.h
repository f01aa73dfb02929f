// The store's journal: where what a failing store took and could not commit waits for the
// next open (docs/faults.md, "The disk full or the database read-only").
//
// While commits fail (a read-only state directory, a full disk), the readings, states and
// orders that wait in memory are appended to this file, outside the state directory (by
// default in larderd's runtime directory, which a restart of the service keeps). The next
// store that opens the database for writing imports the file in one transaction and removes
// it, so neither a restart nor a stop while the store fails loses what larderd accepted.
//
// The file is JSON lines, each written whole and synced before append() returns:
//   {"larder_journal":1,"db":"<database path>","id":"<random hex>"}   first, once
//   {"r":[consumable, ts, kind, value, best_before or null]}          a reading
//   {"s":[consumable, json, updated, through]}   a state, reflecting the first `through`
//                                                readings of the file
//   {"o":[order_id, json, finished, updated]}    an order as the ledger saved it
// A line that does not parse (a torn last line after a power cut) is skipped and counted.
// Each journal has its id; the commit that takes it in records the id in the table
// journal_imports, so a journal whose removal a crash prevented is never imported twice.
#pragma once

#include <cstddef>
#include <cstdint>
#include <istream>
#include <map>
#include <string>
#include <vector>

#include "larder/status.h"
#include "larder/store.h"

namespace larder {

struct JournalState {
  StoredState state;
  std::uint64_t through = 0;  // how many of the journal's readings it reflects
};

struct JournalContents {
  std::string id;
  std::string db;  // the database it was written for
  std::vector<Reading> readings;
  std::vector<JournalState> states;
  std::vector<StoredOrder> orders;
  std::size_t skipped_lines = 0;  // lines that did not parse
};

class StoreJournal {
 public:
  // A journal at `path` for the database `db_path`; nothing is written before append().
  StoreJournal(std::string path, const std::string& db_path);

  // Continues the existing file `contents` was read from (under its id).
  void resume(const JournalContents& contents);

  // Appends the lines (written with one write() and synced); the file and its first line are
  // made at the first call. On failure what it wrote is cut off again (ftruncate), so only a
  // crash or power cut during the write leaves a torn last line, which read() skips.
  // Once the file has grown by kCompactSlack and doubled since it was last compacted, it is
  // compacted (compact()); a compaction that fails is logged and leaves the file as it was.
  Status append(const std::vector<const Reading*>& readings,
                const std::vector<JournalState>& states, const std::vector<StoredOrder>& orders);

  // Removes the file (after its contents were committed); the next append() starts a new
  // journal with a new id.
  Status remove();

  // Rewrites the file without the lines that no reader can still need: every reading stays
  // (a state's `through` counts them), and of the states of each consumable and the lines
  // of each order only the last one and the newest by `updated` (the last of those) stay,
  // in file order. An import (newest by `updated` wins) and a carry (the last line wins)
  // read the same from it as from the whole file. While commits fail, the hub checkpoints
  // every consumable at least once a minute, about 2.9 KiB a line: without this, 100
  // consumables would add some 420 MB a day to the runtime directory, a tmpfs in RAM.
  // Written to a file beside it, synced, then renamed over it.
  Status compact();
  static constexpr std::uintmax_t kCompactSlack = std::uintmax_t{1} << 20;

  // The readings of the file but its last `last`, oldest first (those a store's queue let
  // go at its cap, while it keeps the newest).
  Result<std::vector<Reading>> readings_but_last(std::size_t last) const;

  bool written() const { return !id_.empty(); }
  const std::string& id() const { return id_; }
  const std::string& path() const { return path_; }

  // Reads a journal. A missing file is an empty JournalContents (no id); a first line that
  // is not a journal's is an error, and so is one written for another database.
  static Result<JournalContents> read(const std::string& path, const std::string& db_path);
  // The same from a stream; `name` is what the errors call it.
  static Result<JournalContents> parse(std::istream& in, const std::string& name,
                                       const std::string& db_path);
  // The lines of a journal: its first line (for `id`, when not empty) and the records.
  static std::string format(const std::string& id, const std::string& db_path,
                            const std::vector<const Reading*>& readings,
                            const std::vector<JournalState>& states,
                            const std::vector<StoredOrder>& orders);

 private:
  std::string path_;
  std::string db_path_;
  std::string id_;  // empty until the file exists
  std::uintmax_t size_ = 0;            // bytes in the file after the last append
  std::uintmax_t compacted_size_ = 0;  // after the last compaction, or when resumed
};

// What a journal that could not be imported holds (a store opened read-only, or an import
// that failed), read back as if committed until a commit takes it in: the store lays it over
// what the database returns, so the hub and the ledger restore it as after a commit. Orders
// that failed to save while the store runs join it.
class CarriedJournal {
 public:
  void take(JournalContents c);
  void add_order(const StoredOrder& o) { orders_[o.order_id] = o; }
  // After the commit that took it in.
  void clear();

  // The journal's states over the database's `states` (they are newer).
  void states_over(std::vector<StoredState>& states) const;
  // The readings to learn again, from the database's `after` (Store::readings_after_states)
  // and the journal's: a consumable whose state the journal holds gets the journal's
  // readings after that state (it reflects all the database's); any other with a state
  // (`states`, as states_over() made them) keeps its database readings and gets all the
  // journal's.
  void readings_over(std::vector<Reading>& after, const std::vector<StoredState>& states) const;
  // The journal's orders over the database's, where newer.
  void orders_over(std::vector<StoredOrder>& orders) const;
  std::vector<StoredOrder> orders() const;
  std::size_t order_count() const { return orders_.size(); }

 private:
  std::vector<Reading> readings_;
  std::map<std::string, JournalState> states_;  // the newest of each consumable
  std::map<std::string, StoredOrder> orders_;
};

// The journal's file in `dir` for the database `db_path`: one per database, so several
// larderd (tests, a second household) can share a runtime directory.
std::string store_journal_path(const std::string& dir, const std::string& db_path);

}  // namespace larder
