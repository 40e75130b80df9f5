// Helpers of the float kernels' tests (test_dense_gemm.cpp, test_conv_gemm.cpp): random
// operands, the error bound of a float sum, and outputs guarded against stores past an end.
#pragma once

#include "core/rng.h"
#include "core/tensor.h"

#include <cmath>
#include <cstddef>
#include <vector>

namespace ts::testing {

inline std::vector<float> random_floats(std::size_t n, Rng& rng) {
  std::vector<float> v(n);
  for (auto& x : v) x = float(rng.uniform(-1.0, 1.0));
  return v;
}

// A float sum of `terms` products, each of magnitude at most |a||b|, is within
// terms * 2^-23 * Σ|a||b| of the exact sum; `bound` holds Σ|a||b| per output.
inline bool within(double got, double exact, double bound, Index terms) {
  return std::abs(got - exact) <= double(terms + 2) * 1.2e-7 * bound + 1e-30;
}

// A product's shape: (m, k) times (k, n).
struct Shape {
  Index m, k, n;
};

// An output with 16 guard values on each side, to catch a store past either end.
struct Guarded {
  static constexpr std::size_t kGuard = 16;
  static constexpr float kSentinel = -12345.f;
  std::vector<float> buf;
  explicit Guarded(std::size_t n) : buf(n + 2 * kGuard, kSentinel) {}
  float* data() { return buf.data() + kGuard; }
  float operator[](std::size_t i) const { return buf[kGuard + i]; }
  bool guards_intact() const {
    for (std::size_t i = 0; i < kGuard; ++i)
      if (buf[i] != kSentinel || buf[buf.size() - 1 - i] != kSentinel) return false;
    return true;
  }
};

}  // namespace ts::testing
