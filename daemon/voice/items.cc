#include "voice/items.h"

#include <array>
#include <cctype>

#include "larder/text.h"

namespace larder::voice {
namespace {

// A plural's singular, for names of at least four letters ("pods" -> "pod",
// "boxes" -> "box"); shorter words are kept ("gas").
std::string singular(std::string word) {
  if (word.size() >= 5 && word.ends_with("es") &&
      (word.ends_with("xes") || word.ends_with("ches") || word.ends_with("shes") ||
       word.ends_with("sses"))) {
    word.resize(word.size() - 2);
  } else if (word.size() >= 4 && word.back() == 's' && !word.ends_with("ss")) {
    word.pop_back();
  }
  return word;
}

// Every word made singular: "coffee pods" and "coffee pod" are one name.
std::string singular_words(const std::string& text) {
  std::string out, word;
  auto flush = [&] {
    if (word.empty()) return;
    if (!out.empty()) out += ' ';
    out += singular(word);
    word.clear();
  };
  for (char c : text) {
    if (c == ' ') {
      flush();
    } else {
      word += c;
    }
  }
  flush();
  return out;
}

}  // namespace

std::string ItemNames::normalise(std::string_view text) {
  std::string out;
  bool space = false;
  for (unsigned char c : utf8_lower(text)) {
    if (std::isalnum(c) || c >= 0x80) {  // keep UTF-8 letters (Kaffee, Spülmittel)
      if (space && !out.empty()) out += ' ';
      space = false;
      out += static_cast<char>(c);
    } else {
      space = true;  // spaces, punctuation, '_' and '-' of ids separate words
    }
  }
  static constexpr std::array<std::string_view, 7> kFillers = {"the ", "a ", "an ", "some ",
                                                               "more ", "my ", "our "};
  for (bool again = true; again;) {
    again = false;
    for (auto f : kFillers) {
      if (out.starts_with(f) && out.size() > f.size()) {
        out.erase(0, f.size());
        again = true;
      }
    }
  }
  return out;
}

ItemNames::ItemNames(const Config& config, bool lower_case) {
  for (const auto& c : config.consumables) {
    const std::size_t first = c.name.find_first_not_of(' ');
    std::string spoken = first == std::string::npos
                             ? c.id
                             : c.name.substr(first, c.name.find_last_not_of(' ') - first + 1);
    if (lower_case) spoken = utf8_lower(spoken);
    spoken_[c.id] = spoken;
    known_.push_back(spoken);
    std::vector<std::string> names = {c.id, c.name};
    names.insert(names.end(), c.synonyms.begin(), c.synonyms.end());
    for (const auto& n : names) {
      std::string key = singular_words(normalise(n));
      if (!key.empty()) by_name_.emplace(key, c.id);  // the first consumable keeps a shared name
    }
  }
}

std::optional<std::string> ItemNames::resolve(std::string_view spoken) const {
  std::string key = singular_words(normalise(spoken));
  if (key.empty()) return std::nullopt;
  if (auto it = by_name_.find(key); it != by_name_.end()) return it->second;
  return std::nullopt;
}

std::string ItemNames::spoken(const std::string& id) const {
  auto it = spoken_.find(id);
  return it == spoken_.end() ? id : it->second;
}

}  // namespace larder::voice
