#include "larder/units.h"

namespace larder {

std::optional<Unit> parse_unit(std::string_view t) {
  if (t == "g") return Unit::g;
  if (t == "kg") return Unit::kg;
  if (t == "ml") return Unit::ml;
  if (t == "l") return Unit::l;
  if (t == "pcs") return Unit::pcs;
  if (t == "%") return Unit::percent;
  return std::nullopt;
}

std::string_view unit_name(Unit u) {
  switch (u) {
    case Unit::g: return "g";
    case Unit::kg: return "kg";
    case Unit::ml: return "ml";
    case Unit::l: return "l";
    case Unit::pcs: return "pcs";
    case Unit::percent: return "%";
  }
  return "?";
}

Dimension dimension_of(Unit u) {
  switch (u) {
    case Unit::g:
    case Unit::kg: return Dimension::mass;
    case Unit::ml:
    case Unit::l: return Dimension::volume;
    case Unit::pcs: return Dimension::count;
    case Unit::percent: return Dimension::share;
  }
  return Dimension::count;
}

std::string_view dimension_name(Dimension d) {
  switch (d) {
    case Dimension::mass: return "mass";
    case Dimension::volume: return "volume";
    case Dimension::count: return "count";
    case Dimension::share: return "share";
  }
  return "?";
}

namespace {
// Factor from the unit to its dimension's base unit (g, ml, pcs).
double base_factor(Unit u) { return (u == Unit::kg || u == Unit::l) ? 1000.0 : 1.0; }
}  // namespace

std::optional<double> convert(double value, Unit from, Unit to, double capacity) {
  if (to == Unit::percent) {
    if (from == Unit::percent) return value;
    return std::nullopt;  // a share is never a consumable's own unit
  }
  if (from == Unit::percent) return value / 100.0 * capacity;
  if (dimension_of(from) != dimension_of(to)) return std::nullopt;
  return value * base_factor(from) / base_factor(to);
}

}  // namespace larder
