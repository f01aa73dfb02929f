// Random draws for the evaluator, identical on every platform.
//
// The engine is std::mt19937_64, whose output the standard fixes bit for bit. The
// distributions of <random> are implementation-defined (libstdc++ and libc++ draw
// differently), so every distribution here is written out from uniform draws of the
// engine: Box-Muller normals, Marsaglia-Tsang gammas, Knuth Poisson counts. Each call
// consumes a fixed number of engine outputs where that is possible (the Marsaglia-Tsang
// and Knuth loops are the exceptions; they are still deterministic). What remains
// platform-dependent is only the last bit of libm's log/cos/sqrt/exp.
// Streams: stream_seed() mixes (seed, a, b) with splitmix64, so each part of a scenario
// (uses, lifts, readings, deliveries...) draws from its own stream and one part's
// number of draws never shifts another's.
// Thread rule: plain value; one thread at a time per Rng.
#pragma once

#include <cmath>
#include <cstdint>
#include <random>

namespace larder::eval {

inline std::uint64_t splitmix64(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

inline std::uint64_t stream_seed(std::uint64_t seed, std::uint64_t a, std::uint64_t b) {
  return splitmix64(splitmix64(splitmix64(seed) ^ a) ^ (b * 0x9e3779b97f4a7c15ULL));
}

class Rng {
 public:
  explicit Rng(std::uint64_t seed) : eng_(seed) {}

  // In [0, 1), 53 random bits.
  double uniform() { return static_cast<double>(eng_() >> 11) * 0x1.0p-53; }
  // In (0, 1]: safe for log().
  double uniform_pos() { return static_cast<double>((eng_() >> 11) + 1) * 0x1.0p-53; }
  double uniform(double a, double b) { return a + (b - a) * uniform(); }
  bool bernoulli(double p) { return uniform() < p; }
  // Box-Muller, two engine outputs per call (the second normal is not kept, so the
  // number of draws per call is fixed).
  double normal() {
    double u1 = uniform_pos();
    double u2 = uniform();
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
  }
  double normal(double mean, double sd) { return mean + sd * normal(); }
  double exponential(double mean) { return -mean * std::log(uniform_pos()); }
  // Marsaglia and Tsang (2000); shape >= 1 here (the protocol only needs shape 4).
  double gamma(double shape, double scale) {
    if (shape < 1) {
      double u = uniform_pos();
      return gamma(shape + 1, scale) * std::pow(u, 1.0 / shape);
    }
    double d = shape - 1.0 / 3.0;
    double c = 1.0 / std::sqrt(9.0 * d);
    for (;;) {
      double x = normal();
      double v = 1 + c * x;
      if (v <= 0) continue;
      v = v * v * v;
      double u = uniform_pos();
      if (std::log(u) < 0.5 * x * x + d - d * v + d * std::log(v)) return d * v * scale;
    }
  }
  // Knuth's product of uniforms; fine for the small means used here (< 30).
  int poisson(double mean) {
    if (mean <= 0) return 0;
    double limit = std::exp(-mean);
    double p = uniform_pos();
    int k = 0;
    while (p > limit) {
      p *= uniform_pos();
      ++k;
    }
    return k;
  }

 private:
  std::mt19937_64 eng_;
};

}  // namespace larder::eval
