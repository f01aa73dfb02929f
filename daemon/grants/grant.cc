#include "grants/grant.h"

#include <array>
#include <cmath>
#include <utility>

#include "core/json_reader.h"
#include "larder/config.h"

namespace larder::grants {

using nlohmann::json;

namespace {

constexpr std::array<std::string_view, 5> kStateNames = {"issued", "unlocked", "opened",
                                                         "closed", "revoked"};
constexpr std::array<std::string_view, 10> kReasons = {
    reason::kRelocked,       reason::kWindowEnded, reason::kCarMoved,  reason::kLeftPlace,
    reason::kUser,           reason::kLockout,     reason::kReplanned, reason::kOrderCancelled,
    reason::kOrderDelivered, reason::kOrderFailed};
constexpr std::size_t kMaxName = 64;

using Reader = JsonReader;

json opt(const std::optional<double>& v) { return v ? json(*v) : json(nullptr); }

bool lower_hex(std::string_view s, std::size_t n) {
  if (s.size() != n) return false;
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

}  // namespace

std::string base64url(std::string_view bytes) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  out.reserve((bytes.size() * 4 + 2) / 3);
  std::size_t i = 0;
  auto at = [&](std::size_t k) { return static_cast<unsigned char>(bytes[k]); };
  for (; i + 3 <= bytes.size(); i += 3) {
    const unsigned v = (at(i) << 16) | (at(i + 1) << 8) | at(i + 2);
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
    out += kAlphabet[v & 63];
  }
  if (bytes.size() - i == 1) {
    const unsigned v = at(i) << 16;
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
  } else if (bytes.size() - i == 2) {
    const unsigned v = (at(i) << 16) | (at(i + 1) << 8);
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
  }
  return out;
}

std::optional<std::string> new_code(orders::Random& random) {
  std::array<unsigned char, kCodeBytes> raw{};
  if (!random.fill(raw.data(), raw.size())) return std::nullopt;
  std::string code =
      base64url(std::string_view(reinterpret_cast<const char*>(raw.data()), raw.size()));
  raw.fill(0);  // the raw bytes need not linger on the stack
  return code;
}

bool valid_hash(std::string_view s) { return lower_hex(s, kHashChars); }

std::string_view state_name(State s) { return kStateNames[static_cast<std::size_t>(s)]; }

std::optional<State> parse_state(std::string_view s) {
  for (std::size_t i = 0; i < kStateNames.size(); ++i) {
    if (kStateNames[i] == s) return static_cast<State>(i);
  }
  return std::nullopt;
}

bool valid_reason(std::string_view r) {
  for (std::string_view k : kReasons) {
    if (k == r) return true;
  }
  return false;
}

Status check_terms(const std::string& order_id, const std::string& vehicle,
                   orders::Window window, const delivery::Place& place, double now) {
  // An invalid id is shown cut short: it may be anything a caller sent.
  auto shown = [](const std::string& s) { return "'" + s.substr(0, kMaxName) + "'"; };
  if (!valid_id(order_id)) {
    return Status::Error("grants: " + shown(order_id) + " is not an order id");
  }
  if (!valid_id(vehicle)) {
    return Status::Error("grants: " + shown(vehicle) + " is not a vehicle id");
  }
  if (!std::isfinite(now) || !std::isfinite(window.start) || !std::isfinite(window.end)) {
    return Status::Error("grants: the time or the window of order " + order_id +
                         " is not a finite number");
  }
  if (!(window.end > window.start)) {
    return Status::Error("grants: the delivery window of order " + order_id + " is empty");
  }
  if (now >= window.end) {
    return Status::Error("grants: the delivery window of order " + order_id + " has ended");
  }
  if (!delivery::valid(place.at) || !std::isfinite(place.radius_m) || !(place.radius_m > 0) ||
      place.name.size() > kMaxName) {
    return Status::Error("grants: the delivery place of order " + order_id +
                         " is not a valid point with a positive radius and a short name");
  }
  return Status::Ok();
}

json grant_json(const Grant& g) {
  return {{"id", g.id},
          {"order_id", g.order_id},
          {"vehicle", g.vehicle},
          {"window", {{"start", g.window.start}, {"end", g.window.end}}},
          {"place",
           {{"name", g.place.name},
            {"lat", g.place.at.lat},
            {"lon", g.place.at.lon},
            {"radius_m", g.place.radius_m}}},
          {"code_hash", g.code_hash},
          {"state", state_name(g.state)},
          {"wrong_codes", g.wrong_codes},
          {"issued_at", g.issued_at},
          {"updated", g.updated},
          {"unlocked_at", opt(g.unlocked_at)},
          {"opened_at", opt(g.opened_at)},
          {"closed_at", opt(g.closed_at)},
          {"lock_sent", g.lock_sent},
          {"handed", g.handed},
          {"end_reason", g.end_reason}};
}

Result<Grant> load_grant(const json& j) {
  Reader r(j, "grant");
  Grant g;
  g.id = r.str("id", 32);
  if (r.ok() && !lower_hex(g.id, 32)) r.fail("id", "is not 32 lower-case hex characters");
  g.order_id = r.str("order_id", kMaxName);
  if (r.ok() && !valid_id(g.order_id)) r.fail("order_id", "is not a valid id");
  g.vehicle = r.str("vehicle", kMaxName);
  if (r.ok() && !valid_id(g.vehicle)) r.fail("vehicle", "is not a valid id");
  {
    Reader w(r.object("window"), r.at("window"));
    g.window = {w.num("start"), w.num("end")};
    if (w.ok() && !(g.window.end > g.window.start)) w.fail("end", "is not after start");
    r.adopt(w.error());
  }
  {
    Reader p(r.object("place"), r.at("place"));
    g.place.name = p.str("name", kMaxName, false);
    g.place.at = {p.num("lat"), p.num("lon")};
    g.place.radius_m = p.num("radius_m");
    if (p.ok() && !delivery::valid(g.place.at)) p.fail("lat", "and lon are not a valid point");
    if (p.ok() && !(g.place.radius_m > 0)) p.fail("radius_m", "is not positive");
    r.adopt(p.error());
  }
  g.code_hash = r.str("code_hash", kHashChars);
  if (r.ok() && !valid_hash(g.code_hash)) r.fail("code_hash", "is not a SHA-256 in hex");
  auto state = parse_state(r.str("state", 16));
  if (r.ok() && !state) r.fail("state", "is not a grant state");
  g.state = state.value_or(State::revoked);
  g.wrong_codes = r.integer("wrong_codes", 0, 1000000);
  g.issued_at = r.num("issued_at");
  g.updated = r.num("updated");
  g.unlocked_at = r.opt_num("unlocked_at", true);
  g.opened_at = r.opt_num("opened_at", true);
  g.closed_at = r.opt_num("closed_at", true);
  g.lock_sent = r.flag("lock_sent");
  g.handed = r.flag_or("handed", true);  // absent: stored by a version that did not ask
  g.end_reason = r.str("end_reason", 32, false);
  if (r.ok() && g.live() != g.end_reason.empty()) {
    r.fail("end_reason", "does not agree with the state");
  }
  if (r.ok() && !g.live() && !valid_reason(g.end_reason)) {
    r.fail("end_reason", "is not a known reason");
  }
  const bool past_issued = g.state == State::unlocked || g.state == State::opened ||
                           g.state == State::closed;
  if (r.ok() && past_issued && !g.unlocked_at) {
    r.fail("unlocked_at", "is missing for a grant that was used");
  }
  if (!r.ok()) return Status::Error(r.error());
  return g;
}

}  // namespace larder::grants
