// Contour lines of a grid of values by marching squares: for each level, the segments where
// the bilinear surface through the values crosses it, each cell of four neighbouring values
// cut by straight pieces between the crossings on its edges (a saddle cell, whose diagonal
// corners are both above, is resolved by the cell's mean, as is usual). Pure functions.
#pragma once

#include <span>
#include <utility>
#include <vector>

namespace ts {

struct ContourSegment {
  // Grid coordinates: x the column, y the row, at the values' own positions (the value at
  // row r, column c sits at (c, r)); each end lies on an edge between two neighbours.
  double x0, y0, x1, y1;
  double level;
};

// `values`: rows x cols, row-major. NaN values leave their cells out.
std::vector<ContourSegment> contour_segments(std::span<const double> values, int rows, int cols,
                                             std::span<const double> levels);

// `count` levels evenly spaced strictly inside (lo, hi): lo + (hi - lo) * k / (count + 1).
std::vector<double> contour_levels(double lo, double hi, int count);

}  // namespace ts
