#include "core/chart/svg_chart.h"

#include "core/chart/event_markers.h"
#include "core/io/atomic_file.h"
#include "core/io/csv_writer.h"
#include "core/io/svg_writer.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <limits>
#include <utility>

namespace ts {

namespace {

constexpr const char* kPalette[] = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd",
                                    "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"};
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

}  // namespace

namespace {

struct Axis {
  double lo = 0, hi = 1;
  bool log = false;
  double pixel_lo = 0, pixel_hi = 1;  // where lo and hi land
  double to_pixel(double v) const {
    const double a = log ? std::log10(lo) : lo, b = log ? std::log10(hi) : hi;
    const double t = ((log ? std::log10(v) : v) - a) / (b - a);
    return pixel_lo + t * (pixel_hi - pixel_lo);
  }
};

bool usable(double v, bool log) { return std::isfinite(v) && (!log || v > 0); }

// The data range of the chosen coordinate over every series, padded; fixed ends win.
void fit(Axis& axis, const SvgChart& c, bool x, double fixed_lo, double fixed_hi) {
  double lo = std::numeric_limits<double>::infinity(), hi = -lo;
  for (const auto& s : c.series) {
    auto take = [&](const std::vector<double>& v) {
      for (double e : v)
        if (usable(e, axis.log)) lo = std::min(lo, e), hi = std::max(hi, e);
    };
    take(x ? s.x : s.y);
    if (!x) {
      take(s.lo);
      take(s.hi);
      if (s.kind == SvgSeries::Kind::histogram && !axis.log) lo = std::min(lo, 0.0);
    }
  }
  if (!(lo <= hi)) lo = axis.log ? 1.0 : 0.0, hi = axis.log ? 10.0 : 1.0;
  if (lo == hi) {
    if (axis.log)
      lo /= 2, hi *= 2;
    else
      lo -= std::max(1e-9, std::abs(lo) * 0.05), hi += std::max(1e-9, std::abs(hi) * 0.05);
  } else if (!axis.log &&
             (!x || std::any_of(c.series.begin(), c.series.end(), [](const SvgSeries& s) {
               return s.kind == SvgSeries::Kind::markers;
             }))) {
    // Room above the data (and around scattered points), but an axis starting at 0 stays.
    const double pad = 0.04 * (hi - lo);
    if (lo != 0.0) lo -= pad;
    hi += pad;
  }
  if (std::isfinite(fixed_lo)) lo = fixed_lo;
  if (std::isfinite(fixed_hi)) hi = fixed_hi;
  if (axis.log && !(lo > 0 && hi > 0)) lo = 1.0, hi = 10.0;
  if (lo == hi) hi = axis.log ? lo * 10.0 : lo + 1.0;  // fixed to one value: still an axis
  axis.lo = lo;
  axis.hi = hi;
}

}  // namespace

SvgChart::SvgChart() : x_min(kNaN), x_max(kNaN), y_min(kNaN), y_max(kNaN) {}

PixelMap PixelMap::between(double lo, double hi, double p_lo, double p_hi, bool log) {
  const double a = log ? std::log10(lo) : lo, b = log ? std::log10(hi) : hi;
  PixelMap m;
  m.log = log;
  m.scale = (p_hi - p_lo) / (b - a);
  m.offset = p_lo - m.scale * a;
  return m;
}

