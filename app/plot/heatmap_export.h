// A heatmap's grid written out: CSV of every cell, a PNG of the cells (each an integer
// number of pixels, coloured on the CPU from the window's colormap table) and an SVG with
// the title, axis labels, end ticks and a colour bar around those cells (embedded as PNG
// data, drawn pixelated). No GL: the window's exports and tests use it alike. Any thread.
#pragma once

#include "app/plot/colormap.h"

#include <filesystem>
#include <functional>
#include <span>
#include <string>
#include <utility>
#include <vector>

namespace ts::plot {

// A line drawn over the cells (a contour, a path), in cell units: x from 0 at the left edge to
// cols at the right, y from 0 at the top to rows at the bottom (a cell's centre is at
// (c + 0.5, r + 0.5)).
struct HeatmapLine {
  std::vector<std::pair<double, double>> points;
  std::string color = "#ffffff";  // "#rrggbb"
  double opacity = 1.0;
  double width = 1.0;     // pixels, on a picture about 800 wide
  bool segments = false;  // the points in pairs, each pair a segment of its own
  bool dots = false;      // a dot at every point, the first one larger (where a path starts)
};

struct HeatmapGrid {
  int rows = 0, cols = 0;
  std::span<const float> values;  // rows x cols, row-major, row 0 at the top; NaN: no value
  float lo = 0.f, hi = 1.f;       // the colormap's span
  Colormap map = Colormap::viridis;
  std::span<const HeatmapLine> lines;  // over the cells, in order, in the PNG and the SVG
};

struct HeatmapLabels {
  std::string title;
  std::string x_label = "column", y_label = "row", value_label = "value";
  // The coordinate of column c and row r (a step, a value); by default the index.
  std::function<double(int)> x_of, y_of;
  // Cells drawn square, in the SVG and in the export's PNG: for a plane whose two axes are in
  // the same units (the loss landscape), where a stretched picture would misstate which way
  // the loss rises faster. Otherwise the plot fills a wide box.
  bool square_cells = false;
};

// CSV: "<x_label>,<y_label>,<value_label>", one row per cell, row-major; no value is empty.
std::string heatmap_csv(const HeatmapGrid& g, const HeatmapLabels& l);
// RGBA pixels of the cells, each `sx` by `sy` pixels: (cols * sx) x (rows * sy); with
// `lines`, the grid's lines drawn over them.
std::vector<uint32_t> heatmap_pixels(const HeatmapGrid& g, int sx, int sy, bool lines = false);
// Throws ts::Error naming the file when it cannot be written (or the grid is empty).
void write_heatmap_csv(const std::filesystem::path& path, const HeatmapGrid& g,
                       const HeatmapLabels& l);
// At least `min_width` x `min_height` pixels, whole pixels per cell; with `square_cells`, as
// many pixels down a cell as across it.
void write_heatmap_png(const std::filesystem::path& path, const HeatmapGrid& g, int min_width = 800,
                       int min_height = 400, bool square_cells = false);
void write_heatmap_svg(const std::filesystem::path& path, const HeatmapGrid& g,
                       const HeatmapLabels& l);

}  // namespace ts::plot
