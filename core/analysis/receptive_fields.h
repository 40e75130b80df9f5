// A layer's units as images: each unit's incoming weights laid out on the input's grid
// (fc1 of an MNIST model: 28x28 per unit; conv1: its k x k kernel), the strongest units
// first, tiled into one grid for a heatmap. Each tile is scaled by its own largest kept
// magnitude to [-1, 1], so every unit's pattern shows whatever its size; the tiles are
// separated by one row and column of "no value" (NaN), and a pruned weight has no value
// either. A pure function.
#pragma once

#include <cstddef>
#include <span>
#include <vector>

namespace ts {

struct ReceptiveFieldGrid {
  std::size_t tile_rows = 0, tile_cols = 0;  // one unit's image
  std::size_t grid_rows = 0, grid_cols = 0;  // tiles down and across
  std::size_t rows = 0, cols = 0;            // cells: grid * (tile + 1) - 1
  std::vector<float> cells;                  // rows x cols, row-major
  std::vector<std::size_t> units;            // the unit of each tile, row by row; strongest first
  std::vector<float> scale;                  // each tile's largest kept |w| (0 when none)
  // The tile and the pixel of a cell, or false for a separator or an empty tile.
  bool locate(std::size_t row, std::size_t col, std::size_t& unit, std::size_t& y,
              std::size_t& x) const;
};

// `weights` and `mask` are units x (tile_rows * tile_cols), row-major, a pixel's weight at
// y * tile_cols + x. Shows the at most `max_units` units of largest kept L2 norm (ties by
// index), leaving out units with no kept weight, in `grid_cols` tiles across (at least 1).
// Throws std::invalid_argument when the sizes disagree.
ReceptiveFieldGrid receptive_field_grid(std::span<const float> weights, std::span<const float> mask,
                                        std::size_t units, std::size_t tile_rows,
                                        std::size_t tile_cols, std::size_t max_units,
                                        std::size_t grid_cols);

}  // namespace ts
