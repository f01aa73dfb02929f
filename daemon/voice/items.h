// Which consumable a spoken item means: its id, its name or one of its synonyms from the
// configuration ("coffee", "beans", "coffee beans"), compared after normalising what the
// recogniser heard: lower case, punctuation and extra spaces dropped, a leading article or
// "more"/"some" dropped, and a plural "s"/"es" forgiven.
// Thread rule: an immutable value once built.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "larder/config.h"

namespace larder::voice {

class ItemNames {
 public:
  // `lower_case`: names are spoken in lower case, as English runs them into a sentence
  // ("I know coffee beans"); else as written ("Kaffeebohnen", a German noun). The locale's
  // `voice.item_case` says which (docs/languages.md).
  ItemNames(const Config& config, bool lower_case);

  // The consumable id `spoken` names; nullopt when none does.
  std::optional<std::string> resolve(std::string_view spoken) const;
  // The consumables' spoken names in the order of the configuration ("coffee", "pods").
  const std::vector<std::string>& known() const { return known_; }
  // The name to speak for a consumable id: its configured name (else its id), in lower case
  // when the locale speaks names so.
  std::string spoken(const std::string& id) const;

  static std::string normalise(std::string_view text);

 private:
  std::map<std::string, std::string, std::less<>> by_name_;  // normalised name -> id
  std::map<std::string, std::string, std::less<>> spoken_;   // id -> spoken name
  std::vector<std::string> known_;
};

}  // namespace larder::voice
