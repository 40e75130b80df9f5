#include "core/chart/rose_svg.h"

#include "core/io/svg_writer.h"
#include "core/text_format.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <utility>

namespace ts {

namespace {

constexpr double kPi = 3.14159265358979323846;

}  // namespace

RoseLayout rose_layout(const SvgChart& chart) {
  RoseLayout l;
  double top = 0, largest = 0;
  for (const auto& s : chart.series) {
    if (s.kind != SvgSeries::Kind::histogram) continue;
    for (double e : s.x)
      if (std::isfinite(e)) top = std::max(top, e);
    for (double y : s.y)
      if (std::isfinite(y)) largest = std::max(largest, y);
  }
  l.span_deg = top > 90.0 ? 180.0 : 90.0;
  l.max_count = largest > 0 ? largest : 1.0;
  return l;
}

std::string to_rose_svg(const SvgChart& chart, double size) {
  const RoseLayout l = rose_layout(chart);
  const bool half = l.span_deg > 90.0;
  const double title_h = chart.title.empty() ? 10.0 : 34.0, margin = 40.0;
  const double width = size, radius = half ? (size - 2 * margin) / 2 : size - 2 * margin;
  const double height = title_h + radius + margin + 30.0;
  const double cx = half ? width / 2 : margin, cy = title_h + radius + 10.0;
  auto point = [&](double deg, double r) {
    const double a = deg * kPi / 180.0;
    return std::pair{cx + r * std::cos(a), cy - r * std::sin(a)};
  };
  auto at = [&](double deg, double r) {
    const auto [x, y] = point(deg, r);
    return svg_point(x, y);
  };
  SvgWriter svg({{"width", width}, {"height", height}, {"font-family", "DejaVu Sans, sans-serif"}});
  svg.element("rect", {{"width", "100%"}, {"height", "100%"}, {"fill", "#ffffff"}});
  if (!chart.title.empty())
    svg.element("text",
                {{"x", width / 2}, {"y", "22"}, {"text-anchor", "middle"}, {"font-size", "15"}},
                chart.title);
  // Rings at a quarter, half and three quarters of the largest count (area-true radii),
  // and spokes every 15 degrees, labelled every 30.
  for (double f : {0.25, 0.5, 0.75, 1.0}) {
    const double r = radius * std::sqrt(f);
    svg.element("path",
                {{"d", "M" + at(0, r) + " A" + svg_point(r, r) + " 0 0 0 " + at(l.span_deg, r)},
                 {"fill", "none"},
                 {"stroke", "#dddddd"}});
    svg.element("text",
                {{"x", cx + r + 2}, {"y", cy + 14}, {"font-size", "10"}, {"fill", "#777777"}},
                format_number(std::round(l.max_count * f)));
  }
  for (double d = 0; d <= l.span_deg + 1e-9; d += 15) {
    const auto [x, y] = point(d, radius);
    svg.element("line", {{"x1", cx}, {"y1", cy}, {"x2", x}, {"y2", y}, {"stroke", "#e6e6e6"}});
    if (int(std::lround(d)) % 30 == 0) {
      const auto [lx, ly] = point(d, radius + 14);
      svg.element("text",
                  {{"x", lx},
                   {"y", ly},
                   {"text-anchor", "middle"},
                   {"font-size", "11"},
                   {"fill", "#555555"}},
                  std::to_string(int(std::lround(d))) + "°");
    }
  }
  const auto colors = series_colors(chart);
  double legend_y = title_h + 4;
  for (std::size_t si = 0; si < chart.series.size(); ++si) {
    const SvgSeries& s = chart.series[si];
    if (s.kind != SvgSeries::Kind::histogram) continue;
    const bool filled = si > 0;
    for (std::size_t i = 0; i + 1 < s.x.size() && i < s.y.size(); ++i) {
      if (!(s.y[i] > 0)) continue;
      const double r = radius * std::sqrt(s.y[i] / l.max_count);
      svg.element_with_title(
          "path",
          {{"d", "M" + svg_point(cx, cy) + " L" + at(s.x[i], r) + " A" + svg_point(r, r) +
                     " 0 0 0 " + at(s.x[i + 1], r) + " Z"},
           {"fill", filled ? colors[si] : std::string("none")},
           {"fill-opacity", "0.45"},
           {"stroke", colors[si]},
           {"stroke-width", "1"}},
          format_number(s.x[i]) + "-" + format_number(s.x[i + 1]) + "°: " + format_number(s.y[i]));
    }
    if (!s.name.empty()) {
      svg.element("rect", {{"x", width - 200},
                           {"y", legend_y},
                           {"width", "12"},
                           {"height", "12"},
                           {"fill", filled ? colors[si] : std::string("none")},
                           {"stroke", colors[si]}});
      svg.element("text", {{"x", width - 182}, {"y", legend_y + 11}, {"font-size", "12"}}, s.name);
      legend_y += 18;
    }
  }
  if (!chart.x_label.empty())
    svg.element(
        "text",
        {{"x", width / 2}, {"y", height - 8}, {"text-anchor", "middle"}, {"font-size", "12"}},
        chart.x_label + " (wedge area: count)");
  svg.note(width, height, chart.note);
  return svg.finish();
}

}  // namespace ts
