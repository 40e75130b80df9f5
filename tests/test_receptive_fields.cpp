// Units as images: the order by norm, each tile scaled by its own peak, separators and
// pruned weights as no value, the cell-to-unit lookup, and sizes that disagree, by hand.
#include "core/analysis/receptive_fields.h"

#include <doctest/doctest.h>

#include <cmath>
#include <stdexcept>
#include <vector>

using namespace ts;

TEST_CASE("receptive fields tile the strongest units, each scaled to its own peak") {
  // Four units of 2x3 inputs. Norms: unit 0 sqrt(1+1) ~ 1.41, unit 1 fully pruned, unit 2
  // sqrt(4*4 + 2*2) ~ 4.47, unit 3 sqrt(3*3) = 3 once its -5 is pruned.
  const std::vector<float> w = {1, 0, 0,  0,  0, -1,  // unit 0
                                9, 9, 9,  9,  9, 9,   // unit 1 (pruned)
                                0, 4, 0,  -2, 0, 0,   // unit 2
                                3, 0, -5, 0,  0, 0};  // unit 3 (-5 pruned)
  std::vector<float> m(w.size(), 1.f);
  for (int i = 6; i < 12; ++i) m[std::size_t(i)] = 0.f;
  m[20] = 0.f;
  const ReceptiveFieldGrid g = receptive_field_grid(w, m, 4, 2, 3, 10, 2);
  CHECK(g.units == std::vector<std::size_t>{2, 3, 0});
  REQUIRE(g.grid_cols == 2);
  REQUIRE(g.grid_rows == 2);
  REQUIRE(g.rows == 5);  // 2 tiles of 2 rows and one separator
  REQUIRE(g.cols == 7);  // 2 tiles of 3 columns and one separator
  CHECK(g.scale == std::vector<float>{4.f, 3.f, 1.f});
  auto at = [&](std::size_t r, std::size_t c) { return g.cells[r * g.cols + c]; };
  // Unit 2, top left: 4 / 4 at (0, 1), -2 / 4 at (1, 0).
  CHECK(at(0, 1) == 1.f);
  CHECK(at(1, 0) == -0.5f);
  CHECK(at(0, 0) == 0.f);
  // Unit 3, top right from column 4: 3 / 3, and its pruned weight has no value.
  CHECK(at(0, 4) == 1.f);
  CHECK(std::isnan(at(0, 6)));
  // Unit 0, bottom left from row 3: 1 and -1 at its corners.
  CHECK(at(3, 0) == 1.f);
  CHECK(at(4, 2) == -1.f);
  // The separators and the empty fourth tile have no value.
  for (std::size_t c = 0; c < g.cols; ++c) CHECK(std::isnan(at(2, c)));
  for (std::size_t r = 0; r < g.rows; ++r) CHECK(std::isnan(at(r, 3)));
  CHECK(std::isnan(at(3, 4)));

  std::size_t unit = 99, y = 99, x = 99;
  REQUIRE(g.locate(1, 5, unit, y, x));
  CHECK(unit == 3);
  CHECK(y == 1);
  CHECK(x == 1);
  CHECK_FALSE(g.locate(2, 0, unit, y, x));  // a separator
  CHECK_FALSE(g.locate(4, 5, unit, y, x));  // the empty fourth tile
  CHECK_FALSE(g.locate(5, 0, unit, y, x));  // outside

  // At most one unit: the strongest, in one column whatever was asked.
  const ReceptiveFieldGrid one = receptive_field_grid(w, m, 4, 2, 3, 1, 5);
  CHECK(one.units == std::vector<std::size_t>{2});
  CHECK(one.grid_cols == 1);
  CHECK(one.rows == 2);
  CHECK(one.cols == 3);
}

TEST_CASE("receptive fields refuse sizes that disagree") {
  const std::vector<float> w(12, 1.f), m(12, 1.f), short_mask(11, 1.f);
  CHECK_THROWS_AS(receptive_field_grid(w, m, 3, 2, 3, 4, 2), std::invalid_argument);
  CHECK_THROWS_AS(receptive_field_grid(w, short_mask, 2, 2, 3, 4, 2), std::invalid_argument);
  CHECK_THROWS_AS(receptive_field_grid(w, m, 2, 0, 3, 4, 2), std::invalid_argument);
  // Every unit pruned: an empty grid, not a crash.
  const std::vector<float> none(12, 0.f);
  const ReceptiveFieldGrid g = receptive_field_grid(w, none, 2, 2, 3, 4, 2);
  CHECK(g.units.empty());
  CHECK(g.rows == 0);
  CHECK(g.cells.empty());
}
