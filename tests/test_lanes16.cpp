// The AVX-512 lane operations (core/layers/lanes16.h) against the standard library in double:
// e^x over the range a softmax takes it at, ln x from tiny to huge, the sums of 16 vectors'
// lanes, and the mask of the first lanes.
#include "core/layers/lanes16.h"

#include <doctest/doctest.h>

#include <cmath>
#include <vector>

#if defined(__AVX512F__)
using namespace ts;

namespace {

// f applied to xs 16 at a time.
template <class F>
std::vector<float> by_lanes(const std::vector<float>& xs, F f) {
  std::vector<float> out(xs.size());
  for (std::size_t i = 0; i + 16 <= xs.size(); i += 16)
    _mm512_storeu_ps(out.data() + i, f(_mm512_loadu_ps(xs.data() + i)));
  return out;
}

}  // namespace

TEST_CASE("e^x by lanes is within 2e-7 of e^x for x from -100 to 0") {
  std::vector<float> xs;
  for (int i = 0; i < 16 * 4000; ++i) xs.push_back(-100.f * float(i) / (16 * 4000 - 1));
  xs.back() = 0.f;
  const auto ys = by_lanes(xs, simd::exp_nonpositive);
  double worst = 0;
  for (std::size_t i = 0; i < xs.size(); ++i) {
    // Below -87 the result is e^-87: a term a float sum of ones does not see.
    const double want = std::exp(std::max(double(xs[i]), -87.0));
    worst = std::max(worst, std::abs(double(ys[i]) / want - 1));
  }
  CHECK(worst < 2e-7);
  CHECK(by_lanes(std::vector<float>(16, 0.f), simd::exp_nonpositive)[3] == 1.f);
}

TEST_CASE("ln x by lanes is within 3e-7 of ln x, or 1e-7 where it is near 0") {
  std::vector<float> xs;
  for (int i = 0; i < 16 * 4000; ++i) xs.push_back(std::pow(10.f, -30.f + 60.f * float(i) / 64000));
  for (int i = 0; i < 16 * 100; ++i) xs.push_back(1.f + float(i) / 1600);  // a softmax's sums
  const auto ys = by_lanes(xs, simd::log_positive);
  double worst = 0;
  for (std::size_t i = 0; i < xs.size(); ++i) {
    const double want = std::log(double(xs[i]));
    const double err = std::abs(double(ys[i]) - want);
    worst = std::max(worst, std::abs(want) > 1 ? err / std::abs(want) / 3 : err);
  }
  CHECK(worst < 1e-7);
  CHECK(by_lanes(std::vector<float>(16, 1.f), simd::log_positive)[5] == 0.f);
}

TEST_CASE("lane sums of 16 vectors and masks of the first lanes") {
  __m512 v[16];
  double want[16];
  for (int j = 0; j < 16; ++j) {
    alignas(64) float lanes[16];
    want[j] = 0;
    for (int l = 0; l < 16; ++l) want[j] += lanes[l] = float(j * 16 + l) * 0.25f - float(l * l);
    v[j] = _mm512_load_ps(lanes);
  }
  alignas(64) float got[16];
  _mm512_store_ps(got, simd::sum_lanes16(v));
  for (int j = 0; j < 16; ++j) CHECK(got[j] == float(want[j]));  // small integers and quarters
  CHECK(simd::lanes_mask(0) == 0);
  CHECK(simd::lanes_mask(5) == 0x1F);
  CHECK(simd::lanes_mask(16) == 0xFFFF);
  CHECK(simd::lanes_mask(40) == 0xFFFF);
}
#endif
