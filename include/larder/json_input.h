// JSON from outside (MQTT payloads, HTTP bodies, replay lines, a retailer's answers),
// parsed the way nlohmann does but without its one silent choice: an object that names a
// key twice ({"consumable":"coffee","consumable":"salt"}) is ambiguous (RFC 8259 leaves
// its meaning open) and nlohmann would keep the last. Such input is refused, not guessed.
//
// It is nlohmann's own DOM builder (detail::json_sax_dom_parser, stable through 3.11)
// with a check of each object's keys: about 5% over json::parse on a level reading,
// where a parser callback cost 50%. Thread rule: pure; the key buffers are per thread.
#pragma once

#include <algorithm>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace larder {
namespace json_input_detail {

class CheckedBuilder : public nlohmann::detail::json_sax_dom_parser<nlohmann::json> {
 public:
  using Base = nlohmann::detail::json_sax_dom_parser<nlohmann::json>;
  CheckedBuilder(nlohmann::json& out, std::string& repeated)
      : Base(out, /*allow_exceptions_=*/false), repeated_(repeated) {
    keys().clear();
    starts().clear();
  }
  bool start_object(std::size_t n) {
    starts().push_back(keys().size());
    return Base::start_object(n);
  }
  bool end_object() {
    keys().resize(starts().back());
    starts().pop_back();
    return Base::end_object();
  }
  bool key(std::string& k) {
    const auto first = keys().begin() + static_cast<std::ptrdiff_t>(starts().back());
    if (std::find(first, keys().end(), k) != keys().end()) {
      repeated_ = k;
      return false;  // stops the parse
    }
    keys().push_back(k);
    return Base::key(k);
  }

 private:
  // The keys of every object still open; each object's begin at its entry in starts().
  static std::vector<std::string>& keys() {
    thread_local std::vector<std::string> k;
    return k;
  }
  static std::vector<std::size_t>& starts() {
    thread_local std::vector<std::size_t> s;
    return s;
  }
  std::string& repeated_;
};

}  // namespace json_input_detail

// The parsed value, or a discarded value (is_discarded()) when `text` is not JSON or an
// object in it names a key twice; then `repeated_key` is that key (empty when the text is
// simply not JSON). Never throws.
inline nlohmann::json parse_json_input(std::string_view text, std::string& repeated_key) {
  repeated_key.clear();
  nlohmann::json out;
  json_input_detail::CheckedBuilder builder(out, repeated_key);
  const bool ok = nlohmann::json::sax_parse(text.begin(), text.end(), &builder,
                                            nlohmann::json::input_format_t::json,
                                            /*strict=*/true);
  if (!ok || builder.is_errored()) return nlohmann::json(nlohmann::json::value_t::discarded);
  return out;
}

// What to say of a text parse_json_input() refused for its key: "an object names the key
// 'consumable' twice" (the key cut at 64 bytes, anything but printable ASCII as '?').
inline std::string repeated_key_message(std::string_view key) {
  std::string shown;
  for (char c : key.substr(0, 64)) shown += (c >= 0x20 && c < 0x7f) ? c : '?';
  return "an object names the key '" + shown + "' twice";
}

}  // namespace larder
