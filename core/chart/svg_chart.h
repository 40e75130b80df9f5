// Charts as standalone SVG files, for the figures the command line writes next to its CSV
// tables (pruning curves, lottery tickets, spectra, angle distributions).
//
// A chart has axes with "nice" ticks (1, 2, 5 times a power of ten; decades on a log axis),
// axis labels, a title, a legend, and any number of series:
//   line       a polyline; non-finite points break it
//   markers    small circles (scatter plots)
//   histogram  x holds bin edges (one more than y); drawn as a filled step outline
// Each line may carry a band (lo, hi per point) drawn as a translucent area behind it, e.g.
// a mean +- one standard deviation. Colours come from a fixed palette unless given.
// Text is XML-escaped. Plain functions of values; any thread may call them.
#pragma once

#include "core/io/svg_writer.h"

#include <cmath>
#include <cstddef>
#include <filesystem>
#include <string>
#include <vector>

namespace ts {

struct SvgSeries {
  enum class Kind { line, markers, histogram };
  std::string name;  // in the legend; empty: not listed
  Kind kind = Kind::line;
  std::vector<double> x, y;
  std::vector<double> lo, hi;  // optional band, same length as y
  std::string color;           // "#rrggbb"; empty: the palette's next colour
  bool dashed = false;
  bool dotted = false;   // drawn in dots, over dashed: a run's third line on an overlay
  double opacity = 1.0;  // of the line: a raw series faint behind its smoothed one
  std::string group;     // the run it belongs to on a chart of several runs; empty: one run
};

// A vertical line at x across the plot: an event of the run (a pruning, a learning-rate
// change, a rewind), its label shown on hover and kept in the SVG and CSV.
struct SvgMarker {
  enum class Shape { none, triangle, cross, diamond, square };
  double x = 0;
  std::string label;
  std::string color;  // "#rrggbb"; empty: grey
  // What kind of event, for the legend ("prune", "live change"); empty: not listed. Markers
  // of one kind share their colour and shape, drawn as a glyph at the top of the line.
  std::string kind;
  Shape shape = Shape::none;
  std::string tag;    // a short label written beside the glyph; empty: only on hover
  std::string group;  // the run it belongs to on a chart of several runs; empty: one run
};

struct SvgChart {
  std::string title, x_label, y_label;
  bool log_x = false, log_y = false;
  int width = 720, height = 440;
  // Fixed axis ranges; NaN (the default) fits the data.
  double x_min, x_max, y_min, y_max;
  std::vector<SvgSeries> series;
  std::vector<SvgMarker> markers;
  bool dark = false;  // the window's dark theme instead of black on white
  std::string note;   // a line under the plot, e.g. which run the chart came from; empty: none

  SvgChart();
};

std::string to_svg(const SvgChart& chart);
// Several charts in one document, one under the other.
std::string to_svg(const std::vector<SvgChart>& charts);
// A chart's elements into a document (what to_svg wraps), at the document's origin.
void write_chart(SvgWriter& svg, const SvgChart& chart);
// Writes the chart atomically; throws ts::Error naming the file.
void write_svg(const std::filesystem::path& path, const SvgChart& chart);
void write_svg(const std::filesystem::path& path, const std::vector<SvgChart>& charts);

// The palette's i-th colour ("#rrggbb"), cycling: what a series without its own is drawn in.
std::string palette_color(std::size_t i);
// The colour each series is drawn in (its own, else the palette's next), for other renderers
// of the same chart (the window's plots) to match the SVG.
std::vector<std::string> series_colors(const SvgChart& chart);

// The chart's data as CSV, one row per point: series, x, y (and lo, hi when any series has
// a band); a histogram's rows hold each bin's left edge, right edge in x_right, and value;
// markers follow as rows of the series "marker" with their x and a label column. On a chart
// of several runs (a series with a group) each row starts with its run.
std::string chart_csv(const SvgChart& chart);

// Tick positions for [lo, hi]: multiples of 1, 2 or 5 times a power of ten, about `target`
// of them; on a log axis the powers of ten (and 2 and 5 times them when few decades).
std::vector<double> nice_ticks(double lo, double hi, int target = 6);
std::vector<double> log_ticks(double lo, double hi);
// A tick's text: short ("0.05", "1e-05"), with round thousands and millions as "10k", "2.5M".
std::string tick_label(double v);

// One axis of a drawn chart as the pixels it maps values to: offset + scale * v, or
// offset + scale * log10(v) on a log axis.
struct PixelMap {
  double offset = 0, scale = 1;
  bool log = false;
  double operator()(double v) const { return offset + scale * (log ? std::log10(v) : v); }
  // The map that puts `lo` at pixel `p_lo` and `hi` at `p_hi` (lo != hi; both > 0 on log).
  static PixelMap between(double lo, double hi, double p_lo, double p_hi, bool log);
};

// How much of the drawn data a legend box [x0, x1] x [y0, y1] (pixels, y down) would hide:
// the points inside it, the line segments crossing it (a sparse curve can cross a corner
// with none of its points there), and the histogram bars reaching up into it. `which`
// lists the series drawn (indices into `series`). Renderers put the legend in the corner
// where this is least.
std::size_t legend_cover(const std::vector<SvgSeries>& series,
                         const std::vector<std::size_t>& which, PixelMap x, PixelMap y, double x0,
                         double y0, double x1, double y1);

}  // namespace ts
