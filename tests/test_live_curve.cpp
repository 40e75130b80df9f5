// The window's live curves (app/plot/live_curve.h): buckets cut as the series cuts them, the
// visible range with one point beyond each edge, and the debiased moving average by hand.
#include "app/plot/live_curve.h"

#include <doctest/doctest.h>

using namespace ts;

TEST_CASE("a live curve decimates what is visible and smooths with a debiased EMA") {
  ScalarSeries s;
  for (int i = 1; i <= 10; ++i) s.push(i, float(i));
  plot::LiveCurve c;
  c.update(s);
  REQUIRE(c.points().size() == 10);
  SvgSeries raw, smooth;
  c.decimate(s, 0, 0, /*all=*/true, /*columns=*/3, /*smoothing=*/0.5f, raw, smooth);
  // Buckets [0,3), [3,6), [6,10): steps 1-3, 4-6, 7-10.
  CHECK(raw.lo == std::vector<double>{1, 4, 7});
  CHECK(raw.hi == std::vector<double>{3, 6, 10});
  CHECK(raw.x == std::vector<double>{2, 5, 8.5});
  CHECK(raw.y == std::vector<double>{2, 5, 8.5});
  // EMA with weight 0.5 divided by 1 - 0.5^t: 1, 5/3, 17/7 at steps 1, 2, 3.
  REQUIRE(smooth.y.size() == 3);
  CHECK(smooth.x[0] == 3);
  CHECK(smooth.y[0] == doctest::Approx(17.0 / 7.0));
  // Steps 4.5 to 6.5 on screen: steps 5 and 6, and 4 and 7 beyond the edges.
  c.decimate(s, 4.5, 6.5, false, 10, 0.f, raw, smooth);
  CHECK(raw.x == std::vector<double>{4, 5, 6, 7});
  CHECK(smooth.x.empty());
  // New points arrive; the EMA goes on from where it was.
  s.push(11, 100.f);
  c.update(s);
  c.decimate(s, 0, 0, true, 100, 0.5f, raw, smooth);
  REQUIRE(smooth.y.size() == 11);
  double num = 0, den = 0;
  for (int i = 1; i <= 11; ++i) {
    num = 0.5 * num + 0.5 * (i == 11 ? 100.0 : double(i));
    den = 0.5 * den + 0.5;
  }
  CHECK(smooth.y.back() == doctest::Approx(num / den));
  CHECK(raw.hi.back() == 100);
}