namespace {

// The part of the segment p-q inside the box, as parameters t0 <= t1 along it (Liang-Barsky
// clipping); false when it misses the box.
bool clip_segment(double px, double py, double qx, double qy, double x0, double y0, double x1,
                  double y1, double& t0, double& t1) {
  t0 = 0.0;
  t1 = 1.0;
  const double from[2] = {px, py}, d[2] = {qx - px, qy - py}, lo[2] = {x0, y0}, hi[2] = {x1, y1};
  for (int k = 0; k < 2; ++k) {
    if (d[k] == 0.0) {
      if (from[k] < lo[k] || from[k] > hi[k]) return false;
      continue;
    }
    double ta = (lo[k] - from[k]) / d[k], tb = (hi[k] - from[k]) / d[k];
    if (ta > tb) std::swap(ta, tb);
    t0 = std::max(t0, ta);
    t1 = std::min(t1, tb);
    if (t0 > t1) return false;
  }
  return true;
}

// Whether the segment p-q passes through the box.
bool segment_meets_box(double px, double py, double qx, double qy, double x0, double y0, double x1,
                       double y1) {
  double t0, t1;
  return clip_segment(px, py, qx, qy, x0, y0, x1, y1, t0, t1);
}

struct Point {
  double x, y;
};

// A polygon cut to the box (Sutherland-Hodgman, one edge at a time).
std::vector<Point> clip_polygon(std::vector<Point> poly, double x0, double y0, double x1,
                                double y1) {
  const auto cut = [&](auto inside, auto cross) {
    std::vector<Point> out;
    for (std::size_t i = 0; i < poly.size(); ++i) {
      const Point a = poly[i], b = poly[(i + 1) % poly.size()];
      const bool ia = inside(a), ib = inside(b);
      if (ia) out.push_back(a);
      if (ia != ib) out.push_back(cross(a, b));
    }
    poly = std::move(out);
  };
  const auto at_x = [](double x) {
    return [x](Point a, Point b) { return Point{x, a.y + (b.y - a.y) * (x - a.x) / (b.x - a.x)}; };
  };
  const auto at_y = [](double y) {
    return [y](Point a, Point b) { return Point{a.x + (b.x - a.x) * (y - a.y) / (b.y - a.y), y}; };
  };
  cut([&](Point p) { return p.x >= x0; }, at_x(x0));
  cut([&](Point p) { return p.x <= x1; }, at_x(x1));
  cut([&](Point p) { return p.y >= y0; }, at_y(y0));
  cut([&](Point p) { return p.y <= y1; }, at_y(y1));
  return poly;
}

// `color` ("#rrggbb") at `alpha` over white (or the dark theme's background), as an opaque colour.
std::string tint(const std::string& color, double alpha, bool dark = false) {
  if (color.size() != 7 || color[0] != '#') return color;
  char out[8];
  unsigned rgb[3];
  const double bg[3] = {dark ? 30.0 : 255.0, dark ? 32.0 : 255.0, dark ? 38.0 : 255.0};
  for (int k = 0; k < 3; ++k) {
    const unsigned v = unsigned(std::stoul(color.substr(1 + 2 * std::size_t(k), 2), nullptr, 16));
    rgb[k] = unsigned(std::lround(alpha * double(v) + (1.0 - alpha) * bg[k]));
  }
  std::snprintf(out, sizeof out, "#%02x%02x%02x", rgb[0], rgb[1], rgb[2]);
  return out;
}

// An event marker's glyph centred at (x, y), r from centre to edge.
void marker_glyph(SvgWriter& svg, SvgMarker::Shape shape, double x, double y, double r,
                  const std::string& color) {
  auto pt = [](double px, double py) { return svg_point(px, py) + " "; };
  switch (shape) {
    case SvgMarker::Shape::triangle:
      svg.element("polygon", {{"points", pt(x - r, y - r) + pt(x + r, y - r) + pt(x, y + r)},
                              {"fill", color}});
      break;
    case SvgMarker::Shape::cross:
      svg.element("path", {{"d", "M" + pt(x - r, y - r) + "L" + pt(x + r, y + r) + "M" +
                                     pt(x - r, y + r) + "L" + pt(x + r, y - r)},
                           {"stroke", color},
                           {"stroke-width", r * 0.55},
                           {"fill", "none"}});
      break;
    case SvgMarker::Shape::diamond:
      svg.element("polygon", {{"points", pt(x, y - r) + pt(x + r, y) + pt(x, y + r) + pt(x - r, y)},
                              {"fill", color}});
      break;
    case SvgMarker::Shape::square:
      svg.element("rect", {{"x", x - 0.8 * r},
                           {"y", y - 0.8 * r},
                           {"width", 1.6 * r},
                           {"height", 1.6 * r},
                           {"fill", color}});
      break;
    case SvgMarker::Shape::none:
      break;
  }
}

std::string polygon_path(const std::vector<Point>& poly) {
  std::string d;
  for (const Point& p : poly) d += (d.empty() ? "M" : " L") + svg_point(p.x, p.y);
  return d.empty() ? d : d + " Z";
}

}  // namespace

