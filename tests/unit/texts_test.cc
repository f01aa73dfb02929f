// The message catalogs (locales/*.json, include/larder/texts.h): every file in locales/ is
// complete against English, so that a new language is checked by adding its file; the
// formatting of numbers, lists, days and money per language; a broken catalog is refused.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <regex>
#include <string>
#include <vector>

#include "larder/texts.h"

using namespace larder;

namespace {

const std::string kLocales = std::string(LARDER_SOURCE_DIR) + "/locales";

Texts load(const std::string& language) {
  auto t = Texts::load_file(kLocales + "/" + language + ".json");
  REQUIRE_MESSAGE(t.ok(), t.status().message());
  return *t;
}

// A minimal catalog with one message; `messages` is the JSON of the messages object.
std::string catalog(const std::string& language, const std::string& messages) {
  return R"({"language":")" + language +
         R"(","weekdays":["a","b","c","d","e","f","g"],)"
         R"("months":["1","2","3","4","5","6","7","8","9","10","11","12"],"messages":)" +
         messages + "}";
}

}  // namespace

TEST_CASE("every catalog in locales/ has every message and placeholder of English") {
  Texts english = load("en");
  CHECK(english.problems_against(english).empty());
  int checked = 0;
  for (const auto& entry : std::filesystem::directory_iterator(kLocales)) {
    if (entry.path().extension() != ".json") continue;
    CAPTURE(entry.path().string());
    auto t = Texts::load_file(entry.path().string());
    REQUIRE_MESSAGE(t.ok(), t.status().message());
    CHECK(t->language() == entry.path().stem().string());
    std::vector<std::string> problems = t->problems_against(english);
    for (const auto& p : problems) INFO(p);
    CHECK_MESSAGE(problems.empty(), entry.path().filename().string() << ": "
                                        << (problems.empty() ? "" : problems.front()));
    ++checked;
  }
  CHECK(checked >= 2);  // en and de at least
}

TEST_CASE("a catalog without a message or a placeholder of English is refused") {
  auto en = Texts::parse(catalog("en", R"({"a":"Ordered {items}{price}.","b":"x"})"), "en");
  REQUIRE(en.ok());
  auto missing_id = Texts::parse(catalog("xx", R"({"a":"{items}{price}"})"), "xx");
  REQUIRE(missing_id.ok());
  auto p = missing_id->problems_against(*en);
  REQUIRE(p.size() == 1);
  CHECK(p[0] == "message b is missing");
  auto missing_placeholder = Texts::parse(catalog("xx", R"({"a":"{items}.","b":"y"})"), "xx");
  REQUIRE(missing_placeholder.ok());
  p = missing_placeholder->problems_against(*en);
  REQUIRE(p.size() == 1);
  CHECK(p[0] == "message a lacks the placeholder {price}");
  auto extra = Texts::parse(catalog("xx", R"({"a":"{items}{price}{count}","b":"y","c":"z"})"), "xx");
  REQUIRE(extra.ok());
  CHECK(extra->problems_against(*en).size() == 2);
  auto blank = Texts::parse(catalog("xx", R"({"a":"{items}{price}","b":" "})"), "xx");
  REQUIRE(blank.ok());
  p = blank->problems_against(*en);
  REQUIRE(p.size() == 1);
  CHECK(p[0] == "message b is empty");
  CHECK_FALSE(Texts::parse(R"({"language":"xx","weekdays":["a"],"months":[],"messages":{}})", "xx").ok());
  CHECK_FALSE(Texts::parse("not json", "xx").ok());
  CHECK_FALSE(Texts::parse(catalog("xx", R"({"a":{"one":"x"}})"), "xx").ok());  // no "by", no "other"
  // Separators that would make a number unreadable.
  auto with_numbers = [](const std::string& numbers) {
    std::string c = catalog("xx", R"({"a":"x"})");
    return c.insert(1, R"("numbers":)" + numbers + ",");
  };
  REQUIRE(Texts::parse(with_numbers(R"({"decimal":",","group":" "})"), "xx").ok());
  auto same = Texts::parse(with_numbers(R"({"decimal":",","group":","})"), "xx");
  REQUIRE_FALSE(same.ok());
  CHECK(same.status().message() == "xx.numbers.group must differ from numbers.decimal");
  CHECK_FALSE(Texts::parse(with_numbers(R"({"decimal":""})"), "xx").ok());
  CHECK_FALSE(Texts::parse(with_numbers(R"({"decimal":".","group":"0"})"), "xx").ok());
  CHECK_FALSE(Texts::parse(with_numbers(R"({"decimal":".","group":7})"), "xx").ok());
}

