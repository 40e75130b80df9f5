#include "core/prune/survivor_spread.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

namespace ts {

SurvivorSpread survivor_spread(std::span<const float> mask, std::size_t rows, std::size_t row_size,
                               bool by_columns) {
  SurvivorSpread s;
  if (rows == 0 || row_size == 0 || mask.size() != rows * row_size) return s;
  s.groups = by_columns ? row_size : rows;
  s.size = by_columns ? rows : row_size;
  std::vector<std::size_t> count(s.groups, 0);
  std::size_t total = 0;
  for (std::size_t r = 0; r < rows; ++r)
    for (std::size_t c = 0; c < row_size; ++c)
      if (mask[r * row_size + c] != 0.0f) {
        ++count[by_columns ? c : r];
        ++total;
      }
  const double g = double(s.groups), n = double(s.size);
  s.present = double(total) / (g * n);
  s.mean = double(total) / g;
  double sq = 0.0;
  for (std::size_t c : count) sq += (double(c) - s.mean) * (double(c) - s.mean);
  s.std = std::sqrt(sq / g);
  const double p = s.present, var = n * p * (1.0 - p);
  s.binomial_std = std::sqrt(var);
  s.empty = std::size_t(std::count(count.begin(), count.end(), std::size_t(0)));
  s.expected_empty = g * std::pow(1.0 - p, n);
  const auto [lo, hi] = std::minmax_element(count.begin(), count.end());
  s.fewest = *lo;
  s.most = *hi;
  if (var > 0.0 && s.groups > 1) {
    s.dispersion = (sq / g) / var;
    // sum (c - mean)^2 / var is about chi-square with groups - 1 degrees of freedom under
    // the binomial; Wilson-Hilferty makes (X / k)^(1/3) about normal.
    const double k = g - 1.0, x = sq / var;
    s.z = (std::cbrt(x / k) - (1.0 - 2.0 / (9.0 * k))) / std::sqrt(2.0 / (9.0 * k));
  } else {
    s.dispersion = s.z = std::numeric_limits<double>::quiet_NaN();
  }
  return s;
}

}  // namespace ts
