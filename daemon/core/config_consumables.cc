#include <map>

#include "core/config_checks.h"
#include "core/config_sections.h"
#include "larder/text.h"

namespace larder::config {
namespace {

// A name or synonym: words are compared without their outer spaces (fold), so one of
// spaces only would name nothing.
std::string name_text(std::string_view v) {
  if (v.find_first_not_of(' ') == std::string_view::npos) return "must not be only spaces";
  return check_max_length(v, 200);
}

// How a spoken or written name is matched: case folded (utf8_lower: ASCII and the European
// capitals), outer spaces dropped.
std::string fold(std::string_view s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  return utf8_lower(s);  // "Öl" and "öl" are one word, as the voice desk hears them
}

// A word that names a consumable (its id, name or a synonym), where it is written.
struct Term {
  std::string text, path;
  int line = 0;
};

void read_pack(Section& s, PackConfig& out) {
  if (auto sku = s.string("sku", Need::required, [](std::string_view v) { return check_max_length(v, 128); })) {
    out.sku = *sku;
  }
  if (auto size = s.number("size", Need::required, Range::positive())) out.size = *size;
  out.price = s.number("price", Need::optional, Range::non_negative());
  const Range shelf{0.0, 3650.0, true, false};
  out.best_before_days = s.number("best_before_days", Need::optional, shelf);
}

void read_consumable(Section& s, ConsumableConfig& out, std::vector<Term>& terms) {
  if (auto name = s.string("name", Need::optional, name_text)) {
    out.name = *name;
    terms.push_back({*name, s.key_path("name"), s.key_line("name")});
  } else {
    out.name = out.id;
  }

  auto unit = s.string("unit", Need::required, [](std::string_view v) -> std::string {
    std::optional<Unit> u = parse_unit(v);
    if (u && *u != Unit::percent) return "";
    return std::string("must be g, kg, ml, l or pcs") +
           (u ? " (% is for readings, never a consumable's own unit)" : "");
  });
  if (unit) out.unit = *parse_unit(*unit);

  std::optional<double> capacity = s.number("capacity", Need::required, Range::positive());
  if (capacity) out.capacity = *capacity;
  // The container's own weight: a jar may weigh more than it holds, so tare is not bounded
  // by capacity.
  if (auto tare = s.number("tare", Need::optional, Range::non_negative())) out.tare = *tare;

  if (auto synonyms = s.string_list("synonyms", Need::optional, name_text)) {
    for (const ListItem& item : *synonyms) {
      out.synonyms.push_back(item.value);
      terms.push_back({item.value, item.path, item.line});
    }
  }

  const Range lead{0.0, 60.0, true, false};
  if (auto lead_time = s.number("lead_time_days", Need::optional, lead)) out.lead_time_days = *lead_time;

  s.section("pack", Need::required, [&](Section& p) { read_pack(p, out.pack); });

  // Guards of its orders (docs/orders.md): per pack, in the household's currency.
  out.price_ceiling = s.number("price_ceiling", Need::optional, Range::positive());
  if (auto sub = s.boolean("allow_substitution", Need::optional)) out.allow_substitution = *sub;
}

}  // namespace

void read_consumables(Section& s, std::vector<ConsumableConfig>& out) {
  std::vector<std::vector<Term>> words;  // per consumable: its name and synonyms
  for (const Field& f : s.entries()) {
    if (!valid_id(f.key)) {
      s.reader().error(f.line, f.path,
                       "is not a valid consumable id: 1 to 64 of a-z, 0-9, '_' and '-', starting "
                       "with a letter or digit");
    }
    ConsumableConfig c;
    c.id = f.key;
    words.emplace_back();
    s.section(f, [&](Section& cs) { read_consumable(cs, c, words.back()); });
    out.push_back(std::move(c));
  }

  // A word must lead to one consumable, or "order coffee" would be a guess. Ids (unique
  // already) claim their word first; names and synonyms follow in file order.
  std::map<std::string, std::string> owner;  // folded word -> consumable id
  for (const ConsumableConfig& c : out) owner.emplace(fold(c.id), c.id);
  for (std::size_t i = 0; i < out.size(); ++i) {
    for (const Term& t : words[i]) {
      auto [it, fresh] = owner.emplace(fold(t.text), out[i].id);
      if (!fresh && it->second != out[i].id) {
        s.reader().error(t.line, t.path,
                         "\"" + t.text + "\" already names consumable '" + it->second +
                             "' (ids, names and synonyms must be unique, ignoring case)");
      }
    }
  }
}

}  // namespace larder::config
