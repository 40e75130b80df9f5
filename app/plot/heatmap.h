// A heatmap: a grid of values in a single-channel float texture, coloured on the GPU by the
// colormap program of shaders/colormap.frag (app/plot/colormap.h: viridis, or a diverging
// map for signed data),
// drawn into an ImGui draw list like an image. Hovering reads a cell's row, column and
// value. NaN cells are "no value". Owned and drawn by the UI thread, with its GL context
// current; the object must outlive the frame it is drawn in.
#pragma once

#include "app/plot/colormap.h"
#include "app/plot/gl_texture.h"
#include "app/plot/heatmap_export.h"

#include <imgui.h>

#include <functional>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace ts::plot {

class Heatmap {
 public:
  // `values` holds rows x cols, row-major, row 0 drawn at the top.
  void upload(int rows, int cols, std::span<const float> values);
  bool empty() const { return rows_ == 0 || cols_ == 0; }
  int rows() const { return rows_; }
  int cols() const { return cols_; }
  float at(int row, int col) const {
    return values_[std::size_t(row) * std::size_t(cols_) + std::size_t(col)];
  }

  // Draws the grid over `size` at the cursor (an item, so it can be hovered), values in
  // [lo, hi] spread over the colormap. `tooltip`, when given, writes the hover text for a
  // cell; by default "row r, column c: value".
  //
  // With `export_stem`, a right-click offers the grid as PNG, SVG and CSV (<stem>.png, ...,
  // app/plot/heatmap_export.h), described by `labels`; `report` gets the plot's position as
  // `id` and the menu's items as export-png, export-svg and export-csv. Returns the path of
  // a file written this frame, or "error: ...". `lines` are drawn over the cells (and kept in
  // the PNG and SVG).
  std::optional<std::string> draw(
      const char* id, ImVec2 size, float lo, float hi, Colormap map,
      const std::function<std::string(int row, int col, float value)>& tooltip = {},
      const std::string& export_stem = {}, const HeatmapLabels& labels = {},
      const std::function<void(const char*)>& report = {}, std::span<const HeatmapLine> lines = {});

 private:
  GlTexture texture_;
  int rows_ = 0, cols_ = 0;
  std::vector<float> values_;
  // What the draw callback needs at render time (after this frame's draw() returned).
  float lo_ = 0, hi_ = 1;
  int map_ = 0;
  static void render_callback(const ImDrawList*, const ImDrawCmd* cmd);
};

// A colour bar for [lo, hi]: the colormap with the ends labelled, `size` at the cursor. One
// ramp texture serves every bar and keeps one colormap per frame: at most one bar a frame.
void colormap_bar(const char* id, ImVec2 size, float lo, float hi, Colormap map);

}  // namespace ts::plot
