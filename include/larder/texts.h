// The words larderd shows and speaks, in the household's language (docs/languages.md).
//
// Every sentence of the voice answers, the events' `text` and the dashboard is a message
// of a catalog: locales/<language>.json, one file per language, installed next to the
// dashboard (<prefix>/share/larder/locales). A message has an id and a template with named
// placeholders ("Ordered {items}{price}."); where a number decides the wording it has
// plural forms ({"by": "n", "one": "...", "other": "..."}; one/other is enough for en and
// de: "one" when the number is exactly 1). A catalog also holds the weekday and month
// names, how a list is joined ("a, b and c"), the decimal separator, and how money is
// written and spoken ("€8.99" / "8,99 €", "8 euros 99" / "8 Euro 99"). A currency
// without a symbol in the catalog is written with its ISO code ("8.99 CHF").
//
// English (locales/en.json) is the reference: every other catalog must have each of its
// message ids, with the same placeholders, and seven weekdays and twelve months; one that
// does not is refused (tests/unit/texts_test.cc checks every file in locales/).
//
// At run time the catalog of household.locale's language ("de-AT" -> de.json) is loaded
// once per process (Texts::for_locale, at larderd's start): a language without a catalog
// is spoken in English with a warning; no catalog folder, or a catalog that does not load,
// stops larderd with the reason (docs/configuration.md).
// Thread rule: a loaded catalog is immutable; the process-wide cache is guarded by a mutex.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "larder/status.h"

namespace larder {

// One value for a message's placeholder; `count` decides its plural form.
struct TextArg {
  std::string name;
  std::string value;
  std::optional<double> count;
};
using TextArgs = std::vector<TextArg>;

class Texts {
 public:
  // Parses a catalog (the text of a locales/*.json file); `origin` names it in errors.
  static Result<Texts> parse(std::string_view json_text, const std::string& origin);
  static Result<Texts> load_file(const std::string& path);

  // The language of a locale tag: "de-DE" -> "de".
  static std::string language_of(std::string_view tag);

  // Where the catalogs are: $LARDER_LOCALES_DIR when set, else the installed folder
  // (<prefix>/share/larder/locales), else the source tree's locales/ (a build run in
  // place). Empty when none holds en.json.
  static std::string find_dir();

  // The catalog of the tag's language from find_dir(), loaded once and kept for the
  // process; English, with a warning logged, when the language has no catalog. An error
  // when no folder is found, or the catalog (or English) does not load or is incomplete.
  static Result<const Texts*> for_locale(std::string_view tag);

  // What this catalog lacks against the reference (English): missing ids, placeholders
  // English has and this does not (or this has and English has not), plural forms, day
  // and month names. Empty when complete.
  std::vector<std::string> problems_against(const Texts& reference) const;

  const std::string& language() const { return language_; }

  // A message as the catalog holds it: one template (`forms[""]`), or plural forms
  // ("one", "other") chosen by the placeholder `by`.
  struct Message {
    std::string by;                            // the plural's argument; empty: one form
    std::map<std::string, std::string> forms;  // "" (no plural), or "one", "other"
  };
  // The messages whose id starts with `prefix` ("dashboard."), unfilled: for a client
  // that fills them itself (the dashboard, GET /api/v1/dashboard).
  std::map<std::string, Message> messages_with_prefix(std::string_view prefix) const;

  // The message `id` with its placeholders filled. A message that is not in the catalog
  // comes out as its id in brackets (never happens with a checked catalog).
  std::string operator()(std::string_view id, const TextArgs& args = {}) const;
  bool has(std::string_view id) const { return messages_.count(std::string(id)) > 0; }

  // Placeholder values.
  static TextArg arg(std::string name, std::string value) {
    return TextArg{std::move(name), std::move(value), std::nullopt};
  }
  // A number, written the catalog's way with at most `decimals` decimals (trailing zeros
  // dropped), its rounded value deciding the plural form.
  TextArg num(std::string name, double value, int decimals = 0) const;

  // With the catalog's decimal and, from four digits on, its group separator (numbers):
  std::string number(double value, int decimals = 0) const;        // "1,000.5" / "1.000,5"
  std::string fixed(double value, int decimals) const;             // "8.90" / "8,90"
  // "€8.99"; "" : "8.99"; in the currency's minor units ("1,500 JPY", "1.250 KWD")
  std::string money(double amount, const std::string& currency) const;
  std::string spoken_money(double amount, const std::string& currency) const;  // "8 euros 99"
  // The digits after the decimal point of an ISO 4217 currency (2 when not known).
  static int currency_digits(std::string_view code);
  // |amount| in the currency's whole minor units (cents), half away from zero: what money()
  // writes. nullopt when not finite or beyond 9e15 of them.
  static std::optional<long long> minor_units(double amount, std::string_view currency);
  // The number money() writes, with `decimal` as its separator, no unit and no grouping
  // ("1500", "8.99").
  static std::string amount(double amount, std::string_view currency, std::string_view decimal);
  std::string list(const std::vector<std::string>& items) const;   // "a, b and c"
  std::string weekday(int wday) const;  // 0 = Sunday
  std::string month(int mon) const;     // 0 = January
  // A calendar day without its year, the catalog's day.date: "25 December" / "25. Dezember".
  std::string day_month(int mday, int mon) const;

 private:
  std::string language_;
  std::string decimal_ = ".";
  std::string group_;                            // thousands; empty: none
  std::string list_separator_ = ", ";
  std::string list_last_ = " and ";
  std::string money_symbol_ = "{symbol}{amount}";  // with a known symbol
  std::string money_code_ = "{amount} {code}";     // with the ISO code
  std::string money_spoken_ = "{major} {unit} {minor}";
  std::string money_spoken_whole_ = "{major} {unit}";
  std::map<std::string, std::string> symbols_;
  std::map<std::string, std::pair<std::string, std::string>> currency_names_;  // one, other
  std::vector<std::string> weekdays_, months_;
  std::map<std::string, Message> messages_;
};

// The catalog for a tag, for code that cannot stop (the core, on the event loop):
// Texts::for_locale's, and when that failed (logged once) the ids themselves. larderd has
// already refused to start in that case.
const Texts& texts_for(std::string_view tag);

}  // namespace larder
