// The `grocy` adapter: an order goes onto a Grocy shopping list (grocy.info's REST API);
// the household buys it on their own shopping. Quotes come from the configured packs.
//
// place: the list is read first, and an item already on it with this order's note is not
// added again, so a retried place (the same order after a timeout) adds nothing twice. A
// place of an order this adapter has placed whole answers at once from memory: its rows may
// have gone from the list since (bought, or removed by a cancel), and must not come back.
// Then POST /api/stock/shoppinglist/add-product for each remaining item, one after another.
// The places and cancels of one order run one after another: a retry sent while the attempt
// before it still runs (a Grocy slower than orders.request_timeout_s) waits for it, and then
// reads a list that holds what that attempt added, or knows what it removed.
// cancel: POST /api/stock/shoppinglist/remove-product for each item of the order not removed
// yet (a retry after a failure half-way takes off only the rest: remove-product lowers the
// amount of the product's one row, which may hold the household's own packs too). A cancel
// of an order this adapter has cancelled answers ok from memory. Status reads queue behind
// them too.
// status: "delivered" once no product of the order is left on the list with the order's
// note (or each such row is ticked off as done), else "placed"; "cancelled" once a cancel
// took it all off. Lines a cancel removed before it failed half-way are not counted.
// The items of each order are kept in memory from place() on. After a restart an order
// placed before is found on the list by its note, which the retailer order id names
// ("grocy-<order_id>" -> "Larder order <order_id>"): its status is read from the rows with
// that note, and a cancel removes those rows (too late when none is left: bought).
#include <deque>
#include <functional>
#include <map>
#include <set>
#include <utility>

#include "adapters/retailer/retailer_answers.h"
#include "adapters/retailer/retailer_kinds.h"

namespace larder::retailer {
namespace {

using nlohmann::json;
using orders::CancelResult;
using orders::PlaceResult;
using grocy::integer_at;
using grocy::Line;
using grocy::note_of;
using grocy::open_lines;
using grocy::open_on_list;

struct Order {
  std::string note;  // "Larder order <order_id>", on each of its rows
  std::vector<Line> lines;
  std::size_t removed = 0;  // lines[0..removed) are off the list (a cancel went that far)
  bool cancelled = false;   // every line removed
  bool cancelling = false;  // a cancel began and has not ended in ok or a refusal

