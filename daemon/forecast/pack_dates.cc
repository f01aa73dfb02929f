#include "forecast/pack_dates.h"

#include <algorithm>
#include <cmath>

#include "forecast/json_io.h"

namespace larder::forecast {

using nlohmann::json;

namespace {
constexpr int kMaxPacks = 1000000;
}

void PackDates::add(int packs, std::optional<double> best_before) {
  if (packs <= 0 || !best_before || !std::isfinite(*best_before)) return;
  auto at = std::find_if(lots_.begin(), lots_.end(),
                         [&](const Lot& l) { return l.best_before >= *best_before; });
  if (at != lots_.end() && at->best_before == *best_before) {
    at->packs = std::min(kMaxPacks, at->packs + packs);
    at->warned = false;  // new packs: their outlook is news
    return;
  }
  lots_.insert(at, Lot{*best_before, packs, false});
  if (lots_.size() <= kMaxLots) return;
  // Too many dates: the two nearest in time become one lot, with the earlier date.
  std::size_t join = 0;
  for (std::size_t i = 1; i + 1 < lots_.size(); ++i) {
    if (lots_[i + 1].best_before - lots_[i].best_before <
        lots_[join + 1].best_before - lots_[join].best_before) {
      join = i;
    }
  }
  lots_[join].packs = std::min(kMaxPacks, lots_[join].packs + lots_[join + 1].packs);
  lots_[join].warned = lots_[join].warned && lots_[join + 1].warned;
  lots_.erase(lots_.begin() + static_cast<std::ptrdiff_t>(join) + 1);
}

void PackDates::open() {
  container_warned_ = false;
  if (lots_.empty()) {
    container_.reset();
    return;
  }
  container_ = lots_.front().best_before;
  container_warned_ = lots_.front().warned;
  if (--lots_.front().packs == 0) lots_.erase(lots_.begin());
}

void PackDates::open_unknown() {
  container_.reset();
  container_warned_ = false;
}

void PackDates::trim(int on_hand) {
  int excess = dated() - std::max(0, on_hand);
  while (excess > 0 && !lots_.empty()) {
    int take = std::min(excess, lots_.back().packs);
    lots_.back().packs -= take;
    excess -= take;
    if (lots_.back().packs == 0) lots_.pop_back();
  }
}

int PackDates::dated() const {
  int n = 0;
  for (const Lot& l : lots_) n += l.packs;
  return n;
}

std::optional<double> PackDates::earliest(bool container_has_some) const {
  std::optional<double> e;
  if (container_has_some && container_) e = container_;
  if (!lots_.empty() && (!e || lots_.front().best_before < *e)) e = lots_.front().best_before;
  return e;
}

PackDates::Outlook PackDates::assess(double now, double level, double pack,
                                     const std::function<std::optional<double>(double)>& reach) {
  Outlook out;
  auto note = [&](int packs, double date, bool& warned) {
    if (packs <= 0) return;
    out.expiring += packs;
    if (!out.expiring_at || date < *out.expiring_at) out.expiring_at = date;
    if (warned) return;
    warned = true;
    out.newly += packs;
    if (!out.newly_at || date < *out.newly_at) out.newly_at = date;
  };
  // A pack is past its date before it is used up when the use reaches its end after the
  // date. Unknown use ahead (nothing from reach): only a date already past counts.
  auto late = [&](double used_up, double date) {
    if (date <= now) return true;
    auto t = reach(used_up);
    return t && *t > date;
  };
  level = std::max(0.0, level);
  if (container_ && level > 0 && late(level, *container_)) note(1, *container_, container_warned_);
  double before = level;  // what is used before the lot's first pack is opened
  for (Lot& lot : lots_) {
    // The packs of a lot are used up one after another, later and later: find the first
    // that is late (if the last is not, none is).
    int lo = 0, hi = lot.packs;  // the first late pack is in [lo, hi]; lot.packs: none
    if (late(before + lot.packs * pack, lot.best_before)) {
      hi = lot.packs - 1;
      while (lo < hi) {
        int mid = lo + (hi - lo) / 2;
        if (late(before + (mid + 1) * pack, lot.best_before)) {
          hi = mid;
        } else {
          lo = mid + 1;
        }
      }
    }
    note(lot.packs - hi, lot.best_before, lot.warned);
    before += lot.packs * pack;
  }
  return out;
}

json PackDates::save() const {
  json lots = json::array();
  for (const Lot& l : lots_) lots.push_back({l.best_before, l.packs, l.warned});
  return {{"lots", lots},
          {"container", container_ ? json(*container_) : json(nullptr)},
          {"container_warned", container_warned_}};
}

Status PackDates::load(const json& j) {
  if (j.is_null()) {  // saved before best-before dates were known
    *this = PackDates{};
    return Status::Ok();
  }
  JsonReader r(j, "dates");
  PackDates d;
  for (const auto& l : r.list("lots", kMaxLots)) {
    if (!l.is_array() || l.size() != 3 || !l[0].is_number() || !std::isfinite(l[0].get<double>()) ||
        !l[1].is_number_integer() || l[1].get<int>() < 1 || l[1].get<int>() > kMaxPacks ||
        !l[2].is_boolean()) {
      r.fail("lots", "holds a malformed lot");
      break;
    }
    if (!d.lots_.empty() && l[0].get<double>() <= d.lots_.back().best_before) {
      r.fail("lots", "are not in order of their dates");
      break;
    }
    d.lots_.push_back({l[0].get<double>(), l[1].get<int>(), l[2].get<bool>()});
  }
  const json& c = j.is_object() && j.contains("container") ? j["container"] : json();
  if (c.is_number() && std::isfinite(c.get<double>())) {
    d.container_ = c.get<double>();
  } else if (!c.is_null()) {
    r.fail("container", "is not null or a number");
  }
  d.container_warned_ = r.flag("container_warned");
  if (!r.ok()) return Status::Error(r.error());
  *this = std::move(d);
  return Status::Ok();
}

}  // namespace larder::forecast
