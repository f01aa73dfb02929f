// Small distributions the consumption model needs: the normal distribution, and a gamma
// distribution given by its mean and variance (use over a horizon is a sum of many small
// non-negative uses: skewed to the right at short horizons, normal at long ones).
//
// The gamma is handled through the Wilson-Hilferty transform: X^(1/3) is close to normal,
// accurate to a few tenths of a percent in the tails for shape >= 1 and usable below.
// Thread rule: pure functions.
#pragma once

namespace larder::forecast {

// P(Z <= z) for a standard normal Z.
double normal_cdf(double z);
// The z with normal_cdf(z) = p, for 0 < p < 1 (Acklam's rational approximation, refined by
// one Halley step: error below 1e-9). p outside (0, 1) is clamped to (1e-12, 1 - 1e-12).
double normal_quantile(double p);

// P(X >= x) for X gamma-distributed with this mean and variance. mean <= 0 means X = 0;
// variance <= 0 means X = mean exactly.
double gamma_tail(double mean, double var, double x);
// The value X reaches with probability 1 - normal_cdf(z), i.e. the normal_cdf(z)-quantile
// of X, e.g. z = 1.645 gives the 95% quantile. Never negative.
double gamma_quantile_z(double mean, double var, double z);

}  // namespace larder::forecast
