#include "app/plot/xy_plot.h"

#include "app/plot/chart_png.h"
#include "app/plot/export_menu.h"
#include "app/plot/plot_cache.h"
#include "app/plot/plot_frame.h"
#include "core/chart/event_markers.h"

#include <imgui_internal.h>
#include "core/io/atomic_file.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <limits>
#include <map>
#include <vector>

namespace ts::plot {

namespace {

bool usable(double v, bool log) { return std::isfinite(v) && (!log || v > 0); }

std::string number(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.4g", v);
  return buf;
}

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

// Fits [lo, hi] to the values (fixed ends kept), with a little room on auto ends.
void fit(Axis& ax, double fixed_lo, double fixed_hi, const std::vector<double>& values,
         double pad) {
  double lo = std::numeric_limits<double>::infinity(), hi = -lo;
  for (double v : values)
    if (usable(v, ax.log)) {
      lo = std::min(lo, v);
      hi = std::max(hi, v);
    }
  if (!std::isfinite(lo)) {
    lo = ax.log ? 0.1 : 0.0;
    hi = ax.log ? 10.0 : 1.0;
  }
  if (!(hi > lo)) {
    if (ax.log) {
      lo /= 2;
      hi *= 2;
    } else {
      const double d = lo == 0 ? 1.0 : std::abs(lo) * 0.1;
      lo -= d;
      hi += d;
    }
  }
  if (pad > 0) {
    if (ax.log) {
      const double d = (std::log10(hi) - std::log10(lo)) * pad;
      lo = std::pow(10.0, std::log10(lo) - d);
      hi = std::pow(10.0, std::log10(hi) + d);
    } else {
      const double d = (hi - lo) * pad;
      lo -= d;
      hi += d;
    }
  }
  ax.lo = usable(fixed_lo, ax.log) ? fixed_lo : lo;
  ax.hi = usable(fixed_hi, ax.log) ? fixed_hi : hi;
  // Both ends fixed the other way round: the axis runs from high to low (drawn for x only;
  // a y range given that way is simply sorted).
  ax.reversed = usable(fixed_lo, ax.log) && usable(fixed_hi, ax.log) && fixed_lo > fixed_hi;
  if (ax.reversed) std::swap(ax.lo, ax.hi);
  if (!(ax.hi > ax.lo)) ax.hi = ax.lo + std::max(1.0, std::abs(ax.lo) * 1e-6);
}

// A polyline, dashed or solid; breaks at unusable points. Each segment is its own line:
// ImGui's joined polylines lose pieces at the sharp turns of a noisy per-step series.
// An event marker's glyph centred at `at`, `r` from centre to edge.
void draw_marker_glyph(ImDrawList* dl, SvgMarker::Shape shape, ImVec2 at, float r, ImU32 color) {
  switch (shape) {
    case SvgMarker::Shape::triangle:  // pointing down at the line
      dl->AddTriangleFilled(ImVec2(at.x - r, at.y - r), ImVec2(at.x + r, at.y - r),
                            ImVec2(at.x, at.y + r), color);
      break;
    case SvgMarker::Shape::cross:
      dl->AddLine(ImVec2(at.x - r, at.y - r), ImVec2(at.x + r, at.y + r), color, r * 0.55f);
      dl->AddLine(ImVec2(at.x - r, at.y + r), ImVec2(at.x + r, at.y - r), color, r * 0.55f);
      break;
    case SvgMarker::Shape::diamond:
      dl->AddQuadFilled(ImVec2(at.x, at.y - r), ImVec2(at.x + r, at.y), ImVec2(at.x, at.y + r),
                        ImVec2(at.x - r, at.y), color);
      break;
    case SvgMarker::Shape::square:
      dl->AddRectFilled(ImVec2(at.x - r * 0.8f, at.y - r * 0.8f),
                        ImVec2(at.x + r * 0.8f, at.y + r * 0.8f), color);
      break;
    case SvgMarker::Shape::none:
      break;
  }
}

void draw_line(ImDrawList* dl, const std::vector<ImVec2>& pts, const std::vector<char>& ok,
               ImU32 color, bool dashed) {
  // A whole number of pixels: ImGui then draws an anti-aliased line from its font atlas's
  // baked line texture, two triangles a segment instead of six, which a software renderer
  // (llvmpipe) sets up on the UI thread.
  const float width = std::max(1.f, std::round(2.f * ImGui::GetFontSize() / 13.f));
  // A point with no drawable neighbour would vanish: it gets a dot.
  for (std::size_t i = 0; i < pts.size(); ++i)
    if (ok[i] && (i == 0 || !ok[i - 1]) && (i + 1 == pts.size() || !ok[i + 1]))
      dl->AddCircleFilled(pts[i], 1.6f * width, color, 8);
  if (!dashed) {
    for (std::size_t i = 0; i + 1 < pts.size(); ++i)
      if (ok[i] && ok[i + 1]) dl->AddLine(pts[i], pts[i + 1], color, width);
    return;
  }
  const float on = 3.75f * width, off = 2.5f * width;
  float phase = 0.f;
  for (std::size_t i = 0; i + 1 < pts.size(); ++i) {
    if (!ok[i] || !ok[i + 1]) continue;
    const ImVec2 a = pts[i], b = pts[i + 1];
    const float len = std::hypot(b.x - a.x, b.y - a.y);
    if (!(len < 1e5f)) {  // far off the axes (a fixed range): one clipped line, no dashes
      dl->AddLine(a, b, color, width);
      continue;
    }
    float s = 0.f;
    while (s < len) {
      const float in_cycle = std::fmod(phase + s, on + off);
      const float step = in_cycle < on ? on - in_cycle : on + off - in_cycle;
      const float e = std::min(len, s + step);
      if (in_cycle < on) {
        const float u0 = s / len, u1 = e / len;
        dl->AddLine(ImVec2(a.x + (b.x - a.x) * u0, a.y + (b.y - a.y) * u0),
                    ImVec2(a.x + (b.x - a.x) * u1, a.y + (b.y - a.y) * u1), color, width);
      }
      s = e;
    }
    phase = std::fmod(phase + len, on + off);
  }
}

void make_parent(const std::string& file) {
  const std::filesystem::path dir = std::filesystem::path(file).parent_path();
  if (!dir.empty()) std::filesystem::create_directories(dir);
}

// Pans, zooms and fits `view` from this frame's mouse input over the axes [a, b]; updates
// the axes to the new view, and draws the box being dragged.
void interact(PlotView& view, Axis& ax, Axis& ay, ImVec2 a, ImVec2 b, bool hovered,
              ImDrawList* dl) {
  const ImGuiIO& io = ImGui::GetIO();
  // On a reversed x axis the mouse's x is mirrored across the box, so the arithmetic below
  // always sees data growing to the right.
  const auto mirror = [&](float x) { return ax.reversed ? a.x + b.x - x : x; };
  const ImVec2 m(mirror(io.MousePos.x), io.MousePos.y);
  const float delta_x = ax.reversed ? -io.MouseDelta.x : io.MouseDelta.x;
  const bool inside = hovered && m.x >= a.x && m.x <= b.x && m.y >= a.y && m.y <= b.y;
  // Work in the axes' own scale (log10 on a log axis) so pans and zooms are even there.
  double tx0 = ax.t(ax.lo), tx1 = ax.t(ax.hi), ty0 = ay.t(ay.lo), ty1 = ay.t(ay.hi);
  const double w = std::max(1.f, b.x - a.x), h = std::max(1.f, b.y - a.y);
  bool changed = false;
  if (inside && ImGui::IsMouseDoubleClicked(ImGuiMouseButton_Left)) {
    view.fit = true;
    return;
  }
  if (ImGui::IsItemActive() && ImGui::IsMouseDragging(ImGuiMouseButton_Left, 2.f) &&
      (io.MouseDelta.x != 0 || io.MouseDelta.y != 0)) {
    const double dx = double(delta_x) / w * (tx1 - tx0),
                 dy = double(io.MouseDelta.y) / h * (ty1 - ty0);
    tx0 -= dx, tx1 -= dx, ty0 += dy, ty1 += dy;
    changed = true;
  }
  if (inside && io.MouseWheel != 0) {
    const double k = std::pow(0.85, double(io.MouseWheel));
    const double mx = tx0 + (m.x - a.x) / w * (tx1 - tx0), my = ty1 - (m.y - a.y) / h * (ty1 - ty0);
    tx0 = mx - (mx - tx0) * k, tx1 = mx + (tx1 - mx) * k;
    ty0 = my - (my - ty0) * k, ty1 = my + (ty1 - my) * k;
    changed = true;
  }
  const ImVec2 clicked = io.MouseClickedPos[ImGuiMouseButton_Right];
  const ImVec2 from(mirror(clicked.x), clicked.y);
  const bool box = std::abs(m.x - from.x) >= 4 && std::abs(m.y - from.y) >= 4;
  if (ImGui::IsItemActive() && ImGui::IsMouseDown(ImGuiMouseButton_Right) && box) {
    dl->AddRectFilled(clicked, io.MousePos, IM_COL32(120, 160, 255, 40));
    dl->AddRect(clicked, io.MousePos, IM_COL32(120, 160, 255, 200));
  }
  if (ImGui::IsItemDeactivated() && ImGui::IsMouseReleased(ImGuiMouseButton_Right) && box) {
    const auto fx = [&](float px) {
      return tx0 + (std::clamp(px, a.x, b.x) - a.x) / w * (tx1 - tx0);
    };
    const auto fy = [&](float py) {
      return ty1 - (std::clamp(py, a.y, b.y) - a.y) / h * (ty1 - ty0);
    };
    const double nx0 = fx(std::min(from.x, m.x)), nx1 = fx(std::max(from.x, m.x));
    const double ny0 = fy(std::max(from.y, m.y)), ny1 = fy(std::min(from.y, m.y));
    if (nx1 > nx0 && ny1 > ny0) tx0 = nx0, tx1 = nx1, ty0 = ny0, ty1 = ny1, changed = true;
  }
  if (!changed) return;
  const auto back = [](const Axis& axis, double t) { return axis.log ? std::pow(10.0, t) : t; };
  const double x0 = back(ax, tx0), x1 = back(ax, tx1), y0 = back(ay, ty0), y1 = back(ay, ty1);
  if (!(x1 > x0) || !(y1 > y0) || !std::isfinite(x0 + x1 + y0 + y1)) return;
  view.fit = false;
  ax.lo = x0, ax.hi = x1, ay.lo = y0, ay.hi = y1;
}

// Views of the plots whose caller keeps none, by ImGui id.
std::map<ImGuiID, PlotView>& own_views() {
  static std::map<ImGuiID, PlotView> views;
  return views;
}

}  // namespace

std::optional<std::string> xy_plot(const char* id, const SvgChart& chart, ImVec2 size,
                                   const std::string& export_stem,
                                   const std::function<void(const char*)>& report,
                                   PlotView* caller_view,
                                   const std::function<SvgChart()>& csv_data) {
  const PlotFrame f = begin_plot_frame(
      id, size, ImGuiButtonFlags_MouseButtonLeft | ImGuiButtonFlags_MouseButtonRight);
  ImGui::SetItemUsingMouseWheel();
  PlotView& view = caller_view ? *caller_view : own_views()[ImGui::GetItemID()];
  // Through the plot's cache (plot_cache.h), unless under the pointer or being dragged.
  PlotCache* cache =
      f.hovered || ImGui::IsItemActive() ? nullptr : PlotCaches::find(ImGui::GetItemID());
  ImDrawList* dl = cache ? cache->begin(f.p0, f.p1) : f.dl;
  ImGuiStorage* store = ImGui::GetStateStorage();
  const ImVec2 mouse = ImGui::GetIO().MousePos;
  const float line_h = ImGui::GetTextLineHeight();
  const float top = chart.title.empty() ? 6.f : line_h + 8.f;
  // Sizes follow the font, so a large offscreen render keeps the window's proportions.
  const float u = ImGui::GetFontSize() / 13.f;
  const float left = 58.f * u, right = 10.f * u,
              bottom = chart.x_label.empty() ? line_h + 8.f * u : 2 * line_h + 10.f * u;
  const ImVec2 a(f.p0.x + left, f.p0.y + top), b(f.p1.x - right, f.p1.y - bottom);
  if (!chart.title.empty())
    dl->AddText(ImVec2(f.p0.x + 8, f.p0.y + 4), IM_COL32(215, 218, 225, 255), chart.title.c_str());

  // Which series are shown (the legend toggles them), in their resolved colours.
  const std::vector<std::string> colors = series_colors(chart);
  std::vector<char> shown(chart.series.size(), 1);
  std::vector<std::size_t> drawn;
  for (std::size_t i = 0; i < chart.series.size(); ++i) {
    const auto& s = chart.series[i];
    if (!s.name.empty() && store->GetBool(ImGui::GetID(("hide " + s.name).c_str()), false))
      shown[i] = 0;
    if (shown[i]) drawn.push_back(i);
  }

  Axis ax{chart.log_x}, ay{chart.log_y};
  std::vector<double> xs, ys;
  bool markers = false, hist = false;
  for (std::size_t i : drawn) {
    const SvgSeries& s = chart.series[i];
    xs.insert(xs.end(), s.x.begin(), s.x.end());
    ys.insert(ys.end(), s.y.begin(), s.y.end());
    ys.insert(ys.end(), s.lo.begin(), s.lo.end());
    ys.insert(ys.end(), s.hi.begin(), s.hi.end());
    markers |= s.kind == SvgSeries::Kind::markers;
    hist |= s.kind == SvgSeries::Kind::histogram;
  }
  if (hist && !chart.log_y) ys.push_back(0.0);
  fit(ax, chart.x_min, chart.x_max, xs, markers ? 0.05 : 0.0);
  fit(ay, chart.y_min, chart.y_max, ys, hist ? 0.0 : 0.05);
  ay.reversed = false;
  if (hist && !chart.log_y && std::isnan(chart.y_max)) ay.hi *= 1.05;
  if (!view.fit) {
    const bool ok_x = usable(view.x0, ax.log) && usable(view.x1, ax.log) && view.x1 > view.x0;
    const bool ok_y = usable(view.y0, ay.log) && usable(view.y1, ay.log) && view.y1 > view.y0;
    if (ok_x && ok_y)
      ax.lo = view.x0, ax.hi = view.x1, ay.lo = view.y0, ay.hi = view.y1;
    else
      view.fit = true;
  }
  interact(view, ax, ay, a, b, f.hovered, dl);
  view.x0 = ax.lo, view.x1 = ax.hi, view.y0 = ay.lo, view.y1 = ay.hi;
  ax.p_lo = ax.reversed ? b.x : a.x;
  ax.p_hi = ax.reversed ? a.x : b.x;
  ay.p_lo = b.y;
  ay.p_hi = a.y;

  // Grid and ticks.
  // A label only where it clears the one before (a short plot over many decades keeps every
  // grid line but thins its labels).
  float last_label_y = 1e9f;
  for (double t : chart.log_y
                      ? log_ticks(ay.lo, ay.hi)
                      : nice_ticks(ay.lo, ay.hi, std::max(3, int((b.y - a.y) / (40 * u))))) {
    if (t < ay.lo || t > ay.hi) continue;
    const float y = ay.px(t);
    dl->AddLine(ImVec2(a.x, y), ImVec2(b.x, y), kPlotGrid);
    if (std::abs(last_label_y - y) < line_h + 1) continue;
    last_label_y = y;
    const std::string s = tick_label(t);
    const ImVec2 ts = ImGui::CalcTextSize(s.c_str());
    dl->AddText(ImVec2(a.x - ts.x - 5, y - ts.y / 2), kPlotText, s.c_str());
  }
  for (double t : chart.log_x
                      ? log_ticks(ax.lo, ax.hi)
                      : nice_ticks(ax.lo, ax.hi, std::max(3, int((b.x - a.x) / (70 * u))))) {
    if (t < ax.lo || t > ax.hi) continue;
    const float x = ax.px(t);
    dl->AddLine(ImVec2(x, a.y), ImVec2(x, b.y), kPlotGrid);
    const std::string s = tick_label(t);
    const ImVec2 ts = ImGui::CalcTextSize(s.c_str());
    dl->AddText(ImVec2(std::min(x - ts.x / 2, f.p1.x - ts.x - 2), b.y + 3), kPlotText, s.c_str());
  }
  dl->AddRect(a, b, kPlotBorder);
  if (!chart.x_label.empty()) {
    const ImVec2 ts = ImGui::CalcTextSize(chart.x_label.c_str());
    dl->AddText(ImVec2((a.x + b.x - ts.x) / 2, b.y + line_h + 6), kPlotText, chart.x_label.c_str());
  }

  // Series, clipped to the axes.
  dl->PushClipRect(a, b, true);
  struct Near {
    float d2 = 144.f;  // within 12 px
    std::size_t series = 0;
    double x = 0, y = 0, x2 = 0;
    bool bin = false;
    ImVec2 at;
  } near;
  const bool hovering =
      f.hovered && mouse.x >= a.x && mouse.x <= b.x && mouse.y >= a.y && mouse.y <= b.y;
  for (std::size_t si : drawn) {
    const SvgSeries& s = chart.series[si];
    const std::string& hex = colors[si];
    const ImU32 color = parse_color(hex, int(255 * std::clamp(s.opacity, 0.1, 1.0)));
    if (s.kind == SvgSeries::Kind::histogram) {
      if (s.x.size() != s.y.size() + 1) continue;
      const double base = ay.log ? ay.lo : std::max(ay.lo, 0.0);
      for (std::size_t i = 0; i < s.y.size(); ++i) {
        if (!usable(s.x[i], ax.log) || !usable(s.x[i + 1], ax.log) || !usable(s.y[i], ay.log))
          continue;
        // The bin's left and right edges on screen (swapped on a reversed axis).
        const float x0 = std::min(ax.px(s.x[i]), ax.px(s.x[i + 1])),
                    x1 = std::max(ax.px(s.x[i]), ax.px(s.x[i + 1]));
        const float y0 = ay.px(base), y1 = ay.px(s.y[i]);
        dl->AddRectFilled(ImVec2(x0, y1), ImVec2(x1, y0), parse_color(hex, 70));
        dl->AddLine(ImVec2(x0, y1), ImVec2(x1, y1), color, 1.5f);
        if (hovering && mouse.x >= x0 && mouse.x < x1 && mouse.y >= std::min(y0, y1) - 4) {
          near = Near{0.f, si, s.x[i], s.y[i], s.x[i + 1], true, ImVec2((x0 + x1) / 2, y1)};
        }
      }
      continue;
    }
    const std::size_t n = std::min(s.x.size(), s.y.size());
    std::vector<ImVec2> pts(n);
    std::vector<char> ok(n);
    for (std::size_t i = 0; i < n; ++i) {
      ok[i] = usable(s.x[i], ax.log) && usable(s.y[i], ay.log);
      if (ok[i]) pts[i] = ImVec2(ax.px(s.x[i]), ay.px(s.y[i]));
    }
    if (s.kind == SvgSeries::Kind::line && s.lo.size() == n && s.hi.size() == n) {
      const ImU32 band = parse_color(hex, 50);
      // Anti-aliased fringes would draw a seam between each pair of neighbouring quads.
      const ImDrawListFlags flags = dl->Flags;
      dl->Flags &= ~ImDrawListFlags_AntiAliasedFill;
      for (std::size_t i = 0; i + 1 < n; ++i) {
        if (!ok[i] || !ok[i + 1] || !usable(s.lo[i], ay.log) || !usable(s.hi[i], ay.log) ||
            !usable(s.lo[i + 1], ay.log) || !usable(s.hi[i + 1], ay.log))
          continue;
        dl->AddQuadFilled(
            ImVec2(pts[i].x, ay.px(s.lo[i])), ImVec2(pts[i + 1].x, ay.px(s.lo[i + 1])),
            ImVec2(pts[i + 1].x, ay.px(s.hi[i + 1])), ImVec2(pts[i].x, ay.px(s.hi[i])), band);
      }
      dl->Flags = flags;
    }
    if (s.kind == SvgSeries::Kind::markers) {
      for (std::size_t i = 0; i < n; ++i)
        if (ok[i]) dl->AddCircleFilled(pts[i], 2.6f * u, parse_color(hex, 200), 8);
    } else {
      draw_line(dl, pts, ok, color, s.dashed);
    }
    if (hovering)
      for (std::size_t i = 0; i < n; ++i) {
        if (!ok[i]) continue;
        const float dx = pts[i].x - mouse.x, dy = pts[i].y - mouse.y, d2 = dx * dx + dy * dy;
        if (d2 < near.d2) near = Near{d2, si, s.x[i], s.y[i], 0, false, pts[i]};
      }
  }
  // Event markers: a line and a glyph at its top; glyphs of events at (nearly) the same step
  // stack downwards, each with its tag beside it where that does not cover another tag. The
  // pointer within a few pixels of a line lists every event there.
  std::string marker_tip;
  {
    const float g = 4.5f * u;
    MarkerPlacer placer({a.y, a.x, b.x, b.y, g, 2 * u, 3 * u, std::max(2 * g, line_h) + 3 * u});
    for (const SvgMarker& mk : chart.markers) {
      if (!usable(mk.x, ax.log) || mk.x < ax.lo || mk.x > ax.hi) continue;
      if (!mk.kind.empty() &&
          store->GetBool(ImGui::GetID(("hide marker " + mk.kind).c_str()), false))
        continue;
      const float x = ax.px(mk.x);
      const ImU32 c = mk.color.empty() ? IM_COL32(150, 150, 150, 200) : parse_color(mk.color, 220);
      dl->AddLine(ImVec2(x, a.y), ImVec2(x, b.y), mk.color.empty() ? c : parse_color(mk.color, 150),
                  1.f * u);
      const ImVec2 ts = mk.tag.empty() ? ImVec2(0, 0) : ImGui::CalcTextSize(mk.tag.c_str());
      const MarkerPlace p = placer.place(x, ts.x, ts.y);
      const ImVec2 at(x, float(p.cy));
      draw_marker_glyph(dl, mk.shape, at, g, c);
      if (p.tagged) {
        dl->AddRectFilled(ImVec2(float(p.x0) - 2, float(p.y0)),
                          ImVec2(float(p.x1) + 2, float(p.y1)), IM_COL32(25, 27, 32, 190));
        dl->AddText(ImVec2(float(p.x0), float(p.y0)), c, mk.tag.c_str());
      }
      const bool on_glyph = std::abs(mouse.y - at.y) <= g + 2 * u;
      if (hovering && std::abs(mouse.x - x) <= (on_glyph ? g + 2 * u : 4.f * u))
        marker_tip += (marker_tip.empty() ? "" : "\n") + mk.label;
    }
  }
  dl->PopClipRect();
  if (!view.fit)
    dl->AddText(ImVec2(a.x + 6 * u, b.y - line_h - 3 * u), IM_COL32(140, 145, 155, 200),
                "zoomed: double-click to fit");
  // One tooltip: the nearest point and any events under the pointer, wrapped to stay on screen.
  if (near.d2 < 144.f || !marker_tip.empty()) {
    std::string tip;
    if (near.d2 < 144.f) {
      const SvgSeries& s = chart.series[near.series];
      dl->AddCircle(near.at, 5.f * u, IM_COL32(255, 255, 255, 220), 12, 1.5f * u);
      const std::string who = s.name.empty() ? std::string() : s.name + "\n";
      if (near.bin)
        tip = who + "[" + number(near.x) + ", " + number(near.x2) + "): " + number(near.y);
      else
        tip = who + "x = " + number(near.x) + "\ny = " + number(near.y);
    }
    if (!marker_tip.empty()) tip += (tip.empty() ? "" : "\n\n") + marker_tip;
    ImGui::BeginTooltip();
    ImGui::PushTextWrapPos(
        std::min(ImGui::GetIO().DisplaySize.x * 0.45f, 36.f * ImGui::GetFontSize()));
    ImGui::TextUnformatted(tip.c_str());
    ImGui::PopTextWrapPos();
    ImGui::EndTooltip();
  }
  if (!chart.y_label.empty()) {
    // Beside the title when it fits there, else inside the axes' top left corner.
    const float tw = chart.title.empty() ? 0.f : ImGui::CalcTextSize(chart.title.c_str()).x;
    const float lw = ImGui::CalcTextSize(chart.y_label.c_str()).x;
    if (!chart.title.empty() && f.p0.x + 8 + tw + 24 + lw < f.p1.x - 8)
      dl->AddText(ImVec2(f.p1.x - 8 - lw, f.p0.y + 4), kPlotText, chart.y_label.c_str());
    else
      dl->AddText(ImVec2(a.x + 6, a.y + 3), kPlotText, chart.y_label.c_str());
  }

  // Legend: top right; a click on an entry hides or shows its series (or its kind of event).
  float legend_w = 0;
  int entries = 0;
  for (const auto& s : chart.series)
    if (!s.name.empty()) {
      legend_w = std::max(legend_w, ImGui::CalcTextSize(s.name.c_str()).x);
      ++entries;
    }
  std::vector<const SvgMarker*> kinds;  // the first marker of each kind shown
  for (const SvgMarker& mk : chart.markers)
    if (!mk.kind.empty() && std::none_of(kinds.begin(), kinds.end(),
                                         [&](const SvgMarker* k) { return k->kind == mk.kind; })) {
      kinds.push_back(&mk);
      legend_w = std::max(legend_w, ImGui::CalcTextSize(mk.kind.c_str()).x);
      ++entries;
    }
  if (entries > 0) {
    const float row = line_h + 2, lw = legend_w + 34 * u, lh = 4 + row * float(entries);
    // The corner whose legend box would hide the least data (legend_cover).
    ImVec2 l0(b.x - lw - 4, a.y + 4);
    std::size_t fewest = std::size_t(-1);
    const PixelMap mx = PixelMap::between(ax.lo, ax.hi, ax.p_lo, ax.p_hi, ax.log);
    const PixelMap my = PixelMap::between(ay.lo, ay.hi, ay.p_lo, ay.p_hi, ay.log);
    for (const ImVec2 c : {ImVec2(b.x - lw - 4, a.y + 4), ImVec2(a.x + 4, a.y + 4 + line_h),
                           ImVec2(b.x - lw - 4, b.y - lh - 4), ImVec2(a.x + 4, b.y - lh - 4)}) {
      const std::size_t hidden =
          legend_cover(chart.series, drawn, mx, my, c.x, c.y, c.x + lw, c.y + lh);
      if (hidden < fewest) {
        fewest = hidden;
        l0 = c;
      }
    }
    const ImVec2 l1(l0.x + lw, l0.y + lh);
    // A scatter the legend would cover anywhere: the legend folds to a tab in its corner and
    // opens while the pointer is on it, so the points stay readable.
    const bool scatter = std::any_of(drawn.begin(), drawn.end(), [&](std::size_t i) {
      return chart.series[i].kind == SvgSeries::Kind::markers;
    });
    const ImGuiID open_key = ImGui::GetID("legend open");
    bool folded = false;
    if (scatter && fewest > 0) {
      const ImVec2 tab1(l0.x + ImGui::CalcTextSize("legend").x + 12 * u, l0.y + row + 2);
      const bool on_tab =
          f.hovered && mouse.x >= l0.x && mouse.x < tab1.x && mouse.y >= l0.y && mouse.y < tab1.y;
      const bool on_box =
          f.hovered && mouse.x >= l0.x && mouse.x < l1.x && mouse.y >= l0.y && mouse.y < l1.y;
      const bool open = on_tab || (store->GetBool(open_key, false) && on_box);
      store->SetBool(open_key, open);
      if (!open) {
        dl->AddRectFilled(l0, tab1, IM_COL32(25, 27, 32, 215));
        dl->AddText(ImVec2(l0.x + 6 * u, l0.y + 2), IM_COL32(170, 175, 185, 255), "legend");
        folded = true;
      }
    }
    if (!folded) {
      dl->AddRectFilled(l0, l1, IM_COL32(25, 27, 32, 215));
      float y = l0.y + 2;
      for (std::size_t i = 0; i < chart.series.size(); ++i) {
        const auto& s = chart.series[i];
        if (s.name.empty()) continue;
        const ImVec2 r0(l0.x, y), r1(l1.x, y + row);
        const bool over =
            f.hovered && mouse.x >= r0.x && mouse.x < r1.x && mouse.y >= r0.y && mouse.y < r1.y;
        if (over && ImGui::IsMouseClicked(ImGuiMouseButton_Left)) {
          const ImGuiID key = ImGui::GetID(("hide " + s.name).c_str());
          store->SetBool(key, !store->GetBool(key, false));
        }
        const int alpha = shown[i] ? int(255 * std::clamp(s.opacity, 0.3, 1.0)) : 70;
        const ImU32 c = parse_color(colors[i], alpha);
        if (s.kind == SvgSeries::Kind::line && s.dashed) {
          dl->AddLine(ImVec2(r0.x + 6 * u, y + row / 2), ImVec2(r0.x + 12 * u, y + row / 2), c,
                      2.f * u);
          dl->AddLine(ImVec2(r0.x + 16 * u, y + row / 2), ImVec2(r0.x + 22 * u, y + row / 2), c,
                      2.f * u);
        } else if (s.kind == SvgSeries::Kind::line) {
          dl->AddLine(ImVec2(r0.x + 6 * u, y + row / 2), ImVec2(r0.x + 24 * u, y + row / 2), c,
                      2.f * u);
        } else
          dl->AddRectFilled(ImVec2(r0.x + 10 * u, y + 3 * u),
                            ImVec2(r0.x + 20 * u, y + row - 3 * u), c);
        dl->AddText(ImVec2(r0.x + 28 * u, y + 1),
                    shown[i] ? IM_COL32(210, 213, 220, 255) : IM_COL32(110, 113, 120, 255),
                    s.name.c_str());
        if (over) dl->AddRect(r0, r1, IM_COL32(120, 125, 135, 255));
        y += row;
      }
      for (const SvgMarker* mk : kinds) {
        const ImVec2 r0(l0.x, y), r1(l1.x, y + row);
        const bool over =
            f.hovered && mouse.x >= r0.x && mouse.x < r1.x && mouse.y >= r0.y && mouse.y < r1.y;
        const ImGuiID key = ImGui::GetID(("hide marker " + mk->kind).c_str());
        if (over && ImGui::IsMouseClicked(ImGuiMouseButton_Left))
          store->SetBool(key, !store->GetBool(key, false));
        const bool on = !store->GetBool(key, false);
        const ImU32 c = parse_color(mk->color.empty() ? "#969696" : mk->color, on ? 230 : 70);
        dl->AddLine(ImVec2(r0.x + 15 * u, y + 2 * u), ImVec2(r0.x + 15 * u, y + row - 2 * u), c,
                    1.f * u);
        draw_marker_glyph(dl, mk->shape, ImVec2(r0.x + 15 * u, y + row / 2), 4.f * u, c);
        dl->AddText(ImVec2(r0.x + 28 * u, y + 1),
                    on ? IM_COL32(210, 213, 220, 255) : IM_COL32(110, 113, 120, 255),
                    mk->kind.c_str());
        if (over) dl->AddRect(r0, r1, IM_COL32(120, 125, 135, 255));
        y += row;
      }
    }
  }

  if (cache) cache->end(f.dl->_ClipRectStack.back());

  // Export of what is drawn.
  std::optional<std::string> written;
  if (!export_stem.empty()) {
    // A right click without a drag (a drag zooms to a box).
    const ImVec2 d = ImGui::GetIO().MouseClickedPos[ImGuiMouseButton_Right];
    if (f.hovered && ImGui::IsMouseReleased(ImGuiMouseButton_Right) &&
        std::abs(mouse.x - d.x) < 4 && std::abs(mouse.y - d.y) < 4)
      ImGui::OpenPopup("export");
    if (ImGui::BeginPopup("export")) {
      // The next free names: an export never replaces an earlier one.
      const std::string svg = free_export_path(export_stem, ".svg"),
                        csv = free_export_path(export_stem, ".csv"),
                        image = free_export_path(export_stem, ".png");
      const ImGuiID size_key = ImGui::GetID("png size"), dark_key = ImGui::GetID("svg dark");
      const int out_w = store->GetInt(size_key, 1600), out_h = store->GetInt(size_key + 1, 1000);
      // Exactly what is drawn: the shown series, in the colours they were drawn in.
      auto visible = [&] {
        SvgChart v = chart;
        if (!view.fit) {
          v.x_min = ax.reversed ? ax.hi : ax.lo, v.x_max = ax.reversed ? ax.lo : ax.hi;
          v.y_min = ay.lo, v.y_max = ay.hi;
        }
        v.series.clear();
        for (std::size_t i : drawn) {
          v.series.push_back(chart.series[i]);
          v.series.back().color = colors[i];
        }
        v.note = export_source();
        v.width = out_w, v.height = out_h;
        return v;
      };
      try {
        if (ImGui::MenuItem(("Save SVG  " + svg).c_str())) {
          make_parent(svg);
          SvgChart v = visible();
          v.dark = store->GetBool(dark_key, false);
          write_svg(svg, v);
          written = svg;
        }
        if (report) report("export-svg");
        if (ImGui::MenuItem(("Save CSV  " + csv).c_str())) {
          make_parent(csv);
          // The data itself where the caller has it, else the drawn points; the shown series only.
          SvgChart v = visible();
          if (csv_data) {
            SvgChart full = csv_data();
            v.series.clear();
            for (auto& s : full.series)
              if (std::any_of(drawn.begin(), drawn.end(),
                              [&](std::size_t i) { return chart.series[i].name == s.name; }))
                v.series.push_back(std::move(s));
          }
          std::string text = chart_csv(v);
          if (!v.note.empty()) text = "# " + v.note + "\n" + text;
          write_file_atomic(csv, text);
          written = csv;
        }
        if (report) report("export-csv");
        // PNG at a chosen size, rendered offscreen by this same widget; the SVG takes it too.
        int out_size[2] = {out_w, out_h};
        ImGui::SetNextItemWidth(120 * u);
        if (ImGui::InputInt2("width, height", out_size)) {
          store->SetInt(size_key, std::clamp(out_size[0], 64, 8192));
          store->SetInt(size_key + 1, std::clamp(out_size[1], 64, 8192));
        }
        bool dark = store->GetBool(dark_key, false);
        if (ImGui::Checkbox("SVG in the dark theme", &dark)) store->SetBool(dark_key, dark);
        if (report) report("export-dark");
        if (ImGui::MenuItem(("Save PNG  " + image).c_str())) {
          write_chart_png(visible(), out_w, out_h, image);
          written = image;
        }
        if (report) report("export-png");
      } catch (const std::exception& e) {
        written = std::string("error: ") + e.what();
      }
      ImGui::EndPopup();
    }
  }
  end_plot_frame();
  return written;
}

}  // namespace ts::plot