  std::vector<Line> rest() const {  // the lines still on the list, as far as is known
    return {lines.begin() + static_cast<std::ptrdiff_t>(removed), lines.end()};
  }
};

// What the requests in flight need; they hold it, so the adapter may go before they end.
struct Grocy {
  std::shared_ptr<HttpClient> http;
  int list_id = 1;
  std::map<std::string, Order> orders;  // retailer order id -> its rows
  // Retailer order id -> its places and cancels: the first one runs, the others wait for it
  // to end.
  std::map<std::string, std::deque<std::function<void()>>> calls;
};
using GrocyPtr = std::shared_ptr<Grocy>;

// Runs `start` (a place or cancel of order `id`) once the calls of that order before it have
// ended.
void queue_call(const GrocyPtr& g, const std::string& id, std::function<void()> start) {
  auto& waiting = g->calls[id];
  waiting.push_back(std::move(start));
  if (waiting.size() == 1) waiting.front()();
}

// The running call of order `id` ended: the next one starts.
void call_ended(const GrocyPtr& g, const std::string& id) {
  auto it = g->calls.find(id);
  if (it == g->calls.end()) return;
  it->second.pop_front();
  if (it->second.empty()) {
    g->calls.erase(it);
    return;
  }
  std::function<void()> next = it->second.front();  // a copy: the map may change meanwhile
  next();
}
// A cancel of order `id` ended with `r`: the order is cancelled when it is ok; a refusal
// ends the cancel (what it took off stays off); a retryable failure leaves it begun.
void cancel_ended(const GrocyPtr& g, const std::string& id, const CancelResult& r) {
  auto it = g->orders.find(id);
  if (it == g->orders.end()) return;
  if (r.kind == CancelResult::Kind::ok) it->second.cancelled = true;
  if (r.kind != CancelResult::Kind::retryable) it->second.cancelling = false;
}

using ListDone = std::function<void(HttpReply, std::optional<json>)>;

PlaceResult failed_place(const HttpReply& r, const std::string& what) {
  PlaceResult out;
  // A 2xx that is not a list is garbled on the way: worth asking again.
  out.kind = retryable(r) || success(r) ? PlaceResult::Kind::retryable
                                        : PlaceResult::Kind::rejected;
  out.may_hold = out.kind == PlaceResult::Kind::rejected && unjudged(r);
  out.reason = what + ": " + describe(r);
  return out;
}

// GET the list's rows; `done` gets them as a JSON array, or nothing.
void read_list(const GrocyPtr& g, ListDone done) {
  std::string path =
      "/api/objects/shopping_list?query%5B%5D=shopping_list_id%3D" + std::to_string(g->list_id);
  g->http->send(HttpCall{"GET", path, std::nullopt, {}},
                [done = std::move(done)](const HttpReply& r) {
                  auto j = success(r) ? json_body(r) : std::nullopt;
                  if (j && !j->is_array()) j.reset();
                  done(r, std::move(j));
                });
}

// Adds lines[i..] one after another; `finish` gets the first failure or ok.
void add_from(GrocyPtr g, const std::shared_ptr<const std::vector<Line>>& lines, std::size_t i,
              const std::string& note, const std::function<void(PlaceResult)>& finish) {
  if (i == lines->size()) return finish(PlaceResult{});
  const Line& l = (*lines)[i];
  json body = {{"product_id", l.product_id},
               {"list_id", g->list_id},
               {"product_amount", l.amount},
               {"note", note}};
  auto http = g->http;
  http->send(HttpCall{"POST", "/api/stock/shoppinglist/add-product", json_text(body), {}},
             [g = std::move(g), lines, i, note, finish](const HttpReply& r) {
               if (!success(r)) return finish(failed_place(r, "adding to the shopping list"));
               add_from(g, lines, i + 1, note, finish);
             });
}

// Removes lines[i..] one after another, each counted in order `id`'s `removed` (when the
// adapter knows it); `finish` gets the first failure or ok.
void remove_from(GrocyPtr g, const std::shared_ptr<const std::vector<Line>>& lines, std::size_t i,
                 const std::string& id, const std::function<void(CancelResult)>& finish) {
  if (i == lines->size()) return finish(CancelResult{});
  const Line& l = (*lines)[i];
  json body = {{"product_id", l.product_id}, {"list_id", g->list_id}, {"product_amount", l.amount}};
  auto http = g->http;
  http->send(HttpCall{"POST", "/api/stock/shoppinglist/remove-product", json_text(body), {}},
             [g = std::move(g), lines, i, id, finish](const HttpReply& r) {
               if (!success(r)) {
                 CancelResult out;
                 out.kind = retryable(r) ? CancelResult::Kind::retryable
                                         : CancelResult::Kind::rejected;
                 out.reason = "removing from the shopping list: " + describe(r);
                 return finish(out);
               }
               if (auto it = g->orders.find(id); it != g->orders.end()) ++it->second.removed;
               remove_from(g, lines, i + 1, id, finish);
             });
}

// Takes off the lines of order `id` (known to the adapter) that no cancel has removed yet.
void remove_rest(const GrocyPtr& g, const std::string& id,
                 const std::function<void(CancelResult)>& finish) {
  Order& order = g->orders.at(id);
  order.cancelling = true;
  remove_from(g, std::make_shared<const std::vector<Line>>(order.rest()), 0, id, finish);
}

class GrocyRetailer : public orders::Retailer {
 public:
  GrocyRetailer(std::shared_ptr<HttpClient> http, const RetailerConfig& config,
                LocalQuotes quotes)
      : g_(std::make_shared<Grocy>()), products_(config.products), quotes_(std::move(quotes)) {
    g_->http = std::move(http);
    g_->list_id = config.shopping_list_id;
  }
  // No answers after the adapter; a place or cancel half-way stops where it is, and the
  // calls waiting for it never start (dropped here: each holds the shared state).
  ~GrocyRetailer() override {
    g_->http->close();
    g_->calls.clear();
  }

