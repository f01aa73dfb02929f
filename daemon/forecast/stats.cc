#include "forecast/stats.h"

#include <algorithm>
#include <cmath>
#include <numbers>

namespace larder::forecast {

double normal_cdf(double z) { return 0.5 * std::erfc(-z / std::sqrt(2.0)); }

double normal_quantile(double p) {
  p = std::clamp(p, 1e-12, 1 - 1e-12);
  // Acklam's algorithm.
  static const double a[] = {-3.969683028665376e+01, 2.209460984245205e+02,
                             -2.759285104469687e+02, 1.383577518672690e+02,
                             -3.066479806614716e+01, 2.506628277459239e+00};
  static const double b[] = {-5.447609879822406e+01, 1.615858368580409e+02,
                             -1.556989798598866e+02, 6.680131188771972e+01,
                             -1.328068155288572e+01};
  static const double c[] = {-7.784894002430293e-03, -3.223964580411365e-01,
                             -2.400758277161838e+00, -2.549732539343734e+00,
                             4.374664141464968e+00,  2.938163982698783e+00};
  static const double d[] = {7.784695709041462e-03, 3.224671290700398e-01,
                             2.445134137142996e+00, 3.754408661907416e+00};
  const double lo = 0.02425;
  double x;
  if (p < lo) {
    double q = std::sqrt(-2 * std::log(p));
    x = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
        ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  } else if (p <= 1 - lo) {
    double q = p - 0.5, r = q * q;
    x = (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q /
        (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
  } else {
    double q = std::sqrt(-2 * std::log(1 - p));
    x = -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
        ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  }
  // One Halley step.
  double e = normal_cdf(x) - p;
  double u = e * std::sqrt(2 * std::numbers::pi) * std::exp(x * x / 2);
  return x - u / (1 + x * u / 2);
}

namespace {
// Wilson-Hilferty: (X / mean)^(1/3) ~ N(1 - s2, s2) with s2 = 1 / (9 shape) = var / (9 mean^2).
double wh_s2(double mean, double var) { return var / (9.0 * mean * mean); }
}  // namespace

double gamma_tail(double mean, double var, double x) {
  if (mean <= 0) return x <= 0 ? 1.0 : 0.0;
  if (var <= 0) return x <= mean ? 1.0 : 0.0;
  if (x <= 0) return 1.0;
  double s2 = wh_s2(mean, var);
  double z = (std::cbrt(x / mean) - (1 - s2)) / std::sqrt(s2);
  return 1 - normal_cdf(z);
}

double gamma_quantile_z(double mean, double var, double z) {
  if (mean <= 0) return 0;
  if (var <= 0) return mean;
  double s2 = wh_s2(mean, var);
  double r = 1 - s2 + z * std::sqrt(s2);
  return r <= 0 ? 0.0 : mean * r * r * r;
}

}  // namespace larder::forecast