TEST_CASE("locale tags choose the language, an unknown one falls back to English") {
  CHECK(Texts::language_of("de-DE") == "de");
  CHECK(Texts::language_of("de-AT") == "de");
  CHECK(Texts::language_of("en") == "en");
  CHECK(Texts::find_dir() == kLocales);  // the build tree finds the source's catalogs
  auto de = Texts::for_locale("de-AT");
  REQUIRE(de.ok());
  CHECK((*de)->language() == "de");
  auto en = Texts::for_locale("en-US");
  REQUIRE(en.ok());
  CHECK((*en)->language() == "en");
  auto unknown = Texts::for_locale("xq-ZZ");  // no catalog: English, with a warning
  REQUIRE(unknown.ok());
  CHECK((*unknown)->language() == "en");
  CHECK((**unknown)("day.tomorrow") == "tomorrow");
  CHECK(&texts_for("de-DE") == *Texts::for_locale("de-CH"));  // loaded once per language
}

TEST_CASE("numbers and money are written the language's way, with the currency") {
  Texts en = load("en"), de = load("de");
  CHECK(en.number(1.5, 1) == "1.5");
  CHECK(de.number(1.5, 1) == "1,5");
  CHECK(de.number(412.04, 1) == "412");
  CHECK(en.number(-0.001, 2) == "0");
  // Thousands grouped as the dashboard's Intl writes them, from four digits on.
  CHECK(en.number(999) == "999");
  CHECK(en.number(1000) == "1,000");
  CHECK(de.number(1000) == "1.000");
  CHECK(de.number(1234567.26, 1) == "1.234.567,3");
  CHECK(en.number(-12345.5, 1) == "-12,345.5");
  CHECK(de.fixed(-1234, 2) == "-1.234,00");
  CHECK(en.money(1234.5, "EUR") == "€1,234.50");
  CHECK(de.money(12345.678, "EUR") == "12.345,68 €");
  CHECK(en.fixed(std::numeric_limits<double>::infinity(), 1) == "inf");
  CHECK(en.money(8.99, "EUR") == "€8.99");
  CHECK(de.money(8.99, "EUR") == "8,99 €");
  CHECK(en.money(8.9, "GBP") == "£8.90");
  CHECK(de.money(17.98, "GBP") == "17,98 £");
  CHECK(en.money(8.99, "CHF") == "8.99 CHF");  // no symbol in the catalog: the ISO code
  CHECK(en.money(8.99, "") == "8.99");  // no currency known: the number, no stray space
  CHECK(de.money(8.99, "") == "8,99");
  CHECK(de.money(8.99, "CHF") == "8,99 CHF");
  CHECK(en.money(1234.5, "SEK") == "1,234.50 SEK");
  // Found by an audit: every currency had two decimals ("1500.00 JPY").
  CHECK(en.money(1500, "JPY") == "1,500 JPY");
  CHECK(de.money(1.25, "KWD") == "1,250 KWD");
  CHECK(en.spoken_money(1500, "JPY") == "1500 JPY");
  CHECK(en.spoken_money(1.25, "KWD") == "1 KWD 250");
  CHECK(en.money(1499.6, "JPY") == "1,500 JPY");
  CHECK(en.money(1.05, "KWD") == "1.050 KWD");
  CHECK(en.spoken_money(1.05, "KWD") == "1 KWD 50");
  CHECK(en.money(1.2345, "CLF") == "1.2345 CLF");
  // Written and spoken round alike (a review found 98.5 yen written 98, spoken 99).
  CHECK(en.money(98.5, "JPY") == "99 JPY");
  CHECK(en.spoken_money(98.5, "JPY") == "99 JPY");
  CHECK(en.money(-0.4, "JPY") == "0 JPY");  // no "-0"
  CHECK(en.money(-0.5, "JPY") == "-1 JPY");  // (was "-0")
  CHECK(Texts::minor_units(1500.5, "JPY") == 1501);
  CHECK(Texts::minor_units(8.994, "EUR") == 899);
  CHECK_FALSE(Texts::minor_units(1e20, "EUR"));
  // Beyond the cents: as printf writes it, grouped.
  CHECK(de.money(1e20, "EUR") == "100.000.000.000.000.000.000,00 €");
  CHECK(Texts::currency_digits("EUR") == 2);
  CHECK(Texts::currency_digits("") == 2);
  CHECK(en.spoken_money(8.99, "EUR") == "8 euros 99");
  CHECK(en.spoken_money(1.5, "EUR") == "1 euro 50");
  CHECK(en.spoken_money(12, "GBP") == "12 pounds");
  CHECK(en.spoken_money(8.99, "CHF") == "8 Swiss francs 99");
  CHECK(en.spoken_money(3.2, "SEK") == "3 SEK 20");
  CHECK(de.spoken_money(8.99, "EUR") == "8 Euro 99");
  CHECK(de.spoken_money(8.99, "CHF") == "8 Franken 99");
  CHECK(de.spoken_money(2, "GBP") == "2 Pfund");
}