  std::string kind() const override { return "grocy"; }

  void quote(const std::vector<orders::Item>& items,
             std::function<void(orders::QuoteOutcome)> done) override {
    post([done = std::move(done), outcome = quotes_.quote(items)] { done(outcome); });
  }

  void place(const orders::PlaceCall& c, std::function<void(PlaceResult)> done) override {
    // The items come from the order's state (the local quote never substitutes).
    Order order{grocy::note_for(c.order_id), {}};
    const json& state = c.order_state;
    if (state.is_object() && state.contains("items") && state["items"].is_array()) {
      for (const json& i : state["items"]) {
        auto sku = short_string(i, "sku");
        auto quantity = i.is_object() ? integer_at(i, "quantity") : std::nullopt;
        if (!sku || !quantity || *quantity < 1 || *quantity > 1000000) {
          return reject(std::move(done), "the order's items are unreadable");
        }
        auto product = products_.find(*sku);
        if (product == products_.end()) {
          return reject(std::move(done), "sku " + *sku + " has no Grocy product id");
        }
        order.lines.push_back({product->second, static_cast<int>(*quantity)});
      }
    }
    if (order.lines.empty()) return reject(std::move(done), "the order has no items");
    std::string id = grocy::retailer_order_id(c.order_id);
    GrocyPtr g = g_;
    auto finish = [g, id, order, done = std::move(done)](PlaceResult r) {
      if (r.kind == PlaceResult::Kind::ok) {
        g->orders[id] = order;
        r.retailer_order_id = id;
      }
      call_ended(g, id);  // the next call of the order starts (its answer comes later)
      done(std::move(r));
    };
    queue_call(g, id, [g, id, order, finish] {
      // Placed whole by an earlier place (a retry that waited behind it, or one sent after
      // that answer was given up on): its rows are not looked for again. Rows gone from the
      // list since were bought or cancelled; a new add would put them back.
      if (g->orders.count(id)) return g->http->post()([finish] { finish(PlaceResult{}); });
      read_list(g, [g, order, finish](const HttpReply& r, std::optional<json> rows) {
        if (!rows) return finish(failed_place(r, "reading the shopping list"));
        std::set<int> present = open_on_list(*rows, g->list_id, order.note, order.lines);
        auto todo = std::make_shared<std::vector<Line>>();
        for (const Line& l : order.lines) {
          if (!present.count(l.product_id)) todo->push_back(l);
        }
        add_from(g, std::move(todo), 0, order.note, finish);
      });
    });
  }

  void cancel(const std::string& retailer_order_id,
              std::function<void(CancelResult)> done) override {
    const std::string& id = retailer_order_id;
    auto known = g_->orders.find(id);
    auto note = known != g_->orders.end() ? std::optional(known->second.note) : note_of(id);
    if (!note) {
      CancelResult r{CancelResult::Kind::rejected, "order " + id + " is not a grocy order"};
      post([done = std::move(done), r] { done(r); });
      return;
    }
    GrocyPtr g = g_;
    auto finish = [g, id, done = std::move(done)](CancelResult r) {
      cancel_ended(g, id, r);
      call_ended(g, id);  // the next call of the order starts (its answer comes later)
      done(std::move(r));
    };
    queue_call(g, id, [g, id, note = *note, finish] {
      auto it = g->orders.find(id);
      if (it != g->orders.end()) {
        if (it->second.cancelled) return g->http->post()([finish] { finish(CancelResult{}); });
        return remove_rest(g, id, finish);
      }
      // Placed before a restart: its rows, found by their note, are what to take off.
      read_list(g, [g, id, note, finish](const HttpReply& r, std::optional<json> rows) {
        if (!rows) {
          return finish(CancelResult{retryable(r) || success(r) ? CancelResult::Kind::retryable
                                                                : CancelResult::Kind::rejected,
                                     "reading the shopping list: " + describe(r)});
        }
        std::vector<Line> found = open_lines(*rows, g->list_id, note);
        if (found.empty()) {
          return finish(CancelResult{CancelResult::Kind::too_late,
                                     "nothing of it is left on the shopping list: bought"});
        }
        // Known from now on, so that a retry after a failure half-way removes only the rest.
        g->orders[id] = Order{note, std::move(found)};
        remove_rest(g, id, finish);
      });
    });
  }

