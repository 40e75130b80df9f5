#include "app/plot/heatmap_export.h"

#include "app/plot/export_source.h"

#include "app/plot/png_encode.h"

#include "core/chart/svg_chart.h"
#include "core/error.h"
#include "core/io/atomic_file.h"
#include "core/io/csv_writer.h"
#include "core/io/svg_writer.h"
#include "core/text_format.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace ts::plot {

namespace {

void check(const HeatmapGrid& g, const std::filesystem::path& path) {
  if (g.rows <= 0 || g.cols <= 0 || g.values.size() < std::size_t(g.rows) * std::size_t(g.cols))
    throw Error(path.string() + ": the heatmap has no cells to write");
}

std::string png_bytes(const HeatmapGrid& g, int sx, int sy, const std::filesystem::path& path,
                      bool lines) {
  const std::vector<uint32_t> px = heatmap_pixels(g, sx, sy, lines);
  const int w = g.cols * sx, h = g.rows * sy;
  return encode_png(w, h, px.data(), w * 4, path.string() + ": ");
}

std::string base64(std::string_view in) {
  static constexpr char kDigits[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((in.size() + 2) / 3 * 4);
  for (std::size_t i = 0; i < in.size(); i += 3) {
    const uint32_t a = uint8_t(in[i]), b = i + 1 < in.size() ? uint8_t(in[i + 1]) : 0,
                   c = i + 2 < in.size() ? uint8_t(in[i + 2]) : 0;
    const uint32_t v = (a << 16) | (b << 8) | c;
    out += kDigits[(v >> 18) & 63];
    out += kDigits[(v >> 12) & 63];
    out += i + 1 < in.size() ? kDigits[(v >> 6) & 63] : '=';
    out += i + 2 < in.size() ? kDigits[v & 63] : '=';
  }
  return out;
}

std::string hex(const Rgb& c) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "#%02x%02x%02x", int(std::lround(c[0] * 255)),
                int(std::lround(c[1] * 255)), int(std::lround(c[2] * 255)));
  return buf;
}

uint32_t rgba_of(const std::string& color) {
  unsigned r = 255, gr = 255, b = 255;
  if (color.size() == 7) std::sscanf(color.c_str() + 1, "%2x%2x%2x", &r, &gr, &b);
  return 0xff000000u | (b << 16) | (gr << 8) | r;
}

// `over` blended onto `under` with `alpha`.
uint32_t blend(uint32_t under, uint32_t over, double alpha) {
  uint32_t out = 0xff000000u;
  for (int shift = 0; shift < 24; shift += 8) {
    const double a = double((under >> shift) & 255), b = double((over >> shift) & 255);
    out |= uint32_t(std::lround(a + alpha * (b - a))) << shift;
  }
  return out;
}

// The lines over a w x h picture whose cells are sx x sy pixels: each segment stamped with a
// square brush every half pixel, each pixel blended once a line.
void draw_lines(std::vector<uint32_t>& px, int w, int h, int sx, int sy, const HeatmapGrid& g) {
  const double scale = std::max(1.0, double(w) / 800.0);
  std::vector<char> hit;
  for (const HeatmapLine& line : g.lines) {
    hit.assign(px.size(), 0);
    const uint32_t color = rgba_of(line.color);
    const int half = std::max(0, int(std::lround(line.width * scale / 2 - 0.5)));
    auto stamp = [&](double x, double y, int r) {
      const int cx = int(std::floor(x)), cy = int(std::floor(y));
      for (int yy = cy - r; yy <= cy + r; ++yy)
        for (int xx = cx - r; xx <= cx + r; ++xx) {
          if (xx < 0 || yy < 0 || xx >= w || yy >= h) continue;
          const std::size_t i = std::size_t(yy) * std::size_t(w) + std::size_t(xx);
          if (hit[i]) continue;
          hit[i] = 1;
          px[i] = blend(px[i], color, line.opacity);
        }
    };
    auto to_px = [&](const std::pair<double, double>& p) {
      return std::pair{p.first * sx, p.second * sy};
    };
    const std::size_t step = line.segments ? 2 : 1;
    for (std::size_t i = 0; i + 1 < line.points.size(); i += step) {
      const auto [x0, y0] = to_px(line.points[i]);
      const auto [x1, y1] = to_px(line.points[i + 1]);
      const int n = std::max(1, int(std::ceil(2 * std::hypot(x1 - x0, y1 - y0))));
      for (int k = 0; k <= n; ++k) stamp(x0 + (x1 - x0) * k / n, y0 + (y1 - y0) * k / n, half);
    }
    if (line.dots)
      for (std::size_t i = 0; i < line.points.size(); ++i) {
        const auto [x, y] = to_px(line.points[i]);
        stamp(x, y, int(std::lround((i == 0 ? 5 : 3) * scale)));
      }
  }
}

