#include "core/analysis/receptive_fields.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <stdexcept>

namespace ts {

bool ReceptiveFieldGrid::locate(std::size_t row, std::size_t col, std::size_t& unit, std::size_t& y,
                                std::size_t& x) const {
  if (row >= rows || col >= cols) return false;
  y = row % (tile_rows + 1);
  x = col % (tile_cols + 1);
  if (y == tile_rows || x == tile_cols) return false;
  const std::size_t tile = (row / (tile_rows + 1)) * grid_cols + col / (tile_cols + 1);
  if (tile >= units.size()) return false;
  unit = units[tile];
  return true;
}

ReceptiveFieldGrid receptive_field_grid(std::span<const float> weights, std::span<const float> mask,
                                        std::size_t units, std::size_t tile_rows,
                                        std::size_t tile_cols, std::size_t max_units,
                                        std::size_t grid_cols) {
  const std::size_t fan_in = tile_rows * tile_cols;
  if (fan_in == 0 || weights.size() != units * fan_in || mask.size() != weights.size())
    throw std::invalid_argument("receptive fields: " + std::to_string(weights.size()) +
                                " weights and " + std::to_string(mask.size()) +
                                " mask entries for " + std::to_string(units) + " units of " +
                                std::to_string(tile_rows) + "x" + std::to_string(tile_cols));
  auto kept = [&](std::size_t k) { return mask[k] != 0.0f && std::isfinite(weights[k]); };
  std::vector<double> norm(units, 0.0);
  std::vector<std::size_t> order;
  for (std::size_t u = 0; u < units; ++u) {
    bool any = false;
    for (std::size_t i = u * fan_in; i < (u + 1) * fan_in; ++i)
      if (kept(i)) {
        norm[u] += double(weights[i]) * weights[i];
        any = true;
      }
    if (any) order.push_back(u);
  }
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return norm[a] > norm[b]; });
  order.resize(std::min(order.size(), max_units));

  ReceptiveFieldGrid g;
  g.tile_rows = tile_rows;
  g.tile_cols = tile_cols;
  g.units = order;
  g.grid_cols = order.empty() ? 0 : std::clamp<std::size_t>(grid_cols, 1, order.size());
  g.grid_rows = order.empty() ? 0 : (order.size() + g.grid_cols - 1) / g.grid_cols;
  g.rows = g.grid_rows ? g.grid_rows * (tile_rows + 1) - 1 : 0;
  g.cols = g.grid_cols ? g.grid_cols * (tile_cols + 1) - 1 : 0;
  g.cells.assign(g.rows * g.cols, NAN);
  for (std::size_t t = 0; t < order.size(); ++t) {
    const std::size_t base = order[t] * fan_in;
    float peak = 0.0f;
    for (std::size_t i = 0; i < fan_in; ++i)
      if (kept(base + i)) peak = std::max(peak, std::abs(weights[base + i]));
    g.scale.push_back(peak);
    const std::size_t r0 = (t / g.grid_cols) * (tile_rows + 1),
                      c0 = (t % g.grid_cols) * (tile_cols + 1);
    for (std::size_t y = 0; y < tile_rows; ++y)
      for (std::size_t x = 0; x < tile_cols; ++x) {
        const std::size_t k = base + y * tile_cols + x;
        if (kept(k)) g.cells[(r0 + y) * g.cols + c0 + x] = peak > 0 ? weights[k] / peak : 0.0f;
      }
  }
  return g;
}

}  // namespace ts
