// Histograms over training on one value axis: shares by hand for bins inside one grid bin
// and for a bin split across two, and the columns picked when there are too many.
#include "core/analysis/histogram_grid.h"

#include <doctest/doctest.h>

using namespace ts;

namespace {
Histogram hist(int64_t step, float lo, float hi) {
  Histogram h;
  h.step = step;
  h.lo = lo;
  h.hi = hi;
  return h;
}
}  // namespace

TEST_CASE("a histogram grid re-bins every probe onto the union of their ranges") {
  Histogram a = hist(10, 0.f, 1.f);
  a.counts[0] = 10;   // [0, 1/64)
  a.counts[63] = 30;  // [63/64, 1)
  Histogram b = hist(20, -1.f, 1.f);
  b.counts[42] = 6;  // [0.3125, 0.34375): straddles 1/3
  b.counts[0] = 2;   // [-1, -0.96875)
  const std::vector<Histogram> hs{a, b};
  const HistogramGrid g = histogram_grid(hs, 3, 100);  // rows [1/3, 1), [-1/3, 1/3), [-1, -1/3)
  REQUIRE(g.cols == 2);
  REQUIRE(g.rows == 3);
  CHECK(g.lo == -1.f);
  CHECK(g.hi == 1.f);
  CHECK(g.steps == std::vector<int64_t>{10, 20});
  auto at = [&](std::size_t r, std::size_t c) { return double(g.share[r * g.cols + c]); };
  CHECK(at(0, 0) == doctest::Approx(0.75));
  CHECK(at(1, 0) == doctest::Approx(0.25));
  CHECK(at(2, 0) == doctest::Approx(0.0));
  // 6 of 8 in a bin of width 1/32 with 1/3 - 0.3125 = 1/48 of it below 1/3: two thirds.
  CHECK(at(1, 1) == doctest::Approx(0.75 * 2.0 / 3.0));
  CHECK(at(0, 1) == doctest::Approx(0.75 / 3.0));
  CHECK(at(2, 1) == doctest::Approx(0.25));
}

TEST_CASE("a histogram grid keeps the first and last probes when it thins them") {
  std::vector<Histogram> hs;
  for (int i = 0; i < 10; ++i) {
    Histogram h = hist(100 * (i + 1), 0.f, 1.f);
    h.counts[5] = 1;
    hs.push_back(h);
  }
  const HistogramGrid g = histogram_grid(hs, 4, 4);
  CHECK(g.steps == std::vector<int64_t>{100, 400, 700, 1000});  // k * 9 / 3
  Histogram point = hist(5, 0.5f, 0.5f);                        // every value the same
  point.counts[0] = 7;
  const HistogramGrid p = histogram_grid(std::vector<Histogram>{point}, 4, 4);
  CHECK(p.lo == 0.5f);
  CHECK(p.hi == 1.5f);
  CHECK(p.share[3] == doctest::Approx(1.0));  // the bottom bin, [0.5, 0.75)
  CHECK(histogram_grid(std::vector<Histogram>{}, 4, 4).cols == 0);
}
