// JSON from outside (MQTT payloads, HTTP bodies, replay lines, a retailer's answers),
// parsed the way nlohmann does but without its one silent choice: an object that names a
// key twice ({"consumable":"coffee","consumable":"salt"}) is ambiguous (RFC 8259 leaves
// its meaning open) and nlohmann would keep the last. Such input is refused, not guessed.
//
// A DOM builder on nlohmann's public SAX interface (json::json_sax_t): the repeat shows
// when the key is put into its object (a std::map, so O(log n) a key, whatever an attacker
// sends). About as fast as json::parse on a level reading. Thread rule: pure.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace larder {
namespace json_input_detail {

class CheckedBuilder final : public nlohmann::json::json_sax_t {
 public:
  using json = nlohmann::json;
  CheckedBuilder(json& root, std::string& repeated) : root_(root), repeated_(repeated) {}

  bool null() override { return put(json(nullptr)); }
  bool boolean(bool v) override { return put(json(v)); }
  bool number_integer(number_integer_t v) override { return put(json(v)); }
  bool number_unsigned(number_unsigned_t v) override { return put(json(v)); }
  bool number_float(number_float_t v, const string_t&) override { return put(json(v)); }
  bool string(string_t& v) override { return put(json(std::move(v))); }
  bool binary(binary_t& v) override { return put(json::binary(std::move(v))); }
  bool start_object(std::size_t) override { return open(json(json::value_t::object)); }
  bool start_array(std::size_t) override { return open(json(json::value_t::array)); }
  bool end_object() override { return close(); }
  bool end_array() override { return close(); }
  bool key(string_t& k) override {
    auto& members = open_.back()->get_ref<json::object_t&>();
    auto [at, fresh] = members.try_emplace(k);
    if (!fresh) {
      repeated_ = k;
      return false;  // stops the parse
    }
    slot_ = &at->second;
    return true;
  }
  bool parse_error(std::size_t, const std::string&, const json::exception&) override {
    errored_ = true;
    return false;
  }
  bool errored() const { return errored_; }

 private:
  // Puts a value where the parse is: the root, the open array's end or the key's slot.
  json* place(json&& v) {
    if (open_.empty()) {
      root_ = std::move(v);
      return &root_;
    }
    json& top = *open_.back();
    if (top.is_array()) {
      auto& items = top.get_ref<json::array_t&>();
      items.push_back(std::move(v));
      return &items.back();
    }
    *slot_ = std::move(v);
    return slot_;
  }
  bool put(json&& v) {
    place(std::move(v));
    return true;
  }
  bool open(json&& v) {
    open_.push_back(place(std::move(v)));
    return true;
  }
  bool close() {
    open_.pop_back();
    return true;
  }

  json& root_;
  std::string& repeated_;
  std::vector<json*> open_;  // the objects and arrays still open, innermost last
  json* slot_ = nullptr;     // the value of the key just read
  bool errored_ = false;
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
  if (!ok || builder.errored()) return nlohmann::json(nlohmann::json::value_t::discarded);
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
