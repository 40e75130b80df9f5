#include "app/plot/xy_plot_parts.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace ts::plot::xy {

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

void draw_grid(const Frame& p) {
  const SvgChart& chart = *p.chart;
  ImDrawList* dl = p.dl;
  const ImVec2 a = p.a, b = p.b;
  const Axis &ax = p.ax, &ay = p.ay;
  const float u = p.u, line_h = p.line_h;
  const PlotFrame& f = p.f;
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
}

}  // namespace ts::plot::xy
