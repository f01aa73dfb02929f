// Hub: what makes an input the same message again (hub.h, docs/mqtt.md "Duplicates"): the
// stamps of the recent inputs with an explicit ts, and of the recent voice intents.
#include <algorithm>
#include <bit>
#include <type_traits>
#include <utility>

#include "core/hub.h"

namespace larder {

bool Hub::repeated_intent(const contract::IntentInput& in) {
  if (!in.ts) return false;  // without ts two equal messages are two events
  IntentStamp stamp{*in.ts, in.intent, in.session, in.site, in.text, in.slots};
  if (std::find(last_intents_.begin(), last_intents_.end(), stamp) != last_intents_.end()) {
    return true;
  }
  last_intents_.push_back(std::move(stamp));
  if (last_intents_.size() > kRecentStamps) last_intents_.pop_front();
  return false;
}

std::uint64_t Hub::Stamp::digest() const {
  auto mix = [](std::uint64_t h, std::uint64_t v) {  // splitmix64's finaliser over h ^ v
    std::uint64_t z = h ^ (v + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2));
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  };
  std::uint64_t h = mix(0, std::bit_cast<std::uint64_t>(ts));
  h = mix(h, value ? std::bit_cast<std::uint64_t>(*value) : 0x7ff4dead0000beefULL);
  h = mix(h, static_cast<std::uint64_t>(static_cast<std::int64_t>(unit)));
  h = mix(h, static_cast<std::uint64_t>(static_cast<std::int64_t>(packs)));
  h = mix(h, best_before ? std::bit_cast<std::uint64_t>(*best_before) : 0x7ff4dead0000beefULL);
  h = mix(h, best_before_day ? std::bit_cast<std::uint64_t>(*best_before_day) : 1);
  return mix(h, gross ? 1 : 0);
}

std::optional<Hub::Stamp> Hub::stamp(const contract::Input& in) {
  if (!contract::input_ts(in)) return std::nullopt;  // without ts two equal messages are two events
  return std::visit(
      [](const auto& v) {
        Stamp st;
        st.ts = *v.ts;
        if constexpr (requires { v.value; }) st.value = v.value;
        if constexpr (requires { v.amount; }) st.value = v.amount;
        if constexpr (requires { v.unit; }) {
          if constexpr (std::is_same_v<std::decay_t<decltype(v.unit)>, Unit>) {
            st.unit = static_cast<int>(v.unit);
          } else {
            st.unit = v.unit ? static_cast<int>(*v.unit) : -1;
          }
        }
        if constexpr (requires { v.packs; }) st.packs = v.packs;
        if constexpr (requires { v.best_before; }) st.best_before = v.best_before;
        if constexpr (requires { v.best_before_day; }) st.best_before_day = v.best_before_day;
        if constexpr (requires { v.gross; }) st.gross = v.gross;
        return st;
      },
      in);
}

}  // namespace larder
