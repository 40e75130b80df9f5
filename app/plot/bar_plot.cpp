#include "app/plot/bar_plot.h"

#include "app/plot/plot_frame.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace ts::plot {

void histogram_plot(const char* id, std::span<const uint32_t> counts, float lo, float hi,
                    ImVec2 size, ImU32 color) {
  const PlotFrame f = begin_plot_frame(id, size);
  const ImVec2 p0 = f.p0, p1 = f.p1;
  const bool hovered = f.hovered;
  ImDrawList* dl = f.dl;
  const float text_h = ImGui::GetTextLineHeight();
  const ImVec2 a(p0.x + 2, p0.y + 2), b(p1.x - 2, p1.y - text_h - 2);
  uint32_t peak = 0, second = 0;
  for (uint32_t c : counts) {
    if (c > peak)
      second = peak, peak = c;
    else
      second = std::max(second, c);
  }
  if (counts.empty() || peak == 0) {
    dl->AddText(ImVec2(a.x + 4, a.y + 2), kPlotText, "no data yet");
    end_plot_frame();
    return;
  }
  // One bin far above the rest (the zeros of a ReLU layer) would flatten everything else:
  // scale to the runner-up and draw that bin cut, with its count written on it.
  const bool clip = second > 0 && peak > 4 * second;
  const float scale = float(clip ? 2 * second : peak);
  const float bw = (b.x - a.x) / float(counts.size());
  const float mx = ImGui::GetIO().MousePos.x;
  for (std::size_t i = 0; i < counts.size(); ++i) {
    const float x0 = a.x + bw * float(i), h = (b.y - a.y) * std::min(1.f, float(counts[i]) / scale);
    if (clip && counts[i] == peak) {
      char n[32];
      std::snprintf(n, sizeof n, "%u", peak);
      dl->AddText(ImVec2(std::min(x0 + bw + 2, b.x - ImGui::CalcTextSize(n).x), a.y), kPlotText, n);
    }
    const bool under = hovered && mx >= x0 && mx < x0 + bw;
    dl->AddRectFilled(ImVec2(x0, b.y - h), ImVec2(x0 + std::max(1.f, bw - 1), b.y),
                      under ? IM_COL32(255, 255, 255, 255) : color);
    if (under) {
      const float w = (hi - lo) / float(counts.size());
      ImGui::SetTooltip("[%.3g, %.3g): %u", lo + w * float(i), lo + w * float(i + 1), counts[i]);
    }
  }
  char text[32];
  std::snprintf(text, sizeof text, "%.3g", lo);
  dl->AddText(ImVec2(a.x, b.y + 1), kPlotText, text);
  std::snprintf(text, sizeof text, "%.3g", hi);
  dl->AddText(ImVec2(b.x - ImGui::CalcTextSize(text).x, b.y + 1), kPlotText, text);
  end_plot_frame();
}

void category_bars(const char* id, std::span<const std::string> labels,
                   std::span<const float> values, ImVec2 size, ImU32 color, bool log_y) {
  const PlotFrame f = begin_plot_frame(id, size);
  const ImVec2 p0 = f.p0, p1 = f.p1;
  const bool hovered = f.hovered;
  ImDrawList* dl = f.dl;
  const float text_h = ImGui::GetTextLineHeight();
  const ImVec2 a(p0.x + 46, p0.y + 4), b(p1.x - 4, p1.y - text_h - 2);
  auto tr = [&](float v) { return log_y ? std::log10(v) : v; };
  auto ok = [&](float v) { return std::isfinite(v) && (!log_y || v > 0); };
  float lo = INFINITY, hi = -INFINITY;
  for (float v : values)
    if (ok(v)) lo = std::min(lo, tr(v)), hi = std::max(hi, tr(v));
  if (!std::isfinite(lo)) {
    dl->AddText(ImVec2(a.x, a.y), kPlotText, "no data yet");
    end_plot_frame();
    return;
  }
  if (log_y) {
    lo = std::floor(lo) - 0.0f;
    hi = std::ceil(hi);
    if (hi <= lo) hi = lo + 1;
  } else {
    lo = std::min(lo, 0.f);
    if (hi <= lo) hi = lo + 1;
  }
  auto y_of = [&](float t) { return b.y - (t - lo) / (hi - lo) * (b.y - a.y); };
  for (float t : {lo, hi}) {
    char text[32];
    std::snprintf(text, sizeof text, "%.3g", log_y ? std::pow(10.f, t) : t);
    dl->AddText(ImVec2(p0.x + 4, y_of(t) - text_h / 2), kPlotText, text);
    dl->AddLine(ImVec2(a.x, y_of(t)), ImVec2(b.x, y_of(t)), kPlotGrid);
  }
  const float bw = (b.x - a.x) / float(std::max<std::size_t>(1, values.size()));
  const float mx = ImGui::GetIO().MousePos.x;
  // Labels wider than their bar are written for every k-th bar only (fc1, fc3, fc5...), so
  // eleven layers never print over each other; the hover names every bar.
  float widest = 0;
  for (const auto& l : labels) widest = std::max(widest, ImGui::CalcTextSize(l.c_str()).x);
  const std::size_t every =
      std::max<std::size_t>(1, std::size_t(std::ceil((widest + 6) / std::max(bw, 1.f))));
  for (std::size_t i = 0; i < values.size(); ++i) {
    const float x0 = a.x + bw * float(i) + (bw > 8 ? 3 : 1),
                x1 = a.x + bw * float(i + 1) - (bw > 8 ? 3 : 1);
    if (ok(values[i])) dl->AddRectFilled(ImVec2(x0, y_of(tr(values[i]))), ImVec2(x1, b.y), color);
    if (i < labels.size()) {
      if (i % every == 0) {
        const ImVec2 ts = ImGui::CalcTextSize(labels[i].c_str());
        dl->AddText(ImVec2(std::clamp((x0 + x1 - ts.x) / 2, p0.x, p1.x - ts.x), b.y + 1), kPlotText,
                    labels[i].c_str());
      }
      if (hovered && mx >= x0 - 2 && mx < x1 + 2)
        ImGui::SetTooltip("%s: %.4g", labels[i].c_str(), values[i]);
    }
  }
  end_plot_frame();
}

}  // namespace ts::plot
