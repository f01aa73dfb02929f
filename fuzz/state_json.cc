// Fuzz target: the state larderd saved and reads back at every start (a disk file or a
// database row can be corrupt or edited by hand). The first byte selects the reader, the
// rest is the saved JSON text:
//   m  ConsumableModel::load (daemon/forecast/consumable_model_state.cc), a consumable's
//      learned model; then time passes and a reading comes, as after a restart
//   s  ConsumableState::restore (daemon/core/consumable_state.cc), its published state
//   v  the vacation record ("@vacation" in the store), read by Hub::restore
//      (daemon/core/hub_vacation.cc)
//   p  the delivery desk's learned patterns file, {"parking":..,"presence":..}: two
//      WeeklyPattern::from_json (daemon/delivery/weekly_pattern.cc)
//   g  a grant as the grant store keeps it, load_grant (daemon/grants/grant.cc)
//   l  the order ledger's saved form, Ledger::load (daemon/orders/ledger_steps.cc)
//   j  the store's journal, StoreJournal::parse (daemon/adapters/store/store_journal.cc):
//      JSON lines, not one JSON text
// What a reader accepts must save (save, to_json, grant_json, the published vacation
// state) to a form it accepts again and saves unchanged: a state that saves but does not
// load would be lost at the next start. Seeds: fuzz/corpus/state_json/.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "adapters/store/store_journal.h"
#include "app/delivery_desk.h"
#include "core/consumable_state.h"
#include "core/hub.h"
#include "delivery/weekly_pattern.h"
#include "forecast/consumable_model.h"
#include "fuzz_support.h"
#include "grants/grant.h"
#include "larder/clock.h"
#include "larder/metrics.h"
#include "larder/store.h"
#include "orders/ledger.h"
#include "orders/orders_config.h"

