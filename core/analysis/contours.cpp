#include "core/analysis/contours.h"

#include "core/error.h"

#include <cmath>

namespace ts {

std::vector<double> contour_levels(double lo, double hi, int count) {
  std::vector<double> out;
  if (!(hi > lo) || count < 1) return out;
  for (int k = 1; k <= count; ++k) out.push_back(lo + (hi - lo) * k / (count + 1));
  return out;
}

std::vector<ContourSegment> contour_segments(std::span<const double> values, int rows, int cols,
                                             std::span<const double> levels) {
  if (rows < 0 || cols < 0 || values.size() != std::size_t(rows) * std::size_t(cols))
    throw Error("contours: " + std::to_string(values.size()) + " values for a " +
                std::to_string(rows) + " x " + std::to_string(cols) + " grid");
  std::vector<ContourSegment> out;
  auto at = [&](int r, int c) {
    return values[std::size_t(r) * std::size_t(cols) + std::size_t(c)];
  };
  for (const double level : levels)
    for (int r = 0; r + 1 < rows; ++r)
      for (int c = 0; c + 1 < cols; ++c) {
        // Corners counter-clockwise from the top left: (c, r), (c+1, r), (c+1, r+1), (c, r+1).
        const double v[4] = {at(r, c), at(r, c + 1), at(r + 1, c + 1), at(r + 1, c)};
        const double px[4] = {double(c), double(c + 1), double(c + 1), double(c)};
        const double py[4] = {double(r), double(r), double(r + 1), double(r + 1)};
        if (std::isnan(v[0]) || std::isnan(v[1]) || std::isnan(v[2]) || std::isnan(v[3])) continue;
        int index = 0;
        for (int k = 0; k < 4; ++k)
          if (v[k] > level) index |= 1 << k;
        if (index == 0 || index == 15) continue;
        // The crossing on edge e (from corner e to corner e+1).
        auto cross = [&](int e) {
          const int a = e, b = (e + 1) % 4;
          const double t = (level - v[a]) / (v[b] - v[a]);
          return std::pair{px[a] + t * (px[b] - px[a]), py[a] + t * (py[b] - py[a])};
        };
        // The edges whose ends are on opposite sides, in order around the cell.
        int edges[4], n = 0;
        for (int e = 0; e < 4; ++e)
          if (((index >> e) & 1) != ((index >> ((e + 1) % 4)) & 1)) edges[n++] = e;
        auto add = [&](int e0, int e1) {
          const auto [x0, y0] = cross(e0);
          const auto [x1, y1] = cross(e1);
          out.push_back({x0, y0, x1, y1, level});
        };
        if (n == 2) {
          add(edges[0], edges[1]);
        } else {  // a saddle: two opposite corners above; the cell's mean says which pair joins
          const bool centre_above = (v[0] + v[1] + v[2] + v[3]) / 4 > level;
          const bool corner0_above = (index & 1) != 0;
          // Edges 0..3 all cross. Join around corner 0 and corner 2 when the centre is on the
          // other side from them, else around corners 1 and 3.
          if (centre_above != corner0_above) {
            add(3, 0);
            add(1, 2);
          } else {
            add(0, 1);
            add(2, 3);
          }
        }
      }
  return out;
}

}  // namespace ts