  void status(const std::string& retailer_order_id,
              std::function<void(orders::StatusOutcome)> done) override {
    const std::string& id = retailer_order_id;
    auto known = g_->orders.find(id);
    auto note = known != g_->orders.end() ? std::optional(known->second.note) : note_of(id);
    if (!note) {
      std::string why = "order " + id + " is not a grocy order";
      post([done = std::move(done), why] { done(orders::StatusOutcome{std::nullopt, why}); });
      return;
    }
    // Queued behind the order's place or cancel: the list is read once they have ended, and
    // judged by what they did (lines a cancel removed were not bought).
    GrocyPtr g = g_;
    auto finish = [g, id, done = std::move(done)](orders::StatusOutcome out) {
      call_ended(g, id);
      done(std::move(out));
    };
    queue_call(g, id, [g, id, note = *note, finish] {
      read_list(g, [g, id, note, finish](const HttpReply& r, std::optional<json> rows) {
        orders::StatusOutcome out;
        if (!rows) {
          out.reason = "reading the shopping list: " + describe(r);
          return finish(std::move(out));
        }
        auto it = g->orders.find(id);
        const char* status = nullptr;
        if (it == g->orders.end()) {
          // Placed before a restart: bought once no open row with its note is left.
          status = open_lines(*rows, g->list_id, note).empty() ? "delivered" : "placed";
        } else {
          const Order& order = it->second;
          const bool left = !open_on_list(*rows, g->list_id, order.note, order.rest()).empty();
          // A cancel not finished (to be tried again) may have taken off what is gone, its
          // answer lost: not bought, until the cancel's retry or refusal says.
          status = order.cancelled                   ? "cancelled"
                   : left || order.cancelling        ? "placed"
                                                     : "delivered";
        }
        out.status = orders::RetailerStatus{status, "", std::nullopt, std::nullopt, std::nullopt};
        finish(std::move(out));
      });
    });
  }

  bool offers_trunk() const override { return false; }

  // The household fetches it itself: a change to doorstep has nothing to tell.
  void set_delivery(const orders::DeliveryChange& c,
                    std::function<void(orders::DeliveryChangeOutcome)> done) override {
    post([done = std::move(done), outcome = doorstep_only(kind(), c)] { done(outcome); });
  }

 private:
  void post(std::function<void()> fn) { g_->http->post()(std::move(fn)); }

  void reject(std::function<void(PlaceResult)> done, std::string reason) {
    PlaceResult r;
    r.kind = PlaceResult::Kind::rejected;
    r.reason = std::move(reason);
    post([done = std::move(done), r] { done(r); });
  }

  GrocyPtr g_;
  std::map<std::string, int> products_;  // sku -> Grocy product id
  LocalQuotes quotes_;
};

}  // namespace

std::unique_ptr<orders::Retailer> make_grocy_retailer(std::shared_ptr<HttpClient> http,
                                                      const RetailerConfig& config,
                                                      LocalQuotes quotes) {
  return std::make_unique<GrocyRetailer>(std::move(http), config, std::move(quotes));
}

}  // namespace larder::retailer