namespace {

using nlohmann::json;
using namespace larder;

constexpr double kNow = 1764460800;  // 2025-11-30

[[noreturn]] void trap() { __builtin_trap(); }

// As the hub makes them, in the fuzz configuration's time zone.
ModelSettings settings() {
  TimeZone zone;
  if (auto z = TimeZone::load(fuzz::config().household.timezone); z.ok()) zone = z.value();
  return Hub::model_settings(fuzz::config(), zone);
}

const ConsumableConfig& coffee() { return fuzz::config().consumables.front(); }

void model(const std::string& text) {
  json j = json::parse(text, nullptr, false);
  if (j.is_discarded()) return;
  static const ModelSettings kSettings = settings();
  const ConsumableConfig& c = coffee();
  ConsumableModel m(c, kSettings);
  if (!m.load(j).ok()) return;
  const json once = m.save();
  ConsumableModel again(c, kSettings);
  if (!again.load(once).ok() || again.save() != once) trap();
  // As after a restart: time passes, the forecast is asked, a reading comes.
  m.advance(kNow);
  (void)m.forecast(kNow);
  (void)m.level(kNow + 60, 500);
  (void)m.forecast(kNow + 60);
  (void)m.curve(kNow + 60, 10, 60);
  (void)m.save().dump(-1, ' ', false, json::error_handler_t::replace);
}

void state(const std::string& text) {
  ConsumableState s = ConsumableState::initial(coffee());
  if (!s.restore(text).ok()) return;
  const std::string once = s.to_json();
  ConsumableState again = ConsumableState::initial(coffee());
  if (!again.restore(once).ok() || again.to_json() != once) trap();
}

class CapturingBus final : public Bus {
 public:
  void publish(const std::string& topic, std::string payload, bool, int) override {
    if (topic.size() >= 15 && topic.compare(topic.size() - 15, 15, "/vacation/state") == 0) {
      vacation = std::move(payload);
    }
  }
  std::string vacation;
};

// The vacation state Hub::restore publishes for `stored` ("" when none).
std::string restore_vacation(const std::string& stored) {
  ManualClock clock{kNow};
  Metrics metrics;
  MemoryStore store;
  CapturingBus bus;
  store.put_state("@vacation", stored, kNow);
  if (!store.flush().ok()) trap();
  Hub hub(fuzz::config(), bus, store, clock, metrics);
  if (!hub.restore().ok()) trap();
  clock.set(kNow + 1);
  hub.tick();
  (void)hub.vacation();
  return bus.vacation;
}

void vacation(const std::string& text) {
  const std::string once = restore_vacation(text);
  if (once.empty()) return;
  if (restore_vacation(once) != once) trap();
}

void patterns(const std::string& text) {
  json j = json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return;
  static const TimeZone kZone = settings().zone;
  constexpr std::size_t kPlaces = 2;  // a home and a workplace
  // As DeliveryDesk::restore reads the file; what it takes must save and read unchanged.
  auto [parking, presence] = DeliveryDesk::read_patterns(j, kPlaces, kZone);
  if (!parking.ok() && !presence.ok()) return;
  const json once = {{"parking", parking.ok() ? parking->to_json() : json()},
                     {"presence", presence.ok() ? presence->to_json() : json()}};
  auto again = DeliveryDesk::read_patterns(once, kPlaces, kZone);
  if (again.parking.ok() != parking.ok() || again.presence.ok() != presence.ok()) trap();
  if (parking.ok() && again.parking->to_json() != once["parking"]) trap();
  if (presence.ok() && again.presence->to_json() != once["presence"]) trap();
}

void grant(const std::string& text) {
  json j = json::parse(text, nullptr, false);
  if (j.is_discarded()) return;
  auto g = grants::load_grant(j);
  if (!g.ok()) return;
  const json once = grants::grant_json(*g);
  auto again = grants::load_grant(once);
  if (!again.ok() || grants::grant_json(*again) != once) trap();
}

void ledger(const std::string& text) {
  json j = json::parse(text, nullptr, false);
  if (j.is_discarded()) return;
  static const orders::OrdersConfig kConfig = orders::orders_config_from(fuzz::config());
  fuzz::CountingRandom random;
  orders::Ledger l(kConfig, random);
  if (!l.load(j).ok()) return;
  const json once = l.save();
  orders::Ledger again(kConfig, random);
  if (!again.load(once).ok() || again.save() != once) trap();
}

// The store's journal (adapters/store/store_journal.h), read whole at every start. What it
// reads is finite and formats to lines that read back the same.
void journal(const std::string& text) {
  static const std::string kDb = "/var/lib/larder/larder.db";
  std::istringstream in(text);
  auto c = StoreJournal::parse(in, "fuzz", kDb);
  if (!c.ok() || c->id.empty()) return;
  std::vector<const Reading*> readings;
  for (const Reading& r : c->readings) {
    if (!std::isfinite(r.ts) || !std::isfinite(r.value)) trap();
    readings.push_back(&r);
  }
  std::istringstream once(StoreJournal::format(c->id, kDb, readings, c->states, c->orders));
  auto again = StoreJournal::parse(once, "fuzz", kDb);
  if (!again.ok() || again->skipped_lines != 0 || again->id != c->id ||
      again->readings.size() != c->readings.size() || again->states.size() != c->states.size() ||
      again->orders.size() != c->orders.size()) {
    trap();
  }
  for (std::size_t i = 0; i < c->readings.size(); ++i) {
    const Reading& a = c->readings[i];
    const Reading& b = again->readings[i];
    if (a.consumable != b.consumable || a.ts != b.ts || a.kind != b.kind || a.value != b.value ||
        a.best_before != b.best_before) {
      trap();
    }
  }
  for (std::size_t i = 0; i < c->states.size(); ++i) {
    if (c->states[i].state.json != again->states[i].state.json ||
        c->states[i].through != again->states[i].through) {
      trap();
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string text(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0]) {
    case 'm': model(text); break;
    case 's': state(text); break;
    case 'v': vacation(text); break;
    case 'p': patterns(text); break;
    case 'g': grant(text); break;
    case 'l': ledger(text); break;
    case 'j': journal(text); break;
    default: break;
  }
  return 0;
}
