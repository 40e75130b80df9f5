// The box every plot widget starts from: an ID scope, an invisible button over `size` at the
// cursor (so the plot can be hovered), and the border; plus the colours the widgets share.
// Plots have no fill of their own: a software renderer pays for every layer of pixels, so
// the panel (or, in an export, the clear colour) is the background. Immediate mode, UI thread.
#pragma once

#include <imgui.h>

#include <cstdio>
#include <string>

namespace ts::plot {

inline constexpr ImU32 kPlotBorder = IM_COL32(70, 74, 84, 255);
inline constexpr ImU32 kPlotText = IM_COL32(170, 175, 185, 255);
inline constexpr ImU32 kPlotGrid = IM_COL32(50, 54, 62, 255);

struct PlotFrame {
  ImVec2 p0, p1;  // screen corners
  ImDrawList* dl;
  bool hovered;
};

// Pushes `id`; pair with end_plot_frame(). `buttons` are the mouse buttons the box takes
// (ImGuiButtonFlags_MouseButton*), for plots that pan and zoom.
inline PlotFrame begin_plot_frame(const char* id, ImVec2 size, ImGuiButtonFlags buttons = 0) {
  ImGui::PushID(id);
  const ImVec2 p0 = ImGui::GetCursorScreenPos();
  ImGui::InvisibleButton("plot", size, buttons);
  PlotFrame f{p0, ImVec2(p0.x + size.x, p0.y + size.y), ImGui::GetWindowDrawList(),
              ImGui::IsItemHovered()};
  f.dl->AddRect(f.p0, f.p1, kPlotBorder);
  return f;
}

inline void end_plot_frame() { ImGui::PopID(); }

// A chart's "#rrggbb" colour with `alpha`; grey for anything else.
inline ImU32 parse_color(const std::string& hex, int alpha) {
  unsigned r = 128, g = 128, b = 128;
  if (hex.size() == 7 && hex[0] == '#') std::sscanf(hex.c_str() + 1, "%02x%02x%02x", &r, &g, &b);
  return IM_COL32(int(r), int(g), int(b), alpha);
}

}  // namespace ts::plot
