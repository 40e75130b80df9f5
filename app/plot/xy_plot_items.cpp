#include "app/plot/xy_plot_parts.h"

#include "app/plot/plot_frame.h"
#include "core/chart/event_markers.h"

#include <algorithm>
#include <cmath>

namespace ts::plot::xy {

namespace {

// A polyline, solid, dashed or dotted; breaks at unusable points. Each segment is its own line:
// ImGui's joined polylines lose pieces at the sharp turns of a noisy per-step series.
void draw_line(ImDrawList* dl, const std::vector<ImVec2>& pts, const std::vector<char>& ok,
               ImU32 color, bool dashed, bool dotted) {
  // A whole number of pixels: ImGui then draws an anti-aliased line from its font atlas's
  // baked line texture, two triangles a segment instead of six, which a software renderer
  // (llvmpipe) sets up on the UI thread.
  const float width = std::max(1.f, std::round(2.f * ImGui::GetFontSize() / 13.f));
  // A point with no drawable neighbour would vanish: it gets a dot.
  for (std::size_t i = 0; i < pts.size(); ++i)
    if (ok[i] && (i == 0 || !ok[i - 1]) && (i + 1 == pts.size() || !ok[i + 1]))
      dl->AddCircleFilled(pts[i], 1.6f * width, color, 8);
  if (!dashed && !dotted) {
    for (std::size_t i = 0; i + 1 < pts.size(); ++i)
      if (ok[i] && ok[i + 1]) dl->AddLine(pts[i], pts[i + 1], color, width);
    return;
  }
  const float on = dotted ? 0.75f * width : 3.75f * width,
              off = dotted ? 1.75f * width : 2.5f * width;
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

}  // namespace

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

NearPoint draw_series(const Frame& p) {
  const SvgChart& chart = *p.chart;
  ImDrawList* dl = p.dl;
  const Axis &ax = p.ax, &ay = p.ay;
  const float u = p.u;
  const ImVec2 mouse = p.mouse;
  const std::vector<std::string>& colors = p.colors;
  const std::vector<std::size_t>& drawn = p.drawn;
  NearPoint near;
  const bool hovering = p.hovering;
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
          near = NearPoint{0.f, si, s.x[i], s.y[i], s.x[i + 1], true, ImVec2((x0 + x1) / 2, y1)};
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
      draw_line(dl, pts, ok, color, s.dashed, s.dotted);
    }
    if (hovering)
      for (std::size_t i = 0; i < n; ++i) {
        if (!ok[i]) continue;
        const float dx = pts[i].x - mouse.x, dy = pts[i].y - mouse.y, d2 = dx * dx + dy * dy;
        if (d2 < near.d2) near = NearPoint{d2, si, s.x[i], s.y[i], 0, false, pts[i]};
      }
  }
  return near;
}

std::string read_runs_at(const Frame& p) {
  const SvgChart& chart = *p.chart;
  if (!p.hovering) return "";
  const std::string* first_group = nullptr;
  bool several = false;
  for (std::size_t si : p.drawn) {
    const std::string& g = chart.series[si].group;
    if (g.empty()) continue;
    if (!first_group) first_group = &g;
    several = several || g != *first_group;
  }
  if (!several) return "";
  const Axis& ax = p.ax;
  std::string out;
  for (std::size_t si : p.drawn) {
    const SvgSeries& s = chart.series[si];
    if (s.name.empty() || s.kind != SvgSeries::Kind::line) continue;
    const std::size_t n = std::min(s.x.size(), s.y.size());
    // The point nearest the pointer in x, within a few pixels of it (a drawn series holds
    // about one point a pixel column, so a scan costs little).
    std::size_t best = n;
    float best_d = 24.f * p.u;
    for (std::size_t i = 0; i < n; ++i) {
      if (!usable(s.x[i], ax.log) || !std::isfinite(s.y[i])) continue;
      const float d = std::abs(ax.px(s.x[i]) - p.mouse.x);
      if (d < best_d) best_d = d, best = i;
    }
    if (best == n) continue;
    out += (out.empty() ? "" : "\n") + s.name + ": " + tip_number(s.y[best]) + "  (x " +
           tip_number(s.x[best]) + ")";
  }
  if (!out.empty())
    p.dl->AddLine(ImVec2(p.mouse.x, p.a.y), ImVec2(p.mouse.x, p.b.y), IM_COL32(200, 200, 210, 90),
                  1.f * p.u);
  return out;
}

std::string draw_markers(const Frame& frame) {
  const SvgChart& chart = *frame.chart;
  ImDrawList* dl = frame.dl;
  const ImVec2 a = frame.a, b = frame.b;
  const Axis& ax = frame.ax;
  const float u = frame.u, line_h = frame.line_h;
  const ImVec2 mouse = frame.mouse;
  ImGuiStorage* store = frame.store;
  const bool hovering = frame.hovering;
  // A line and a glyph at its top; glyphs of events at (nearly) the same step stack downwards,
  // each with its tag beside it where that does not cover another tag. The pointer within a
  // few pixels of a line lists every event there.
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
  return marker_tip;
}

}  // namespace ts::plot::xy
