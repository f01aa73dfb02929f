#include "grants/grant_book.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <map>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include "larder/config.h"
#include "larder/texts.h"

namespace larder::grants {

namespace {

std::string num(double v) {
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  return ec == std::errc() ? std::string(buf, end) : std::string("?");
}

// The order and the car a grant is for, as placeholders of the events' texts.
TextArgs about(const Grant& g) { return {Texts::arg("order", g.order_id), Texts::arg("car", g.vehicle)}; }

TextArgs with(TextArgs args, TextArg more) {
  args.push_back(std::move(more));
  return args;
}

std::string place_name(const Texts& t, const Grant& g) {
  return g.place.name.empty() ? t("event.grant.default_place") : g.place.name;
}

// Why a carrier was turned away, in words for the household.
std::string verdict_words(const Texts& t, Verdict v, const Grant& g) {
  std::string id = "event.grant.refused." + std::string(verdict_name(v));
  if (!t.has(id)) return std::string(verdict_name(v));
  return t(id, {Texts::arg("place", place_name(t, g))});
}

// Why a grant ended ("the trunk was locked again", ...).
std::string reason_words(const Texts& t, std::string_view r) {
  std::string id = "event.grant.ended." + std::string(r);
  return t.has(id) ? t(id) : std::string(r);
}

// Whether a is a later grant of its order than b: the live one (an order has at most one),
// else the one issued last (and changed last, when issued at the same time).
bool newer(const Grant& a, const Grant& b) {
  if (a.live() != b.live()) return a.live();
  if (a.issued_at != b.issued_at) return a.issued_at > b.issued_at;
  return a.updated > b.updated;
}

}  // namespace

std::string_view verdict_name(Verdict v) {
  static constexpr std::array<std::string_view, 11> kNames = {
      "ok",          "no_grant",  "wrong_code",       "locked_out",   "outside_window",
      "car_unknown", "car_moving", "car_not_in_place", "already_used", "revoked",
      "unavailable"};
  return kNames[static_cast<std::size_t>(v)];
}

GrantBook::GrantBook(GrantStore& store, orders::Random& random, GrantCrypto& crypto,
                     GrantOptions options)
    : store_(store),
      random_(random),
      crypto_(crypto),
      o_(std::move(options)),
      texts_(texts_for(o_.locale)),
      audit_([&store](const AuditEntry& e) { return store.append_audit(e); },
             [&store] { return store.last_audit(); }, crypto, o_.max_pending_audit) {}

Status GrantBook::restore() {
  auto loaded = store_.load_grants();
  if (!loaded.ok()) return loaded.status();
  std::map<std::string, Grant> grants;
  for (Grant& g : *loaded) {
    const std::string id = g.id;
    if (!grants.emplace(id, std::move(g)).second) {
      return Status::Error("grants: grant " + id + " is stored twice");
    }
  }
  if (Status s = audit_.restore(); !s.ok()) return s;
  grants_ = std::move(grants);
  dirty_.clear();
  // A crash between committing a new grant and revoking the order's old one leaves two
  // live grants: the newest stays. (Its effects have no one to go to; the audit has it.)
  std::map<std::string, std::vector<Grant*>> live_by_order;
  for (auto& [id, g] : grants_) {
    if (g.live()) live_by_order[g.order_id].push_back(&g);
  }
  for (auto& [order, list] : live_by_order) {
    std::sort(list.begin(), list.end(),
              [](const Grant* a, const Grant* b) { return a->issued_at < b->issued_at; });
    for (std::size_t i = 0; i + 1 < list.size(); ++i) {
      Effects ignored;
      end(*list[i], reason::kReplanned, list.back()->issued_at, ignored);
    }
  }
  return Status::Ok();
}

Result<GrantBook::Issued> GrantBook::issue(const std::string& order_id,
                                           const std::string& vehicle, orders::Window window,
                                           const delivery::Place& place, double now,
                                           Effects& fx) {
  if (Status s = check_terms(order_id, vehicle, window, place, now); !s.ok()) return s;
  auto id = orders::random_hex(random_, 16);
  auto code = id ? new_code(random_) : std::nullopt;
  if (!code) {
    return Status::Error("grants: no randomness for the access code of order " + order_id);
  }
  Grant g;
  g.id = *id;
  g.order_id = order_id;
  g.vehicle = vehicle;
  g.window = window;
  g.place = place;
  g.code_hash = crypto_.sha256_hex(*code);
  g.issued_at = now;
  g.updated = now;
  if (!valid_hash(g.code_hash)) {
    return Status::Error("grants: cannot hash the access code of order " + order_id);
  }
  if (grants_.count(g.id) > 0) {  // 128 random bits repeating: the source is broken
    return Status::Error("grants: the random source repeated a grant id for order " +
                         order_id);
  }
  if (Status s = store_.save_grant(g); !s.ok()) {
    return Status::Error("grants: the access grant for order " + order_id +
                         " could not be stored, so none was issued: " + s.message());
  }
  // Committed: from here on the new grant exists, whatever else fails.
  if (Grant* old = newest_mut(order_id); old && old->live()) {
    end(*old, reason::kReplanned, now, fx);
  }
  const Grant& kept = grants_.emplace(g.id, std::move(g)).first->second;
  record("issued", &kept, order_id,
         "window " + num(window.start) + " to " + num(window.end) + " at " +
             (kept.place.name.empty() ? std::string("the delivery place") : kept.place.name) +
             " (" + num(place.at.lat) + ", " + num(place.at.lon) + ", " + num(place.radius_m) +
             " m)",
         now, fx);
  fx.events.push_back({"grant_issued",
                       texts_("event.grant.issued",
                              with(about(kept), Texts::arg("place", place_name(texts_, kept)))),
                       order_id, vehicle});
  return Issued{kept.id, std::move(*code)};
}

GrantBook::Check GrantBook::view(const std::string& order_id, std::string_view code, double now,
                                 Effects& fx) {
  Grant* g = nullptr;
  return admit(order_id, code, now, fx, &g);
}

GrantBook::Check GrantBook::unlock(const std::string& order_id, std::string_view code,
                                   double now, const std::optional<VehicleNow>& car,
                                   Effects& fx) {
  Grant* g = nullptr;
  Check c = admit(order_id, code, now, fx, &g);
  if (c.verdict != Verdict::ok) return c;
  if (!car || !std::isfinite(car->ts) || now - car->ts > o_.car_max_age_s) {
    return refuse(Verdict::car_unknown, g, order_id, now, fx);
  }
  if (car->moving) return refuse(Verdict::car_moving, g, order_id, now, fx);
  if (!delivery::inside(g->place, car->at, car->accuracy_m)) {
    return refuse(Verdict::car_not_in_place, g, order_id, now, fx);
  }
  Grant used = *g;
  used.state = State::unlocked;
  used.unlocked_at = now;
  used.updated = now;
  if (!commit(*g, std::move(used), fx)) return refuse(Verdict::unavailable, g, order_id, now, fx);
  fx.commands.push_back({g->vehicle, "unlock_trunk", g->id});
  record("used", g, g->order_id, "unlock_trunk sent", now, fx);
  fx.events.push_back({"trunk_unlocked", texts_("event.grant.unlocked", about(*g)), g->order_id,
                       g->vehicle});
  return {Verdict::ok, g};
}

GrantBook::Check GrantBook::admit(const std::string& order_id, std::string_view code,
                                  double now, Effects& fx, Grant** out) {
  if (!valid_id(order_id)) return refuse(Verdict::no_grant, nullptr, "", now, fx);
  Grant* g = newest_mut(order_id);
  *out = g;
  if (!g) return refuse(Verdict::no_grant, nullptr, order_id, now, fx);
  // Once locked out the code is not looked at: every answer is the same, so guessing on
  // teaches nothing.
  if (g->end_reason == reason::kLockout) return refuse(Verdict::locked_out, g, order_id, now, fx);
  const std::string given = crypto_.sha256_hex(code);
  if (!valid_hash(given)) return refuse(Verdict::unavailable, g, order_id, now, fx);
  if (!crypto_.equal(given, g->code_hash)) {
    // Counted while the code could still open something; saved even when the store fails
    // (kept in memory and retried), so a restart rarely forgets a wrong code.
    const bool counts = g->state == State::issued;
    if (counts) {
      ++g->wrong_codes;
      g->updated = now;
      save(*g, fx);
    }
    Check c = refuse(Verdict::wrong_code, g, order_id, now, fx);
    if (counts && g->wrong_codes >= o_.max_wrong_codes) end(*g, reason::kLockout, now, fx);
    return c;
  }
  if (!g->live()) {
    return refuse(g->used() ? Verdict::already_used : Verdict::revoked, g, order_id, now, fx);
  }
  if (g->state != State::issued) return refuse(Verdict::already_used, g, order_id, now, fx);
  if (!(now >= g->window.start && now < g->window.end)) {
    return refuse(Verdict::outside_window, g, order_id, now, fx);
  }
  return {Verdict::ok, g};
}

GrantBook::Check GrantBook::refuse(Verdict v, Grant* g, const std::string& order_id, double now,
                                   Effects& fx) {
  std::string detail(verdict_name(v));
  if (v == Verdict::wrong_code && g && g->live() && g->state == State::issued) {
    detail += " (" + std::to_string(g->wrong_codes) + " of " +
              std::to_string(o_.max_wrong_codes) + ")";
  }
  // Only an attempt on an access that could still open a trunk is audited: a live grant's
  // refusals are bounded by its lockout and its life. Requests about no grant or an ended
  // one need no credentials to make, and each audit row is kept for good, so that anyone
  // could grow the log without end (an audit, 2026-12-05: 43,000 rows a day through the
  // carrier API's throttle); those are counted by the delivery desk
  // (`larder_carrier_refused_total`) instead.
  if (g && g->live()) {
    record("refused", g, order_id, std::move(detail), now, fx);
    fx.events.push_back({"grant_refused",
                         texts_("event.grant.refused",
                                with(about(*g), Texts::arg("why", verdict_words(texts_, v, *g)))),
                         g->order_id, g->vehicle});
  }
  return {v, g};
}

void GrantBook::on_trunk(const std::string& vehicle, std::string_view state, double ts,
                         double now, Effects& fx) {
  if (state != "open" && state != "closed" && state != "locked") return;
  // The live grants whose code unlocked this trunk, with no report from before their unlock;
  // the trunk's cycle is the one of the latest unlock. A late `locked` taken before the
  // unlock would end the grant while the car carries the unlock out: never taken for it.
  const double skew = state == "locked" ? 0.0 : kTrunkSkewS;
  std::vector<Grant*> used;
  for (auto& [id, g] : grants_) {
    if (g.vehicle == vehicle && g.live() && g.used() && ts >= *g.unlocked_at - skew) {
      used.push_back(&g);
    }
  }
  if (used.empty()) return;
  std::stable_sort(used.begin(), used.end(), [](const Grant* a, const Grant* b) {
    return *a->unlocked_at > *b->unlocked_at;
  });
  Grant& g = *used.front();
  if (state == "open") {
    if (g.state == State::opened) return;
    g.state = State::opened;
    if (!g.opened_at) g.opened_at = now;
    g.closed_at.reset();  // the lock timeout counts from the last close
    g.updated = now;
    save(g, fx);
  } else if (state == "closed") {
    if (g.state != State::opened) return;
    g.state = State::closed;
    g.closed_at = now;
    g.updated = now;
    save(g, fx);
  } else {
    // Locked: the end of every used grant of the car. Each tells of its own cycle only: an
    // older one whose trunk a later code unlocked again was delivered to only if it was
    // opened while it was the latest.
    for (Grant* each : used) relocked(*each, each == &g, now, fx);
  }
}

void GrantBook::on_location(const std::string& vehicle, const VehicleNow& car, double now,
                            Effects& fx) {
  if (!delivery::valid(car.at) || !std::isfinite(car.accuracy_m)) return;
  const double accuracy = std::max(0.0, car.accuracy_m);
  for (auto& [id, g] : grants_) {
    // A code waiting in its window, or one that unlocked the trunk the carrier has not
    // opened yet: a car driving away ends either (the latter with a lock: end() sends it).
    const bool unlocked = g.state == State::unlocked && g.unlocked_at;
    if (g.vehicle != vehicle || (g.state != State::issued && !unlocked)) continue;
    if (!unlocked && (now < g.window.start || now >= g.window.end)) continue;
    // Taken before the grant (or its unlock): no news of the car since.
    if (car.ts < (unlocked ? *g.unlocked_at : g.issued_at)) continue;
    // `moving` is "not yet seen still" as well: a tracker plugin started again (larderd
    // restarted during the window) calls its first fix moving. Surely inside the place (its
    // whole accuracy circle), a code still waiting is kept: the carrier finds the car there,
    // and unlock() refuses while the car is called moving. A trunk already unlocked is
    // locked at any sign of driving.
    if (car.moving && (unlocked || !delivery::inside(g.place, car.at, accuracy))) {
      end(g, reason::kCarMoved, now, fx);
    } else if (delivery::distance_m(g.place.at, car.at) - accuracy > g.place.radius_m) {
      // Surely outside (its whole accuracy circle is): a blurred fix alone does not
      // revoke; unlock() still wants the car surely inside.
      end(g, reason::kLeftPlace, now, fx);
    }
  }
}

void GrantBook::tick(double now, Effects& fx) {
  flush_dirty(fx);
  if (Status s = audit_.flush(); !s.ok()) fail(fx, s);
  const double wait = o_.lock_timeout_s;
  for (auto& [id, g] : grants_) {
    if (!g.live()) continue;
    if (g.state == State::issued) {
      if (now >= g.window.end) end(g, reason::kWindowEnded, now, fx);
      continue;
    }
    // In use: unlocked (the carrier has not opened it yet), opened or closed.
    const bool after_window = now >= g.window.end + wait;
    if (!g.lock_sent) {
      const bool not_opened = g.state == State::unlocked && now - *g.unlocked_at >= wait;
      const bool not_locked = g.state == State::closed && g.closed_at &&
                              now - *g.closed_at >= wait;
      if (not_opened || not_locked || after_window) send_lock(g, now, fx);
    } else if (after_window && now - g.updated >= wait) {
      // The lock went out and the trunk never reported it locked: the grant ends with its
      // window (a lock_timeout_s later, and not before the car had that long to answer).
      end(g, reason::kWindowEnded, now, fx);
    }
  }
}

bool GrantBook::revoke(const std::string& order_id, const std::string& reason, double now,
                       Effects& fx) {
  if (!valid_reason(reason)) return false;
  Grant* g = newest_mut(order_id);
  if (!g || !g->live()) return false;
  end(*g, reason, now, fx);
  return true;
}

bool GrantBook::handed(const std::string& order_id, const std::string& grant_id, Effects& fx) {
  auto it = grants_.find(grant_id);
  if (it == grants_.end() || it->second.order_id != order_id || !it->second.live()) return false;
  if (!it->second.handed) {
    it->second.handed = true;
    save(it->second, fx);  // a refused save is retried at tick()
  }
  return true;
}

const Grant* GrantBook::live(const std::string& order_id) const {
  const Grant* g = newest(order_id);
  return g && g->live() ? g : nullptr;
}

const Grant* GrantBook::newest(const std::string& order_id) const {
  const Grant* best = nullptr;
  for (const auto& [id, g] : grants_) {
    if (g.order_id != order_id) continue;
    if (g.live()) return &g;  // at most one per order
    if (!best || newer(g, *best)) best = &g;
  }
  return best;
}

void GrantBook::forget_ended(double now,
                             const std::function<bool(const std::string&)>& order_open,
                             Effects& fx) {
  if (now < next_forget_ && next_forget_ - now <= o_.forget_retry_s) return;
  next_forget_ = now + o_.forget_every_s;
  std::map<std::string, const Grant*> newest_of;  // by order: what newest() answers
  for (const auto& [id, g] : grants_) {
    const Grant*& best = newest_of[g.order_id];
    if (!best || newer(g, *best)) best = &g;
  }
  std::vector<std::string> ended;
  for (const auto& [id, g] : grants_) {
    if (g.live() || ended.size() >= o_.max_forget) continue;
    const bool replaced = newest_of[g.order_id] != &g;
    if (replaced || (now - g.updated >= o_.forget_ended_s && !order_open(g.order_id))) {
      ended.push_back(id);
    }
  }
  if (ended.empty()) return;
  if (Status s = store_.delete_grants(ended); !s.ok()) {
    fail(fx, s);  // a read-only store says so at every look: look less often
    next_forget_ = now + o_.forget_retry_s;
    return;
  }
  for (const std::string& id : ended) {
    grants_.erase(id);
    dirty_.erase(id);
  }
}

Grant* GrantBook::newest_mut(const std::string& order_id) {
  return const_cast<Grant*>(newest(order_id));
}

std::vector<Grant> GrantBook::all() const {
  std::vector<Grant> out;
  for (const auto& [id, g] : grants_) out.push_back(g);
  std::stable_sort(out.begin(), out.end(),
                   [](const Grant& a, const Grant& b) { return a.issued_at < b.issued_at; });
  return out;
}

Result<AuditReport> GrantBook::audit(std::int64_t after_seq, std::size_t limit) const {
  AuditReport r;
  r.pending = audit_.pending();
  auto scan = scan_audit(
      [this](std::int64_t after, std::size_t n) { return store_.load_audit(after, n); }, crypto_,
      [&](const AuditEntry& e) {
        if (e.seq > after_seq && r.entries.size() < limit) r.entries.push_back(e);
      });
  if (!scan.ok()) return scan.status();
  audit_.check_end(*scan);
  r.check = std::move(scan->check);
  return r;
}

bool GrantBook::commit(Grant& g, Grant updated, Effects& fx) {
  if (Status s = store_.save_grant(updated); !s.ok()) {
    fail(fx, s);
    return false;
  }
  g = std::move(updated);
  dirty_.erase(g.id);
  return true;
}

void GrantBook::save(Grant& g, Effects& fx) {
  if (Status s = store_.save_grant(g); !s.ok()) {
    dirty_.insert(g.id);
    fail(fx, s);
  } else {
    dirty_.erase(g.id);
  }
}

void GrantBook::flush_dirty(Effects& fx) {
  for (const std::string& id : std::vector<std::string>(dirty_.begin(), dirty_.end())) {
    auto it = grants_.find(id);
    if (it == grants_.end()) {
      dirty_.erase(id);
    } else {
      save(it->second, fx);
    }
  }
}

void GrantBook::record(const char* event, const Grant* g, const std::string& order_id,
                       std::string detail, double now, Effects& fx) {
  AuditEntry e;
  e.ts = std::isfinite(now) ? now : 0;  // the chain wants a finite time; 0 is "unknown"
  e.event = event;
  if (g) {
    e.grant_id = g->id;
    e.vehicle = g->vehicle;
  }
  e.order_id = order_id;
  e.detail = std::move(detail);
  if (Status s = audit_.append(std::move(e)); !s.ok()) fail(fx, s);
}

void GrantBook::end(Grant& g, std::string_view why, double now, Effects& fx, bool locked) {
  const bool in_use = g.used() && !locked;
  g.state = State::revoked;
  g.end_reason = std::string(why);
  g.updated = now;
  if (in_use && !g.lock_sent) {
    fx.commands.push_back({g.vehicle, "lock", std::nullopt});
    g.lock_sent = true;
  }
  save(g, fx);
  record("revoked", &g, g.order_id, std::string(why), now, fx);
  fx.events.push_back({"access_revoked",
                       texts_("event.grant.revoked",
                              with(about(g), Texts::arg("why", reason_words(texts_, why)))),
                       g.order_id, g.vehicle});
}

void GrantBook::relocked(Grant& g, bool latest, double now, Effects& fx) {
  const bool delivered = g.opened_at.has_value();
  if (!latest && !delivered) {  // its trunk was never opened for it, yet it was for another
    end(g, reason::kRelocked, now, fx, /*locked=*/true);
    return;
  }
  g.state = State::revoked;
  g.end_reason = reason::kRelocked;
  g.updated = now;
  save(g, fx);
  record("revoked", &g, g.order_id,
         delivered ? "relocked (the trunk was opened)" : "relocked (never opened)", now, fx);
  fx.events.push_back(
      {"trunk_relocked",
       texts_(delivered ? "event.grant.relocked_delivered" : "event.grant.relocked_unopened",
              about(g)),
       g.order_id, g.vehicle});
  if (delivered) fx.delivered_by_trunk.push_back(g.order_id);
}

void GrantBook::send_lock(Grant& g, double now, Effects& fx) {
  g.lock_sent = true;
  g.updated = now;
  save(g, fx);
  fx.commands.push_back({g.vehicle, "lock", std::nullopt});
  const bool opened = g.opened_at.has_value();
  fx.events.push_back({"trunk_not_locked",
                       texts_(opened ? "event.grant.not_locked" : "event.grant.not_opened",
                              about(g)),
                       g.order_id, g.vehicle});
}

void GrantBook::fail(Effects& fx, const Status& s) {
  if (fx.store_error.ok()) fx.store_error = s;
}

}  // namespace larder::grants
