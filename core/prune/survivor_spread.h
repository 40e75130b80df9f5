// Where a pruned layer's surviving weights live: spread evenly over its units, as chance
// would leave them, or concentrated on a few (the lottery-ticket report's open question).
//
// A weight matrix of `groups` rows of `size` entries (rows are units: a dense layer's output
// units or a convolution's filters; or, read by columns, its inputs) with a fraction p of its
// entries present. If the survivors fell independently, each row would keep a binomial
// number of them, B(size, p): mean size p, variance size p (1 - p), and a row empty with
// probability (1 - p)^size. The spread compares the rows' counts with that:
//   dispersion  the counts' variance over the binomial variance: 1 as chance spreads them,
//               above 1 when survivors gather on some rows, below 1 when spread more evenly
//   z           how many standard errors the dispersion index sum (c - mean)^2 / (size p (1-p))
//               lies above its chi-square expectation (Wilson-Hilferty); |z| > 3 is no chance
//   empty       rows with no survivor, against the binomial's expected number
// Pure functions; any thread.
#pragma once

#include <cstddef>
#include <span>

namespace ts {

struct SurvivorSpread {
  std::size_t groups = 0, size = 0;  // rows, and entries in each
  double present = 0.0;              // p, the fraction of entries present
  double mean = 0.0, std = 0.0;      // survivors per row
  double binomial_std = 0.0;         // sqrt(size p (1 - p))
  double dispersion = 0.0;           // variance / binomial variance; NaN when p is 0 or 1
  double z = 0.0;                    // NaN with it
  std::size_t empty = 0;             // rows with no survivor
  double expected_empty = 0.0;       // groups (1 - p)^size
  std::size_t fewest = 0, most = 0;  // survivors of the emptiest and the fullest row
};

// `mask` is row-major, rows x row_size (0: pruned). `by_columns` counts per column instead.
SurvivorSpread survivor_spread(std::span<const float> mask, std::size_t rows, std::size_t row_size,
                               bool by_columns = false);

}  // namespace ts
