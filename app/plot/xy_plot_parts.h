// The parts of xy_plot (app/plot/xy_plot.h), one concept a file: the axes (fitting, pan and
// zoom, grid and ticks) in xy_plot_axes.cpp, the items (series and event markers) in
// xy_plot_items.cpp, the legend in xy_plot_legend.cpp, the export menu in xy_plot_export.cpp;
// xy_plot.cpp lays out a frame and calls them in order. Private to those files. UI thread.
#pragma once

#include "app/plot/plot_frame.h"
#include "app/plot/xy_plot.h"
#include "core/chart/svg_chart.h"

#include <imgui.h>

#include <cmath>
#include <cstddef>
#include <cstdio>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace ts::plot::xy {

inline bool usable(double v, bool log) { return std::isfinite(v) && (!log || v > 0); }

struct Axis {
  bool log = false;
  double lo = 0, hi = 1;     // in data units, lo < hi
  float p_lo = 0, p_hi = 1;  // pixels of lo and hi
  bool reversed = false;     // drawn from hi at the left (a chart with x_min > x_max)
  double t(double v) const { return log ? std::log10(v) : v; }
  float px(double v) const {
    return p_lo + float((t(v) - t(lo)) / (t(hi) - t(lo))) * (p_hi - p_lo);
  }
};

// One frame of a plot: its chart, where it is drawn, its axes and the series shown.
struct Frame {
  const SvgChart* chart = nullptr;
  PlotFrame f{};
  ImDrawList* dl = nullptr;  // the window's list, or the plot cache's
  ImGuiStorage* store = nullptr;
  ImVec2 mouse;
  float line_h = 0, u = 1;  // a text line; the font's scale (sizes follow the font)
  ImVec2 a, b;              // the axes' box
  Axis ax, ay;
  std::vector<std::string> colors;  // each series' resolved colour
  std::vector<char> shown;          // per series: not hidden from the legend
  std::vector<std::size_t> drawn;   // the series shown
  bool hovering = false;            // the pointer is inside the axes
};

// The axes (xy_plot_axes.cpp).
// Fits [lo, hi] to the values (fixed ends kept), with a little room on auto ends.
void fit(Axis& ax, double fixed_lo, double fixed_hi, const std::vector<double>& values, double pad);
// Pans, zooms and fits `view` from this frame's mouse input over the axes [a, b]; updates
// the axes to the new view, and draws the box being dragged.
void interact(PlotView& view, Axis& ax, Axis& ay, ImVec2 a, ImVec2 b, bool hovered, ImDrawList* dl);
// Grid lines, tick labels, the frame and the x label.
void draw_grid(const Frame& p);

// The items (xy_plot_items.cpp).
// The point (or histogram bin) nearest the pointer, within 12 px.
struct NearPoint {
  float d2 = 144.f;
  std::size_t series = 0;
  double x = 0, y = 0, x2 = 0;
  bool bin = false;
  ImVec2 at;
  bool found() const { return d2 < 144.f; }
};
// Every shown series, clipped to the axes by the caller; returns the point nearest the pointer.
NearPoint draw_series(const Frame& p);
// A value as a tooltip shows it: four significant digits.
inline std::string tip_number(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.4g", v);
  return buf;
}
// On a chart of several runs (series with groups), with the pointer over the axes: a hairline
// at the pointer and each listed line's value at the point nearest it in x, one a line
// ("sgd train: 0.2314"); "" otherwise.
std::string read_runs_at(const Frame& p);
// The event markers; returns the labels of those under the pointer, one a line.
std::string draw_markers(const Frame& frame);
// An event marker's glyph centred at `at`, `r` from centre to edge.
void draw_marker_glyph(ImDrawList* dl, SvgMarker::Shape shape, ImVec2 at, float r, ImU32 color);

// The legend (xy_plot_legend.cpp): top right, or the corner hiding the least data; a click on
// an entry hides or shows its series or its kind of event.
void draw_legend(const Frame& p);

// The right-click export menu (xy_plot_export.cpp); the path written this frame, if any.
std::optional<std::string> draw_export_menu(const Frame& p, const PlotView& view,
                                            const std::string& export_stem,
                                            const std::function<void(const char*)>& report,
                                            const std::function<SvgChart()>& csv_data);

}  // namespace ts::plot::xy
