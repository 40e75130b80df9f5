#include "app/plot/rose_plot.h"

#include "app/plot/chart_png.h"
#include "app/plot/export_menu.h"
#include "app/plot/plot_frame.h"
#include "core/chart/rose_svg.h"
#include "core/io/atomic_file.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <vector>

namespace ts::plot {

namespace {

constexpr float kPi = 3.14159265f;

}  // namespace

std::optional<std::string> rose_plot(const char* id, const SvgChart& chart, ImVec2 size,
                                     const std::string& export_stem,
                                     const std::function<void(const char*)>& report) {
  const PlotFrame f = begin_plot_frame(
      id, size, ImGuiButtonFlags_MouseButtonLeft | ImGuiButtonFlags_MouseButtonRight);
  ImDrawList* dl = f.dl;
  const float u = ImGui::GetFontSize() / 13.f, line_h = ImGui::GetTextLineHeight();
  if (!chart.title.empty())
    dl->AddText(ImVec2(f.p0.x + 8, f.p0.y + 4), IM_COL32(215, 218, 225, 255), chart.title.c_str());
  const RoseLayout l = rose_layout(chart);
  const bool half = l.span_deg > 90.0;
  // The legend gets its own lines under the title, so no wedge or label runs under it.
  int legend_lines = 0;
  for (const auto& s : chart.series)
    legend_lines += !s.name.empty() && s.kind == SvgSeries::Kind::histogram;
  const float legend_top = f.p0.y + (chart.title.empty() ? 6.f : line_h + 8.f);
  const float top = legend_top + float(legend_lines) * (line_h + 2) + line_h + 4, margin = 14.f * u;
  const float w = f.p1.x - f.p0.x - 2 * margin, h = f.p1.y - top - margin - line_h;
  const float radius = std::max(10.f, half ? std::min(w / 2, h) : std::min(w, h));
  const ImVec2 c(half ? (f.p0.x + f.p1.x) / 2 : f.p0.x + margin, top + radius + 2);
  auto at = [&](double deg, float r) {
    const float a = float(deg) * kPi / 180.f;
    return ImVec2(c.x + r * std::cos(a), c.y - r * std::sin(a));
  };
  // Rings at a quarter, half, three quarters and all of the largest count; spokes every 15°.
  for (float frac : {0.25f, 0.5f, 0.75f, 1.f}) {
    const float r = radius * std::sqrt(frac);
    std::vector<ImVec2> arc;
    for (int i = 0; i <= 48; ++i) arc.push_back(at(l.span_deg * i / 48.0, r));
    dl->AddPolyline(arc.data(), int(arc.size()), kPlotGrid, 0, 1.f);
    char label[32];
    std::snprintf(label, sizeof label, "%.0f", l.max_count * frac);
    dl->AddText(ImVec2(c.x + r + 2, c.y + 1), kPlotText, label);
  }
  for (int d = 0; d <= int(l.span_deg); d += 15) {
    dl->AddLine(c, at(d, radius), kPlotGrid);
    if (d % 30 == 0 && d > 0 && d < 180) {  // the baseline's ends carry the rings' counts
      // Outside the arc, anchored on the side facing the centre.
      char label[16];
      std::snprintf(label, sizeof label, "%d", d);
      const ImVec2 p = at(d, radius + 4 * u);
      const ImVec2 sz = ImGui::CalcTextSize(label);
      const float a = float(d) * kPi / 180.f;
      dl->AddText(
          ImVec2(p.x - sz.x * 0.5f * (1 - std::cos(a)), p.y - sz.y * 0.5f * (1 + std::sin(a))),
          kPlotText, label);
    }
  }
  // Wedges; the one under the pointer is read out.
  const std::vector<std::string> colors = series_colors(chart);
  const ImVec2 m = ImGui::GetIO().MousePos;
  const float mr = std::hypot(m.x - c.x, c.y - m.y);
  double md = std::atan2(double(c.y - m.y), double(m.x - c.x)) * 180.0 / double(kPi);
  std::string hover;
  for (std::size_t si = 0; si < chart.series.size(); ++si) {
    const SvgSeries& s = chart.series[si];
    if (s.kind != SvgSeries::Kind::histogram) continue;
    const bool filled = si > 0;
    const ImU32 line = parse_color(colors[si], 230), fill = parse_color(colors[si], 110);
    for (std::size_t i = 0; i + 1 < s.x.size() && i < s.y.size(); ++i) {
      if (!(s.y[i] > 0)) continue;
      const float r = radius * float(std::sqrt(s.y[i] / l.max_count));
      std::vector<ImVec2> wedge{c};
      const int steps = 6;
      for (int k = 0; k <= steps; ++k)
        wedge.push_back(at(s.x[i] + (s.x[i + 1] - s.x[i]) * k / steps, r));
      if (filled) dl->AddConvexPolyFilled(wedge.data(), int(wedge.size()), fill);
      dl->AddPolyline(wedge.data(), int(wedge.size()), line, ImDrawFlags_Closed, 1.2f * u);
      if (f.hovered && md >= s.x[i] && md < s.x[i + 1] && mr <= r && hover.size() < 400) {
        char b[160];
        std::snprintf(b, sizeof b, "%s%s: %.0f units in %.1f-%.1f degrees",
                      hover.empty() ? "" : "\n", s.name.c_str(), s.y[i], s.x[i], s.x[i + 1]);
        hover += b;
      }
    }
  }
  if (!hover.empty()) ImGui::SetTooltip("%s", hover.c_str());
  // Legend under the title.
  float ly = legend_top;
  for (std::size_t si = 0; si < chart.series.size(); ++si) {
    const SvgSeries& s = chart.series[si];
    if (s.name.empty() || s.kind != SvgSeries::Kind::histogram) continue;
    const float lx = f.p0.x + 8;
    if (si > 0)
      dl->AddRectFilled(ImVec2(lx, ly + 2), ImVec2(lx + 12 * u, ly + 2 + 10 * u),
                        parse_color(colors[si], 110));
    dl->AddRect(ImVec2(lx, ly + 2), ImVec2(lx + 12 * u, ly + 2 + 10 * u),
                parse_color(colors[si], 230));
    dl->AddText(ImVec2(lx + 16 * u, ly), kPlotText, s.name.c_str());
    ly += line_h + 2;
  }
  if (!chart.x_label.empty())
    dl->AddText(ImVec2(f.p0.x + 8, f.p1.y - line_h - 4), kPlotText,
                (chart.x_label + " (wedge area: count)").c_str());

  std::optional<std::string> written;
  if (!export_stem.empty())
    written = export_menu(
        f.hovered, export_stem,
        {[&](const std::string& p) {
           write_widget_png([&](ImVec2 s) { rose_plot("rose", chart, s); }, 1000, 900, p);
         },
         [&](const std::string& p) {
           SvgChart noted = chart;
           noted.note = export_source();
           write_file_atomic_creating_parents(p, to_rose_svg(noted));
         },
         [&](const std::string& p) {
           const std::string& source = export_source();
           write_file_atomic_creating_parents(
               p, (source.empty() ? "" : "# " + source + "\n") + chart_csv(chart));
         }},
        report);
  end_plot_frame();
  return written;
}

}  // namespace ts::plot
