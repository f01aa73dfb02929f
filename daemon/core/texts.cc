#include "larder/texts.h"

#include <cmath>
#include <cstdio>
#include <optional>
#include <set>

#include <nlohmann/json.hpp>

namespace larder {
namespace {

using json = nlohmann::json;

// The names of a template's placeholders: "{items}" -> items.
std::set<std::string> placeholders(const std::string& tmpl) {
  std::set<std::string> out;
  for (std::size_t i = tmpl.find('{'); i != std::string::npos; i = tmpl.find('{', i + 1)) {
    std::size_t end = tmpl.find('}', i);
    if (end == std::string::npos) break;
    out.insert(tmpl.substr(i + 1, end - i - 1));
  }
  return out;
}

std::string fill(const std::string& tmpl, const TextArgs& args) {
  std::string out;
  out.reserve(tmpl.size() + 32);
  std::size_t i = 0;
  while (i < tmpl.size()) {
    std::size_t open = tmpl.find('{', i);
    std::size_t close = open == std::string::npos ? open : tmpl.find('}', open);
    if (close == std::string::npos) {
      out.append(tmpl, i, std::string::npos);
      break;
    }
    out.append(tmpl, i, open - i);
    std::string name = tmpl.substr(open + 1, close - open - 1);
    const TextArg* found = nullptr;
    for (const auto& a : args) {
      if (a.name == name) found = &a;
    }
    out += found ? found->value : tmpl.substr(open, close - open + 1);
    i = close + 1;
  }
  return out;
}

// A string member of `o`, or the error naming it.
Status read_string(const json& o, const char* key, std::string& out, const std::string& where) {
  auto it = o.find(key);
  if (it == o.end()) return Status::Ok();
  if (!it->is_string()) return Status::Error(where + "." + key + " must be a string");
  out = it->get<std::string>();
  return Status::Ok();
}

Status read_names(const json& j, const char* key, std::size_t n, std::vector<std::string>& out,
                  const std::string& origin) {
  auto it = j.find(key);
  if (it == j.end() || !it->is_array() || it->size() != n) {
    return Status::Error(origin + ": \"" + key + "\" must be a list of " + std::to_string(n) +
                         " names");
  }
  for (const auto& v : *it) {
    if (!v.is_string() || v.get<std::string>().empty()) {
      return Status::Error(origin + ": \"" + key + "\" must hold non-empty strings");
    }
    out.push_back(v.get<std::string>());
  }
  return Status::Ok();
}

}  // namespace

Result<Texts> Texts::parse(std::string_view json_text, const std::string& origin) {
  json j = json::parse(json_text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) return Status::Error(origin + ": not a JSON object");
  Texts t;
  if (Status s = read_string(j, "language", t.language_, origin); !s.ok()) return s;
  if (t.language_.empty()) return Status::Error(origin + ": \"language\" is missing");
  if (auto n = j.find("numbers"); n != j.end() && n->is_object()) {
    if (Status s = read_string(*n, "decimal", t.decimal_, origin + ".numbers"); !s.ok()) return s;
    if (Status s = read_string(*n, "group", t.group_, origin + ".numbers"); !s.ok()) return s;
  }
  if (t.decimal_.empty()) return Status::Error(origin + ".numbers.decimal must not be empty");
  if (t.group_ == t.decimal_) {
    return Status::Error(origin + ".numbers.group must differ from numbers.decimal");
  }
  for (const std::string* sep : {&t.decimal_, &t.group_}) {
    if (sep->find_first_of("0123456789-") != std::string::npos) {
      return Status::Error(origin + ".numbers: a separator must not hold digits or '-'");
    }
  }
  if (auto l = j.find("list"); l != j.end() && l->is_object()) {
    if (Status s = read_string(*l, "separator", t.list_separator_, origin + ".list"); !s.ok()) return s;
    if (Status s = read_string(*l, "last", t.list_last_, origin + ".list"); !s.ok()) return s;
  }
  if (auto m = j.find("money"); m != j.end() && m->is_object()) {
    const std::string where = origin + ".money";
    for (auto [key, field] : {std::pair{"written", &t.money_symbol_},
                              std::pair{"written_code", &t.money_code_},
                              std::pair{"spoken", &t.money_spoken_},
                              std::pair{"spoken_whole", &t.money_spoken_whole_}}) {
      if (Status s = read_string(*m, key, *field, where); !s.ok()) return s;
    }
    if (auto sy = m->find("symbols"); sy != m->end() && sy->is_object()) {
      for (const auto& [code, symbol] : sy->items()) {
        if (!symbol.is_string()) return Status::Error(where + ".symbols." + code + " must be a string");
        t.symbols_[code] = symbol.get<std::string>();
      }
    }
    if (auto names = m->find("names"); names != m->end() && names->is_object()) {
      for (const auto& [code, forms] : names->items()) {
        if (!forms.is_object() || !forms.value("one", json()).is_string() ||
            !forms.value("other", json()).is_string()) {
          return Status::Error(where + ".names." + code + " must have \"one\" and \"other\"");
        }
        t.currency_names_[code] = {forms["one"].get<std::string>(), forms["other"].get<std::string>()};
      }
    }
  }
  if (Status s = read_names(j, "weekdays", 7, t.weekdays_, origin); !s.ok()) return s;
  if (Status s = read_names(j, "months", 12, t.months_, origin); !s.ok()) return s;
  auto msgs = j.find("messages");
  if (msgs == j.end() || !msgs->is_object()) return Status::Error(origin + ": \"messages\" is missing");
  for (const auto& [id, v] : msgs->items()) {
    Message m;
    if (v.is_string()) {
      m.forms[""] = v.get<std::string>();
    } else if (v.is_object() && v.value("by", json()).is_string() &&
               v.value("one", json()).is_string() && v.value("other", json()).is_string()) {
      m.by = v["by"].get<std::string>();
      m.forms["one"] = v["one"].get<std::string>();
      m.forms["other"] = v["other"].get<std::string>();
    } else {
      return Status::Error(origin + ": message " + id +
                           " must be a string or {\"by\", \"one\", \"other\"}");
    }
    t.messages_.emplace(id, std::move(m));
  }
  return t;
}

std::string Texts::language_of(std::string_view tag) {
  return std::string(tag.substr(0, tag.find_first_of("-_")));
}

std::vector<std::string> Texts::problems_against(const Texts& reference) const {
  std::vector<std::string> out;
  auto all_placeholders = [](const Message& m) {
    std::set<std::string> names;
    for (const auto& [form, tmpl] : m.forms) names.merge(placeholders(tmpl));
    return names;
  };
  for (const auto& [id, ref] : reference.messages_) {
    auto it = messages_.find(id);
    if (it == messages_.end()) {
      out.push_back("message " + id + " is missing");
      continue;
    }
    std::set<std::string> want = all_placeholders(ref), have = all_placeholders(it->second);
    for (const auto& p : want) {
      if (!have.count(p)) out.push_back("message " + id + " lacks the placeholder {" + p + "}");
    }
    for (const auto& p : have) {
      if (!want.count(p)) out.push_back("message " + id + " has {" + p + "}, which English has not");
    }
    const Message& m = it->second;
    // An empty translation would show or say nothing (and a notification's answer without
    // a label is refused by ntfy).
    for (const auto& [form, tmpl] : m.forms) {
      if (tmpl.find_first_not_of(" \t\n") == std::string::npos) {
        out.push_back("message " + id + (form.empty() ? "" : " (" + form + ")") + " is empty");
      }
    }
    if (!m.by.empty() && !want.count(m.by) && m.by != ref.by) {
      out.push_back("message " + id + ": its plural is by " + m.by + ", not a placeholder");
    }
  }
  for (const auto& [id, m] : messages_) {
    if (!reference.messages_.count(id)) out.push_back("message " + id + " is not in English");
  }
  for (const auto& tmpl : {money_symbol_, money_code_, money_spoken_, money_spoken_whole_}) {
    if (!placeholders(tmpl).count(tmpl == money_spoken_ || tmpl == money_spoken_whole_ ? "major" : "amount")) {
      out.push_back("the money pattern \"" + tmpl + "\" lacks its amount");
    }
  }
  return out;
}

std::map<std::string, Texts::Message> Texts::messages_with_prefix(std::string_view prefix) const {
  std::map<std::string, Message> out;
  for (auto it = messages_.lower_bound(std::string(prefix));
       it != messages_.end() && it->first.compare(0, prefix.size(), prefix) == 0; ++it) {
    out.insert(*it);
  }
  return out;
}

std::string Texts::operator()(std::string_view id, const TextArgs& args) const {
  auto it = messages_.find(std::string(id));
  if (it == messages_.end()) return "[" + std::string(id) + "]";
  const Message& m = it->second;
  if (m.by.empty()) return fill(m.forms.at(""), args);
  bool one = false;
  for (const auto& a : args) {
    if (a.name == m.by && a.count) one = *a.count == 1;
  }
  return fill(m.forms.at(one ? "one" : "other"), args);
}

TextArg Texts::num(std::string name, double value, int decimals) const {
  double scale = std::pow(10.0, decimals);
  double rounded = std::round(value * scale) / scale;
  return TextArg{std::move(name), number(rounded, decimals), rounded};
}

namespace {

// `s` with `group` between every three digits of its whole part, from the right
// ("-12345,6" -> "-12.345,6"); a number of four digits too, as Intl writes it in English
// and German ("1,000" / "1.000"). A text without leading digits ("inf") stays as it is.
std::string grouped(std::string s, const std::string& group) {
  if (group.empty()) return s;
  const std::size_t begin = !s.empty() && s[0] == '-' ? 1 : 0;
  std::size_t end = begin;
  while (end < s.size() && s[end] >= '0' && s[end] <= '9') ++end;
  for (std::size_t at = end; at > begin + 3; at -= 3) s.insert(at - 3, group);
  return s;
}

}  // namespace

std::string Texts::fixed(double value, int decimals) const {
  if (std::fabs(value) < 0.5 * std::pow(10.0, -decimals)) value = 0;  // no "-0.00"
  char buf[400];  // the widest double with `decimals` (at most a few) digits after the point
  std::snprintf(buf, sizeof buf, "%.*f", decimals, value);
  std::string s = buf;
  if (auto dot = s.find('.'); dot != std::string::npos) s.replace(dot, 1, decimal_);
  return grouped(std::move(s), group_);
}

std::string Texts::number(double value, int decimals) const {
  std::string s = fixed(value, decimals);
  if (decimals > 0) {
    while (!s.empty() && s.back() == '0') s.pop_back();
    if (s.size() >= decimal_.size() && s.compare(s.size() - decimal_.size(), decimal_.size(), decimal_) == 0) {
      s.erase(s.size() - decimal_.size());
    }
  }
  return s;
}

int Texts::currency_digits(std::string_view code) {
  // ISO 4217's minor units where they are not 2 (the currencies in use).
  static constexpr std::string_view kNone[] = {"BIF", "CLP", "DJF", "GNF", "ISK", "JPY",
                                               "KMF", "KRW", "PYG", "RWF", "UGX", "UYI",
                                               "VND", "VUV", "XAF", "XOF", "XPF"};
  static constexpr std::string_view kThree[] = {"BHD", "IQD", "JOD", "KWD", "LYD", "OMR",
                                                "TND"};
  for (std::string_view c : kNone) {
    if (c == code) return 0;
  }
  for (std::string_view c : kThree) {
    if (c == code) return 3;
  }
  if (code == "CLF" || code == "UYW") return 4;
  return 2;
}

namespace {

// |amount| in minor units of `digits` digits, rounded half away from zero; nullopt when it
// is not finite or too large for them (it is then written as it is).
std::optional<long long> units_of(double amount, int digits) {
  const double scaled = std::fabs(amount) * std::pow(10.0, digits);
  if (!(scaled < 9e15)) return std::nullopt;
  return std::llround(scaled);
}

long long scale_of(int digits) {
  long long scale = 1;
  for (int i = 0; i < digits; ++i) scale *= 10;
  return scale;
}

}  // namespace

std::optional<long long> Texts::minor_units(double amount, std::string_view currency) {
  return units_of(amount, currency_digits(currency));
}

std::string Texts::amount(double amount, std::string_view currency, std::string_view decimal) {
  const int digits = currency_digits(currency);
  // Written from the same whole minor units as spoken_money(), so both round alike.
  auto units = units_of(amount, digits);
  if (!units) {  // beyond them: as printf writes it
    char buf[400];
    std::snprintf(buf, sizeof buf, "%.*f", digits, amount);
    std::string s = buf;
    if (auto dot = s.find('.'); dot != std::string::npos) s.replace(dot, 1, decimal);
    return s;
  }
  const long long scale = scale_of(digits);
  std::string number = (amount < 0 && *units > 0 ? "-" : "") + std::to_string(*units / scale);
  if (digits > 0) {
    const std::string minor = std::to_string(*units % scale);
    number.append(decimal).append(digits - minor.size(), '0').append(minor);
  }
  return number;
}

std::string Texts::money(double amount, const std::string& currency) const {
  std::string number = grouped(Texts::amount(amount, currency, decimal_), group_);
  if (currency.empty()) return number;  // no unit known: the number alone
  TextArgs args = {arg("amount", number), arg("code", currency)};
  auto it = symbols_.find(currency);
  if (it == symbols_.end()) return fill(money_code_, args);
  args.push_back(arg("symbol", it->second));
  return fill(money_symbol_, args);
}

std::string Texts::spoken_money(double amount, const std::string& currency) const {
  const int digits = currency_digits(currency);
  const long long scale = scale_of(digits);
  const auto units = units_of(amount, digits);
  const long long major = units ? *units / scale : 0, minor = units ? *units % scale : 0;
  std::string unit = currency;
  if (auto it = currency_names_.find(currency); it != currency_names_.end()) {
    unit = units && major == 1 ? it->second.first : it->second.second;
  }
  // (Beyond the minor units' range the whole amount, as it is.)
  TextArgs args = {arg("major", units ? std::to_string(major) : fixed(std::fabs(amount), 0)),
                   arg("unit", unit), arg("minor", std::to_string(minor))};
  return fill(minor == 0 ? money_spoken_whole_ : money_spoken_, args);
}

std::string Texts::list(const std::vector<std::string>& items) const {
  std::string s;
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i > 0) s += i + 1 == items.size() ? list_last_ : list_separator_;
    s += items[i];
  }
  return s;
}

std::string Texts::weekday(int wday) const {
  return wday >= 0 && static_cast<std::size_t>(wday) < weekdays_.size()
             ? weekdays_[static_cast<std::size_t>(wday)]
             : "";
}

std::string Texts::month(int mon) const {
  return mon >= 0 && static_cast<std::size_t>(mon) < months_.size()
             ? months_[static_cast<std::size_t>(mon)]
             : "";
}

std::string Texts::day_month(int mday, int mon) const {
  return (*this)("day.date", {arg("day", std::to_string(mday)), arg("month", month(mon))});
}

}  // namespace larder