TEST_CASE("lists, plurals, days and placeholders") {
  Texts en = load("en"), de = load("de");
  CHECK(en.list({"a", "b", "c"}) == "a, b and c");
  CHECK(de.list({"a", "b", "c"}) == "a, b und c");
  CHECK(en.list({"a"}) == "a");
  CHECK(en.list({}).empty());
  CHECK(en("duration.about_days", {en.num("n", 1)}) == "about 1 day");
  CHECK(en("duration.about_days", {en.num("n", 18.4)}) == "about 18 days");
  CHECK(de("duration.about_days", {de.num("n", 1)}) == "etwa 1 Tag");
  CHECK(de("duration.about_days", {de.num("n", 3)}) == "etwa 3 Tage");
  CHECK(en("amount.g", {en.num("n", 412.5, 1)}) == "412.5 grams");
  CHECK(de("amount.l", {de.num("n", 1.5, 1)}) == "1,5 Liter");
  CHECK(en.weekday(4) == "Thursday");
  CHECK(de.weekday(4) == "Donnerstag");
  CHECK(de.month(2) == "März");
  CHECK(en("order.item", {en.num("n", 2), Texts::arg("item", "Tea")}) == "2 x Tea");
  CHECK(en("no.such.message") == "[no.such.message]");
}

TEST_CASE("every dashboard message the web page names is in the catalog") {
  // The page (web/) takes its words from the `dashboard.*` messages (GET /api/v1/dashboard):
  // each id it names in full must be in English (and so, by the check above, everywhere).
  Texts en = load("en");
  CHECK(en.messages_with_prefix("dashboard.").size() > 50);
  CHECK(en.messages_with_prefix("voice.").count("dashboard.order.cancel") == 0);
  const std::regex id(R"((['"`])(dashboard\.[a-z_.]*[a-z_])\1)");  // a whole literal, not a prefix
  int named = 0;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(std::string(LARDER_SOURCE_DIR) + "/web")) {
    std::string ext = entry.path().extension().string();
    if (ext != ".js" && ext != ".html") continue;
    std::ifstream in(entry.path());
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    for (std::sregex_iterator it(text.begin(), text.end(), id), end; it != end; ++it) {
      CAPTURE(entry.path().string());
      CHECK_MESSAGE(en.has((*it)[2].str()), (*it)[2].str() << " is not in locales/en.json");
      ++named;
    }
  }
  CHECK(named > 40);
}