double coord(const std::function<double(int)>& f, int i) { return f ? f(i) : double(i); }

std::string tick(double v) {  // four significant digits: the CSV keeps every digit
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.4g", v);
  return buf;
}

}  // namespace

std::vector<uint32_t> heatmap_pixels(const HeatmapGrid& g, int sx, int sy, bool lines) {
  const int w = g.cols * sx, h = g.rows * sy;
  std::vector<uint32_t> px(std::size_t(w) * std::size_t(h));
  for (int r = 0; r < g.rows; ++r)
    for (int c = 0; c < g.cols; ++c) {
      const uint32_t rgba = colormap_rgba(
          g.map, g.values[std::size_t(r) * std::size_t(g.cols) + std::size_t(c)], g.lo, g.hi);
      for (int y = r * sy; y < (r + 1) * sy; ++y)
        std::fill_n(px.begin() + long(std::size_t(y) * std::size_t(w) + std::size_t(c * sx)), sx,
                    rgba);
    }
  if (lines) draw_lines(px, w, h, sx, sy, g);
  return px;
}

std::string heatmap_csv(const HeatmapGrid& g, const HeatmapLabels& l) {
  std::string o = csv_text({{l.x_label, l.y_label, l.value_label}});
  for (int r = 0; r < g.rows; ++r)
    for (int c = 0; c < g.cols; ++c) {
      const float v = g.values[std::size_t(r) * std::size_t(g.cols) + std::size_t(c)];
      o += format_number(coord(l.x_of, c)) + "," + format_number(coord(l.y_of, r)) + ",";
      if (!std::isnan(v)) o += format_number(double(v));
      o += "\n";
    }
  return o;
}

void write_heatmap_csv(const std::filesystem::path& path, const HeatmapGrid& g,
                       const HeatmapLabels& l) {
  check(g, path);
  // Which run it came from, as a comment line (the window's exports).
  const std::string& source = export_source();
  write_file_atomic_creating_parents(
      path, (source.empty() ? "" : "# " + source + "\n") + heatmap_csv(g, l));
}

void write_heatmap_png(const std::filesystem::path& path, const HeatmapGrid& g, int min_width,
                       int min_height, bool square_cells) {
  check(g, path);
  int sx = std::max(1, (min_width + g.cols - 1) / g.cols),
      sy = std::max(1, (min_height + g.rows - 1) / g.rows);
  if (square_cells) sx = sy = std::max(sx, sy);
  write_file_atomic_creating_parents(path, png_bytes(g, sx, sy, path, true));
}

