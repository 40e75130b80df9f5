#include "app/plot/landscape_figure.h"

#include "core/analysis/contours.h"
#include "core/chart/analysis_tables.h"
#include "core/io/atomic_file.h"
#include "core/io/csv_writer.h"

#include <algorithm>
#include <cmath>

namespace ts::plot {

HeatmapGrid LandscapeFigure::loss_grid() const {
  return {n, n, log_loss, lo, hi > lo ? hi : lo + 1, Colormap::viridis, loss_lines};
}

HeatmapGrid LandscapeFigure::accuracy_grid() const {
  return {n, n, accuracy, 0.f, 1.f, Colormap::viridis, accuracy_lines};
}

LandscapeFigure landscape_figure(const Landscape& l) {
  const SliceGrid& g = l.grid;
  const int n = g.n;
  LandscapeFigure f;
  f.n = n;
  const std::size_t cells = std::size_t(n) * std::size_t(n);
  f.log_loss.resize(cells);
  f.accuracy.resize(cells);
  std::vector<double> top_down(cells);
  float lo = INFINITY, hi = -INFINITY;
  // Grid row i_b (b rising) is picture row n - 1 - i_b; the colour is log10 of the loss.
  for (int r = 0; r < n; ++r)
    for (int c = 0; c < n; ++c) {
      const std::size_t from = std::size_t(n - 1 - r) * std::size_t(n) + std::size_t(c);
      const std::size_t to = std::size_t(r) * std::size_t(n) + std::size_t(c);
      const double v = std::log10(std::max(g.loss[from], 1e-12));
      top_down[to] = std::isfinite(v) ? v : NAN;
      f.log_loss[to] = float(top_down[to]);
      f.accuracy[to] = float(g.accuracy[from]);
      if (std::isfinite(v)) lo = std::min(lo, float(v)), hi = std::max(hi, float(v));
    }
  f.lo = std::isfinite(lo) ? lo : 0.f;
  f.hi = std::isfinite(hi) ? hi : 1.f;
  // Contours of the log loss, evenly spaced between its ends: a cell's value sits at its
  // centre, half a cell in from the edges.
  const auto levels = contour_levels(f.lo, f.hi, kLandscapeContours);
  HeatmapLine contours;
  contours.segments = true;
  contours.opacity = 0.55;
  for (const ContourSegment& s : contour_segments(top_down, n, n, levels)) {
    contours.points.emplace_back(s.x0 + 0.5, s.y0 + 0.5);
    contours.points.emplace_back(s.x1 + 0.5, s.y1 + 0.5);
  }
  f.loss_lines.push_back(std::move(contours));
  if (!l.path.empty() && n > 1) {
    // (a, b) to cells: a = -span at column 0's centre, b = span at row 0's.
    HeatmapLine path;
    path.color = "#ff4040";
    path.width = 2.0;
    path.dots = true;
    const double unit = double(n - 1) / (2 * g.span);
    for (const auto& [a, b] : l.path)
      path.points.emplace_back((a + g.span) * unit + 0.5, (g.span - b) * unit + 0.5);
    f.loss_lines.push_back(path);
    f.accuracy_lines.push_back(std::move(path));
  }
  const bool trajectory = l.directions == "trajectory";
  for (HeatmapLabels* lab : {&f.loss_labels, &f.accuracy_labels}) {
    lab->square_cells = true;  // a and b are in the same units
    lab->x_label = trajectory ? "a (first principal direction)" : "a (direction 1)";
    lab->y_label = trajectory ? "b (second principal direction)" : "b (direction 2)";
    SliceGrid axis;  // the grid's coordinates without its values; row 0 is b = span
    axis.n = n;
    axis.span = g.span;
    lab->x_of = [axis](int i) { return axis.coordinate(i); };
    lab->y_of = [axis](int i) { return axis.coordinate(axis.n - 1 - i); };
  }
  f.loss_labels.title = "log10 test loss around step " + std::to_string(l.step) +
                        (trajectory ? ", the path's principal plane (path in red)"
                                    : ", filter-normalized random directions");
  f.loss_labels.value_label = "log10_loss";
  f.accuracy_labels.title = "test accuracy on the same plane";
  f.accuracy_labels.value_label = "accuracy";
  return f;
}

void write_landscape_files(const std::filesystem::path& dir, const Landscape& l) {
  const LandscapeFigure f = landscape_figure(l);
  const HeatmapGrid loss = f.loss_grid(), acc = f.accuracy_grid();
  write_heatmap_csv(dir / "landscape.csv", loss, f.loss_labels);
  write_heatmap_svg(dir / "landscape.svg", loss, f.loss_labels);
  write_heatmap_png(dir / "landscape.png", loss, 800, 400, f.loss_labels.square_cells);
  write_heatmap_csv(dir / "landscape-accuracy.csv", acc, f.accuracy_labels);
  write_heatmap_svg(dir / "landscape-accuracy.svg", acc, f.accuracy_labels);
  write_heatmap_png(dir / "landscape-accuracy.png", acc, 800, 400, f.accuracy_labels.square_cells);
  if (!l.path.empty())
    write_file_atomic_creating_parents(dir / "landscape-path.csv",
                                       csv_text(landscape_path_table(l)));
}

}  // namespace ts::plot
