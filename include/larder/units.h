// Units of the canonical contract and their conversions.
//
// `g`, `kg`, `ml`, `l`, `pcs` have a dimension (mass, volume, count); `%` is a share of a
// consumable's configured capacity and fits every dimension.
// Thread rule: pure functions.
#pragma once

#include <optional>
#include <string_view>

namespace larder {

enum class Unit { g, kg, ml, l, pcs, percent };
enum class Dimension { mass, volume, count, share };

std::optional<Unit> parse_unit(std::string_view text);
std::string_view unit_name(Unit u);
Dimension dimension_of(Unit u);
std::string_view dimension_name(Dimension d);

// Converts `value` given in `from` into `to`. `capacity` (in `to`) is used for `%`.
// Returns nothing when the dimensions differ (e.g. ml into g).
std::optional<double> convert(double value, Unit from, Unit to, double capacity);

}  // namespace larder
