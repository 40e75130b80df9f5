// Angle distributions as a rose (a polar histogram): the histogram series of an SvgChart
// (x: bin edges in degrees, y: counts per bin) as wedges around a centre, each spanning its
// bin's angles and reaching out to sqrt(count / largest count), so that a wedge's area, not
// its length, is proportional to its count. 0 degrees points right; angles up to 90 make a
// quarter disc, larger ones a half disc. Series are overlaid in order: the first outlined,
// the later ones filled and translucent. The window's rose (app/plot/rose_plot.h) draws the
// same layout. Pure functions: any thread.
#pragma once

#include "core/chart/svg_chart.h"

#include <string>

namespace ts {

struct RoseLayout {
  double span_deg = 90.0;  // 90 (quarter disc) or 180 (half disc)
  double max_count = 1.0;  // the largest count over every series: the outer ring
};
RoseLayout rose_layout(const SvgChart& chart);

// A standalone SVG document of `size` x about `size` px (a title above when set).
std::string to_rose_svg(const SvgChart& chart, double size = 560.0);

}  // namespace ts
