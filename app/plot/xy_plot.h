// A chart of x-y series drawn with ImGui: the same SvgChart (core/chart/svg_chart.h) the
// command line writes as SVG, so what the window shows is what it exports. Lines (with an
// optional band, dashed or solid), markers (scatter plots) and histograms; axes with nice
// or log ticks and their labels; a legend whose entries hide and show their series on a
// click; the nearest point's values on hover. Right-click offers export of exactly what is
// drawn (hidden series left out) as SVG, CSV and PNG (at a size chosen in the menu,
// rendered offscreen by app/plot/chart_png.h). Immediate mode, UI thread.
#pragma once

#include "core/chart/svg_chart.h"

#include <imgui.h>

#include <functional>
#include <optional>
#include <string>

namespace ts::plot {

// What part of a chart is shown. While `fit` holds the ranges follow the data; dragging with
// the left button pans, the wheel zooms about the pointer, a right-button drag zooms to a
// box, and a double-click fits again. xy_plot writes the ranges it drew (data units) every
// frame, so a caller can decimate its data to what is visible.
struct PlotView {
  bool fit = true;
  double x0 = 0, x1 = 1, y0 = 0, y1 = 1;
};

// Draws `chart` (its title above the axes when not empty) into a `size` box at the cursor.
// `export_stem` (a path without extension; empty: no export menu) is where the right-click
// menu writes <stem>.svg, <stem>.csv and <stem>.png. Returns the path written this frame, if any,
// or an error message starting with "error:". `report`, when given, is called after each export
// menu item with "export-svg", "export-csv" or "export-png" (test hooks print the item's position).
// `view`, when given, is the caller's; else the widget keeps one per id. Exports carry a
// zoomed view's ranges. The chart's markers are drawn as vertical lines, labelled on hover.
//
// Exports never overwrite (app/plot/export_menu.h), carry export_source() in the SVG's note
// and a comment atop the CSV, and take the size chosen in the menu for SVG and PNG alike; the
// SVG may be in the window's dark theme. `csv_data`, when given, supplies the CSV's rows: the
// caller's full data over the visible x range (one row per step) instead of the decimated
// points drawn.
std::optional<std::string> xy_plot(const char* id, const SvgChart& chart, ImVec2 size,
                                   const std::string& export_stem = {},
                                   const std::function<void(const char*)>& report = {},
                                   PlotView* view = nullptr,
                                   const std::function<SvgChart()>& csv_data = {});

}  // namespace ts::plot