void write_heatmap_svg(const std::filesystem::path& path, const HeatmapGrid& g,
                       const HeatmapLabels& l) {
  check(g, path);
  // The cells at one pixel each, stretched over the plot area by the viewer (pixelated).
  const std::string png = png_bytes(g, 1, 1, path, false);  // the lines are drawn as vectors
  const double left = 70, top = 40, bar_w = 16;
  double plot_w = 720, plot_h = 400;
  if (l.square_cells) {  // the largest square cells that fit 720 x 480
    const double unit = std::min(720.0 / g.cols, 480.0 / g.rows);
    plot_w = unit * g.cols;
    plot_h = unit * g.rows;
  }
  const double width = left + plot_w + 110, height = top + plot_h + 60;
  SvgWriter svg({{"xmlns:xlink", "http://www.w3.org/1999/xlink"},
                 {"width", width},
                 {"height", height},
                 {"font-family", "DejaVu Sans, sans-serif"}});
  svg.element("rect", {{"width", "100%"}, {"height", "100%"}, {"fill", "#ffffff"}});
  if (!l.title.empty())
    svg.element(
        "text",
        {{"x", left + plot_w / 2}, {"y", "24"}, {"text-anchor", "middle"}, {"font-size", "15"}},
        l.title);
  svg.element("image", {{"x", left},
                        {"y", top},
                        {"width", plot_w},
                        {"height", plot_h},
                        {"preserveAspectRatio", "none"},
                        {"style", "image-rendering:pixelated"},
                        {"xlink:href", "data:image/png;base64," + base64(png)}});
  svg.element("rect", {{"x", left},
                       {"y", top},
                       {"width", plot_w},
                       {"height", plot_h},
                       {"fill", "none"},
                       {"stroke", "#444"}});
  // The lines over the cells, clipped to the plot.
  svg.open("clipPath", {{"id", "cells"}});
  svg.element("rect", {{"x", left}, {"y", top}, {"width", plot_w}, {"height", plot_h}});
  svg.close("clipPath");
  const double ux = plot_w / g.cols, uy = plot_h / g.rows;
  for (const HeatmapLine& line : g.lines) {
    auto pt = [&](const std::pair<double, double>& p) {
      return svg_point(left + p.first * ux, top + p.second * uy);
    };
    std::string d;
    for (std::size_t i = 0; i < line.points.size(); ++i)
      d += ((i == 0 || (line.segments && i % 2 == 0)) ? "M" : "L") + pt(line.points[i]);
    if (!d.empty())
      svg.element("path", {{"d", d},
                           {"fill", "none"},
                           {"stroke", line.color},
                           {"stroke-width", line.width},
                           {"stroke-opacity", line.opacity},
                           {"clip-path", "url(#cells)"}});
    if (line.dots)
      for (std::size_t i = 0; i < line.points.size(); ++i)
        svg.element("circle", {{"cx", left + line.points[i].first * ux},
                               {"cy", top + line.points[i].second * uy},
                               {"r", i == 0 ? 5.0 : 3.0},
                               {"fill", line.color},
                               {"fill-opacity", line.opacity}});
  }
  // End ticks: the first and last column's and row's coordinates, at the cells' centres.
  const double cx0 = left + plot_w / g.cols / 2, cx1 = left + plot_w - plot_w / g.cols / 2;
  const double ry0 = top + plot_h / g.rows / 2, ry1 = top + plot_h - plot_h / g.rows / 2;
  for (auto [x, c] : {std::pair{cx0, 0}, std::pair{cx1, g.cols - 1}})
    svg.element(
        "text",
        {{"x", x}, {"y", top + plot_h + 16}, {"text-anchor", "middle"}, {"font-size", "12"}},
        tick(coord(l.x_of, c)));
  for (auto [y, r] : {std::pair{ry0, 0}, std::pair{ry1, g.rows - 1}})
    svg.element("text",
                {{"x", left - 6}, {"y", y + 4}, {"text-anchor", "end"}, {"font-size", "12"}},
                tick(coord(l.y_of, r)));
  svg.element("text",
              {{"x", left + plot_w / 2},
               {"y", top + plot_h + 40},
               {"text-anchor", "middle"},
               {"font-size", "13"}},
              l.x_label);
  svg.element("text",
              {{"transform", "translate(18," + svg_number(top + plot_h / 2) + ") rotate(-90)"},
               {"text-anchor", "middle"},
               {"font-size", "13"}},
              l.y_label);
  // The colour bar: the colormap's stops as a vertical gradient, high end up.
  const auto stops = colormap_stops(g.map);
  svg.open("defs", {});
  svg.open("linearGradient", {{"id", "ramp"}, {"x1", "0"}, {"y1", "1"}, {"x2", "0"}, {"y2", "0"}});
  for (std::size_t i = 0; i < stops.size(); ++i)
    svg.element("stop",
                {{"offset", double(i) / double(stops.size() - 1)}, {"stop-color", hex(stops[i])}});
  svg.close("linearGradient");
  svg.close("defs");
  const double bx = left + plot_w + 20;
  svg.element("rect", {{"x", bx},
                       {"y", top},
                       {"width", bar_w},
                       {"height", plot_h},
                       {"fill", "url(#ramp)"},
                       {"stroke", "#444"}});
  svg.element("text", {{"x", bx + bar_w + 4}, {"y", top + 10}, {"font-size", "12"}},
              tick(double(g.hi)));
  svg.element("text", {{"x", bx + bar_w + 4}, {"y", top + plot_h}, {"font-size", "12"}},
              tick(double(g.lo)));
  svg.element(
      "text",
      {{"transform", "translate(" + svg_point(bx + bar_w + 40, top + plot_h / 2) + ") rotate(-90)"},
       {"text-anchor", "middle"},
       {"font-size", "12"}},
      l.value_label);
  svg.note(width, height, export_source());
  write_file_atomic_creating_parents(path, svg.finish());
}

}  // namespace ts::plot
