// Contour lines by marching squares (core/analysis/contours.h) against level sets known in
// closed form: a plane's straight line, a cone's circle, a saddle's two pieces.
#include "core/analysis/contours.h"
#include "core/error.h"

#include <doctest/doctest.h>

#include <cmath>
#include <numbers>

using namespace ts;

namespace {

double length(const std::vector<ContourSegment>& s) {
  double l = 0;
  for (const auto& g : s) l += std::hypot(g.x1 - g.x0, g.y1 - g.y0);
  return l;
}

}  // namespace

TEST_CASE("a plane's contour is the straight line where it equals the level") {
  const int rows = 6, cols = 9;
  std::vector<double> v;
  for (int r = 0; r < rows; ++r)
    for (int c = 0; c < cols; ++c) v.push_back(2.0 * c + 1.0);  // rises along the columns
  const double levels[] = {6.0};                                // at column 2.5
  const auto s = contour_segments(v, rows, cols, levels);
  REQUIRE(s.size() == rows - 1);  // one piece a row of cells
  for (const auto& g : s) {
    CHECK(g.x0 == doctest::Approx(2.5));
    CHECK(g.x1 == doctest::Approx(2.5));
    CHECK(std::abs(g.y1 - g.y0) == doctest::Approx(1.0));
    CHECK(g.level == 6.0);
  }
  CHECK(length(s) == doctest::Approx(rows - 1));
  // Levels outside the values draw nothing; the levels sit strictly inside the range.
  const double outside[] = {0.5, 40.0};
  CHECK(contour_segments(v, rows, cols, outside).empty());
  const auto lv = contour_levels(1.0, 17.0, 3);
  REQUIRE(lv.size() == 3);
  CHECK(lv[0] == doctest::Approx(5.0));
  CHECK(lv[2] == doctest::Approx(13.0));
  CHECK(contour_levels(2.0, 2.0, 3).empty());
  CHECK_THROWS_AS(contour_segments(v, rows, cols + 1, levels), Error);
}

TEST_CASE("a cone's contour is a circle of the level's radius") {
  const int n = 81;
  const double c0 = 40.0, radius = 25.0;
  std::vector<double> v;
  for (int r = 0; r < n; ++r)
    for (int c = 0; c < n; ++c) v.push_back(std::hypot(c - c0, r - c0));
  const double levels[] = {radius};
  const auto s = contour_segments(v, n, n, levels);
  for (const auto& g : s) {
    CHECK(std::hypot(g.x0 - c0, g.y0 - c0) == doctest::Approx(radius).epsilon(0.002));
    CHECK(std::hypot(g.x1 - c0, g.y1 - c0) == doctest::Approx(radius).epsilon(0.002));
  }
  CHECK(length(s) == doctest::Approx(2 * std::numbers::pi * radius).epsilon(0.002));
  // A NaN corner leaves its four cells out.
  v[std::size_t(40 * n + 15)] = NAN;  // on the circle's left
  CHECK(contour_segments(v, n, n, levels).size() < s.size());
}

TEST_CASE("a saddle cell is split by its mean") {
  // Corners (top left, top right, bottom right, bottom left) = 1, 0, 1, 0 at level 0.4: the
  // mean 0.5 is above, so the two high corners join through the centre and the low ones are
  // cut off: pieces around the top right and the bottom left corners.
  const std::vector<double> v = {1, 0, 0, 1};  // rows: (1, 0), (0, 1)
  const double low[] = {0.4};
  auto s = contour_segments(v, 2, 2, low);
  REQUIRE(s.size() == 2);
  auto near = [](const ContourSegment& g, double x, double y) {
    return std::hypot((g.x0 + g.x1) / 2 - x, (g.y0 + g.y1) / 2 - y) < 0.5;
  };
  CHECK(((near(s[0], 1, 0) && near(s[1], 0, 1)) || (near(s[0], 0, 1) && near(s[1], 1, 0))));
  // At 0.6 the mean is below: the high corners are the ones cut off.
  const double high[] = {0.6};
  s = contour_segments(v, 2, 2, high);
  REQUIRE(s.size() == 2);
  CHECK(((near(s[0], 0, 0) && near(s[1], 1, 1)) || (near(s[0], 1, 1) && near(s[1], 0, 0))));
}
