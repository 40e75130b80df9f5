#include "app/plot/xy_plot_parts.h"

#include "app/plot/plot_frame.h"

#include <algorithm>

namespace ts::plot::xy {

void draw_legend(const Frame& p) {
  const SvgChart& chart = *p.chart;
  ImDrawList* dl = p.dl;
  const ImVec2 a = p.a, b = p.b;
  const Axis &ax = p.ax, &ay = p.ay;
  const float u = p.u, line_h = p.line_h;
  const ImVec2 mouse = p.mouse;
  const PlotFrame& f = p.f;
  ImGuiStorage* store = p.store;
  const std::vector<std::string>& colors = p.colors;
  const std::vector<char>& shown = p.shown;
  const std::vector<std::size_t>& drawn = p.drawn;
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
        if (s.kind == SvgSeries::Kind::line && s.dotted) {
          for (int k = 0; k < 5; ++k)
            dl->AddLine(ImVec2(r0.x + (6 + 4 * k) * u, y + row / 2),
                        ImVec2(r0.x + (7.5f + 4 * k) * u, y + row / 2), c, 2.f * u);
        } else if (s.kind == SvgSeries::Kind::line && s.dashed) {
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
}

}  // namespace ts::plot::xy
