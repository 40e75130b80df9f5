#include "app/plot/line_plot.h"

#include "app/plot/plot_frame.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

namespace ts::plot {

void line_plot(const char* id, std::span<const float> values, ImVec2 size,
               const LinePlotStyle& style) {
  const PlotFrame f = begin_plot_frame(id, size);
  const ImVec2 p0 = f.p0, p1 = f.p1;
  const bool hovered = f.hovered;
  ImDrawList* dl = f.dl;
  const float left = 52.f, bottom = 4.f, top = 4.f, right = 6.f;
  const ImVec2 a(p0.x + left, p0.y + top), b(p1.x - right, p1.y - bottom);
  const int columns = std::max(1, int(b.x - a.x));
  auto tr = [&](float v) { return style.log_y ? std::log10(std::max(v, 1e-12f)) : v; };

  std::vector<float> mins, maxs;
  float lo = INFINITY, hi = -INFINITY;
  const std::size_t n = values.size();
  if (n > 0) {
    const int used = int(std::min<std::size_t>(n, std::size_t(columns)));
    mins.assign(std::size_t(used), INFINITY);
    maxs.assign(std::size_t(used), -INFINITY);
    for (std::size_t i = 0; i < n; ++i) {
      const float v = values[i];
      if (!std::isfinite(v)) continue;
      const std::size_t c = i * std::size_t(used) / n;
      const float t = tr(v);
      mins[c] = std::min(mins[c], t);
      maxs[c] = std::max(maxs[c], t);
      lo = std::min(lo, t);
      hi = std::max(hi, t);
    }
  }
  if (!std::isfinite(lo) || n == 0) {
    // Nothing to draw yet: no invented axis, just say so.
    const char* msg = "no data yet";
    const ImVec2 ts = ImGui::CalcTextSize(msg);
    dl->AddText(ImVec2((p0.x + p1.x - ts.x) / 2, (p0.y + p1.y - ts.y) / 2),
                IM_COL32(140, 145, 155, 255), msg);
    end_plot_frame();
    return;
  }
  if (!(hi > lo)) {
    lo = std::isfinite(lo) ? lo - 0.5f : 0.f;
    hi = lo + 1.f;
  }
  auto y_of = [&](float t) { return b.y - (t - lo) / (hi - lo) * (b.y - a.y); };
  for (int k = 0; k <= 4; ++k) {
    const float t = lo + (hi - lo) * float(k) / 4.f;
    const float y = y_of(t);
    dl->AddLine(ImVec2(a.x, y), ImVec2(b.x, y), kPlotGrid);
    char label[32];
    std::snprintf(label, sizeof label, "%.3g", style.log_y ? std::pow(10.f, t) : t);
    dl->AddText(ImVec2(p0.x + 4, y - 7), kPlotText, label);
  }
  // Event markers under the curve, their labels on hover (all markers within 4 px).
  std::string tip;
  for (const PlotMarker& m : style.markers) {
    if (m.x < 0 || m.x > float(n)) continue;
    const float x = a.x + (b.x - a.x) * m.x / float(n);
    dl->AddLine(ImVec2(x, a.y), ImVec2(x, b.y), m.color, 1.0f);
    if (hovered && std::abs(ImGui::GetIO().MousePos.x - x) <= 4.f) tip += (tip.empty() ? "" : "\n") + m.label;
  }
  if (!tip.empty()) ImGui::SetTooltip("%s", tip.c_str());
  const std::size_t used = mins.size();
  for (std::size_t c = 0; c < used; ++c) {
    if (!std::isfinite(mins[c])) continue;
    const float x = a.x + (b.x - a.x) * (float(c) + 0.5f) / float(used);
    const float y0 = y_of(mins[c]), y1 = y_of(maxs[c]);
    dl->AddLine(ImVec2(x, y0), ImVec2(x, std::min(y1, y0 - 1.f)), style.color, 1.5f);
    if (c + 1 < used && std::isfinite(mins[c + 1])) {
      const float xn = a.x + (b.x - a.x) * (float(c) + 1.5f) / float(used);
      const float mid = 0.5f * (mins[c] + maxs[c]), midn = 0.5f * (mins[c + 1] + maxs[c + 1]);
      dl->AddLine(ImVec2(x, y_of(mid)), ImVec2(xn, y_of(midn)), style.color, 1.0f);
    }
  }
  end_plot_frame();
}

}  // namespace ts::plot
