#include "core/analysis/histogram_grid.h"

#include <algorithm>
#include <cmath>

namespace ts {

HistogramGrid histogram_grid(std::span<const Histogram> histograms, std::size_t rows,
                             std::size_t max_columns) {
  HistogramGrid g;
  if (histograms.empty() || rows == 0 || max_columns == 0) return g;
  // Probes with a non-finite range (activations that overflowed) have no place on the axis.
  std::vector<std::size_t> usable;
  for (std::size_t i = 0; i < histograms.size(); ++i)
    if (std::isfinite(histograms[i].lo) && std::isfinite(histograms[i].hi)) usable.push_back(i);
  std::vector<std::size_t> pick;
  const std::size_t n = usable.size();
  if (n == 0) return g;
  if (n <= max_columns) {
    pick = usable;
  } else {
    for (std::size_t k = 0; k < max_columns; ++k)
      pick.push_back(usable[max_columns == 1 ? n - 1 : k * (n - 1) / (max_columns - 1)]);
  }
  g.lo = INFINITY;
  g.hi = -INFINITY;
  for (std::size_t i : pick) {
    g.lo = std::min(g.lo, histograms[i].lo);
    g.hi = std::max(g.hi, histograms[i].hi);
  }
  if (!(g.hi > g.lo)) g.hi = g.lo + 1.f;
  g.rows = rows;
  g.cols = pick.size();
  g.share.assign(g.rows * g.cols, 0.f);
  const double row_h = (double(g.hi) - double(g.lo)) / double(rows);
  for (std::size_t c = 0; c < g.cols; ++c) {
    const Histogram& h = histograms[pick[c]];
    g.steps.push_back(h.step);
    double total = 0;
    for (uint32_t k : h.counts) total += k;
    if (total == 0) continue;
    const double w = (double(h.hi) - double(h.lo)) / double(kHistogramBins);
    for (std::size_t b = 0; b < kHistogramBins; ++b) {
      if (h.counts[b] == 0) continue;
      const double mass = double(h.counts[b]) / total;
      const double a = double(h.lo) + w * double(b), z = a + w;
      if (!(z > a)) {  // a histogram of one value: all in the bin holding it
        const std::size_t from_bottom =
            std::min(rows - 1, std::size_t(std::max(0.0, (a - g.lo) / row_h)));
        g.share[(rows - 1 - from_bottom) * g.cols + c] += float(mass);
        continue;
      }
      // Grid bins overlapping [a, z), counted from the bottom.
      const std::size_t first =
          std::min(rows - 1, std::size_t(std::max(0.0, std::floor((a - g.lo) / row_h))));
      const std::size_t last =
          std::min(rows - 1, std::size_t(std::max(0.0, std::ceil((z - g.lo) / row_h) - 1)));
      for (std::size_t r = first; r <= last; ++r) {
        const double lo = double(g.lo) + row_h * double(r), hi = lo + row_h;
        const double overlap = std::min(hi, z) - std::max(lo, a);
        if (overlap > 0) g.share[(rows - 1 - r) * g.cols + c] += float(mass * overlap / (z - a));
      }
    }
  }
  return g;
}

}  // namespace ts
