#include "orders/order.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <utility>

#include "core/json_reader.h"
#include "larder/config.h"
#include "orders/random.h"

namespace larder::orders {

using nlohmann::json;

namespace {

constexpr std::array<std::string_view, 8> kStatusNames = {
    "held",  "awaiting_confirmation", "placing", "placed", "shipped", "delivered", "cancelled",
    "failed"};
constexpr std::array<std::string_view, 5> kSourceNames = {"sensor", "button", "voice", "api",
                                                          "cli"};
constexpr std::size_t kMaxString = 256;  // a sku, a quote id, a retailer's order id
constexpr int kMaxQuantity = 999;

using Reader = JsonReader;

std::optional<Window> read_window(Reader& r, const char* key, bool required) {
  const json* v = r.get(key, required);
  if (!v || v->is_null()) return std::nullopt;
  Reader w(*v, r.at(key));
  Window out{w.num("start"), w.num("end")};
  if (w.ok() && out.end < out.start) w.fail("end", "is before start");
  if (!w.ok()) {
    r.adopt(w.error());
    return std::nullopt;
  }
  return out;
}

json window_json(const std::optional<Window>& w) {
  if (!w) return nullptr;
  return {{"start", w->start}, {"end", w->end}};
}

json opt(const std::optional<double>& v) { return v ? json(*v) : json(nullptr); }

constexpr std::size_t kMaxWhyArgs = 8;

json why_json(const Why& w) {
  json args = json::object();
  for (const auto& [name, value] : w.args) args[name] = value;
  return {{"id", w.id}, {"args", std::move(args)}};
}

// A reason's words (absent in an older store, and when the reason is not larderd's).
Why read_why(Reader& r, const char* key) {
  const json* v = r.get(key, false);
  if (!v || v->is_null()) return {};
  Reader w(*v, r.at(key));
  Why out;
  out.id = w.str("id", 64);
  if (w.ok() && out.id.rfind("order.reason.", 0) != 0) {
    w.fail("id", "is not an order.reason.* message");
  }
  const json& args = w.object("args");
  if (w.ok() && (!args.is_object() || args.size() > kMaxWhyArgs)) {
    w.fail("args", "is not an object of at most " + std::to_string(kMaxWhyArgs) + " values");
  }
  for (auto it = args.begin(); w.ok() && args.is_object() && it != args.end(); ++it) {
    if (!it->is_string() || it->get_ref<const std::string&>().size() > kMaxReasonBytes) {
      w.fail("args", "holds a value that is not a string of at most " +
                         std::to_string(kMaxReasonBytes) + " bytes");
    } else {
      out.args.emplace_back(it.key(), it->get<std::string>());
    }
  }
  if (!w.ok()) {
    r.adopt(w.error());
    return {};
  }
  return out;
}
json opt(const std::optional<std::string>& v) { return v ? json(*v) : json(nullptr); }

// The quote's package: absent fields stay unknown; a present one must be valid.
std::optional<Package> read_package(const json& j, Reader& outer) {
  Reader r(j, outer.at("package"));
  Package p;
  if (auto w = r.opt_num("weight_kg", false)) {
    if (*w <= 0) r.fail("weight_kg", "is not a positive number");
    p.weight_kg = w;
  }
  if (const json* d = r.get("dims_cm", false); d && !d->is_null()) {
    if (!d->is_array() || d->size() != 3) {
      r.fail("dims_cm", "is not an array of three sizes");
    } else {
      std::array<double, 3> dims{};
      for (std::size_t i = 0; i < 3; ++i) {
        const json& v = (*d)[i];
        if (!v.is_number() || !std::isfinite(v.get<double>()) || v.get<double>() <= 0) {
          r.fail("dims_cm", "holds a size that is not a positive number");
          break;
        }
        dims[i] = v.get<double>();
      }
      if (r.ok()) p.dims_cm = dims;
    }
  }
  if (auto v = r.opt_num("value", false)) {
    if (*v < 0) r.fail("value", "is negative");
    p.value = v;
  }
  for (const char* key : {"signature_required", "temperature_sensitive"}) {
    const json* v = r.get(key, false);
    if (!v || v->is_null()) continue;
    if (!v->is_boolean()) {
      r.fail(key, "is not true or false");
      continue;
    }
    (std::string_view(key) == "signature_required" ? p.signature_required
                                                   : p.temperature_sensitive) = v->get<bool>();
  }
  if (!r.ok()) {
    outer.adopt(r.error());
    return std::nullopt;
  }
  return p;
}

json package_json(const std::optional<Package>& p) {
  if (!p) return nullptr;
  json dims = nullptr;
  if (p->dims_cm) dims = {(*p->dims_cm)[0], (*p->dims_cm)[1], (*p->dims_cm)[2]};
  return {{"weight_kg", opt(p->weight_kg)},
          {"dims_cm", dims},
          {"value", opt(p->value)},
          {"signature_required", p->signature_required},
          {"temperature_sensitive", p->temperature_sensitive}};
}


json items_json(const std::vector<Item>& items) {
  json a = json::array();
  for (const auto& i : items) {
    a.push_back({{"consumable", i.consumable}, {"sku", i.sku}, {"quantity", i.quantity}});
  }
  return a;
}

json delivery_json(const std::optional<Delivery>& d) {
  if (!d) return nullptr;
  json j = {{"method", d->method}, {"reasons", d->reasons}, {"window", window_json(d->window)}};
  if (d->place) j["place"] = *d->place;  // an extension of the contract's delivery object
  return j;
}

// A trunk delivery's car, saved with the order (never in its state: the plate stays home).
json vehicle_json(const PlaceVehicle& v) {
  return {{"make", v.make}, {"plate_hint", v.plate_hint}, {"lat", v.lat}, {"lon", v.lon}};
}

std::optional<PlaceVehicle> read_vehicle(Reader& outer) {
  const json* v = outer.get("vehicle", false);
  if (!v || v->is_null()) return std::nullopt;
  Reader r(*v, outer.at("vehicle"));
  PlaceVehicle out;
  out.make = r.str("make", kMaxString, /*nonempty=*/false);
  out.plate_hint = r.str("plate_hint", kMaxString, /*nonempty=*/false);
  out.lat = r.num("lat");
  out.lon = r.num("lon");
  if (r.ok() && (std::fabs(out.lat) > 90 || std::fabs(out.lon) > 180)) {
    r.fail("lat", "and lon are not a point on the earth");
  }
  if (!r.ok()) {
    outer.adopt(r.error());
    return std::nullopt;
  }
  return out;
}

// Who quoted the order (absent in an older store, and in an order never quoted).
std::optional<RetailerRef> read_retailer(Reader& outer) {
  const json* v = outer.get("retailer", false);
  if (!v || v->is_null()) return std::nullopt;
  Reader r(*v, outer.at("retailer"));
  RetailerRef out;
  out.kind = r.str("kind", 32);
  out.url_hash = r.str("url_hash", 16, /*nonempty=*/false);
  out.reports = r.flag("reports");
  if (r.ok() && !std::all_of(out.url_hash.begin(), out.url_hash.end(), [](char c) {
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
      })) {
    r.fail("url_hash", "is not lower-case hex");
  }
  if (!r.ok()) {
    outer.adopt(r.error());
    return std::nullopt;
  }
  return out;
}

bool valid_currency(const std::string& c) {
  if (c.size() != 3) return false;
  for (char ch : c) {
    if (ch < 'A' || ch > 'Z') return false;
  }
  return true;
}

// The reader's error, or the nested one, prefixed once.
Status error_of(const Reader& r) { return Status::Error(r.error()); }

}  // namespace

std::string_view status_name(OrderStatus s) { return kStatusNames[static_cast<std::size_t>(s)]; }

std::optional<OrderStatus> parse_status(std::string_view s) {
  for (std::size_t i = 0; i < kStatusNames.size(); ++i) {
    if (kStatusNames[i] == s) return static_cast<OrderStatus>(i);
  }
  return std::nullopt;
}

bool finished(OrderStatus s) {
  return s == OrderStatus::delivered || s == OrderStatus::cancelled || s == OrderStatus::failed;
}

bool sent_elsewhere(const Order& o, const std::optional<RetailerRef>& now) {
  return o.sent && !finished(o.status) && o.retailer && (!now || !o.retailer->same(*now));
}

std::string_view source_name(Source s) { return kSourceNames[static_cast<std::size_t>(s)]; }

std::optional<Source> parse_source(std::string_view s) {
  for (std::size_t i = 0; i < kSourceNames.size(); ++i) {
    if (kSourceNames[i] == s) return static_cast<Source>(i);
  }
  return std::nullopt;
}

Result<Quote> parse_quote(const json& j) {
  Reader r(j, "quote");
  Quote q;
  q.quote_id = r.str("quote_id");
  const json& items = r.list("items", kMaxItems);
  if (r.ok() && items.empty()) r.fail("items", "is empty");
  for (const auto& e : items) {
    Reader ir(e, "quote.items[" + std::to_string(q.items.size()) + "]");
    QuoteItem it;
    it.sku = ir.str("sku");
    it.quantity = ir.integer("quantity", 1, kMaxQuantity);
    it.unit_price = ir.num("unit_price", 0);
    it.substitute_for = ir.opt_str("substitute_for", false);
    if (!ir.ok()) {
      r.adopt(ir.error());
      break;
    }
    q.items.push_back(std::move(it));
  }
  q.total = r.num("total", 0);
  q.currency = r.str("currency", 3);
  if (r.ok() && !valid_currency(q.currency)) r.fail("currency", "is not three capital letters");
  for (const auto& e : r.list("delivery_options", kMaxItems, false)) {
    Reader dr(e, "quote.delivery_options[" + std::to_string(q.delivery_options.size()) + "]");
    DeliveryOption o;
    o.method = dr.str("method", 64);
    o.window = read_window(dr, "window", false);
    if (!dr.ok()) {
      r.adopt(dr.error());
      break;
    }
    q.delivery_options.push_back(std::move(o));
  }
  q.expires_at = r.opt_num("expires_at", false);
  if (const json* p = r.get("package", false); p && !p->is_null() && r.ok()) {
    q.package = read_package(*p, r);
  }
  if (!r.ok()) return error_of(r);
  return q;
}

json quote_json(const Quote& q) {
  json items = json::array();
  for (const auto& i : q.items) {
    items.push_back({{"sku", i.sku},
                     {"quantity", i.quantity},
                     {"unit_price", i.unit_price},
                     {"substitute_for", opt(i.substitute_for)}});
  }
  json options = json::array();
  for (const auto& o : q.delivery_options) {
    options.push_back({{"method", o.method}, {"window", window_json(o.window)}});
  }
  return {{"quote_id", q.quote_id},
          {"items", items},
          {"total", q.total},
          {"currency", q.currency},
          {"delivery_options", options},
          {"expires_at", opt(q.expires_at)},
          {"package", package_json(q.package)}};
}

json state_json(const Order& o) {
  const Item& first = o.items.front();
  return {{"order_id", o.id},
          {"consumable", first.consumable},
          {"sku", first.sku},
          {"quantity", first.quantity},
          {"items", items_json(o.items)},
          {"status", status_name(o.status)},
          {"hold_reason", opt(o.hold_reason)},
          {"source", source_name(o.source)},
          {"price", o.quote ? json(o.quote->total) : json(nullptr)},
          {"currency", o.quote ? json(o.quote->currency) : json(nullptr)},
          {"delivery", delivery_json(o.delivery)},
          {"placed_at", opt(o.placed_at)},
          {"eta", opt(o.eta)}};
}

json save_order(const Order& o) {
  json delivery = delivery_json(o.delivery);
  if (o.delivery && o.delivery->vehicle) delivery["vehicle"] = vehicle_json(*o.delivery->vehicle);
  json j = {{"id", o.id},
            {"items", items_json(o.items)},
            {"status", status_name(o.status)},
            {"hold_reason", opt(o.hold_reason)},
            {"source", source_name(o.source)},
            {"idempotency_key", o.idempotency_key},
            {"created", o.created},
            {"held_until", o.held_until},
            {"quote", o.quote ? quote_json(*o.quote) : json(nullptr)},
            {"delivery", std::move(delivery)},
            {"overrides", o.overrides},
            {"confirmed_total", opt(o.confirmed_total)},
            {"confirmed_currency", o.confirmed_currency ? json(*o.confirmed_currency) : json()},
            {"sent", o.sent},
            {"maybe_held", o.maybe_held},
            {"uncertain", o.uncertain},
            {"committed_at", opt(o.committed_at)},
            {"attempts", o.attempts},
            {"retry_at", o.retry_at},
            {"last_error", o.last_error},
            {"retailer_order_id", o.retailer_order_id},
            {"retailer_status", o.retailer_status},
            {"retailer_updated", opt(o.retailer_updated)},
            {"placed_at", opt(o.placed_at)},
            {"eta", opt(o.eta)},
            {"next_poll", o.next_poll},
            {"cancel_requested", o.cancel_requested},
            {"cancelled_by_user", o.cancelled_by_user},
            {"finished_at", opt(o.finished_at)},
            {"reason", o.reason}};
  // Only when larderd wrote the reason (most orders have none).
  if (!o.last_error_why.id.empty()) j["last_error_why"] = why_json(o.last_error_why);
  if (!o.reason_why.id.empty()) j["reason_why"] = why_json(o.reason_why);
  if (o.retailer) {
    j["retailer"] = {{"kind", o.retailer->kind},
                     {"url_hash", o.retailer->url_hash},
                     {"reports", o.retailer->reports}};
  }
  return j;
}

Result<Order> load_order(const json& j) {
  Reader r(j, "order");
  Order o;
  o.id = r.str("id", 64);
  if (r.ok() && !valid_id(o.id)) r.fail("id", "is not a valid id");
  const json& items = r.list("items", kMaxItems);
  if (r.ok() && items.empty()) r.fail("items", "is empty");
  for (const auto& e : items) {
    Reader ir(e, "order.items[" + std::to_string(o.items.size()) + "]");
    Item it;
    it.consumable = ir.str("consumable", 64);
    if (ir.ok() && !valid_id(it.consumable)) ir.fail("consumable", "is not a valid id");
    it.sku = ir.str("sku");
    it.quantity = ir.integer("quantity", 1, kMaxQuantity);
    if (!ir.ok()) {
      r.adopt(ir.error());
      break;
    }
    o.items.push_back(std::move(it));
  }
  auto status = parse_status(r.str("status", 32));
  if (r.ok() && !status) r.fail("status", "is not an order status");
  o.status = status.value_or(OrderStatus::failed);
  o.hold_reason = r.opt_str("hold_reason", true);
  if (r.ok() && o.hold_reason.has_value() != (o.status == OrderStatus::awaiting_confirmation)) {
    r.fail("hold_reason", "is set although the order awaits no confirmation, or missing");
  }
  auto source = parse_source(r.str("source", 16));
  if (r.ok() && !source) r.fail("source", "is not a source");
  o.source = source.value_or(Source::api);
  o.idempotency_key = r.str("idempotency_key", 36);
  if (r.ok() && !valid_uuid(o.idempotency_key)) r.fail("idempotency_key", "is not a UUIDv4");
  o.created = r.num("created");
  o.held_until = r.num("held_until");
  if (const json* q = r.get("quote", true); q && !q->is_null()) {
    auto parsed = parse_quote(*q);
    if (parsed.ok()) {
      o.quote = std::move(parsed.value());
    } else {
      r.adopt("order." + parsed.status().message());
    }
  }
  if (const json* d = r.get("delivery", true); d && !d->is_null()) {
    Reader dr(*d, "order.delivery");
    Delivery del;
    del.method = dr.str("method", 64);
    for (const auto& reason : dr.list("reasons", 16)) {
      if (!reason.is_string() || reason.get_ref<const std::string&>().size() > kMaxReasonBytes) {
        dr.fail("reasons", "holds a value that is not a short string");
        break;
      }
      del.reasons.push_back(reason.get<std::string>());
    }
    del.window = read_window(dr, "window", true);
    del.place = dr.opt_str("place", false);
    del.vehicle = read_vehicle(dr);
    if (dr.ok()) {
      o.delivery = std::move(del);
    } else {
      r.adopt(dr.error());
    }
  }
  for (const auto& e : r.list("overrides", 16)) {
    if (!e.is_string() || e.get_ref<const std::string&>().empty() ||
        e.get_ref<const std::string&>().size() > 64) {
      r.fail("overrides", "holds a value that is not a hold reason");
      break;
    }
    o.overrides.insert(e.get<std::string>());
  }
  o.confirmed_total = r.opt_num("confirmed_total", true);
  o.confirmed_currency = r.opt_str("confirmed_currency", false);  // absent in an older store
  o.sent = r.flag("sent");
  if (r.ok() && o.sent && !o.quote) r.fail("sent", "is true for an order without a quote");
  o.maybe_held = r.flag_or("maybe_held", false);  // absent in an older store
  o.uncertain = r.flag_or("uncertain", false);
  o.committed_at = r.opt_num("committed_at", true);
  o.attempts = r.integer("attempts", 0, 1000000);
  o.retry_at = r.num("retry_at");
  o.last_error = r.str("last_error", kMaxReasonBytes, false);
  o.last_error_why = read_why(r, "last_error_why");
  o.retailer = read_retailer(r);
  o.retailer_order_id = r.str("retailer_order_id", kMaxString, false);
  bool at_retailer = o.status == OrderStatus::placed || o.status == OrderStatus::shipped ||
                     o.status == OrderStatus::delivered;
  if (r.ok() && at_retailer && o.retailer_order_id.empty()) {
    r.fail("retailer_order_id", "is empty for an order the retailer took");
  }
  o.retailer_status = r.str("retailer_status", 64, false);
  o.retailer_updated = r.opt_num("retailer_updated", true);  // absent in an older store
  o.placed_at = r.opt_num("placed_at", true);
  o.eta = r.opt_num("eta", true);
  o.next_poll = r.num("next_poll");
  o.cancel_requested = r.flag("cancel_requested");
  o.cancelled_by_user = r.flag("cancelled_by_user");
  o.finished_at = r.opt_num("finished_at", true);
  if (r.ok() && o.finished_at.has_value() != finished(o.status)) {
    r.fail("finished_at", "does not agree with the status");
  }
  o.reason = r.str("reason", kMaxReasonBytes, false);
  o.reason_why = read_why(r, "reason_why");
  if (!r.ok()) return error_of(r);
  return o;
}

}  // namespace larder::orders
