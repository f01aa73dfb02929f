// Best-before dates of what a consumable holds: the open container's and the unopened
// packs' (docs/best-before.md).
//
// A pack gets its date from the purchase that brought it (`best_before` in the `purchased`
// message), or else `pack.best_before_days` after its purchase or delivery; a pack with
// neither has no date. The household is assumed to open the pack that expires first
// (first expired, first out), and packs without a date last. The packs on hand are counted
// by the model (on_hand); this holds the dates of the dated ones, as lots of packs with one
// date, at most kMaxLots of them: a new date beyond that joins the lot nearest in time and
// the lot keeps the earlier of the two dates, so a date is never later than the truth.
//
// assess() projects when each dated pack is opened and used up, given the median time the
// use reaches an amount (a function, so this module needs no forecast), and counts the
// packs that pass their date before they are used up. A lot is reported once: its
// `warned` mark keeps a new `pack_expiring` event from repeating while its projection
// wavers around the date.
// Thread rule: plain value.
#pragma once

#include <functional>
#include <optional>
#include <vector>

#include <nlohmann/json.hpp>

#include "larder/status.h"

namespace larder::forecast {

class PackDates {
 public:
  static constexpr std::size_t kMaxLots = 16;

  struct Lot {
    double best_before = 0;  // epoch seconds: the pack is past its date from here on
    int packs = 0;
    bool warned = false;     // a pack_expiring event named this lot already
  };

  // `packs` put on the shelf with this date (nothing: undated).
  void add(int packs, std::optional<double> best_before);
  // A pack on hand is opened: the earliest-dated one, whose date the container then
  // carries; with no dated pack left, an undated one.
  void open();
  // A pack from outside the count is opened (none was on hand): its date is unknown.
  void open_unknown();
  // Packs on hand fell to `on_hand` without being opened one by one (a count corrected):
  // the latest-dated are dropped first.
  void trim(int on_hand);

  int dated() const;                                  // dated packs on hand
  const std::vector<Lot>& lots() const { return lots_; }
  std::optional<double> container() const { return container_; }
  // The earliest date of what is held (the container while it holds something, and the
  // packs on hand), or nothing.
  std::optional<double> earliest(bool container_has_some) const;

  struct Outlook {
    int expiring = 0;                    // packs (the open container counts as one) past
                                         // their date before they are used up
    std::optional<double> expiring_at;   // the earliest date among them
    int newly = 0;                       // of them, in lots not warned of before
    std::optional<double> newly_at;      // the earliest date among those
  };
  // `level`: what the container holds; `pack`: a pack's size; `reach(x)`: the median time
  // the use from now reaches x, or nothing (too far, or no use expected). Marks the lots it
  // reports as warned.
  Outlook assess(double now, double level, double pack,
                 const std::function<std::optional<double>(double)>& reach);

  nlohmann::json save() const;
  Status load(const nlohmann::json& j);  // a missing value is a state from before dates

 private:
  std::vector<Lot> lots_;                 // earliest first
  std::optional<double> container_;       // the open container's date
  bool container_warned_ = false;
};

}  // namespace larder::forecast