std::size_t legend_cover(const std::vector<SvgSeries>& series,
                         const std::vector<std::size_t>& which, PixelMap x, PixelMap y, double x0,
                         double y0, double x1, double y1) {
  std::size_t hidden = 0;
  for (std::size_t si : which) {
    if (si >= series.size()) continue;
    const SvgSeries& s = series[si];
    const std::size_t n = std::min(s.x.size(), s.y.size());
    bool have_prev = false, prev_inside = false;
    double prev_x = 0, prev_y = 0;
    for (std::size_t i = 0; i < n; ++i) {
      if (!usable(s.x[i], x.log) || !usable(s.y[i], y.log)) {
        have_prev = false;  // the line breaks here
        continue;
      }
      const double px = x(s.x[i]), py = y(s.y[i]);
      const bool inside = px >= x0 && px <= x1 && py >= y0 && py <= y1;
      if (inside)
        ++hidden;
      else if (s.kind == SvgSeries::Kind::histogram && px >= x0 && px <= x1 && py <= y1)
        ++hidden;
      else if (s.kind == SvgSeries::Kind::line && have_prev && !prev_inside &&
               segment_meets_box(prev_x, prev_y, px, py, x0, y0, x1, y1))
        ++hidden;  // a segment with an end inside was counted by that end
      prev_x = px, prev_y = py;
      have_prev = true;
      prev_inside = inside;
    }
  }
  return hidden;
}

namespace {
SvgWriter svg_document(int width, int height) {
  return SvgWriter({{"width", width},
                    {"height", height},
                    {"viewBox", "0 0 " + std::to_string(width) + " " + std::to_string(height)},
                    {"font-family", "DejaVu Sans, Arial, sans-serif"},
                    {"font-size", "12"}});
}
}  // namespace

std::string to_svg(const SvgChart& c) {
  SvgWriter svg = svg_document(c.width, c.height);
  write_chart(svg, c);
  return svg.finish();
}

std::string to_svg(const std::vector<SvgChart>& charts) {
  int width = 0, height = 0;
  for (const SvgChart& c : charts) width = std::max(width, c.width), height += c.height;
  SvgWriter svg = svg_document(width, height);
  int y = 0;
  for (const SvgChart& c : charts) {
    svg.open("g", {{"transform", "translate(0," + std::to_string(y) + ")"}});
    write_chart(svg, c);
    svg.close("g");
    y += c.height;
  }
  return svg.finish();
}

