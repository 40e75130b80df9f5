// Activation histograms over training on one value axis, for a heatmap (step on x, value on
// y). Each probe's histogram has its own range; the grid re-bins them all onto the union of
// the ranges, splitting a source bin's count over the grid bins it overlaps in proportion to
// the overlap, and stores each bin's share of its column's total. A pure function.
#pragma once

#include "core/analysis/layer_stats.h"

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace ts {

struct HistogramGrid {
  std::vector<int64_t> steps;  // one per column
  float lo = 0, hi = 0;        // the value axis: row 0 is the top bin, [hi - h, hi)
  std::size_t rows = 0, cols = 0;
  std::vector<float> share;  // rows x cols, row-major; a column sums to 1 (0 when empty)
};

// At most `max_columns` columns: all histograms when there are few enough, else evenly
// spaced ones, always with the first and the last. Histograms with a non-finite range are
// left out.
HistogramGrid histogram_grid(std::span<const Histogram> histograms, std::size_t rows,
                             std::size_t max_columns);

}  // namespace ts
