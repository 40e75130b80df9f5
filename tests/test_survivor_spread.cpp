// Where a ticket's survivors live: the spread of a mask's survivors over rows and columns
// against the binomial spread of chance, on masks whose counts are worked out by hand.
#include "core/prune/survivor_spread.h"

#include <doctest/doctest.h>

#include <cmath>
#include <vector>

using namespace ts;

TEST_CASE("survivor spread: counts per row and column against the binomial, by hand") {
  // 4 rows of 4; rows keep 4, 0, 2, 2 of their entries: p = 8/16 = 0.5, mean 2 per row,
  // variance ((2^2 + 2^2 + 0 + 0) / 4) = 2 against the binomial 4 * 0.5 * 0.5 = 1.
  const std::vector<float> mask{1, 1, 1, 1,  //
                                0, 0, 0, 0,  //
                                1, 1, 0, 0,  //
                                0, 0, 1, 1};
  const SurvivorSpread rows = survivor_spread(mask, 4, 4);
  CHECK(rows.groups == 4);
  CHECK(rows.size == 4);
  CHECK(rows.present == 0.5);
  CHECK(rows.mean == 2.0);
  CHECK(rows.std == doctest::Approx(std::sqrt(2.0)));
  CHECK(rows.binomial_std == 1.0);
  CHECK(rows.dispersion == doctest::Approx(2.0));
  CHECK(rows.empty == 1);
  CHECK(rows.expected_empty == doctest::Approx(4 * std::pow(0.5, 4)));  // 0.25
  CHECK(rows.fewest == 0);
  CHECK(rows.most == 4);
  // Wilson-Hilferty: X = 8 on 3 degrees of freedom.
  const double k = 3, x = 8;
  CHECK(rows.z == doctest::Approx((std::cbrt(x / k) - (1 - 2 / (9 * k))) / std::sqrt(2 / (9 * k))));
  // Columns keep 2 each: exactly even, no spread at all.
  const SurvivorSpread cols = survivor_spread(mask, 4, 4, true);
  CHECK(cols.mean == 2.0);
  CHECK(cols.std == 0.0);
  CHECK(cols.dispersion == 0.0);
  CHECK(cols.empty == 0);
  // Nothing pruned: no spread to compare (the binomial has none either).
  const SurvivorSpread dense = survivor_spread(std::vector<float>(12, 1.0f), 3, 4);
  CHECK(dense.present == 1.0);
  CHECK(std::isnan(dense.dispersion));
  // A mismatched size gives an empty result rather than reading past the mask.
  CHECK(survivor_spread(mask, 3, 4).groups == 0);
}
