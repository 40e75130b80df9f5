#include "app/plot/xy_plot.h"

#include "app/plot/plot_cache.h"
#include "app/plot/plot_frame.h"
#include "app/plot/xy_plot_parts.h"

#include <imgui_internal.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <vector>

namespace ts::plot {

using namespace xy;

namespace {

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
  Frame p;
  p.chart = &chart;
  p.f = f;
  ImDrawList* dl = p.dl = cache ? cache->begin(f.p0, f.p1) : f.dl;
  ImGuiStorage* store = p.store = ImGui::GetStateStorage();
  const ImVec2 mouse = p.mouse = ImGui::GetIO().MousePos;
  const float line_h = p.line_h = ImGui::GetTextLineHeight();
  const float top = chart.title.empty() ? 6.f : line_h + 8.f;
  // Sizes follow the font, so a large offscreen render keeps the window's proportions.
  const float u = p.u = ImGui::GetFontSize() / 13.f;
  const float left = 58.f * u, right = 10.f * u,
              bottom = chart.x_label.empty() ? line_h + 8.f * u : 2 * line_h + 10.f * u;
  const ImVec2 a(f.p0.x + left, f.p0.y + top), b(f.p1.x - right, f.p1.y - bottom);
  p.a = a;
  p.b = b;
  if (!chart.title.empty())
    dl->AddText(ImVec2(f.p0.x + 8, f.p0.y + 4), IM_COL32(215, 218, 225, 255), chart.title.c_str());

  // Which series are shown (the legend toggles them), in their resolved colours.
  p.colors = series_colors(chart);
  std::vector<char>& shown = p.shown;
  shown.assign(chart.series.size(), 1);
  std::vector<std::size_t>& drawn = p.drawn;
  for (std::size_t i = 0; i < chart.series.size(); ++i) {
    const auto& s = chart.series[i];
    if (!s.name.empty() && store->GetBool(ImGui::GetID(("hide " + s.name).c_str()), false))
      shown[i] = 0;
    if (shown[i]) drawn.push_back(i);
  }

  Axis &ax = p.ax, &ay = p.ay;
  ax.log = chart.log_x;
  ay.log = chart.log_y;
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

  p.hovering = f.hovered && mouse.x >= a.x && mouse.x <= b.x && mouse.y >= a.y && mouse.y <= b.y;

  draw_grid(p);
  dl->PushClipRect(a, b, true);
  const NearPoint near = draw_series(p);
  const std::string runs_tip = read_runs_at(p);
  const std::string marker_tip = draw_markers(p);
  dl->PopClipRect();
  if (!view.fit)
    dl->AddText(ImVec2(a.x + 6 * u, b.y - line_h - 3 * u), IM_COL32(140, 145, 155, 200),
                "zoomed: double-click to fit");
  // One tooltip: the nearest point and any events under the pointer, wrapped to stay on screen.
  if (near.found() || !marker_tip.empty() || !runs_tip.empty()) {
    std::string tip = runs_tip;
    if (near.found() && runs_tip.empty()) {
      const SvgSeries& s = chart.series[near.series];
      dl->AddCircle(near.at, 5.f * u, IM_COL32(255, 255, 255, 220), 12, 1.5f * u);
      const std::string who = s.name.empty() ? std::string() : s.name + "\n";
      if (near.bin)
        tip = who + "[" + tip_number(near.x) + ", " + tip_number(near.x2) +
              "): " + tip_number(near.y);
      else
        tip = who + "x = " + tip_number(near.x) + "\ny = " + tip_number(near.y);
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

  draw_legend(p);
  if (cache) cache->end(f.dl->_ClipRectStack.back());
  std::optional<std::string> written;
  if (!export_stem.empty()) written = draw_export_menu(p, view, export_stem, report, csv_data);
  end_plot_frame();
  return written;
}

}  // namespace ts::plot