void write_chart(SvgWriter& svg, const SvgChart& c) {
  const double w = c.width, h = c.height;
  const double left = 72, right = 20, top = c.title.empty() ? 20 : 40, bottom = 56;
  Axis ax, ay;
  ax.log = c.log_x;
  ay.log = c.log_y;
  fit(ax, c, true, c.x_min, c.x_max);
  fit(ay, c, false, c.y_min, c.y_max);
  ax.pixel_lo = left;
  ax.pixel_hi = w - right;
  ay.pixel_lo = h - bottom;
  ay.pixel_hi = top;

  // The theme: the window's dark one, or black on white.
  const std::string bg = c.dark ? "#1e2026" : "white", ink = c.dark ? "#d7dae1" : "black",
                    grid = c.dark ? "#3a3e47" : "#e6e6e6", frame = c.dark ? "#8a909a" : "#444",
                    card = c.dark ? "#191b20" : "white", card_edge = c.dark ? "#555a63" : "#ccc";
  svg.element("rect", {{"width", w}, {"height", h}, {"fill", bg}});
  svg.open("g", {{"fill", ink}});  // the text's colour
  svg.note(w, h, c.note);
  if (!c.title.empty())
    svg.element("text", {{"x", w / 2}, {"y", "24"}, {"text-anchor", "middle"}, {"font-size", "15"}},
                c.title);
  // Grid and ticks.
  // A fixed range may run backwards (e.g. % of weights remaining, 100 down to 1).
  auto ticks = [](const Axis& a, int target) {
    const double lo = std::min(a.lo, a.hi), hi = std::max(a.lo, a.hi);
    return a.log ? log_ticks(lo, hi) : nice_ticks(lo, hi, target);
  };
  const auto xt = ticks(ax, 7);
  const auto yt = ticks(ay, 6);
  for (double t : xt) {
    const double px = ax.to_pixel(t);
    svg.element("line",
                {{"x1", px}, {"y1", top}, {"x2", px}, {"y2", h - bottom}, {"stroke", grid}});
    svg.element("text", {{"x", px}, {"y", h - bottom + 16}, {"text-anchor", "middle"}},
                tick_label(t));
  }
  for (double t : yt) {
    const double py = ay.to_pixel(t);
    svg.element("line",
                {{"x1", left}, {"y1", py}, {"x2", w - right}, {"y2", py}, {"stroke", grid}});
    svg.element("text", {{"x", left - 6}, {"y", py + 4}, {"text-anchor", "end"}}, tick_label(t));
  }
  svg.element("rect", {{"x", left},
                       {"y", top},
                       {"width", w - left - right},
                       {"height", h - top - bottom},
                       {"fill", "none"},
                       {"stroke", frame}});
  if (!c.x_label.empty())
    svg.element("text", {{"x", (left + w - right) / 2}, {"y", h - 14}, {"text-anchor", "middle"}},
                c.x_label);
  if (!c.y_label.empty())
    svg.element(
        "text",
        {{"transform", "translate(18," + svg_number((top + h - bottom) / 2) + ") rotate(-90)"},
         {"text-anchor", "middle"}},
        c.y_label);

  // Series, cut to the plot area here rather than with an SVG clip path, which some
  // renderers (ImageMagick's own) drop together with everything inside it.
  const double bx0 = left, by0 = top, bx1 = w - right, by1 = h - bottom;
  svg.open("g", {});
  const std::vector<std::string> colors = series_colors(c);
  // Two passes: the areas (histograms, bands) first, in opaque pale tints rather than with
  // an opacity some renderers ignore, then every line and marker over all of them.
  for (int pass = 0; pass < 2; ++pass)
    for (std::size_t si = 0; si < c.series.size(); ++si) {
      const SvgSeries& s = c.series[si];
      const std::string& color = colors[si];
      auto ok = [&](std::size_t i) {
        return i < s.x.size() && usable(s.x[i], ax.log) && usable(s.y[i], ay.log);
      };
      const std::size_t n = std::min(s.x.size(), s.y.size());
      if (s.kind == SvgSeries::Kind::histogram) {
        if (s.x.size() != s.y.size() + 1) continue;
        const double base = ay.to_pixel(ay.log ? ay.lo : std::max(ay.lo, 0.0));
        std::vector<Point> outline{{ax.to_pixel(s.x[0]), base}};
        for (std::size_t i = 0; i < s.y.size(); ++i) {
          const double py = usable(s.y[i], ay.log) ? ay.to_pixel(s.y[i]) : base;
          outline.push_back({ax.to_pixel(s.x[i]), py});
          outline.push_back({ax.to_pixel(s.x[i + 1]), py});
        }
        outline.push_back({ax.to_pixel(s.x.back()), base});
        const std::string d = polygon_path(clip_polygon(std::move(outline), bx0, by0, bx1, by1));
        if (!d.empty() && pass == 0)
          svg.element("path", {{"d", d}, {"fill", tint(color, 0.25, c.dark)}, {"stroke", "none"}});
        if (!d.empty() && pass == 1)
          svg.element("path", {{"d", d}, {"fill", "none"}, {"stroke", color}});
        continue;
      }
      if (pass == 0) {
        if (s.lo.size() != n || s.hi.size() != n || n == 0) continue;
        std::vector<Point> band;
        for (std::size_t i = 0; i < n; ++i)
          if (ok(i) && usable(s.hi[i], ay.log))
            band.push_back({ax.to_pixel(s.x[i]), ay.to_pixel(s.hi[i])});
        for (std::size_t i = n; i-- > 0;)
          if (ok(i) && usable(s.lo[i], ay.log))
            band.push_back({ax.to_pixel(s.x[i]), ay.to_pixel(s.lo[i])});
        const std::string d = polygon_path(clip_polygon(std::move(band), bx0, by0, bx1, by1));
        if (!d.empty())
          svg.element("path", {{"d", d}, {"fill", tint(color, 0.18, c.dark)}, {"stroke", "none"}});
        continue;
      }
      if (s.kind == SvgSeries::Kind::markers) {
        for (std::size_t i = 0; i < n; ++i) {
          if (!ok(i)) continue;
          const double px = ax.to_pixel(s.x[i]), py = ay.to_pixel(s.y[i]);
          if (px < bx0 || px > bx1 || py < by0 || py > by1) continue;
          svg.element(
              "circle",
              {{"cx", px}, {"cy", py}, {"r", "2.5"}, {"fill", color}, {"fill-opacity", "0.75"}});
        }
        continue;
      }
      // Each segment cut to the plot area; a cut end starts a new stroke.
      std::string d;
      bool pen = false, have_prev = false;
      double prev_x = 0, prev_y = 0;
      for (std::size_t i = 0; i < n; ++i) {
        if (!ok(i)) {
          pen = false;
          have_prev = false;
          continue;
        }
        const double px = ax.to_pixel(s.x[i]), py = ay.to_pixel(s.y[i]);
        if (have_prev) {
          double t0, t1;
          if (clip_segment(prev_x, prev_y, px, py, bx0, by0, bx1, by1, t0, t1)) {
            const double dx = px - prev_x, dy = py - prev_y;
            if (!pen || t0 > 0) d += " M" + svg_point(prev_x + t0 * dx, prev_y + t0 * dy);
            d += " L" + svg_point(prev_x + t1 * dx, prev_y + t1 * dy);
            pen = t1 >= 1.0;
          } else {
            pen = false;
          }
        } else if (px >= bx0 && px <= bx1 && py >= by0 && py <= by1 && (i + 1 >= n || !ok(i + 1))) {
          d += " M" + svg_point(px, py) + " L" + svg_point(px, py);  // a lone point
        }
        prev_x = px, prev_y = py;
        have_prev = true;
      }
      if (!d.empty())
        svg.element("path",
                    {{"d", d},
                     {"fill", "none"},
                     {"stroke", color},
                     {"stroke-width", "1.6"},
                     SvgAttr::when(s.opacity < 1, {"stroke-opacity", std::max(0.0, s.opacity)}),
                     SvgAttr::when(s.dashed && !s.dotted, {"stroke-dasharray", "5,4"}),
                     SvgAttr::when(s.dotted, {"stroke-dasharray", "0.1,3.2"}),
                     SvgAttr::when(s.dotted, {"stroke-linecap", "round"})});
    }
  // Event markers: a dashed line, a glyph at its top (stacked where events share a step),
  // a tag beside it where it covers no other tag, and the full label as the line's title.
  {
    const double g = 4.5;
    MarkerPlacer placer({top, bx0, bx1, by1, g, 2, 3, 2 * g + 4});
    for (const SvgMarker& m : c.markers) {
      if (!usable(m.x, ax.log)) continue;
      const double px = ax.to_pixel(m.x);
      if (px < std::min(bx0, bx1) || px > std::max(bx0, bx1)) continue;
      const std::string color = m.color.empty() ? std::string("#888888") : m.color;
      svg.element_with_title("line",
                             {{"x1", px},
                              {"y1", top},
                              {"x2", px},
                              {"y2", h - bottom},
                              {"stroke", color},
                              {"stroke-dasharray", "3,3"}},
                             m.label);
      // About 6 px a character at 10 px.
      const MarkerPlace p = placer.place(px, m.tag.empty() ? 0.0 : 6.0 * double(m.tag.size()), 12);
      marker_glyph(svg, m.shape, px, p.cy, g, color);
      if (p.tagged) {
        const bool right_side = p.x0 > px;
        svg.element("text",
                    {{"x", right_side ? p.x0 : p.x1},
                     {"y", p.cy + 3.5},
                     {"font-size", "10"},
                     {"fill", color},
                     SvgAttr::when(!right_side, {"text-anchor", "end"})},
                    m.tag);
      }
    }
  }
  svg.close("g");

  // Legend on a white card, in the corner of the plot that hides the fewest points.
  std::vector<std::size_t> listed;
  std::size_t longest = 0;
  for (std::size_t i = 0; i < c.series.size(); ++i)
    if (!c.series[i].name.empty()) {
      listed.push_back(i);
      longest = std::max(longest, c.series[i].name.size());
    }
  std::vector<const SvgMarker*> kinds;  // each kind of event once
  for (const SvgMarker& m : c.markers)
    if (!m.kind.empty() && std::none_of(kinds.begin(), kinds.end(),
                                        [&](const SvgMarker* k) { return k->kind == m.kind; })) {
      kinds.push_back(&m);
      longest = std::max(longest, m.kind.size());
    }
  if (!listed.empty() || !kinds.empty()) {
    const double bw = 30.0 + 6.6 * double(longest),
                 bh = 16.0 * double(listed.size() + kinds.size()) + 6.0;
    const double x0 = left + 6, x1 = w - right - 6 - bw, y0 = top + 6, y1 = h - bottom - 6 - bh;
    const double corners[4][2] = {{x1, y0}, {x0, y0}, {x1, y1}, {x0, y1}};
    std::vector<std::size_t> all(c.series.size());
    for (std::size_t i = 0; i < all.size(); ++i) all[i] = i;
    const PixelMap mx = PixelMap::between(ax.lo, ax.hi, ax.pixel_lo, ax.pixel_hi, ax.log);
    const PixelMap my = PixelMap::between(ay.lo, ay.hi, ay.pixel_lo, ay.pixel_hi, ay.log);
    std::size_t best = 0, fewest = std::size_t(-1);
    for (std::size_t k = 0; k < 4; ++k) {
      const std::size_t hidden = legend_cover(c.series, all, mx, my, corners[k][0], corners[k][1],
                                              corners[k][0] + bw, corners[k][1] + bh);
      if (hidden < fewest) fewest = hidden, best = k;
    }
    const double lx = corners[best][0], top_y = corners[best][1];
    svg.element("rect", {{"x", lx},
                         {"y", top_y},
                         {"width", bw},
                         {"height", bh},
                         {"fill", card},
                         {"fill-opacity", "0.88"},
                         {"stroke", card_edge}});
    double ly = top_y + 15;
    for (std::size_t i : listed) {
      // The series' own look: a line (dashed where it is), a dot, or a filled bar.
      const SvgSeries& s = c.series[i];
      if (s.kind == SvgSeries::Kind::line)
        svg.element("line", {{"x1", lx + 4},
                             {"y1", ly - 4},
                             {"x2", lx + 22},
                             {"y2", ly - 4},
                             {"stroke", colors[i]},
                             {"stroke-width", "2"},
                             SvgAttr::when(s.dashed && !s.dotted, {"stroke-dasharray", "5,3"}),
                             SvgAttr::when(s.dotted, {"stroke-dasharray", "0.1,3.4"}),
                             SvgAttr::when(s.dotted, {"stroke-linecap", "round"})});
      else if (s.kind == SvgSeries::Kind::markers)
        svg.element("circle", {{"cx", lx + 13}, {"cy", ly - 4}, {"r", "3"}, {"fill", colors[i]}});
      else
        svg.element("rect", {{"x", lx + 6},
                             {"y", ly - 9},
                             {"width", "14"},
                             {"height", "10"},
                             {"fill", tint(colors[i], 0.25, c.dark)},
                             {"stroke", colors[i]}});
      svg.element("text", {{"x", lx + 26}, {"y", ly}}, c.series[i].name);
      ly += 16;
    }
    for (const SvgMarker* m : kinds) {
      const std::string color = m->color.empty() ? std::string("#888888") : m->color;
      svg.element("line", {{"x1", lx + 13},
                           {"y1", ly - 11},
                           {"x2", lx + 13},
                           {"y2", ly + 3},
                           {"stroke", color},
                           {"stroke-dasharray", "3,3"}});
      marker_glyph(svg, m->shape, lx + 13, ly - 4, 4, color);
      svg.element("text", {{"x", lx + 26}, {"y", ly}}, m->kind);
      ly += 16;
    }
  }
  svg.close("g");
}

void write_svg(const std::filesystem::path& path, const SvgChart& chart) {
  write_file_atomic(path, to_svg(chart));
}

void write_svg(const std::filesystem::path& path, const std::vector<SvgChart>& charts) {
  write_file_atomic(path, to_svg(charts));
}

std::string palette_color(std::size_t i) { return kPalette[i % std::size(kPalette)]; }

std::vector<std::string> series_colors(const SvgChart& chart) {
  std::vector<std::string> out;
  std::size_t next = 0;
  for (const auto& s : chart.series)
    out.push_back(s.color.empty() ? palette_color(next++) : s.color);
  return out;
}

}  // namespace ts
